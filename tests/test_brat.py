"""brat on the real QUAERO sample: entities equal the .ann files, lists are exact substrings."""

import json

import pyarrow.parquet as pq

from tests.conftest import DATA, run_cli

QUAERO = DATA / "clinical" / "quaero_brat"


def ann_entities(path):
    entities = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            ident, info, text = line.split("\t")
            entities.add((ident, info.split(" ")[0], text))
    return entities


def test_entities_equal_the_ann_files_and_lists_are_substrings(tmp_path):
    out = tmp_path / "quaero"
    result = run_cli("build", "--source", "brat", "--input", QUAERO, "--phi", "off", "--out", out)
    assert result.returncode == 0, result.stderr
    text = pq.read_table(out / "data" / "text").to_pylist()
    anns = sorted(QUAERO.rglob("*.ann"))
    assert len(text) == len(anns) == 64
    total = 0
    for record in text:
        dataset, name = record["source_id"].split("/")
        expected = ann_entities(QUAERO / dataset / f"{name}.ann")
        got = {(e["id"], e["type"], e["text"]) for e in json.loads(record["meta"])["entities"]}
        assert got == expected
        total += len(got)
        assert record["text"] == (QUAERO / dataset / f"{name}.txt").read_text(encoding="utf-8")
    assert total == 889
    assert {r["lang"] for r in text} == {"fr"}
    for record in pq.read_table(out / "data" / "instruct").to_pylist():
        document = record["messages"][0]["content"].split("\n\n", 1)[1]
        mentions = json.loads(record["messages"][1]["content"])
        assert mentions and all(m in document for m in mentions)
        assert "de type « " in record["messages"][0]["content"]


def test_ann_pointing_outside_its_text(tmp_path):
    (tmp_path / "doc.txt").write_text("Fièvre.", encoding="utf-8")
    (tmp_path / "doc.ann").write_text(
        "T1\tDISO 0 6\tFièvre\nT2\tDISO 3 40\tvre.\n", encoding="utf-8"
    )
    result = run_cli("build", "--source", "brat", "--input", tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {tmp_path / 'doc.ann'}:2: span (3, 40) outside the text"
    )
