"""Composition and length statistics of a dataset folder, computed from its parquet files.

Build and `corpus card` both call this, so a regenerated card always matches the data.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import polars as pl

from corpus.records import KINDS
from corpus.tokens import ESTIMATOR, TOKEN_PATTERN

HISTOGRAM_EDGES = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 1 << 62]
EXAMPLES_PER_LANG = {"text": 1, "instruct": 3}


def parquet_files(root: Path, kind: str) -> list[Path]:
    return sorted((root / "data" / kind).glob("*.parquet"))


def content_expr(kind: str) -> pl.Expr:
    """All text of a record: the document, or every message plus the reasoning."""
    if kind == "text":
        return pl.col("text")
    messages = pl.col("messages").list.eval(pl.element().struct.field("content")).list.join("\n")
    return pl.concat_str([messages, pl.col("reasoning").fill_null("")], separator="\n")


def _frame(root: Path, kind: str) -> pl.LazyFrame | None:
    files = parquet_files(root, kind)
    if not files:
        return None
    frame = pl.scan_parquet(files)
    group = pl.col("task") if kind == "instruct" else pl.lit("")
    return frame.select(
        "dataset",
        "lang",
        "source",
        group.alias("task"),
        content_expr(kind).str.count_matches(TOKEN_PATTERN).alias("tokens"),
        content_expr(kind).str.len_chars().alias("chars"),
    )


def compute_stats(root: Path) -> dict[str, Any]:
    """Counts by kind × dataset × language (records, tokens, chars), lengths, histograms."""
    stats: dict[str, Any] = {"token_estimator": ESTIMATOR, "kinds": {}}
    for kind in KINDS:
        frame = _frame(root, kind)
        if frame is None:
            continue
        data = frame.collect(engine="streaming")
        composition = (
            data.group_by("source", "dataset", "lang")
            .agg(pl.len().alias("records"), pl.col("tokens").sum(), pl.col("chars").sum())
            .sort("source", "dataset", "lang")
        )
        by_task = (
            data.group_by("task", "lang")
            .agg(pl.len().alias("records"), pl.col("tokens").sum())
            .sort("task", "lang")
        )
        tokens = data["tokens"].cast(pl.Int64)
        counts = [
            int(((tokens >= lo) & (tokens < hi)).sum()) for lo, hi in pairwise(HISTOGRAM_EDGES)
        ]
        stats["kinds"][kind] = {
            "records": data.height,
            "tokens": int(tokens.sum()),
            "chars": int(data["chars"].sum()),
            "composition": composition.to_dicts(),
            "by_task": by_task.to_dicts() if kind == "instruct" else [],
            "length_tokens": {
                "min": int(tokens.min()),
                "p50": int(tokens.quantile(0.5, "nearest")),
                "p90": int(tokens.quantile(0.9, "nearest")),
                "p99": int(tokens.quantile(0.99, "nearest")),
                "max": int(tokens.max()),
                "mean": round(float(tokens.mean()), 1),
            },
            "histogram": {"edges": HISTOGRAM_EDGES, "counts": counts},
        }
    return stats


def examples(root: Path, kind: str) -> list[dict]:
    """Records to show in the card: for each language, the first record of each of its first
    few tasks (one text record per language). Stable for identical data."""
    files = parquet_files(root, kind)
    if not files:
        return []
    per_lang = EXAMPLES_PER_LANG[kind]
    keys = ["lang", "task"] if kind == "instruct" else ["lang"]
    firsts = (
        pl.scan_parquet(files)
        .with_row_index("_row")
        .group_by(keys)
        .agg(pl.col("_row").min())
        .sort(keys)
        .group_by("lang", maintain_order=True)
        .head(per_lang)
        .collect()
    )
    rows = set(firsts["_row"].to_list())
    picked = pl.scan_parquet(files).with_row_index("_row").filter(pl.col("_row").is_in(rows))
    return picked.sort(keys).drop("_row").collect().to_dicts()
