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
