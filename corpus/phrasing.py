"""Which of several phrasings a record uses: a hash of (seed, key), so reruns agree and
neighbouring records vary."""

from __future__ import annotations

import zlib
from collections.abc import Sequence


def pick(options: Sequence[str], seed: int, *key: str) -> tuple[int, str]:
    index = zlib.crc32("\x1f".join((str(seed), *key)).encode()) % len(options)
    return index, options[index]
