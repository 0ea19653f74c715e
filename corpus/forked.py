"""A build's ranks on forked processes: rank 0 here, the others in children of this process.

Forked children inherit what the parent has already done: the imported modules and the
source's `prepare` (hetop's parsed concept graph), so a rank starts in milliseconds, where a
worker of datatrove's local executor is spawned, imports everything again (~1 s) and
re-reads the graph. The price is datatrove's resumability; `--executor local` keeps it.

A child must not use polars: polars' thread pool, once started in the parent, does not survive
`fork`, and the child's first query waits on threads it does not have. Children write their
shards with pyarrow; the parent takes their stats from those files (`corpus.build`).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

Result = TypeVar("Result")


def can_fork() -> bool:
    """Linux only: macOS' system frameworks are not fork-safe, Windows has no fork."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def run_forked(run_rank: Callable[[int], Result], world_size: int) -> list[Result]:
    """`run_rank(rank)` for each rank, rank 0 in this process and the others in forked
    children, each child's result pickled back through a pipe; results in rank order.

    An exception in a child is raised here as it was raised there (an InputError keeps its
    file and line), after every child has ended; one here (Ctrl-C too) ends the children."""
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    try:
        for rank in range(1, world_size):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: no end of another child's pipe kept open
                for fd in [read] + [other for _, other in children]:
                    os.close(fd)
                _child(run_rank, rank, write)
            os.close(write)
            children.append((pid, read))
        results = [run_rank(0)]
        outcomes = []
        while children:
            outcomes.append(_collect(*children[0]))
            children.pop(0)
    finally:
        for pid, read in children:  # this process failed: stop the others, leave no zombie
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            with suppress(OSError):
                os.close(read)
    for ok, value in outcomes:
        if not ok:
            raise value
        results.append(value)
    return results


def _child(run_rank: Callable[[int], object], rank: int, pipe: int) -> None:
    """Run one rank and hand its result (or its exception) to the parent. Never returns:
    `os._exit` skips the parent's cleanup handlers (atexit, context managers up the stack)."""
    status = 0
    try:
        payload = pickle.dumps((True, run_rank(rank)))
    except BaseException as exc:  # Ctrl-C and bugs too: the parent raises them
        status = 1
        try:
            payload = pickle.dumps((False, exc))
        except Exception:  # an exception that does not pickle: its type and message
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    try:
        with os.fdopen(pipe, "wb") as out:
            out.write(payload)
    finally:
        os._exit(status)


def _collect(pid: int, pipe: int) -> tuple[bool, object]:
    """(ok, result or exception) of a child, once it has ended."""
    with os.fdopen(pipe, "rb") as data:
        payload = data.read()
    _, status = os.waitpid(pid, 0)
    if not payload:  # killed before it could answer (out of memory, a signal)
        code = os.waitstatus_to_exitcode(status)
        return False, RuntimeError(f"worker process {pid} ended without a result (exit {code})")
    return pickle.loads(payload)
