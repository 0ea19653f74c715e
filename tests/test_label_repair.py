import re
import xml.etree.ElementTree as ElementTree

import pyarrow.parquet as pq
import pytest
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.icd10 import read_icd10_xml
from corpus.sources.hetop.label_repair import balance_brackets, repair, unquote_sql
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.tables import read_babelon, read_code_table
from corpus.sources.hetop.templates import load_templates
from corpus.sources.hetop.verbalize import Verbalizer

from tests.conftest import ONTOLOGY, layouts, tsv_rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("'Canalopathie non ''pore loop'''", "Canalopathie non 'pore loop'"),
        ("Canalopathie ''cys-loop''", "Canalopathie 'cys-loop'"),
        ("'Quoted'", "Quoted"),
        ("Canalopathie non ''pore loop'' CFTR'", "Canalopathie non 'pore loop' CFTR"),
        ("Parents'", None),
        ("Alzheimer's disease", None),  # one apostrophe: written, not escaped
        ("'Sunset' and 'dawn'", None),  # quotes inside are not doubled
        ("''", None),
    ],
)
def test_sql_escaped_values_are_unescaped(value, expected):
    assert unquote_sql(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Encephalitis [Russian spring-summer encephalitis",
            "Encephalitis [Russian spring-summer encephalitis]",
        ),
        ("Alveolar conditions)", "Alveolar conditions"),
        ("Histiocytosis) [Letterer-Siwe disease]", "Histiocytosis [Letterer-Siwe disease]"),
        ("Balanced (as written) [here]", None),
        ("(Infection (of x) or (y)", None),  # left open before others: where to close is a guess
        ("Two (slips [here", None),
    ],
)
def test_one_unmatched_bracket_is_mended(value, expected):
    assert balance_brackets(value) == expected


def test_a_value_with_a_lost_character_is_dropped():
    assert repair("低?正常血圧") == (None, "values_with_lost_characters_dropped")
    assert repair("Lost \ufffd here")[0] is None
    assert repair("What? Nothing lost") == ("What? Nothing lost", None)


def test_orphanet_names_read_without_their_sql_escapes():
    """Orphanet's French table SQL-escapes a few names ('Canalopathie non ''pore loop'' …'),
    some with both outer quotes, some with one or none: the label is the name as written."""
    escaped = {
        row["orphanumber"]: row["name"]
        for row in tsv_rows(ONTOLOGY / "orphanet_fr.tsv")
        if "''" in row["name"]
    }
    assert len(escaped) >= 7
    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "orphanet_fr.tsv", graph, layouts("code=orphanumber,fr=name"))
    graph.finish()
    for code, name in escaped.items():
        label = graph.get(f"ORPHA:{code}").labels["fr"]
        assert "''" not in label and not label.startswith("'")
        written = re.sub(r"^'(?!')|(?<!')'$", "", name).replace("''", "'")
        assert label == " ".join(written.split())
    assert graph.get("ORPHA:98114").labels["fr"].startswith("Canalopathie non 'pore loop' due")
    assert graph.stats["sql_escaped_values_unescaped"] >= len(escaped)


def test_kcd_english_labels_have_their_brackets_closed():
    """KCD's English file lost a bracket in a few labels (A84.0 '[Russian spring-summer
    encephalitis', J84.0 'conditions)'); every English label of the graph is balanced."""
    unbalanced = [
        row["code"]
        for row in tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")
        if row["en"].count("(") != row["en"].count(")")
        or row["en"].count("[") != row["en"].count("]")
    ]
    assert {"A84.0", "J84.0", "C96.0"} <= set(unbalanced)
    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    graph.finish()
    for concept in graph:
        label = concept.labels.get("en", "")
        assert label.count("(") == label.count(")") and label.count("[") == label.count("]")
    assert graph.get("KCD:A84.0").labels["en"].endswith("[Russian spring-summer encephalitis]")
    assert graph.get("KCD:J84.0").labels["en"] == "Alveolar and parietoalveolar conditions"
    assert graph.stats["brackets_balanced"] >= len(unbalanced)


def test_kcd_acute_accents_typed_for_apostrophes_are_apostrophes():
    """KCD writes "Kaposi’s sarcoma" 183 times with an apostrophe and 5 labels with an acute
    accent ("Kaposi´s sarcoma"): they read as the others, and C46.7 and C46.78, both 기타
    부위의 카포시육종, are one English name again (one answer to translate it into)."""
    rows = tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")
    accented = {row["code"] for row in rows if "\u00b4" in row["en"]}
    assert len(accented) == 5
    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    graph.finish()
    assert graph.stats["acute_accents_as_apostrophes"] == len(accented)
    english = {row["code"]: row["en"] for row in rows}
    for code in accented:
        label = graph.get(f"KCD:{code}").labels["en"]
        assert label == " ".join(english[code].replace("\u00b4", "’").split())
    assert graph.get("KCD:C46.7").labels["en"] == graph.get("KCD:C46.78").labels["en"]
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    for code in ("C46.7", "C46.78"):
        pairs = {
            (r.meta["source_lang"], r.meta["target_lang"])
            for r in verbalizer.records(graph.get(f"KCD:{code}"))
            if r.kind == "instruct" and r.task == "translation"
        }
        assert ("ko", "en") in pairs
    assert "translation_ambiguous_skipped" not in verbalizer.stats


def test_a_japanese_label_with_a_lost_character_is_not_read():
    """HPO's Japanese file writes HP:0002632's label with a '?' where a character was lost."""
    lost = re.compile(r"[^\W\d_]\?[^\W\d_]")
    table = tsv_rows(ONTOLOGY / "hp-ja.babelon.tsv")
    rows = [row for row in table if lost.search(row["translation_value"])]
    assert rows
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(ONTOLOGY / "hp-ja.babelon.tsv", graph)
    graph.finish()
    assert "ja" not in graph.get("HP:0002632").labels
    assert sum("ja" in concept.labels for concept in graph) > 100  # the others are read
    labels = [label for concept in graph for label in concept.labels.values()]
    assert not [label for label in labels if lost.search(label)]
    assert graph.stats["values_with_lost_characters_dropped"] >= 1


def test_hpo_root_all_is_no_concept_and_its_children_are_roots(sample_build):
    """HP:0000001 'All' holds HPO's branches together; 'a kind of all' says nothing."""
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    assert graph.get("HP:0000001").labels["en"] == "All"
    under_all = [c.id for c in graph if "HP:0000001" in c.parents]
    assert "HP:0000118" in under_all
    graph.finish()
    assert graph.get("HP:0000001") is None
    assert all(graph.get(child).parents == [] for child in under_all)
    assert graph.stats["container_roots_dropped"] == 1
    text = pq.read_table(sample_build / "data" / "text").column("text").to_pylist()
    assert not [t for t in text if re.search(r"kind of all\b|sorte de tout\b", t)]
    assert [t for t in text if t.startswith("Phenotypic abnormality")]


def test_a_root_with_a_definition_or_another_name_stays():
    graph = ConceptGraph()
    for concept_id, label, definition in (
        ("X:1", "All", "Every thing there is."),
        ("Y:1", "disease", ""),
    ):
        root = graph.concept(concept_id, concept_id[0], "1")
        root.add("label", "en", label)
        if definition:
            root.add("definition", "en", definition)
        child = graph.concept(f"{concept_id[0]}:2", concept_id[0], "2")
        child.add("label", "en", "child")
        child.add_parent(concept_id)
    graph.finish()
    assert graph.get("X:2").parents == ["X:1"] and graph.get("Y:2").parents == ["Y:1"]


def test_snomed_semantic_tags_are_no_part_of_a_name():
    """DOID copies SNOMED CT's fully specified names as synonyms, semantic tag and all: "It is
    also known as HELLP syndrome (disorder)" beside the label HELLP syndrome."""
    assert repair("HELLP syndrome (disorder)") == ("HELLP syndrome", "snomed_semantic_tags_removed")
    assert repair("Leprosy (superficial)") == ("Leprosy (superficial)", None)  # no tag
    text = (ONTOLOGY / "doid_sample.obo").read_text(encoding="utf-8")
    tag = r" \((?:disorder|finding|morphologic abnormality)\)"
    tagged = re.findall(rf'^synonym: "(.*){tag}" ', text, flags=re.M)
    assert len(tagged) > 1000
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "doid_sample.obo", graph)
    graph.finish()
    synonyms = [s for concept in graph for s in concept.synonyms.get("en", [])]
    assert not [s for s in synonyms if re.search(tag + "$", s)]
    hellp = graph.get("DOID:13133")
    assert hellp.labels["en"] == "HELLP syndrome"
    assert hellp.synonyms["en"] == [
        "syndrome of haemolysis, elevated liver enzymes and low platelet"
    ]
    assert graph.stats["snomed_semantic_tags_removed"] > 1000
    assert graph.stats["synonyms_same_once_repaired_dropped"] > 100


def test_a_space_before_a_colon_is_kept_in_french_only():
    """WHO's ICD-10 XML sets its English labels in French typography ("… alcohol : acute
    intoxication"); the French CIM-10 table's labels keep the space French writes."""
    who = ONTOLOGY / "who_icd10_2019_ch01-13.xml"
    spaced = [d.text for d in ElementTree.parse(who).iter("description") if " : " in d.text]
    assert len(spaced) > 100
    graph = ConceptGraph()
    counts = read_icd10_xml(who, graph)
    graph.finish()
    # the colons the reader gave back (F10.3 …) are no spaces the file set
    assert counts["subtitle_colons_restored"] > 0
    assert graph.stats["spaces_before_colons_removed"] == len(spaced)
    assert not [c.labels["en"] for c in graph if " : " in c.labels["en"]]
    alcohol = graph.get("ICD10:F10.0").labels["en"]
    assert alcohol == "Mental and behavioural disorders due to use of alcohol: acute intoxication"
    french = ConceptGraph()
    read_code_table(ONTOLOGY / "cim10_fr.tsv", french, layouts("code=code,fr=lib_long"))
    french.finish()
    written = [row["lib_long"] for row in tsv_rows(ONTOLOGY / "cim10_fr.tsv")]
    kept = sorted(c.labels["fr"] for c in french if " : " in c.labels.get("fr", ""))
    assert kept and kept == sorted(label for label in written if " : " in label)
    assert "spaces_before_colons_removed" not in french.stats
