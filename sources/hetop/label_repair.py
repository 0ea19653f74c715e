"""Labels and synonyms as the files should have written them: the slips of a database export.

Published terminology files carry a few values that an export damaged: Orphanet's French table
has names SQL-quoted ("'Canalopathie non ''pore loop'' due à…'"), KCD's English labels lose a
bracket ("Far Eastern tick-borne encephalitis [Russian spring-summer encephalitis") or type an
acute accent for an apostrophe ("Kaposi´s sarcoma"), and HPO's
Japanese file has a character lost to "?" ("低?正常血圧"); DOID copies SNOMED CT's names with
their semantic tag ("HELLP syndrome (disorder)"), which is no part of the name. A label is said
in many records and questions, so a slip repeats in all of them. What can be undone
unambiguously is undone; a value with a lost character cannot be, and is dropped. Each is
counted in the build's stats.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.typography import SPACED_COLON, colon_as_written, spaces_before_marks

# a "?" between two letters, or U+FFFD: a character an encoding step could not write
_LOST_CHARACTER = re.compile(r"[^\W\d_]\?[^\W\d_]|\ufffd")
# a value with any of these may need `repair`; most values have none, and are passed by
_SUSPECT = re.compile(r"[?\ufffd()\[\]\u00b4]|''|^'", re.M)
# SNOMED CT's semantic tags, which end its fully specified names: DOID copies them into 1,114
# synonyms ("HELLP syndrome (disorder)", beside the label HELLP syndrome). Only tags no name
# ends in: ICD-11 has "Natural blood (product)", where the word is part of the name
_SEMANTIC_TAG = re.compile(
    r" \((?:disorder|finding|morphologic abnormality|body structure|qualifier value|"
    r"observable entity|regime/therapy|navigational concept|situation|cell structure)\)$"
)
# an acute accent typed for an apostrophe: KCD's "Kaposi´s sarcoma", "Alzheimer´s disease"
_ACUTE_APOSTROPHE = re.compile(r"(?<=[^\W\d_])\u00b4(?=[^\W\d_])")
_CLOSER = {"(": ")", "[": "]"}
_OPENER = {close: open_ for open_, close in _CLOSER.items()}


def unquote_sql(value: str) -> str | None:
    """The text of a value SQL-escaped ('a ''b'' c' -> a 'b' c), else None. Orphanet also
    has such values with one outer quote or none (a ''b'' c'): without both, a doubled quote
    inside must show the escaping ("Parents'" is written so). Every quote inside must be
    doubled: "'Sunset' and 'dawn'" is no escaped value."""
    lead = len(value) - len(value.lstrip("'"))
    trail = len(value) - len(value.rstrip("'"))
    start, end = lead % 2, len(value) - trail % 2  # an odd run at an end holds an outer quote
    inner = value[start:end]
    if not (start and end < len(value)) and "''" not in inner:
        return None
    if "'" in inner.replace("''", ""):
        return None
    text = inner.replace("''", "'")
    return text if text.strip("' ") else None  # quotes only: nothing to unescape


def balance_brackets(value: str) -> str | None:
    """The value with its one unmatched bracket mended, else None: a "(" or "[" left open
    after the last closed pair is closed at the end, a stray ")" or "]" is removed. Two or
    more slips, or a bracket left open before others, are left as written: where the missing
    one belonged is then a guess."""
    stack: list[int] = []
    stray: list[int] = []
    for index, char in enumerate(value):
        if char in _CLOSER:
            stack.append(index)
        elif char in _OPENER:
            if stack and value[stack[-1]] == _OPENER[char]:
                stack.pop()
            else:
                stray.append(index)
    if len(stack) + len(stray) != 1:
        return None
    if stack:
        opened = stack[0]
        if any(char in _OPENER for char in value[opened:]):
            return None
        return value + _CLOSER[value[opened]]
    cut = stray[0]
    return " ".join((value[:cut] + value[cut + 1 :]).split())


def repair(value: str) -> tuple[str | None, str | None]:
    """(the value to keep or None to drop it, the repair made or None)."""
    if ("?" in value or "\ufffd" in value) and _LOST_CHARACTER.search(value):
        return None, "values_with_lost_characters_dropped"
    if "\u00b4" in value and _ACUTE_APOSTROPHE.search(value):
        return _ACUTE_APOSTROPHE.sub("’", value), "acute_accents_as_apostrophes"
    if "'" in value and (unquoted := unquote_sql(value)) is not None:
        return unquoted, "sql_escaped_values_unescaped"
    if value[-1:] == ")" and (tag := _SEMANTIC_TAG.search(value)):
        return value[: tag.start()], "snomed_semantic_tags_removed"
    unbalanced = value.count("(") != value.count(")") or value.count("[") != value.count("]")
    if unbalanced and (balanced := balance_brackets(value)) is not None:
        return balanced, "brackets_balanced"
    return value, None


def repair_texts(labels: dict[str, str], synonyms: dict[str, list[str]], stats: Counter) -> None:
    """Repair a concept's labels and synonyms in place, counting each repair in `stats`. A label
    dropped for a lost character leaves the concept unnamed in that language."""
    for lang, label in list(labels.items()):
        if (unspaced := colon_as_written(label, lang)) != label:
            label = labels[lang] = unspaced
            stats["spaces_before_colons_removed"] += 1
        if _SUSPECT.search(label):
            kept, made = repair(label)
            if made:
                stats[made] += 1
                if kept is None:
                    del labels[lang]
                else:
                    labels[lang] = kept
    for lang, values in synonyms.items():
        if not spaces_before_marks(lang) and any(SPACED_COLON in value for value in values):
            stats["spaces_before_colons_removed"] += sum(SPACED_COLON in v for v in values)
            values[:] = [colon_as_written(value, lang) for value in values]
        if not _SUSPECT.search("\n".join(values)):
            continue
        repaired: list[str] = []
        seen = {labels[lang].casefold()} if lang in labels else set()
        for value in values:
            kept, made = repair(value)
            if made:
                stats[made] += 1
            if kept is None:
                continue
            if made and kept.casefold() in seen:  # a name it repeats once repaired: HELLP syndrome
                stats["synonyms_same_once_repaired_dropped"] += 1
                continue
            seen.add(kept.casefold())
            repaired.append(kept)
        values[:] = repaired
