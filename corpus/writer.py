"""The dataset folder: parquet parts per kind, written into a temporary folder renamed at the end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.pipeline import PipelineStep
from corpus.records import KINDS, SCHEMAS, Kind

ROWS_PER_GROUP = 20_000
ROWS_PER_PART = 500_000
PROGRESS_EVERY = 2048


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success it replaces `out`, on failure it goes.

    A failed rebuild leaves an existing `out` untouched.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".corpus-tmp-{out.name}-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.parent / f"{tmp.name}-old"
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class _PartWriter:
    """Streams rows of one kind into data/KIND/part-NNNNN.parquet, a row group at a time."""

    def __init__(self, root: Path, kind: Kind) -> None:
        self.folder = root / "data" / kind
        self.schema = SCHEMAS[kind]
        self.buffer: list[dict] = []
        self.part = 0
        self.rows_in_part = 0
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def add(self, row: dict) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= ROWS_PER_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        if self.writer is None or self.rows_in_part >= ROWS_PER_PART:
            self.close()
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"part-{self.part:05d}.parquet"
            self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
            self.part += 1
            self.rows_in_part = 0
        self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema))
        self.rows_in_part += len(self.buffer)
        self.rows += len(self.buffer)
        self.buffer = []

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class DatasetWriter(PipelineStep):
    """Last step of a build: writes every record it sees and passes nothing on."""

    name = "writer"

    def __init__(self, root: Path, progress: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.root = root
        self.progress = progress

    def run(self, data, rank: int = 0, world_size: int = 1):
        parts = {kind: _PartWriter(self.root, kind) for kind in KINDS}
        unreported = 0
        try:
            for record in data:
                parts[record.kind].add(record.to_row())
                unreported += 1
                if self.progress is not None and unreported >= PROGRESS_EVERY:
                    self.progress(unreported)
                    unreported = 0
            if self.progress is not None:
                self.progress(unreported)
            for part in parts.values():
                part.flush()
        finally:
            for part in parts.values():
                part.close()
        for kind, part in parts.items():
            self.stats[f"records_{kind}"] = part.rows
        yield from ()
