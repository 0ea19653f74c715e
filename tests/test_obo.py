import re
from pathlib import Path

import pytest
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.obo import read_obo

from corpus.errors import InputError
from tests.conftest import ONTOLOGY


def independent_count(path: Path) -> tuple[int, int, int]:
    """[Term] stanzas, obsolete ones, and obsolete ones with a replacement, by regex."""
    text = path.read_text(encoding="utf-8")
    stanzas = re.split(r"^\[", text, flags=re.M)
    terms = [s for s in stanzas if s.startswith("Term]")]
    obsolete = [s for s in terms if re.search(r"^is_obsolete: true", s, flags=re.M)]
    replaced = [s for s in obsolete if re.search(r"^replaced_by: ", s, flags=re.M)]
    return len(terms), len(obsolete), len(replaced)


@pytest.mark.parametrize("name", ["hp_sample.obo", "doid_sample.obo", "DO_cancer_slim.obo"])
def test_concept_count_is_terms_minus_obsolete(name):
    path = ONTOLOGY / name
    graph = ConceptGraph()
    counts = read_obo(path, graph)
    terms, obsolete, replaced = independent_count(path)
    assert counts["concepts"] == terms - obsolete == len(graph)
    assert counts["obsolete"] == obsolete
    assert counts["obsolete_replaced"] == replaced


def test_term_fields_are_read():
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    graph.finish()
    concept = graph.get("HP:0000006")
    assert concept.labels["en"] == "Autosomal dominant inheritance"
    assert concept.definitions["en"].startswith("A mode of inheritance that is observed")
    assert "Autosomal dominant" in concept.synonyms["en"]
    assert concept.parents == ["HP:0034345"]
    assert "HP:0000006" in graph.get("HP:0034345").children
    assert any(x.startswith("UMLS:") for x in concept.xrefs)


def test_relation_names_in_definitions_read_as_words():
    """DOID writes relations into definitions (has_material_basis_in); prose needs words."""
    path = ONTOLOGY / "doid_sample.obo"
    written = re.findall(r'^def: "(.*)" \[', path.read_text(encoding="utf-8"), flags=re.M)
    joined = [d for d in written if re.search(r"\b(has_symptom|located_in|results_in)\b", d)]
    assert len(joined) > 100
    graph = ConceptGraph()
    read_obo(path, graph)
    definitions = [c.definitions["en"] for c in graph if "en" in c.definitions]
    assert not any(re.search(r"\b(has_symptom|located_in|results_in)\b", d) for d in definitions)
    assert sum("has symptom" in d for d in definitions) > 100
    concept = ConceptGraph().concept("X:1", "X", "1")
    concept.add("definition", "en", "A disease located_in skin (see http://a.org/b_c_d).")
    assert concept.definitions["en"] == "A disease located in skin (see http://a.org/b_c_d)."


def test_alt_ids_resolve_to_the_primary_concept():
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    assert graph.get("HP:0001425").id == "HP:0000005"


def test_malformed_line_names_its_line(tmp_path):
    bad = tmp_path / "bad.obo"
    bad.write_text("format-version: 1.2\n\n[Term]\nid: X:1\nname: one\nthis line has no tag\n")
    with pytest.raises(InputError) as info:
        read_obo(bad, ConceptGraph())
    assert (info.value.path, info.value.line) == (str(bad), 6)


def test_unquoted_definition_is_an_error(tmp_path):
    bad = tmp_path / "bad.obo"
    bad.write_text("[Term]\nid: X:1\nname: one\ndef: not quoted [x]\n")
    with pytest.raises(InputError, match="quoted") as info:
        read_obo(bad, ConceptGraph())
    assert info.value.line == 4


def test_stanza_without_id_is_an_error(tmp_path):
    bad = tmp_path / "bad.obo"
    bad.write_text("[Term]\nname: nameless\n\n[Term]\nid: X:2\nname: two\n")
    with pytest.raises(InputError, match="without an 'id:'") as info:
        read_obo(bad, ConceptGraph())
    assert info.value.line == 1
