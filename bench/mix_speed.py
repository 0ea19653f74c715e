"""Benchmark: planning + writing a mix of N rows against polars' own `sample`, one run.

    python bench/mix_speed.py [--rows 10000000] [--work DIR]

Makes a dataset folder of N text records (real texts from ../shared/data: MEDLINE abstract
sentences in English, CIM-10 labels in French, KCD labels in Korean, cycled with new ids),
then, each in its own process so peak memory is its own:
  - corpus mix --ratio en:fr:ko=6:3:1 by records (--unit docs: the same job as polars below),
    then by tokens with an empty token-count cache, then again with the cache (a remix);
  - polars: read the same frame, `sample` each language to the same record counts, write.
Prints plan+write seconds (the card's stats pass reported apart), peak RSS and the ratio to
polars. Target: corpus plan+write <= 2x polars' time.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from lxml import etree

from corpus.records import TEXT_SCHEMA
from corpus.safe_xml import safe_parser
from corpus.writer import ROWS_PER_GROUP  # the row groups corpus itself writes

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
ROWS_PER_FILE = 500_000
RATIO = {"en": 6, "fr": 3, "ko": 1}


def real_texts() -> dict[str, list[str]]:
    tree = etree.parse(str(SHARED / "literature" / "medsamp2006_sample.xml"), safe_parser())
    abstracts = [" ".join(a.itertext()) for a in tree.iter("AbstractText") if a.text]
    english = [s.strip() + "." for a in abstracts for s in a.split(". ") if len(s) > 20]
    with open(SHARED / "ontology" / "cim10_fr.tsv", encoding="utf-8") as handle:
        french = [row["lib_long"] for row in csv.DictReader(handle, delimiter="\t")]
    with open(SHARED / "ontology" / "kcd_ko_en.tsv", encoding="utf-8") as handle:
        korean = [row["ko"] for row in csv.DictReader(handle, delimiter="\t")]
    return {"en": english, "fr": french, "ko": korean}


def make_dataset(root: Path, rows: int) -> None:
    """N rows cycling real texts (abstract sentences, disease labels); languages in proportion
    5:3:2 so that the 6:3:1 mix must sample."""
    texts = real_texts()
    pool = [(lang, text) for lang, items in texts.items() for text in items]
    weights = np.array([{"en": 5, "fr": 3, "ko": 2}[lang] / len(texts[lang]) for lang, _ in pool])
    rng = np.random.default_rng(0)
    langs = pa.array([lang for lang, _ in pool])
    bodies = pa.array([text for _, text in pool])
    (root / "data" / "text").mkdir(parents=True)
    for part, start in enumerate(range(0, rows, ROWS_PER_FILE)):
        n = min(ROWS_PER_FILE, rows - start)
        pick = pa.array(rng.choice(len(pool), size=n, p=weights / weights.sum()))
        ids = pa.array([f"{i:032x}" for i in range(start, start + n)])
        constant = lambda value, n=n: pa.array([value] * n, pa.string())  # noqa: E731
        table = pa.Table.from_arrays(
            [
                ids,
                bodies.take(pick),
                langs.take(pick),
                constant("bench"),
                constant("synthetic"),
                ids,
                constant("mixed"),
                constant("{}"),
            ],
            schema=TEXT_SCHEMA,
        )
        path = root / "data" / "text" / f"part-{part:05d}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=ROWS_PER_GROUP)
    (root / "manifest.json").write_text(json.dumps({"source": "bench", "counts": {"text": rows}}))


def timed(command: list[str]) -> tuple[float, float, dict[str, float]]:
    """Wall seconds, peak RSS (MiB) and the stage times a child prints as its last line."""
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    stages = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, stages


CORPUS_MIX = """
import json, sys, time
from pathlib import Path
from corpus.card import write_card
from corpus.mixing.counts import TokenCounter
from corpus.mixing.mix import MixSpec, plan, write_selection
from corpus.writer import number_parts
src, out, unit = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
spec = MixSpec(ratio={"en": 0.6, "fr": 0.3, "ko": 0.1}, unit=unit, kinds=("text",))
t0 = time.perf_counter()
plans = plan([src], spec, TokenCounter.create(unit, None))
t1 = time.perf_counter()
out.mkdir()
rows = write_selection([src], plans[0], out)
number_parts(out)
t2 = time.perf_counter()
write_card(out, {"source": "mix", "inputs": [], "options": {"seed": 0}, "versions": {}})
t3 = time.perf_counter()
print(json.dumps({"plan": t1 - t0, "write": t2 - t1, "card": t3 - t2, "rows": rows}))
"""


POLARS_SAMPLE = """
import sys, polars as pl
src, out = sys.argv[1], sys.argv[2]
frame = pl.read_parquet(src + "/data/text/*.parquet")
counts = dict(frame.group_by("lang").len().iter_rows())
ratio = {"en": 6, "fr": 3, "ko": 1}
total = min(counts[k] * sum(ratio.values()) / w for k, w in ratio.items())
parts = [frame.filter(pl.col("lang") == k).sample(n=round(total * w / sum(ratio.values())), seed=0)
         for k, w in ratio.items()]
pl.concat(parts).write_parquet(out)
"""
POLARS_SAMPLE = (
    "import json, time\nt0 = time.perf_counter()\n"
    + POLARS_SAMPLE
    + "print(json.dumps({'total': time.perf_counter() - t0}))\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--work", type=Path, default=None, help="where to write (default: a temp dir)"
    )
    parser.add_argument("--make-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_only:
        make_dataset(args.make_only, args.rows)
        return
    work = Path(tempfile.mkdtemp(dir=args.work))
    try:
        source = work / "source"
        start = time.perf_counter()
        # in a child process, so this process stays small: a child's peak RSS counts the
        # parent's memory it was forked from
        subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--make-only", str(source)],
            check=True,
        )
        print(f"made {args.rows:,} rows in {time.perf_counter() - start:.1f} s")
        rows = []
        # RUSAGE_CHILDREN keeps the maximum over finished children: run the lightest first
        mix = [sys.executable, "-c", CORPUS_MIX, str(source)]
        for label, command in (
            ("corpus mix, by docs", [*mix, str(work / "m1"), "docs"]),
            ("corpus mix, tokens, cold", [*mix, str(work / "m2"), "tokens"]),
            ("corpus mix, tokens, cached", [*mix, str(work / "m3"), "tokens"]),
            (
                "polars read+sample+write",
                [sys.executable, "-c", POLARS_SAMPLE, str(source), str(work / "polars.parquet")],
            ),
        ):
            rows.append((label, *timed(command)))
        base = rows[-1][3]["total"]
        print(
            f"{'what':<26} {'plan+write s':>12} {'card s':>7} {'peak RSS MiB*':>14}"
            f" {'vs polars':>10}"
        )
        for label, _, rss, stages in rows:
            work_s = stages.get("total", stages.get("plan", 0) + stages.get("write", 0))
            card = f"{stages['card']:.1f}" if "card" in stages else "-"
            print(f"{label:<26} {work_s:>12.1f} {card:>7} {rss:>14,.0f} {work_s / base:>9.2f}x")
        print("* RUSAGE_CHILDREN: the peak of all children so far (they run lightest first)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
