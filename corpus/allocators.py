"""Allocator settings that give freed memory back to the system, for the `corpus` command.

polars and pyarrow each bring a jemalloc that keeps freed pages for seconds before returning
them, so a build's card stage (polars) stacked on what its write stage (pyarrow) had freed:
a 200 MB MEDLINE build peaked at 321-340 MB, and 263-283 MB with these settings, at the same
speed (bench/lissa_ingest.py). They must be set before either library loads, hence at the
command's start; a variable already set by the user wins.
"""

from __future__ import annotations

import os

SETTINGS = {
    # polars' jemalloc (symbols prefixed _rjem_): purge freed pages at once
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0",
    # pyarrow: the system allocator, which returns large frees at once
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}


def return_freed_memory() -> None:
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)
