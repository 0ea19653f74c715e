"""MeSH's flat lists: NLM's tree lines (category C) and Inserm's French/English term dictionary,
joined into concepts with English and French labels and tree parents."""

import json
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.mesh import read_mesh_xml
from corpus.sources.hetop.mesh_lists import (
    MeshLists,
    join_mesh_lists,
    read_mesh_terms,
    read_mesh_trees,
)

from corpus.build import build
from corpus.errors import InputError
from tests.conftest import ONTOLOGY, run_cli

TREES = ONTOLOGY / "mesh_mtrees2024_C.txt"
TERMS = ONTOLOGY / "mesh_fr_en_dict.json"


def _file_trees() -> dict[str, list[str]]:
    trees: dict[str, list[str]] = defaultdict(list)
    for line in TREES.read_text(encoding="ascii").splitlines():
        heading, tree = line.split(";")
        trees[heading].append(tree)
    return trees


def _file_terms() -> dict[str, list[str]]:
    terms: dict[str, list[str]] = defaultdict(list)
    for entry in json.loads(TERMS.read_text(encoding="utf-8")):
        terms[entry["id"]].append(entry["term"])
    return terms


def _joined(*readers) -> tuple[ConceptGraph, dict]:
    graph, lists = ConceptGraph(), MeshLists()
    for reader, path in readers:
        reader(path, graph if reader is read_mesh_xml else lists)
    counts = join_mesh_lists(lists, graph)
    graph.finish()
    return graph, counts


def test_headings_tell_the_english_term_and_the_other_is_french():
    trees, terms = _file_trees(), _file_terms()
    graph, counts = _joined((read_mesh_trees, TREES), (read_mesh_terms, TERMS))
    owners: dict[str, list[str]] = defaultdict(list)
    for code, names in terms.items():
        for name in names:
            owners[name].append(code)
    # a heading that only one descriptor has among its terms is that descriptor's English name
    expected = {
        owners[heading][0]: heading for heading in trees if len(owners.get(heading, [])) == 1
    }
    # Anthrax is D000881's heading and French for D002270, Carbuncle: it goes to D000881
    assert sorted(owners["Anthrax"]) == ["D000881", "D002270"]
    expected["D000881"] = "Anthrax"
    assert {c.code for c in graph} == set(expected)
    assert counts["descriptors_en_fr"] == len(graph) == 1539
    assert counts["descriptors_language_unknown"] == len(terms) - len(graph)
    for code, english in expected.items():
        concept = graph.get(f"MESH:{code}")
        others = [name for name in terms[code] if name != english] or [english]
        assert concept.labels == {"en": english, "fr": others[0]}
    assert graph.get("MESH:D000006").labels == {"en": "Abdomen, Acute", "fr": "Abdomen aigu"}
    assert graph.get("MESH:D002270").labels == {"en": "Carbuncle", "fr": "Anthrax"}
    assert graph.get("MESH:D000881").labels["fr"] == "Maladie du charbon"


def test_tree_numbers_give_parents_among_the_joined_descriptors():
    trees = _file_trees()
    graph, counts = _joined((read_mesh_terms, TERMS), (read_mesh_trees, TREES))  # either order
    heading_at = {tree: heading for heading, numbers in trees.items() for tree in numbers}
    code_of = {concept.labels["en"]: concept.id for concept in graph}
    with_parents = 0
    for concept in graph:
        numbers = trees[concept.labels["en"]]
        parent_headings = {heading_at[t.rpartition(".")[0]] for t in numbers if "." in t}
        expected = {code_of[h] for h in parent_headings if h in code_of}
        assert set(concept.parents) == expected
        with_parents += bool(expected)
    assert with_parents > len(graph) // 2  # the others' parents are past D007999: cut
    # Infections (C01) tops its branch; Abortion, Habitual (C12.050.703.039.089) is under
    # Abortion, Spontaneous (C12.050.703.039)
    assert graph.get(code_of["Abortion, Habitual"]).parents == [code_of["Abortion, Spontaneous"]]
    assert not graph.get(code_of["Infections"]).parents
    assert counts["headings_without_descriptor"] == len(trees) - len(graph)


def test_descriptor_xml_names_the_english_term_without_tree_lines():
    graph, _ = _joined(
        (read_mesh_xml, ONTOLOGY / "mesh_desc2006_sample.xml"), (read_mesh_terms, TERMS)
    )
    calcimycin = graph.get("MESH:D000001")
    assert _file_terms()["D000001"] == ["A-23187", "Calcimycin"]
    assert calcimycin.labels == {"en": "Calcimycin", "fr": "A-23187"}
    assert calcimycin.xrefs  # what the XML said stays: its UMLS code


def test_build_writes_french_text_translations_and_the_inserm_license(tmp_path):
    inputs = [InputFile(path, path.name) for path in (TREES, TERMS)]
    result = build("hetop", inputs, tmp_path / "out", SourceOptions())
    text = pq.read_table(tmp_path / "out" / "data" / "text").to_pylist()
    by_lang = defaultdict(int)
    for row in text:
        by_lang[row["lang"]] += 1
    assert by_lang == {"en": 1539, "fr": 1539}
    acute = next(r["text"] for r in text if r["text"].startswith("« Abdomen aigu »"))
    assert "D000006" in acute and "« Abdomen, Acute »" in acute
    instruct = pq.read_table(tmp_path / "out" / "data" / "instruct").to_pylist()
    pairs = {(m[0]["content"], m[1]["content"]) for m in (r["messages"] for r in instruct)}
    assert any(a == "Abdomen aigu" and "Abdomen, Acute" in q for q, a in pairs)
    assert any(a == "Abdomen, Acute" and "Abdomen aigu" in q for q, a in pairs)
    (mesh,) = result.manifest["licenses"]
    assert "CC-BY-NC-4.0" in mesh["license"] and "no commercial use" in mesh["note"]
    assert "no commercial use" in (tmp_path / "out" / "README.md").read_text()


def test_a_descriptor_with_several_other_terms_keeps_its_english_name_and_parents(tmp_path):
    trees = tmp_path / "mtrees.bin"
    trees.write_text("Infections;C01\nBacterial Infections;C01.150\n")
    terms = tmp_path / "terms.json"
    entries = [
        ("Infections", "D007239"),
        ("Infection", "D007239"),
        ("Bacterial Infections", "D001424"),
        ("Infections bactériennes", "D001424"),
        ("Bactérioses", "D001424"),  # two others: which one is the French label is not said
    ]
    terms.write_text(json.dumps([{"term": t, "id": i} for t, i in entries]))
    graph, counts = _joined((read_mesh_trees, trees), (read_mesh_terms, terms))
    bacterial = graph.get("MESH:D001424")
    assert bacterial.labels == {"en": "Bacterial Infections"}
    assert bacterial.parents == ["MESH:D007239"]
    assert graph.get("MESH:D007239").labels == {"en": "Infections", "fr": "Infection"}
    assert (counts["descriptors_joined"], counts["descriptors_en_fr"]) == (2, 1)
    assert counts["descriptors_french_unknown"] == 1


@pytest.mark.parametrize(
    ("alone", "says"),
    [(TERMS, "no descriptor's English term is known"), (TREES, "no heading names a known")],
)
def test_either_list_alone_is_an_error_that_names_the_missing_one(tmp_path, alone, says):
    result = run_cli("build", "--source", "hetop", "--input", alone, "--out", tmp_path / "out")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"error: {alone}: ") and says in line
    assert not (tmp_path / "out").exists()


def test_bad_lines_and_entries_are_named_by_line(tmp_path):
    trees = tmp_path / "mtrees.bin"
    trees.write_text("Infections;C01\nAbscess C01.830.025\n")
    with pytest.raises(InputError) as error:
        read_mesh_trees(trees, MeshLists())
    assert (error.value.line, "Heading;TreeNumber" in error.value.message) == (2, True)
    terms = tmp_path / "terms.json"
    terms.write_text('[\n  {"term": "Abdomen", "id": "D000005"},\n  {"term": "Abdomen aigu"}\n]\n')
    with pytest.raises(InputError) as error:
        read_mesh_terms(terms, MeshLists())
    assert (error.value.line, "descriptor id" in error.value.message) == (3, True)
    terms.write_text(
        '[\n  {"term": "Abdomen", "id": "D000005"},\n  {"term": "Abdomen aigu", "id": }\n]'
    )
    with pytest.raises(InputError) as error:
        read_mesh_terms(terms, MeshLists())
    assert (error.value.line, error.value.message.startswith("invalid JSON")) == (3, True)


def test_each_list_file_counts_its_own_headings_and_descriptors(tmp_path):
    files = {
        "c01.bin": "Infections;C01\nBacterial Infections;C01.150\n",
        "c04.bin": "Neoplasms;C04\nInfections;C01\n",
        "en.json": '[{"term": "Infections", "id": "D007239"}]',
        "fr.json": '[{"term": "Infection", "id": "D007239"},'
        ' {"term": "Tumeurs", "id": "D009369"}, {"term": "Neoplasms", "id": "D009369"}]',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    inputs = [InputFile(tmp_path / name, name) for name in files]
    result = build("hetop", inputs, tmp_path / "out", SourceOptions())
    counts = {item["path"]: item["counts"] for item in result.manifest["inputs"]}
    assert (counts["c01.bin"]["headings"], counts["c04.bin"]["headings"]) == (2, 2)
    assert (counts["en.json"]["descriptors"], counts["fr.json"]["descriptors"]) == (1, 2)
    assert counts["c04.bin"]["tree_numbers"] == 2
