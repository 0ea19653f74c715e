"""`corpus dedup IN... --out OUT`: exact then near-duplicate removal across built folders.

Per kind (text, instruct): every record's normalized content is hashed (exact) and shingled
(near); exact copies cluster first, then the survivors are compared by MinHash LSH. In each
cluster the record kept is the one of the earliest input folder (the priority is the order of
the inputs), then the smallest id: deterministic, and documented in the card. Kept rows are
copied row group by row group; `OUT/dedup/clusters.parquet` lists every cluster (kept id,
dropped ids, estimated similarity), and the manifest counts drops by source and language.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus import __version__
from corpus.arrow_arrays import number_array, string_array
from corpus.card import write_card
from corpus.dedup.clusters import Clusters, components, exact_clusters, pair_clusters
from corpus.dedup.minhash import (
    DocumentFrequency,
    MinHashOptions,
    candidate_pairs,
    conflicting,
    jaccard,
    near_duplicate,
    similar_enough,
    without,
)
from corpus.dedup.records import Records
from corpus.dedup.shards import FingerprintTask, shards
from corpus.errors import CorpusError
from corpus.executors import ExecutorOptions, run_on_executor
from corpus.manifest import (
    dataset_fingerprint,
    derived_from,
    now_utc,
    package_versions,
    read_manifest,
    require_dataset,
    require_distinct,
    write_manifest,
)
from corpus.records import KINDS, SCHEMAS
from corpus.writer import (
    PartWriter,
    atomic_output,
    check_replaceable,
    copy_rows,
    number_parts,
    reuse_work,
)

CLUSTERS = Path("dedup") / "clusters.parquet"
CLUSTER_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("cluster", pa.int64()),
        ("match", pa.string()),
        ("kept_id", pa.string()),
        ("dropped_ids", pa.list_(pa.string())),
        ("similarity", pa.float64()),
    ]
)


@dataclass(frozen=True)
class DedupOptions:
    exact: bool = True
    near: bool = True
    minhash: MinHashOptions = field(default_factory=MinHashOptions)


def read_records(
    inputs: list[Path],
    kind: str,
    work: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Records:
    records = Records(work)
    for folder, file, piece, first_row in shards(inputs, kind, work, workers, progress):
        records.add_piece(folder, file, piece, first_row)
    return records


PAIRS_AT_ONCE = 1 << 13  # candidate pairs whose sets are read together


def verified_pairs(
    records: Records,
    batches: Iterable[np.ndarray],
    common: np.ndarray,
    df: DocumentFrequency,
    options: MinHashOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs that pass the tests, with their Jaccard. The sets of a batch of
    pairs are read together: memory holds one batch's, and the pairs that passed."""
    kept, kept_scores = [np.empty((0, 2), np.int64)], [np.empty(0)]
    for pairs in batches:
        for batch in range(0, len(pairs), PAIRS_AT_ONCE):
            some = pairs[batch : batch + PAIRS_AT_ONCE]
            scores, passed = _verify(records, some, common, df, options)
            passed &= ~_not_copies(records, some, passed)
            kept.append(some[passed])
            kept_scores.append(scores[passed])
    return np.concatenate(kept), np.concatenate(kept_scores)


def _not_copies(records: Records, pairs: np.ndarray, passed: np.ndarray) -> np.ndarray:
    """The passed pairs that are alike but are not copies, by what their sources say:
    - both are records of a kind that their source makes distinct items by construction
      (`Source.distinct_records`: hetop's concept x task x language): siblings (M54.04 /
      M54.05), a lookup beside its inverse;
    - or they ask different questions of one item (an abstract's title and its MeSH terms,
      a title translated both ways, a document's entities of two types): they share the
      item's words, not an answer."""
    rejected = np.zeros(len(pairs), dtype=bool)
    if not (records.any_identity and passed.any()):
        return rejected
    members = np.unique(pairs[passed])
    distinct = records.column("distinct", members)
    item = records.column("item", members)
    question = records.column("question", members)
    a, b = (np.searchsorted(members, pairs[passed][:, side]) for side in (0, 1))
    other_question = (item[a] == item[b]) & (item[a] != 0) & (question[a] != question[b])
    rejected[passed] = (distinct[a] & distinct[b]) | other_question
    return rejected


def _verify(
    records: Records,
    pairs: np.ndarray,
    common: np.ndarray,
    df: DocumentFrequency,
    options: MinHashOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of one batch of pairs, and which passed."""
    scores, passed = np.zeros(len(pairs)), np.zeros(len(pairs), dtype=bool)
    members = np.unique(pairs)
    shingles = records.shingles.sets(members)
    identifiers = records.identifiers.sets(members)
    rest = {number: without(values, common) for number, values in shingles.items()}
    for at, (a, b) in enumerate(pairs.tolist()):
        score = jaccard(rest[a], rest[b])
        if similar_enough(rest[a], rest[b], score, options) and near_duplicate(
            shingles[a], shingles[b], identifiers[a], identifiers[b], score, df, options
        ):
            scores[at], passed[at] = score, True
    return scores, passed


def near_clusters(records: Records, alive: np.ndarray, options: MinHashOptions) -> Clusters:
    """MinHash LSH among the records still alive (exact copies already removed); every stage
    reads the stores in chunks."""
    store = records.shingles
    df = DocumentFrequency.of(store, alive, options.rare_df)
    common = df.common(options, int(alive.sum()))
    pairs = candidate_pairs(store, alive, common, options)
    verified, scores = verified_pairs(records, pairs, common, df, options)
    if options.distinct_identifiers:
        verified, scores = without_chained_conflicts(records, verified, scores)
    return pair_clusters(records, verified, scores)


CONFLICT_CHECKS = 1_000_000  # record pairs one component may compare; past it, joined as found


def without_chained_conflicts(
    records: Records, pairs: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The verified pairs that clusters may use. A component of three or more records can chain
    two that hold conflicting identifiers: an edited copy of KCD's M90.46 that lost its code is
    near its original and its siblings M90.40, M90.42 alike, and would merge them all. Within
    such components the pairs are taken best score first (as single-link clustering does), and
    a pair that would join two groups holding conflicting records is left out."""
    if len(pairs) < 2:
        return pairs, scores
    members, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape)
    label = components(len(members), local)
    chained = np.bincount(label)[label[local[:, 0]]] > 2
    if not chained.any():
        return pairs, scores
    keep = ~chained
    edges = np.flatnonzero(chained)
    identifiers = records.identifiers.sets(np.unique(pairs[edges]))
    group = {number: number for number in identifiers}  # record -> its group
    nodes = {number: [number] for number in identifiers}  # group -> its records
    held = {n: [n] if values.size else [] for n, values in identifiers.items()}  # with ids
    checks: Counter[int] = Counter()
    for edge in edges[np.lexsort((pairs[edges, 1], pairs[edges, 0], -scores[edges]))].tolist():
        a, b = group[int(pairs[edge, 0])], group[int(pairs[edge, 1])]
        if a != b:
            component = int(label[local[edge, 0]])
            checks[component] += len(held[a]) * len(held[b])
            if checks[component] <= CONFLICT_CHECKS and any(
                conflicting(identifiers[x], identifiers[y]) for x in held[a] for y in held[b]
            ):
                continue
            if len(nodes[a]) < len(nodes[b]):
                a, b = b, a
            for number in nodes[b]:
                group[number] = a
            nodes[a] += nodes.pop(b)
            held[a] += held.pop(b)
        keep[edge] = True
    return pairs[keep], scores[keep]


def dedup_kind(records: Records, options: DedupOptions) -> Clusters:
    records.ready()
    clusters = exact_clusters(records) if options.exact else Clusters.empty()
    alive = np.ones(len(records), dtype=bool)
    alive[clusters.dropped] = False
    if options.near and alive.sum() > 1:
        clusters = clusters + near_clusters(records, alive, options.minhash)
    return clusters.ordered(records)


def _write_kept(inputs: list[Path], kind: str, records: Records, clusters: Clusters, root: Path):
    keep = np.ones(len(records), dtype=bool)
    keep[clusters.dropped] = False
    writer = PartWriter(root / "data" / kind, SCHEMAS[kind])
    try:
        for folder, name, rows in records.files(keep):
            copy_rows(pq.ParquetFile(inputs[folder] / "data" / kind / name), rows, writer)
    finally:
        writer.close()
    return writer.rows


def _cluster_table(kind: str, records: Records, clusters: Clusters) -> pa.Table:
    def ids(numbers: np.ndarray) -> pa.Array:
        return string_array(np.char.decode(records.column("id", numbers), "utf-8").tolist())

    offsets = number_array(np.r_[0, clusters.ends], pa.int32())
    return pa.Table.from_arrays(
        [
            string_array([kind] * len(clusters)),
            number_array(np.arange(len(clusters))),
            string_array(clusters.match.astype(str).tolist()),
            ids(clusters.kept),
            pa.ListArray.from_arrays(offsets, ids(clusters.dropped)),
            number_array(clusters.similarity, pa.float64()),
        ],
        schema=CLUSTER_SCHEMA,
    )


def work_folder(out: Path) -> Path:
    return out.resolve().parent / f".{out.resolve().name}.dedup"


def work_spec(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """What the fingerprints in a work folder depend on: the inputs (and their format)."""
    version = 3  # 3: pieces hold distinct, item, question
    return {"inputs": [dataset_fingerprint(m) for m in manifests], "version": version}


def dedup(
    inputs: list[Path],
    out: Path,
    options: DedupOptions,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    executor: ExecutorOptions | None = None,
) -> dict[str, Any] | None:
    """Deduplicate dataset folders into `out`; returns the manifest, or None while Slurm jobs
    still fingerprint. Fingerprints go to `.OUT.dedup/` beside it (kept if interrupted, to
    resume; removed when done); with `executor`, datatrove's ranks make them."""
    require_distinct(inputs)
    check_replaceable(out)
    manifests = []
    for folder in inputs:
        require_dataset(folder)
        manifests.append(read_manifest(folder))
    summary: dict[str, Any] = {"options": _describe(options), "kinds": {}}
    work = work_folder(out)
    reuse_work(work, work_spec(manifests))
    if executor is not None:
        if progress:
            progress(f"fingerprinting on {executor.tasks} {executor.kind} task(s)")
        task = FingerprintTask([folder.resolve() for folder in inputs], work)
        try:
            if not run_on_executor(task, work, executor, "corpus-dedup"):
                return None
        except CorpusError:
            if not any(work.glob("*.done")):  # nothing to resume from
                shutil.rmtree(work, ignore_errors=True)
            raise
    with atomic_output(out) as tmp:
        tables: list[pa.Table] = []
        counts = {}
        for kind in KINDS:
            if progress:
                progress(f"reading {kind}")
            records = read_records(inputs, kind, work, workers, progress)
            try:
                if progress:
                    progress(f"deduplicating {len(records):,} {kind} records")
                clusters = dedup_kind(records, options)
                counts[kind] = _write_kept(inputs, kind, records, clusters, tmp)
                summary["kinds"][kind] = _kind_summary(records, clusters)
                tables.append(_cluster_table(kind, records, clusters))
            finally:
                records.close()
        number_parts(tmp)
        (tmp / CLUSTERS).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables(tables), tmp / CLUSTERS)
        manifest = _manifest(inputs, manifests, out, counts, summary)
        manifest["stats"] = write_card(tmp, manifest)
        write_manifest(tmp, manifest)
    shutil.rmtree(work, ignore_errors=True)
    return manifest


def _kind_summary(records: Records, clusters: Clusters) -> dict[str, Any]:
    columns = [
        np.repeat(clusters.match, clusters.sizes()),
        records.column("source", clusters.dropped),
        records.column("lang", clusters.dropped),
    ]
    keys, counts = np.unique(np.rec.fromarrays(columns), return_counts=True)
    dropped = {tuple(map(str, key)): int(n) for key, n in zip(keys, counts, strict=True)}
    return {
        "records": len(records),
        "clusters": {m: int((clusters.match == m).sum()) for m in ("exact", "near")},
        "dropped": [
            {"match": m, "source": s, "lang": lang, "records": n}
            for (m, s, lang), n in sorted(dropped.items())
        ],
    }


def _describe(options: DedupOptions) -> dict[str, Any]:
    values = asdict(options)
    values["minhash"]["rows"] = options.minhash.rows
    values["seed"] = options.minhash.seed
    values["keep"] = "earliest input folder, then smallest id"
    return values


def _manifest(inputs, manifests, out: Path, counts, summary) -> dict[str, Any]:
    derived = derived_from(inputs, manifests)
    return {
        "name": f"dedup: {out.name}",
        "source": "dedup",
        "inputs": derived["inputs"],
        "options": summary["options"],
        "licenses": derived["licenses"],
        "languages_without_templates": [],
        "counts": counts,
        "dedup": summary["kinds"],
        "steps": {
            "dedup": {
                f"dropped_{match}_duplicate": sum(
                    row["records"]
                    for kind in summary["kinds"].values()
                    for row in kind["dropped"]
                    if row["match"] == match
                )
                for match in ("exact", "near")
            }
        },
        "limitations": [
            "Kept record per cluster: earliest input folder, then smallest id.",
            "Fingerprints, band keys and exact hashes are spilled to files and read in "
            "bounded chunks; memory holds a byte per record and the ids of records in a "
            "cluster: one machine, hundreds of millions of records, not billions.",
        ],
        "versions": {**package_versions(), "corpus": __version__},
        "built_at": now_utc(),
    }
