"""Encoded examples kept on disk, as nanoGPT keeps its train.bin: token ids and labels are
appended to two int32 files and read back as memory maps, so what memory holds for an example
is a view (a few hundred bytes), not its tokens (8 bytes each); the page cache does the rest.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np
from corpus.train.encode import Example


class TokenStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ids = (folder / "ids.bin").open("wb")
        self._labels = (folder / "labels.bin").open("wb")
        self._ends = array("q")
        self._total = 0

    def add(self, example: Example) -> None:
        self._ids.write(np.ascontiguousarray(example.input_ids, dtype=np.int32).tobytes())
        self._labels.write(np.ascontiguousarray(example.labels, dtype=np.int32).tobytes())
        self._total += len(example)
        self._ends.append(self._total)

    def __len__(self) -> int:
        return len(self._ends)

    def examples(self) -> list[Example]:
        """Every example added, in order, as views into the memory-mapped files."""
        self._ids.close()
        self._labels.close()
        if not self._total:
            return []
        # plain ndarray views of the maps: a memmap slice carries its file's attributes
        ids = np.asarray(np.memmap(self.folder / "ids.bin", dtype=np.int32, mode="r"))
        labels = np.asarray(np.memmap(self.folder / "labels.bin", dtype=np.int32, mode="r"))
        starts = [0, *self._ends[:-1]]
        return [Example(ids[a:b], labels[a:b]) for a, b in zip(starts, self._ends, strict=True)]
