"""Length in characters and in words (CJK and Hangul characters count as words)."""

from __future__ import annotations

import re

from corpus.filters.base import Drop, Filter, record_content
from corpus.records import Record

TOO_SHORT_CHARS, TOO_LONG_CHARS = "too_short_chars", "too_long_chars"
TOO_FEW_WORDS, TOO_MANY_WORDS = "too_few_words", "too_many_words"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
# Hangul is written with spaces, so a Korean word is a run of syllables; Han and kana are not
_WORD = re.compile(rf"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]|[^\W_{_CJK}]+|[\uac00-\ud7a3]+")


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


class LengthFilter(Filter):
    name = "length"

    def __init__(
        self,
        min_chars: int | None = None,
        max_chars: int | None = None,
        min_words: int | None = None,
        max_words: int | None = None,
    ) -> None:
        super().__init__()
        self.min_chars, self.max_chars = min_chars, max_chars
        self.min_words, self.max_words = min_words, max_words

    def check(self, record: Record) -> Drop | None:
        text = record_content(record)
        if self.min_chars is not None and len(text) < self.min_chars:
            return Drop(TOO_SHORT_CHARS)
        if self.max_chars is not None and len(text) > self.max_chars:
            return Drop(TOO_LONG_CHARS)
        if self.min_words is not None or self.max_words is not None:
            words = count_words(text)
            if self.min_words is not None and words < self.min_words:
                return Drop(TOO_FEW_WORDS)
            if self.max_words is not None and words > self.max_words:
                return Drop(TOO_MANY_WORDS)
        return None
