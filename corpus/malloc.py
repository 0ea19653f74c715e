"""Fewer glibc malloc arenas, so that a build's threads do not each keep what they freed.

glibc gives a thread that allocates its own arena (up to eight per core) and keeps the memory
freed in each one for reuse by that arena. A lissa build runs five threads (records, drawing
documents, two parsing and transforming them, writing parquet): its peak RSS on a 200 MB file
varied 275–297 MB between identical runs with the default, 269–274 MB with two arenas, at the
same speed (MALLOC_ARENA_MAX=2 is the usual advice for threaded Python services).
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


def limit_arenas(count: int = 2) -> bool:
    """Cap the arenas glibc creates from now on; False where malloc is not glibc's."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return bool(libc.mallopt(M_ARENA_MAX, count))
    except (OSError, AttributeError):  # musl and other libcs: left as they are
        return False
