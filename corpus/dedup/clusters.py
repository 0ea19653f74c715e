"""Clusters of duplicate records, held as arrays, and which record of each is kept.

A cluster keeps the record of the earliest input folder, then the smallest id: deterministic
and documented in the card. Exact clusters come from sorting the exact hashes bucket by
bucket (memory holds one bucket); near clusters are the connected components of the
verified pairs.
Memory grows with the records that are in a cluster, not with the records read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from corpus.dedup.minhash import PASS_VALUES
from corpus.dedup.records import Records
from corpus.dedup.store import Buckets


@dataclass(frozen=True)
class Cluster:
    match: str  # exact or near
    kept: int
    dropped: list[int]
    similarity: float


@dataclass(frozen=True)
class Clusters:
    match: np.ndarray  # per cluster
    kept: np.ndarray  # per cluster: the record number kept
    ends: np.ndarray  # per cluster: where its dropped records end in `dropped`
    dropped: np.ndarray  # record numbers, cluster after cluster
    similarity: np.ndarray  # per cluster: the best pair's (1 for exact copies)

    @classmethod
    def empty(cls) -> Clusters:
        nothing = np.empty(0, np.int64)
        return cls(np.empty(0, str), nothing, nothing, nothing, np.empty(0))

    def __len__(self) -> int:
        return len(self.kept)

    def __iter__(self) -> Iterator[Cluster]:
        for i, start in enumerate((self.ends - self.sizes()).tolist()):
            dropped = self.dropped[start : self.ends[i]].tolist()
            yield Cluster(str(self.match[i]), int(self.kept[i]), dropped, float(self.similarity[i]))

    def sizes(self) -> np.ndarray:
        return np.diff(np.r_[0, self.ends])

    def __add__(self, other: Clusters) -> Clusters:
        return Clusters(
            np.concatenate([self.match, other.match]),
            np.concatenate([self.kept, other.kept]),
            np.concatenate([self.ends, other.ends + (self.ends[-1] if len(self) else 0)]),
            np.concatenate([self.dropped, other.dropped]),
            np.concatenate([self.similarity, other.similarity]),
        )

    def ordered(self, records: Records) -> Clusters:
        """By match, then kept id: the same order whatever the order records were read in."""
        order = np.lexsort((records.column("id", self.kept), self.match))
        sizes = self.sizes()
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        owner = np.repeat(np.arange(len(self)), sizes)
        dropped = self.dropped[np.argsort(rank[owner], kind="stable")]
        return Clusters(
            self.match[order], self.kept[order], np.cumsum(sizes[order]), dropped,
            self.similarity[order],
        )  # fmt: skip


def from_groups(
    records: Records, numbers: np.ndarray, groups: np.ndarray, similarity: np.ndarray, match: str
) -> Clusters:
    """Clusters from record numbers and their group (0..G-1, every group of two or more);
    `similarity` per group."""
    if not numbers.size:
        return Clusters.empty()
    order = np.lexsort((records.column("id", numbers), records.folders(numbers), groups))
    numbers, groups = numbers[order], groups[order]
    first = np.r_[True, groups[1:] != groups[:-1]]
    return Clusters(
        np.full(int(first.sum()), match),
        numbers[first],
        np.cumsum(np.bincount(groups, minlength=groups[-1] + 1) - 1),
        numbers[~first],
        similarity,
    )


def exact_clusters(records: Records) -> Clusters:
    """Records of one exact hash. (hash, record number) rows go to bucket files by hash range;
    each bucket is sorted on its own."""
    total = len(records.exact)
    buckets = Buckets(Buckets.needed(total * 3, PASS_VALUES), 3, records.work)
    numbers, groups = [], []
    count = 0
    try:
        step = PASS_VALUES // 3
        for start in range(0, total, step):
            hashes = records.exact.read(start, min(total, start + step))
            own = np.arange(start, start + len(hashes), dtype=np.uint64)
            buckets.add(np.column_stack([hashes, own]))
        for rows in buckets:
            if not len(rows):
                continue
            rows = rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))]
            same = (rows[1:, 0] == rows[:-1, 0]) & (rows[1:, 1] == rows[:-1, 1])
            starts = np.r_[True, ~same]
            label = np.cumsum(starts) - 1
            size = np.bincount(label)
            shared = size[label] > 1
            if not shared.any():
                continue
            _, group = np.unique(label[shared], return_inverse=True)
            numbers.append(rows[shared, 2].astype(np.int64))
            groups.append(count + group)
            count += int(group.max()) + 1
    finally:
        buckets.close()
    if not count:
        return Clusters.empty()
    return from_groups(
        records, np.concatenate(numbers), np.concatenate(groups), np.ones(count), "exact"
    )


def components(count: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of a graph on 0..count-1: each node's label is the smallest node of
    its component. Labels spread along edges by minimum, then jump to their label's label
    until settled; vectorized, a few passes over the edges for clusters of any shape."""
    label = np.arange(count)
    while True:
        low = np.minimum(label[edges[:, 0]], label[edges[:, 1]])
        spread = label.copy()
        np.minimum.at(spread, edges[:, 0], low)
        np.minimum.at(spread, edges[:, 1], low)
        while not np.array_equal(jumped := spread[spread], spread):
            spread = jumped
        if np.array_equal(spread, label):
            return label
        label = spread


def pair_clusters(records: Records, pairs: np.ndarray, scores: np.ndarray) -> Clusters:
    """Connected components of the duplicate pairs (record numbers); only records in a pair
    take memory."""
    if not len(pairs):
        return Clusters.empty()
    members, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape)
    _, groups = np.unique(components(len(members), local), return_inverse=True)
    best = np.zeros(groups.max() + 1)
    np.maximum.at(best, groups[local[:, 0]], scores)
    return from_groups(records, members, groups, best, "near")
