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

import ctypes
import os
import pickle
import selectors
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

Result = TypeVar("Result")
Progress = Callable[[int], None]  # records made since the last call
PR_SET_PDEATHSIG = 1  # from linux/prctl.h
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # held while children are forked
PROGRESS, RESULT = b"P", b"R"  # what a child writes to its pipe: P + count (8 bytes), R + pickle


def can_fork() -> bool:
    """Linux only: macOS' system frameworks are not fork-safe, Windows has no fork."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def run_forked(
    run_rank: Callable[[int, Progress | None], Result],
    world_size: int,
    progress: Progress | None = None,
) -> list[Result]:
    """`run_rank(rank, progress)` for each rank, rank 0 in this process and the others in
    forked children; results in rank order. A child's progress and its pickled result come
    back through a pipe, read by a thread here that passes the progress on as it comes.

    An exception in a child is raised here as it was raised there (an InputError keeps its
    file and line), after every child has ended; one here (Ctrl-C too) ends the children."""
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    listener: _Listener | None = None
    parent = os.getpid()
    try:
        # Ctrl-C or SIGTERM held until the read ends are the listener's: one arriving after
        # it started and before `listener` was set had them closed twice, the second time
        # closing a number the cleanup's rmtree had just opened (EBADF, exit 1)
        with _signals_held() as previous:
            for rank in range(1, world_size):
                read, write = os.pipe()
                try:
                    pid = os.fork()
                except OSError:  # out of processes or memory: no child for this pipe
                    os.close(read)
                    os.close(write)
                    raise
                if pid == 0:  # the child: no end of another child's pipe kept open
                    for signum, handler in previous.items():
                        signal.signal(signum, handler)
                    for fd in [read] + [other for _, other in children]:
                        os.close(fd)
                    _die_with(parent)
                    _child(run_rank, rank, write, progress is not None)
                os.close(write)
                children.append((pid, read))
            listener = _Listener([read for _, read in children], progress)
        results = [run_rank(0, progress)]
        listener.join()  # every child has closed its pipe
        outcomes = []
        while children:
            pid, read = children.pop(0)
            outcomes.append(_outcome(pid, listener.results[read]))
    finally:
        for pid, read in children:  # this process failed: stop the others, leave no zombie
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            if listener is None:
                with suppress(OSError):
                    os.close(read)
        if listener is not None:
            listener.join()  # their pipes closed with them
    for ok, value in outcomes:
        if not ok:
            raise value
        results.append(value)
    return results


@contextmanager
def _signals_held() -> Iterator[dict[int, Any]]:
    """Ctrl-C and SIGTERM raised when the block ends, not inside it; yields the handlers
    they had. Blocking them (pthread_sigmask) is not enough: the signal goes to a thread that
    does not block it (rich's progress refresh), and Python raises it in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield {}  # only the main thread sets handlers, and only it gets KeyboardInterrupt
        return
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in HELD_SIGNALS}
    for signum in HELD_SIGNALS:
        signal.signal(signum, lambda signum, _frame: received.append(signum))
    try:
        yield previous
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signal.raise_signal(received[0])  # to the handler it had: KeyboardInterrupt, …


def _die_with(parent: int) -> None:
    """A child killed with its parent (SIGTERM, OOM killer) would run its rank to the end
    for nothing: Linux kills it then (prctl PR_SET_PDEATHSIG)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call
        os._exit(1)


def _child(run_rank: Callable, rank: int, pipe: int, with_progress: bool) -> None:
    """Run one rank and hand its progress, then its result (or its exception), to the parent.
    Never returns: `os._exit` skips the parent's cleanup handlers (atexit, context managers
    up the stack)."""

    def progress(count: int) -> None:  # 9 bytes: one atomic write to a pipe
        os.write(pipe, PROGRESS + count.to_bytes(8, "little"))

    status = 0
    try:
        payload = pickle.dumps((True, run_rank(rank, progress if with_progress else None)))
    except BaseException as exc:  # Ctrl-C and bugs too: the parent raises them
        status = 1
        try:
            payload = pickle.dumps((False, exc))
        except Exception:  # an exception that does not pickle: its type and message
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    try:
        with os.fdopen(pipe, "wb") as out:
            out.write(RESULT + payload)
    finally:
        os._exit(status)


class _Listener(threading.Thread):
    """Reads the children's pipes until each closes: progress frames are passed on as they
    come, what follows RESULT is the child's result. Never stops draining (a child blocked on
    a full pipe would never end): a failing progress callback is dropped, not raised."""

    def __init__(self, pipes: list[int], progress: Progress | None) -> None:
        super().__init__(name="forked-ranks", daemon=True)
        self.pipes = pipes
        self.progress = progress
        self.results: dict[int, bytes] = {}
        self.start()

    def run(self) -> None:
        buffers = {fd: bytearray() for fd in self.pipes}
        with selectors.DefaultSelector() as selector:
            for fd in self.pipes:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                for key, _ in selector.select():
                    chunk = os.read(key.fd, 1 << 16)
                    buffer = buffers[key.fd]
                    if chunk:
                        buffer += chunk
                        self._pass_progress(buffer)
                        continue
                    selector.unregister(key.fd)
                    os.close(key.fd)
                    self.results[key.fd] = bytes(buffer[1:]) if buffer[:1] == RESULT else b""

    def _pass_progress(self, buffer: bytearray) -> None:
        while buffer[:1] == PROGRESS and len(buffer) >= 9:
            count = int.from_bytes(buffer[1:9], "little")
            del buffer[:9]
            if self.progress is not None:
                try:
                    self.progress(count)
                except Exception:
                    self.progress = None


def _outcome(pid: int, payload: bytes) -> tuple[bool, object]:
    """(ok, result or exception) of a child, once it has ended."""
    _, status = os.waitpid(pid, 0)
    if not payload:  # killed before it could answer (out of memory, a signal)
        code = os.waitstatus_to_exitcode(status)
        return False, RuntimeError(f"worker process {pid} ended without a result (exit {code})")
    return pickle.loads(payload)
