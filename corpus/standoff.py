"""Offsets into a text that has been edited (PHI redacted, spaces removed): standoff
annotations such as brat entities keep pointing at what they annotated."""

from __future__ import annotations

from typing import Any

# (start, end, new length) of each replaced span of the old text, in order
Edits = list[tuple[int, int, int]]


def remap(position: int, edits: Edits, is_end: bool) -> int:
    """A character offset of the old text in the new one; inside a replaced span, the
    replacement's start (for a start) or end (for an end)."""
    delta = 0
    for start, end, new_len in edits:
        if position >= end:
            delta += new_len - (end - start)
        elif position > start or (is_end and position == end):
            return start + delta + (new_len if is_end else 0)
        else:
            break
    return position + delta


def remap_entities(entities: list[dict[str, Any]], text: str, edits: Edits) -> None:
    """Entities (`spans`, `text`) moved onto the edited `text`, each one's text equal to what
    its spans cover there (parts of a discontinuous one joined by a space, as brat does)."""
    for entity in entities:
        spans = [(remap(s, edits, False), remap(e, edits, True)) for s, e in entity["spans"]]
        entity["spans"] = [list(span) for span in spans]
        entity["text"] = " ".join(text[s:e] for s, e in spans)
