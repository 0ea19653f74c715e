"""reasoning: medical chain-of-thought QA (medical-o1-reasoning-SFT, HuatuoGPT-o1 layouts).

The chain of thought goes to the record's `reasoning`, the answer to the assistant message;
how reasoning is shown to a model (`<think>` blocks, a separate field, or dropped) is chosen
when training or mixing, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from corpus.sources import register
from corpus.sources.base import FileSource, InputFile
from corpus.sources.files import read_rows

from corpus.errors import InputError
from corpus.langid import UNKNOWN
from corpus.records import InstructRecord, Record, user_assistant

SOURCE = "reasoning"
# column names seen in the wild, per role, first match wins (--columns overrides)
ALIASES = {
    "question": ("Question", "question", "prompt", "input"),
    "reasoning": ("Complex_CoT", "complex_cot", "cot", "reasoning", "thinking", "rationale"),
    "answer": ("Response", "response", "answer", "output"),
    "lang": ("lang", "language"),
    "id": ("id", "uid", "qid"),
}


@register
class ReasoningSource(FileSource):
    name = "reasoning"
    description = "medical chain-of-thought QA: question, reasoning, answer (JSON, JSONL, Parquet)"
    formats: ClassVar[dict[str, str]] = {
        "json": "a JSON array of objects (HuatuoGPT-o1 demo layout)",
        "jsonl": "one object per line (medical-o1-reasoning-SFT exports)",
        "parquet": "Apache Parquet",
    }
    limitations = (
        "Reasoning and answers are as the dataset's authors generated them (often by an LLM).",
    )

    def _columns(self, item: InputFile, row: dict[str, Any]) -> dict[str, str]:
        columns = dict(self.options.columns)
        for role, names in ALIASES.items():
            if role not in columns:
                found = next((name for name in names if name in row), None)
                if found:
                    columns[role] = found
        missing = [role for role in ("question", "answer") if role not in columns]
        if missing or any(c not in row for c in columns.values()):
            absent = missing + [c for c in columns.values() if c not in row]
            raise InputError(
                item.path,
                None,
                f"missing column(s) {', '.join(absent)} (name them with --columns "
                f"question=…,reasoning=…,answer=…); available: {', '.join(row)}",
            )
        return columns

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        for item in self.inputs_for(rank, world_size):
            columns: dict[str, str] | None = None
            for line, row in read_rows(item.path):
                columns = columns or self._columns(item, row)
                question = str(row.get(columns["question"]) or "").strip()
                answer = str(row.get(columns["answer"]) or "").strip()
                if not question or not answer:
                    self.stat_update("dropped_empty_question_or_answer")
                    continue
                reasoning = str(row.get(columns.get("reasoning", ""), "") or "").strip() or None
                lang = str(row.get(columns.get("lang", ""), "") or self.options.lang or UNKNOWN)
                source_id = str(row[columns["id"]]) if "id" in columns else f"{item.display}:{line}"
                yield InstructRecord(
                    user_assistant(question, answer),
                    lang.lower(),
                    SOURCE,
                    item.path.name.split(".")[0],
                    source_id,
                    self.options.license or "unknown",
                    "reasoning",
                    reasoning=reasoning,
                )
                # once passed on: a row --limit stopped at is not counted
                self.stat_update("with_reasoning" if reasoning else "without_reasoning")
