"""The fingerprint stage, sharded by parquet part and resumable.

Reading records and fingerprinting them (normalize, shingle, find identifiers) is most of a
dedup's time and needs no record but the one at hand, so each parquet part of each input
folder is one shard: `--workers N` fingerprints N parts at once, each into `.npz` pieces
(one per row group) in a work folder beside the output. A part already done (by an
interrupted run of the same inputs) is not done again. The near-duplicate stage then reads
the pieces in input order, so any number of workers gives the same records in the same
order, hence the same clusters.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from corpus.dedup.records import identity, piece_arrays
from corpus.dedup.shingles import fingerprint
from corpus.records import KINDS
from corpus.stats import parquet_files


def content(kind: str, row: dict[str, Any]) -> str:
    """What dedup compares: a text, or an instruct record's messages (and reasoning)."""
    if kind == "text":
        return row["text"]
    turns = "\n".join(f"{m['role']}: {m['content']}" for m in row["messages"])
    return turns + ("\n" + row["reasoning"] if row.get("reasoning") else "")


def _groups(path: Path, kind: str) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(first row, records) per row group of a part."""
    own = ["text"] if kind == "text" else ["messages", "reasoning", "task"]
    columns = ["id", "source", "lang", "source_id", "meta", *own]
    parquet = pq.ParquetFile(path)
    first = 0
    for group in range(parquet.num_row_groups):
        rows = parquet.read_row_group(group, columns=columns).to_pylist()
        yield first, rows
        first += len(rows)


def _distinct_sources(kind: str) -> frozenset[str]:
    """Sources whose records of `kind` are distinct items by construction
    (`Source.distinct_records`)."""
    from corpus.sources import all_sources

    return frozenset(name for name, cls in all_sources().items() if kind in cls.distinct_records)


def _piece(kind: str, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    ids, sources, langs, distinct, exact, shingles, identifiers = [], [], [], [], [], [], []
    items, questions = [], []
    distinct_sources = _distinct_sources(kind)
    for record in rows:
        digest, shingle_set, identifier_set = fingerprint(content(kind, record), record["lang"])
        ids.append(record["id"])
        sources.append(record["source"])
        langs.append(record["lang"])
        distinct.append(record["source"] in distinct_sources)
        item, question = identity(record)
        items.append(item)
        questions.append(question)
        exact.append(digest)
        shingles.append(shingle_set)
        identifiers.append(identifier_set)
    return piece_arrays(
        ids, sources, langs, distinct, items, questions, exact, shingles, identifiers
    )


def fingerprint_part(path: Path, kind: str, done: Path) -> None:
    """Fingerprint a parquet part, a row group at a time (memory bounded by a row group), into
    one `.npz` piece per row group; `done` lists them once all are written."""
    pieces = []
    for number, (first_row, rows) in enumerate(_groups(path, kind)):
        piece = done.with_name(f"{done.stem}-{number:05d}.npz")
        partial = piece.with_suffix(".partial.npz")
        np.savez(partial, **_piece(kind, rows))
        os.replace(partial, piece)
        pieces.append([piece.name, first_row])
    listing = done.with_suffix(".partial")
    listing.write_text(json.dumps(pieces))
    os.replace(listing, done)


def _done_name(kind: str, folder: int, part: Path) -> str:
    return f"{kind}-{folder:03d}-{part.stem}.done"


def _parts(inputs: list[Path], kind: str) -> list[tuple[int, Path]]:
    return [(i, p) for i, folder in enumerate(inputs) for p in parquet_files(folder, kind)]


@dataclass
class FingerprintTask:
    """Picklable: what one datatrove rank runs (`corpus dedup --executor`): every
    world_size-th part of every kind, skipping parts already done."""

    inputs: list[Path]
    work: Path

    def __call__(self, data=None, rank: int = 0, world_size: int = 1) -> None:
        parts = [(kind, i, p) for kind in KINDS for i, p in _parts(self.inputs, kind)]
        for number, (kind, i, part) in enumerate(parts):
            done = self.work / _done_name(kind, i, part)
            if number % world_size == rank and not done.exists():
                fingerprint_part(part, kind, done)

    def __repr__(self) -> str:
        return f"corpus dedup: fingerprints of {len(self.inputs)} folder(s)"


def shards(
    inputs: list[Path],
    kind: str,
    work: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, str, Path, int]]:
    """(input index, part file name, piece path, first row) for every piece of every part of
    every input, in order; the parts not yet fingerprinted are done first, `workers` at a
    time."""
    parts = _parts(inputs, kind)
    todo = [(i, p) for i, p in parts if not (work / _done_name(kind, i, p)).exists()]
    if todo:
        if progress:
            progress(f"fingerprinting {len(todo)} {kind} part(s) with {workers} worker(s)")
        jobs = [(p, kind, work / _done_name(kind, i, p)) for i, p in todo]
        if workers > 1 and len(jobs) > 1:
            context = multiprocessing.get_context("spawn")  # no state inherited from the CLI
            with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
                for future in [pool.submit(fingerprint_part, *job) for job in jobs]:
                    future.result()
        else:
            for job in jobs:
                fingerprint_part(*job)
    for i, part in parts:
        for name, first_row in json.loads((work / _done_name(kind, i, part)).read_text()):
            yield i, part.name, work / name, first_row
