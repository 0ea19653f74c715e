"""uint64 values spilled to files and read back in bounded pieces.

Dedup's memory must not grow with the number of records, so what it makes per record
(shingle and identifier sets, exact hashes, band keys) goes to files as it is made and is read
back with `pread` into buffers freed after use: never memory-mapped, because the pages of a
map that a pass has walked through stay in the process's resident memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

BUFFER = 1 << 18  # values buffered before a write (2 MB)
WORD = 8  # bytes per value


class ValueFile:
    """A growing file of uint64 values: appended in order, read by range."""

    def __init__(self, folder: Path | None = None, buffer: int = BUFFER) -> None:
        # unnamed (unlinked at once): the space goes back however the process ends
        self._file = tempfile.TemporaryFile(prefix="corpus-dedup-", dir=folder)  # noqa: SIM115
        self._buffer = buffer
        self._pending: list[np.ndarray] = []
        self._pending_size = 0
        self.size = 0

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=np.uint64).ravel()
        self._pending.append(values)
        self._pending_size += values.size
        self.size += values.size
        if self._pending_size >= self._buffer:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._file.write(np.concatenate(self._pending).tobytes())
            self._pending, self._pending_size = [], 0
            self._file.flush()

    def read(self, start: int, stop: int) -> np.ndarray:
        """Values [start, stop), copied into a buffer of their own."""
        if stop <= start:
            return np.empty(0, np.uint64)
        if self._pending:
            self.flush()
        data = os.pread(self._file.fileno(), (stop - start) * WORD, start * WORD)
        return np.frombuffer(data, np.uint64).copy()

    def close(self) -> None:
        self._pending = []
        self._file.close()


class SetStore:
    """Variable-length sets of uint64 (shingles, identifiers), one per record, in record
    order: the values in one file, where each set ends in another."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._values = ValueFile(folder)
        self._ends = ValueFile(folder)

    def __len__(self) -> int:
        return self._ends.size

    def extend(self, values: np.ndarray, sizes: np.ndarray) -> None:
        """Sets laid end to end, with their sizes."""
        self._ends.append(self._values.size + np.cumsum(sizes, dtype=np.int64))
        self._values.append(values)

    def offsets(self, start: int, stop: int) -> np.ndarray:
        """Where sets start..stop-1 begin, plus where the last one ends (stop - start + 1)."""
        ends = self._ends.read(max(start - 1, 0), stop).astype(np.int64)
        return ends if start else np.r_[0, ends]

    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Sets start..stop-1: their values end to end and their sizes."""
        offsets = self.offsets(start, stop)
        return self._values.read(int(offsets[0]), int(offsets[-1])), np.diff(offsets)

    @property
    def total(self) -> int:
        """Values held, all sets together."""
        return self._values.size

    def sets(self, numbers: np.ndarray) -> dict[int, np.ndarray]:
        """The sets of some records (sorted distinct numbers), by number: where each ends is
        looked up block by block, then each set is read on its own."""
        stops = self._ends_of(numbers)
        starts = np.where(numbers > 0, self._ends_of(np.maximum(numbers - 1, 0)), 0)
        return {
            number: self._values.read(start, stop)
            for number, start, stop in zip(
                numbers.tolist(), starts.tolist(), stops.tolist(), strict=True
            )
        }

    def _ends_of(self, numbers: np.ndarray) -> np.ndarray:
        found = np.empty(len(numbers), np.int64)
        for block in range(0, len(self), BUFFER):
            low, high = np.searchsorted(numbers, [block, block + BUFFER])
            if low < high:
                ends = self._ends.read(block, min(len(self), block + BUFFER))
                found[low:high] = ends[numbers[low:high] - block]
        return found

    def ranges(self, budget: int = 1 << 20) -> Iterator[tuple[int, int]]:
        """(start, stop) of consecutive records holding about `budget` values each (by the
        mean set size)."""
        total = len(self)
        step = max(1, budget * total // max(self._values.size, 1))
        for start in range(0, total, step):
            yield start, min(total, start + step)

    def close(self) -> None:
        self._values.close()
        self._ends.close()


class RowStore:
    """Fixed-width rows of uint64 (an exact hash: two values), one per record."""

    def __init__(self, width: int, folder: Path | None = None) -> None:
        self.width = width
        self._values = ValueFile(folder)

    def __len__(self) -> int:
        return self._values.size // self.width

    def append(self, rows: np.ndarray) -> None:
        self._values.append(rows)

    def read(self, start: int, stop: int) -> np.ndarray:
        return self._values.read(start * self.width, stop * self.width).reshape(-1, self.width)

    def close(self) -> None:
        self._values.close()


class Buckets:
    """Rows of uint64 split by the hash range of their first value into files, so that each
    bucket (all rows of one key range) can then be sorted in memory on its own: an external
    partition, written once and read once, whatever the total."""

    def __init__(self, count: int, width: int, folder: Path | None = None) -> None:
        self.count = count
        self.width = width
        # written as they come: a buffer per bucket would hold count x BUFFER values
        self._files = [ValueFile(folder, buffer=0) for _ in range(count)]

    @staticmethod
    def needed(values: int, budget: int) -> int:
        return max(1, -(-values // budget))

    def add(self, rows: np.ndarray) -> None:
        """(n, width) rows; the first column is the key."""
        if self.count == 1:
            self._files[0].append(rows)
            return
        bucket = rows[:, 0] % np.uint64(self.count)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(self.count + 1))
        for number in range(self.count):
            if bounds[number] < bounds[number + 1]:
                self._files[number].append(rows[order[bounds[number] : bounds[number + 1]]])

    def __iter__(self) -> Iterator[np.ndarray]:
        """Each bucket's rows, (n, width), one bucket in memory at a time."""
        for file in self._files:
            yield file.read(0, file.size).reshape(-1, self.width)

    def close(self) -> None:
        for file in self._files:
            file.close()
