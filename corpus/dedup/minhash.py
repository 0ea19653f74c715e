"""MinHash signatures, LSH banding and clusters, vectorized with numpy.

Signatures use datatrove's universal hashing ((a * x + b) mod 2^61 - 1, seeded). Shingles in
more than `max_df` of the documents (a template's, a boilerplate's) are left out of them, and
banding gives candidate pairs. A candidate is a duplicate when two tests pass:
- the exact Jaccard of their shingles (without the common ones) reaches the threshold, or
  nearly all of the smaller's are in the larger (a cut or an appended line), and
- each holds most of the other's *own* shingles, those at most `rare_df` documents hold.
Plain Jaccard cannot tell an edited copy of an abstract from two ontology concepts verbalized
from one template (their parent and sibling labels shared): both reach 0.5-0.9. The second
test does: an edited copy keeps the original's own words; two sibling concepts differ exactly
by theirs. A third test rejects pairs whose identifiers (codes, numbers) differ both ways.
Clusters are made in clusters.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from corpus.dedup.store import Buckets, SetStore

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
    contained: float = 0.95  # below the threshold, one held within the other is enough...
    contained_floor: float = 0.35  # ...if their Jaccard reaches this...
    contained_min: int = 10  # ...and the smaller holds this many shingles
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


PASS_VALUES = 1 << 20  # values in a bucket, sorted at once (8 MB of uint64)
CHUNK_VALUES = 1 << 20  # values read from a store at once (8 MB)


@dataclass(frozen=True)
class DocumentFrequency:
    """The shingles more than `rare_df` documents hold, sorted, with their counts. Shingles
    held by one or two documents (most of them) are not kept: they are a document's own."""

    values: np.ndarray
    counts: np.ndarray
    rare_df: int

    @classmethod
    def of(cls, store: SetStore, alive: np.ndarray, rare_df: int) -> DocumentFrequency:
        """Each chunk of the store counted, the counts split by hash range into bucket files,
        each bucket summed on its own: memory holds a chunk or a bucket, however large the
        store."""
        buckets = Buckets(Buckets.needed(store.total * 2, PASS_VALUES), 2, store.folder)
        try:
            for start, stop in store.ranges(CHUNK_VALUES):
                flat, sizes = store.read(start, stop)
                found, counts = np.unique(
                    flat[np.repeat(alive[start:stop], sizes)], return_counts=True
                )
                buckets.add(np.column_stack([found, counts.astype(np.uint64)]))
            values, counts = [], []
            for rows in buckets:
                found, inverse = np.unique(rows[:, 0], return_inverse=True)
                summed = np.bincount(inverse, rows[:, 1].astype(np.float64)).astype(np.int64)
                keep = summed > rare_df
                values.append(found[keep])
                counts.append(summed[keep])
        finally:
            buckets.close()
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
    flat: np.ndarray, sizes: np.ndarray, common: np.ndarray, options: MinHashOptions
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, keys): for the documents of a chunk left with at least `min_shingles`
    shingles once the common ones are out, one key per LSH band, the xor-fold of the band's
    rows of the MinHash signature (rows mixed by position). Shingles are hashed CHUNK at a
    time, whatever the documents' lengths. A document left with fewer shingles matches
    nothing (two short template answers sharing one of their two own shingles are not near
    duplicates)."""
    if common.size and flat.size:
        keep = ~contains(common, flat)
        owner = np.repeat(np.arange(len(sizes)), sizes)
        flat, sizes = flat[keep], np.bincount(owner[keep], minlength=len(sizes))
    enough = sizes >= max(1, options.min_shingles)
    live = np.flatnonzero(enough)
    if not live.size:
        return live, np.empty((0, options.bands), np.uint64)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    picked = enough[owner]
    flat, owner = flat[picked], (np.cumsum(enough) - 1)[owner[picked]]
    a, b = parameters(options)
    signature = np.full((live.size, options.permutations), EMPTY, np.uint64)
    for start in range(0, flat.size, CHUNK):
        part, owners = flat[start : start + CHUNK], owner[start : start + CHUNK]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        # (a * x + b) mod p in uint64: x reduced mod p first, products wrap as datatrove's
        with np.errstate(over="ignore"):
            hashed = (np.outer(part % MERSENNE, a) + b) % MERSENNE
        documents = owners[firsts]
        signature[documents] = np.minimum(
            signature[documents], np.minimum.reduceat(hashed, firsts, axis=0)
        )
    weights = np.tile(np.arange(1, options.rows + 1, dtype=np.uint64), options.bands)
    with np.errstate(over="ignore"):
        signature *= weights
    bands = np.arange(0, options.permutations, options.rows)
    return live, np.bitwise_xor.reduceat(signature, bands, axis=1)


CHUNK = 1 << 13  # shingles hashed at once: CHUNK x permutations uint64 values (8 MB at 128)
BAND_SALT = np.uint64(0x9E3779B97F4A7C15)  # keeps equal keys of different bands apart


def candidate_pairs(
    store: SetStore, alive: np.ndarray, common: np.ndarray, options: MinHashOptions
) -> Iterator[np.ndarray]:
    """Batches of (i, j) record numbers, i < j, sharing at least one band key; each pair once,
    each batch sorted. Band keys (tagged with their band) go to bucket files by key range as
    the store is read; each bucket is sorted alone, and in each run of equal keys every member
    is paired with the first (the smallest record number): enough for the components, linear in
    the run's length, vectorized. The pairs go to bucket files of their own by pair value, so
    that the same pair from several bands meets itself in one bucket: memory holds a chunk
    or a bucket, never every candidate."""
    if len(store) >= 1 << 32:
        raise ValueError("more than 2^32 records in one dedup")
    count = Buckets.needed(int(alive.sum()) * options.bands * 2, PASS_VALUES)
    keys, pairs = Buckets(count, 2, store.folder), Buckets(count, 1, store.folder)
    salts = BAND_SALT * np.arange(options.bands, dtype=np.uint64)
    try:
        for start, stop in store.ranges(CHUNK_VALUES):
            flat, sizes = store.read(start, stop)
            mask = alive[start:stop]
            flat, sizes = flat[np.repeat(mask, sizes)], np.where(mask, sizes, 0)
            positions, band = band_keys(flat, sizes, common, options)
            numbers = (start + positions).astype(np.uint64)
            with np.errstate(over="ignore"):
                tagged = (band + salts).ravel()
            keys.add(np.column_stack([tagged, np.repeat(numbers, options.bands)]))
        for rows in keys:
            if not len(rows):
                continue
            rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
            starts = np.r_[True, rows[1:, 0] != rows[:-1, 0]]
            first = rows[np.flatnonzero(starts), 1][np.cumsum(starts) - 1]
            follower = ~starts & (rows[:, 1] != first)
            found = np.unique((first[follower] << np.uint64(32)) | rows[follower, 1])
            pairs.add(found.reshape(-1, 1))
        keys.close()
        for rows in pairs:
            found = np.unique(rows[:, 0])
            if found.size:
                yield np.column_stack(
                    [found >> np.uint64(32), found & np.uint64(0xFFFFFFFF)]
                ).astype(np.int64)
    finally:
        keys.close()
        pairs.close()


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


def similar_enough(a: np.ndarray, b: np.ndarray, score: float, options: MinHashOptions) -> bool:
    """Jaccard (`score`, of the shingles left after the common ones) reaches the threshold, or
    one is almost wholly inside the other: a short record cut at 80% or given a line of
    boilerplate keeps all its shingles but loses half its Jaccard (measured on the quality
    benchmark's Korean KCD verbalizations: 15-80 shingles each)."""
    if score >= options.threshold:
        return True
    smaller = min(a.size, b.size)
    if score < options.contained_floor or smaller < options.contained_min:
        return False
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared >= options.contained * smaller


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Of two sorted sets of distinct values."""
    shared = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - shared
    return shared / union if union else 0.0
