"""Text that a tokenizer spaced out ("poudre , conditionnée", "l ’ héparine", "( TIH )") written
back as running text, with the edits made, so that offsets into it (brat entities) follow.

Corpora such as QUAERO ship their documents tokenized; a model trained on them would learn the
spaces. Only spaces go, never another character, and only where the language's typography has
none: French keeps its space before ; : ? ! % » and after «, and a comma or period between two
numbers stays as written ("0 , 4 ml", "4 . 3 Contre-indications": a decimal, a list or a section
number, which the tokens no longer tell apart). Moses' detokenizer (sacremoses) does the
common part, but it pairs apostrophes as quotes ("l ' une … l ' acétate" came out "l 'une …
l' acétate") and gives no offsets.
"""

from __future__ import annotations

import re
from functools import cache

from corpus.standoff import Edits
from corpus.typography import spaces_before_marks

# a space before a comma or period that ends a token, but not between two numbers
_BEFORE_STOP = re.compile(r"(?<=\S)(?<!\d)( +)(?=[,.…](?:\s|$))|(?<=\d)( +)(?=[,.…](?! *\d))")
_BEFORE_CLOSING = re.compile(r"(?<=\S)( +)(?=[)\]}])")
_AFTER_OPENING = re.compile(r"(?<=[(\[{¿¡])( +)(?=\S)")
_LINE_EDGES = re.compile(r"^([ \t]+)|([ \t]+)$", re.MULTILINE)
_AROUND_SLASH = re.compile(r"(?<=\S)( +)/( +)(?=\S)")  # "mg / ml", "EMEA / H / C / 122"
# where the language sets no space before them (`corpus.typography`: all but French)
_BEFORE_MARK = re.compile(r"(?<=\S)( +)(?=[;:?!%](?:\s|$))")
# elided words ("l ’ héparine", "qu ' il", "aujourd ’ hui"): both sides of the apostrophe
_ELIDED = r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu|quelqu|aujourd)"
_FRENCH_ELISION = re.compile(rf"\b{_ELIDED}( *)['’]( *)(?=\w)", re.IGNORECASE)
# "patient ' s", "patient 's", "do n't"
_ENGLISH_CLITIC = re.compile(
    r"(?<=\w)( *)['’]( *)(?=(?:s|re|ve|ll|d|m|t)\b)|(?<=\w)( +)(?=n['’]t\b)"
)
_COMMON = (_LINE_EDGES, _BEFORE_STOP, _BEFORE_CLOSING, _AFTER_OPENING, _AROUND_SLASH)
_APOSTROPHES = {"fr": (_FRENCH_ELISION,), "en": (_ENGLISH_CLITIC,)}

# a comma, period, bracket or apostrophe standing apart from its word, and one against it
# (an apostrophe after an elided word: "l' immunologie", not "Veterans' Administration")
_DETACHED = re.compile(
    rf"\w +[,.](?=\s|$)|\( +\w|\w +\)|\b(?:\w{{1,2}}|{_ELIDED})['’] +\w|\w +['’] +\w",
    re.MULTILINE | re.IGNORECASE,
)
_ATTACHED = re.compile(r"\w[,.](?=\s|$)|\(\w|\w\)|\w['’]\w", re.MULTILINE)
TOKENIZED_RATIO = 4  # detached marks per attached one from which a text reads as tokenized


@cache
def rules(lang: str) -> tuple[re.Pattern[str], ...]:
    """The patterns whose groups are a tokenizer's spaces in `lang`."""
    marks = () if spaces_before_marks(lang) else (_BEFORE_MARK,)
    return (*_COMMON, *marks, *_APOSTROPHES.get(lang, ()))


def is_tokenized(text: str) -> bool:
    """Whether punctuation stands apart from its words far more often than not: a tokenizer's
    output ("Apport de l' immunologie"), not a writer's slip ("stade 2 ." once in a page)."""
    detached = len(_DETACHED.findall(text))
    return detached > 0 and detached >= TOKENIZED_RATIO * len(_ATTACHED.findall(text))


def detokenize(text: str, lang: str) -> tuple[str, Edits]:
    """`text` with the tokenizer's spaces removed, and each removal as an edit (start, end, 0)
    of the old text, in order."""
    removed: set[int] = set()
    for pattern in rules(lang):
        for match in pattern.finditer(text):
            for group in range(1, pattern.groups + 1):
                start, end = match.span(group)
                removed.update(range(start, end))
    if not removed:
        return text, []
    edits: Edits = []
    for position in sorted(removed):
        if edits and edits[-1][1] == position:
            edits[-1] = (edits[-1][0], position + 1, 0)
        else:
            edits.append((position, position + 1, 0))
    pieces, last = [], 0
    for start, end, _ in edits:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return "".join(pieces), edits
