"""MeSH as two flat lists that are passed around in place of NLM's XML: tree-number lines
(`mtrees2024.bin`: `Heading;TreeNumber`, the English heading only) and a bilingual term
dictionary (a JSON array of `{"term", "id"}`, French and English terms under one descriptor
id, untagged).

Neither alone makes concepts: a tree line has no descriptor id, and the dictionary does not
say which of a descriptor's terms is English. Together they do, once every input is read: the
term that is a heading (or the English name descriptor XML gave that id) is the English label,
the descriptor's other term the French one (Inserm's translation: `Abdomen, Acute` and
`Abdomen aigu`), and one term alone is both languages' (`Abdomen`). Tree numbers then give the
parents, as in the XML reader: C01.069's parent is the descriptor at C01.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus.sources.hetop.graph import LABEL, ConceptGraph
from corpus.sources.hetop.mesh import add_tree_parents

from corpus.errors import InputError
from corpus.json_array import read_json_array
from corpus.textio import read_lines

TREE_LINE = re.compile(r"([^;]*\S[^;]*);([A-Z]\d{2}(?:\.\d{3})*)")
DESCRIPTOR_ID = re.compile(r"D\d{6,9}")
PREFIX = "MESH"
FRENCH_LICENSE = (
    "NLM-MeSH AND CC-BY-NC-4.0",
    "NLM terms and conditions (acknowledge NLM and the MeSH year); the French terms are "
    "Inserm's translation, CC BY-NC 4.0: no commercial use, cite NLM and Inserm.",
)


@dataclass
class MeshLists:
    """What the lists say, kept until every input is read."""

    trees: dict[str, list[str]] = field(default_factory=dict)  # English heading -> numbers
    terms: dict[str, list[str]] = field(default_factory=dict)  # descriptor id -> its terms
    tree_files: list[Path] = field(default_factory=list)
    term_files: list[Path] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tree_files or self.term_files)


def read_mesh_trees(path: Path, lists: MeshLists) -> Counter[str]:
    counts: Counter[str] = Counter()
    headings: set[str] = set()  # this file's: the lists gather every file's
    for line, text in read_lines(path):
        if not text.strip():
            continue
        match = TREE_LINE.fullmatch(text.strip())
        if match is None:
            raise InputError(path, line, f"expected 'Heading;TreeNumber' (C01.069), got {text!r}")
        heading, tree = " ".join(match.group(1).split()), match.group(2)
        lists.trees.setdefault(heading, []).append(tree)
        headings.add(heading)
        counts["tree_numbers"] += 1
    counts["headings"] = len(headings)
    lists.tree_files.append(path)
    return counts


def read_mesh_terms(path: Path, lists: MeshLists) -> Counter[str]:
    counts: Counter[str] = Counter()
    descriptors: set[str] = set()  # this file's: the lists gather every file's
    for line, entry in read_json_array(path):
        if not isinstance(entry, dict) or not isinstance(entry.get("term"), str):
            raise InputError(path, line, 'expected an object with a "term" and an "id"')
        code, term = str(entry.get("id", "")).strip(), " ".join(entry["term"].split())
        if not DESCRIPTOR_ID.fullmatch(code):
            raise InputError(path, line, f"{code!r} is not a MeSH descriptor id (D000001)")
        if term:
            terms = lists.terms.setdefault(code, [])
            if term not in terms:
                terms.append(term)
            descriptors.add(code)
            counts["terms"] += 1
    counts["descriptors"] = len(descriptors)
    lists.term_files.append(path)
    return counts


def join_mesh_lists(lists: MeshLists, graph: ConceptGraph) -> Counter[str]:
    """Concepts, English and French labels and parents from what the lists say together."""
    counts: Counter[str] = Counter()
    ids_of_term: dict[str, set[str]] = {}
    for code, terms in lists.terms.items():
        for term in terms:
            ids_of_term.setdefault(term, set()).add(code)
    id_of_heading = {  # descriptor XML's English names count as headings
        concept.labels["en"]: concept.code
        for concept in graph
        if concept.terminology == PREFIX and "en" in concept.labels
    }
    for code, terms in lists.terms.items():
        english = _english_term(code, terms, lists.trees, ids_of_term, graph)
        if english is None:
            counts["descriptors_language_unknown"] += 1
            continue
        concept = graph.concept(f"{PREFIX}:{code}", PREFIX, code)
        concept.add(LABEL, "en", english)
        id_of_heading.setdefault(english, code)
        counts["descriptors_joined"] += 1
        others = [term for term in terms if term != english]
        if len(others) > 1:  # which of them is French is not said: none is taken
            counts["descriptors_french_unknown"] += 1
            continue
        concept.add(LABEL, "fr", others[0] if others else english)
        counts["descriptors_en_fr"] += 1
    if counts["descriptors_en_fr"]:
        graph.set_license(PREFIX, *FRENCH_LICENSE)
    counts.update(_tree_parents(lists.trees, id_of_heading, graph))
    if lists.term_files and not counts["descriptors_joined"]:
        raise InputError(
            lists.term_files[0],
            None,
            "no descriptor's English term is known: give MeSH tree numbers (mtrees*.bin) or "
            "descriptor XML (desc*.xml) with the term dictionary",
        )
    if lists.tree_files and not counts["headings_with_descriptor"]:
        raise InputError(
            lists.tree_files[0],
            None,
            "no heading names a known descriptor: tree lines carry no descriptor id; give a "
            "MeSH term dictionary or descriptor XML with them",
        )
    return counts


def _english_term(
    code: str,
    terms: list[str],
    trees: dict[str, list[str]],
    ids_of_term: dict[str, set[str]],
    graph: ConceptGraph,
) -> str | None:
    """The descriptor's English term: the one that is a heading or its XML name. Where two
    are (D002270's Carbuncle and Anthrax, French for carbuncle but D000881's heading), the
    one no other descriptor has."""
    described = graph.concepts.get(f"{PREFIX}:{code}")
    known = described.labels.get("en") if described is not None else None
    candidates = [term for term in terms if term == known or term in trees]
    if len(candidates) > 1:
        candidates = [term for term in candidates if len(ids_of_term[term]) == 1]
    return candidates[0] if len(candidates) == 1 else None


def _tree_parents(
    trees: dict[str, list[str]], id_of_heading: dict[str, str], graph: ConceptGraph
) -> Counter[str]:
    """The headings' tree numbers as the XML reader takes its descriptors': parents."""
    counts: Counter[str] = Counter()
    trees_of: dict[str, list[str]] = {}  # concept id -> its tree numbers
    by_tree: dict[str, str] = {}
    for heading, numbers in trees.items():
        code = id_of_heading.get(heading)
        if code is None:
            counts["headings_without_descriptor"] += 1
            continue
        counts["headings_with_descriptor"] += 1
        concept_id = f"{PREFIX}:{code}"
        trees_of.setdefault(concept_id, []).extend(numbers)
        by_tree.update(dict.fromkeys(numbers, concept_id))
    if missing := add_tree_parents(graph, trees_of, by_tree):
        counts["parents_without_descriptor"] = missing
    return counts
