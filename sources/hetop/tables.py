"""Tabular inputs: Babelon translations, ROBOT templates, SSSOM mappings, code tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from corpus.sources.base import TableLayout
from corpus.sources.hetop.graph import DEFINITION, LABEL, SYNONYM, ConceptGraph
from corpus.sources.hetop.icd10_sites import name_after_parents
from corpus.sources.hetop.terminologies import normalize_curie, normalize_prefix, split_curie

from corpus.errors import InputError
from corpus.textio import TableReader

# predicates of Babelon rows and ROBOT template columns, by what they add to a concept
PREDICATES = {
    "rdfs:label": LABEL,
    "skos:prefLabel": LABEL,
    "IAO:0000115": DEFINITION,
    "obo:IAO_0000115": DEFINITION,
    "skos:definition": DEFINITION,
    "oboInOwl:hasExactSynonym": SYNONYM,
    "oboInOwl:hasRelatedSynonym": SYNONYM,
    "oboInOwl:hasBroadSynonym": None,
    "oboInOwl:hasNarrowSynonym": None,
    "skos:altLabel": SYNONYM,
}
BABELON_REQUIRED = ["subject_id", "predicate_id", "translation_language", "translation_value"]
SSSOM_REQUIRED = ["subject_id", "object_id"]
SKIP_STATUS = {"NOT_TRANSLATED"}
MISSING_VALUES = {"", "NA", "N/A", "null"}
LANGS = {
    "en",
    "fr",
    "ko",
    "es",
    "de",
    "ja",
    "zh",
    "it",
    "pt",
    "nl",
    "ru",
    "ar",
    "pl",
    "sv",
    "tr",
    "cs",
    "da",
    "fi",
    "nb",
    "no",
    "el",
    "he",
    "hu",
    "ro",
    "uk",
    "vi",
    "th",
    "hi",
    "fa",
    "ca",
}
# bare column names taken as languages without --columns (not "tr", "id", "no": too ambiguous)
HEADER_LANGS = {"en", "fr", "ko", "es", "de", "ja", "zh", "it", "pt", "nl", "ru", "ar", "pl", "sv"}
_ROBOT_ANNOTATION = re.compile(r"^A[LI]?\s+(\S+?)@([A-Za-z-]+)(?:\s+SPLIT=(.))?$")
# ATIH's CIM-10 FR marks a code withdrawn in 20yy by its label: "*** SU17 *** Dengue [dengue
# classique]" (A90, replaced by A97 in 2017). Such a code is obsolete, as an OBO term can be.
_WITHDRAWN = re.compile(r"\*\*\*\s*SU\d{2}\s*\*\*\*")
_LANG_COLUMN = re.compile(r"^(?:([a-z]{2})|(?:label|name)_([a-z]{2})|([a-z]{2})_(?:label|name))$")


def read_babelon(path: Path, graph: ConceptGraph) -> Counter[str]:
    """Each row adds one label/definition/synonym in one language to an existing concept."""
    counts: Counter[str] = Counter()
    table = TableReader(path, "\t")
    table.require(BABELON_REQUIRED)
    for row in table:
        status = row.get("translation_status", "")
        value = row["translation_value"]
        if status in SKIP_STATUS or value in MISSING_VALUES:
            counts["rows_not_translated"] += 1
            continue
        kind = PREDICATES.get(row["predicate_id"])
        if kind is None:
            counts["rows_other_predicate"] += 1
            continue
        lang = row["translation_language"].lower()
        if not lang:
            raise InputError(path, table.line, "empty translation_language")
        if kind != DEFINITION and _stray_period(value, row.get("source_value", "")):
            value = value[:-1].rstrip()
            counts["label_periods_dropped"] += 1
        source_value = row.get("source_value", "")
        source_lang = row.get("source_language", "").lower()
        source = (source_lang, source_value) if source_value and source_lang else None
        graph.add_pending(row["subject_id"], kind, lang, value, "babelon", source)
        counts[f"rows_{status.lower() or 'no_status'}"] += 1
        counts["rows"] += 1
    return counts


def _stray_period(translated: str, source: str) -> bool:
    """A translated name that ends in a sentence's period its source name lacks (HPO's Spanish
    "Vasculitis por histología."); an abbreviation's point (spp., Inf.) is kept."""
    if not translated.endswith(".") or source.rstrip().endswith("."):
        return False
    last = translated[:-1].rsplit(None, 1)[-1] if translated[:-1].strip() else ""
    return len(last) > 4 and "." not in last


def read_robot_template(path: Path, graph: ConceptGraph) -> Counter[str]:
    """ROBOT template TSV (second row holds `ID` and `A prop@lang` column templates)."""
    counts: Counter[str] = Counter()
    table = TableReader(path, "\t")
    rows = iter(table)
    template = next(rows, None)
    if template is None:
        raise InputError(path, 2, "ROBOT template row missing")
    id_column = next((c for c, t in template.items() if t == "ID"), None)
    if id_column is None:
        raise InputError(path, 2, "ROBOT template row has no 'ID' column")
    columns: list[tuple[str, str, str, str | None]] = []
    for column, spec in template.items():
        match = _ROBOT_ANNOTATION.match(spec)
        if match and PREDICATES.get(match.group(1)):
            kind = PREDICATES[match.group(1)]
            columns.append((column, kind or SYNONYM, match.group(2).lower(), match.group(3)))
    if not columns:
        raise InputError(path, 2, "no 'A property@lang' annotation column in the ROBOT template")
    # HPO's translation templates keep untranslated rows, the English copied in, marked in a
    # Status column: as French synonyms they would teach English ("PEG-fed in infancy")
    status = next((c for c in template if c.lower() in ("status", "translation_status")), None)
    for row in rows:
        if status is not None and row.get(status, "") in SKIP_STATUS:
            counts["rows_not_translated"] += 1
            continue
        concept_id = row[id_column]
        for column, kind, lang, split in columns:
            value = row.get(column, "")
            for part in value.split(split) if split else [value]:
                if part not in MISSING_VALUES:
                    graph.add_pending(concept_id, kind, lang, part, "robot")
                    counts[f"{kind}s"] += 1
        counts["rows"] += 1
    return counts


def read_sssom(path: Path, graph: ConceptGraph) -> Counter[str]:
    """SSSOM-style mapping table: links concepts of two terminologies, both ways."""
    counts: Counter[str] = Counter()
    table = TableReader(path, "\t" if path.suffix.lower() != ".csv" else ",")
    table.require(SSSOM_REQUIRED)
    for row in table:
        subject, target = normalize_curie(row["subject_id"]), normalize_curie(row["object_id"])
        if not subject or not target:
            raise InputError(path, table.line, "empty subject_id or object_id")
        predicate = row.get("predicate_id", "skos:exactMatch")
        if predicate in ("skos:broadMatch", "skos:narrowMatch") or "not" in predicate.lower():
            counts["mappings_not_equivalent"] += 1
            continue
        graph.mappings.append((subject, target))
        counts["mappings"] += 1
    return counts


def terminology_from_filename(path: Path) -> str:
    """`kcd_ko_en.tsv` -> KCD, `cim10_fr.tsv` -> CIM10, `orphanet_fr.tsv` -> ORPHA."""
    stem = path.name.split(".")[0]
    return normalize_prefix(re.split(r"[_\-\s]", stem)[0])


def _roles_from_header(header: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    lowered = {h.lower(): h for h in header}
    for name in ("code", "id", "concept_id", "curie"):
        if name in lowered:
            roles["code"] = lowered[name]
            break
    for name in ("parent", "parent_code", "parent_id"):
        if name in lowered:
            roles["parent"] = lowered[name]
            break
    for low, original in lowered.items():
        if original in roles.values():
            continue
        match = _LANG_COLUMN.match(low)
        lang = match and next(g for g in match.groups() if g)
        if lang in (HEADER_LANGS if match and match.group(1) else LANGS):
            roles[lang] = original
        elif low.endswith(("_synonyms", "_definition")) and low[:2] in LANGS:
            roles[low] = original
    return roles


def _table_roles(
    path: Path, header: list[str], layouts: Sequence[TableLayout]
) -> tuple[dict[str, str], int]:
    """The roles of a table's columns, and which of `layouts` (--columns) gave them: 1 for the
    first, 0 for none. A build may hold tables of several layouts (a KCD table read by its
    header beside a CIM-10 one and an Orphanet one, each with its --columns): a table takes
    the first layout whose columns it has; one that has none of them, but whose header says
    its code and languages, is read by its header."""
    if not layouts:
        return _roles_from_header(header), 0
    for number, layout in enumerate(layouts, 1):
        if set(layout.columns.values()) <= set(header):
            return dict(layout.columns), number
    own = _roles_from_header(header)
    if "code" in own and any(role in LANGS for role in own):
        return own, 0
    if len(layouts) == 1:
        return dict(layouts[0].columns), 1  # the checks that follow name the missing columns
    specs = " or ".join(f"--columns {layout.spec()}" for layout in layouts)
    raise InputError(
        path, 1, f"the table has the columns of no {specs}; columns are: {', '.join(header)}"
    )


def read_code_table(
    path: Path,
    graph: ConceptGraph,
    layouts: Sequence[TableLayout] = (),
    terminology: str | None = None,
) -> Counter[str]:
    """A table with a code column and a label column per language (KCD: code, ko, en).

    Parents come from a parent column, else from the longest code prefix found in the table
    (A00.0 -> A00; not for codes of digits only); `xref:PREFIX` columns map codes into other
    terminologies. Codes whose label says they were withdrawn are skipped and counted. The
    terminology is the layout's, else `terminology` (tables read by their header), else the
    file name's.
    """
    counts: Counter[str] = Counter()
    table = TableReader(path, "," if path.suffix.lower() == ".csv" else "\t")
    roles, number = _table_roles(path, table.header, layouts)
    if number:
        counts[f"read_with_columns_{number}"] = 1  # the first --columns, the second, …
        terminology = layouts[number - 1].terminology
    else:
        counts["read_by_header"] = 1
    hint = "; name them with --columns code=COLUMN,LANG=COLUMN"
    if "code" not in roles:
        table.require(["code"], hint)
    table.require(list(dict.fromkeys(roles.values())), hint)
    label_roles = {r: c for r, c in roles.items() if r in LANGS}
    if not label_roles:
        raise InputError(
            path,
            1,
            f"no label column (a column named by a language code such as en, fr, ko); "
            f"columns are: {', '.join(table.header)}{hint}",
        )
    prefix = normalize_prefix(terminology) if terminology else terminology_from_filename(path)
    graph.register(prefix)
    codes: list[str] = []
    for row in table:
        code = row[roles["code"]]
        if not code:
            raise InputError(path, table.line, f"empty code in column {roles['code']!r}")
        if any(_WITHDRAWN.match(row[column]) for column in label_roles.values()):
            counts["obsolete"] += 1
            continue
        own_prefix, _ = split_curie(code)
        is_curie = bool(own_prefix) and own_prefix.upper() == own_prefix  # ORPHA:5, not a:b
        concept_id = normalize_curie(code if is_curie else f"{prefix}:{code}")
        terminology, local = split_curie(concept_id)
        concept = graph.concept(concept_id, terminology, concept_id if is_curie else local)
        for role, column in roles.items():
            value = row[column]
            if role in label_roles:
                if value not in MISSING_VALUES:
                    concept.add(LABEL, role, value)
            elif role.endswith("_synonyms"):
                for part in re.split(r"\s+;\s+|\|", value):
                    if part not in MISSING_VALUES:
                        concept.add(SYNONYM, role[:2], part)
            elif role.endswith("_definition") and value not in MISSING_VALUES:
                concept.add(DEFINITION, role[:2], value)
            elif role.startswith("xref:"):
                target = normalize_prefix(role[5:])
                for part in re.split(r"\s*;\s*|\|", value):
                    if part not in MISSING_VALUES:
                        concept.add_xref(normalize_curie(f"{target}:{part}"))
            elif role == "parent" and value:
                concept.add_parent(normalize_curie(value if ":" in value else f"{prefix}:{value}"))
        codes.append(concept_id)
        counts["concepts"] += 1
    if "parent" not in roles:
        counts.update(_parents_from_prefix(graph, codes, prefix))
    counts.update(name_after_parents(graph, codes))
    return counts


def _parents_from_prefix(graph: ConceptGraph, ids: list[str], prefix: str) -> Counter[str]:
    """A00.0 under A00, A000 under A00: classification codes spell their path. Codes of digits
    only (Orphanet 100, OMIM 210200) are serial numbers, and 100 is no kind of 10: they get
    parents only from a parent column."""
    known = set(ids)
    counts: Counter[str] = Counter()
    for concept_id in ids:
        local = split_curie(concept_id)[1]
        if local.isdigit():
            counts["serial_codes_without_parents"] += 1
            continue
        for end in range(len(local) - 1, 0, -1):
            candidate = f"{prefix}:{local[:end].rstrip('.')}"
            if candidate in known and candidate != concept_id:
                graph.concepts[concept_id].add_parent(candidate)
                counts["parents_from_prefix"] += 1
                break
    return counts
