"""Repetition and boilerplate: documents whose lines or paragraphs repeat (Gopher's rules).

Rae et al. (2021) drop documents where duplicated lines make up more than 30% of the lines or
20% of the characters; templated one-paragraph records have no repeated lines and pass.
"""

from __future__ import annotations

from corpus.filters.base import Drop, Filter, record_content
from corpus.records import Record

DUPLICATE_LINES, DUPLICATE_LINE_CHARS = "duplicate_lines", "duplicate_line_chars"


class RepetitionFilter(Filter):
    name = "repetition"

    def __init__(self, max_duplicate_lines: float = 0.3, max_duplicate_chars: float = 0.2) -> None:
        super().__init__()
        self.max_duplicate_lines = max_duplicate_lines
        self.max_duplicate_chars = max_duplicate_chars

    def check(self, record: Record) -> Drop | None:
        lines = [line.strip() for line in record_content(record).splitlines() if line.strip()]
        if len(lines) < 2:
            return None
        seen: set[str] = set()
        duplicate_lines = duplicate_chars = 0
        for line in lines:
            if line in seen:
                duplicate_lines += 1
                duplicate_chars += len(line)
            seen.add(line)
        if duplicate_lines / len(lines) > self.max_duplicate_lines:
            return Drop(DUPLICATE_LINES)
        if duplicate_chars / sum(len(line) for line in lines) > self.max_duplicate_chars:
            return Drop(DUPLICATE_LINE_CHARS)
        return None
