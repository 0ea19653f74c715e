"""MeSH descriptors from NLM's XML (`desc2025.xml`: a DescriptorRecordSet), streamed.

A descriptor becomes `MESH:D000001`: its name is the label, the preferred concept's scope
note the definition, every entry term (permuted forms left out) a synonym, the preferred
concept's UMLS CUI a mapping. MeSH has no parent field: a tree number's parent is the number
without its last segment (C01.069 under C01), so parents are found once every descriptor's
tree numbers are known. NLM's file is English; translations come as Babelon or code tables.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from corpus.sources.hetop.graph import DEFINITION, LABEL, SYNONYM, ConceptGraph

from corpus.errors import InputError
from corpus.safe_xml import iter_records

RECORD = "DescriptorRecord"
LANG = "en"


def read_mesh_xml(path: Path, graph: ConceptGraph) -> Counter[str]:
    counts: Counter[str] = Counter()
    by_tree: dict[str, str] = {}  # tree number -> descriptor id
    trees_of: dict[str, list[str]] = {}
    for record in iter_records(path, RECORD):
        code = (record.findtext("DescriptorUI") or "").strip()
        name = record.findtext("DescriptorName/String") or ""
        if not code or not name.strip():
            raise InputError(path, record.sourceline, f"{RECORD} without DescriptorUI or name")
        concept = graph.concept(f"MESH:{code}", "MESH", code)
        concept.add(LABEL, LANG, name)
        preferred = record.find("ConceptList/Concept[@PreferredConceptYN='Y']")
        if preferred is not None:
            if concept.add(DEFINITION, LANG, preferred.findtext("ScopeNote") or ""):
                counts["definitions"] += 1
            cui = (preferred.findtext("ConceptUMLSUI") or "").strip()
            if cui:
                concept.add_xref(f"UMLS:{cui}")
                counts["umls_mappings"] += 1
        for term in record.iterfind("ConceptList/Concept/TermList/Term"):
            if term.get("IsPermutedTermYN") != "Y":  # "Infected Aneurysm" <- "Aneurysm, Infected"
                counts["synonyms"] += concept.add(SYNONYM, LANG, term.findtext("String") or "")
        trees = [(node.text or "").strip() for node in record.iterfind("TreeNumberList/TreeNumber")]
        trees = [tree for tree in trees if tree]
        for tree in trees:
            by_tree[tree] = concept.id
        trees_of[concept.id] = trees
        counts["concepts"] += 1
    if missing := add_tree_parents(graph, trees_of, by_tree):
        counts["parents_outside_file"] = missing
    counts["tree_numbers"] = len(by_tree)
    return counts


def add_tree_parents(
    graph: ConceptGraph, trees_of: dict[str, list[str]], by_tree: dict[str, str]
) -> int:
    """Each concept's parents from its tree numbers (`trees_of`: concept id -> numbers): the
    concept at the number without its last segment (`by_tree`: number -> concept id). Returns
    how many parent numbers no concept has."""
    missing = 0
    for concept_id, trees in trees_of.items():
        concept = graph.concepts[concept_id]
        for tree in trees:
            parent_tree, dot, _ = tree.rpartition(".")
            if not dot:
                continue  # C01: the top of its branch
            parent = by_tree.get(parent_tree)
            if parent is None:
                missing += 1
            else:
                concept.add_parent(parent)
    return missing
