"""Composition and length statistics of a dataset: records, tokens and characters by source,
dataset, language and task, and the distribution of token lengths.

A build gathers them while it writes (each row group goes to a `StatsAccumulator`, ranks
merge theirs); `corpus card`, mix and dedup compute them from the parquet files with the same
counts, so a regenerated card matches the data (tested).
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from corpus.arrow_arrays import number_array, value_codes
from corpus.records import KINDS
from corpus.tokens import ESTIMATOR, TOKEN_PATTERN

HISTOGRAM_EDGES = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 1 << 62]
EXAMPLES_PER_LANG = {"text": 1, "instruct": 3}
EXAMPLE_BATCH = 512  # rows decoded at a time while looking for the examples
KEY_BATCH = 65_536  # rows of their language and task columns, to find where each starts


def parquet_files(root: Path, kind: str) -> list[Path]:
    return sorted((root / "data" / kind).glob("*.parquet"))


def content_expr(kind: str) -> pl.Expr:
    """All text of a record: the document, or every message plus the reasoning."""
    if kind == "text":
        return pl.col("text")
    messages = pl.col("messages").list.eval(pl.element().struct.field("content")).list.join("\n")
    return pl.concat_str([messages, pl.col("reasoning").fill_null("")], separator="\n")


COMPOSITION_KEYS = ("source", "dataset", "lang", "records", "tokens", "chars", "bytes")
TASK_KEYS = ("task", "lang", "records", "tokens")


class StatsAccumulator:
    """Counts that add up batch by batch (records, tokens, chars, bytes by group; records by token
    length), so stats need neither a second read of the data nor memory that grows with it:
    the writer feeds it each row group as it is written, ranks merge theirs."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[tuple[str, str, str], list[int]]] = {}
        self.tasks: dict[str, dict[tuple[str, str], list[int]]] = {}
        self.lengths: dict[str, Counter[int]] = {}

    def add(self, kind: str, table: pa.Table) -> None:
        """One batch of records (a row group the writer is writing)."""
        self.add_counts(kind, counts_by_length(pl.from_arrow(table).lazy(), kind))

    def add_counts(self, kind: str, counts: pl.DataFrame) -> None:
        """Rows of `counts_by_length`: records, chars and bytes per group and token length."""
        weighted = pl.col("tokens") * pl.col("records")
        by_group = counts.group_by("source", "dataset", "lang").agg(
            pl.col("records").sum(),
            weighted.sum().alias("tokens"),
            pl.col("chars").sum(),
            pl.col("bytes").sum(),
        )
        groups = self.groups.setdefault(kind, {})
        for source, dataset, lang, *values in by_group.iter_rows():
            _add(groups, (source, dataset, lang), values)
        by_task = counts.group_by("task", "lang").agg(
            pl.col("records").sum(), weighted.sum().alias("tokens")
        )
        tasks = self.tasks.setdefault(kind, {})
        for task, lang, *values in by_task.iter_rows():
            _add(tasks, (task, lang), values)
        lengths = self.lengths.setdefault(kind, Counter())
        for value, records in counts.group_by("tokens").agg(pl.col("records").sum()).iter_rows():
            lengths[value] += records

    def merge(self, other: StatsAccumulator) -> None:
        for kind, groups in other.groups.items():
            for key, values in groups.items():
                _add(self.groups.setdefault(kind, {}), key, values)
        for kind, tasks in other.tasks.items():
            for key, values in tasks.items():
                _add(self.tasks.setdefault(kind, {}), key, values)
        for kind, lengths in other.lengths.items():
            self.lengths.setdefault(kind, Counter()).update(lengths)

    def to_json(self) -> dict[str, Any]:
        return {
            "groups": {k: [[*key, *v] for key, v in g.items()] for k, g in self.groups.items()},
            "tasks": {k: [[*key, *v] for key, v in t.items()] for k, t in self.tasks.items()},
            "lengths": {k: [[v, n] for v, n in c.items()] for k, c in self.lengths.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StatsAccumulator:
        made = cls()
        made.groups = {k: {tuple(r[:3]): r[3:] for r in rows} for k, rows in data["groups"].items()}
        made.tasks = {k: {tuple(r[:2]): r[2:] for r in rows} for k, rows in data["tasks"].items()}
        made.lengths = {k: Counter(dict(rows)) for k, rows in data["lengths"].items()}
        return made

    def result(self) -> dict[str, Any]:
        """What the card shows: counts by kind × source × dataset × language, by task, and
        token lengths (quantiles exact: taken from the count of records at each length)."""
        stats: dict[str, Any] = {"token_estimator": ESTIMATOR, "kinds": {}}
        for kind in KINDS:
            lengths = self.lengths.get(kind)
            if not lengths:
                continue
            composition = [
                dict(zip(COMPOSITION_KEYS, (*key, *v), strict=True))
                for key, v in sorted(self.groups[kind].items())
            ]
            by_task = [
                dict(zip(TASK_KEYS, (*key, *v), strict=True))
                for key, v in sorted(self.tasks[kind].items())
            ]
            values = sorted(lengths)
            records = sum(lengths.values())
            tokens = sum(v * n for v, n in lengths.items())
            stats["kinds"][kind] = {
                "records": records,
                "tokens": tokens,
                "chars": sum(row["chars"] for row in composition),
                "bytes": sum(row["bytes"] for row in composition),
                "composition": composition,
                "by_task": by_task if kind == "instruct" else [],
                "length_tokens": {
                    "min": values[0],
                    "p50": _nearest(values, lengths, records, 0.5),
                    "p90": _nearest(values, lengths, records, 0.9),
                    "p99": _nearest(values, lengths, records, 0.99),
                    "max": values[-1],
                    "mean": round(tokens / records, 1),
                },
                "histogram": {
                    "edges": HISTOGRAM_EDGES,
                    "counts": [
                        sum(n for v, n in lengths.items() if lo <= v < hi)
                        for lo, hi in pairwise(HISTOGRAM_EDGES)
                    ],
                },
            }
        return stats


def _add(table: dict, key: tuple, values) -> None:
    current = table.get(key)
    if current is None:
        table[key] = list(values)
    else:
        for i, value in enumerate(values):
            current[i] += value


def _nearest(values: list[int], counts: Counter[int], total: int, q: float) -> int:
    """The value at sorted position q·(n−1) rounded half up: polars' 'nearest' quantile."""
    position = math.floor(q * (total - 1) + 0.5)
    seen = 0
    for value in values:
        seen += counts[value]
        if seen > position:
            return value
    return values[-1]


def counts_by_length(frame: pl.LazyFrame, kind: str, streaming: bool = False) -> pl.DataFrame:
    """Records, chars and UTF-8 bytes per (source, dataset, language, task, token length):
    small whatever the data's size, and every figure of the card adds up from it."""
    task = pl.col("task") if kind == "instruct" else pl.lit("")
    content = pl.col("content")  # joined once: polars made it once per measure (~20% slower)
    return (
        frame.select(
            "source", "dataset", "lang", task.alias("task"), content_expr(kind).alias("content")
        )
        .select(
            "source",
            "dataset",
            "lang",
            "task",
            content.str.count_matches(TOKEN_PATTERN).cast(pl.Int64).alias("tokens"),
            content.str.len_chars().cast(pl.Int64).alias("chars"),
            content.str.len_bytes().cast(pl.Int64).alias("bytes"),
        )
        .group_by("source", "dataset", "lang", "task", "tokens")
        .agg(pl.len().cast(pl.Int64).alias("records"), pl.col("chars").sum(), pl.col("bytes").sum())
        .collect(engine="streaming" if streaming else "auto")
    )


def shard_stats(root: Path, rank: int) -> StatsAccumulator:
    """Stats of the shards one rank wrote in `root` (a forked rank leaves them to the parent)."""
    return _stats_of_files(
        {kind: sorted((root / "data" / kind).glob(f"shard-{rank:05d}-*.parquet")) for kind in KINDS}
    )


def compute_stats(root: Path) -> dict[str, Any]:
    """Stats of a dataset folder."""
    return _stats_of_files({kind: parquet_files(root, kind) for kind in KINDS}).result()


def _stats_of_files(files: dict[str, list[Path]]) -> StatsAccumulator:
    """Counts of each kind's parquet files, by polars' streaming engine (memory stays flat)."""
    accumulator = StatsAccumulator()
    for kind, paths in files.items():
        if paths:
            counts = counts_by_length(pl.scan_parquet(paths), kind, streaming=True)
            accumulator.add_counts(kind, counts)
    return accumulator


def examples(root: Path, kind: str) -> list[dict]:
    """Records to show in the card: for each language, the first record of each of its first
    few tasks (one text record per language). Stable for identical data."""
    files = parquet_files(root, kind)
    if not files:
        return []
    keys = ["lang", "task"] if kind == "instruct" else ["lang"]
    firsts = first_rows(files, keys)
    taken: dict[str, int] = {}
    rows = []
    # languages in order, each one's tasks in order (a missing value first, as polars sorts)
    for key in sorted(firsts, key=lambda values: [(v is not None, v) for v in values]):
        if taken.setdefault(key[0], 0) < EXAMPLES_PER_LANG[kind]:
            taken[key[0]] += 1
            rows.append(firsts[key])
    by_row = dict(zip(sorted(rows), read_rows(files, rows), strict=True))
    return [by_row[row] for row in rows]


def first_rows(files: list[Path], keys: list[str]) -> dict[tuple, int]:
    """Index of the first row of each value of `keys` in the files taken as one table, from
    those columns alone, a batch at a time (polars' query of it held ~20 MB more at peak).
    The values are numbered by dictionary encoding, not grouped by Acero, whose import loads
    pandas (~0.4 s of a small build)."""
    firsts: dict[tuple, int] = {}
    offset = 0
    for file in files:
        with pq.ParquetFile(file) as parquet:
            for batch in parquet.iter_batches(KEY_BATCH, columns=keys):
                combined = np.zeros(len(batch), dtype=np.int64)
                for key in keys:  # one number per combination of the keys' values
                    codes, distinct = value_codes(batch.column(key))
                    combined = combined * distinct + codes
                _, starts = np.unique(combined, return_index=True)
                for start in sorted(starts.tolist()):
                    values = tuple(batch.column(key)[start].as_py() for key in keys)
                    firsts.setdefault(values, offset + start)
                offset += len(batch)
    return firsts


def read_rows(files: list[Path], rows: list[int]) -> list[dict]:
    """Rows of the files taken as one table, by index (returned in index order), decoding
    only the row groups that hold them, a batch at a time: a filter over a scan held every
    column of a big build."""
    found: list[dict] = []
    first, rows = 0, sorted(rows)
    for file in files:
        with pq.ParquetFile(file) as parquet:
            for group in range(parquet.num_row_groups):
                size = parquet.metadata.row_group(group).num_rows
                wanted = [row - first for row in rows if first <= row < first + size]
                first += size
                offset = 0
                for batch in parquet.iter_batches(EXAMPLE_BATCH, [group]) if wanted else ():
                    taken = [row - offset for row in wanted if offset <= row < offset + len(batch)]
                    if taken:
                        found.extend(batch.take(number_array(taken)).to_pylist())
                    offset += len(batch)
                    if offset > wanted[-1]:
                        break
    return found
