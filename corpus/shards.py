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
from corpus.filters import Filter
from corpus.pipeline import PipelineStep, run_pipeline
from corpus.sources import Source
from corpus.writer import DatasetWriter, number_parts

POLL_SECONDS = 0.1


def _steps(
    source: Source,
    filters: list[PipelineStep],
    root: Path,
    rank: int,
    keep_rejected: bool,
    progress: Callable[[int], None] | None,
) -> list[PipelineStep]:
    for step in filters:
        if keep_rejected and isinstance(step, Filter):
            step.keep_rejected(root, rank)
    return [source, *filters, DatasetWriter(root, progress)]


def _worker(source, filters, root, keep_rejected, rank, world_size, conn, counter) -> None:
    def advance(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    before = Counter(source.stats)
    try:
        steps = _steps(source, filters, root, rank, keep_rejected, advance)
        run_pipeline(steps, rank, world_size)
        stats = {step.name: dict(step.stats) for step in steps}
        stats[source.name] = dict(Counter(source.stats) - before)
        conn.send(("ok", stats))
    except CorpusError as exc:  # the user's to fix: the parent raises it as it is
        conn.send(("error", exc))
    except BaseException as exc:  # a bug: the parent says which worker and what
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def write_shards(
    source: Source,
    root: Path,
    workers: int,
    progress: Callable[[int], None] | None = None,
    filters: list[PipelineStep] | None = None,
    keep_rejected: bool = False,
) -> dict[str, dict[str, int]]:
    """Write all records of `source` that pass the steps in `filters` (language detection,
    filters) under `root`, the rejects under `root/rejected` when asked; returns each step's
    counts, merged over workers."""
    filters = filters or []
    source.prepare()
    workers = min(workers, max(1, source.work_items() // source.min_items_per_worker))
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        steps = _steps(source, filters, root, 0, keep_rejected, progress)
        run_pipeline(steps)
        number_parts(root)
        return {step.name: dict(sorted(step.stats.items())) for step in steps}
    context = mp.get_context("fork")
    counter = context.Value("q", 0)
    jobs = []
    for rank in range(workers):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_worker,
            args=(source, filters, root, keep_rejected, rank, workers, send, counter),
            daemon=True,
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
    totals: dict[str, Counter[str]] = {}
    for rank, (process, receive) in enumerate(jobs):
        process.join()
        try:
            status, stats = receive.recv()
        except EOFError:  # the worker died without a word (killed, out of memory)
            status, stats = "error", "no report"
        if status != "ok":
            if isinstance(stats, CorpusError):
                raise stats
            raise RuntimeError(f"worker {rank} failed: {stats} (exit code {process.exitcode})")
        for name, counts in stats.items():
            totals.setdefault(name, Counter()).update(counts)
    if progress is not None and counter.value > reported:
        progress(counter.value - reported)
    source.stats.update(totals.pop(source.name, {}))  # the parent holds the prepare() counts
    number_parts(root)
    merged = {source.name: source.stats, **totals}
    return {name: dict(sorted(counts.items())) for name, counts in merged.items()}
