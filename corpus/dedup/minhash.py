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
        shares.append(np.isin(own, other, assume_unique=True).mean() if own.size else 0.0)
    return float(min(shares))


def conflicting(a: np.ndarray, b: np.ndarray) -> bool:
    """Each holds an identifier (a token with a digit) the other lacks: two sibling concepts
    (M05.32, M05.33), two lab reports with other values. An edited copy loses some of the
    original's numbers (deleted, truncated) or gains some (boilerplate), not both."""
    return bool(np.setdiff1d(a, b).size and np.setdiff1d(b, a).size)


def same_identifiers(a: np.ndarray, b: np.ndarray) -> bool:
    """They share an identifier and neither holds one the other lacks, up to deletions: the
    same concept's code, the same trial's numbers. Strong enough to stand in for the own-
    shingle agreement, which edits near the one place a record differs from its family (a
    truncated or reworded translation at the end of a verbalization) defeat."""
    return bool(np.intersect1d(a, b, assume_unique=True).size) and not conflicting(a, b)


def distinctive(shingle_sets: list[np.ndarray], common: np.ndarray) -> list[np.ndarray]:
    """Each document's shingles without the common ones."""
    if not common.size:
        return shingle_sets
    return [s[~np.isin(s, common, assume_unique=True)] for s in shingle_sets]


def signatures(shingle_sets: list[np.ndarray], options: MinHashOptions) -> np.ndarray:
    """(documents, permutations) uint64; a document left with fewer than `min_shingles` gets
    EMPTY values (it then matches nothing: two short template answers sharing one of their
    two own shingles are not near duplicates)."""
    a, b = parameters(options)
    out = np.full((len(shingle_sets), options.permutations), EMPTY, dtype=np.uint64)
    for i, kept in enumerate(shingle_sets):
        if kept.size >= options.min_shingles:
            # (a * x + b) mod p in uint64: x reduced mod p first, products wrap as datatrove's do
            hashed = (np.outer(kept % MERSENNE, a) + b) % MERSENNE
            out[i] = hashed.min(axis=0)
    return out


def candidate_pairs(signature: np.ndarray, options: MinHashOptions) -> np.ndarray:
    """(i, j) pairs, i < j, sharing at least one band; documents without shingles never pair."""
    n = signature.shape[0]
    live = signature[:, 0] != EMPTY
    pairs = []
    rows = options.rows
    for band in range(options.bands):
        keys = signature[:, band * rows : (band + 1) * rows]
        # one 64-bit key per band: xor-fold of the rows, mixed by position
        key = np.bitwise_xor.reduce(keys * np.arange(1, rows + 1, dtype=np.uint64), axis=1)
        index = np.flatnonzero(live)
        order = index[np.argsort(key[index], kind="stable")]
        sorted_keys = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for start, end in zip(starts, ends, strict=True):
            if end - start > 1:
                members = order[start:end]
                first = members[0]
                # pair each member with the first: enough for union-find, linear in bucket size
                pairs.append(np.column_stack([np.full(end - start - 1, first), members[1:]]))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    found = np.unique(np.sort(np.concatenate(pairs), axis=1), axis=0)
    return found[found[:, 0] != found[:, 1]] if n else found


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
    union = np.union1d(a, b).size
    return np.intersect1d(a, b, assume_unique=True).size / union if union else 0.0


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
