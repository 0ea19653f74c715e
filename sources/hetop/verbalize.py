"""Concepts -> prose text and instruction records, in every language they have labels for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from corpus.sources.hetop.graph import Concept, ConceptGraph
from corpus.sources.hetop.label_case import LabelCase, WordForms
from corpus.sources.hetop.templates import Templates
from corpus.sources.hetop.terminologies import Terminology, lookup, split_curie

from corpus.records import InstructRecord, Record, TextRecord, user_assistant

SOURCE = "hetop"
SENTENCE_ENDS = (".", "!", "?", "…", "。", "！", "？", ".)", ".»", ".”", '."')
MAX_LISTED = 8  # children, xrefs: enough to teach the neighbourhood, short enough to read


def as_sentence(text: str, full_stop: str = ".") -> str:
    """A definition ends its sentence before the next one starts: most of HPO's French ones
    have no final period ("… féminins C'est une sorte de …" ran on)."""
    return text if text.endswith(SENTENCE_ENDS) else text + full_stop


def label_case(
    graph: ConceptGraph, templates: dict[str, Templates], langs: frozenset[str] | None = None
) -> LabelCase:
    """How labels read mid-sentence in the kept languages whose templates say so."""
    rules = {
        lang: t.running_case
        for lang, t in templates.items()
        if t.running_case and (langs is None or lang in langs)
    }
    forms = {
        lang: WordForms(t.common_endings, t.plural_endings, t.name_endings)
        for lang in rules
        if (t := templates[lang]).common_endings or t.plural_endings or t.name_endings
    }
    return LabelCase(graph, rules, forms)


def expected_records(concept: Concept, langs: frozenset[str] | None = None) -> int:
    """About how many records `Verbalizer.records` makes of a concept (templates, held-out
    neighbours and ambiguous codes aside): the weight that balances a build's ranks."""
    kept = [lang for lang in concept.labels if langs is None or lang in langs]
    per_language = 1 + bool(concept.parents) + bool(concept.children)
    if concept.code:
        per_language += 2 + min(len(concept.xrefs), MAX_LISTED)
    count = len(kept) * (per_language + len(kept) - 1)  # and a translation into each other
    for lang in kept:
        count += (lang in concept.definitions) + bool(concept.synonyms.get(lang))
    return count


def ambiguous_translations(graph: ConceptGraph, concept: Concept) -> set[tuple[str, str]]:
    """(source, target) languages where this concept's label in `source` also names concepts
    of its terminology that `target` names differently: translating it has several answers
    (ICD-11's French file calls both 1D20 and 1D21, Dengue without and with warning signs,
    "Dengue sans signes d'alerte")."""
    found = set()
    for source, label in concept.labels.items():
        sharers = graph.shared_labels.get((concept.terminology, source, label))
        if not sharers:
            continue
        for target in concept.labels:
            names = {other.labels[target] for other in sharers if target in other.labels}
            if target != source and len(names) > 1:
                found.add((source, target))
    return found


def conflicting_names(graph: ConceptGraph, concept: Concept) -> set[str]:
    """Languages whose label for this concept is the source of an ambiguous translation: a
    name wrong for some of the concepts that share it (1D21 is not "Dengue sans signes
    d'alerte"; HPO's Japanese names Hepatic cysts and Hepatic abscess both 肝膿瘍, liver
    abscess), or at best loose. Nothing says for which, so no record states it as this
    concept's name (its text in that language, its name in that language in its other texts,
    the code → label question, a translation into it), nor does the probe."""
    return {source for source, _ in ambiguous_translations(graph, concept)}


class Verbalizer:
    """Writes one concept at a time; all choices depend only on (seed, concept, task, lang)."""

    def __init__(
        self,
        graph: ConceptGraph,
        templates: dict[str, Templates],
        seed: int,
        langs: frozenset[str] | None = None,
        heldout: frozenset[str] = frozenset(),
        case: LabelCase | None = None,
    ) -> None:
        self.graph = graph
        self.templates = templates
        self.seed = seed
        self.langs = langs
        self.heldout = heldout  # never named, not even as another concept's parent or child
        self.stats: Counter[str] = Counter()
        self.case = case or label_case(graph, templates, langs)

    def _labels(self, ids: list[str], lang: str, limit: int | None = None) -> list[str]:
        """Labels in `lang`, as they read mid-sentence, of the concepts that have one (others,
        and held-out concepts, are left out), each once: two of ICD-11's children have one
        French name ("figurent tumeurs à cellules acineuses, tumeurs à cellules acineuses et …")."""
        found: list[str] = []
        concepts = self.graph.concepts
        for concept_id in ids:
            if concept_id in self.heldout:
                continue
            other = concepts.get(concept_id)
            if other is not None and lang in other.labels:
                running = self.case.running(other.labels[lang], lang)
                if running in found:
                    continue
                found.append(running)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def _xrefs(self, concept: Concept) -> list[tuple[Terminology, list[str]]]:
        """(terminology, codes) of the mappings, per target terminology in the input's order:
        HPO maps some terms to two or three SNOMED CT codes, each a right answer. Codes of
        digits alone that are one number are one code, said as first written (HPO's
        HP:0011609 has Fyler:0530 and Fyler:530)."""
        seen: dict[str, tuple[Terminology, list[str]]] = {}
        listed: set[tuple[str, str | int]] = set()  # (prefix, code), a number as its value
        for xref in concept.xrefs:
            prefix, local = split_curie(xref)
            if not prefix or prefix == concept.terminology:
                continue
            if prefix not in seen:
                seen[prefix] = (lookup(prefix), [])
            codes = seen[prefix][1]
            key = (prefix, int(local) if local.isascii() and local.isdigit() else local)
            if len(codes) < MAX_LISTED and key not in listed:
                listed.add(key)
                codes.append(local)
        return list(seen.values())[:MAX_LISTED]

    def records(self, concept: Concept) -> Iterator[Record]:
        langs = [lang for lang in concept.labels if self.langs is None or lang in self.langs]
        if not langs:
            self.stats["concepts_without_kept_language"] += 1
            return
        term = self.graph.terminologies[concept.terminology]
        xrefs = self._xrefs(concept)
        ambiguous = ambiguous_translations(self.graph, concept)
        conflicted = {source for source, _ in ambiguous}  # conflicting_names, from the pairs
        for lang in langs:
            t = self.templates.get(lang)
            if t is None:
                self.stats[f"no_templates_{lang}"] += 1
                continue
            name = term.name_in(lang)
            label = concept.labels[lang]
            base = t.concept_values(label, name, concept.code, self.case.running(label, lang))
            base["synonyms"] = t.join(self.case.running_all(concept.synonyms.get(lang, ()), lang))
            # "figurent X" with one child reads wrong, and German names one Oberbegriff in the
            # singular: each list comes with the template that fits its number
            above = self._labels(concept.parents, lang)
            parents = (t.join_parents(above), "parents_one" if len(above) == 1 else "parents")
            listed = self._labels(concept.children, lang, MAX_LISTED)
            children = (t.join(listed), "children_one" if len(listed) == 1 else "children")
            if lang in conflicted:
                self.stats["conflicting_name_texts_skipped"] += 1
            else:
                named = [other for other in langs if other not in conflicted]
                yield self._text(
                    concept, lang, t, base, parents, children, xrefs, named, term.license
                )
            yield from self._instructions(
                concept, lang, t, base, parents, children, xrefs, term.license, conflicted
            )
        yield from self._translations(concept, langs, term, term.license, ambiguous, conflicted)

    def _text(self, concept, lang, t, base, parents, children, xrefs, langs, license_id):
        text = t.text
        sentences = [t.fill(text["intro_code" if concept.code else "intro"], base)]
        if lang in concept.definitions:
            definition = as_sentence(concept.definitions[lang], t.full_stop)
            sentences.append(t.fill(text["definition"], {"definition": definition}))
        if base["synonyms"]:
            sentences.append(t.fill(text["synonyms"], base))
        parents, parents_kind = parents
        if parents:
            sentences.append(t.fill(text[parents_kind], {"parents": parents}))
        children, children_kind = children
        if children:
            sentences.append(t.fill(text[children_kind], {"children": children}))
        if xrefs:  # the first code of each terminology: a list inside a list would not read
            items = [
                t.fill(text["xref_item"], {"terminology": x.name_in(lang), "code": codes[0]})
                for x, codes in xrefs
            ]
            sentences.append(t.fill(text["xrefs"], {"xrefs": t.join(items)}))
        others = [
            t.fill(
                text["translation_item"],
                {"language": t.language_name(o), "label": concept.labels[o]},
            )
            for o in langs
            if o != lang
        ]
        if others:
            sentences.append(t.fill(text["translations"], {"translations": t.join(others)}))
        return TextRecord(
            text=t.sentence_sep.join(sentences),
            lang=lang,
            source=SOURCE,
            dataset=concept.terminology,
            source_id=concept.id,
            license=license_id,
            meta={"terminology": concept.terminology, "code": concept.code},
        )

    def _ask(
        self,
        concept: Concept,
        t: Templates,
        task: str,
        kind: str,
        values: dict[str, str],
        license_id: str,
        key: str = "",
        answer: str = "",
    ) -> InstructRecord:
        """One question/answer pair from the `kind` templates; the phrasing comes from the seed.
        `answer` names another answer template than the kind's (a singular one)."""
        index, template = t.pick(kind, concept.id + key, self.seed)
        terminology = concept.terminology
        meta = {"terminology": terminology, "code": concept.code, "template": f"{kind}.{index}"}
        reply = t.answers[answer or kind]
        messages = user_assistant(t.fill(template, values), t.fill(reply, values))
        # positional: it runs for every instruction record, and keywords doubled its cost
        return InstructRecord(
            messages, t.lang, SOURCE, terminology, concept.id, license_id, task, None, meta
        )

    def _answers_differ(self, concept: Concept, lang: str, kind: str) -> bool:
        """Whether concepts that share this one's label in `lang` would answer a question
        asked by that label differently (ICD-11's stem code and histopathology extension
        "Primary myelofibrosis" sit under different parents): then it has several answers.
        Translations: `ambiguous_translations`."""
        sharers = self.graph.shared_labels.get((concept.terminology, lang, concept.labels[lang]))
        if not sharers:
            return False
        answers = {answer for other in sharers if (answer := self._answer_of(other, lang, kind))}
        if len(answers) > 1:
            self.stats[f"{kind}_ambiguous_skipped"] += 1
            return True
        return False

    def _answer_of(self, concept: Concept, lang: str, kind: str) -> tuple[str, ...]:
        """What a question of `kind` about `concept` would answer in `lang` (empty: none)."""
        if kind == "definition":
            definition = concept.definitions.get(lang)
            return (definition,) if definition else ()
        if kind == "synonyms":
            return tuple(concept.synonyms.get(lang, ()))
        related = concept.parents if kind == "parents" else concept.children
        others = (self.graph.concepts.get(concept_id) for concept_id in related)
        return tuple(sorted(o.labels[lang] for o in others if o is not None and lang in o.labels))

    def _instructions(
        self, concept, lang, t, base, parents, children, xrefs, license_id, conflicted
    ):
        parents, parents_kind = parents
        children, children_kind = children
        if lang in concept.definitions and not self._answers_differ(concept, lang, "definition"):
            values = {**base, "definition": concept.definitions[lang]}
            yield self._ask(concept, t, "definition", "definition", values, license_id)
        if base["synonyms"] and not self._answers_differ(concept, lang, "synonyms"):
            yield self._ask(concept, t, "synonyms", "synonyms", base, license_id)
        if parents and not self._answers_differ(concept, lang, "parents"):
            values = {**base, "parents": parents}
            yield self._ask(
                concept, t, "hierarchy", "parents", values, license_id, answer=parents_kind
            )
        if children and not self._answers_differ(concept, lang, "children"):
            values = {**base, "children": children}
            yield self._ask(
                concept, t, "hierarchy", "children", values, license_id, answer=children_kind
            )
        if not concept.code:
            return
        if (concept.terminology, lang, concept.labels[lang]) in self.graph.shared_labels:
            # "the code of Other viral enteritis" has two answers in KCD (A08.3, A08.38)
            self.stats["label_to_code_ambiguous_skipped"] += 1
        else:
            yield self._ask(concept, t, "code_lookup", "label_to_code", base, license_id)
        if lang in conflicted:
            self.stats["conflicting_name_code_to_label_skipped"] += 1
        else:
            yield self._ask(concept, t, "code_lookup", "code_to_label", base, license_id)
        for target, target_codes in xrefs:
            name = target.name_in(lang)
            values = {**base, "target_terminology": name, "target_code": t.join(target_codes)}
            record = self._ask(
                concept, t, "mapping", "mapping", values, license_id, key=target.prefix
            )
            record.meta["target_terminology"] = target.prefix
            yield record

    def _translations(
        self,
        concept: Concept,
        langs: list[str],
        term: Terminology,
        license_id: str,
        ambiguous: set[tuple[str, str]],
        conflicted: set[str],
    ):
        """Every ordered pair of languages; the prompt is in the source language when it has
        templates, else in the target language, so untemplated languages still get pairs.
        None with several answers (`ambiguous_translations`), none into a language whose
        name for the concept is in conflict (`conflicting_names`)."""
        for source in langs:
            for target in langs:
                if source == target:
                    continue
                t = self.templates.get(source) or self.templates.get(target)
                if t is None:
                    self.stats["translation_pairs_without_templates"] += 1
                    continue
                if (source, target) in ambiguous:
                    self.stats["translation_ambiguous_skipped"] += 1
                    continue
                if target in conflicted:
                    self.stats["conflicting_name_translations_skipped"] += 1
                    continue
                label = concept.labels[source]
                running = self.case.running(label, source)
                values = {
                    **t.concept_values(label, term.name_in(t.lang), concept.code, running),
                    "source_language": t.language_name(source),
                    "target_language": t.language_name(target),
                    "target_label": concept.labels[target],
                }
                record = self._ask(
                    concept,
                    t,
                    "translation",
                    "translation",
                    values,
                    license_id,
                    key=source + target,
                )
                record.meta.update(source_lang=source, target_lang=target)
                if concept.labels[target] == label:  # an INN or a taxon: the same word
                    self.stats["translation_pairs_same_term"] += 1
                yield record
