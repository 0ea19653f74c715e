"""Run a source -> writer pipeline on several local workers, one contiguous shard each.

Workers are forked after `source.prepare()`, so what the source built once (a concept graph)
is shared copy-on-write rather than rebuilt or pickled. Where fork is unavailable, or one
worker is asked for, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter
from collections.abc import Callable
from multiprocessing import connection
from pathlib import Path

from corpus.errors import CorpusError
from corpus.pipeline import run_pipeline
from corpus.sources import Source
from corpus.writer import DatasetWriter, number_parts

POLL_SECONDS = 0.1


def _worker(source: Source, root: Path, rank: int, world_size: int, conn, counter) -> None:
    def advance(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    before = Counter(source.stats)
    try:
        writer = DatasetWriter(root, advance)
        run_pipeline([source, writer], rank, world_size)
        conn.send(("ok", dict(Counter(source.stats) - before), dict(writer.stats)))
    except CorpusError as exc:  # the user's to fix: the parent raises it as it is
        conn.send(("error", exc, None))
    except BaseException as exc:  # a bug: the parent says which worker and what
        conn.send(("error", f"{type(exc).__name__}: {exc}", None))
    finally:
        conn.close()


def write_shards(
    source: Source,
    root: Path,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Write all records of `source` under `root`; returns the writer's counts."""
    source.prepare()
    workers = min(workers, max(1, source.work_items() // source.min_items_per_worker))
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        writer = DatasetWriter(root, progress)
        run_pipeline([source, writer])
        number_parts(root)
        return writer.stats
    context = mp.get_context("fork")
    counter = context.Value("q", 0)
    jobs = []
    for rank in range(workers):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker, args=(source, root, rank, workers, send, counter), daemon=True
        )
        process.start()
        send.close()
        jobs.append((process, receive))
    reported = 0
    waiting = [receive for _, receive in jobs]
    while waiting:  # wakes as soon as a worker reports, else every POLL_SECONDS for progress
        for ready in connection.wait(waiting, timeout=POLL_SECONDS):
            waiting.remove(ready)
        if progress is not None and counter.value > reported:
            progress(counter.value - reported)
            reported = counter.value
    totals: Counter[str] = Counter()
    for rank, (process, receive) in enumerate(jobs):
        process.join()
        try:
            status, stats, written = receive.recv()
        except EOFError:  # the worker died without a word (killed, out of memory)
            status, stats, written = "error", "no report", None
        if status != "ok":
            if isinstance(stats, CorpusError):
                raise stats
            raise RuntimeError(f"worker {rank} failed: {stats} (exit code {process.exitcode})")
        source.stats.update(stats)
        totals.update(written)
    if progress is not None and counter.value > reported:
        progress(counter.value - reported)
    number_parts(root)
    return totals
