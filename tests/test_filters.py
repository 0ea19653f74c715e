"""Filters: each keeps or drops a handful of inline records; the build counts and keeps rejects."""

import json

import pyarrow.parquet as pq
import pytest

from corpus.filters import FilterOptions, LanguageFilter, LengthFilter, RepetitionFilter
from corpus.filters.length import count_words
from corpus.records import InstructRecord, TextRecord, user_assistant
from tests.conftest import DATA, ONTOLOGY, run_cli


def text(body, lang="en", **meta):
    return TextRecord(body, lang, "test", "d", body[:10], "x", meta=meta)


def survivors(step, records):
    return [
        r.text if r.kind == "text" else r.messages[1]["content"] for r in step.run(iter(records))
    ]


def test_length_filter_counts_each_reason():
    step = LengthFilter(min_chars=5, max_chars=40, min_words=2, max_words=6)
    records = [
        text("tiny"),
        text("two words"),
        text("one"),
        text("seven words are far too many here"),
        text("x" * 50),
        text("발작 증상"),  # two Korean words
        text("発作性疾患"),  # five Han characters: five words
    ]
    assert survivors(step, records) == ["two words", "발작 증상", "発作性疾患"]
    assert step.stats == {
        "dropped_too_short_chars": 2,
        "dropped_too_many_words": 1,
        "dropped_too_long_chars": 1,
    }


def test_words_of_cjk_and_hangul():
    assert count_words("Crise d'épilepsie") == 3
    assert count_words("뇌전증 발작") == 2
    assert count_words("てんかん発作") == 6


def test_language_filter_needs_both_sides_of_a_pair():
    step = LanguageFilter(["en", "fr"])
    pair = InstructRecord(
        user_assistant("q", "fr-en"),
        "en",
        "t",
        "d",
        "1",
        "x",
        "translation",
        meta={"source_lang": "fr", "target_lang": "en"},
    )
    bad_pair = InstructRecord(
        user_assistant("q", "ja-en"),
        "en",
        "t",
        "d",
        "2",
        "x",
        "translation",
        meta={"source_lang": "ja", "target_lang": "en"},
    )
    assert survivors(step, [text("a"), text("b", "ko"), pair, bad_pair]) == ["a", "fr-en"]
    assert step.stats == {"dropped_language_not_allowed": 2}


def test_repetition_filter_drops_boilerplate_only():
    step = RepetitionFilter()
    boiler = "Click here.\nClick here.\nClick here.\nReal sentence."
    varied = "First line.\nSecond line.\nThird line."
    assert survivors(step, [text(boiler), text(varied), text("one line")]) == [varied, "one line"]
    assert step.stats == {"dropped_duplicate_lines": 1}


def test_build_counts_drops_and_keeps_rejects(tmp_path):
    out = tmp_path / "lit"
    result = run_cli(
        "build",
        "--source",
        "lissa",
        "--input",
        DATA / "literature" / "medsamp2006_sample.xml",
        "--min-words",
        "150",
        "--keep-rejected",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    dropped = manifest["steps"]["length"]["dropped_too_few_words"]
    rejected = (
        pq.read_table(out / "rejected" / "text").to_pylist()
        + pq.read_table(out / "rejected" / "instruct").to_pylist()
    )
    assert len(rejected) == dropped > 0
    assert {r["reason"] for r in rejected} == {"length:too_few_words"}
    assert all(count_words(r["text"]) < 150 for r in rejected if r.get("text"))
    kept = pq.read_table(out / "data" / "text").to_pylist()
    assert all(count_words(r["text"]) >= 150 for r in kept)
    assert "| length | too_few_words |" in (out / "README.md").read_text()


@pytest.mark.parametrize(("unit", "low", "high"), [("chars", 10, 5), ("words", 3, 2)])
def test_bounds_no_record_can_meet_are_refused_before_the_build(tmp_path, unit, low, high):
    """--min-chars above --max-chars would drop every record, after reading them all."""
    bounds = (f"--min-{unit}", str(low), f"--max-{unit}", str(high))
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    result = run_cli("build", "--source", "hetop", "--input", obo, *bounds, "--out", tmp_path / "o")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --min-{unit} {low} is above --max-{unit} {high}"
    assert FilterOptions(**{f"min_{unit}": low, f"max_{unit}": low}).describe()  # equal: fine
