"""MinHash signatures, LSH banding and clusters, vectorized with numpy.

Signatures use datatrove's universal hashing ((a * x + b) mod 2^61 - 1, seeded). Shingles in
more than `max_df` of the documents (a template's, a boilerplate's) are left out of them, and
banding gives candidate pairs. A candidate is a duplicate when two tests pass:
- the exact Jaccard of their shingles (without the common ones) reaches the threshold, and
- each holds most of the other's *own* shingles, those at most `rare_df` documents hold.
Plain Jaccard cannot tell an edited copy of an abstract from two ontology concepts verbalized
from one template (their parent and sibling labels shared): both reach 0.5-0.9. The second
test does: an edited copy keeps the original's own words; two sibling concepts differ exactly
by theirs. A third test rejects pairs whose identifiers (codes, numbers) differ both ways.
Union-find makes clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MERSENNE = np.uint64((1 << 61) - 1)
EMPTY = np.iinfo(np.uint64).max


@dataclass(frozen=True)
class MinHashOptions:
    permutations: int = 128
    bands: int = 32
    threshold: float = 0.5  # Jaccard of the shingles left after max_df
    max_df: float = 0.01  # shingles in more than this share of documents are ignored
    rare_df: int = 2  # a shingle in at most this many documents is one of a document's own
    agreement: float = 0.5  # each of a pair must hold this share of the other's own shingles,
    sure: float = 0.8  # ...unless their Jaccard reaches this
    min_df_documents: int = 20  # ...but only once the corpus has this many documents
    min_shingles: int = 5  # fewer left after that: too little to judge, exact dedup only
    distinct_identifiers: bool = True  # each holding a code/number the other lacks: not dups
    seed: int = 1

    @property
    def rows(self) -> int:
        return self.permutations // self.bands


def parameters(options: MinHashOptions) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(options.seed)
    a = rng.randint(1, int(MERSENNE), size=options.permutations, dtype=np.uint64)
    b = rng.randint(0, int(MERSENNE), size=options.permutations, dtype=np.uint64)
    return a, b


@dataclass(frozen=True)
class DocumentFrequency:
    """Sorted distinct shingles of the corpus and how many documents hold each."""

    values: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, shingle_sets: list[np.ndarray]) -> DocumentFrequency:
        if not shingle_sets:
            return cls(np.empty(0, np.uint64), np.empty(0, np.int64))
        values, counts = np.unique(np.concatenate(shingle_sets), return_counts=True)
        return cls(values, counts)

    def common(self, options: MinHashOptions, documents: int) -> np.ndarray:
        """Shingles above max_df (none for small corpora): a template's, a boilerplate's."""
        if documents < options.min_df_documents:
            return np.empty(0, np.uint64)
        return self.values[self.counts > options.max_df * documents]

    def own(self, shingles: np.ndarray, rare_df: int) -> np.ndarray:
        """The shingles few other documents hold: what makes this document itself."""
        return shingles[self.counts[np.searchsorted(self.values, shingles)] <= rare_df]


def agreement(a: np.ndarray, b: np.ndarray, df: DocumentFrequency, rare_df: int) -> float:
    """How much of each one's own shingles the other holds (the smaller share). Two concepts
    from one template share their family's shingles but not their own terms: low. An edited
    copy keeps most of them: high. A document with none of its own (made of parts many others
    share) cannot be told from its family: 0, so only an exact copy removes it."""
    shares = []
    for this, other in ((a, b), (b, a)):
        own = df.own(this, rare_df)
        shares.append(contains(other, own).mean() if own.size and other.size else 0.0)
    return float(min(shares))


def contains(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Which queries are in a sorted array: a binary search each (np.isin sorts both)."""
    at = np.minimum(np.searchsorted(sorted_values, queries), sorted_values.size - 1)
    return sorted_values[at] == queries


def conflicting(a: np.ndarray, b: np.ndarray) -> bool:
    """Each holds an identifier (a token with a digit) the other lacks: two sibling concepts
    (M05.32, M05.33), two lab reports with other values. An edited copy loses some of the
    original's numbers (deleted, truncated) or gains some (boilerplate), not both."""
    if not (a.size and b.size):
        return False
    return not contains(b, a).all() and not contains(a, b).all()


def same_identifiers(a: np.ndarray, b: np.ndarray) -> bool:
    """They share an identifier and neither holds one the other lacks, up to deletions: the
    same concept's code, the same trial's numbers. Strong enough to stand in for the own-
    shingle agreement, which edits near the one place a record differs from its family (a
    truncated or reworded translation at the end of a verbalization) defeat."""
    if not (a.size and b.size):
        return False
    a_in_b, b_in_a = contains(b, a), contains(a, b)
    return bool(a_in_b.any()) and (a_in_b.all() or b_in_a.all())


def _flat(shingle_sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All sets end to end, and where each starts (plus the total at the end)."""
    sizes = np.fromiter((s.size for s in shingle_sets), np.int64, len(shingle_sets))
    offsets = np.zeros(len(shingle_sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    if not shingle_sets:
        return np.empty(0, np.uint64), offsets
    return np.concatenate(shingle_sets), offsets


def distinctive(shingle_sets: list[np.ndarray], common: np.ndarray) -> list[np.ndarray]:
    """Each document's shingles without the common ones (one vectorized pass)."""
    if not common.size:
        return shingle_sets
    flat, offsets = _flat(shingle_sets)
    keep = ~np.isin(flat, common)
    kept_before = np.zeros(flat.size + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    kept = flat[keep]
    bounds = kept_before[offsets]
    return [kept[bounds[i] : bounds[i + 1]] for i in range(len(shingle_sets))]


CHUNK = 1 << 15  # shingles hashed at once: CHUNK x permutations uint64 values (32 MB at 128)


def signatures(shingle_sets: list[np.ndarray], options: MinHashOptions) -> np.ndarray:
    """(documents, permutations) uint64; a document left with fewer than `min_shingles` gets
    EMPTY values (it then matches nothing: two short template answers sharing one of their
    two own shingles are not near duplicates). Documents are hashed in groups of about CHUNK
    shingles, each group's minima taken per document with `minimum.reduceat`."""
    a, b = parameters(options)
    out = np.full((len(shingle_sets), options.permutations), EMPTY, dtype=np.uint64)
    live = [i for i, s in enumerate(shingle_sets) if s.size >= options.min_shingles]
    start = 0
    while start < len(live):
        stop, total = start, 0
        while stop < len(live) and (
            stop == start or total + shingle_sets[live[stop]].size <= CHUNK
        ):
            total += shingle_sets[live[stop]].size
            stop += 1
        group = live[start:stop]
        flat, offsets = _flat([shingle_sets[i] for i in group])
        # (a * x + b) mod p in uint64: x reduced mod p first, products wrap as datatrove's do
        with np.errstate(over="ignore"):
            hashed = (np.outer(flat % MERSENNE, a) + b) % MERSENNE
        out[group] = np.minimum.reduceat(hashed, offsets[:-1], axis=0)
        start = stop
    return out


def candidate_pairs(signature: np.ndarray, options: MinHashOptions) -> np.ndarray:
    """(i, j) pairs, i < j, sharing at least one band; documents without shingles never pair.
    In each band's bucket every member is paired with the bucket's first: enough for union-
    find, linear in the bucket's size, and vectorized (no Python loop over buckets)."""
    live = np.flatnonzero(signature[:, 0] != EMPTY)
    pairs = []
    rows = options.rows
    weights = np.arange(1, rows + 1, dtype=np.uint64)
    for band in range(options.bands):
        keys = signature[live, band * rows : (band + 1) * rows]
        # one 64-bit key per band: xor-fold of the rows, mixed by position
        with np.errstate(over="ignore"):
            key = np.bitwise_xor.reduce(keys * weights, axis=1)
        order = np.argsort(key, kind="stable")
        sorted_keys = key[order]
        starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        group = np.cumsum(starts) - 1
        first = order[np.flatnonzero(starts)][group]
        follower = ~starts
        if follower.any():
            pairs.append(np.column_stack([live[first[follower]], live[order[follower]]]))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    found = np.unique(np.sort(np.concatenate(pairs), axis=1), axis=0)
    return found[found[:, 0] != found[:, 1]]


def near_duplicate(
    a: np.ndarray,
    b: np.ndarray,
    ids_a: np.ndarray,
    ids_b: np.ndarray,
    score: float,
    df: DocumentFrequency,
    options: MinHashOptions,
) -> bool:
    """The tests after Jaccard: identifiers, then own-shingle agreement where needed."""
    if options.distinct_identifiers:
        if conflicting(ids_a, ids_b):
            return False
        if same_identifiers(ids_a, ids_b):
            return True
    return score >= options.sure or agreement(a, b, df, options.rare_df) >= options.agreement


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Of two sorted sets of distinct values."""
    shared = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - shared
    return shared / union if union else 0.0


def similarity(shingle_sets: list[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard of each candidate pair (MinHash only proposed it)."""
    return np.array([jaccard(shingle_sets[a], shingle_sets[b]) for a, b in pairs], dtype=float)


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return int(root)

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)
