"""Shared fixtures: the real sample files in ../shared/data, and a CLI runner."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# load_dataset's cache in a folder of this session's: a user's ~/.cache holds other builds
_HF_CACHE = tempfile.TemporaryDirectory(prefix="corpus-tests-hf-")
os.environ["HF_DATASETS_CACHE"] = _HF_CACHE.name

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """../shared/data beside the checkout (as CI lays it out); for a clone made elsewhere
    (`git clone . "$(mktemp -d)"`), the one beside the checkout it was cloned from."""
    beside = ROOT.parent / "shared" / "data"
    if beside.is_dir():
        return beside
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True, text=True
    ).stdout.strip()
    origin_path = Path(origin.removeprefix("file://"))
    if origin and origin_path.is_absolute():
        cloned_from = origin_path.parent / "shared" / "data"
        if cloned_from.is_dir():
            return cloned_from
    return beside


DATA = shared_data()
ONTOLOGY = DATA / "ontology"


def pytest_configure(config: pytest.Config) -> None:
    if not ONTOLOGY.is_dir():
        raise pytest.UsageError(
            f"sample data not found at {DATA}: clone beside ../shared (or clone a checkout "
            "that has it)"
        )


def tsv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a TSV file, read by the csv module: apart from the tool's own reader."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def layouts(spec: str, terminology: str | None = None) -> list:
    """One --columns, with its --terminology, as `read_code_table` takes them."""
    from corpus.sources.base import TableLayout, parse_columns

    return [TableLayout(parse_columns(spec), terminology)]


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `corpus` as a user would: a real process, real exit code, real stderr."""
    return subprocess.run(
        [sys.executable, "-m", "corpus", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def check_slurm_refused(*command: str | Path) -> None:
    """`command` with `--executor slurm`: without --slurm options, then without sbatch on this
    machine, it fails with one `error: …` line and exit 2."""
    result = run_cli(*command)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --executor slurm needs --slurm partition=…,time=…"
    result = run_cli(*command, "--slurm", "partition=cpu,time=01:00:00")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: slurm executor failed:")


@pytest.fixture
def cli():
    return run_cli


SAMPLE_INPUTS = ("hp_sample.obo", "hp-fr.babelon.tsv", "kcd_ko_en.tsv")


def build_cli(source: str, out: Path, inputs, *extra: str | Path) -> Path:
    """`corpus build --source SOURCE --input … --out OUT`, asserted to succeed."""
    args: list[str | Path] = ["build", "--source", source, "--out", out, *extra]
    for path in inputs:
        args += ["--input", path]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return out


def write_babelon(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A Babelon table of (subject_id, predicate_id, translation_language, translation_value)
    rows written by a test: translations that no file in ../shared/data has."""
    header = ("subject_id", "predicate_id", "translation_language", "translation_value")
    path.write_text("".join("\t".join(row) + "\n" for row in [header, *rows]), encoding="utf-8")
    return path


def kcd_names_in_conflict() -> set[str]:
    """KCD concepts whose Korean name other codes share while English names them differently
    (종기: Boil and Furuncle): a name the build states as none's. From the graph of the KCD
    table alone, which names a subcategory after its category where the table repeats it."""
    from corpus.sources.hetop.graph import ConceptGraph
    from corpus.sources.hetop.tables import read_code_table

    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    graph.finish()
    english: dict[str, set[str]] = {}
    for concept in graph:
        english.setdefault(concept.labels["ko"], set()).add(concept.labels.get("en", ""))
    return {c.id for c in graph if len(english[c.labels["ko"]] - {""}) > 1}


def hpo_sample_in_french():
    """The HPO sample's graph with HPO's French translations: concepts with both languages."""
    from corpus.sources.hetop.graph import ConceptGraph
    from corpus.sources.hetop.obo import read_obo
    from corpus.sources.hetop.tables import read_babelon

    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(ONTOLOGY / "hp-fr.babelon.tsv", graph)
    graph.finish()
    return graph


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """HPO + French Babelon + Korean KCD, built once through the CLI for the whole session."""
    out = tmp_path_factory.mktemp("builds") / "hpo"
    return build_cli("hetop", out, [ONTOLOGY / name for name in SAMPLE_INPUTS])
