"""A tiny Llama-architecture model with a BPE tokenizer trained on given texts, built from a
config (random weights, nothing downloaded): for tests, benchmarks and smoke runs of the
training path. ChatML special tokens and `DEFAULT_CHAT_TEMPLATE` make it usable for SFT."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from corpus.train.encode import DEFAULT_CHAT_TEMPLATE
from tokenizers import Tokenizer

from corpus.tokenizer import make_tokenizer

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def train_bpe(texts: Iterable[str], vocab_size: int = 1000) -> Tokenizer:
    tokenizer, trainer = make_tokenizer("bpe", vocab_size, SPECIAL)
    trainer.show_progress = False
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def build_tiny_model(
    folder: Path,
    texts: Iterable[str],
    seed: int = 0,
    vocab_size: int = 1000,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    kv_heads: int = 2,
    intermediate: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> Path:
    """Saved to `folder` (weights in `dtype`); `intermediate` defaults to twice `hidden`."""
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_bpe(texts, vocab_size),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
    )
    tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=intermediate or hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=2048,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(dtype)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
