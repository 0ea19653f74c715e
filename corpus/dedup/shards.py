"""The fingerprint stage, sharded by parquet part and resumable.

Reading records and fingerprinting them (normalize, shingle, find identifiers) is most of a
dedup's time and needs no record but the one at hand, so each parquet part of each input
folder is one shard: `--workers N` fingerprints N parts at once, each into a `.npz` file in a
work folder beside the output. A shard already there (an interrupted run of the same inputs)
is not made again. The near-duplicate stage then reads the shards in input order, so any
number of workers gives the same records in the same order, hence the same clusters.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from corpus.dedup.shingles import fingerprint
from corpus.stats import parquet_files


def content(kind: str, row: dict[str, Any]) -> str:
    """What dedup compares: a text, or an instruct record's messages (and reasoning)."""
    if kind == "text":
        return row["text"]
    turns = "\n".join(f"{m['role']}: {m['content']}" for m in row["messages"])
    return turns + ("\n" + row["reasoning"] if row.get("reasoning") else "")


def _rows(path: Path, kind: str) -> Iterator[dict[str, Any]]:
    columns = ["id", "source", "lang"] + (["text"] if kind == "text" else ["messages", "reasoning"])
    parquet = pq.ParquetFile(path)
    for group in range(parquet.num_row_groups):
        yield from parquet.read_row_group(group, columns=columns).to_pylist()


def fingerprint_part(path: Path, kind: str, out: Path) -> None:
    """Fingerprint every record of one parquet part into `out` (.npz), atomically."""
    ids, sources, langs, exact = [], [], [], []
    shingles, identifiers = [], []
    for record in _rows(path, kind):
        digest, shingle_set, identifier_set = fingerprint(content(kind, record), record["lang"])
        ids.append(record["id"])
        sources.append(record["source"])
        langs.append(record["lang"])
        exact.append(digest)
        shingles.append(shingle_set)
        identifiers.append(identifier_set)
    arrays = {
        "id": np.array(ids, dtype=str),
        "source": np.array(sources, dtype=str),
        "lang": np.array(langs, dtype=str),
        # 16 raw bytes each (an "S16" array would drop trailing NUL bytes)
        "exact": np.frombuffer(b"".join(exact), dtype=np.uint8).reshape(len(exact), 16),
    }
    for name, sets in (("shingles", shingles), ("identifiers", identifiers)):
        sizes = np.fromiter((s.size for s in sets), np.int64, len(sets))
        arrays[f"{name}_sizes"] = sizes
        arrays[name] = np.concatenate(sets) if sets else np.empty(0, np.uint64)
    partial = out.with_suffix(".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, out)


def _shard_name(kind: str, folder: int, part: Path) -> str:
    return f"{kind}-{folder:03d}-{part.stem}.npz"


def shards(
    inputs: list[Path],
    kind: str,
    work: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, str, dict[str, np.ndarray]]]:
    """(input index, part file name, shard arrays) for every part of every input, in order;
    the missing shards are made first, `workers` at a time."""
    parts = [(i, p) for i, folder in enumerate(inputs) for p in parquet_files(folder, kind)]
    todo = [(i, p) for i, p in parts if not (work / _shard_name(kind, i, p)).exists()]
    if todo:
        if progress:
            progress(f"fingerprinting {len(todo)} {kind} part(s) with {workers} worker(s)")
        jobs = [(p, kind, work / _shard_name(kind, i, p)) for i, p in todo]
        if workers > 1 and len(jobs) > 1:
            context = multiprocessing.get_context("spawn")  # no state inherited from the CLI
            with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
                for future in [pool.submit(fingerprint_part, *job) for job in jobs]:
                    future.result()
        else:
            for job in jobs:
                fingerprint_part(*job)
    for i, part in parts:
        with np.load(work / _shard_name(kind, i, part)) as shard:
            yield i, part.name, {name: shard[name] for name in shard.files}
