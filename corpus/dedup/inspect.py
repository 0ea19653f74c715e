"""`corpus dedup --inspect N`: the biggest clusters, with the kept record and one dropped."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.table import Table

from corpus.dedup.run import CLUSTERS
from corpus.stats import parquet_files


def _texts(inputs: list[Path], ids: set[str]) -> dict[str, str]:
    """Content of the wanted records (text, or the last message), scanning the inputs once."""
    found: dict[str, str] = {}
    for folder in inputs:
        for kind in ("text", "instruct"):
            files = parquet_files(folder, kind)
            if not files:
                continue
            column = (
                pl.col("text")
                if kind == "text"
                else pl.col("messages").list.last().struct.field("content")
            )
            rows = pl.scan_parquet(files).filter(pl.col("id").is_in(list(ids)))
            for record_id, text in rows.select("id", column.alias("content")).collect().iter_rows():
                found.setdefault(record_id, text)
    return found


def biggest_clusters(inputs: list[Path], out: Path, top: int) -> Table:
    clusters = (
        pl.read_parquet(out / CLUSTERS)
        .with_columns(pl.col("dropped_ids").list.len().alias("dropped"))
        .sort(["dropped", "kind", "cluster"], descending=[True, False, False])
        .head(top)
    )
    wanted = set(clusters["kept_id"]) | {ids[0] for ids in clusters["dropped_ids"]}
    texts = _texts(inputs, wanted)
    columns = ("kind", "match", "dropped", "similarity", "kept", "a dropped one")
    table = Table(*columns, title="clusters")
    for row in clusters.iter_rows(named=True):
        table.add_row(
            row["kind"],
            row["match"],
            str(row["dropped"]),
            f"{row['similarity']:.2f}",
            texts.get(row["kept_id"], "")[:160],
            texts.get(row["dropped_ids"][0], "")[:160],
        )
    return table
