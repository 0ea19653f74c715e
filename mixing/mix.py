"""`corpus mix`: plan on metadata, then stream the chosen records into a new dataset folder.

Stages (each a function): load metadata -> budget per key -> choose records -> write ->
manifest + card. Only (file, row, key, tokens) is held in memory; texts are copied file by
file, one input part at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from corpus.mixing.budget import exact_budget, temperature_shares, unimax_budget
from corpus.mixing.counts import TokenCounter, metadata
from corpus.mixing.sample import KeyOutcome, choose

from corpus import __version__
from corpus.card import write_card
from corpus.errors import OptionError
from corpus.manifest import (
    derived_from,
    now_utc,
    package_versions,
    read_manifest,
    require_distinct,
    write_manifest,
)
from corpus.records import KINDS, SCHEMAS
from corpus.writer import PartWriter, atomic_output, check_replaceable, copy_rows, number_parts

MIX_KEYS = ("lang", "source", "dataset")  # record columns a mix can balance


@dataclass(frozen=True)
class MixSpec:
    """What to mix and how; validated before any data is read."""

    ratio: dict[str, float] | None = None
    temperature: float | None = None
    unimax: bool = False
    by: str = "lang"
    unit: str = "tokens"
    tokenizer: Path | None = None
    total: int | None = None
    max_epochs: float = 1.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0

    def check(self) -> None:
        modes = sum([self.ratio is not None, self.temperature is not None, self.unimax])
        if modes != 1:
            raise OptionError("give exactly one of --ratio, --temperature, --unimax")
        if self.by not in MIX_KEYS:
            raise OptionError(f"--by {self.by!r}: expected one of {', '.join(MIX_KEYS)}")
        if self.unit not in ("tokens", "docs"):
            raise OptionError(f"--unit {self.unit!r}: expected tokens or docs")
        if self.max_epochs < 1:
            raise OptionError(f"--max-epochs {self.max_epochs:g}: must be at least 1")
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise OptionError(f"--kind {unknown[0]!r}: expected text or instruct")


@dataclass
class KindPlan:
    kind: str
    selection: pl.DataFrame
    outcomes: list[KeyOutcome]
    left_out: dict[str, dict[str, int]]


def _available(meta: pl.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    grouped = (
        meta.group_by("key").agg(pl.col("tokens").sum(), pl.len().alias("records")).sort("key")
    )
    return (
        dict(zip(grouped["key"], grouped["tokens"], strict=True)),
        dict(zip(grouped["key"], grouped["records"], strict=True)),
    )


def budgets_for(spec: MixSpec, kind: str, available: dict[str, int]) -> dict[str, float]:
    """Target tokens per key for one kind, by the spec's mode."""
    unit = spec.unit
    if spec.ratio is not None:
        missing = [k for k in spec.ratio if k not in available]
        if missing:
            listing = ", ".join(f"{k} {n:,}" for k, n in available.items()) or "none"
            raise OptionError(
                f"--ratio key(s) {', '.join(missing)} not in the {kind} records of the inputs; "
                f"available {spec.by} keys ({unit}): {listing}"
            )
        return exact_budget(spec.ratio, available, spec.total, spec.max_epochs, unit)
    if spec.temperature is not None:
        shares = temperature_shares(available, spec.temperature)
        return exact_budget(shares, available, spec.total, spec.max_epochs, unit)
    return unimax_budget(available, spec.total or sum(available.values()), spec.max_epochs)


def plan(inputs: list[Path], spec: MixSpec, counter: TokenCounter) -> list[KindPlan]:
    """Metadata of every input, budgets and the chosen records, kind by kind."""
    plans = []
    for kind in spec.kinds:
        frames = [
            metadata(folder, kind, spec.by, counter).with_columns(
                pl.lit(index, pl.UInt16).alias("input")
            )
            for index, folder in enumerate(inputs)
        ]
        meta = pl.concat(frames)
        if meta.is_empty():
            if len(spec.kinds) == 1:
                raise OptionError(f"no {kind} records in the inputs")
            continue
        available, records = _available(meta)
        budgets = budgets_for(spec, kind, available)
        selection, outcomes = choose(
            meta.filter(pl.col("key").is_in(list(budgets))), budgets, spec.seed, kind
        )
        left_out = {
            k: {"tokens": available[k], "records": records[k]}
            for k in available
            if k not in budgets
        }
        plans.append(KindPlan(kind, selection, outcomes, left_out))
    return plans


def write_selection(inputs: list[Path], kind_plan: KindPlan, root: Path) -> int:
    """Copy the chosen rows, epoch by epoch so repeats of a record are not adjacent."""
    writer = PartWriter(root / "data" / kind_plan.kind, SCHEMAS[kind_plan.kind])
    selection = kind_plan.selection.with_columns(pl.col("file").cast(pl.String)).sort(
        "input", "file", "row"
    )
    epochs = int(selection["copies"].max() or 0)
    try:
        for epoch in range(epochs):
            wanted = selection.filter(pl.col("copies") > epoch)
            for (index, name), rows in wanted.group_by(["input", "file"], maintain_order=True):
                copy_rows(pq.ParquetFile(inputs[index] / name), rows["row"].to_numpy(), writer)
    finally:
        writer.close()
    return writer.rows


def _summary(kind_plan: KindPlan, spec: MixSpec, counter: TokenCounter) -> dict[str, Any]:
    total = sum(o.tokens for o in kind_plan.outcomes)
    keys = []
    for outcome in kind_plan.outcomes:
        row = asdict(outcome)
        row["target_tokens"] = round(outcome.target_tokens, 1)
        row["share"] = outcome.tokens / total if total else 0.0
        row["epochs"] = round(outcome.epochs, 4)
        keys.append(row)
    return {
        "unit": spec.unit,
        "counter": counter.name,
        "by": spec.by,
        "keys": keys,
        "left_out": kind_plan.left_out,
    }


def mix(
    inputs: list[Path], out: Path, spec: MixSpec, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Mix dataset folders into `out`; returns the manifest."""
    spec.check()
    require_distinct(inputs)
    check_replaceable(out)
    manifests = [read_manifest(folder) for folder in inputs]
    counter = TokenCounter.create(spec.unit, spec.tokenizer)
    plans = plan(inputs, spec, counter)
    with atomic_output(out) as tmp:
        counts = {}
        for kind_plan in plans:
            if progress is not None:
                progress(f"writing {kind_plan.kind}")
            counts[kind_plan.kind] = write_selection(inputs, kind_plan, tmp)
        number_parts(tmp)
        derived = derived_from(inputs, manifests)
        manifest: dict[str, Any] = {
            "name": f"mix: {out.name}",
            "source": "mix",
            "inputs": derived["inputs"],
            "options": {
                "seed": spec.seed,
                "ratio": spec.ratio,
                "temperature": spec.temperature,
                "unimax": spec.unimax,
                "by": spec.by,
                "unit": spec.unit,
                "tokenizer": str(spec.tokenizer) if spec.tokenizer else None,
                "total": spec.total,
                "max_epochs": spec.max_epochs,
                "kinds": list(spec.kinds),
            },
            "licenses": derived["licenses"],
            "languages_without_templates": [],
            "counts": counts,
            "mixture": {p.kind: _summary(p, spec, counter) for p in plans},
            "steps": {},
            "limitations": [
                "Records are whole: each key's tokens are within half a record of its budget.",
                "Repeated records (upsampling) keep their id; records are written in input order, "
                "epoch after epoch: shuffle when training.",
            ],
            "versions": {**package_versions(), "corpus": __version__},
            "built_at": now_utc(),
        }
        manifest["stats"] = write_card(tmp, manifest)
        write_manifest(tmp, manifest)
    return manifest
