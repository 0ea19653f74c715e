"""One concept graph for many terminologies and languages, keyed by CURIE (HeTOP's model).

Readers add concepts, labels and links in any order; `finish()` then attaches translations
to the concepts they name, resolves alternative ids, and indexes children. The graph is the
one thing the hetop source holds in memory: verbalizing a concept needs its neighbours.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from corpus.sources.hetop.label_repair import repair_texts
from corpus.sources.hetop.terminologies import Terminology, lookup, split_curie

LABEL, DEFINITION, SYNONYM = "label", "definition", "synonym"
# DOID writes its relations into definitions ("a disease that has_material_basis_in ..."):
# a lowercase word_joined_by_underscores standing alone (not inside a URL) is written as words
_RELATION_NAME = re.compile(r"(?<![^\s(])[a-z]+(?:_[a-z]+)+(?=[\s,;:.)]|$)")
# English labels of a root that only holds a terminology's branches together: HPO's HP:0000001
# "All" (Phenotypic abnormality, Mode of inheritance, … sit under it). No kind of anything.
CONTAINER_ROOT_LABELS = {"all", "root", "thing"}
# an article before a definition that repeats its label ("A neoplasm of the trachea.")
_LEADING_ARTICLE = re.compile(r"^(?:(?:an?|the|une?|les?|la|el|los|las|ein|eine)\s+|l['’])", re.I)


@dataclass(slots=True)
class Concept:
    id: str
    terminology: str
    code: str
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def add(self, kind: str, lang: str, value: str) -> bool:
        """Add a label, definition or synonym in `lang`; the first label/definition wins."""
        value = " ".join(value.split())
        if not value:
            return False
        if kind == SYNONYM and "|" in value:  # HPO translation files join synonyms with '|'
            return any([self.add(SYNONYM, lang, part) for part in value.split("|")])
        if kind == SYNONYM:
            values = self.synonyms.setdefault(lang, [])
            if value in values or value == self.labels.get(lang):
                return False
            values.append(value)
            return True
        if kind == DEFINITION and "_" in value:
            value = _RELATION_NAME.sub(_as_words, value)
        table = self.labels if kind == LABEL else self.definitions
        if lang in table:
            if kind == LABEL and table[lang] != value:
                return self.add(SYNONYM, lang, value)
            return False
        table[lang] = value
        synonyms = self.synonyms.get(lang)
        if kind == LABEL and synonyms and value in synonyms:
            synonyms.remove(value)
        return True

    def add_parent(self, parent: str) -> None:
        if parent != self.id and parent not in self.parents:
            self.parents.append(parent)

    def add_xref(self, curie: str) -> None:
        if curie != self.id and curie not in self.xrefs:
            self.xrefs.append(curie)

    def languages(self) -> list[str]:
        return list(self.labels)


def _as_words(match: re.Match[str]) -> str:
    return match.group().replace("_", " ")


@dataclass(slots=True)
class PendingValue:
    """A translation or synonym for a concept that may be defined by a later input."""

    concept_id: str
    kind: str
    lang: str
    value: str
    origin: str
    # (language, text) the value translates, where the input says (Babelon's source_value)
    source: tuple[str, str] | None = None

    def outdated(self, concept: Concept) -> bool:
        """Whether the concept's text in the source language is no longer the one translated:
        Babelon marks such a translation a candidate again, to be reviewed; HPO's Spanish
        "Autosómico dominante limitado al sexo" translates a label HP:0001470 has since
        changed to "Sex-limited expression", not a name of it. Compared without case or
        spacing; a synonym's source is any synonym of the concept, or its label."""
        if self.source is None:
            return False
        lang, text = self.source
        if self.kind == LABEL:
            now = [concept.labels.get(lang)]
        elif self.kind == DEFINITION:
            now = [concept.definitions.get(lang)]
        else:
            now = [concept.labels.get(lang), *concept.synonyms.get(lang, ())]
        now = [_comparable(value) for value in now if value is not None]
        return bool(now) and _comparable(text) not in now


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


class ConceptGraph:
    def __init__(self) -> None:
        self.concepts: dict[str, Concept] = {}
        self.aliases: dict[str, str] = {}
        self.terminologies: dict[str, Terminology] = {}
        self.licenses: dict[str, tuple[str, str]] = {}
        self.pending: list[PendingValue] = []
        self.mappings: list[tuple[str, str]] = []
        self.stats: Counter[str] = Counter()
        # (terminology, lang, label) that several concepts share -> those concepts: "Bilateral"
        # is 16 KCD codes
        self.shared_labels: dict[tuple[str, str, str], list[Concept]] = {}

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def get(self, concept_id: str) -> Concept | None:
        concept = self.concepts.get(concept_id)
        if concept is None and concept_id in self.aliases:
            concept = self.concepts.get(self.aliases[concept_id])
        return concept

    def concept(self, concept_id: str, terminology: str, code: str) -> Concept:
        """Get or create; a terminology seen for the first time is registered."""
        found = self.concepts.get(concept_id)
        if found is None:
            found = Concept(concept_id, terminology, code)
            self.concepts[concept_id] = found
            self.register(terminology)
        return found

    def register(self, prefix: str) -> Terminology:
        known = self.terminologies.get(prefix)
        if known is None:
            known = self.terminologies[prefix] = lookup(prefix)
        return known

    def set_license(self, prefix: str, license_id: str, note: str = "") -> None:
        """A license stated by the input itself (header, --license) beats the registry."""
        term = self.register(prefix)
        self.terminologies[prefix] = replace(
            term, license=license_id, license_note=note or term.license_note
        )

    def add_pending(
        self,
        concept_id: str,
        kind: str,
        lang: str,
        value: str,
        origin: str,
        source: tuple[str, str] | None = None,
    ) -> None:
        self.pending.append(PendingValue(concept_id, kind, lang, value, origin, source))

    def finish(self) -> None:
        """Attach translations (not those of a text the concept no longer has), link a
        mapping table's pairs both ways, index children; repair labels an export damaged
        (`label_repair`); drop definitions that repeat their label, untranslated copies of
        English synonyms, dangling parents, dangling mappings and container roots."""
        for item in self.pending:
            # exact ids only: a translation keyed by an alt_id (often an obsolete term's
            # label) would become the wrong label of the concept that absorbed it
            concept = self.concepts.get(item.concept_id)
            if concept is None:
                reason = "alt_id" if item.concept_id in self.aliases else "unknown_concept"
                self.stats[f"{item.origin}_{reason}_skipped"] += 1
            elif item.outdated(concept):
                self.stats[f"{item.origin}_{item.kind}s_outdated_skipped"] += 1
            elif concept.add(item.kind, item.lang, item.value):
                self.stats[f"{item.origin}_{item.kind}s_added"] += 1
        self.pending.clear()
        for concept in self.concepts.values():
            repair_texts(concept.labels, concept.synonyms, self.stats)
            if concept.definitions:
                self._drop_label_definitions(concept)
            if concept.synonyms.keys() - {"en"}:  # synonyms in another language
                self._drop_english_copies(concept)
        for subject, target in self.mappings:
            for a, b in ((subject, target), (target, subject)):
                concept = self.get(a)
                if concept is not None:
                    concept.add_xref(b)
        self.mappings.clear()
        read = {split_curie(concept_id)[0] for concept_id in self.concepts}
        for concept in self.concepts.values():
            if concept.xrefs:
                concept.xrefs = self._landing_xrefs(concept, read)
            resolved = []
            for parent_id in concept.parents:
                parent = self.get(parent_id)
                if parent is None:
                    self.stats["dangling_parents"] += 1
                    continue
                if parent.id not in resolved:
                    resolved.append(parent.id)
                    parent.children.append(concept.id)
            concept.parents = resolved
        self._drop_container_roots()
        self._find_shared_labels()

    def _drop_container_roots(self) -> None:
        """A root named like HPO's "All", with no definition, is no concept: "Phenotypic
        abnormality is a kind of all" says nothing, and asking for its parent has no answer.
        Its children become roots."""
        containers = {
            concept.id
            for concept in self.concepts.values()
            if not concept.parents
            and concept.children
            and not concept.definitions
            and concept.labels.get("en", "").casefold() in CONTAINER_ROOT_LABELS
        }
        for root_id in containers:
            for child_id in self.concepts.pop(root_id).children:
                self.concepts[child_id].parents.remove(root_id)
            self.stats["container_roots_dropped"] += 1
        if containers:
            for concept in self.concepts.values():
                if concept.xrefs and not containers.isdisjoint(concept.xrefs):
                    concept.xrefs = [x for x in concept.xrefs if x not in containers]
            for alias, target in list(self.aliases.items()):
                if target in containers:
                    del self.aliases[alias]

    def _drop_label_definitions(self, concept: Concept) -> None:
        """A definition that only repeats its label, an article aside (HPO's "Delayed
        myelination." for Delayed myelination, "A neoplasm of the trachea." for Neoplasm of the
        trachea, the label again in a translation) defines nothing: asked to define the term,
        a model would learn to echo it."""
        for lang, definition in list(concept.definitions.items()):
            label = concept.labels.get(lang)
            if label is None:
                continue
            said = _LEADING_ARTICLE.sub("", definition.rstrip(". "), count=1).casefold()
            if said == _LEADING_ARTICLE.sub("", label, count=1).casefold():
                del concept.definitions[lang]
                self.stats["definitions_repeating_label_dropped"] += 1

    def _drop_english_copies(self, concept: Concept) -> None:
        """A synonym in another language that is the concept's English name, letter for letter,
        is an untranslated copy: a third of the synonyms in HPO's French file are ("Liver
        failure" as French). A label is kept: Pneumothorax is French too, and without a label
        the concept would not be said in that language at all."""
        english = {name.casefold() for name in concept.synonyms.get("en", ())}
        if "en" in concept.labels:
            english.add(concept.labels["en"].casefold())
        if not english:
            return
        for lang, values in concept.synonyms.items():
            if lang == "en":
                continue
            kept = [value for value in values if value.casefold() not in english]
            if len(kept) < len(values):
                self.stats["synonyms_same_as_english_dropped"] += len(values) - len(kept)
                concept.synonyms[lang] = kept

    def _find_shared_labels(self) -> None:
        """Labels that name several concepts of one terminology: asking for "the" code of one
        has several right answers, and so may a question on its translation, parents or
        children (`Verbalizer` compares the concepts' answers)."""
        first: dict[tuple[str, str, str], Concept] = {}
        sharing: dict[tuple[str, str, str], list[Concept]] = {}
        for concept in self.concepts.values():
            for lang, label in concept.labels.items():
                key = (concept.terminology, lang, label)
                if key not in first:
                    first[key] = concept
                elif key in sharing:
                    sharing[key].append(concept)
                else:
                    sharing[key] = [first[key], concept]
        self.shared_labels = sharing

    def _landing_xrefs(self, concept: Concept, read: set[str]) -> list[str]:
        """A mapping into a terminology this build reads must land on one of its concepts (a
        CIM-10 FR code mapped as-is to ICD-10 where only France has it would teach a code
        WHO's ICD-10 lacks); an alternative id becomes its concept's id. Mappings into
        terminologies the build does not read (UMLS, SNOMED CT) cannot be checked and stay.
        An xref stays one way: Orphanet files its diseases under ICD-10 codes, often broader
        ones (Other chronic pancreatitis for hereditary pancreatitis), and only a mapping
        table's equivalences link both ways."""
        landing: list[str] = []
        for xref in concept.xrefs:
            if split_curie(xref)[0] in read:
                target = self.get(xref)
                if target is None:
                    self.stats["dangling_mappings"] += 1
                    continue
                xref = target.id
            if xref != concept.id and xref not in landing:
                landing.append(xref)
        return landing
