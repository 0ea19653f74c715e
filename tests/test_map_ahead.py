"""map_ahead: results in order, errors after the results before them, early stops end the work."""

import threading
import time

import pytest

from corpus.map_ahead import map_ahead


def slow_square(x: int) -> int:
    time.sleep(0.001 * (x % 3))  # later items can finish first
    return x * x


def test_results_come_in_order_of_the_items():
    assert list(map_ahead(slow_square, range(50), threads=3, ahead=5)) == [x * x for x in range(50)]


def test_a_failure_is_raised_after_the_results_before_it():
    def fail_at_7(x: int) -> int:
        if x == 7:
            raise ValueError("item 7")
        return x

    got = []
    with pytest.raises(ValueError, match="item 7"):
        for result in map_ahead(fail_at_7, range(20)):
            got.append(result)
    assert got == list(range(7))


def test_items_are_drawn_on_a_thread_at_most_ahead_of_the_consumer():
    drawn, drawers = [], set()

    def items():
        for x in range(100):
            drawn.append(x)
            drawers.add(threading.current_thread().name)
            yield x

    results = map_ahead(lambda x: x, items(), threads=2, ahead=4)
    assert next(results) == 0
    time.sleep(0.2)  # the drawing thread stops once `ahead` results wait
    assert 4 <= len(drawn) <= 1 + 4 + 1  # the one consumed, those waiting, one in hand
    assert drawers == {"map-ahead-draw"}
    results.close()  # an early stop: the threads are gone once it returns
    assert not [t for t in threading.enumerate() if t.name.startswith("map-ahead")]
    assert len(drawn) <= 6


def test_a_failure_drawing_an_item_is_raised_in_its_turn():
    def items():
        yield from range(3)
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for result in map_ahead(slow_square, items()):
            got.append(result)
    assert got == [0, 1, 4]
