"""mcqa: multiple-choice medical exams (FrenchMedMCQA, MedQA-style) -> instruction records.

The options go into the prompt, lettered; the answer is the correct letter(s) with their text.
The same loader feeds the knowledge probe of the training issue.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from corpus.sources import register
from corpus.sources.base import FileSource, InputFile
from corpus.sources.files import read_rows

from corpus.errors import InputError
from corpus.langid import LanguageIdentifier
from corpus.records import InstructRecord, Record, user_assistant
from corpus.typography import semicolon_separator

SOURCE = "mcqa"
PROMPTS = {
    "fr": (
        "{question}\n\n{options}\n\nRépondez par la ou les lettres des bonnes réponses.",
        "Réponse : {answer}",
    ),
    "en": (
        "{question}\n\n{options}\n\nAnswer with the letter(s) of the correct option(s).",
        "Answer: {answer}",
    ),
}


@dataclass(frozen=True)
class Question:
    """One exam question, whatever the layout it came in."""

    id: str
    question: str
    options: dict[str, str]
    correct: list[str]
    subject: str = ""


def parse_question(path: Path, line: int, row: dict[str, Any]) -> Question:
    """FrenchMedMCQA (`answers`, `correct_answers`) or MedQA (`options`, `answer_idx`)."""
    if "answers" in row and "correct_answers" in row:
        options, correct = row["answers"], row["correct_answers"]
    elif "options" in row and "answer_idx" in row:
        options, correct = row["options"], [row["answer_idx"]]
        if isinstance(options, str):  # HuatuoGPT's demo stores a Python dict literal
            try:
                options = ast.literal_eval(options)
            except (ValueError, SyntaxError):
                raise InputError(
                    path, line, "options is not a mapping of letters to texts"
                ) from None
    else:
        raise InputError(
            path,
            line,
            f"not a multiple-choice row (needs answers+correct_answers or options+answer_idx); "
            f"columns: {', '.join(row)}",
        )
    if not isinstance(options, dict) or not options:
        raise InputError(path, line, "options must map letters to texts")
    options = {str(k).strip(): str(v).strip() for k, v in options.items()}
    correct = [str(c).strip() for c in (correct if isinstance(correct, list) else [correct])]
    unknown = [c for c in correct if c not in options]
    if unknown or not correct:
        raise InputError(
            path, line, f"correct answer(s) {unknown or correct} not among the options"
        )
    question_id = str(row.get("id") or f"{path.name}:{line}")
    return Question(
        question_id,
        str(row["question"]).strip(),
        options,
        correct,
        str(row.get("subject_name", "")),
    )


def _without_full_stop(text: str) -> str:
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


@register
class McqaSource(FileSource):
    name = "mcqa"
    description = (
        "multiple-choice medical exams: FrenchMedMCQA and MedQA layouts (JSON, JSONL, Parquet)"
    )
    formats: ClassVar[dict[str, str]] = {
        "frenchmedmcqa": "question, answers{a..e}, correct_answers[...]",
        "medqa": "question, options{A..E} (or its Python-literal string), answer_idx",
    }
    limitations = ("Exam questions test recall; licences of exam banks vary: check them.",)

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        for item in self.inputs_for(rank, world_size):
            for line, row in read_rows(item.path):
                question = parse_question(item.path, line, row)
                yield self.record(item, question)
                self.stat_update(  # once passed on: a question --limit stopped at is not counted
                    "multiple_answers" if len(question.correct) > 1 else "single_answer"
                )

    @cached_property
    def identifier(self) -> LanguageIdentifier:
        return LanguageIdentifier()

    def record(self, item: InputFile, question: Question) -> InstructRecord:
        """The prompt's wording follows the question's language, detected when not given."""
        lang = (self.options.lang or self.identifier.predict(question.question).lang).lower()
        prompt, reply = PROMPTS.get(lang, PROMPTS["en"])
        options = "\n".join(
            f"{letter.upper()}. {text}" for letter, text in question.options.items()
        )
        answers = [f"{c.upper()}. {question.options[c]}" for c in question.correct]
        # an option written as a sentence loses its full stop before the separator
        # ("A. Doit débuter le jour du départ ; D. …", not "départ. ; D.")
        answers[:-1] = [_without_full_stop(a) for a in answers[:-1]]
        answer = semicolon_separator(lang).join(answers)
        return InstructRecord(
            user_assistant(
                prompt.format(question=question.question, options=options),
                reply.format(answer=answer),
            ),
            lang,
            SOURCE,
            item.path.name.split(".")[0],
            question.id,
            self.options.license or "unknown",
            "mcqa",
            meta={
                "correct": question.correct,
                "options": sorted(question.options),
                "subject": question.subject,
                # for scoring the options by likelihood (corpus eval --mcqa)
                "question": question.question,
                "choices": question.options,
                "answer_prefix": reply.format(answer=""),
            },
        )
