"""Concepts -> prose text records and instruction records, in every language they have labels for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from corpus.records import InstructRecord, Record, TextRecord, user_assistant
from corpus.sources.hetop.graph import Concept, ConceptGraph
from corpus.sources.hetop.templates import Templates
from corpus.sources.hetop.terminologies import lookup, split_curie

SOURCE = "hetop"
MAX_LISTED = 8  # children, xrefs: enough to teach the neighbourhood, short enough to read

TASKS = ("definition", "synonyms", "hierarchy", "translation", "code_lookup", "mapping")


class Verbalizer:
    """Writes one concept at a time; all choices depend only on (seed, concept, task, lang)."""

    def __init__(
        self,
        graph: ConceptGraph,
        templates: dict[str, Templates],
        seed: int,
        langs: frozenset[str] | None = None,
    ) -> None:
        self.graph = graph
        self.templates = templates
        self.seed = seed
        self.langs = langs
        self.stats: Counter[str] = Counter()

    def _allowed(self, lang: str) -> bool:
        return self.langs is None or lang in self.langs

    def _labels(self, ids: list[str], lang: str) -> list[str]:
        found = []
        for concept_id in ids:
            other = self.graph.concepts.get(concept_id)
            if other is not None and lang in other.labels:
                found.append(other.labels[lang])
        return found

    def _xrefs(self, concept: Concept) -> list[tuple[str, str]]:
        """(terminology name, code) of each mapping, first one per target terminology."""
        seen: dict[str, tuple[str, str]] = {}
        for xref in concept.xrefs:
            prefix, local = split_curie(xref)
            if prefix and prefix not in seen and prefix != concept.terminology:
                seen[prefix] = (lookup(prefix).name, local)
        return list(seen.values())

    def records(self, concept: Concept) -> Iterator[Record]:
        langs = [lang for lang in concept.labels if self._allowed(lang)]
        if not langs:
            self.stats["concepts_without_kept_language"] += 1
            return
        term = self.graph.terminologies[concept.terminology]
        license_id = term.license
        xrefs = self._xrefs(concept)
        for lang in langs:
            templates = self.templates.get(lang)
            if templates is None:
                self.stats[f"no_templates_{lang}"] += 1
                continue
            yield self._text(concept, lang, templates, term.name, xrefs, langs, license_id)
            yield from self._instructions(concept, lang, templates, term.name, xrefs, license_id)
        yield from self._translations(concept, langs, term.name, license_id)

    def _text(self, concept, lang, t: Templates, term_name, xrefs, langs, license_id) -> TextRecord:
        label = concept.labels[lang]
        values = {"label": label, "terminology": term_name, "code": concept.code}
        sentences = [t.fill(t.text["intro_code" if concept.code else "intro"], **values)]
        if lang in concept.definitions:
            sentences.append(t.fill(t.text["definition"], definition=concept.definitions[lang]))
        if concept.synonyms.get(lang):
            sentences.append(t.fill(t.text["synonyms"], synonyms=t.join(concept.synonyms[lang])))
        parents = self._labels(concept.parents, lang)
        if parents:
            sentences.append(t.fill(t.text["parents"], parents=t.join(parents)))
        children = self._labels(concept.children, lang)[:MAX_LISTED]
        if children:
            sentences.append(t.fill(t.text["children"], children=t.join(children)))
        if xrefs:
            items = [t.fill(t.text["xref_item"], terminology=n, code=c) for n, c in xrefs]
            sentences.append(t.fill(t.text["xrefs"], xrefs=t.join(items[:MAX_LISTED])))
        others = [
            t.fill(t.text["translation_item"], language=t.language_name(o), label=concept.labels[o])
            for o in langs
            if o != lang
        ]
        if others:
            sentences.append(t.fill(t.text["translations"], translations=t.join(others)))
        self.stats[f"text_{lang}"] += 1
        return TextRecord(
            text=" ".join(sentences), lang=lang, source=SOURCE, dataset=concept.terminology,
            source_id=concept.id, license=license_id,
            meta={"terminology": concept.terminology, "code": concept.code},
        )

    def _ask(
        self, concept: Concept, t: Templates, task: str, kind: str, license_id: str,
        key: str = "", **values: str,
    ) -> InstructRecord:
        index, template = t.pick(kind, concept.id + key, self.seed)
        prompt = t.fill(template, **values)
        reply = t.fill(t.instruct[kind + "_answer"], **values)
        self.stats[f"instruct_{task}_{t.lang}"] += 1
        meta = {"terminology": concept.terminology, "code": concept.code, "template": f"{kind}.{index}"}
        if "target_terminology" in values:
            meta["target_terminology"] = values["target_terminology"]
        return InstructRecord(
            messages=user_assistant(prompt, reply), lang=t.lang, source=SOURCE,
            dataset=concept.terminology, source_id=concept.id, license=license_id, task=task,
            meta=meta,
        )

    def _instructions(self, concept, lang, t: Templates, term_name, xrefs, license_id):
        label = concept.labels[lang]
        base = {"label": label, "terminology": term_name, "code": concept.code}
        if lang in concept.definitions:
            yield self._ask(
                concept, t, "definition", "definition", license_id,
                definition=concept.definitions[lang], **base,
            )
        if concept.synonyms.get(lang):
            yield self._ask(
                concept, t, "synonyms", "synonyms", license_id,
                synonyms=t.join(concept.synonyms[lang]), **base,
            )
        parents = self._labels(concept.parents, lang)
        if parents:
            yield self._ask(concept, t, "hierarchy", "parents", license_id, parents=t.join(parents), **base)
        children = self._labels(concept.children, lang)[:MAX_LISTED]
        if children:
            yield self._ask(concept, t, "hierarchy", "children", license_id, children=t.join(children), **base)
        if concept.code:
            yield self._ask(concept, t, "code_lookup", "label_to_code", license_id, **base)
            yield self._ask(concept, t, "code_lookup", "code_to_label", license_id, **base)
            for target_name, target_code in xrefs:
                yield self._ask(
                    concept, t, "mapping", "mapping", license_id, key=target_name,
                    target_terminology=target_name, target_code=target_code, **base,
                )

    def _translations(self, concept: Concept, langs: list[str], term_name: str, license_id: str):
        """Every ordered pair of languages; the prompt is in the source language when it has
        templates, else in the target language, so untemplated languages still get pairs."""
        for source in langs:
            for target in langs:
                if source == target:
                    continue
                prompt_lang = source if source in self.templates else target
                t = self.templates.get(prompt_lang)
                if t is None:
                    self.stats["translation_pairs_without_templates"] += 1
                    continue
                record = self._ask(
                    concept, t, "translation", "translation", license_id, key=source + target,
                    label=concept.labels[source], terminology=term_name, code=concept.code,
                    source_language=t.language_name(source), target_language=t.language_name(target),
                    target_label=concept.labels[target],
                )
                record.meta.update(source_lang=source, target_lang=target)
                yield record


def verbalize(graph: ConceptGraph, verbalizer: Verbalizer, limit: int | None = None) -> Iterator[Record]:
    """Concepts in graph order (input order, then file order): `limit` takes the first ones."""
    done = 0
    for concept in graph:
        if limit is not None and done >= limit:
            break
        if not concept.labels:
            continue
        yield from verbalizer.records(concept)
        done += 1
