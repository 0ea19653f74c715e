"""Benchmark: the PHI gate's precision and recall per type and language on a seeded set of real
clinical texts, and its cost in a notes build, in one run.

    python bench/phi.py [--per-language 300] [--seed 0]

1. Quality: `corpus.phi.evaluation.seeded_set` (real MTS-Dialog, QUAERO, FrenchMedMCQA and KCD
   texts with Faker-made identifiers inserted). Recall: inserted values wholly gone after
   redaction. Precision: findings that lie on an inserted value of their type; findings in the
   carriers themselves count as false (some are real names, so this is a lower bound).
   Then the share of tokens the gate changes on the carriers without insertions.
2. Speed: in this process, with `--phi off` and `--phi redact`: `corpus build --source notes`
   on MTS-Dialog (English: blank tokenizer + rules) and `--source brat` on QUAERO (French:
   spaCy's NER runs too); records/s of each and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from corpus.sources import InputFile, SourceOptions

from corpus.build import build
from corpus.filters import FilterOptions
from corpus.phi import evaluation
from corpus.phi.gate import PhiGate

DATA = Path(__file__).resolve().parents[2] / "shared/data"
BUILDS = {  # source -> (input, language)
    "notes": (DATA / "clinical/mts_dialog_train_sample.csv", "en"),
    "brat": (DATA / "clinical/quaero_brat", "fr"),
}


def quality(per_language: int, seed: int) -> None:
    gate = PhiGate("redact")
    items = evaluation.seeded_set(DATA, seed=seed, per_language=per_language)
    recall = evaluation.recall(gate, items)
    precision = evaluation.precision(gate, items)
    print(f"seeded set: {len(items)} texts, seed {seed}")
    print(f"{'lang':<5}{'type':<9}{'inserted':>9}{'recall':>9}{'found':>7}{'precision':>10}")
    for key in sorted(set(recall) | set(precision)):
        hit, total = recall.get(key, (0, 0))
        right, found = precision.get(key, (0, 0))
        r = f"{hit / total:.3f}" if total else "-"
        p = f"{right / found:.3f}" if found else "-"
        print(f"{key[0]:<5}{key[1]:<9}{total:>9}{r:>9}{found:>7}{p:>10}")
    hits = sum(h for h, _ in recall.values())
    print(f"overall recall {hits / sum(t for _, t in recall.values()):.4f}")
    print("\ntokens changed on the real texts without insertions:")
    shares = evaluation.redacted_share(gate, evaluation.carriers(DATA))
    for lang, (changed, total) in shares.items():
        print(f"  {lang}: {changed}/{total} = {changed / total:.4%}")


def speed(source: str, repeats: int = 3) -> None:
    path, lang = BUILDS[source]
    inputs = [InputFile(path, path.name)]
    best: dict[str, float] = {}
    records = chars = 0
    with tempfile.TemporaryDirectory() as tmp:
        PhiGate("redact")  # load spaCy and the registry once, outside the timing
        for _ in range(repeats):
            for mode in ("off", "redact"):
                start = time.perf_counter()
                result = build(
                    source,
                    inputs,
                    Path(tmp) / mode,
                    SourceOptions(lang=lang),
                    filters=FilterOptions(phi=mode),
                )
                elapsed = time.perf_counter() - start
                best[mode] = min(best.get(mode, elapsed), elapsed)
                records = sum(result.counts.values())
                chars = sum(d["chars"] for d in result.manifest["stats"]["kinds"].values())
    print(
        f"\n{source} build of {path.name} ({lang}): {records} records, {chars:,} chars, "
        f"best of {repeats}"
    )
    for mode, seconds in best.items():
        print(f"  --phi {mode:<7} {seconds:6.2f} s  {records / seconds:8.1f} records/s")
    print(f"  the build with the gate runs at {best['off'] / best['redact']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    quality(args.per_language, args.seed)
    for source in BUILDS:
        speed(source)


if __name__ == "__main__":
    main()
