"""`corpus build`: one source -> a dataset folder with manifest and card, atomically."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corpus import __version__
from corpus.card import write_card
from corpus.collection import fewer_collections
from corpus.detect_language import MODES
from corpus.errors import CorpusError, InputError, OptionError
from corpus.executors import (
    OUTPUT,
    ExecutorOptions,
    RankTask,
    merge_reports,
    merged_report,
    middle_steps,
    pipeline_steps,
    rank_report,
    run_ranks,
    work_folder,
)
from corpus.filters import FilterOptions
from corpus.forked import can_fork, run_forked
from corpus.manifest import now_utc, package_versions, require_distinct, write_manifest
from corpus.phi.modes import PHI_MODES
from corpus.pipeline import run_pipeline
from corpus.records import KINDS
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.stats import shard_stats
from corpus.textio import sha256_of, size_of
from corpus.writer import atomic_output, check_replaceable, number_parts, replace_folder


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    manifest: dict[str, Any]


def resolve_inputs(source_name: str, paths: list[Path]) -> list[InputFile]:
    """The user's files, or the source's embedded default when none are given."""
    if not paths:
        return get_source(source_name).default_inputs()
    for path in paths:
        if not path.exists():  # a folder is fine here; readers say what they need
            raise InputError(path, None, "no such file")
    return [InputFile(path, path.name) for path in paths]


def build(
    source_name: str,
    inputs: list[InputFile],
    out: Path,
    options: SourceOptions,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    filters: FilterOptions | None = None,
    langid: str = "fill",
    executor: ExecutorOptions | None = None,
) -> BuildResult | None:
    """Read, filter and write, in this process or sharded on a datatrove executor; then stats,
    card and manifest. Returns None when a Slurm build was submitted but is not finished yet."""
    if langid not in MODES:
        raise OptionError(f"--langid {langid!r}: expected one of {', '.join(MODES)}")
    filters = filters or FilterOptions()
    if filters.phi is None:
        filters = replace(filters, phi=get_source(source_name).phi_default)
    if filters.phi not in PHI_MODES:
        raise OptionError(f"--phi {filters.phi!r}: expected one of {', '.join(PHI_MODES)}")
    require_distinct([item.path for item in inputs])  # here: recipes build through it too
    check_replaceable(out)  # before the work: a foreign OUT is refused now, not at the end
    if executor is None and workers > 1 and not can_fork():
        executor = ExecutorOptions("local", tasks=workers, workers=workers)
    digests = hash_inputs(inputs)
    if executor is None:
        with fewer_collections():
            return _build_here(
                source_name, inputs, out, options, progress, filters, langid, digests, workers
            )
    task = RankTask(source_name, inputs, options, filters, langid, work_folder(out))
    if executor.kind == "local":  # this process waits for its workers: load the card's modules
        threading.Thread(target=_import_card_modules, daemon=True).start()
    try:
        if not run_ranks(task, executor):
            return None
    except CorpusError:  # bad input: nothing to resume, leave nothing behind
        shutil.rmtree(task.work, ignore_errors=True)
        raise
    report = merged_report(task.work, executor.tasks)
    root = task.work / OUTPUT
    number_parts(root)
    try:
        manifest = _finish(
            root, source_name, inputs, out, options, filters, langid, report, digests
        )
    except CorpusError:
        shutil.rmtree(task.work, ignore_errors=True)
        raise
    replace_folder(root, out)
    shutil.rmtree(task.work, ignore_errors=True)
    return BuildResult(out, manifest["counts"], manifest)


def _build_here(
    source_name, inputs, out, options, progress, filters, langid, digests, workers=1
) -> BuildResult:
    """The build in this process, its ranks past the first on forked children (`forked`)."""
    source = get_source(source_name)(inputs, options)
    with atomic_output(out) as tmp:
        source.prepare()  # once, before the fork: the children inherit what it read
        reports = write_records(source, tmp, workers, filters, langid, progress)
        source.write_sidecars(tmp)
        number_parts(tmp)
        manifest = _finish(
            tmp, source_name, inputs, out, options, filters, langid, merge_reports(reports), digests
        )
    return BuildResult(out, manifest["counts"], manifest)


def write_records(
    source,
    root: Path,
    workers: int,
    filters: FilterOptions,
    langid: str,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """A prepared source's records, through the middle steps, into `root`'s shards: rank 0
    here, the others on forked children. Each rank's report, its stats included (a child's
    are read back from its shards: polars does not survive a fork)."""
    prepared = Counter(source.stats)

    def run_rank(rank: int, progress: Callable[[int], None] | None) -> dict[str, Any]:
        here = rank == 0  # only this process may use polars (the stats)
        middle = middle_steps(filters, langid)
        steps = pipeline_steps(source, middle, root, rank, filters.keep_rejected, progress, here)
        run_pipeline(steps, rank, workers)
        return rank_report(source, steps, prepared)

    reports = run_forked(run_rank, workers, progress) if workers > 1 else [run_rank(0, progress)]
    for rank, report in enumerate(reports):
        if report["stats"] is None:
            report["stats"] = shard_stats(root, rank).to_json()
    return reports


def hash_inputs(inputs: list[InputFile]) -> Future[dict[str, str]]:
    """sha256 of every input, hashed on a second thread while the build runs (hashlib lets go
    of the GIL): the manifest needs them, nothing else waits for them. A daemon thread: a
    build that fails exits without hashing to the end."""
    digests: Future[dict[str, str]] = Future()

    def work() -> None:
        try:
            digests.set_result({str(item.path): sha256_of(item.path) for item in inputs})
        except BaseException as exc:  # raised where the digests are read
            digests.set_exception(exc)

    threading.Thread(target=work, name="sha256", daemon=True).start()
    return digests


def _import_card_modules() -> None:
    """The plots' matplotlib modules take ~0.3 s to import: done while the workers run (polars
    came with the writer). Only a head start: a failure here is met again, and reported, where
    the card needs them."""
    try:
        import matplotlib.backends.backend_agg
        import matplotlib.figure  # noqa: F401
    except Exception:
        pass


def _require_records(root: Path, steps: dict[str, dict[str, int]]) -> None:
    """An empty dataset is a mistake (a language no input has, filters that drop everything):
    say what dropped the records instead of writing a folder with nothing in it. Rejects kept
    with --keep-rejected are something to look at, so they make a dataset."""
    if any(steps["writer"].values()) or any(root.glob("rejected/*/*.parquet")):
        return
    drops = [
        f"{step} {key.removeprefix('dropped_')} {value:,}"
        for step, counts in steps.items()
        for key, value in counts.items()
        if key.startswith("dropped_") and value
    ]
    why = f"every record was dropped ({'; '.join(drops)})" if drops else "the inputs made none"
    raise CorpusError(f"no records to write: {why}")


def _finish(
    root, source_name, inputs, out, options, filters, langid, report, digests
) -> dict[str, Any]:
    """Manifest and card of a finished build in `root`."""
    hashes = digests.result()
    source_cls = get_source(source_name)
    summary = report["inputs"]
    steps = {source_name: report["source"], **report["steps"]}
    _require_records(root, steps)
    manifest: dict[str, Any] = {
        "name": f"{source_name} corpus: {out.name}",
        "source": source_name,
        "inputs": [
            {
                "path": item.display,
                "sha256": hashes[str(item.path)],
                "size": size_of(item.path),
                "format": summary.get(item.display, {}).get("format", ""),
                "counts": {k: v for k, v in summary.get(item.display, {}).items() if k != "format"},
            }
            for item in inputs
        ],
        "options": {**options.describe(), "langid": langid, "filters": filters.describe()},
        "licenses": report["licenses"],
        "languages_without_templates": report["untemplated"],
        "counts": {kind: steps["writer"].get(f"records_{kind}", 0) for kind in KINDS},
        "steps": steps,
        "limitations": list(source_cls.limitations),
        "versions": {**package_versions(), "corpus": __version__},
        "built_at": now_utc(),
    }
    manifest["stats"] = write_card(root, manifest, report["stats"].result())
    write_manifest(root, manifest)
    return manifest
