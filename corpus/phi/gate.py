"""The PHI gate step: find identifiers in every field a record carries, then redact, drop, stop
the build or only count.

A value found anywhere in a record is replaced everywhere in it (a surname seen after "Dr." is
also removed where it stands alone, and from the entity list an assistant answers with), so a
redacted record never keeps a copy of what was found. Counts by type go to the step's stats
(manifest, card); the values themselves are never stored, logged or shown.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import islice
from typing import TYPE_CHECKING

import regex

from corpus.errors import CorpusError
from corpus.phi.modes import PHI_MODES
from corpus.pipeline import PipelineStep
from corpus.records import Record
from corpus.standoff import remap_entities

if TYPE_CHECKING:  # presidio and spaCy load with the first record, not with the module
    from corpus.phi.detector import Finding, PhiDetector

BATCH = 256  # records analysed together (spaCy batches within)
CACHED_PARAGRAPHS = 50_000  # recent paragraphs whose findings are kept (oldest dropped first)


def placeholder(kind: str) -> str:
    return f"[{kind}]"


def record_fields(record: Record) -> list[str]:
    if record.kind == "text":
        return [record.text]
    return [m["content"] for m in record.messages] + [record.reasoning or ""]


def _value_pattern(values: dict[str, str]) -> regex.Pattern:
    alternatives = "|".join(regex.escape(v) for v in sorted(values, key=lambda v: (-len(v), v)))
    # Latin words and numbers must not continue the value; Korean particles may (김민준은)
    return regex.compile(rf"(?<![\p{{Latin}}\p{{N}}])(?:{alternatives})(?![\p{{Latin}}\p{{N}}])")


def redact(text: str, pattern: regex.Pattern, values: dict[str, str]):
    """The text with every value replaced, and each replacement's (start, end) in the old text
    with the placeholder's length, for remapping offsets that point into it."""
    out, edits, last = [], [], 0
    for match in pattern.finditer(text):
        new = placeholder(values[match.group()])
        out.append(text[last : match.start()])
        out.append(new)
        edits.append((match.start(), match.end(), len(new)))
        last = match.end()
    out.append(text[last:])
    return "".join(out), edits


class PhiGate(PipelineStep):
    """`redact` (default for clinical sources), `drop`, `fail` or `report`."""

    name = "phi"

    def __init__(self, mode: str = "redact", detector: PhiDetector | None = None) -> None:
        super().__init__()
        if mode not in PHI_MODES or mode == "off":
            raise ValueError(f"PHI gate mode {mode!r}")
        self.mode = mode
        self._detector = detector
        # a note comes back in every record built from it (its text, each question's prompt)
        self.cache: OrderedDict[tuple[str, str], list[Finding]] = OrderedDict()

    @property
    def detector(self) -> PhiDetector:
        """Loaded on the first record: a build that fails on its input never pays for spaCy."""
        if self._detector is None:
            from corpus.phi.detector import shared_detector

            self._detector = shared_detector()
        return self._detector

    def findings(self, records: list[Record]) -> list[dict[str, str]]:
        """Per record, value -> type over every paragraph of every field. Paragraphs are the
        unit: those of a batch are analysed together, language by language, and each distinct
        one once (a note comes back in each prompt built from it, after a blank line)."""
        paragraphs = [
            [part for text in record_fields(record) for part in text.split("\n\n") if part.strip()]
            for record in records
        ]
        todo: dict[str, dict[tuple[str, str], str]] = {}
        for record, items in zip(records, paragraphs, strict=True):
            for line in items:
                if (record.lang, line) not in self.cache:
                    todo.setdefault(record.lang, {})[(record.lang, line)] = line
        for lang, pending in todo.items():
            found = self.detector.find_many(list(pending.values()), lang)
            self.cache.update(zip(pending, found, strict=True))
        values: list[dict[str, str]] = [{} for _ in records]
        for i, (record, items) in enumerate(zip(records, paragraphs, strict=True)):
            for line in items:
                for finding in self.cache[(record.lang, line)]:
                    values[i].setdefault(line[finding.start : finding.end], finding.type)
        while len(self.cache) > CACHED_PARAGRAPHS:
            self.cache.popitem(last=False)
        return values

    def run(self, data, rank: int = 0, world_size: int = 1):
        records = iter(data)
        while batch := list(islice(records, BATCH)):
            yield from self._gate(batch)

    def _gate(self, batch: list[Record]):
        for record, values in zip(batch, self.findings(batch), strict=True):
            self.stat_update("records_scanned")
            if not values:
                yield record
                continue
            self.stat_update("records_with_phi")
            if self.mode == "fail":
                kinds = ", ".join(sorted(set(values.values())))
                raise CorpusError(
                    f"PHI ({kinds}) in {record.kind} record {record.source}:{record.source_id}; "
                    "--phi fail stops the build (--phi redact replaces it)"
                )
            redacted = self._redact(record, values)
            if self.mode == "drop":
                self.stat_update("dropped_phi")
                continue
            if self.mode == "redact":
                yield redacted
            else:
                yield record

    def _redact(self, record: Record, values: dict[str, str]) -> Record:
        """Counts each replaced occurrence by type; changes the record only in `redact` mode."""
        pattern = _value_pattern(values)
        change = self.mode == "redact"
        if record.kind == "text":
            text, edits = self._replace(record.text, pattern, values)
            if change:
                remap_entities(record.meta.get("entities", []), text, edits)
                record.text = text
            return record
        for message in record.messages:
            text = self._replace(message["content"], pattern, values)[0]
            if change:
                message["content"] = text
        if record.reasoning:
            text = self._replace(record.reasoning, pattern, values)[0]
            if change:
                record.reasoning = text
        return record

    def _replace(self, text: str, pattern: regex.Pattern, values: dict[str, str]):
        new, edits = redact(text, pattern, values)
        for start, end, _ in edits:
            self.stat_update(f"found_{values[text[start:end]]}")
        return new, edits
