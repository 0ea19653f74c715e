"""--limit N: the first N items (citations, rows, notes, questions) that keep a record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from corpus.pipeline import PipelineStep
from corpus.records import Record


class ItemLimit(PipelineStep):
    """Counts items after language identification, the PHI gate and the filters, so that
    `--langs fr --limit 100` gives 100 items with French records, not the French records among
    the first 100 items read. An item is a run of records with one (dataset, source_id), which
    every source yields together; the step stops pulling records (and so the source stops
    reading) when the item after the Nth begins."""

    name = "limit"

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def run(
        self, data: Iterable[Record] | None, rank: int = 0, world_size: int = 1
    ) -> Iterator[Record]:
        items, current = 0, None
        for record in data or ():
            key = (record.dataset, record.source_id)
            if key != current:
                if items == self.limit:
                    self.stat_update("stopped_after_items", items)
                    return
                items, current = items + 1, key
            yield record
