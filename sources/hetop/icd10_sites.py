"""ICD-10's neoplasm chapter names subcategories by site alone, under a category that says what
grows there: in KCD, C26.1 is "Spleen" (비장) under "Malignant neoplasm of other and ill-defined
digestive organs", and D13.1 is "Stomach" under a benign one. Read alone, such a label says
"the KCD code of Spleen is C26.1", which is false; WHO's own XML writes "Malignant neoplasm:
Spleen". A code table of an ICD-10 edition gets the same treatment: a chapter II subcategory
whose English label names no neoplasm is named after its parent ("Malignant neoplasm of other
and ill-defined digestive organs: Spleen"), in every language both have a label in.

KCD's own fifth characters do the same across chapters: I63.02, I63.12 and I63.22 are each
"Carotid artery" (경동맥), under three kinds of cerebral infarction; K40.0x and 15 more are
"Bilateral". A label that several categories of the table repeat under their subcategories
names only what tells them apart, and is named after its parent too ("Cerebral infarction due
to embolism of precerebral arteries: Carotid artery"). A subcategory named as its category
(A08.38 under A08.3, both "Other viral enteritis") keeps its label.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.terminologies import ICD10_EDITIONS, split_curie

NEOPLASM_CHAPTER = ("C00", "D48")
# what a label names when it names a growth (or the disease it is) rather than a site
_NAMES_A_GROWTH = re.compile(
    r"neoplas|carcinoma|melanoma|lymphoma|leuk|sarcoma|myeloma|tumou?r|mesothelioma|polyp|"
    r"naev|nev[iu]|lipoma|angioma|adenoma|cancer|disease|syndrome|fibroma|myoma|cyst|glioma|"
    r"blastoma|histiocytosis|in situ|myelodysplas|gammopathy|mastocytosis|polycyth|"
    r"thrombocyth|myelofibrosis|macroglobulin|chain|an(a)?emia|cytopenia|metasta|granuloma|"
    r"plasmacytoma|neuroma|schwannoma|paraganglioma|teratoma|seminoma|papilloma|mole|"
    r"hyperplasia|dysplasia",
    re.IGNORECASE,
)


def _names_only_a_site(code: str, english_label: str) -> bool:
    low, high = NEOPLASM_CHAPTER
    return "." in code and low <= code[:3] <= high and _NAMES_A_GROWTH.search(english_label) is None


def name_after_parents(graph: ConceptGraph, ids: list[str]) -> Counter[str]:
    """Name the site-only subcategories of a code table, and those whose label several
    categories repeat, after their parents; parents first (shorter codes), so Left under Ovary
    under a category reads "…: Ovary, Left". Returns how many concepts were renamed, by why."""
    repeated = _repeated_under_categories(graph, ids)
    qualified: set[str] = set()
    counts: Counter[str] = Counter()
    for concept_id in sorted(ids, key=len):
        prefix, code = split_curie(concept_id)
        concept = graph.concepts[concept_id]
        english = concept.labels.get("en")
        if prefix not in ICD10_EDITIONS or not english or not concept.parents:
            continue
        if _names_only_a_site(code, english):
            why = "site_labels_named_after_parent"
        elif english in repeated:
            why = "repeated_labels_named_after_parent"
        else:
            continue
        parent = graph.concepts.get(concept.parents[0])
        if parent is None or parent.labels.get("en") == english:
            continue
        joiner = ", " if parent.id in qualified else ": "
        for lang, label in concept.labels.items():
            if lang in parent.labels:
                concept.labels[lang] = f"{parent.labels[lang]}{joiner}{label}"
        qualified.add(concept_id)
        counts[why] += 1
    return counts


def _repeated_under_categories(graph: ConceptGraph, ids: list[str]) -> set[str]:
    """English labels that subcategories of two or more parents share, each under a parent
    of another name (K31.88 repeats its parent K31.8: one label, not two)."""
    parents_of: dict[str, set[str]] = {}
    for concept_id in ids:
        concept = graph.concepts[concept_id]
        english = concept.labels.get("en")
        parent = graph.concepts.get(concept.parents[0]) if concept.parents else None
        if english and parent is not None and parent.labels.get("en") != english:
            parents_of.setdefault(english, set()).add(parent.id)
    return {label for label, parents in parents_of.items() if len(parents) > 1}
