"""OBO 1.2/1.4 flat files, streamed line by line into the concept graph.

Only the tags that feed text and instructions are read (id, name, def, synonym, is_a, xref,
alt_id, is_obsolete, replaced_by); other tags are skipped, other stanza types ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from corpus.sources.hetop.graph import DEFINITION, LABEL, SYNONYM, ConceptGraph
from corpus.sources.hetop.terminologies import normalize_curie, split_curie

from corpus.errors import InputError
from corpus.textio import read_lines

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*(.*)$')
_ESCAPE = re.compile(r"\\(.)")
_SCOPES = {"EXACT", "NARROW", "BROAD", "RELATED"}
_LICENSE_PROPERTIES = (
    "terms:license",
    "dcterms:license",
    "dc:license",
    "http://purl.org/dc/terms/license",
)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _strip_comment(value: str) -> str:
    """Drop a trailing `! comment` and `{qualifiers}` from an unquoted value."""
    bang = value.find(" !")
    if bang >= 0:
        value = value[:bang]
    if value.endswith("}") and "{" in value:
        value = value[: value.rfind("{")]
    return value.strip()


def _quoted(path: Path, lineno: int, tag: str, value: str) -> tuple[str, str]:
    match = _QUOTED.match(value)
    if match is None:
        raise InputError(path, lineno, f"'{tag}:' value must start with a quoted string")
    return _unescape(match.group(1)), match.group(2)


class _Term:
    __slots__ = (
        "alt_ids",
        "definition",
        "id",
        "line",
        "name",
        "obsolete",
        "parents",
        "replaced",
        "synonyms",
        "xrefs",
    )

    def __init__(self, line: int) -> None:
        self.line = line
        self.id = ""
        self.name = ""
        self.definition = ""
        self.obsolete = False
        self.synonyms: list[str] = []
        self.parents: list[str] = []
        self.xrefs: list[str] = []
        self.alt_ids: list[str] = []
        self.replaced = 0


def read_obo(path: Path, graph: ConceptGraph, lang: str = "en") -> Counter[str]:
    """Add every non-obsolete `[Term]` of an OBO file; returns this file's counts."""
    counts: Counter[str] = Counter()
    header: dict[str, str] = {}
    term: _Term | None = None
    in_header, in_term = True, False

    def flush() -> None:
        if term is None:
            return
        if not term.id:
            raise InputError(path, term.line, "[Term] stanza without an 'id:' line")
        if term.obsolete:
            counts["obsolete"] += 1
            counts["obsolete_replaced"] += term.replaced
            return
        prefix, _ = split_curie(term.id)
        concept = graph.concept(term.id, prefix or "OBO", term.id)
        if term.name:
            concept.add(LABEL, lang, term.name)
        else:
            counts["no_label"] += 1
        if term.definition:
            concept.add(DEFINITION, lang, term.definition)
        for synonym in term.synonyms:
            concept.add(SYNONYM, lang, synonym)
        for parent in term.parents:
            concept.add_parent(parent)
        for xref in term.xrefs:
            concept.add_xref(xref)
        for alt in term.alt_ids:
            graph.aliases.setdefault(alt, term.id)
        counts["concepts"] += 1

    for lineno, line in read_lines(path):
        if not line or line[0] == "!":
            continue
        if line[0] == "[":
            if in_header:
                _apply_header(graph, header)
            flush()
            term = None
            in_header = False
            stanza = line.strip()
            if stanza == "[Term]":
                term, in_term = _Term(lineno), True
            elif stanza in ("[Typedef]", "[Instance]"):
                in_term = False
            else:
                raise InputError(path, lineno, f"unknown stanza type {stanza!r}")
            continue
        tag, sep, value = line.partition(":")
        if not sep or not tag or " " in tag.strip():
            raise InputError(path, lineno, f"malformed line (expected 'tag: value'): {line[:60]!r}")
        tag = tag.strip()
        value = value.strip()
        if in_header:
            if tag == "property_value":
                key, _, rest = value.partition(" ")
                if key in _LICENSE_PROPERTIES:
                    header.setdefault("license", rest.split(" ")[0].strip('"'))
            else:
                header.setdefault(tag, value)
            continue
        if not in_term or term is None:
            continue
        if tag == "id":
            term.id = _strip_comment(value)
        elif tag == "name":
            term.name = _strip_comment(value)
        elif tag == "def":
            term.definition, _ = _quoted(path, lineno, tag, value)
        elif tag == "synonym":
            text, rest = _quoted(path, lineno, tag, value)
            scope = rest.split(" ", 1)[0] if rest else "RELATED"
            if scope not in _SCOPES:
                raise InputError(
                    path, lineno, f"synonym scope {scope!r} is not one of {sorted(_SCOPES)}"
                )
            if scope in ("EXACT", "RELATED"):
                term.synonyms.append(text)
            else:
                counts[f"synonyms_{scope.lower()}_skipped"] += 1
        elif tag == "is_a":
            term.parents.append(_strip_comment(value))
        elif tag == "xref":
            xref = _strip_comment(value).split(" ", 1)[0]
            if ":" in xref and not xref.startswith(("http", "url:")):
                term.xrefs.append(normalize_curie(xref))
        elif tag == "alt_id":
            term.alt_ids.append(_strip_comment(value))
        elif tag == "replaced_by":
            term.replaced = 1
        elif tag == "is_obsolete":
            term.obsolete = value.strip().lower() == "true"
    if in_header:
        _apply_header(graph, header)
    flush()
    if not counts["concepts"]:
        counts["concepts"] = 0
    return counts


def _apply_header(graph: ConceptGraph, header: dict[str, str]) -> None:
    """Remember the header's own license statement for the ontology's terminology."""
    ontology = header.get("ontology", "")
    license_id = header.get("license", "")
    if ontology and license_id:
        prefix = ontology.split("/")[0].split(".")[0].upper()
        graph.set_license(prefix, license_id)
