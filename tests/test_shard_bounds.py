"""Ranks' shares of a source's items: contiguous, covering, and balanced by work."""

import random
from itertools import pairwise

import pytest
from corpus.sources import InputFile, SourceOptions, get_source

from corpus.pipeline import shard_bounds, weighted_bounds
from tests.conftest import ONTOLOGY


def blocks(weights: list[int], world_size: int) -> list[tuple[int, int]]:
    return [weighted_bounds(weights, rank, world_size) for rank in range(world_size)]


@pytest.mark.parametrize("world_size", [1, 2, 3, 7, 40])
def test_weighted_blocks_are_contiguous_and_cover_every_item_once(world_size):
    rng = random.Random(world_size)
    for weights in ([rng.randrange(0, 50) for _ in range(30)], [0] * 5, [0, 0, 3, 0], [], [9]):
        found = blocks(weights, world_size)
        assert found[0][0] == 0 and found[-1][1] == len(weights)
        for (_, stop), (start, _) in pairwise(found):
            assert stop == start  # rank r ends where rank r + 1 starts
        assert all(start <= stop for start, stop in found)


def test_weighted_blocks_hold_about_equal_work():
    rng = random.Random(0)
    weights = sorted((rng.randrange(1, 100) for _ in range(1000)), reverse=True)  # heavy first
    for world_size in (2, 3, 8):
        shares = [sum(weights[start:stop]) for start, stop in blocks(weights, world_size)]
        # off by at most one item from an equal share; by count, rank 0 holds far more
        assert max(shares) - sum(weights) / world_size <= max(weights)
        by_count = [sum(weights[slice(*shard_bounds(1000, r, world_size))]) for r in range(2)]
        assert by_count[0] - sum(weights) / world_size > 10 * max(weights)


def test_equal_weights_cut_where_equal_counts_do():
    for count in (1, 9, 10, 101):
        for world_size in (1, 2, 3, 4):
            assert blocks([1] * count, world_size) == [
                shard_bounds(count, rank, world_size) for rank in range(world_size)
            ]


def test_hetop_ranks_make_about_as_many_records_each():
    """HPO's older terms (the file's first half) make a fifth more records than its newer
    ones: split by concept count, rank 0 of 2 made 11,901 records and rank 1 9,543."""
    path = ONTOLOGY / "hp_sample.obo"
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    made = [sum(1 for _ in source.run(None, rank, 2)) for rank in range(2)]
    assert abs(made[0] - made[1]) < 0.05 * sum(made)
    alone = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    assert sum(made) == sum(1 for _ in alone.run(None, 0, 1))
