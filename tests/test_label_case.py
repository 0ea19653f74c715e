"""A label inside a sentence reads as running text: its first word lowercase, unless it is a
name ("Marfan syndrome", "Streptococcus pneumoniae"), which the graph's own labels tell."""

import pytest
from corpus.sources.hetop.graph import LABEL, SYNONYM, ConceptGraph
from corpus.sources.hetop.label_case import ATTESTED, RULES, UNLESS_NAME, LabelCase
from corpus.sources.hetop.templates import load_templates
from corpus.sources.hetop.verbalize import Verbalizer

from tests.conftest import hpo_sample_in_french

LABELS = {
    "en": [
        "Abnormality of the pleura",
        "Generalized abnormality of skin",  # "abnormality" in lowercase: a common word
        "Marfan syndrome",
        "Neonatal Marfan syndrome",  # "Marfan" capitalized past the first word: a name
        "Zika fever",  # "Zika" seen nowhere else: English keeps the capital
        "neonatal sepsis syndrome",  # DOID's all-lowercase labels say nothing of case
        "Sepsis syndrome",
        "Malignant neoplasm: Anterior wall of bladder",  # a capital after ":" opens a phrase
        "Anterior uveitis",
        "Acute anterior uveitis",
        "DNA repair defect",
        "B-cell lymphoma",
        "Severe Acute Respiratory Syndrome",  # title case: its capitals name nothing
        "Acute sinusitis",
        "Recurrent acute sinusitis",
        "Down syndrome",
        "Looking down spasm",  # "down" in lowercase, but DOID writes Down syndrome so
    ],
    "fr": [
        "Anomalie de la plèvre",  # French lowers a first word that is no name
        "Infection à Streptococcus",
        "Streptococcus pneumoniae, infection",
    ],
    # German capitalizes nouns: only an adjective is seen in lowercase past a first word
    "de": ["Anomalie der Pleura", "Hepatische Fibrose", "Erhöhte hepatische Enzyme"],
}


# synonyms are written loosely: a word they have in lowercase once says little
SYNONYMS = {
    "Brushfield spots": ["Iris brushfield spots"],
    "Sparse hair": ["Thin and sparse hair", "Hair, thin and sparse"],
}
# a terminology that writes its labels in lowercase (DOID) capitalizes names only
LOWERCASE_TERMINOLOGY = ["vascular disease", "sepsis", "Down syndrome"]


def small_graph() -> ConceptGraph:
    graph = ConceptGraph()
    for lang, labels in LABELS.items():
        for number, label in enumerate(labels):
            graph.concept(f"X:{lang}{number}", "X", f"{lang}{number}").add(LABEL, lang, label)
    for label, synonyms in SYNONYMS.items():
        concept = graph.concept(f"X:{label}", "X", label)
        concept.add(LABEL, "en", label)
        for synonym in synonyms:
            concept.add(SYNONYM, "en", synonym)
    for number, label in enumerate(LOWERCASE_TERMINOLOGY):
        graph.concept(f"Y:{number}", "Y", str(number)).add(LABEL, "en", label)
    return graph


@pytest.mark.parametrize(
    ("label", "lang", "running"),
    [
        ("Abnormality of the pleura", "en", "abnormality of the pleura"),
        ("Marfan syndrome", "en", "Marfan syndrome"),
        ("Zika fever", "en", "Zika fever"),
        ("Sepsis syndrome", "en", "Sepsis syndrome"),
        ("Anterior uveitis", "en", "anterior uveitis"),
        ("DNA repair defect", "en", "DNA repair defect"),
        ("Acute sinusitis", "en", "acute sinusitis"),
        ("Down syndrome", "en", "Down syndrome"),
        ("Brushfield spots", "en", "Brushfield spots"),
        ("Sparse hair", "en", "sparse hair"),
        ("B-cell lymphoma", "en", "B-cell lymphoma"),
        ("Anomalie de la plèvre", "fr", "anomalie de la plèvre"),
        ("Streptococcus pneumoniae, infection", "fr", "Streptococcus pneumoniae, infection"),
        ("Anomalie der Pleura", "de", "Anomalie der Pleura"),
        ("Hepatische Fibrose", "de", "hepatische Fibrose"),
    ],
)
def test_a_first_word_is_lowered_unless_the_labels_say_it_is_a_name(label, lang, running):
    case = LabelCase(small_graph(), {"en": ATTESTED, "fr": UNLESS_NAME, "de": ATTESTED})
    assert case.running(label, lang) == running


def test_the_languages_written_with_capitals_have_a_rule_and_korean_and_japanese_none():
    rules = {lang: t.running_case for lang, t in load_templates().items()}
    assert rules == {
        "en": ATTESTED,
        "fr": UNLESS_NAME,
        "es": UNLESS_NAME,
        "de": ATTESTED,
        "ja": "",
        "ko": "",
    }
    assert set(rules.values()) - {""} <= set(RULES)


def test_records_name_parents_and_children_as_running_text_and_quote_labels_as_written():
    graph = hpo_sample_in_french()
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    # Abnormality of the mouth (HP:0000153) is a kind of Abnormality of the face
    mouth = graph.get("HP:0000153")
    assert graph.get(mouth.parents[0]).labels == {
        "en": "Abnormality of the face",
        "fr": "Anomalie du visage",
    }
    records = list(verbalizer.records(mouth))
    texts = {r.lang: r.text for r in records if r.kind == "text"}
    assert "It is a kind of abnormality of the face." in texts["en"]
    assert "C'est une sorte d'anomalie du visage." in texts["fr"]
    assert texts["en"].startswith("Abnormality of the mouth is")  # a sentence's start: as written
    assert texts["fr"].startswith("« Anomalie de la bouche »")  # quoted: as written
    answers = {
        (r.lang, r.meta["template"].split(".")[0]): r.messages[1]["content"]
        for r in records
        if r.kind == "instruct"
    }
    assert answers["en", "code_to_label"] == "HP:0000153 is abnormality of the mouth."
    assert answers["fr", "code_to_label"] == "Le code HP:0000153 désigne « Anomalie de la bouche »."
    assert answers["fr", "translation"] == "Abnormality of the mouth"  # an answer alone: as written
