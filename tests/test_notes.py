"""notes: MTS-Dialog dialogues on the real sample; Asclepius-style triples built from its notes."""

import csv
import json

import pyarrow.parquet as pq
from corpus.sources.notes import SECTIONS

from tests.conftest import DATA, run_cli

MTS = DATA / "clinical" / "mts_dialog_train_sample.csv"


def mts_rows():
    with open(MTS, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def lf(cell: str) -> str:
    """The cell as records hold it: Windows line breaks made \\n, trimmed."""
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def section(row) -> str:
    """A dialogue row's note section as its text record writes it, under its heading."""
    heading = SECTIONS[row["section_header"]]
    return f"{heading[0].upper()}{heading[1:]}: {lf(row['section_text'])}"


def test_dialogues_give_note_sections_and_distinct_notes(tmp_path):
    out = tmp_path / "mts"
    result = run_cli(
        "build", "--source", "notes", "--input", MTS, "--lang", "en", "--phi", "off", "--out", out
    )
    assert result.returncode == 0, result.stderr
    rows = mts_rows()
    text = pq.read_table(out / "data" / "text").to_pylist()
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    # each section once, under its heading: "Medications: None." and "Past medical history:
    # None." are two texts, where ten rows of four sections have "None." alone
    assert [r["text"] for r in text] == list(dict.fromkeys(section(row) for row in rows))
    assert len(text) > len({lf(r["section_text"]) for r in rows})
    assert {"Medications: None.", "Past medical history: None."} <= {r["text"] for r in text}
    assert len(instruct) == len(rows) == 300
    assert any("\r" in row["dialogue"] for row in rows)  # the sample has Windows line breaks
    for row, record in zip(rows, instruct, strict=True):
        system, user, assistant = record["messages"]
        assert system["role"] == "system" and assistant["content"] == lf(row["section_text"])
        assert "dialogue you are given" in system["content"]
        assert lf(row["dialogue"]) in user["content"]
        assert "\r" not in user["content"] + assistant["content"]
        assert record["task"] == f"note_section:{row['section_header']}"
    assert not any("\r" in record["text"] for record in text)


def test_triples_share_notes_and_skip_empty_answers(tmp_path):
    notes = [r["section_text"].strip() for r in mts_rows() if len(r["section_text"]) > 200][:10]
    rows = [
        {"note": note, "question": question, "answer": f"answer {i}", "task": "qa"}
        for note in notes
        for i, question in enumerate(["What is the history?", "Any medication?", "Plan?"])
    ]
    rows.append({"note": notes[0], "question": "Empty?", "answer": "", "task": "qa"})
    source = tmp_path / "triples.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "triples"
    args = ("--input", source, "--lang", "en", "--phi", "off", "--out", out)
    result = run_cli("build", "--source", "notes", *args)
    assert result.returncode == 0, result.stderr
    text = pq.read_table(out / "data" / "text").to_pylist()
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    assert [r["text"] for r in text] == notes
    # a note's text record names the row that first gave it, as that row's instruction does
    firsts = [r["source_id"] for r in instruct[::3]]
    assert [r["source_id"] for r in text] == firsts and firsts[1].endswith(":4")
    assert len(instruct) == 30
    assert instruct[0]["messages"][1]["content"] == f"{notes[0]}\n\nWhat is the history?"
    assert "clinical note you are given" in instruct[0]["messages"][0]["content"]
    steps = json.loads((out / "manifest.json").read_text())["steps"]["notes"]
    assert steps == {
        "distinct_notes": 10,
        "repeated_notes": 20,
        "dropped_empty_question_or_answer": 1,
    }
    strict = run_cli(
        "build",
        "--source",
        "notes",
        "--input",
        source,
        "--lang",
        "en",
        "--strict",
        "--out",
        tmp_path / "strict",
    )
    assert strict.returncode == 2
    assert strict.stderr.strip() == f"error: {source}:31: empty question_or_answer"


def test_limit_counts_rows_with_their_note(tmp_path):
    """--limit 4: the first four dialogues, each with its instruction and (new) note."""
    out = tmp_path / "four"
    args = ("--input", MTS, "--lang", "en", "--phi", "off", "--limit", "4", "--out", out)
    result = run_cli("build", "--source", "notes", *args)
    assert result.returncode == 0, result.stderr
    rows = mts_rows()[:4]
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    text = pq.read_table(out / "data" / "text").to_pylist()
    assert [r["source_id"] for r in instruct] == [row["ID"] for row in rows]
    assert [r["text"] for r in text] == list(dict.fromkeys(section(row) for row in rows))


def test_missing_columns_are_named(tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "x", "q": "y"}\n')
    result = run_cli("build", "--source", "notes", "--input", source, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "missing column(s) note, question, answer" in result.stderr
    assert "available: text, q" in result.stderr
