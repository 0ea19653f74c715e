"""Variable-length attention for packed batches where flash-attention is not installed (CPU).

transformers' SDPA path turns a packed row into a (length x length) block-diagonal mask, so a
1,024-token bin of ten short examples still pays for a million scores, most of them masked,
and SDPA cannot use its causal fast path once a mask is given. Here each example of the row
runs as its own causal SDPA call, as flash-attention's varlen kernel does on GPU: the cost is
the sum of the squared example lengths. Anything else (a padding mask, a KV cache, no position
ids) goes to transformers' own SDPA function unchanged.
"""

from __future__ import annotations

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import (
    ALL_MASK_ATTENTION_FUNCTIONS,
    AttentionMaskInterface,
    sdpa_mask,
)

NAME = "sdpa_varlen"


def segment_lengths(positions: torch.Tensor) -> list[list[int]]:
    """Per row, the lengths of the runs of consecutive positions (one run per packed example)."""
    starts = torch.ones_like(positions, dtype=torch.bool)
    starts[:, 1:] = positions[:, 1:] != positions[:, :-1] + 1
    end = torch.tensor([positions.shape[1]], device=positions.device)
    return [torch.cat([row.nonzero().flatten(), end]).diff().tolist() for row in starts]


def varlen_sdpa_forward(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    position_ids: torch.Tensor | None = None,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    """query, key, value: (batch, heads, length, head_dim); returns (batch, length, heads, dim)."""
    packed = (
        attention_mask is None
        and position_ids is not None
        and query.shape[2] == key.shape[2] > 1
        and kwargs.get("position_bias") is None
        and getattr(module, "is_causal", True)
    )
    if not packed:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    positions = position_ids.expand(query.shape[0], -1)
    gqa = getattr(module, "num_key_value_groups", 1) > 1
    rows = []
    for row, lengths in enumerate(segment_lengths(positions)):
        outputs = []
        start = 0
        for length in lengths:
            part = slice(start, start + length)
            outputs.append(
                torch.nn.functional.scaled_dot_product_attention(
                    query[row : row + 1, :, part],
                    key[row : row + 1, :, part],
                    value[row : row + 1, :, part],
                    dropout_p=dropout,
                    scale=scaling,
                    is_causal=True,
                    enable_gqa=gqa,
                )
            )
            start += length
        rows.append(torch.cat(outputs, dim=2))
    return torch.cat(rows, dim=0).transpose(1, 2).contiguous(), None


def varlen_mask(**kwargs):
    """No mask to build for a packed batch without cache or sliding window (the attention
    splits it by position ids); anything else gets SDPA's mask."""
    plain = (
        kwargs.get("attention_mask") is None
        and kwargs.get("local_size") is None
        and kwargs.get("q_offset", 0) == 0
        and kwargs["q_length"] == kwargs["kv_length"]
    )
    return None if plain else sdpa_mask(**kwargs)


def register() -> str:
    """Make `attn_implementation=NAME` available to transformers; returns the name."""
    if NAME not in ALL_MASK_ATTENTION_FUNCTIONS._global_mapping:
        AttentionInterface.register(NAME, varlen_sdpa_forward)
        AttentionMaskInterface.register(NAME, varlen_mask)
    return NAME
