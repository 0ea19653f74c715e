"""Turn per-key budgets into a deterministic choice of whole records (with repeat counts)."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class KeyOutcome:
    """What one key got, for the summary table, the manifest and the card."""

    key: str
    available_tokens: int
    available_records: int
    target_tokens: float
    target_share: float
    tokens: int
    records: int
    repeats: int

    @property
    def epochs(self) -> float:
        return self.tokens / self.available_tokens if self.available_tokens else 0.0


def _rng(seed: int, kind: str, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(f"{kind}\x1f{key}".encode())])


def choose(
    meta: pl.DataFrame, budgets: dict[str, float], seed: int, kind: str
) -> tuple[pl.DataFrame, list[KeyOutcome]]:
    """Copies per record so each key's tokens come as close to its budget as whole records allow.

    Full epochs first (every record of the key, as many times as fit), then a seeded
    permutation of the key's records, cut where the running total is nearest the remainder:
    no record repeats within an epoch, and the error is at most half a record per key.
    """
    total_budget = sum(budgets.values())
    chosen: list[pl.DataFrame] = []
    outcomes: list[KeyOutcome] = []
    for key in sorted(budgets):
        part = meta.filter(pl.col("key") == key)
        tokens = part["tokens"].to_numpy().astype(np.int64)
        available = int(tokens.sum())
        budget = budgets[key]
        full = math.floor(budget / available) if available else 0
        rest = budget - full * available
        copies = np.full(len(tokens), full, dtype=np.int32)
        if len(tokens) and rest > 0:
            order = _rng(seed, kind, key).permutation(len(tokens))
            running = np.cumsum(tokens[order])
            cut = int(np.searchsorted(running, rest))
            if cut < len(order):
                below = running[cut - 1] if cut else 0
                cut += 1 if running[cut] - rest < rest - below else 0
            copies[order[:cut]] += 1
        taken = part.with_columns(pl.Series("copies", copies)).filter(pl.col("copies") > 0)
        chosen.append(taken.select("input", "file", "row", "copies"))
        written = int((tokens * copies).sum())
        outcomes.append(
            KeyOutcome(
                key=key,
                available_tokens=available,
                available_records=len(tokens),
                target_tokens=budget,
                target_share=budget / total_budget if total_budget else 0.0,
                tokens=written,
                records=int(copies.sum()),
                repeats=int(np.clip(copies - 1, 0, None).sum()),
            )
        )
    selection = pl.concat(chosen) if chosen else pl.DataFrame()
    return selection, outcomes
