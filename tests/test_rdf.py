from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.rdf import read_rdf
from lxml import etree

from tests.conftest import ONTOLOGY

NS = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def test_owl_concepts_match_an_independent_count():
    path = ONTOLOGY / "DO_cancer_slim.owl"
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    classes = tree.findall("owl:Class", NS)
    labelled = [c for c in classes if c.find("rdfs:label", NS) is not None]
    deprecated = [
        c for c in labelled if (c.findtext("owl:deprecated", namespaces=NS) or "") == "true"
    ]
    graph = ConceptGraph()
    counts = read_rdf(path, graph, "rdfxml")
    assert counts["concepts"] == len(labelled) - len(deprecated) == len(graph)
    assert counts["obsolete"] == len(deprecated)


def test_owl_and_obo_of_the_same_ontology_agree():
    from_owl, from_obo = ConceptGraph(), ConceptGraph()
    read_rdf(ONTOLOGY / "DO_cancer_slim.owl", from_owl, "rdfxml")
    read_obo(ONTOLOGY / "DO_cancer_slim.obo", from_obo)
    assert set(from_owl.concepts) == set(from_obo.concepts)
    concept_owl, concept_obo = from_owl.get("DOID:0001816"), from_obo.get("DOID:0001816")
    assert concept_owl.labels == concept_obo.labels == {"en": "angiosarcoma"}
    assert concept_owl.definitions == concept_obo.definitions
    assert set(concept_owl.parents) == set(concept_obo.parents) == {"DOID:162"}
    assert "MESH:D006394" in concept_owl.xrefs and "MESH:D006394" in concept_obo.xrefs


def test_turtle_synonyms_attach_as_french_to_existing_concepts():
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    counts = read_rdf(ONTOLOGY / "hp_sample-fr.synonyms.ttl", graph, "turtle")
    graph.finish()
    assert counts["translations"] == 1286
    assert set(graph.get("HP:0000005").synonyms["fr"]) >= {"Transmission", "Mode d'héritage"}
    # "Néphropathie|Rein" holds two synonyms joined by '|', as HPO writes them
    assert {"Néphropathie", "Rein"} <= set(graph.get("HP:0000077").synonyms["fr"])


def test_owl_imports_are_never_fetched(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    path = tmp_path / "imports.ttl"
    path.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<http://example.org/onto> a owl:Ontology ;\n"
        "    owl:imports <http://purl.obolibrary.org/obo/hp.owl> .\n"
        '<http://purl.obolibrary.org/obo/X_1> a owl:Class ; rdfs:label "one"@en, "un"@fr .\n'
    )
    graph = ConceptGraph()
    counts = read_rdf(path, graph, "turtle")
    assert counts["concepts"] == 1
    assert graph.get("X:1").labels == {"en": "one", "fr": "un"}
    assert "HP:0000001" not in graph.concepts
