"""Recipes: several sources deduplicated into one output, earlier sources keep their records,
the manifest rebuilds the same output, workers do not change it, bad recipes fail by line."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from corpus.recipe import load_recipe
from tests.conftest import DATA, ONTOLOGY, ROOT, run_cli

ABSTRACTS = [
    "Hypertrophic cardiomyopathy is a genetic disorder of the heart muscle in which the walls "
    "of the left ventricle thicken, obstructing outflow and causing arrhythmias in young adults.",
    "Chronic kidney disease progresses silently for years; screening of patients with diabetes "
    "and hypertension by albuminuria and estimated filtration rate finds it early enough to act.",
    "Vitamin D deficiency is common in elderly patients living in institutions and is associated "
    "with falls, fractures and muscle weakness that supplementation partly prevents.",
]


def _jsonl(path: Path, texts: list[str]) -> Path:
    path.write_text(
        "".join(json.dumps({"text": t, "lang": "en"}) + "\n" for t in texts), encoding="utf-8"
    )
    return path


def _recipe(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def _texts(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(folder / "data" / "text" / "*.parquet").sort("id")


@pytest.fixture
def two_sources(tmp_path) -> Path:
    """Source `first` holds the three abstracts; `second` holds two exact copies, a near copy
    (one word changed) and a text of its own."""
    _jsonl(tmp_path / "first.jsonl", ABSTRACTS)
    near = ABSTRACTS[2].replace("elderly", "older")
    own = "Influenza vaccination of health care workers reduces absenteeism during epidemics."
    _jsonl(tmp_path / "second.jsonl", [ABSTRACTS[0], ABSTRACTS[1], near, own])
    return tmp_path


FILES_RECIPE = """\
seed: 4
dedup: {{threshold: 0.5}}
sources:
  - source: files
    inputs: [{a}.jsonl]
    options: {{columns: {{text: text, lang: lang}}}}
  - source: files
    inputs: [{b}.jsonl]
    options: {{columns: {{text: text, lang: lang}}}}
"""


def test_sources_earlier_in_the_recipe_keep_their_records(two_sources):
    for order in (("first", "second"), ("second", "first")):
        recipe = _recipe(two_sources / "r.yaml", FILES_RECIPE.format(a=order[0], b=order[1]))
        out = two_sources / f"out-{order[0]}"
        result = run_cli("build", "--recipe", recipe, "--out", out)
        assert result.returncode == 0, result.stderr
        texts = _texts(out)
        assert texts.height == 4  # 3 abstracts + the text of its own; 2 exact + 1 near dropped
        kept = dict(zip(texts["text"], texts["dataset"], strict=True))
        for abstract in ABSTRACTS[:2]:
            assert kept[abstract] == order[0]
        near = ABSTRACTS[2].replace("elderly", "older")
        assert (ABSTRACTS[2] in kept) == (order[0] == "first")
        assert (near in kept) == (order[0] == "second")
        manifest = json.loads((out / "manifest.json").read_text())
        dropped = {(r["match"], r["records"]) for r in manifest["dedup"]["text"]["dropped"]}
        assert dropped == {("exact", 2), ("near", 1)}
        assert [p["source"] for p in manifest["parts"]] == ["files", "files"]
        assert "source listed earliest in the recipe" in (out / "README.md").read_text()
        assert not list(two_sources.glob(".out-*.recipe"))  # the work folder is cleaned up


def test_the_manifest_rebuilds_the_same_output(tmp_path):
    recipe = _recipe(
        tmp_path / "r.yaml",
        f"""\
seed: 2
filters: {{min_chars: 20}}
sources:
  - source: hetop
    inputs: [{ONTOLOGY / "kcd_ko_en.tsv"}]
    options: {{limit: 300, holdout: 0.2}}
  - source: notes
    inputs: [{DATA / "clinical" / "mts_dialog_train_sample.csv"}]
    options: {{lang: en, limit: 40}}
""",
    )
    first = tmp_path / "first"
    result = run_cli("build", "--recipe", recipe, "--out", first)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["recipe"]["sources"][0]["inputs"] == [str(ONTOLOGY / "kcd_ko_en.tsv")]
    assert manifest["recipe"]["seed"] == 2
    assert (first / "probe" / "concepts.parquet").is_file()  # the probe can use a recipe build
    again = tmp_path / "again"
    result = run_cli("build", "--recipe", first / "manifest.json", "--out", again)
    assert result.returncode == 0, result.stderr
    for kind in ("text", "instruct"):
        ids = [
            pl.read_parquet(f / "data" / kind / "*.parquet")["id"].to_list() for f in (first, again)
        ]
        assert ids[0] == ids[1] and ids[0]
    clusters = [pl.read_parquet(f / "dedup" / "clusters.parquet") for f in (first, again)]
    assert clusters[0].equals(clusters[1])
    # sharded source builds give the same records
    workers = tmp_path / "workers"
    result = run_cli("build", "--recipe", recipe, "--out", workers, "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert _texts(workers)["id"].to_list() == _texts(first)["id"].to_list()


def test_the_committed_recipe_resolves(tmp_path):
    # its paths are relative to it, for a checkout with ../shared beside it: lay that out
    # around a copy, wherever this checkout and the data are
    (tmp_path / "checkout" / "recipes").mkdir(parents=True)
    (tmp_path / "shared").symlink_to(DATA.parent, target_is_directory=True)
    copy = tmp_path / "checkout" / "recipes" / "medical-fr-ko.yaml"
    copy.write_text((ROOT / "recipes" / "medical-fr-ko.yaml").read_text())
    recipe = load_recipe(copy)
    assert [s.source for s in recipe.sources] == [
        "hetop",
        "hetop",
        "lissa",
        "cismef",
        "notes",
        "mcqa",
    ]
    assert all(i.path.is_file() for s in recipe.sources for i in s.inputs)
    assert recipe.sources[0].options.holdout == 0.1
    assert recipe.sources[4].filters.phi == "redact" and recipe.sources[4].filters.min_chars == 20


def test_a_recipe_lists_table_layouts_as_the_command_line_repeats_columns(tmp_path):
    body = (
        "sources:\n  - source: hetop\n"
        f"    inputs: [{ONTOLOGY / 'cim10_fr.tsv'}, {ONTOLOGY / 'orphanet_fr.tsv'}]\n"
        "    options:\n"
        "      columns: [{code: code, fr: lib_long}, {code: orphanumber, fr: name}]\n"
        "      terminology: [CIMFR, ORPHANET]\n"
    )
    options = load_recipe(_recipe(tmp_path / "tables.yaml", body)).sources[0].options
    assert (options.columns, options.terminology) == ({"code": "code", "fr": "lib_long"}, "CIMFR")
    assert [(t.columns, t.terminology) for t in options.more_columns] == [
        ({"code": "orphanumber", "fr": "name"}, "ORPHANET")
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("sources:\n  - source: nosuch\n", 2, "unknown source 'nosuch'"),
        (
            "sources:\n  - source: hetop\n    inputs:\n      - here.obo\n      - missing.obo\n",
            5,
            "input 'missing.obo': no such file",
        ),
        ("sources: [\n  - source: hetop\n", 2, "not valid YAML"),
        ("seed: 1\nshuffle: true\nsources: []\n", 2, "unknown recipe key 'shuffle'"),
        ("sources:\n  - source: hetop\n    options: {colour: red}\n", 3, "unknown option key"),
        ("seed: 1\n", 1, "sources must be a non-empty list"),
        ("sources:\n  - source: lissa\n", 2, "lissa has no embedded default: list its inputs"),
        (
            "sources:\n  - source: hetop\n    inputs: [here.obo]\n    options:\n"
            "      columns: [{code: a, fr: b}, {code: c, fr: d}]\n      terminology: [A]\n",
            6,
            "2 --columns but 1 --terminology",
        ),
        (
            "sources:\n  - source: files\n    inputs: [here.obo]\n"
            "    options: {columns: [{text: a}, {text: b}]}\n",
            4,
            "files reads one table layout",
        ),
        (
            "filters: {min_chars: 50, max_chars: 10}\nsources:\n  - source: hetop\n",
            3,
            "filters: --min-chars 50 is above --max-chars 10",
        ),
    ],
)
def test_bad_recipes_name_their_line(tmp_path, body, line, message):
    (tmp_path / "here.obo").write_text("format-version: 1.2\n")
    recipe = _recipe(tmp_path / "bad.yaml", body)
    result = run_cli("build", "--recipe", recipe, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {recipe}:{line}: {message}"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_source_and_recipe_are_exclusive(tmp_path):
    result = run_cli("build", "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: give either --source or --recipe"


def test_an_input_listed_twice_in_a_recipe_is_refused(tmp_path):
    """A recipe's sources build through the same `build` as the command line: an input listed
    twice would make its records twice there too."""
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    recipe = _recipe(
        tmp_path / "twice.yaml", f"sources:\n  - source: hetop\n    inputs: [{obo}, {obo}]\n"
    )
    result = run_cli("build", "--recipe", recipe, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"error: {obo}: given twice as an input (each input is read once)"
    )
    assert not (tmp_path / "out").exists()
