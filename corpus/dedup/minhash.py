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

from corpus.dedup.store import SetStore

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


PASS_VALUES = 1 << 23  # shingles counted per pass over the store (about 64 MB of uint64)


@dataclass(frozen=True)
class DocumentFrequency:
    """The shingles more than `rare_df` documents hold, sorted, with their counts. Shingles
    held by one or two documents (most of them) are not kept: they are a document's own."""

    values: np.ndarray
    counts: np.ndarray
    rare_df: int

    @classmethod
    def of(cls, store: SetStore, index: np.ndarray, rare_df: int) -> DocumentFrequency:
        """Counted in passes over ranges of the hash space, so memory holds one range's
        shingles at a time, however large the store."""
        offsets = store.offsets
        total = int((offsets[index + 1] - offsets[index]).sum())
        passes = max(1, -(-total // PASS_VALUES))
        values, counts = [], []
        for part in range(passes):
            picked = []
            for chunk in store.chunks(index, 1 << 20):
                flat = gather(store, chunk)
                if passes > 1:
                    flat = flat[flat % np.uint64(passes) == np.uint64(part)]
                picked.append(flat)
            found, found_counts = np.unique(np.concatenate(picked), return_counts=True)
            keep = found_counts > rare_df
            values.append(found[keep])
            counts.append(found_counts[keep])
        merged = np.concatenate(values)
        order = np.argsort(merged, kind="stable")
        return cls(merged[order], np.concatenate(counts)[order], rare_df)

    def common(self, options: MinHashOptions, documents: int) -> np.ndarray:
        """Shingles above max_df (none for small corpora): a template's, a boilerplate's."""
        if documents < options.min_df_documents:
            return np.empty(0, np.uint64)
        return self.values[self.counts > options.max_df * documents]

    def own(self, shingles: np.ndarray) -> np.ndarray:
        """The shingles few other documents hold: what makes this document itself."""
        if not self.values.size:
            return shingles
        return shingles[~contains(self.values, shingles)]


def gather(store: SetStore, indexes: np.ndarray) -> np.ndarray:
    """The sets of `indexes`, end to end."""
    values, offsets = store.values(), store.offsets
    if indexes.size and np.all(np.diff(indexes) == 1):  # a contiguous run: one slice
        return np.asarray(values[offsets[indexes[0]] : offsets[indexes[-1] + 1]])
    parts = [values[offsets[i] : offsets[i + 1]] for i in indexes]
    return np.concatenate(parts) if parts else np.empty(0, np.uint64)


def agreement(a: np.ndarray, b: np.ndarray, df: DocumentFrequency) -> float:
    """How much of each one's own shingles the other holds (the smaller share). Two concepts
    from one template share their family's shingles but not their own terms: low. An edited
    copy keeps most of them: high. A document with none of its own (made of parts many others
    share) cannot be told from its family: 0, so only an exact copy removes it."""
    shares = []
    for this, other in ((a, b), (b, a)):
        own = df.own(this)
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


def without(values: np.ndarray, common: np.ndarray) -> np.ndarray:
    """A set without the common shingles."""
    return values[~contains(common, values)] if common.size and values.size else values


def band_keys(
    store: SetStore, index: np.ndarray, common: np.ndarray, options: MinHashOptions
) -> np.ndarray:
    """(documents, bands) uint64: one key per LSH band, the xor-fold of the band's rows of the
    MinHash signature (rows mixed by position). The signature itself (permutations x 8 bytes
    per document) lives only for a chunk of documents at a time. A document left with fewer
    than `min_shingles` shingles gets EMPTY keys: it matches nothing (two short template
    answers sharing one of their two own shingles are not near duplicates)."""
    a, b = parameters(options)
    rows = options.rows
    weights = np.tile(np.arange(1, rows + 1, dtype=np.uint64), options.bands)
    keys = np.full((len(index), options.bands), EMPTY, dtype=np.uint64)
    done = 0
    for chunk in store.chunks(index, CHUNK):
        flat = gather(store, chunk)
        offsets = store.offsets
        sizes = offsets[chunk + 1] - offsets[chunk]
        if common.size:
            keep = ~contains(common, flat)
            owner = np.repeat(np.arange(len(chunk)), sizes)
            flat, sizes = flat[keep], np.bincount(owner[keep], minlength=len(chunk))
        live = sizes >= max(1, options.min_shingles)
        if live.any():
            owner = np.repeat(np.arange(len(chunk)), sizes)
            flat = flat[live[owner]]
            starts = np.r_[0, np.cumsum(sizes[live])[:-1]]
            # (a * x + b) mod p in uint64: x reduced mod p first, products wrap as datatrove's
            with np.errstate(over="ignore"):
                hashed = (np.outer(flat % MERSENNE, a) + b) % MERSENNE
                signature = np.minimum.reduceat(hashed, starts, axis=0) * weights
            bands = np.arange(0, options.permutations, rows)
            keys[done + np.flatnonzero(live)] = np.bitwise_xor.reduceat(signature, bands, axis=1)
        done += len(chunk)
    return keys


CHUNK = 1 << 15  # shingles hashed at once: CHUNK x permutations uint64 values (32 MB at 128)


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """(i, j) pairs, i < j, sharing at least one band key; documents without shingles never
    pair. In each band's bucket every member is paired with the bucket's first: enough for
    union-find, linear in the bucket's size, and vectorized (no Python loop over buckets)."""
    live = np.flatnonzero(keys[:, 0] != EMPTY) if keys.size else np.empty(0, np.int64)
    pairs = []
    for band in range(keys.shape[1]):
        key = keys[live, band]
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
    return score >= options.sure or agreement(a, b, df) >= options.agreement


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Of two sorted sets of distinct values."""
    shared = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - shared
    return shared / union if union else 0.0


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
