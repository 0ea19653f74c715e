"""Packing examples into fixed-capacity bins, and padding-free (flattened) batches.

A batch holds one row per bin, its examples laid end to end, with `position_ids` restarting
at every example. The trainer's attention (train/attention.py on CPU, flash-attention's varlen
kernels on GPU) runs each example alone from those position ids; transformers' own SDPA and
eager paths (>= 4.53, masking_utils) turn them into a block-diagonal causal mask. Either way no
token attends across an example boundary and no slot is spent on padding. The padded collator
is kept for comparison (bench/packing.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from corpus.train.encode import IGNORE, Example


@dataclass
class Fitted:
    """What fitting examples to --max-length did: examples split (CLM) or dropped (SFT)."""

    kept: list[Example]
    split: int = 0
    truncated: int = 0
    dropped: int = 0


def fit_clm(examples: Iterable[Example], max_length: int) -> Fitted:
    """A document longer than the bin is cut into bin-sized pieces; each piece restarts its
    positions and does not predict its own first token."""
    out = Fitted([])
    for example in examples:
        if len(example) <= max_length:
            out.kept.append(example)
            continue
        out.split += 1
        for start in range(0, len(example), max_length):
            out.kept.append(example.piece(start, start + max_length))
    return out


def fit_sft(examples: Iterable[Example], max_length: int, truncate: bool = False) -> Fitted:
    """A conversation longer than the bin is dropped (default: a cut answer teaches the model
    to stop mid-sentence) or truncated; either way counted. Examples without targets left are
    dropped."""
    out = Fitted([])
    for example in examples:
        if len(example) > max_length:
            if not truncate:
                out.dropped += 1
                continue
            out.truncated += 1
            example = Example(example.input_ids[:max_length], example.labels[:max_length])
        if (example.labels == IGNORE).all():
            out.dropped += 1
            continue
        out.kept.append(example)
    return out


def best_fit_decreasing(lengths: list[int], capacity: int) -> list[list[int]]:
    """Indices per bin: longest first, each into the fullest bin it still fits (O(n log n) with
    a sorted list of free space). Bins come back ordered by their first item, deterministic."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    free: list[tuple[int, int]] = []  # (free space, bin), sorted
    bins: list[list[int]] = []
    for i in order:
        size = lengths[i]
        if size > capacity:
            raise ValueError(f"an example of {size} tokens exceeds the bin of {capacity}")
        at = bisect.bisect_left(free, (size, -1))
        if at == len(free):
            bins.append([i])
            bisect.insort(free, (capacity - size, len(bins) - 1))
            continue
        space, index = free.pop(at)
        bins[index].append(i)
        bisect.insort(free, (space - size, index))
    return bins


def pack(examples: list[Example], capacity: int) -> list[list[Example]]:
    return [
        [examples[i] for i in members]
        for members in best_fit_decreasing([len(e) for e in examples], capacity)
    ]


def stream(examples: list[Example], capacity: int) -> list[list[Example]]:
    """CLM: documents laid end to end and cut into full bins; a document cut at a bin's end
    goes on at the start of the next as a piece of its own (positions restart, its first
    token is not a target). Every bin but the last is full."""
    bins: list[list[Example]] = [[]]
    free = capacity
    for example in examples:
        start = 0
        while start < len(example):
            if free == 0:
                bins.append([])
                free = capacity
            taken = min(free, len(example) - start)
            whole = taken == len(example)
            bins[-1].append(example if whole else _part(example, start, start + taken))
            free -= taken
            start += taken
    return [b for b in bins if b]


def _part(example: Example, start: int, stop: int) -> Example:
    """A document's head keeps its labels; a later part does not predict its first token."""
    if start:
        return example.piece(start, stop)
    return Example(example.input_ids[start:stop], example.labels[start:stop])


def efficiency(bins: list[list[Example]], capacity: int) -> float:
    """Real tokens / token slots of the bins."""
    return sum(len(e) for b in bins for e in b) / (len(bins) * capacity) if bins else 0.0


def flat_batch(examples: Iterable[Example]) -> dict[str, torch.Tensor]:
    """One row, examples end to end, positions restarting: no padding, no attention mask."""
    return packed_batch([list(examples)], pad_id=0)


def packed_batch(bins: list[list[Example]], pad_id: int) -> dict[str, torch.Tensor]:
    """One row per bin, examples end to end with positions restarting. Rows shorter than the
    longest are filled with pad tokens that form a sequence of their own (positions from 0,
    no targets), so no attention mask is needed and attention stays within a bin: SDPA's
    cost is rows x length^2, not (all tokens)^2 as one flat row would be."""
    width = max(sum(len(e) for e in b) for b in bins)
    ids = np.full((len(bins), width), pad_id, dtype=np.int64)
    labels = np.full((len(bins), width), IGNORE, dtype=np.int64)
    positions = np.empty((len(bins), width), dtype=np.int64)
    for row, members in enumerate(bins):
        at = 0
        for example in members:
            ids[row, at : at + len(example)] = example.input_ids
            labels[row, at : at + len(example)] = example.labels
            positions[row, at : at + len(example)] = np.arange(len(example))
            at += len(example)
        positions[row, at:] = np.arange(width - at)
    return {
        "input_ids": torch.from_numpy(ids),
        "labels": torch.from_numpy(labels),
        "position_ids": torch.from_numpy(positions),
    }


def padded_batch(examples: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """The classic layout: one row per example, right-padded to the longest, with a mask."""
    width = max(len(e) for e in examples)
    ids = np.full((len(examples), width), pad_id, dtype=np.int64)
    labels = np.full((len(examples), width), IGNORE, dtype=np.int64)
    mask = np.zeros((len(examples), width), dtype=np.int64)
    for row, example in enumerate(examples):
        ids[row, : len(example)] = example.input_ids
        labels[row, : len(example)] = example.labels
        mask[row, : len(example)] = 1
    return {
        "input_ids": torch.from_numpy(ids),
        "labels": torch.from_numpy(labels),
        "attention_mask": torch.from_numpy(mask),
    }


def batches(bins: list[list[Example]], bins_per_batch: int) -> Iterator[list[list[Example]]]:
    for start in range(0, len(bins), bins_per_batch):
        yield bins[start : start + bins_per_batch]
