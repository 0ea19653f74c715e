"""Offsets into a text that has been edited (PHI redacted, spaces removed): standoff
annotations such as brat entities keep pointing at what they annotated."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any

# (start, end, new length) of each replaced span of the old text, in order, not overlapping
Edits = list[tuple[int, int, int]]


class OffsetMap:
    """Offsets of the old text in the new one, each found by a binary search: a detokenized
    document has an edit per removed space and two offsets per entity, which a walk over the
    edits for every offset made quadratic in the document's length."""

    def __init__(self, edits: Edits) -> None:
        self.edits = edits
        self.ends = [end for _, end, _ in edits]
        # the shift of an offset past the first i edits
        self.shifts = list(
            accumulate((new - (end - start) for start, end, new in edits), initial=0)
        )

    def __call__(self, position: int, is_end: bool) -> int:
        """Inside a replaced span, the replacement's start (for a start) or end (for an end)."""
        passed = bisect_right(self.ends, position)  # edits that end at or before `position`
        if passed < len(self.edits) and self.edits[passed][0] < position:
            start, _, new_len = self.edits[passed]
            return start + self.shifts[passed] + (new_len if is_end else 0)
        return position + self.shifts[passed]


def remap_entities(entities: list[dict[str, Any]], text: str, edits: Edits) -> None:
    """Entities (`spans`, `text`) moved onto the edited `text`, each one's text equal to what
    its spans cover there (parts of a discontinuous one joined by a space, as brat does)."""
    offsets = OffsetMap(edits)
    for entity in entities:
        spans = [(offsets(s, False), offsets(e, True)) for s, e in entity["spans"]]
        entity["spans"] = [list(span) for span in spans]
        entity["text"] = " ".join(text[s:e] for s, e in spans)
