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
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpus import __version__
from corpus.card import write_card
from corpus.dedup.minhash import (
    DocumentFrequency,
    MinHashOptions,
    UnionFind,
    band_keys,
    candidate_pairs,
    jaccard,
    near_duplicate,
    without,
)
from corpus.dedup.shards import shards
from corpus.dedup.shingles import fingerprint
from corpus.dedup.store import SetStore
from corpus.manifest import (
    dataset_fingerprint,
    derived_from,
    now_utc,
    package_versions,
    read_manifest,
    require_dataset,
    write_manifest,
)
from corpus.records import KINDS, SCHEMAS
from corpus.writer import PartWriter, atomic_output, copy_rows, number_parts, reuse_work

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


@dataclass
class Records:
    """What dedup holds per record: where it is and who it is, never its text; its shingles
    and identifiers are spilled to temporary files."""

    folder: list[int] = field(default_factory=list)
    file: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    id: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    exact: list[bytes] = field(default_factory=list)
    shingles: SetStore = field(default_factory=SetStore)  # on disk, memory-mapped
    identifiers: SetStore = field(default_factory=SetStore)

    def add(self, folder: int, file: str, row: int, record: dict[str, Any], text: str) -> None:
        """One record (benchmarks and tests feed texts this way)."""
        self.folder.append(folder)
        self.file.append(file)
        self.row.append(row)
        self.id.append(record["id"])
        self.source.append(record["source"])
        self.lang.append(record["lang"])
        exact, shingles, identifiers = fingerprint(text, record["lang"])
        self.exact.append(exact)
        self.shingles.append(shingles)
        self.identifiers.append(identifiers)

    def add_shard(self, folder: int, file: str, shard: dict[str, np.ndarray]) -> None:
        """Every record of one fingerprinted parquet part, in its order."""
        count = len(shard["id"])
        self.folder.extend([folder] * count)
        self.file.extend([file] * count)
        self.row.extend(range(count))
        self.id.extend(shard["id"].tolist())
        self.source.extend(shard["source"].tolist())
        self.lang.extend(shard["lang"].tolist())
        self.exact.extend(row.tobytes() for row in shard["exact"])
        for store, name in ((self.shingles, "shingles"), (self.identifiers, "identifiers")):
            ends = np.cumsum(shard[f"{name}_sizes"])
            for start, end in zip(np.r_[0, ends[:-1]], ends, strict=True):
                store.append(shard[name][start:end])


def read_records(
    inputs: list[Path],
    kind: str,
    work: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Records:
    records = Records()
    for folder, file, shard in shards(inputs, kind, work, workers, progress):
        records.add_shard(folder, file, shard)
    return records


@dataclass
class Cluster:
    match: str  # exact or near
    kept: int
    dropped: list[int]
    similarity: float


def _keeper(members: list[int], records: Records) -> int:
    return min(members, key=lambda i: (records.folder[i], records.id[i]))


def exact_clusters(records: Records) -> list[Cluster]:
    groups: dict[bytes, list[int]] = defaultdict(list)
    for i, key in enumerate(records.exact):
        groups[key].append(i)
    clusters = []
    for members in groups.values():
        if len(members) > 1:
            kept = _keeper(members, records)
            clusters.append(Cluster("exact", kept, sorted(set(members) - {kept}), 1.0))
    return clusters


def near_clusters(records: Records, alive: np.ndarray, options: MinHashOptions) -> list[Cluster]:
    """MinHash LSH among the records still alive (exact copies already removed). Memory holds
    per record a band key per band; shingle sets are read from the store when needed."""
    index = np.flatnonzero(alive)
    store = records.shingles
    df = DocumentFrequency.of(store, index, options.rare_df)
    common = df.common(options, len(index))
    pairs = candidate_pairs(band_keys(store, index, common, options))
    kept_pairs, scores = [], []
    values, offsets = store.values(), store.offsets
    id_values, id_offsets = records.identifiers.values(), records.identifiers.offsets
    for a, b in pairs.tolist():  # positions in `index`
        x, y = index[a], index[b]
        first, second = values[offsets[x] : offsets[x + 1]], values[offsets[y] : offsets[y + 1]]
        score = jaccard(without(first, common), without(second, common))
        if score >= options.threshold and near_duplicate(
            first,
            second,
            id_values[id_offsets[x] : id_offsets[x + 1]],
            id_values[id_offsets[y] : id_offsets[y + 1]],
            score,
            df,
            options,
        ):
            kept_pairs.append((a, b))
            scores.append(score)
    union = UnionFind(len(index))
    for a, b in kept_pairs:
        union.union(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    best: dict[int, float] = defaultdict(float)
    for (a, _), score in zip(kept_pairs, scores, strict=True):
        root = union.find(a)
        best[root] = max(best[root], score)
    for position in range(len(index)):
        members[union.find(position)].append(int(index[position]))
    clusters = []
    for root, group in members.items():
        if len(group) > 1:
            kept = _keeper(group, records)
            clusters.append(Cluster("near", kept, sorted(set(group) - {kept}), best[root]))
    return clusters


def dedup_kind(records: Records, options: DedupOptions) -> list[Cluster]:
    clusters = exact_clusters(records) if options.exact else []
    alive = np.ones(len(records.id), dtype=bool)
    for cluster in clusters:
        alive[cluster.dropped] = False
    if options.near and alive.sum() > 1:
        clusters += near_clusters(records, alive, options.minhash)
    return sorted(clusters, key=lambda c: (c.match, records.id[c.kept]))


def _write_kept(inputs: list[Path], kind: str, records: Records, dropped: set[int], root: Path):
    writer = PartWriter(root / "data" / kind, SCHEMAS[kind])
    by_file: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in range(len(records.id)):
        if i not in dropped:
            by_file[(records.folder[i], records.file[i])].append(records.row[i])
    try:
        for (folder, name), rows in sorted(by_file.items()):
            path = inputs[folder] / "data" / kind / name
            copy_rows(pq.ParquetFile(path), np.asarray(rows), writer)
    finally:
        writer.close()
    return writer.rows


def dedup(
    inputs: list[Path],
    out: Path,
    options: DedupOptions,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Deduplicate dataset folders into `out`; returns the manifest. Fingerprints go to
    `.OUT.dedup/` beside it (kept if interrupted, to resume; removed when done)."""
    manifests = []
    for folder in inputs:
        require_dataset(folder)
        manifests.append(read_manifest(folder))
    summary: dict[str, Any] = {"options": _describe(options), "kinds": {}}
    work = out.resolve().parent / f".{out.resolve().name}.dedup"
    reuse_work(work, {"inputs": [dataset_fingerprint(m) for m in manifests], "version": 1})
    with atomic_output(out) as tmp:
        cluster_rows: list[dict[str, Any]] = []
        counts = {}
        for kind in KINDS:
            if progress:
                progress(f"reading {kind}")
            records = read_records(inputs, kind, work, workers, progress)
            if progress:
                progress(f"deduplicating {len(records.id):,} {kind} records")
            clusters = dedup_kind(records, options)
            dropped = {i for c in clusters for i in c.dropped}
            counts[kind] = _write_kept(inputs, kind, records, dropped, tmp)
            summary["kinds"][kind] = _kind_summary(records, clusters)
            for number, cluster in enumerate(clusters):
                cluster_rows.append(
                    {
                        "kind": kind,
                        "cluster": number,
                        "match": cluster.match,
                        "kept_id": records.id[cluster.kept],
                        "dropped_ids": [records.id[i] for i in cluster.dropped],
                        "similarity": cluster.similarity,
                    }
                )
        number_parts(tmp)
        (tmp / CLUSTERS).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(cluster_rows, CLUSTER_SCHEMA), tmp / CLUSTERS)
        manifest = _manifest(inputs, manifests, out, counts, summary)
        manifest["stats"] = write_card(tmp, manifest)
        write_manifest(tmp, manifest)
    shutil.rmtree(work, ignore_errors=True)
    return manifest


def _kind_summary(records: Records, clusters: list[Cluster]) -> dict[str, Any]:
    dropped: Counter[tuple[str, str, str]] = Counter()
    for cluster in clusters:
        for i in cluster.dropped:
            dropped[(cluster.match, records.source[i], records.lang[i])] += 1
    return {
        "records": len(records.id),
        "clusters": {m: sum(c.match == m for c in clusters) for m in ("exact", "near")},
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
            "Per record, memory holds its id, place and one key per LSH band (a few hundred "
            "bytes); shingle sets are spilled to temporary files: one machine, tens of millions "
            "of records, not billions.",
        ],
        "versions": {**package_versions(), "corpus": __version__},
        "built_at": now_utc(),
    }
