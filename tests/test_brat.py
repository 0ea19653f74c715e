"""brat on the real QUAERO sample: entities equal the .ann files, lists are exact substrings,
the tokenizer's spaces are gone and the offsets follow."""

import json
import re

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


def spaceless(text):
    return re.sub(r"[ \t]", "", text)


def test_entities_equal_the_ann_files_and_lists_are_substrings(tmp_path):
    out = tmp_path / "quaero"
    result = run_cli("build", "--source", "brat", "--input", QUAERO, "--phi", "off", "--out", out)
    assert result.returncode == 0, result.stderr
    text = pq.read_table(out / "data" / "text").to_pylist()
    anns = sorted(QUAERO.rglob("*.ann"))
    assert len(text) == len(anns) == 64
    total = detokenized = 0
    for record in text:
        dataset, name = record["source_id"].split("/")
        meta = json.loads(record["meta"])
        # the tokenizer's spaces are gone, nothing else: each entity points at its own text
        original = (QUAERO / dataset / f"{name}.txt").read_text(encoding="utf-8")
        assert spaceless(record["text"]) == spaceless(original)
        detokenized += meta.get("detokenized", False)
        expected = {
            (i, kind, spaceless(t)) for i, kind, t in ann_entities(QUAERO / dataset / f"{name}.ann")
        }
        got = {(e["id"], e["type"], spaceless(e["text"])) for e in meta["entities"]}
        assert got == expected
        for entity in meta["entities"]:
            assert " ".join(record["text"][s:e] for s, e in entity["spans"]) == entity["text"]
        total += len(got)
    assert total == 889
    # all but one title, which has no punctuation to tell by ("La contraception par …")
    assert detokenized == 63
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["steps"]["brat"]["detokenized_documents"] == 63
    # a discontinuous entity ("T12\tDISO 10 25;40 52") is no substring: in no list
    discontinuous = sum(
        bool(re.match(r"T\d+\t\S+ \d+ \d+;", line))
        for ann in anns
        for line in ann.read_text(encoding="utf-8").splitlines()
    )
    assert manifest["steps"]["brat"]["discontinuous_left_out_of_lists"] == discontinuous == 3
    record = next(r for r in text if r["source_id"] == "EMEA/345_1")
    refludan, entities = record["text"], json.loads(record["meta"])["entities"]
    assert "forme de poudre, conditionnée en flacon, à faire dissoudre" in refludan
    assert "(goutte-à-goutte dans une veine)." in refludan
    assert "induite par l’héparine (dite TIH – il s’agit d’une" in refludan
    assert "Qu’est-ce que Refludan ?" in refludan  # French keeps its space before ?
    assert "est de 0 , 4 mg/kg de poids" in refludan  # decimal or list: left as written
    assert not refludan.startswith(" ") and " \n" not in refludan
    t18 = next(e for e in entities if e["id"] == "T18")  # "… par l ’ héparine" in the .ann
    assert t18["text"] == "thrombocytopénie induite par l’héparine"
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
