"""Allocator settings that give freed memory back to the system, for the `corpus` command.

polars and pyarrow each bring a jemalloc that keeps freed pages for seconds before returning
them, so a build's card stage (polars) stacked on what its write stage (pyarrow) had freed:
a 200 MB MEDLINE build peaked at 321-340 MB, and 263-283 MB with these settings, at the same
speed (bench/lissa_ingest.py). They must be set before either library loads, hence at the
command's start; a variable already set by the user wins.

glibc's own malloc (pyarrow's pool, with the setting below) gives a thread that allocates its
own arena, up to eight per core, and keeps what each one freed. A lissa build runs five
threads (records, drawing documents, two parsing and transforming them, writing parquet): its
peak RSS on a 200 MB file varied 275-297 MB between identical runs with the default, 268-273
MB with two arenas, at the same speed (MALLOC_ARENA_MAX=2 is the usual advice for threaded
Python services). `limit_arenas` sets that before any thread starts, in the command and in each
worker process.
"""

from __future__ import annotations

import ctypes
import os
import sys

SETTINGS = {
    # polars' jemalloc (symbols prefixed _rjem_): purge freed pages at once
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0",
    # pyarrow: the system allocator, which returns large frees at once
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


def return_freed_memory() -> None:
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)


def limit_arenas(count: int = 2) -> bool:
    """Cap the arenas glibc creates from now on; False where malloc is not glibc's."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return bool(libc.mallopt(M_ARENA_MAX, count))
    except (OSError, AttributeError):  # musl and other libcs: left as they are
        return False
