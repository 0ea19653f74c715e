"""Multiple-choice questions about an ontology, generated from a hetop build's concept table.

Four tasks, in every language the build has templates for: term -> definition, term -> parent,
term -> translation (into each other language of the concept), code -> label. The question and
the start of its answer use the build's own templates (the phrasing the build picked for that
concept), so a trained concept is asked the way it was taught. Distractors are siblings (concepts
that share a parent; for the parent task, siblings of the parent), so no question can be answered
from the options' shape alone. A name the build never states as a concept's (one its
concept shares with others that another language names differently) gets no code -> label
question and no translation from or into it, as in the build. Every choice is seeded.
Questions about held-out concepts (`corpus build --holdout`) are reported apart from trained
ones.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from corpus.sources.hetop.probe_table import PROBE_TABLE
from corpus.sources.hetop.templates import (
    Templates,
    load_templates,
    resolve_particles,
    split_trailing_elision,
)

from corpus.errors import InputError

# task -> (question kind in the build's YAML, its answer template, the placeholder the options
# fill); one parent is named in the singular (German: "Der Oberbegriff … ist")
TASKS: dict[str, tuple[str, str, str]] = {
    "definition": ("definition", "definition", "definition"),
    "parent": ("parents", "parents_one", "parents"),
    "translation": ("translation", "translation", "target_label"),
    "code_to_label": ("code_to_label", "code_to_label", "label"),
}
# trained: in the training data; heldout: kept out by `corpus build --holdout`; unsampled: in the
# build but not in the training data given (a mixture samples part of a build)
SPLITS = ("trained", "heldout", "unsampled")


@dataclass(frozen=True)
class Question:
    task: str
    lang: str  # the question's language (the source language for translation)
    concept_id: str
    split: str
    prompt: str  # question, newline, the answer up to the option
    options: tuple[str, ...]
    answers: tuple[int, ...]  # indices of the correct options (one, except in some exams)

    @property
    def chance(self) -> float:
        return len(self.answers) / len(self.options)


@dataclass
class ConceptTable:
    """The probe table in memory, indexed the ways questions need."""

    labels: dict[tuple[str, str], str]
    running: dict[tuple[str, str], str]  # a label as the records say it mid-sentence
    definitions: dict[tuple[str, str], str]
    parents: dict[str, list[str]]
    children: dict[str, list[str]]
    langs: dict[str, list[str]]  # concept -> its languages, in table order
    terminology: dict[tuple[str, str], str]  # (concept, lang) -> terminology name in lang
    codes: dict[str, str]
    heldout: set[str]
    # (concept, lang) whose label the build never states as the concept's name: shared with
    # concepts another language names differently (ICD-11's French 1D20 and 1D21)
    in_conflict: set[tuple[str, str]] = field(default_factory=set)

    def siblings(self, concept_id: str) -> list[str]:
        """Concepts that share a parent with this one, in a stable order."""
        found = {c for p in self.parents.get(concept_id, []) for c in self.children.get(p, [])}
        found.discard(concept_id)
        return sorted(found)

    def ancestors(self, concept_id: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.parents.get(concept_id, []))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.parents.get(current, []))
        return seen


def require_probe_table(folder: Path) -> None:
    if not (folder / PROBE_TABLE).is_file():
        raise InputError(
            folder, None, f"no {PROBE_TABLE} here: the probe needs a `corpus build --source hetop`"
        )


def read_concept_table(folder: Path) -> ConceptTable:
    require_probe_table(folder)
    rows = pq.read_table(folder / PROBE_TABLE).to_pylist()
    table = ConceptTable({}, {}, {}, {}, defaultdict(list), defaultdict(list), {}, {}, set())
    for row in rows:
        concept, lang = row["concept_id"], row["lang"]
        table.labels[concept, lang] = row["label"]
        # a table written before builds cased labels mid-sentence has no running_label
        table.running[concept, lang] = row.get("running_label") or row["label"]
        if row["definition"]:
            table.definitions[concept, lang] = row["definition"]
        table.terminology[concept, lang] = row["terminology_name"]
        if row.get("name_in_conflict"):  # absent from older builds' tables: none then
            table.in_conflict.add((concept, lang))
        table.langs[concept].append(lang)
        if concept not in table.parents:
            table.parents[concept] = row["parents"]
            table.codes[concept] = row["code"]
            for parent in row["parents"]:
                table.children[parent].append(concept)
            if row["heldout"]:
                table.heldout.add(concept)
    return table


def _placeholder(templates: Templates, answer: str, slot: str) -> str:
    """Where the options go in an answer template: {slot}, or {running_slot} where the
    language says a label mid-sentence in running case (English: "{code} is {running_label}.")."""
    text = templates.answers[answer]
    for placeholder in ("{running_" + slot + "}", "{" + slot + "}"):
        if placeholder in text:
            return placeholder
    raise ValueError(f"{templates.lang} {answer}_answer has no {{{slot}}}: {text!r}")


def _rng(seed: int, *key: str) -> random.Random:
    digest = hashlib.blake2b("\x1f".join([str(seed), *key]).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _distinct(correct: str, candidates: list[str], excluded: set[str]) -> list[str]:
    """Candidates that differ from the answer, from each other and from `excluded` (case-
    insensitively): exactly one option may be right."""
    seen = {correct.casefold()} | {e.casefold() for e in excluded}
    kept = []
    for text in candidates:
        if text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append(text)
    return kept


class QuestionMaker:
    def __init__(
        self,
        table: ConceptTable,
        templates: dict[str, Templates],
        seed: int,
        size: int,
        trained: set[str] | None = None,
    ) -> None:
        self.table = table
        self.templates = templates
        self.seed = seed
        self.size = size  # options per question, at most
        self.trained = trained  # concepts of the training data; None: every one not held out

    def split(self, concept: str) -> str:
        if concept in self.table.heldout:
            return "heldout"
        if self.trained is not None and concept not in self.trained:
            return "unsampled"
        return "trained"

    def _question(
        self,
        task: str,
        concept: str,
        lang: str,
        values: dict[str, str],
        correct: str,
        distractors: list[str],
        key: str = "",
    ) -> Question | None:
        if not distractors:
            return None
        t = self.templates[lang]
        kind, answer, slot = TASKS[task]
        rng = _rng(self.seed, task, concept, lang, key)
        chosen = rng.sample(distractors, min(len(distractors), self.size - 1))
        options = [correct, *chosen]
        rng.shuffle(options)
        right = options.index(correct)
        _, template = t.pick(kind, concept + key, self.seed)  # the build's phrasing
        answer_start = t.answers[answer].split(_placeholder(t, answer, slot))[0]
        # "une sorte ⟨de |d'⟩": each option takes its own form, as the records wrote it
        # ("d'anomalie …", "de morphologie …"); left in the prompt, it would be "de "
        answer_start, lead = split_trailing_elision(answer_start)
        if lead:
            options = [resolve_particles(lead + option) for option in options]
        prompt = t.fill(template, values) + "\n" + t.fill(answer_start, values)
        return Question(
            task,
            lang,
            concept,
            self.split(concept),
            prompt,
            tuple(options),
            (right,),
        )

    def for_concept(self, concept: str) -> list[Question | None]:
        table = self.table
        siblings = table.siblings(concept)
        made: list[Question | None] = []
        for lang in table.langs[concept]:
            if lang not in self.templates:
                continue
            label = table.labels[concept, lang]
            values = self.templates[lang].concept_values(
                label,
                table.terminology[concept, lang],
                table.codes[concept],
                table.running[concept, lang],
            )
            if (concept, lang) in table.definitions:
                others = [
                    table.definitions[s, lang] for s in siblings if (s, lang) in table.definitions
                ]
                correct = table.definitions[concept, lang]
                made.append(
                    self._question(
                        "definition",
                        concept,
                        lang,
                        values,
                        correct,
                        _distinct(correct, others, set()),
                    )
                )
            made.append(self._parent(concept, lang, values))
            if (concept, lang) in table.in_conflict:  # no code -> label, no translation
                continue
            if table.codes[concept]:
                # options as the answer says them: "HP:0000153 is abnormality of the mouth."
                slot = _placeholder(self.templates[lang], *TASKS["code_to_label"][1:])
                said = table.running if slot == "{running_label}" else table.labels
                correct = said[concept, lang]
                others = [said[s, lang] for s in siblings if (s, lang) in said]
                made.append(
                    self._question(
                        "code_to_label",
                        concept,
                        lang,
                        values,
                        correct,
                        _distinct(correct, others, set()),
                    )
                )
            for target in table.langs[concept]:
                if target == lang:
                    continue
                correct = table.labels[concept, target]
                if correct.casefold() == label.casefold() or (concept, target) in table.in_conflict:
                    continue  # the prompt holds the answer, or the answer is in conflict
                others = [table.labels[s, target] for s in siblings if (s, target) in table.labels]
                t = self.templates[lang]
                pair = {
                    **values,
                    "source_language": t.language_name(lang),
                    "target_language": t.language_name(target),
                }
                made.append(
                    self._question(
                        "translation",
                        concept,
                        lang,
                        pair,
                        correct,
                        _distinct(correct, others, {label}),
                        key=lang + target,
                    )
                )
        return made

    def _parent(self, concept: str, lang: str, values: dict[str, str]) -> Question | None:
        table = self.table
        parents = [p for p in table.parents.get(concept, []) if (p, lang) in table.labels]
        if not parents:
            return None
        parent = parents[_rng(self.seed, "parent", concept).randrange(len(parents))]
        said = table.running  # parents are listed as they read mid-sentence
        correct = said[parent, lang]
        ruled_out = table.ancestors(concept) | {concept}  # each of these is also "right"
        others = [
            said[s, lang]
            for s in table.siblings(parent)
            if s not in ruled_out and (s, lang) in said
        ]
        excluded = {said[a, lang] for a in ruled_out if (a, lang) in said}
        return self._question(
            "parent",
            concept,
            lang,
            {**values, "parents": correct},
            correct,
            _distinct(correct, others, excluded),
        )


def make_questions(
    folder: Path,
    seed: int = 0,
    per_group: int | None = 200,
    size: int = 4,
    trained: set[str] | None = None,
) -> list[Question]:
    """Questions for every (task, language, split) group, at most `per_group` in each (a
    seeded sample), in a stable order. `trained`: the concepts the training data holds."""
    table = read_concept_table(folder)
    maker = QuestionMaker(table, load_templates(), seed, size, trained)
    groups: dict[tuple[str, str, str], list[Question]] = defaultdict(list)
    for concept in table.parents:
        for question in maker.for_concept(concept):
            if question is not None:
                groups[question.task, question.lang, question.split].append(question)
    chosen: list[Question] = []
    for key in sorted(groups):
        questions = groups[key]
        if per_group is not None and len(questions) > per_group:
            questions = _rng(seed, *key).sample(questions, per_group)
            questions.sort(key=lambda q: q.concept_id)
        chosen.extend(questions)
    return chosen
