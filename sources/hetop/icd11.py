"""ICD-11 MMS from the SQLite file that `cim-11-certic` ships (French and English labels)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from corpus.sources.hetop.graph import LABEL, ConceptGraph

from corpus.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
_ENTITY_PREFIX = "http://id.who.int/icd/entity/"


def is_icd11_sqlite(path: Path) -> bool:
    with open(path, "rb") as handle:
        if handle.read(16) != SQLITE_MAGIC:
            return False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    return "cim11" in tables


def _concept_id(entity: str, code: str) -> str:
    return f"ICD11:{code}" if code else f"ICD11:{entity.removeprefix(_ENTITY_PREFIX)}"


def read_icd11_sqlite(path: Path, graph: ConceptGraph) -> Counter[str]:
    """Chapters and blocks have no code: they become concepts for the hierarchy only."""
    counts: Counter[str] = Counter()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute(
                "select idc_id, icode, label, parent_idc_id, label_en from cim11 order by rowid"
            ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, None, f"unreadable ICD-11 database: {exc}") from None
    ids = {entity: _concept_id(entity, code or "") for entity, code, *_ in rows}
    for entity, code, label_fr, parent, label_en in rows:
        concept = graph.concept(ids[entity], "ICD11", code or "")
        if label_en:
            concept.add(LABEL, "en", label_en)
        if label_fr:
            concept.add(LABEL, "fr", label_fr)
        if parent in ids:
            concept.add_parent(ids[parent])
        counts["concepts"] += 1
        counts["uncoded_groupings" if not code else "coded"] += 1
    return counts
