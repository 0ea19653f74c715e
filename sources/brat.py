"""brat: annotated clinical text in BRAT standoff (QUAERO FrenchMed style): .txt + .ann pairs.

Entities (types, discontinuous spans) and their normalizations (`#` AnnotatorNotes with a CUI,
or `N` Reference lines) are kept in the text record's meta; instruction records ask for the
entities of each type as a JSON list of mentions, every one an exact substring of the text.
A document that a tokenizer spaced out (QUAERO's "poudre , conditionnée", "l ’ héparine") is
written back as running text first, its entities' offsets following (corpus.detokenize).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from corpus.sources import register
from corpus.sources.base import InputFile, Source

from corpus.detokenize import detokenize, is_tokenized
from corpus.errors import InputError
from corpus.langid import LanguageIdentifier
from corpus.pipeline import shard_bounds
from corpus.records import InstructRecord, Record, TextRecord, user_assistant
from corpus.standoff import remap_entities
from corpus.textio import read_lines

SOURCE = "brat"
TYPE_NAMES = {  # the UMLS semantic groups QUAERO uses
    "fr": {
        "ANAT": "anatomie",
        "CHEM": "substances chimiques et médicaments",
        "DEVI": "dispositifs",
        "DISO": "troubles et maladies",
        "GEOG": "zones géographiques",
        "LIVB": "êtres vivants",
        "OBJC": "objets",
        "PHEN": "phénomènes",
        "PHYS": "physiologie",
        "PROC": "procédures",
    },
    "en": {
        "ANAT": "anatomy",
        "CHEM": "chemicals and drugs",
        "DEVI": "devices",
        "DISO": "disorders",
        "GEOG": "geographic areas",
        "LIVB": "living beings",
        "OBJC": "objects",
        "PHEN": "phenomena",
        "PHYS": "physiology",
        "PROC": "procedures",
    },
}
PROMPTS = {
    "fr": "Listez les entités de type « {name} » ({type}) de ce texte, en JSON.\n\n{text}",
    "en": 'List the entities of type "{name}" ({type}) in this text, as JSON.\n\n{text}',
}


@dataclass
class Entity:
    id: str
    type: str
    spans: list[tuple[int, int]]
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    id: str
    text: str
    entities: list[Entity]


def read_document(txt: Path, ann: Path) -> Document:
    """Parse a .ann against its .txt; every span must lie in the text and read as annotated."""
    text = "".join(line for _, line in read_lines(txt, keep_newlines=True))
    entities: dict[str, Entity] = {}
    for line, raw in read_lines(ann):
        if not raw.strip():
            continue
        fields = raw.split("\t")
        kind = fields[0][:1]
        if kind == "T":
            if len(fields) < 3:
                raise InputError(ann, line, "entity line needs ID, TYPE START END and text")
            type_, _, ranges = fields[1].partition(" ")
            try:
                spans = [tuple(int(x) for x in part.split()) for part in ranges.split(";")]
            except ValueError:
                raise InputError(ann, line, f"bad offsets {ranges!r}") from None
            for span in spans:
                if len(span) != 2 or not 0 <= span[0] <= span[1] <= len(text):
                    raise InputError(
                        ann, line, f"span {span} outside the text ({len(text)} characters)"
                    )
            covered = " ".join(text[a:b] for a, b in spans)
            if covered != fields[2]:
                raise InputError(ann, line, f"span text {covered!r} is not {fields[2]!r}")
            entities[fields[0]] = Entity(fields[0], type_, spans, fields[2])  # type: ignore[arg-type]
        elif kind in "#N" and len(fields) >= 3:
            target = fields[1].split(" ")[1] if " " in fields[1] else ""
            note = fields[2] if kind == "#" else fields[1].split(" ")[2]
            if target in entities:
                entities[target].notes.append(note)
    return Document(txt.stem, text, list(entities.values()))


def documents(path: Path) -> list[tuple[Path, Path]]:
    """(.txt, .ann) pairs of a folder (recursively, sorted) or of one file."""
    if path.is_dir():
        pairs = [(t, t.with_suffix(".ann")) for t in sorted(path.rglob("*.txt"))]
        return [(t, a) for t, a in pairs if a.exists()]
    txt = path.with_suffix(".txt")
    ann = path.with_suffix(".ann")
    if not txt.exists() or not ann.exists():
        raise InputError(path, None, "needs both a .txt and its .ann")
    return [(txt, ann)]


@register
class BratSource(Source):
    name = "brat"
    phi_default = "redact"
    description = "annotated clinical text in BRAT standoff: folders of .txt + .ann pairs"
    formats: ClassVar[dict[str, str]] = {"brat": "a folder of .txt/.ann pairs, or one pair"}
    limitations = (
        "Discontinuous entities are kept in meta but left out of the entity lists.",
        "Documents whose punctuation stands apart from its words (a tokenizer's output, as in"
        " QUAERO) are written back as running text, only spaces removed (meta `detokenized`);"
        " a comma or period between two numbers keeps its spaces ('0 , 4 ml': decimal or list"
        " is not known), and so do straight double quotes.",
    )

    def prepare(self) -> None:
        for item in self.inputs:
            if not item.path.exists():
                raise InputError(item.path, None, "no such file or folder")

    def _pairs(self) -> list[tuple[InputFile, Path, Path]]:
        return [(item, t, a) for item in self.inputs for t, a in documents(item.path)]

    @cached_property
    def identifier(self) -> LanguageIdentifier:
        return LanguageIdentifier()

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        pairs = self._pairs()
        if self.options.limit is not None:  # counted from the first document: one worker
            world_size, pairs = 1, pairs if rank == 0 else []
        start, stop = shard_bounds(len(pairs), rank, world_size)
        for item, txt, ann in pairs[start:stop]:
            document = read_document(txt, ann)
            yield from self.records(item, txt, document)
            self.stat_update("documents")  # once passed on: --limit may stop at a document
            self.stat_update("entities", len(document.entities))

    def records(self, item: InputFile, txt: Path, document: Document) -> Iterator[Record]:
        text = document.text
        lang = (self.options.lang or self.identifier.predict(text).lang).lower()
        dataset = txt.parent.name or "brat"
        source_id = f"{dataset}/{document.id}"
        license_id = self.options.license or "unknown"
        entities = [
            {"id": e.id, "type": e.type, "spans": e.spans, "text": e.text, "notes": e.notes}
            for e in document.entities
        ]
        meta: dict[str, object] = {"entities": entities}
        if is_tokenized(text):  # QUAERO's "poudre , conditionnée": written back as prose
            text, edits = detokenize(text, lang)
            remap_entities(entities, text, edits)
            meta["detokenized"] = True
            self.stat_update("detokenized_documents")
        yield TextRecord(text, lang, SOURCE, dataset, source_id, license_id, meta=meta)
        prompt = PROMPTS.get(lang, PROMPTS["en"])
        names = TYPE_NAMES.get(lang, TYPE_NAMES["en"])
        by_type: dict[str, list[str]] = {}
        for entity in sorted(entities, key=lambda e: e["spans"][0]):
            mentions = by_type.setdefault(entity["type"], [])
            if len(entity["spans"]) > 1:  # discontinuous: no substring of the text
                self.stat_update("discontinuous_left_out_of_lists")
            elif entity["text"] not in mentions:
                mentions.append(entity["text"])
        for type_, mentions in sorted(by_type.items()):
            if not mentions:
                continue
            question = prompt.format(name=names.get(type_, type_), type=type_, text=text)
            yield InstructRecord(
                user_assistant(question, json.dumps(mentions, ensure_ascii=False)),
                lang,
                SOURCE,
                dataset,
                source_id,
                license_id,
                "entities",
                meta={"type": type_},
            )
