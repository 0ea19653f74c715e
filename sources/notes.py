"""notes: clinical notes with instruction/answer triples (Asclepius-style), and doctor-patient
dialogues with the note sections written from them (MTS-Dialog style).

One build gives both halves of the usual recipe: text records (each distinct note once, for
continued pretraining) and instruction records (for SFT). The PHI gate (`corpus.phi`) runs on
every record by default (`--phi redact`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from corpus.sources import register
from corpus.sources.base import FileSource, InputFile
from corpus.sources.files import read_rows

from corpus.errors import InputError
from corpus.langid import UNKNOWN
from corpus.records import InstructRecord, Record, TextRecord

SOURCE = "notes"
SYSTEM = {
    "triples": "You are a clinical assistant. Answer from the clinical note you are given, "
    "accurately and concisely.",
    "dialogues": "You are a clinical assistant. Write the section of the clinical note asked "
    "for from the doctor-patient dialogue you are given, accurately and concisely.",
}
TRIPLE_ROLES = ("note", "question", "answer", "task", "id", "lang")
DIALOGUE_COLUMNS = ("section_header", "section_text", "dialogue")
SECTIONS = {
    "GENHX": "history of present illness",
    "CC": "chief complaint",
    "PASTMEDICALHX": "past medical history",
    "FAM/SOCHX": "family and social history",
    "MEDICATIONS": "medications",
    "ALLERGY": "allergies",
    "PASTSURGICAL": "past surgical history",
    "ROS": "review of systems",
    "ASSESSMENT": "assessment",
    "DIAGNOSIS": "diagnosis",
    "EXAM": "physical examination",
    "EDCOURSE": "emergency department course",
    "DISPOSITION": "disposition",
    "PLAN": "plan",
    "PROCEDURES": "procedures",
    "OTHER_HISTORY": "other history",
    "LABS": "laboratory results",
    "IMMUNIZATIONS": "immunizations",
    "IMAGING": "imaging",
    "GYNHX": "gynecologic history",
}


def _field(row: dict[str, Any], column: str) -> str:
    """A cell as text, its line breaks made \\n: CSV exports from Windows keep \\r\\n inside
    quoted cells (MTS-Dialog's dialogues), which would reach the records as stray \\r."""
    value = str(row.get(column) or "")
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _note_key(note: str) -> bytes:
    return hashlib.blake2b(note.encode("utf-8"), digest_size=16).digest()


@register
class NotesSource(FileSource):
    name = "notes"
    phi_default = "redact"
    description = (
        "clinical notes with (note, question, answer, task) triples; dialogues with note sections"
    )
    formats: ClassVar[dict[str, str]] = {
        "triples": "note, question, answer[, task] columns (Asclepius); JSONL, JSON, CSV, Parquet",
        "dialogues": "section_header, section_text, dialogue columns (MTS-Dialog); CSV, JSONL",
    }
    limitations = (
        "The PHI gate finds identifiers by rules and a French NER model: it lowers, not removes, "
        "the risk; de-identified or synthetic notes only.",
        "A note repeated in two input files is emitted once per file when the build is sharded.",
    )

    def _layout(self, item: InputFile, row: dict[str, Any]) -> tuple[str, dict[str, str]]:
        columns = dict(self.options.columns)
        if not columns and all(c in row for c in DIALOGUE_COLUMNS):
            return "dialogues", {c: c for c in DIALOGUE_COLUMNS}
        for role in TRIPLE_ROLES:
            if role not in columns and role in row:
                columns[role] = role
        missing = [r for r in ("note", "question", "answer") if r not in columns]
        absent = missing + [c for c in columns.values() if c not in row]
        if absent:
            raise InputError(
                item.path,
                None,
                f"missing column(s) {', '.join(absent)} (map them with --columns note=…,"
                f"question=…,answer=…,task=…); available: {', '.join(row)}",
            )
        return "triples", columns

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        seen: set[bytes] = set()
        for item in self.inputs_for(rank, world_size):
            layout: tuple[str, dict[str, str]] | None = None
            for line, row in read_rows(item.path):
                layout = layout or self._layout(item, row)
                kind, columns = layout
                if kind == "dialogues":
                    yield from self._dialogue(item, line, row, seen)
                else:
                    yield from self._triple(item, line, row, columns, seen)

    def _skip(self, item: InputFile, line: int, what: str) -> None:
        if self.options.strict:
            raise InputError(item.path, line, f"empty {what}")
        self.stat_update(f"dropped_empty_{what}")

    def _text(
        self, item: InputFile, source_id: str, note: str, lang: str, seen: set[bytes]
    ) -> Iterator[Record]:
        """A note's text record, the first time the note is seen; it carries the id of the row
        that gave it (where a reviewer finds it), shared with that row's instruction."""
        key = _note_key(note)
        if key in seen:
            self.stat_update("repeated_notes")
            return
        seen.add(key)
        self.stat_update("distinct_notes")
        license_id = self.options.license or "unknown"
        yield TextRecord(note, lang, SOURCE, item.path.name.split(".")[0], source_id, license_id)

    def _triple(self, item, line, row, columns, seen) -> Iterator[Record]:
        note = _field(row, columns["note"])
        question = _field(row, columns["question"])
        answer = _field(row, columns["answer"])
        if not note:
            return self._skip(item, line, "note")
        if not question or not answer:
            return self._skip(item, line, "question_or_answer")
        lang = str(row.get(columns.get("lang", ""), "") or self.options.lang or UNKNOWN).lower()
        source_id = str(row[columns["id"]]) if "id" in columns else f"{item.display}:{line}"
        yield from self._text(item, source_id, note, lang, seen)
        task = str(row.get(columns.get("task", ""), "") or "question_answering")
        prompt = f"{note}\n\n{question}"
        yield self._conversation(item, source_id, lang, "triples", prompt, answer, task)

    def _dialogue(self, item, line, row, seen) -> Iterator[Record]:
        dialogue = _field(row, "dialogue")
        section_text = _field(row, "section_text")
        if not dialogue or not section_text:
            return self._skip(item, line, "dialogue_or_section")
        header = _field(row, "section_header")
        section = SECTIONS.get(header, header.lower().replace("_", " "))
        lang = (self.options.lang or UNKNOWN).lower()
        source_id = str(row.get("ID") or f"{item.display}:{line}")
        # the section under its heading, as a note writes it ("Allergies: None."): alone,
        # MTS-Dialog's ten "None." of five sections would be one text saying nothing
        heading = section[:1].upper() + section[1:]
        yield from self._text(item, source_id, f"{heading}: {section_text}", lang, seen)
        prompt = (
            f"Write the {section} section of the clinical note from this doctor-patient "
            f"dialogue.\n\n{dialogue}"
        )
        task = f"note_section:{header}"
        yield self._conversation(item, source_id, lang, "dialogues", prompt, section_text, task)

    def _conversation(
        self,
        item: InputFile,
        source_id: str,
        lang: str,
        layout: str,
        prompt: str,
        answer: str,
        task: str,
    ) -> InstructRecord:
        """System (clinical assistant, told what it is given), user, assistant: the shape of
        every notes record."""
        messages = [
            {"role": "system", "content": SYSTEM[layout]},
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": answer},
        ]
        return InstructRecord(
            messages,
            lang,
            SOURCE,
            item.path.name.split(".")[0],
            source_id,
            self.options.license or "unknown",
            task,
        )
