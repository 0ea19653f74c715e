"""Variable-length uint64 sets (shingles, identifiers) spilled to a file, read back memory-mapped.

Dedup holds, per record, only fixed-size values in memory (offsets, band keys, the exact hash);
the sets themselves go to a temporary file as they are made and are read back through a
memory map, so the operating system pages them in and out instead of the Python heap holding
a numpy object per record.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

BUFFER = 1 << 20  # values buffered before a write (8 MB)


class SetStore:
    def __init__(self, folder: Path | None = None) -> None:
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the store
            prefix="corpus-dedup-", suffix=".u64", dir=folder
        )
        self._pending: list[np.ndarray] = []
        self._pending_size = 0
        self._ends: list[int] = []
        self._size = 0
        self._map: np.ndarray | None = None

    def append(self, values: np.ndarray) -> None:
        self._pending.append(values.astype(np.uint64, copy=False))
        self._pending_size += values.size
        self._size += values.size
        self._ends.append(self._size)
        if self._pending_size >= BUFFER:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._file.write(np.concatenate(self._pending).tobytes())
            self._pending, self._pending_size = [], 0
        self._map = None

    def __len__(self) -> int:
        return len(self._ends)

    @property
    def offsets(self) -> np.ndarray:
        """Where each set starts, plus the total at the end."""
        return np.r_[0, np.asarray(self._ends, dtype=np.int64)]

    def values(self) -> np.ndarray:
        """Every set end to end, memory-mapped (read-only)."""
        if self._map is None:
            self._flush()
            self._file.flush()
            if self._size == 0:
                self._map = np.empty(0, dtype=np.uint64)
            else:
                self._map = np.memmap(self._file.name, np.uint64, "r", shape=(self._size,))
        return self._map

    def __getitem__(self, index: int) -> np.ndarray:
        start = self._ends[index - 1] if index else 0
        return self.values()[start : self._ends[index]]

    def chunks(self, indexes: np.ndarray, budget: int = 1 << 16) -> Iterator[np.ndarray]:
        """`indexes` in consecutive groups holding about `budget` values each (one at least)."""
        offsets = self.offsets
        sizes = offsets[indexes + 1] - offsets[indexes]
        start = 0
        while start < len(indexes):
            total = np.cumsum(sizes[start:])
            stop = start + max(1, int(np.searchsorted(total, budget, side="right")))
            yield indexes[start:stop]
            start = stop

    def close(self) -> None:
        self._map = None
        self._file.close()
