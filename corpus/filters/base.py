"""The filter contract: `check` answers None (keep) or Drop(reason); the base class counts
`dropped_<reason>` and, when asked, writes the rejects aside with their reason."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from corpus.pipeline import PipelineStep
from corpus.records import KINDS, SCHEMAS, Record
from corpus.writer import PartWriter

REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Drop:
    reason: str


def record_content(record: Record) -> str:
    """The text a filter judges: the document, or every message of a conversation."""
    if record.kind == "text":
        return record.text
    return "\n".join(m["content"] for m in record.messages)


class RejectWriter:
    """OUT/rejected/KIND/part-*.parquet: the record's own columns plus `reason`."""

    def __init__(self, root: Path, rank: int) -> None:
        self.writers = {
            kind: PartWriter(
                root / REJECTED / kind, SCHEMAS[kind].append(pa.field("reason", pa.string())), rank
            )
            for kind in KINDS
        }

    def add(self, record: Record, reason: str) -> None:
        self.writers[record.kind].add((*record.to_values(), reason))

    def close(self) -> None:
        for writer in self.writers.values():
            writer.flush()
            writer.close()


class Filter(PipelineStep):
    """Keep or drop each record; subclasses implement `check` and name their reasons."""

    def __init__(self) -> None:
        super().__init__()
        self.rejects: RejectWriter | None = None

    def keep_rejected(self, root: Path, rank: int = 0) -> None:
        self.rejects = RejectWriter(root, rank)

    @abstractmethod
    def check(self, record: Record) -> Drop | None:
        """None to keep the record, Drop(reason) to remove it."""

    def run(self, data, rank: int = 0, world_size: int = 1):
        try:
            for record in data:
                verdict = self.check(record)
                if verdict is None:
                    yield record
                    continue
                self.stat_update(f"dropped_{verdict.reason}")
                if self.rejects is not None:
                    self.rejects.add(record, f"{self.name}:{verdict.reason}")
        finally:
            if self.rejects is not None:
                self.rejects.close()
