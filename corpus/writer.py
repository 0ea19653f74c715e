"""The dataset folder: parquet parts per kind, in a temporary folder renamed at the end."""

from __future__ import annotations

import json
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus.arrow_arrays import column, number_array
from corpus.errors import InputError
from corpus.manifest import MANIFEST
from corpus.pipeline import PipelineStep
from corpus.records import KINDS, REPEATED_COLUMNS, SCHEMAS
from corpus.stats import StatsAccumulator

ROWS_PER_GROUP = 20_000
BYTES_PER_GROUP = 4 << 20  # long abstracts: flush by size too, so memory stays flat
ROWS_PER_PART = 500_000
PROGRESS_EVERY = 2048


# in every folder corpus writes: the folders a later run may replace
OUTPUT_MARKER = ".corpus-output"


def check_replaceable(out: Path) -> None:
    """Refuse an OUT that corpus did not write: replacing it would delete what it holds (a
    typo'd `--out .`, `--out notes.txt`). A missing OUT, an empty folder, and a folder corpus
    wrote (its marker, or a dataset's manifest.json) may be replaced. Called before any work."""
    out = out.resolve()
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(out, None, "--out is a file, where a folder goes: choose another --out")
    if (out / OUTPUT_MARKER).is_file() or (out / MANIFEST).is_file() or not any(out.iterdir()):
        return
    raise InputError(
        out,
        None,
        "--out holds files that corpus did not write; replacing the folder would delete them:"
        " choose another --out, or remove it first",
    )


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success it replaces `out`, on failure it goes.

    A failed rebuild leaves an existing `out` untouched; an `out` corpus did not write is
    refused before anything is done (`check_replaceable`).
    """
    check_replaceable(out)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".corpus-tmp-{out.name}-", dir=out.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would leave OUT unreadable to the team
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_folder(tmp, out)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def reuse_work(work: Path, spec: dict[str, Any]) -> None:
    """Keep the work folder of an interrupted run whose spec (inputs, options) is this run's,
    so finished shards are not made again; otherwise start it afresh."""
    text = json.dumps(spec, sort_keys=True)
    marker = work / "spec.json"
    if marker.exists() and marker.read_text() != text:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    marker.write_text(text)


def replace_folder(new: Path, out: Path) -> None:
    """Put `new` where `out` is, the old `out` (if any) removed only once `new` is in place;
    `new` is marked as corpus's, so a later run may replace it in turn."""
    check_replaceable(out)  # checked before the work too; a folder may have appeared since
    (new / OUTPUT_MARKER).write_text("written by corpus: a later run with this --out replaces it\n")
    out = out.resolve()
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{new.name}"
        out.rename(old)
    new.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class Background:
    """One worker thread that runs the calls handed to it, in order. Parquet encoding and
    compression, and polars' token counts, let go of the GIL: on it they overlap the making
    of the next records. A failed call is raised by the next `submit` or by `close`."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[Callable[..., None], tuple] | None] = queue.Queue(4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                call, args = item
                try:
                    call(*args)
                except BaseException as exc:
                    self.error = exc

    def submit(self, call: Callable[..., None], *args: object) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((call, args))

    def close(self, check: bool = True) -> None:
        """Wait for every call handed over; raise the first failure unless `check` is off
        (when the writer is already failing for another reason)."""
        self.queue.put(None)
        self.thread.join()
        if check and self.error is not None:
            raise self.error


class PartWriter:
    """Streams rows of one kind into data/KIND/shard-RANK-NNNNN.parquet, a row group at a
    time (`number_parts` gives them their final names). With a `background`, row groups are
    written (and shown to `on_table`) on its thread."""

    def __init__(
        self,
        folder: Path,
        schema: pa.Schema,
        rank: int = 0,
        on_table: Callable[[pa.Table], None] | None = None,
        background: Background | None = None,
    ) -> None:
        self.folder = folder
        self.on_table = on_table  # sees each batch of rows as it is written (stats)
        self.background = background
        self.rank = rank
        self.schema = schema
        self.buffer: list[tuple] = []
        self.buffered_bytes = 0
        self.part = 0
        self.rows_in_part = 0
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0
        self.dictionary = [name for name in schema.names if name in REPEATED_COLUMNS]

    def add(self, row: tuple, size: int = 0) -> None:
        """Buffer one row; `size` (its text length) bounds the buffer's memory."""
        self.buffer.append(row)
        self.buffered_bytes += size
        if len(self.buffer) >= ROWS_PER_GROUP or self.buffered_bytes >= BYTES_PER_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        columns = [
            column(values, field.type)
            for values, field in zip(zip(*self.buffer, strict=True), self.schema, strict=True)
        ]
        self.buffer = []
        self.buffered_bytes = 0
        table = pa.Table.from_arrays(columns, schema=self.schema)
        if self.background is None:
            self._store(table)
        else:
            self.background.submit(self._store, table)

    def _store(self, table: pa.Table) -> None:
        if self.on_table is not None:
            self.on_table(table)
        self.write_table(table)

    def write_table(self, table: pa.Table) -> None:
        """Append rows that are already Arrow (a mix copies them from other datasets)."""
        for batch in table.to_batches(max_chunksize=ROWS_PER_GROUP):
            if self.writer is None or self.rows_in_part >= ROWS_PER_PART:
                self._close_file()
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / f"shard-{self.rank:05d}-{self.part:05d}.parquet"
                self.writer = pq.ParquetWriter(
                    path, self.schema, compression="zstd", use_dictionary=self.dictionary
                )
                self.part += 1
                self.rows_in_part = 0
            self.writer.write_table(pa.Table.from_batches([batch], schema=self.schema))
            self.rows_in_part += batch.num_rows
            self.rows += batch.num_rows

    def _close_file(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def close(self) -> None:
        """Close the open part (after the row groups handed to the background, if any)."""
        if self.background is None:
            self._close_file()
        else:
            self.background.submit(self._close_file)


class DatasetWriter(PipelineStep):
    """Last step of a build: writes every record it sees and passes nothing on; the stats of
    what it wrote are in `accumulator` once it has run (unless `stats` is off: a forked rank,
    which must not use polars, leaves them to the parent)."""

    name = "writer"

    def __init__(
        self, root: Path, progress: Callable[[int], None] | None = None, stats: bool = True
    ) -> None:
        super().__init__()
        self.root = root
        self.progress = progress
        self.accumulator = StatsAccumulator() if stats else None

    def run(self, data, rank: int = 0, world_size: int = 1):
        background = Background()
        parts = {
            kind: PartWriter(
                self.root / "data" / kind,
                SCHEMAS[kind],
                rank,
                None if self.accumulator is None else partial(self.accumulator.add, kind),
                background,
            )
            for kind in KINDS
        }
        unreported = 0
        failed = True
        try:
            for record in data:
                parts[record.kind].add(record.to_values(), record.size)
                unreported += 1
                if self.progress is not None and unreported >= PROGRESS_EVERY:
                    self.progress(unreported)
                    unreported = 0
            if self.progress is not None:
                self.progress(unreported)
            for part in parts.values():
                part.flush()
            failed = False
        finally:
            for part in parts.values():
                if background.error is None:
                    part.close()
            background.close(check=not failed)
        for kind, part in parts.items():
            self.stats[f"records_{kind}"] = part.rows
        yield from ()


def number_parts(root: Path) -> None:
    """Rename every rank's shard files to part-00000.parquet, part-00001.parquet, ... in
    (rank, index) order: the folder looks the same whatever the number of workers."""
    for folder in sorted(root.glob("data/*")) + sorted(root.glob("rejected/*")):
        for number, shard in enumerate(sorted(folder.glob("shard-*.parquet"))):
            shard.rename(shard.with_name(f"part-{number:05d}.parquet"))


def copy_rows(source: pq.ParquetFile, rows: np.ndarray, writer: PartWriter) -> None:
    """Copy sorted row numbers from one parquet file, a row group at a time (bounded memory)."""
    ends = np.cumsum([source.metadata.row_group(i).num_rows for i in range(source.num_row_groups)])
    groups = np.searchsorted(ends, rows, side="right")
    for group in np.unique(groups):
        start = ends[group - 1] if group else 0
        local = rows[groups == group] - start
        writer.write_table(source.read_row_group(int(group)).take(number_array(local)))
