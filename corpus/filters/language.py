"""Language allow-list; translation pairs need both of their languages allowed."""

from __future__ import annotations

from collections.abc import Iterable

from corpus.filters.base import Drop, Filter
from corpus.records import Record

LANGUAGE_NOT_ALLOWED = "language_not_allowed"


class LanguageFilter(Filter):
    name = "langs"

    def __init__(self, langs: Iterable[str]) -> None:
        super().__init__()
        self.langs = frozenset(langs)

    def check(self, record: Record) -> Drop | None:
        pair = (record.meta.get("source_lang"), record.meta.get("target_lang"))
        if record.lang not in self.langs or any(x and x not in self.langs for x in pair):
            return Drop(LANGUAGE_NOT_ALLOWED)
        return None
