"""Map a function over items on threads, a few items ahead of the code that consumes them.

Worth it where the work lets go of the GIL (lxml parsing a document in memory, libxslt, zlib
inflating a gzip stream): it then runs on the other cores while the consumer's Python makes
records.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_ahead(
    function: Callable[[Item], Result], items: Iterable[Item], threads: int = 2, ahead: int = 3
) -> Iterator[Result]:
    """Yield function(item) for each item, in order, computed by `threads` threads at most
    `ahead` items ahead (so at most that many items and results, and one more item, are held).

    Items are drawn on a thread of their own (reading and decompressing them overlaps the rest
    too). An exception raised drawing an item or by the function is raised here, after the
    results of the items before it. Stopping early (a limit, an error downstream) stops the
    drawing, drops the work not started and waits for the rest.
    """
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="map-ahead")
    futures: queue.Queue[Future[Result] | None] = queue.Queue(ahead)
    stop = threading.Event()

    def hand_over(future: Future[Result] | None) -> bool:
        while not stop.is_set():
            try:
                futures.put(future, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def draw() -> None:
        try:
            for item in items:
                if not hand_over(pool.submit(function, item)):
                    return
        except BaseException as exc:  # raised to the consumer, in its turn
            failed: Future[Result] = Future()
            failed.set_exception(exc)
            hand_over(failed)
            return
        hand_over(None)

    drawer = threading.Thread(target=draw, name="map-ahead-draw", daemon=True)
    drawer.start()
    try:
        while (future := futures.get()) is not None:
            yield future.result()
    finally:
        stop.set()
        drawer.join()
        pool.shutdown(wait=True, cancel_futures=True)
