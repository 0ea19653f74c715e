"""files: JSONL, CSV and Parquet with a column mapping, on real data; bad rows name their line."""

import csv
import gzip
import json
from itertools import pairwise

import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.sources.files import read_rows

from tests.conftest import DATA, run_cli

CLINICAL = DATA / "clinical"


def test_csv_with_prompt_response_and_a_fixed_language(tmp_path):
    source = CLINICAL / "mts_dialog_train_sample.csv"
    out = tmp_path / "mts"
    result = run_cli(
        "build",
        "--source",
        "files",
        "--input",
        source,
        "--lang",
        "en",
        "--columns",
        "id=ID,text=section_text,prompt=dialogue,response=section_text,task=section_header",
        "--phi",
        "off",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    text = pq.read_table(out / "data" / "text").to_pylist()
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    assert [r["text"] for r in text] == [r["section_text"].strip() for r in rows]
    assert [r["source_id"] for r in instruct] == [r["ID"] for r in rows]
    assert instruct[0]["messages"][0]["content"] == rows[0]["dialogue"].strip()
    assert {r["task"] for r in instruct} == {r["section_header"] for r in rows}
    assert {r["lang"] for r in text} == {"en"}


def cot_jsonl(path, copies=1):
    """The CoT sample as JSONL (`copies` times over: a file big enough to share)."""
    rows = json.loads((CLINICAL / "huatuogpt_o1_demo_sample.json").read_text(encoding="utf-8"))
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in rows] * copies
    path.write_text("".join(lines), encoding="utf-8")
    return path


def build_cot(jsonl, out, *extra):
    """`corpus build --source files` of a CoT JSONL: prompt, response and reasoning columns."""
    result = run_cli(
        "build",
        "--source",
        "files",
        "--input",
        jsonl,
        "--lang",
        "en",
        "--columns",
        "prompt=Question,response=Response,reasoning=Complex_CoT",
        "--out",
        out,
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_jsonl_with_reasoning(tmp_path):
    rows = json.loads((CLINICAL / "huatuogpt_o1_demo_sample.json").read_text(encoding="utf-8"))
    out = build_cot(cot_jsonl(tmp_path / "cot.jsonl"), tmp_path / "cot")
    instruct = pq.read_table(out / "data" / "instruct").to_pylist()
    assert len(instruct) == len(rows) == 120
    assert instruct[3]["reasoning"] == rows[3]["Complex_CoT"]
    assert instruct[3]["messages"][1]["content"] == rows[3]["Response"]


def test_parquet_from_a_built_dataset(sample_build, tmp_path):
    part = next((sample_build / "data" / "text").glob("*.parquet"))
    out = tmp_path / "pq"
    result = run_cli(
        "build",
        "--source",
        "files",
        "--input",
        part,
        "--text-column",
        "text",
        "--lang-column",
        "lang",
        "--columns",
        "id=source_id",
        "--phi",
        "off",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    original = pq.read_table(part).to_pylist()
    copied = pq.read_table(out / "data" / "text").to_pylist()
    assert [(r["text"], r["lang"], r["source_id"]) for r in copied] == [
        (r["text"], r["lang"], r["source_id"]) for r in original
    ]


@pytest.mark.parametrize(
    ("name", "content", "args", "expected"),
    [
        (
            "bad.jsonl",
            '{"t": "ok", "l": "en"}\n{"t": broken}\n',
            ["--text-column", "t", "--lang-column", "l"],
            ":2: invalid JSON",
        ),
        (
            "bad.csv",
            "t,l\nok,en\nsome,en,extra\n",
            ["--text-column", "t", "--lang-column", "l"],
            ":3: 3 fields, but the header has 2",
        ),
        (  # a JSON array's element is named by the line it starts on, not its index
            "bad.json",
            '[\n  {"t": "ok", "l": "en"},\n  {"t": "also", "l": "en"},\n  "not an object"\n]',
            ["--text-column", "t", "--lang-column", "l"],
            ":4: expected a JSON array of objects",
        ),
        (
            "cols.jsonl",
            '{"t": "ok", "l": "en"}\n',
            ["--text-column", "body", "--lang-column", "l"],
            ": unknown column(s) body; available: t, l",
        ),
    ],
)
def test_bad_files_fail_with_their_line(tmp_path, name, content, args, expected):
    bad = tmp_path / name
    bad.write_text(content)
    out = tmp_path / "out"
    result = run_cli("build", "--source", "files", "--input", bad, *args, "--out", out)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr, result.stderr
    assert not out.exists()


def test_parquet_with_a_missing_column(sample_build, tmp_path):
    part = next((sample_build / "data" / "text").glob("*.parquet"))
    result = run_cli(
        "build",
        "--source",
        "files",
        "--input",
        part,
        "--text-column",
        "body",
        "--lang",
        "en",
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 2
    assert f"error: {part}: unknown column(s) body; available: id, text, lang" in result.stderr


def test_languages_are_detected_when_the_file_has_none(tmp_path):
    rows = json.loads((CLINICAL / "frenchmedmcqa_dev.json").read_text(encoding="utf-8"))[:20]
    english = json.loads((CLINICAL / "huatuogpt_o1_demo_sample.json").read_text(encoding="utf-8"))[
        :20
    ]
    mixed = tmp_path / "mixed.jsonl"
    lines = [{"body": r["question"]} for r in rows] + [{"body": r["Question"]} for r in english]
    mixed.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = tmp_path / "detected"
    result = run_cli(
        "build", "--source", "files", "--input", mixed, "--text-column", "body", "--out", out
    )
    assert result.returncode == 0, result.stderr
    langs = [r["lang"] for r in pq.read_table(out / "data" / "text").to_pylist()]
    assert langs == ["fr"] * 20 + ["en"] * 20
    steps = json.loads((out / "manifest.json").read_text())["steps"]["langid"]
    assert steps == {"detected_en": 20, "detected_fr": 20}


def test_jsonl_and_parquet_are_shared_by_ranks_within_the_file(sample_build, tmp_path):
    jsonl = cot_jsonl(tmp_path / "cot.jsonl")
    gzipped = tmp_path / "cot.jsonl.gz"  # cut in its decompressed stream
    gzipped.write_bytes(gzip.compress(jsonl.read_bytes()))
    table = pq.read_table(next((sample_build / "data" / "text").glob("*.parquet")))
    parquet = tmp_path / "text.parquet"
    pq.write_table(table, parquet, row_group_size=500)
    for path in (jsonl, gzipped, parquet):
        source = get_source("files")([InputFile(path, path.name)], SourceOptions())
        whole = list(read_rows(path))
        for world_size in (2, 3, 5):
            pieces = [source.pieces_for(rank, world_size) for rank in range(world_size)]
            assert all(len(p) == 1 for p in pieces)  # each rank reads a range of the file
            for before, after in pairwise(pieces):
                assert before[0].stop == after[0].start > 0
            ranged = [row for p in pieces for row in read_rows(path, p[0].start, p[0].stop)]
            assert ranged == whole  # rows and their line / row numbers


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.gz"])
def test_a_line_range_cut_anywhere_takes_the_lines_that_begin_in_it(tmp_path, name):
    rows = [{"text": f"ligne {i} — é", "n": i} for i in range(12)]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    data = data.replace(b"\n", b"\n\n", 1)  # an empty line: counted, never a row
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    whole = list(read_rows(path))
    begins = [0] + [i + 1 for i, byte in enumerate(data[:-1]) if byte == ord("\n")]
    lines = {number: begin for number, begin in enumerate(begins, start=1)}
    for cut in range(1, len(data)):  # every byte, line starts and mid-character ones included
        first, second = list(read_rows(path, 0, cut)), list(read_rows(path, cut))
        assert first + second == whole  # rows and their line numbers
        assert all(lines[line] < cut for line, _ in first)
        assert all(lines[line] >= cut for line, _ in second)


def test_workers_share_one_jsonl_and_give_the_same_records(tmp_path):
    jsonl = cot_jsonl(tmp_path / "cot.jsonl", copies=3)
    outs = [build_cot(jsonl, tmp_path / f"w{n}", "--workers", n) for n in ("1", "2")]
    one, two = (pq.read_table(out / "data" / "instruct") for out in outs)
    assert two.equals(one) and one.num_rows == 360
    assert one["source_id"][-1].as_py() == "cot.jsonl:360"  # line numbers of the whole file


def test_a_bad_line_in_a_later_range_and_a_row_without_a_column(tmp_path):
    lines = cot_jsonl(tmp_path / "cot.jsonl", copies=2).read_text(encoding="utf-8").splitlines()
    lines[200] = '{"Question": broken'
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["--columns", "prompt=Question,response=Response", "--lang", "en", "--out", out]
    result = run_cli("build", "--source", "files", "--input", bad, *args, "--workers", "2")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:201: invalid JSON"), result.stderr
    assert not out.exists() and not (tmp_path / ".o.work").exists()
    lines[200] = json.dumps({"Response": "an answer without its question"})
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("build", "--source", "files", "--input", bad, *args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {bad}:201: no Question in this row"), result.stderr


def test_limit_counts_rows_that_keep_a_record_in_the_kept_languages(tmp_path):
    """Japanese translations come first: --langs fr --limit 40 is the first 40 French rows
    (not the French among the first 40 rows: there are none), on one worker or two."""
    ontology = DATA / "ontology"
    inputs = [ontology / "hp-ja.babelon.tsv", ontology / "hp-fr.babelon.tsv"]
    with open(inputs[1], encoding="utf-8", newline="") as handle:
        french = [row["translation_value"] for row in csv.DictReader(handle, delimiter="\t")]
    expected = [value.strip() for value in french if value.strip()][:40]  # as records keep them
    tables = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        args = ["build", "--source", "files", "--out", out, "--workers", workers, "--phi", "off"]
        args += ["--columns", "text=translation_value,lang=translation_language"]
        args += ["--langs", "fr", "--limit", "40", "--input", inputs[0], "--input", inputs[1]]
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        tables.append(pq.read_table(out / "data" / "text"))
        steps = json.loads((out / "manifest.json").read_text())["steps"]
        assert steps["limit"] == {"stopped_after_items": 40}
    assert tables[0].column("text").to_pylist() == expected
    assert set(tables[0].column("lang").to_pylist()) == {"fr"}
    assert tables[1].equals(tables[0])
