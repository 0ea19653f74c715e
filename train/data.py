"""Reading a built dataset folder for training: the kind the mode needs, row group by row group."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from corpus.errors import InputError
from corpus.stats import parquet_files

KIND_OF_MODE = {"clm": "text", "sft": "instruct"}


def dataset_files(root: Path, mode: str) -> list[Path]:
    """The parquet parts of the kind `mode` trains on; an error naming what the folder holds."""
    kind = KIND_OF_MODE[mode]
    if not (root / "manifest.json").is_file():
        raise InputError(root, None, "not a dataset folder (no manifest.json): run corpus build")
    files = parquet_files(root, kind)
    if not files or not any(pq.ParquetFile(f).metadata.num_rows for f in files):
        held = sorted(p.name for p in (root / "data").iterdir() if any(p.glob("*.parquet")))
        raise InputError(
            root,
            None,
            f"no {kind} records for --mode {mode} (this folder holds: {', '.join(held) or 'none'})",
        )
    return files


def read_texts(files: list[Path]) -> Iterator[str]:
    for path in files:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):
            yield from parquet.read_row_group(group, columns=["text"]).column("text").to_pylist()


def read_conversations(files: list[Path]) -> Iterator[tuple[list[dict[str, str]], str | None]]:
    for path in files:
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group, columns=["messages", "reasoning"])
            yield from zip(
                table.column("messages").to_pylist(),
                table.column("reasoning").to_pylist(),
                strict=True,
            )
