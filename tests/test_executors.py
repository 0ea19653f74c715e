"""Sharded builds, forked or on datatrove's LocalPipelineExecutor: same records, and (datatrove)
resume after a stop."""

import json
import os

import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions
from datatrove.executor import LocalPipelineExecutor

from corpus.build import build
from corpus.executors import LOGS, OUTPUT, ExecutorOptions, RankTask, prepare_work, work_folder
from corpus.filters import FilterOptions
from corpus.stats import compute_stats
from tests.conftest import ONTOLOGY, check_slurm_refused, run_cli

INPUTS = [InputFile(ONTOLOGY / "kcd_ko_en.tsv", "kcd_ko_en.tsv")]


def same_records(a, b):
    for kind in ("text", "instruct"):
        assert pq.read_table(a / "data" / kind).equals(pq.read_table(b / "data" / kind))


def test_interrupted_build_resumes_without_redoing_finished_shards(tmp_path):
    reference = tmp_path / "reference"
    expected = build("hetop", INPUTS, reference, SourceOptions())
    out = tmp_path / "sharded"
    executor = ExecutorOptions("local", tasks=2, workers=1)
    filters = FilterOptions(phi="off")  # what build() resolves for hetop
    task = RankTask("hetop", INPUTS, SourceOptions(), filters, "fill", work_folder(out))
    prepare_work(task, executor)
    # an interrupted run: only rank 0 finished
    LocalPipelineExecutor(
        pipeline=[task], tasks=2, workers=1, local_tasks=1, logging_dir=str(task.work / LOGS)
    ).run()
    finished = next((task.work / OUTPUT / "data" / "text").glob("shard-00000-*.parquet"))
    inode, mtime = finished.stat().st_ino, finished.stat().st_mtime_ns
    assert not list((task.work / OUTPUT / "data" / "text").glob("shard-00001-*"))

    result = build("hetop", INPUTS, out, SourceOptions(), executor=executor)
    first = out / "data" / "text" / "part-00000.parquet"
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == (inode, mtime), "rank 0 was redone"
    assert len(list((out / "data" / "text").glob("*.parquet"))) == 2
    same_records(out, reference)
    assert result.counts == expected.counts
    assert result.manifest["steps"] == expected.manifest["steps"]
    assert not task.work.exists()


def test_an_edited_input_starts_the_interrupted_build_afresh(tmp_path):
    table = tmp_path / "kcd.tsv"
    table.write_bytes((ONTOLOGY / "kcd_ko_en.tsv").read_bytes())
    inputs = [InputFile(table, table.name)]
    out, executor = tmp_path / "sharded", ExecutorOptions("local", tasks=2, workers=1)
    task = RankTask(
        "hetop", inputs, SourceOptions(), FilterOptions(phi="off"), "fill", work_folder(out)
    )
    prepare_work(task, executor)
    LocalPipelineExecutor(  # interrupted: only rank 0 finished
        pipeline=[task], tasks=2, workers=1, local_tasks=1, logging_dir=str(task.work / LOGS)
    ).run()
    edited = table.read_text(encoding="utf-8").replace("\t콜레라\t", "\t콜레라(개정)\t", 1)
    table.write_text(edited, encoding="utf-8")  # rank 0's concepts change meanwhile
    result = build("hetop", inputs, out, SourceOptions(), executor=executor)
    fresh = build("hetop", inputs, tmp_path / "fresh", SourceOptions())
    same_records(out, tmp_path / "fresh")
    assert result.counts == fresh.counts
    assert any(
        "콜레라(개정)" in t for t in pq.read_table(out / "data" / "text")["text"].to_pylist()
    )


@pytest.mark.parametrize("how", [["--workers", "2"], ["--executor", "local", "--workers", "2"]])
def test_cli_workers_forked_or_through_datatrove(tmp_path, how):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, args in ((one, ["--workers", "1"]), (two, how)):
        result = run_cli(
            "build", "--source", "hetop", "--input", ONTOLOGY / "kcd_ko_en.tsv", *args, "--out", out
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # datatrove's logs go to the work folder, not the console
    same_records(one, two)
    assert len(list((two / "data" / "text").glob("*.parquet"))) == 2  # a part per rank
    assert not os.path.exists(work_folder(two))
    # each rank's stats (a forked one's taken from its parts), merged, are those of the data
    manifests = [json.loads((out / "manifest.json").read_text()) for out in (one, two)]
    assert manifests[0]["stats"] == manifests[1]["stats"] == compute_stats(two)
    assert manifests[0]["steps"] == manifests[1]["steps"]


def test_slurm_needs_its_options_and_sbatch(tmp_path):
    base = [
        "build",
        "--source",
        "hetop",
        "--input",
        ONTOLOGY / "DO_cancer_slim.obo",
        "--executor",
        "slurm",
        "--out",
        tmp_path / "out",
    ]
    check_slurm_refused(*base)
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.work").exists()
