"""OWL, RDF/XML, Turtle, N-Triples and SKOS via rdflib; `owl:imports` is never followed."""

from __future__ import annotations

import re
import xml.sax
from collections import Counter
from pathlib import Path

from corpus.sources.hetop.graph import DEFINITION, LABEL, SYNONYM, ConceptGraph
from corpus.sources.hetop.terminologies import normalize_curie, split_curie
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from corpus.errors import InputError
from corpus.safe_xml import check_prolog
from corpus.textio import REENCODE, open_binary

OBO = "http://purl.obolibrary.org/obo/"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
DEFINITIONS = (URIRef(OBO + "IAO_0000115"), SKOS.definition)
LABELS = (RDFS.label, SKOS.prefLabel)
SYNONYMS = (
    URIRef(OBO_IN_OWL + "hasExactSynonym"),
    URIRef(OBO_IN_OWL + "hasRelatedSynonym"),
    SKOS.altLabel,
)
PARENTS = (RDFS.subClassOf, SKOS.broader)
XREF_LITERAL = URIRef(OBO_IN_OWL + "hasDbXref")
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
CONCEPT_TYPES = (OWL.Class, SKOS.Concept, RDFS.Class)
_OBO_IRI = re.compile(r"^http://purl\.obolibrary\.org/obo/([A-Za-z][A-Za-z0-9]*)_(\w+)$")
_WHO_IRI = re.compile(r"^https?://id\.who\.int/icd/entity/(\d+)$")
SYNTAX_NAMES = {"rdfxml": "RDF/XML", "turtle": "Turtle", "ntriples": "N-Triples"}
_LINE = re.compile(r"line (\d+)", re.I)
_LOCATED = re.compile(r"^\S*?:(\d+):\d+: ")  # a SAX error's "systemId:line:column: "

# no JSON-LD: rdflib's parser would dereference remote @context URLs
RDF_FORMATS = {"rdfxml": "xml", "turtle": "turtle", "ntriples": "nt"}


def iri_to_curie(graph: Graph, iri: URIRef) -> str:
    """OBO PURLs become `HP:0001250`; other IRIs their bound prefix, else stay whole."""
    text = str(iri)
    match = _OBO_IRI.match(text)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    match = _WHO_IRI.match(text)
    if match:
        return f"ICD11:{match.group(1)}"
    try:
        prefix, _, local = graph.namespace_manager.compute_qname(text, generate=False)
    except (KeyError, ValueError):
        return text
    return f"{prefix.upper()}:{local}" if prefix else text


def parse_rdf(path: Path, fmt: str) -> Graph:
    """Parse with rdflib from bytes we opened ourselves: no URL is ever dereferenced."""
    if fmt == "rdfxml":
        check_prolog(path)
    graph = Graph()
    with open_binary(path) as handle:
        data = handle.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(path, line, f"not valid UTF-8; {REENCODE}") from None
    try:
        graph.parse(data=data, format=RDF_FORMATS[fmt], publicID=path.resolve().as_uri())
    except xml.sax.SAXParseException as exc:
        raise InputError(
            path, exc.getLineNumber(), f"invalid RDF/XML: {exc.getMessage()}"
        ) from None
    except Exception as exc:  # rdflib raises many types; all mean the same thing here
        message = " ".join(str(exc).split())
        if located := _LOCATED.match(message):  # "None:8:15: Repeat node-elements …"
            line, message = int(located.group(1)), message[located.end() :]
        else:
            line = int(match.group(1)) if (match := _LINE.search(message)) else None
        raise InputError(path, line, f"invalid {SYNTAX_NAMES[fmt]}: {message[:200]}") from None
    return graph


def _lang(literal: Literal, default: str) -> str:
    return (literal.language or default).lower()


def read_rdf(path: Path, graph: ConceptGraph, fmt: str, lang: str = "en") -> Counter[str]:
    """Classes and SKOS concepts with labels become concepts; label-less subjects with
    synonyms or definitions are treated as translations of concepts defined elsewhere."""
    counts: Counter[str] = Counter()
    rdf = parse_rdf(path, fmt)
    subjects = {s for t in CONCEPT_TYPES for s in rdf.subjects(RDF.type, t)}
    subjects |= {s for p in LABELS for s in rdf.subjects(p, None)}
    for subject in sorted((s for s in subjects if isinstance(s, URIRef)), key=str):
        if (subject, OWL.deprecated, Literal(True)) in rdf:
            counts["obsolete"] += 1
            continue
        curie = iri_to_curie(rdf, subject)
        labels = [o for p in LABELS for o in rdf.objects(subject, p) if isinstance(o, Literal)]
        values = [
            (kind, o)
            for kind, predicates in ((DEFINITION, DEFINITIONS), (SYNONYM, SYNONYMS))
            for p in predicates
            for o in rdf.objects(subject, p)
            if isinstance(o, Literal)
        ]
        if not labels:
            for kind, literal in values:
                graph.add_pending(curie, kind, _lang(literal, lang), str(literal), "rdf")
            counts["translations" if values else "no_label"] += 1
            continue
        prefix, _ = split_curie(curie)
        concept = graph.concept(curie, prefix or "RDF", curie)
        for literal in sorted(labels, key=lambda x: (x.language or "", str(x))):
            concept.add(LABEL, _lang(literal, lang), str(literal))
        for kind, literal in values:
            concept.add(kind, _lang(literal, lang), str(literal))
        for predicate in PARENTS:
            for parent in rdf.objects(subject, predicate):
                if isinstance(parent, URIRef) and parent != OWL.Thing:
                    concept.add_parent(iri_to_curie(rdf, parent))
                elif isinstance(parent, BNode):
                    counts["restrictions_skipped"] += 1
        for xref in rdf.objects(subject, XREF_LITERAL):
            if ":" in str(xref):
                concept.add_xref(normalize_curie(str(xref)))
        for predicate in MATCHES:
            for target in rdf.objects(subject, predicate):
                if isinstance(target, URIRef):
                    concept.add_xref(normalize_curie(iri_to_curie(rdf, target)))
                elif ":" in str(target):  # DO writes skos:exactMatch "MESH:D005350" literals
                    concept.add_xref(normalize_curie(str(target)))
        counts["concepts"] += 1
    counts["triples"] = len(rdf)
    return counts
