"""The concept table a knowledge probe is generated from, and the held-out split.

A build with `--holdout F` keeps a seeded fraction F of concepts out of its records altogether
(their own records, and their labels in other concepts' parent and child lists), so that a
probe can report "seen in training" and "never seen" apart. The table lists every concept,
held out or not, one row per concept and language: `OUT/probe/concepts.parquet`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from corpus.sources.hetop.graph import Concept, ConceptGraph
from corpus.sources.hetop.label_case import LabelCase
from corpus.sources.hetop.verbalize import conflicting_names

from corpus.arrow_arrays import column

PROBE_TABLE = "probe/concepts.parquet"

CONCEPT_SCHEMA = pa.schema(
    [
        ("concept_id", pa.string()),
        ("terminology", pa.string()),
        ("terminology_name", pa.string()),
        ("code", pa.string()),
        ("lang", pa.string()),
        ("label", pa.string()),
        ("running_label", pa.string()),  # as the records say it mid-sentence
        ("definition", pa.string()),
        ("parents", pa.list_(pa.string())),
        ("heldout", pa.bool_()),
        # a label other concepts share while another language names them differently: the
        # records never state it as this concept's name (`verbalize.conflicting_names`)
        ("name_in_conflict", pa.bool_()),
    ]
)


def held_out(concept_id: str, seed: int, fraction: float) -> bool:
    """Whether a concept is in the held-out split: a hash of (seed, id), so the split does not
    depend on input order, shards or which other concepts exist."""
    if fraction <= 0:
        return False
    digest = hashlib.blake2b(f"{seed}\x1f{concept_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def write_concept_table(
    graph: ConceptGraph,
    concepts: Iterable[Concept],
    root: Path,
    heldout: frozenset[str],
    langs: frozenset[str] | None,
    case: LabelCase,
) -> int:
    """Write the table under `root`; returns its row count."""
    rows: dict[str, list] = {name: [] for name in CONCEPT_SCHEMA.names}
    for concept in concepts:
        term = graph.terminologies[concept.terminology]
        conflicted = conflicting_names(graph, concept)
        for lang, label in concept.labels.items():
            if langs is not None and lang not in langs:
                continue
            rows["concept_id"].append(concept.id)
            rows["terminology"].append(concept.terminology)
            rows["terminology_name"].append(term.name_in(lang))
            rows["code"].append(concept.code)
            rows["lang"].append(lang)
            rows["label"].append(label)
            rows["running_label"].append(case.running(label, lang))
            rows["definition"].append(concept.definitions.get(lang))
            rows["parents"].append(list(concept.parents))
            rows["heldout"].append(concept.id in heldout)
            rows["name_in_conflict"].append(lang in conflicted)
    path = root / PROBE_TABLE
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [column(rows[field.name], field.type) for field in CONCEPT_SCHEMA]
    table = pa.Table.from_arrays(columns, schema=CONCEPT_SCHEMA)
    pq.write_table(table, path, compression="zstd")
    return len(rows["concept_id"])
