"""What dedup knows of the records, none of it in memory per record.

Fingerprints (exact hash, shingle and identifier sets) are appended to disk stores in record
order; each record's id, source, language and identity stay in the fingerprint piece they came
from (`.npz`, a row group's worth), looked up only for the records of candidate pairs that
passed. Memory holds a line per piece: where it is, which input folder and part file, its first
row.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from corpus.dedup.shingles import fingerprint
from corpus.dedup.store import RowStore, SetStore

PIECE = 4096  # records `add` gathers before writing them
PENDING = (
    "id",
    "source",
    "lang",
    "distinct",
    "item",
    "question",
    "exact",
    "shingles",
    "identifiers",
)


@dataclass(frozen=True)
class Piece:
    path: Path  # .npz holding id (bytes), source and lang of its records
    folder: int  # input folder (its priority)
    file: str  # parquet part the records come from ("" when added one by one)
    first_row: int  # row of its first record in that part
    start: int  # record number of its first record
    count: int


def piece_arrays(
    ids: list[str],
    sources: list[str],
    langs: list[str],
    distinct: list[bool],
    items: list[int],
    questions: list[int],
    exact: list[bytes],
    shingles: list[np.ndarray],
    identifiers: list[np.ndarray],
) -> dict[str, np.ndarray]:
    """A piece as saved: metadata, exact hashes, and the sets end to end with their sizes."""
    arrays = {
        "id": np.array([i.encode() for i in ids], dtype=bytes),
        "source": np.array(sources, dtype=str),
        "lang": np.array(langs, dtype=str),
        "distinct": np.array(distinct, dtype=bool),  # see `Source.distinct_records`
        "item": np.array(items, dtype=np.uint64),  # see `identity`
        "question": np.array(questions, dtype=np.uint64),
        "exact": np.frombuffer(b"".join(exact), np.uint64).reshape(len(exact), 2),
    }
    for name, sets in (("shingles", shingles), ("identifiers", identifiers)):
        arrays[f"{name}_sizes"] = np.fromiter((s.size for s in sets), np.int64, len(sets))
        arrays[name] = np.concatenate(sets) if sets else np.empty(0, np.uint64)
    return arrays


def identity(record: dict[str, Any]) -> tuple[int, int]:
    """What a record is about (its source item: an article, a catalogue entry, a document)
    and which question it asks of it (the item, the task and the meta that tells its
    questions apart: a translation's direction, an entity type), hashed; (0, 0) where it does
    not say. A title question and a MeSH question on one abstract share most words, yet
    neither is a copy of the other."""
    source_id = record.get("source_id") or ""
    if not source_id:
        return 0, 0
    item = f"{record['source']}\x1f{source_id}"
    question = f"{item}\x1f{record.get('task') or ''}\x1f{record.get('meta') or ''}"
    return xxhash.xxh64_intdigest(item), xxhash.xxh64_intdigest(question)


class Records:
    """The records of one kind, numbered in reading order; see the module's docstring."""

    def __init__(self, work: Path | None = None) -> None:
        self._temporary = None
        if work is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="corpus-dedup-")
            work = Path(self._temporary.name)
        self.work = work
        self.exact = RowStore(2, work)
        self.shingles = SetStore(work)
        self.identifiers = SetStore(work)
        self.pieces: list[Piece] = []
        self.any_identity = False  # a record said which item it is about, or is distinct
        self._pending: dict[str, list[Any]] = {k: [] for k in PENDING}
        self._pending_folder = 0

    def __len__(self) -> int:
        return len(self.exact) + len(self._pending["id"])

    def add(self, folder: int, record: dict[str, Any], text: str) -> None:
        """One record (benchmarks and tests feed texts this way)."""
        if self._pending["id"] and folder != self._pending_folder:
            self._write_pending()
        self._pending_folder = folder
        exact, shingles, identifiers = fingerprint(text, record["lang"])
        distinct = bool(record.get("distinct", False))
        values = (
            record["id"],
            record["source"],
            record["lang"],
            distinct,
            *identity(record),
            exact,
            shingles,
            identifiers,
        )
        for key, value in zip(PENDING, values, strict=True):
            self._pending[key].append(value)
        if len(self._pending["id"]) >= PIECE:
            self._write_pending()

    def _write_pending(self) -> None:
        if self._pending["id"]:
            path = self.work / f"added-{len(self.pieces):06d}.npz"
            np.savez(path, **piece_arrays(*self._pending.values()))
            self._pending = {k: [] for k in PENDING}
            self.add_piece(self._pending_folder, "", path, 0)

    def add_piece(self, folder: int, file: str, path: Path, first_row: int) -> None:
        """Every record of one fingerprinted piece (see shards.py), in its order."""
        self._write_pending()
        with np.load(path) as piece:
            self.exact.append(piece["exact"])
            for name in ("shingles", "identifiers"):
                getattr(self, name).extend(piece[name], piece[f"{name}_sizes"])
            count = len(piece["exact"])
            known = bool(piece["distinct"].any() or piece["item"].any())
            self.any_identity = self.any_identity or known
        start = self.pieces[-1].start + self.pieces[-1].count if self.pieces else 0
        self.pieces.append(Piece(path, folder, file, first_row, start, count))

    def ready(self) -> Records:
        """Write what `add` still holds; call before reading."""
        self._write_pending()
        return self

    def _which(self, numbers: np.ndarray) -> np.ndarray:
        starts = np.array([p.start for p in self.pieces], dtype=np.int64)
        return np.searchsorted(starts, numbers, side="right") - 1

    def folders(self, numbers: np.ndarray) -> np.ndarray:
        folders = np.array([p.folder for p in self.pieces], dtype=np.int64)
        return folders[self._which(numbers)]

    def column(self, name: str, numbers: np.ndarray) -> np.ndarray:
        """`name` (id, source, lang, distinct, item, question) of the records `numbers`, in
        their order: each piece concerned is opened once."""
        numbers = np.asarray(numbers, dtype=np.int64)
        if not numbers.size:
            return np.empty(0, dtype=bytes if name == "id" else str)
        which = self._which(numbers)
        order = np.argsort(which, kind="stable")
        sorted_which = which[order]
        taken = []
        for number in np.unique(sorted_which):
            at = order[
                np.searchsorted(sorted_which, number) : np.searchsorted(
                    sorted_which, number, side="right"
                )
            ]
            piece = self.pieces[number]
            with np.load(piece.path) as arrays:
                taken.append(arrays[name][numbers[at] - piece.start])
        values = np.concatenate(taken)
        result = np.empty_like(values)
        result[order] = values
        return result

    def files(self, keep: np.ndarray) -> Iterator[tuple[int, str, np.ndarray]]:
        """(input folder, part file, kept rows) per part, in input order; `keep` is a mask
        over record numbers."""
        current: tuple[int, str] | None = None
        rows: list[np.ndarray] = []
        for piece in self.pieces:
            if current is not None and (piece.folder, piece.file) != current:
                yield *current, np.concatenate(rows)
                rows = []
            current = (piece.folder, piece.file)
            mask = keep[piece.start : piece.start + piece.count]
            rows.append(piece.first_row + np.flatnonzero(mask))
        if current is not None:
            yield *current, np.concatenate(rows)

    def close(self) -> None:
        for store in (self.exact, self.shingles, self.identifiers):
            store.close()
        if self._temporary is not None:
            self._temporary.cleanup()
