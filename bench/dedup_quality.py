"""Benchmark: near-duplicate detection on a labelled set made from the real texts.

    python bench/dedup_quality.py [--per-language 150] [--seed 0] [--threshold 0.5]

Originals: literature abstracts (lissa build of the MEDLINE sample), catalogue summaries
(cismef build), MTS-Dialog note sections, QUAERO documents and FrenchMedMCQA questions, and
ontology verbalizations (hetop build of hp_sample + French Babelon + Korean KCD): these last
are the hard negatives, many records in one template that differ by their concept's terms.
Up to --per-language originals per source and language get one near copy made by one realistic
edit (word deletions plus an insertion, word substitutions, whitespace and punctuation noise,
reordered sentences, inserted boilerplate, truncation to 80%, other line breaks). Every other
pair is a negative.
datatrove's MinHash pipeline (its defaults) runs on the same documents, scored by what it
removes (it reports removals, not clusters), next to ours scored the same way.
Precision and recall are over pairs (a predicted pair: two records in one cluster), per
language, source and edit kind; "hard negatives merged" counts clusters holding two originals.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
from corpus.sources import InputFile, SourceOptions

from corpus.build import build
from corpus.dedup.minhash import MinHashOptions
from corpus.dedup.run import DedupOptions, Records, dedup_kind

DATA = Path(__file__).resolve().parents[2] / "shared/data"
BOILERPLATE = (
    "Copyright © 2016 Elsevier Ltd. All rights reserved.",
    "This article is protected by copyright. All rights reserved.",
    "Tous droits réservés.",
    "본 자료는 저작권법의 보호를 받습니다.",
)
EDITS = ("delete", "substitute", "noise", "reorder", "boilerplate", "truncate", "linebreaks")


def originals(root: Path) -> list[tuple[str, str, str]]:
    """(source, lang, text) of real texts of at least 20 words (or 40 characters in CJK)."""
    builds = {
        "lissa": [DATA / "literature/medline16n0902_sample.xml.gz"],
        "cismef": sorted((DATA / "catalogue").glob("*.xml")),
        "notes": [DATA / "clinical/mts_dialog_train_sample.csv"],
        "brat": [DATA / "clinical/quaero_brat"],
        "hetop": [
            DATA / "ontology/hp_sample.obo",
            DATA / "ontology/hp-fr.babelon.tsv",
            DATA / "ontology/kcd_ko_en.tsv",
        ],
    }
    texts = []
    for source, paths in builds.items():
        out = root / source
        options = SourceOptions(lang="en") if source == "notes" else SourceOptions()
        build(source, [InputFile(p, p.name) for p in paths], out, options)
        for path in sorted((out / "data" / "text").glob("*.parquet")):
            for row in pq.read_table(path, columns=["text", "lang"]).to_pylist():
                long_enough = len(row["text"].split()) >= 20 or (
                    row["lang"] in ("ko", "ja", "zh") and len(row["text"]) >= 40
                )
                if long_enough:
                    texts.append((source, row["lang"], row["text"]))
    return list(dict.fromkeys(texts))


def edit(text: str, kind: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    if kind == "delete":
        keep = [w for w in words if rng.random() > 0.05]
        keep.insert(rng.randrange(len(keep) + 1), rng.choice(vocabulary))
        return " ".join(keep)
    if kind == "substitute":
        return " ".join(rng.choice(vocabulary) if rng.random() < 0.05 else w for w in words)
    if kind == "noise":
        noisy = [w + rng.choice([",", ";", ""]) if rng.random() < 0.1 else w for w in words]
        return "  ".join(noisy).replace(". ", " .  ")
    if kind == "reorder":
        sentences = [s for s in text.replace("\n", " ").split(". ") if s]
        rng.shuffle(sentences)
        return ". ".join(sentences)
    if kind == "boilerplate":
        return text + "\n" + rng.choice(BOILERPLATE)
    if kind == "truncate":
        return " ".join(words[: max(1, int(len(words) * 0.8))])
    if kind == "linebreaks":
        return "\n".join(" ".join(words[i : i + 7]) for i in range(0, len(words), 7))
    raise ValueError(kind)


def labelled_set(root: Path, per_language: int, seed: int):
    rng = random.Random(seed)
    texts = originals(root)
    vocabulary = [w for _, _, t in texts[:2000] for w in t.split()[:30]]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (source, lang, _) in enumerate(texts):
        groups[(source, lang)].append(i)
    docs = [(source, lang, text, "original", i) for i, (source, lang, text) in enumerate(texts)]
    for indexes in groups.values():
        for i in rng.sample(indexes, min(per_language, len(indexes))):
            source, lang, text = texts[i]
            kind = rng.choice(EDITS)
            docs.append((source, lang, edit(text, kind, rng, vocabulary), kind, i))
    return docs


def score(docs, clusters) -> None:
    origin = [d[4] for d in docs]
    predicted: set[tuple[int, int]] = set()
    for cluster in clusters:
        group = sorted([cluster.kept, *cluster.dropped])
        predicted.update((a, b) for x, a in enumerate(group) for b in group[x + 1 :])
    gold = {
        (d[4], i) for i, d in enumerate(docs) if d[3] != "original"
    }  # (original index, copy index): originals come first, so d[4] < i
    found = Counter()
    total = Counter()
    for original, copy in gold:
        lang, kind = docs[copy][1], docs[copy][3]
        source = docs[copy][0]
        for key in (("lang", lang), ("edit", kind), ("source", source), ("all", "all")):
            total[key] += 1
            found[key] += (original, copy) in predicted
    right = Counter()
    made = Counter()
    for a, b in predicted:
        lang, source = docs[b][1], docs[b][0]
        for key in (("lang", lang), ("source", source), ("all", "all")):
            made[key] += 1
            right[key] += origin[a] == origin[b]
    hard = sum(
        len({origin[i] for i in [c.kept, *c.dropped]}) > 1 for c in clusters
    )  # clusters mixing two different originals
    print(f"{'':<22}{'pairs':>7}{'recall':>8}{'predicted':>10}{'precision':>10}{'F1':>7}")
    for key in sorted(total, key=lambda k: (k[0] != "all", k)):
        r = found[key] / total[key]
        p = right[key] / made[key] if made[key] else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(
            f"{key[0] + ' ' + key[1]:<22}{total[key]:>7}{r:>8.3f}"
            f"{made.get(key, 0):>10}{p if made.get(key) else float('nan'):>10.3f}{f1:>7.3f}"
        )
    print(f"clusters merging two different originals (hard negatives merged): {hard}")


def datatrove(docs) -> set[int]:
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )

    config = MinhashConfig()
    data = [Document(text=d[2], id=str(i)) for i, d in enumerate(docs)]
    kept: set[int] = set()

    def collect(stream, rank=0, world_size=1):
        for document in stream:
            kept.add(int(document.id))
        return iter(())

    with tempfile.TemporaryDirectory() as tmp:
        sigs, buckets, remove = (f"{tmp}/{name}" for name in ("sigs", "buckets", "remove"))
        stages = [
            ([data, MinhashDedupSignature(sigs, config=config)], 1),
            ([MinhashDedupBuckets(sigs, buckets, config=config)], config.num_buckets),
            ([MinhashDedupCluster(buckets, remove, config=config)], 1),
            ([data, MinhashDedupFilter(remove), collect], 1),
        ]
        quiet = io.StringIO()  # datatrove logs every stage's stats
        with contextlib.redirect_stderr(quiet), contextlib.redirect_stdout(quiet):
            for number, (pipeline, tasks) in enumerate(stages):
                LocalPipelineExecutor(
                    pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{tmp}/logs{number}"
                ).run()
    return set(range(len(docs))) - kept


def removal_scores(docs, removed: set[int]) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(precision, recall, F1) by what a tool removes, per language and overall: a planted pair
    is resolved when one of the two is removed; a removal is right when the record has a
    planted partner. (datatrove reports removals, not clusters.)"""
    partners = {d[4] for d in docs if d[3] != "original"}
    resolved, pairs, right, made = Counter(), Counter(), Counter(), Counter()
    for i, d in enumerate(docs):
        if d[3] != "original":
            for key in (("lang", d[1]), ("all", "all")):
                pairs[key] += 1
                resolved[key] += d[4] in removed or i in removed
    for i in removed:
        for key in (("lang", docs[i][1]), ("all", "all")):
            made[key] += 1
            right[key] += docs[i][3] != "original" or i in partners
    scores = {}
    for key in pairs:
        recall = resolved[key] / pairs[key]
        precision = right[key] / made[key] if made[key] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[key] = (precision, recall, f1)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=MinHashOptions().threshold)
    parser.add_argument("--agreement", type=float, default=MinHashOptions().agreement)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = labelled_set(Path(tmp), args.per_language, args.seed)
    records = Records()
    for i, (source, lang, text, _, _) in enumerate(docs):
        records.add(0, {"id": f"{i:07d}", "source": source, "lang": lang}, text)
    languages = Counter(d[1] for d in docs if d[3] != "original")
    print(f"{len(docs):,} texts, near copies per language: {dict(sorted(languages.items()))}")
    options = DedupOptions(
        minhash=MinHashOptions(threshold=args.threshold, agreement=args.agreement)
    )
    clusters = dedup_kind(records, options)
    score(docs, clusters)
    print("\nBy removals, ours vs datatrove's MinHash at its defaults (same documents):")
    ours = removal_scores(docs, {i for c in clusters for i in c.dropped})
    theirs = removal_scores(docs, datatrove(docs))
    print(f"{'':<12}{'ours P':>8}{'R':>7}{'F1':>7}{'datatrove P':>13}{'R':>7}{'F1':>7}")
    for key in sorted(ours, key=lambda k: (k[0] != "all", k)):
        print(
            f"{key[0] + ' ' + key[1]:<12}"
            + "".join(f"{v:>8.3f}" if j == 0 else f"{v:>7.3f}" for j, v in enumerate(ours[key]))
            + "".join(f"{v:>13.3f}" if j == 0 else f"{v:>7.3f}" for j, v in enumerate(theirs[key]))
        )


if __name__ == "__main__":
    main()
