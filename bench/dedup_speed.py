"""Benchmark: near-duplicate removal speed and memory, ours vs datatrove's MinHash pipeline at
its defaults, on the same documents made from the real texts, in one run.

    python bench/dedup_speed.py [--n 100000] [--scales 10000,100000] [--distinct]

Documents: the labelled set of bench/dedup_quality.py (real texts of ../shared/data and one
edited copy of some), then more edited copies of random originals up to --n (with
--distinct, the scale runs are filled with new documents instead, each a third of the words
of three originals: how memory grows with records read rather than with duplicates found).
Each run is a child process (peak RSS is its own; text generation is not timed; "added MB"
is the peak minus the RSS once the documents are in memory: what the dedup itself holds).
Both tools are also scored the same way at --n (other scales: speed only): a duplicate pair
is resolved when one of the two is removed (recall); a removed record is right when it has a
planted partner (precision).
datatrove: MinhashDedupSignature -> Buckets -> Cluster -> Filter on LocalPipelineExecutor, one
worker, MinhashConfig() defaults (5-grams, 14 buckets x 8 hashes).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import dedup_quality


def documents(n: int | None, seed: int = 0, distinct: bool = False) -> list[tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        docs = dedup_quality.labelled_set(Path(tmp), 150, seed)
    rng = random.Random(seed)
    vocabulary = [w for d in docs[:2000] for w in d[2].split()[:30]]
    originals = [d for d in docs if d[3] == "original"]
    by_lang: dict[str, list[tuple]] = {}
    for d in originals:
        by_lang.setdefault(d[1], []).append(d)
    while n is not None and len(docs) < n:
        if distinct:
            docs.append(_mixed(by_lang, rng))
            continue
        source, lang, text, _, index = rng.choice(originals)
        kind = rng.choice(dedup_quality.EDITS)
        docs.append((source, lang, dedup_quality.edit(text, kind, rng, vocabulary), kind, index))
    if n is not None and n < len(docs):  # a random subset (speed only: pairs get cut)
        docs = [docs[i] for i in sorted(rng.sample(range(len(docs)), n))]
    return docs


def _mixed(by_lang: dict[str, list[tuple]], rng: random.Random) -> tuple:
    """A new document, no one's copy: a third of the words of three random originals of one
    language."""
    languages = sorted(by_lang)
    weights = [len(by_lang[lang]) for lang in languages]
    same = by_lang[rng.choices(languages, weights)[0]]
    source, lang, *_ = rng.choice(same)
    pieces = []
    for _, _, text, _, _ in rng.choices(same, k=3):
        words = text.split()
        third = max(1, len(words) // 3)
        start = rng.randrange(max(1, len(words) - third + 1))
        pieces.append(" ".join(words[start : start + third]))
    return (source, lang, " ".join(pieces), "mixed", -1)


def ours(docs):
    from corpus.dedup.run import DedupOptions, Records, dedup_kind

    records = Records()
    for i, (source, lang, text, _, _) in enumerate(docs):
        records.add(0, {"id": f"{i:08d}", "source": source, "lang": lang}, text)
    dropped = dedup_kind(records, DedupOptions()).dropped
    records.close()
    return dropped


def current_rss_mb() -> float:
    """Resident memory now (the peak after the run, minus this, is what the dedup added)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(tool: str, n: int | None, distinct: bool) -> None:
    docs = documents(n, distinct=distinct)
    before = current_rss_mb()
    start = time.perf_counter()
    removed = (ours if tool == "ours" else dedup_quality.datatrove)(docs)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before scoring
    removed = {int(i) for i in removed}
    precision, recall, f1 = dedup_quality.removal_scores(docs, removed)[("all", "all")]
    scores = {"precision": precision, "recall": recall, "f1": f1, "removed": len(removed)}
    result = {"docs": len(docs), "seconds": seconds, "rss_mb": rss, "grew_mb": rss - before}
    print(json.dumps({**result, **scores}))


def run(tool: str, n: int | None, distinct: bool = False) -> dict:
    command = [sys.executable, __file__, "--child", tool] + ([] if n is None else ["--n", str(n)])
    command += ["--distinct"] if distinct else []
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--scales", default="10000,100000")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="scales: fill with new documents (thirds of three originals) instead of copies",
    )
    parser.add_argument("--child", choices=("ours", "datatrove"))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.distinct)
        return
    print(
        f"{'tool':<10}{'docs':>10}{'dropped':>9}{'seconds':>9}{'docs/s':>9}{'peak MB':>9}"
        f"{'added MB':>10}{'P':>7}{'R':>7}{'F1':>7}"
    )
    rows = []
    for tool in ("ours", "datatrove"):
        rows.append((tool, run(tool, args.n)))
    for scale in (int(x) for x in args.scales.split(",") if int(x) != args.n):
        rows.append(("ours", run("ours", scale, args.distinct)))
    for number, (tool, r) in enumerate(rows):
        scores = f"{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}" if number < 2 else ""
        print(
            f"{tool:<10}{r['docs']:>10,}{r['removed']:>9,}{r['seconds']:>9.1f}"
            f"{r['docs'] / r['seconds']:>9,.0f}"
            f"{r['rss_mb']:>9.0f}{r['grew_mb']:>10.0f}{scores}"
        )
    speed = {tool: r["docs"] / r["seconds"] for tool, r in rows[:2]}
    print(f"ours / datatrove docs/s at {args.n:,}: {speed['ours'] / speed['datatrove']:.2f}x")


if __name__ == "__main__":
    main()
