"""ICD-10's neoplasm chapter names subcategories by site alone, under a category that says what
grows there: in KCD, C26.1 is "Spleen" (비장) under "Malignant neoplasm of other and ill-defined
digestive organs", and D13.1 is "Stomach" under a benign one. Read alone, such a label says
"the KCD code of Spleen is C26.1", which is false; WHO's own XML writes "Malignant neoplasm:
Spleen". A code table of an ICD-10 edition gets the same treatment: a chapter II subcategory
whose English label names no neoplasm is named after its parent ("Malignant neoplasm of other
and ill-defined digestive organs: Spleen"), in every language both have a label in.
"""

from __future__ import annotations

import re

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


def qualify_site_labels(graph: ConceptGraph, ids: list[str]) -> int:
    """Name the site-only subcategories of a code table after their parents; parents first
    (shorter codes), so Left under Ovary under a category reads "…: Ovary, Left". Returns how
    many concepts were renamed."""
    qualified: set[str] = set()
    for concept_id in sorted(ids, key=len):
        prefix, code = split_curie(concept_id)
        concept = graph.concepts[concept_id]
        english = concept.labels.get("en")
        if prefix not in ICD10_EDITIONS or not english or not concept.parents:
            continue
        if not _names_only_a_site(code, english):
            continue
        parent = graph.concepts.get(concept.parents[0])
        if parent is None:
            continue
        joiner = ", " if parent.id in qualified else ": "
        for lang, label in concept.labels.items():
            if lang in parent.labels:
                concept.labels[lang] = f"{parent.labels[lang]}{joiner}{label}"
        qualified.add(concept_id)
    return len(qualified)
