"""reasoning and mcqa on the real clinical samples: counts, reasoning apart, answers exact."""

import ast
import json

import pyarrow.parquet as pq
import pytest

from tests.conftest import DATA, run_cli

CLINICAL = DATA / "clinical"
HUATUO = CLINICAL / "huatuogpt_o1_demo_sample.json"
FRENCH = CLINICAL / "frenchmedmcqa_dev.json"


def build(tmp_path, source, path, *extra):
    out = tmp_path / source
    result = run_cli("build", "--source", source, "--input", path, "--out", out, *extra)
    assert result.returncode == 0, result.stderr
    return pq.read_table(out / "data" / "instruct").to_pylist()


def test_reasoning_is_kept_apart_from_the_answer(tmp_path):
    rows = json.loads(HUATUO.read_text(encoding="utf-8"))
    records = build(tmp_path, "reasoning", HUATUO)
    assert len(records) == len(rows) == 120
    for row, record in zip(rows, records, strict=True):
        assert record["messages"][0]["content"] == row["Question"].strip()
        assert record["messages"][1]["content"] == row["Response"].strip()
        assert record["reasoning"] == row["Complex_CoT"].strip()
        assert row["Complex_CoT"].strip() not in record["messages"][1]["content"]
    assert {r["lang"] for r in records} == {"en"}  # detected: the file says nothing


def test_french_mcqa_answers_equal_the_source(tmp_path):
    rows = json.loads(FRENCH.read_text(encoding="utf-8"))
    records = build(tmp_path, "mcqa", FRENCH)
    assert len(records) == len(rows) == 312
    for row, record in zip(rows, records, strict=True):
        meta = json.loads(record["meta"])
        assert meta["correct"] == row["correct_answers"]
        prompt, answer = record["messages"][0]["content"], record["messages"][1]["content"]
        assert all(f"{k.upper()}. {v}" in prompt for k, v in row["answers"].items())
        options = [f"{c.upper()}. {row['answers'][c]}" for c in row["correct_answers"]]
        # French typography's " ; ", with no full stop before it
        options[:-1] = [o[:-1] if o.endswith(".") else o for o in options[:-1]]
        assert answer == "Réponse : " + " ; ".join(options)
        assert ". ;" not in answer
        assert record["lang"] == "fr"


def test_medqa_layout(tmp_path):
    rows = json.loads(HUATUO.read_text(encoding="utf-8"))
    records = build(tmp_path, "mcqa", HUATUO)
    for row, record in zip(rows, records, strict=True):
        options = (
            row["options"] if isinstance(row["options"], dict) else ast.literal_eval(row["options"])
        )
        assert json.loads(record["meta"])["correct"] == [row["answer_idx"]]
        assert (
            record["messages"][1]["content"]
            == f"Answer: {row['answer_idx']}. {options[row['answer_idx']]}"
        )
        assert options[row["answer_idx"]] == row["answer"]


@pytest.mark.parametrize(
    ("source", "content", "expected"),
    [
        ("reasoning", '[{"q": "x", "a": "y"}]', "missing column(s) question, answer"),
        (
            "mcqa",
            '[{"question": "x", "answers": {"a": "1"}, "correct_answers": ["b"]}]',
            ":1: correct answer(s)",
        ),
        ("mcqa", '[{"question": "x",\n "answers": {"a": 1},, }]', ":2: invalid JSON"),
    ],
)
def test_bad_rows(tmp_path, source, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run_cli("build", "--source", source, "--input", bad, "--out", tmp_path / "out")
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
