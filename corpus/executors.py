"""Sharded work on datatrove's executors (local processes, Slurm, Ray), resumable.

A build: datatrove runs one `RankTask` per rank; each builds its own share of the records
(sources split their work into contiguous blocks, so the concatenated shards are the records
of one worker, in the same order) into a work folder beside OUT. datatrove marks finished
ranks complete in the work folder's logs: running the same command again skips them. When
every rank is complete, `finish` numbers the parts and writes manifest and card. Dedup's
fingerprint stage runs on the same executors (`dedup/shards.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus.allocators import limit_arenas
from corpus.collection import fewer_collections
from corpus.errors import CorpusError, OptionError
from corpus.filters import Filter, FilterOptions, make_filters
from corpus.item_limit import ItemLimit
from corpus.pipeline import PipelineStep, run_pipeline
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.stats import StatsAccumulator
from corpus.writer import DatasetWriter, reuse_work

EXECUTORS = ("local", "slurm", "ray")
LOGS, STATS, OUTPUT = "logs", "stats", "out"


def middle_steps(filters: FilterOptions, langid: str) -> list[PipelineStep]:
    """Language identification, the PHI gate, then the filters: what runs between source and
    writer. The gate needs each record's language, and the filters should judge redacted text."""
    from corpus.detect_language import DetectLanguage

    steps: list[PipelineStep] = [DetectLanguage(langid)] if langid != "off" else []
    if filters.phi not in (None, "off"):
        from corpus.phi.gate import PhiGate

        steps.append(PhiGate(filters.phi))
    return steps + make_filters(filters)


def pipeline_steps(
    source, middle, root: Path, rank: int, keep_rejected: bool, progress=None, stats: bool = True
):
    for step in middle:
        if keep_rejected and isinstance(step, Filter):
            step.keep_rejected(root, rank)
    limit = source.options.limit
    counted = [ItemLimit(limit)] if limit is not None and not source.counts_limit_itself else []
    return [source, *middle, *counted, DatasetWriter(root, progress, stats)]


@dataclass
class RankTask:
    """Picklable: what one datatrove rank runs. Writes shards and a stats file, yields nothing."""

    source_name: str
    inputs: list[InputFile]
    options: SourceOptions
    filters: FilterOptions
    langid: str
    work: Path

    def __call__(self, data=None, rank: int = 0, world_size: int = 1) -> None:
        limit_arenas()  # a rank is a process of its own (local, Slurm or Ray)
        root = self.work / OUTPUT
        for old in list(root.glob(f"*/*/shard-{rank:05d}-*.parquet")):
            old.unlink()  # left by an interrupted attempt at this rank
        source = get_source(self.source_name)(self.inputs, self.options)
        with fewer_collections():
            source.prepare()
            prepared = Counter(source.stats)
            steps = pipeline_steps(
                source,
                middle_steps(self.filters, self.langid),
                root,
                rank,
                self.filters.keep_rejected,
            )
            run_pipeline(steps, rank, world_size)
        if rank == 0:
            source.write_sidecars(root)
        report = rank_report(source, steps, prepared)
        stats = self.work / STATS
        stats.mkdir(exist_ok=True)
        (stats / f"rank-{rank:05d}.json").write_text(json.dumps(report))

    def __repr__(self) -> str:
        return f"corpus build --source {self.source_name} ({len(self.inputs)} input(s))"


def rank_report(source, steps: list[PipelineStep], prepared: Counter[str]) -> dict[str, Any]:
    """What a rank did, as JSON: its stats (None where it gathered none), each step's
    counts, the source's counts beyond those of `prepare` (counted once, by the merge)."""
    writer = steps[-1]
    return {
        "stats": None if writer.accumulator is None else writer.accumulator.to_json(),
        "prepared": dict(prepared),
        "steps": {s.name: dict(s.stats) for s in steps if s is not source},
        "source": dict(Counter(source.stats) - prepared),
        "inputs": source.input_summary(),
        "licenses": [asdict(x) for x in source.licenses()],
        "untemplated": source.unsupported_languages(),
    }


@dataclass
class ExecutorOptions:
    kind: str = "local"
    tasks: int = 1
    workers: int = 1
    slurm: dict[str, Any] = field(default_factory=dict)  # partition, time, cpus_per_task, ...


def work_folder(out: Path) -> Path:
    return out.resolve().parent / f".{out.resolve().name}.work"


def input_identity(path: Path) -> list[object]:
    """What tells an input apart from an edited one without reading it (as make and rsync
    do): hashing a big input would hold the ranks back; the manifest's sha256 comes later."""
    stat = path.stat()
    return [str(path), stat.st_size, stat.st_mtime_ns]


def prepare_work(task: RankTask, executor: ExecutorOptions) -> None:
    """Reuse the work folder of an interrupted run of the same build, else start afresh."""
    spec = {
        "source": task.source_name,
        "inputs": [input_identity(i.path) for i in task.inputs],
        "options": task.options.describe(),
        "filters": task.filters.describe(),
        "langid": task.langid,
        "tasks": executor.tasks,
    }
    reuse_work(task.work, spec)


@contextmanager
def stderr_into(path: Path) -> Iterator[None]:
    """Send fd 2 (datatrove's console logs, its workers' too) to a file while the executor runs;
    errors still reach the user, as exceptions, once it is restored."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def make_executor(task: Any, work: Path, executor: ExecutorOptions, job_name: str):
    """A datatrove executor running `task` (a picklable step taking data, rank, world_size)
    on `executor.tasks` ranks, its logs and completion marks in `work`."""
    logs = str(work / LOGS)
    if executor.kind == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
            pipeline=[task],
            tasks=executor.tasks,
            workers=executor.workers,
            logging_dir=logs,
            skip_completed=True,
        )
    if executor.kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        slurm = dict(executor.slurm)
        missing = [k for k in ("partition", "time") if k not in slurm]
        if missing:
            raise OptionError(
                f"--executor slurm needs --slurm {','.join(m + '=…' for m in missing)}"
            )
        return SlurmPipelineExecutor(
            pipeline=[task],
            tasks=executor.tasks,
            logging_dir=logs,
            skip_completed=True,
            job_name=job_name,
            venv_path=slurm.pop("venv_path", sys.prefix + "/bin/activate"),
            **slurm,
        )
    if executor.kind == "ray":
        try:
            from datatrove.executor.ray import RayPipelineExecutor
        except ImportError as exc:
            raise OptionError(f"--executor ray needs ray installed ({exc})") from None
        return RayPipelineExecutor(
            pipeline=[task],
            tasks=executor.tasks,
            workers=executor.workers,
            logging_dir=logs,
            skip_completed=True,
        )
    raise OptionError(f"--executor {executor.kind!r}: expected one of {', '.join(EXECUTORS)}")


SUBMITTED = "slurm-submitted"


def run_on_executor(task: Any, work: Path, executor: ExecutorOptions, job_name: str) -> bool:
    """Run (or submit) the ranks of `task` not yet complete; True when every rank is complete.

    Slurm jobs are submitted once: a later call only checks them, so running the command
    again while they run never submits them twice."""
    runner = make_executor(task, work, executor, job_name)
    submitted = work / SUBMITTED
    if executor.kind == "slurm" and submitted.exists():
        return not runner.get_incomplete_ranks()
    try:
        with stderr_into(work / "executor.log"):
            runner.run()
    except (OSError, subprocess.CalledProcessError) as exc:  # no sbatch, a refused submission
        raise CorpusError(
            f"{executor.kind} executor failed: {exc} (see {work / 'executor.log'})"
        ) from None
    if executor.kind == "slurm":
        submitted.touch()
        return not runner.get_incomplete_ranks()
    return True


def run_ranks(task: RankTask, executor: ExecutorOptions) -> bool:
    """A sharded build: its work folder reused when the build is the same, then its ranks."""
    prepare_work(task, executor)
    return run_on_executor(task, task.work, executor, f"corpus-{task.source_name}")


def merged_report(work: Path, tasks: int) -> dict[str, Any]:
    """Counts and stats of the ranks' reports in `work`, merged."""
    reports = [json.loads((work / STATS / f"rank-{r:05d}.json").read_text()) for r in range(tasks)]
    return merge_reports(reports)


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and stats of every rank summed (the source's prepare counts taken once), inputs
    merged."""
    if not reports:
        raise CorpusError("no rank reports")
    source_counts = Counter(reports[0]["prepared"])
    stats = StatsAccumulator()
    steps: dict[str, Counter[str]] = {}
    inputs: dict[str, Any] = {}
    licenses: dict[str, dict] = {}
    untemplated: set[str] = set()
    for report in reports:
        stats.merge(StatsAccumulator.from_json(report["stats"]))
        source_counts.update(report["source"])
        for name, counts in report["steps"].items():
            steps.setdefault(name, Counter()).update(counts)
        inputs.update(report["inputs"])
        licenses.update({x["scope"]: x for x in report["licenses"]})
        untemplated.update(report["untemplated"])
    return {
        "stats": stats,
        "source": dict(sorted(source_counts.items())),
        "steps": {name: dict(sorted(c.items())) for name, c in steps.items()},
        "inputs": inputs,
        "licenses": [licenses[k] for k in sorted(licenses)],
        "untemplated": sorted(untemplated),
    }
