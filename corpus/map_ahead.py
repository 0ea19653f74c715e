"""Map a function over items on threads, a few items ahead of the code that consumes them.

Worth it where the function lets go of the GIL (lxml parsing a document in memory, libxslt):
it then runs on the other cores while the consumer's Python makes records.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_ahead(
    function: Callable[[Item], Result], items: Iterable[Item], threads: int = 2, ahead: int = 4
) -> Iterator[Result]:
    """Yield function(item) for each item, in order, computed by `threads` threads at most
    `ahead` items ahead (so at most that many items and results are held at once).

    Items are drawn on the caller's thread. An exception the function raises is raised here,
    after the results of the items before it. Stopping early (a limit, an error downstream)
    drops the work not started and waits for the rest.
    """
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="map-ahead")
    pending: deque[Future[Result]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
