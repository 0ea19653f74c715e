"""Benchmark: lissa build speed against a bare lxml iterparse, and its memory on a big file.

    python bench/lissa_ingest.py [--copies 20,100] [--big-mb 50,200]

1. Speed: MEDLINE files made of --copies copies of the 300 citations in
   ../shared/data/literature/medline16n0902_sample.xml.gz (new PMIDs), read in the same run by
   (a) lxml iterparse that only counts citations (clearing each one) and (b) the lissa build
   (parse, records, write parquet; then also the whole build with card, on one worker and on
   one per CPU: the file split within by citation). Prints citations/s and the ratio, for
   6,000 and 30,000 citations (a MEDLINE baseline file's size) by default: the workers' start
   (~0.6 s) only pays off on the bigger one. Target: >= 0.5x.
2. Memory: MEDLINE files of at least --big-mb MB (50 and 200 by default) made the same way,
   each built by `corpus build --source lissa` in a child process that prints its own peak
   RSS (VmHWM). Target: flat (the same for both), under 300 MB.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from corpus.sources import InputFile, SourceOptions, get_source
from lxml import etree

from corpus.build import build
from corpus.collection import fewer_collections
from corpus.pipeline import run_pipeline
from corpus.writer import DatasetWriter

SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/literature/medline16n0902_sample.xml.gz"
_CITATION = re.compile(rb"<MedlineCitation .*?</MedlineCitation>", re.S)
_PMID = re.compile(rb"<PMID( [^>]*)?>\d+</PMID>")


# `corpus` in a child that reports its own peak RSS (VmHWM) when it exits. rusage cannot
# tell it: on Linux a child's ru_maxrss keeps the RSS it had before exec, i.e. this process's.
OWN_PEAK = """
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        sys.stderr.write(next(line for line in status if line.startswith("VmHWM:")))
atexit.register(peak)
sys.argv[0] = "corpus"
runpy.run_module("corpus", run_name="__main__")
"""


def make_medline(path: Path, copies: int | None = None, min_bytes: int | None = None) -> int:
    """Write a MedlineCitationSet repeating the sample's citations with fresh PMIDs."""
    data = gzip.decompress(SAMPLE.read_bytes())
    citations = _CITATION.findall(data)
    head = data[: data.index(b"<MedlineCitation ")]
    written, pmid, size = 0, 90_000_000, len(head)
    with open(path, "wb") as out:
        out.write(head)
        copy = 0
        while (copies is not None and copy < copies) or (
            min_bytes is not None and size < min_bytes
        ):
            for citation in citations:
                pmid += 1
                chunk = _PMID.sub(f"<PMID>{pmid}</PMID>".encode(), citation, count=1) + b"\n"
                out.write(chunk)
                size += len(chunk)
                written += 1
            copy += 1
        out.write(b"</MedlineCitationSet>\n")
    return written


def bare_count(path: Path) -> int:
    count = 0
    for _, element in etree.iterparse(
        str(path),
        events=("end",),
        tag="MedlineCitation",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def records_build(path: Path) -> int:
    source = get_source("lissa")([InputFile(path, path.name)], SourceOptions())
    with tempfile.TemporaryDirectory() as tmp, fewer_collections():  # as a build does
        run_pipeline([source, DatasetWriter(Path(tmp))])
    return source.stats["citations"]


def whole_build(path: Path, workers: int = 1) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [InputFile(path, path.name)]
        out = Path(tmp) / "out"
        result = build("lissa", inputs, out, SourceOptions(), workers=workers)
    return result.manifest["steps"]["lissa"]["citations"]


def best(runs: int, function, path: Path) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        count = function(path)
        times.append(time.perf_counter() - start)
    return min(times), count


def speed_rows(medline: Path, copies: int, repeat: int) -> None:
    citations = make_medline(medline, copies=copies)
    print(f"speed: {citations:,} citations, {medline.stat().st_size / 1e6:.1f} MB")
    base_time, base_count = best(repeat, bare_count, medline)
    rows = [("lxml iterparse, count only", base_time, base_count)]
    rows.append(("lissa records build", *best(repeat, records_build, medline)))
    rows.append(("lissa whole build (+card)", *best(repeat, whole_build, medline)))
    cpus = os.cpu_count() or 1
    parallel = partial(whole_build, workers=cpus)
    rows.append((f"lissa whole, {cpus} workers", *best(repeat, parallel, medline)))
    base_rate = base_count / base_time
    for label, seconds, count in rows:
        rate = count / seconds
        line = f"  {label:<28} {seconds:>7.2f} s {rate:>10,.0f} citations/s"
        print(f"{line} {rate / base_rate:>6.2f}x")
    medline.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies",
        default="20,100",
        help="comma-separated sizes, in copies of the sample's 300 citations (100: the ~30k "
        "citations of a MEDLINE baseline file)",
    )
    parser.add_argument(
        "--big-mb",
        default="50,200",
        help="comma-separated sizes of the files whose build's peak RSS is measured (flat: the "
        "same peak whatever the size)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (int(x) for x in args.copies.split(",") if x):
            speed_rows(Path(tmp) / f"medline-{copies}.xml", copies, args.repeat)

        for megabytes in (int(x) for x in args.big_mb.split(",") if x):
            peak_rss(Path(tmp), megabytes)


def peak_rss(tmp: Path, megabytes: int) -> None:
    """`corpus build --source lissa` of a MEDLINE file of at least `megabytes` MB, in a child
    that reports its own peak RSS."""
    big = tmp / "big.xml"
    citations = make_medline(big, min_bytes=megabytes * 1_000_000)
    print(f"memory: {citations:,} citations, {big.stat().st_size / 1e6:.0f} MB")
    start = time.perf_counter()
    command = [sys.executable, "-c", OWN_PEAK, "build", "--source", "lissa", "--workers", "1"]
    command += ["--input", str(big), "--out", str(tmp / f"big-out-{megabytes}")]
    child = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if child.returncode != 0:
        raise SystemExit(f"the big build failed: {child.stderr}")
    peak = int(child.stderr.split("VmHWM:")[-1].split()[0]) / 1024
    seconds = time.perf_counter() - start
    print(f"  corpus build --source lissa: {seconds:.1f} s, peak RSS {peak:,.0f} MB")
    big.unlink()


if __name__ == "__main__":
    main()
