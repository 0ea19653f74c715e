"""MeSH descriptor XML: NLM's real sample, and tree numbers (NLM's real C01 subtree) as parents."""

import re
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape

import pytest
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.mesh import read_mesh_xml

from corpus.errors import InputError
from tests.conftest import ONTOLOGY

SAMPLE = ONTOLOGY / "mesh_desc2006_sample.xml"


def test_descriptors_become_concepts_with_entry_terms_and_umls_codes():
    graph = ConceptGraph()
    counts = read_mesh_xml(SAMPLE, graph)
    graph.finish()
    text = SAMPLE.read_text()
    assert counts["concepts"] == len(graph) == len(re.findall(r"<DescriptorRecord\b", text))
    record = ElementTree.fromstring(text.split("\n", 2)[2]).find("DescriptorRecord")
    code = record.findtext("DescriptorUI")
    concept = graph.get(f"MESH:{code}")
    assert concept.labels == {"en": record.findtext("DescriptorName/String").strip()}
    preferred = record.find("ConceptList/Concept[@PreferredConceptYN='Y']")
    assert concept.definitions["en"] == " ".join(preferred.findtext("ScopeNote").split())
    entry_terms = [
        term.findtext("String")
        for term in record.iterfind("ConceptList/Concept/TermList/Term")
        if term.get("IsPermutedTermYN") != "Y"
    ]
    expected = [t for t in dict.fromkeys(entry_terms) if t != concept.labels["en"]]
    assert concept.synonyms["en"] == expected
    assert "A23187, Antibiotic" not in expected  # a permuted form: left out
    assert concept.xrefs == [f"UMLS:{preferred.findtext('ConceptUMLSUI')}"]


def _mesh_xml(descriptors: dict[str, list[str]]) -> str:
    records = "".join(
        f"<DescriptorRecord><DescriptorUI>D{i:06d}</DescriptorUI>"
        f"<DescriptorName><String>{escape(name)}</String></DescriptorName><TreeNumberList>"
        + "".join(f"<TreeNumber>{tree}</TreeNumber>" for tree in trees)
        + "</TreeNumberList></DescriptorRecord>\n"
        for i, (name, trees) in enumerate(descriptors.items())
    )
    return f'<?xml version="1.0"?>\n<DescriptorRecordSet>\n{records}</DescriptorRecordSet>\n'


def test_tree_numbers_give_each_descriptor_its_parents(tmp_path):
    trees: dict[str, list[str]] = {}
    for line in (ONTOLOGY / "mesh_mtrees2024_C.txt").read_text().splitlines():
        heading, tree = line.rsplit(";", 1)
        if tree.split(".")[0] == "C01":
            trees.setdefault(heading, []).append(tree)
    path = tmp_path / "desc.xml"
    path.write_text(_mesh_xml(trees))
    graph = ConceptGraph()
    read_mesh_xml(path, graph)
    graph.finish()
    heading_at = {tree: heading for heading, numbers in trees.items() for tree in numbers}
    several = 0
    for concept in graph:
        heading = concept.labels["en"]
        expected = {heading_at[t.rpartition(".")[0]] for t in trees[heading] if "." in t}
        assert {graph.get(p).labels["en"] for p in concept.parents} == expected
        several += len(expected) > 1
    assert several  # headings at two places of the tree have both parents
    assert not graph.get("MESH:D000000").parents  # Infections, C01: the top
    assert len(graph) == len(trees)


def test_a_descriptor_without_its_ui_is_named_by_line(tmp_path):
    path = tmp_path / "desc.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<DescriptorRecordSet>\n<DescriptorRecord>\n'
        "<DescriptorName><String>Calcimycin</String></DescriptorName>\n"
        "</DescriptorRecord>\n</DescriptorRecordSet>\n"
    )
    with pytest.raises(InputError) as error:
        read_mesh_xml(path, ConceptGraph())
    assert (error.value.path, error.value.line) == (str(path), 3)
    assert "without DescriptorUI" in error.value.message
