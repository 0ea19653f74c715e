"""Normalized text and its shingles, right for every script.

Normalization keeps text NFC (NFD/NFKD would split Hangul syllables into jamo), case-folds and
collapses whitespace; punctuation is dropped for shingling only. Korean is split into
morphemes by kiwipiepy (a space-delimited eojeol glues a word to its particles: 장감염은,
장감염이), Japanese and Chinese into characters (no spaces); n-grams of those units, and of
words in other languages. Shingles are 64-bit xxhash values (stable across processes, unlike
Python's `hash`).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np
import regex
import xxhash

CHARACTER_LANGS = frozenset({"ja", "zh"})
WORD_NGRAM = 3
CHAR_NGRAM = 4
_SPACE = regex.compile(r"\s+")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
# a token holding a digit, inner punctuation kept: M05.32, HP:0001250, 2016, 5mg, 10-20
# (Latin letters only: a Korean particle glued to a code, M05.32은, is not part of it)
_IDENTIFIER = regex.compile(r"[\p{Latin}\p{N}]*\p{N}(?:[.:/_-]?[\p{Latin}\p{N}])*")


def normalize(text: str) -> str:
    """What exact dedup compares: NFC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def _mostly(pattern: regex.Pattern, text: str) -> bool:
    sample = text[:400]
    return bool(sample) and len(pattern.findall(sample)) > len(sample) / 3


def uses_characters(text: str, lang: str) -> bool:
    """Character n-grams for Japanese and Chinese, and for text mostly in their scripts."""
    return lang in CHARACTER_LANGS or _mostly(_CJK, text)


@cache
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


def units(text: str, lang: str) -> tuple[list[str], int]:
    """The units n-grams are made of, and n."""
    normal = normalize(text)
    if lang == "ko" or _mostly(_HANGUL, text):
        forms = [t.form for t in _kiwi().tokenize(normal)]
        return [f for f in forms if _WORD.fullmatch(f)], WORD_NGRAM
    words = _WORD.findall(normal)
    if uses_characters(text, lang):
        return list("".join(words)), CHAR_NGRAM
    return words, WORD_NGRAM


def shingles(text: str, lang: str) -> np.ndarray:
    """Distinct hashed n-grams of a normalized text (uint64, sorted)."""
    items, n = units(text, lang)
    grams = [" ".join(items[i : i + n]) for i in range(max(1, len(items) - n + 1))]
    grams = [g for g in grams if g]
    hashes = (xxhash.xxh64_intdigest(g.encode()) for g in grams)
    return np.unique(np.fromiter(hashes, np.uint64, len(grams)))


def identifiers(text: str) -> np.ndarray:
    """Sorted distinct hashes of the tokens that hold a digit: codes, doses, dates, counts.
    Two records that each hold one the other lacks name different things (sibling concepts
    M05.32 and M05.33 in one template), however alike the rest of their words."""
    found = {xxhash.xxh64_intdigest(t) for t in _IDENTIFIER.findall(normalize(text))}
    return np.array(sorted(found), dtype=np.uint64)
