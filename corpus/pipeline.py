"""Steps are generators over records (datatrove's contract), each counting what it does."""

from __future__ import annotations

from abc import ABC, abstractmethod
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

from corpus.records import Record


class PipelineStep(ABC):
    """One stage: `run(data, rank, world_size)` yields records; counts go to `self.stats`.

    Keeping datatrove's signature means a build can later be sharded onto its executors
    without rewriting the steps.
    """

    name: str = "step"

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()

    def stat_update(self, key: str, value: int = 1) -> None:
        self.stats[key] += value

    @abstractmethod
    def run(
        self, data: Iterable[Record] | None, rank: int = 0, world_size: int = 1
    ) -> Iterator[Record]:
        """Consume `data` (None for a reader) and yield what the next step should see."""


def shard_bounds(count: int, rank: int, world_size: int) -> tuple[int, int]:
    """[start, stop) of rank's contiguous block when `count` items are split `world_size` ways."""
    return count * rank // world_size, count * (rank + 1) // world_size


def weighted_bounds(weights: Sequence[int], rank: int, world_size: int) -> tuple[int, int]:
    """[start, stop) of rank's contiguous block when items of these weights (the work each
    makes) are split `world_size` ways: blocks of equal count are not equal work where items
    differ (HPO's older terms make a fifth more records than its newer ones), and the slowest
    rank sets a build's time. Still contiguous, so the ranks' records, concatenated in rank
    order, are one worker's."""
    total = sum(weights)
    if total <= 0:
        return shard_bounds(len(weights), rank, world_size)
    # rank r's block ends after the last item whose cumulative weight is within r + 1 shares
    # (compared in integers, so every rank cuts at the same place); equal weights cut where
    # `shard_bounds` does
    ends = [world_size * end for end in accumulate(weights)]
    start = bisect_right(ends, total * rank) if rank else 0
    return start, bisect_right(ends, total * (rank + 1))


def run_pipeline(steps: Sequence[PipelineStep], rank: int = 0, world_size: int = 1) -> None:
    """Chain the steps and drain the last one; the first is a reader."""
    data: Iterable[Record] | None = None
    for step in steps:
        data = step.run(data, rank, world_size)
    for _ in data or ():
        pass
