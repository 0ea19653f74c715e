"""A label inside a sentence reads as running text: its first word lowercase, unless it is a
name ("Marfan syndrome", "Streptococcus pneumoniae"), which the graph's own labels tell."""

from importlib import resources
from pathlib import Path

import pytest
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.sources.hetop.graph import LABEL, SYNONYM, ConceptGraph
from corpus.sources.hetop.icd11 import read_icd11_sqlite
from corpus.sources.hetop.label_case import (
    ATTESTED,
    NOUNS_CAPITALIZED,
    RULES,
    UNLESS_NAME,
    LabelCase,
    WordForms,
    natural_order,
)
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.templates import load_templates
from corpus.sources.hetop.verbalize import Verbalizer

from tests.conftest import ONTOLOGY, hpo_sample_in_french

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
        "Speech and language disorders",
        "Chronic back pain",
        "Recurrent infections",
        "Infections of the skin",
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
# one that writes them in title case (MeSH's English) capitalizes every word: no names
TITLE_CASE_TERMINOLOGY = [
    "Language Disorders",
    "Back Pain",
    "Escherichia coli Infections",  # "Infections" past the first word: no name here
    "Obstetric Labor Complications",  # "labor" in lowercase nowhere: kept as written
    "Acinetobacter Infections",
]


def _labelled(graph: ConceptGraph, terminology: str, labels: dict[str, list[str]]) -> None:
    """One concept of `terminology` per label, each label in its language."""
    for lang, texts in labels.items():
        for number, label in enumerate(texts):
            code = f"{lang}{number}"
            graph.concept(f"{terminology}:{code}", terminology, code).add(LABEL, lang, label)


def small_graph() -> ConceptGraph:
    graph = ConceptGraph()
    _labelled(graph, "X", LABELS)
    for label, synonyms in SYNONYMS.items():
        concept = graph.concept(f"X:{label}", "X", label)
        concept.add(LABEL, "en", label)
        for synonym in synonyms:
            concept.add(SYNONYM, "en", synonym)
    for number, label in enumerate(LOWERCASE_TERMINOLOGY):
        graph.concept(f"Y:{number}", "Y", str(number)).add(LABEL, "en", label)
    for number, label in enumerate(TITLE_CASE_TERMINOLOGY):
        graph.concept(f"M:{number}", "M", str(number)).add(LABEL, "en", label)
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
        ("Language Disorders", "en", "language disorders"),
        ("Back Pain", "en", "back pain"),
        ("Escherichia coli Infections", "en", "Escherichia coli infections"),
        ("Obstetric Labor Complications", "en", "Obstetric Labor Complications"),
        ("Infections of the skin", "en", "infections of the skin"),
    ],
)
def test_a_first_word_is_lowered_unless_the_labels_say_it_is_a_name(label, lang, running):
    rules = {"en": ATTESTED, "fr": UNLESS_NAME, "de": NOUNS_CAPITALIZED}
    case = LabelCase(small_graph(), rules)
    assert case.running(label, lang) == running


def test_german_labels_are_never_read_as_title_case():
    """German capitalizes nouns: "Hepatische Leber Fibrose" has capitals past its first word
    that are grammar, so German labels do not read as title case (where a capital no label
    explains keeps the whole label as written), and a noun never loses its capital."""
    graph = small_graph()
    german = ["Abnorme Morphologie", "Hepatische Leber Fibrose", "Vergrößerte Leber Zellen"]
    for number, label in enumerate(german):
        graph.concept(f"G:{number}", "G", str(number)).add(LABEL, "de", label)
    case = LabelCase(graph, {"de": NOUNS_CAPITALIZED})
    assert not case.title_case["de"]
    assert case.running("Hepatische Leber Fibrose", "de") == "hepatische Leber Fibrose"
    as_english = LabelCase(graph, {"de": ATTESTED})
    assert "Hepatische Leber Fibrose" in as_english.title_case["de"]
    assert as_english.running("Hepatische Leber Fibrose", "de") == "Hepatische Leber Fibrose"


def _prose_graph() -> ConceptGraph:
    """Words whose only evidence is in definitions, and names whose only evidence is in a
    translation."""
    graph = small_graph()
    texts = [
        # (terminology, labels, English definition)
        ("X", {"en": "Cochlear otosclerosis"}, "Otosclerosis that reaches the cochlear bone."),
        ("X", {"en": "Initial stage of trachoma"}, "Initial signs; the initial stage of it."),
        ("X", {"en": "Still disease"}, "A fever that is still high, as in Still disease."),
        ("X", {"en": "Cerebral palsy"}, "A palsy that rings like a bell."),
        ("Y", {"en": "zika fever"}, "a fever caused by zika virus."),  # DOID-like: no evidence
        ("M", {"en": "Bell Palsy", "fr": "Paralysie de Bell"}, ""),
        (
            "X",
            {
                "en": "Penicillin resistant Neisseria meningitidis",
                "fr": "Neisseria meningitidis résistante à la pénicilline",
            },
            "",
        ),
    ]
    for number, (terminology, labels, definition) in enumerate(texts):
        concept = graph.concept(f"{terminology}:p{number}", terminology, f"p{number}")
        for lang, label in labels.items():
            concept.add(LABEL, lang, label)
        if definition:
            concept.add("definition", "en", definition)
    return graph


@pytest.mark.parametrize(
    ("label", "lang", "running"),
    [
        ("Cochlear otosclerosis", "en", "cochlear otosclerosis"),  # lowercase in a definition
        ("Initial stage of trachoma", "en", "initial stage of trachoma"),  # a sentence opens
        ("Still disease", "en", "Still disease"),  # capitalized mid-sentence: a name
        ("Zika fever", "en", "Zika fever"),  # a lowercase terminology's definitions tell nothing
        ("Bell Palsy", "en", "Bell palsy"),  # "a bell" in prose, but Paralysie de Bell
        (
            "Neisseria meningitidis résistante à la pénicilline",
            "fr",
            "Neisseria meningitidis résistante à la pénicilline",
        ),
    ],
)
def test_definitions_and_translations_are_evidence(label, lang, running):
    case = LabelCase(_prose_graph(), {"en": ATTESTED, "fr": UNLESS_NAME})
    assert case.running(label, lang) == running


def _counted_graph() -> ConceptGraph:
    """Capitals past a first word that are slips, beside many writings in lowercase."""
    labels = {
        "en": [
            "Severe pain",
            "3 Severe problem",  # a scale's step: "Severe" after a number, once
            *(f"Pain, {grade} severe" for grade in ("mild", "very", "not", "quite")),
            "Staphylococcus aureus sepsis",
            "Sepsis due to Staphylococcus aureus",  # a two-word name, never in lowercase
            *(f"Coagulase-negative staphylococcus {x}" for x in ("sepsis", "carriage")),
            *(f"Resistant staphylococcus {x}" for x in ("sepsis", "carriage")),
            "Aplasia/Hypoplasia of the thumb",
            "Thumb aplasia",
            "Thumb hypoplasia",
            "Anti-Th/To antibody positivity",
        ],
        "fr": [
            "Maladie de Crohn",
            "Autres Maladie du foie",  # a slip, beside four "maladie" in lowercase
            *(f"Démence de la maladie {x}" for x in ("A", "B", "C", "D")),
        ],
    }
    graph = ConceptGraph()
    _labelled(graph, "C", labels)
    return graph


@pytest.mark.parametrize(
    ("label", "lang", "running"),
    [
        ("Severe pain", "en", "severe pain"),
        ("Staphylococcus aureus sepsis", "en", "Staphylococcus aureus sepsis"),
        ("Aplasia/Hypoplasia of the thumb", "en", "aplasia/hypoplasia of the thumb"),
        ("Anti-Th/To antibody positivity", "en", "Anti-Th/To antibody positivity"),
        ("Maladie de Crohn", "fr", "maladie de Crohn"),
    ],
)
def test_a_capital_that_labels_write_in_lowercase_four_times_as_often_is_a_slip(
    label, lang, running
):
    case = LabelCase(_counted_graph(), {"en": ATTESTED, "fr": UNLESS_NAME})
    assert "severe" in case.lowercase["en"] and "severe" not in case.names["en"]
    assert "staphylococcus aureus" in case.name_phrases["en"]
    assert case.running(label, lang) == running


def _slips_graph() -> ConceptGraph:
    """Labels of a terminology in sentence case, a few with capitals past their first word
    that name nothing (slips, or a label in title case), beside words written in lowercase
    four times and names."""
    common = (
        "body", "trough", "deformity", "perceptual", "postural", "standard", "wall",
        "tear", "persistent", "antenatal", "walls", "can",
    )  # fmt: skip
    labels = {
        "en": [
            *(f"Finding of {word} {n}" for word in common for n in "abcd"),
            "Walls in the Body",
            "Tear Trough Deformity",  # title case in a sentence-case terminology
            "Persistent Postural-Perceptual Deformity",
            "Tear Trough Kumar",  # "Kumar", a name nowhere in lowercase: all kept
            "Tear Creutzfeldt-Jakob Deformity",  # hyphenated name: kept, the rest lowered
            "Antenatal - Can. Standard",  # an abbreviation: all kept
            "Persistent Pick Wall",  # "pick" in lowercase twice only: all kept
            "Ice pick",
            "Tear pick",
            "Tear in the Trough",
        ],
        "fr": [
            *(f"Atteinte du {word} {n}" for word in ("foie", "sang") for n in "abcd"),
            "Tableaux du Foie",
            "Maladie de Ross River",  # "Ross" a name (mid-label, once): the pair kept
            *(f"Bras de la {n} river" for n in "abcd"),
        ],
    }
    graph = ConceptGraph()
    _labelled(graph, "S", labels)
    return graph


@pytest.mark.parametrize(
    ("label", "lang", "running"),
    [
        ("Walls in the Body", "en", "walls in the body"),
        ("Tear Trough Deformity", "en", "tear trough deformity"),
        (
            "Persistent Postural-Perceptual Deformity",
            "en",
            "persistent postural-perceptual deformity",
        ),
        ("Tear Trough Kumar", "en", "tear Trough Kumar"),
        ("Tear Creutzfeldt-Jakob Deformity", "en", "tear Creutzfeldt-Jakob deformity"),
        ("Antenatal - Can. Standard", "en", "antenatal - Can. Standard"),  # "can": 4 lowercase
        ("Persistent Pick Wall", "en", "persistent Pick Wall"),
        ("Tableaux du Foie", "fr", "tableaux du foie"),
        ("Maladie de Ross River", "fr", "maladie de Ross River"),
    ],
)
def test_capitals_past_the_first_word_that_name_nothing_are_lowered_all_or_none(
    label, lang, running
):
    case = LabelCase(_slips_graph(), {"en": ATTESTED, "fr": UNLESS_NAME})
    assert case.running(label, lang) == running


def test_a_label_kept_as_written_keeps_its_slips_too():
    """Where the first word keeps its capital (no evidence, or a name), lowering the rest
    would read "Zika fever" half in running case: nothing is lowered."""
    graph = _slips_graph()
    _labelled(graph, "Z", {"en": ["Vidprevtyn Body"]})
    case = LabelCase(graph, {"en": ATTESTED})
    assert case.running("Tear in the Trough", "en") == "tear in the trough"
    assert case.running("Vidprevtyn Body", "en") == "Vidprevtyn Body"


def test_german_capitals_past_the_first_word_are_grammar_and_kept():
    graph = _slips_graph()
    german = ["Erhöhte Temperatur", *(f"Stark erhöhte temperatur {n}" for n in "abcd")]
    _labelled(graph, "G", {"de": german})
    case = LabelCase(graph, {"de": NOUNS_CAPITALIZED})
    assert case.running("Erhöhte Temperatur", "de") == "erhöhte Temperatur"


def test_hpo_slash_pairs_read_as_running_text():
    """HPO's "Aplasia/Hypoplasia of the …" terms: both words lowercase elsewhere in HPO."""
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    graph.finish()
    pairs = [c.labels["en"] for c in graph if c.labels["en"].startswith("Aplasia/Hypoplasia ")]
    assert len(pairs) >= 10
    case = LabelCase(graph, {"en": ATTESTED})
    # HPO's one slip among them, "… of the Epiglottis", is lowered too ("the epiglottis")
    assert {case.running(label, "en") for label in pairs} == {
        "aplasia/hypoplasia " + label.split(" ", 1)[1].replace("Epiglottis", "epiglottis")
        for label in pairs
    }


def test_hpo_labels_read_as_running_text_on_their_definitions_evidence():
    """No HPO sample label has "notched" in lowercase; its definitions do ("a wide and often
    notched R wave"), so "Notched T wave" reads "notched T wave" mid-sentence."""
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    graph.finish()
    labels = [c.labels["en"] for c in graph]
    assert "Notched T wave" in labels and not [x for x in labels if " notched" in x]
    assert LabelCase(graph, {"en": ATTESTED}).running("Notched T wave", "en") == "notched T wave"


def test_mesh_headings_read_as_running_text_or_as_written_never_half_lowered():
    """MeSH writes its English headings in title case: Agraphia is a kind of "language
    disorders", not "language Disorders" (the first word lowered alone)."""
    names = ["hp_sample.obo", "mesh_fr_en_dict.json", "mesh_mtrees2024_C.txt"]
    source = get_source("hetop")([InputFile(ONTOLOGY / n, n) for n in names], SourceOptions())
    graph = source.read_graph()
    case = source.label_case()
    headings = [c.labels["en"] for c in graph if c.terminology == "MESH" and "en" in c.labels]
    assert len(headings) > 1000 and set(headings) <= case.title_case["en"]
    hpo = {c.labels["en"] for c in graph if c.terminology == "HP" and " " in c.labels["en"]}
    assert not case.title_case["en"] & hpo
    lowered = 0
    for heading in headings:
        running = case.running(heading, "en")
        rest = running.split(" ")[1:]
        if running not in (heading, natural_order(heading)):  # "Spontaneous Abortion"
            lowered += 1
            left = [w for w in rest if w[:1].isupper() and w[1:].islower()]
            assert all(w.rstrip(",;:.)]").lower() in case.names["en"] for w in left), running
    assert lowered > len(headings) / 3
    agraphia = graph.get("MESH:D000381")
    assert graph.get(agraphia.parents[0]).labels["en"] == "Language Disorders"
    verbalizer = Verbalizer(graph, load_templates(), seed=0, case=case)
    text = next(r.text for r in verbalizer.records(agraphia) if r.kind == "text" and r.lang == "en")
    assert "It is a kind of language disorders." in text
    inverted = [h for h in headings if natural_order(h) != h]
    assert len(inverted) > 100
    assert not [h for h in inverted if case.running(h, "en").lower() == h.lower()]
    assert case.running("Aspergillosis, Allergic Bronchopulmonary", "en") == (
        "allergic bronchopulmonary aspergillosis"
    )


@pytest.mark.parametrize(
    ("heading", "natural"),
    [
        ("Anemia, Sickle Cell", "Sickle Cell Anemia"),
        ("Diabetes Mellitus, Type 2", "Type 2 Diabetes Mellitus"),
        ("Aged, 80 and over", "Aged, 80 and over"),  # "and": no inverted modifier
        ("Anemia, Hemolytic, Autoimmune", "Anemia, Hemolytic, Autoimmune"),  # two commas
        ("Gonadal Dysgenesis, 46,XY", "Gonadal Dysgenesis, 46,XY"),
        ("Language Disorders", "Language Disorders"),
    ],
)
def test_an_inverted_heading_is_said_in_natural_order(heading, natural):
    """MeSH inverts its headings round a comma; a sentence says "a kind of sickle cell
    anemia", not "a kind of Anemia, Sickle Cell"."""
    assert natural_order(heading) == natural


def test_the_languages_written_with_capitals_have_a_rule_and_korean_and_japanese_none():
    rules = {lang: t.running_case for lang, t in load_templates().items()}
    assert rules == {
        "en": ATTESTED,
        "fr": UNLESS_NAME,
        "es": UNLESS_NAME,
        "de": NOUNS_CAPITALIZED,
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


def test_a_genus_keeps_its_capital_in_every_language():
    """ICD-11's infectious agents: "Acinetobacter baumannii", alike in English and French,
    under "Acinetobacter". No French label writes the genus past its first word, so French
    alone would read "une sorte d'acinetobacter"; a disease it names is still lowered."""
    path = Path(str(resources.files("cim_11").joinpath("cim-11.sqlite3")))
    graph = ConceptGraph()
    read_icd11_sqlite(path, graph)
    graph.finish()
    case = LabelCase(graph, {"en": ATTESTED, "fr": UNLESS_NAME})
    baumannii = next(c for c in graph if c.labels.get("fr") == "Acinetobacter baumannii")
    assert graph.get(baumannii.parents[0]).labels == {"en": "Acinetobacter", "fr": "Acinetobacter"}
    for lang in ("en", "fr"):
        assert case.running("Acinetobacter", lang) == "Acinetobacter"
        assert case.running("Escherichia coli résistant aux antibiotiques", lang).startswith("E")
    assert case.running("Choléra", "fr") == "choléra"
    assert case.running("Migraine", "fr") == "migraine"  # alike in both, but no genus
    texts = {
        r.lang: r.text
        for r in Verbalizer(graph, load_templates(), seed=0, case=case).records(baumannii)
        if r.kind == "text"
    }
    assert "C'est une sorte d'Acinetobacter." in texts["fr"]


def _translated_graph() -> ConceptGraph:
    """(English, French) labels of one concept each: drugs that French respells, words it
    writes alike, translates, or carries as names."""
    pairs = [
        ("Paracetamol", "Paracétamol"),
        ("Amoxicillin", "Amoxicilline"),
        ("Rales", "Râles"),
        ("Everolimus", "E\u0301ve\u0301rolimus"),  # accents decomposed (NFD)
        ("Morphine", "Morphine"),  # alike: nothing said
        ("Chrysanthemum cinerariifolium plant", "chrysanthemum cinerariifolium (plante)"),
        ("Parkinson disease", "Maladie de Parkinson"),
        ("Zika fever", "Fièvre Zika"),
        ("Hoarding disorder", "Trouble d'accumulation"),  # translated, beside no name
        ("Salmonella infection", "Salmonellose"),  # carried
        ("Japanese encephalitis", "Encéphalite japonaise"),
        ("Japanese cypress", "Cyprès du Japon"),  # beside a name: "Japanese" may be one
        ("Oxalic acid", "Acide oxalique"),  # carried in lowercase past the first word
        ("Piroxicam", "Piroxicam"),
        ("Piroxicam beta-cyclodextrin complex", "Complexe piroxicam-bêta-cyclodextrine"),
        ("Salmonella arthritis", "Arthrite à Salmonella"),  # carried capitalized: a name
        ("Melaleuca alternifolia oil", "Huile de melaleuca alternifolia"),  # Latin, carried
        ("Brazilian purpuric fever", "Fièvre purpurique brésilienne"),
    ]
    graph = ConceptGraph()
    for number, (english, french) in enumerate(pairs):
        concept = graph.concept(f"X:{number}", "X", str(number))
        concept.add(LABEL, "en", english)
        concept.add(LABEL, "fr", french)
    graph.concept("X:de", "X", "de").add(LABEL, "de", "Paracetamol")
    # German capitalizes nouns: its labels say nothing of names
    greenstick = graph.concept("X:g", "X", "g")
    greenstick.add(LABEL, "en", "Greenstick fracture")
    greenstick.add(LABEL, "de", "Grünholzfraktur")
    return graph


@pytest.mark.parametrize(
    ("label", "lang", "running"),
    [
        ("Paracetamol", "en", "paracetamol"),
        ("Amoxicillin", "en", "amoxicillin"),
        ("Rales", "en", "rales"),
        ("Everolimus", "en", "everolimus"),
        ("Morphine", "en", "Morphine"),
        ("Chrysanthemum cinerariifolium plant", "en", "Chrysanthemum cinerariifolium plant"),
        ("Parkinson disease", "en", "Parkinson disease"),
        ("Zika fever", "en", "Zika fever"),
        ("Paracetamol", "de", "Paracetamol"),  # a German noun keeps its capital
        ("Hoarding disorder", "en", "hoarding disorder"),
        ("Salmonella infection", "en", "Salmonella infection"),
        ("Japanese encephalitis", "en", "Japanese encephalitis"),
        ("Greenstick fracture", "en", "Greenstick fracture"),
        ("Oxalic acid", "en", "oxalic acid"),
        ("Piroxicam", "en", "piroxicam"),
        ("Melaleuca alternifolia oil", "en", "Melaleuca alternifolia oil"),
    ],
)
def test_a_first_word_another_language_respells_or_translates_is_common(label, lang, running):
    """No English label writes "paracetamol" or "hoarding" in lowercase, but French respells
    the one and translates the other in a label that names nothing, as languages do common
    words: names and Latin they carry as written. A word written alike, carried, or
    translated beside a name ("Cyprès du Japon") tells nothing."""
    rules = {"en": ATTESTED, "fr": UNLESS_NAME, "de": NOUNS_CAPITALIZED}
    assert LabelCase(_translated_graph(), rules).running(label, lang) == running


def test_an_adjective_of_a_place_keeps_its_capital_whatever_its_translation():
    """French writes "brésilienne" in lowercase; English, by the word's ending, does not."""
    graph = _translated_graph()
    rules = {"en": ATTESTED, "fr": UNLESS_NAME}
    brazilian = "Brazilian purpuric fever"
    assert LabelCase(graph, rules).running(brazilian, "en") == "brazilian purpuric fever"
    forms = {"en": WordForms(names=load_templates()["en"].name_endings)}
    assert LabelCase(graph, rules, forms).running(brazilian, "en") == brazilian
    assert LabelCase(graph, rules, forms).running("Oxalic acid", "en") == "oxalic acid"


def test_icd11_drugs_read_lowercase_in_english_text():
    """ICD-11's English drug names (and "hoarding") have no lowercase writing in any label;
    their French names respell (or translate) them, so the English texts name them as
    running text does."""
    path = Path(str(resources.files("cim_11").joinpath("cim-11.sqlite3")))
    graph = ConceptGraph()
    read_icd11_sqlite(path, graph)
    graph.finish()
    case = LabelCase(graph, {"en": ATTESTED, "fr": UNLESS_NAME})
    assert case.running("Ibuprofen", "en") == "ibuprofen"
    assert case.running("Hoarding disorder", "en") == "hoarding disorder"
    assert case.running("Japanese encephalitis", "en") == "Japanese encephalitis"
    acetaminophen = next(c for c in graph if c.labels.get("en") == "Acetaminophen")
    text = next(
        r.text
        for r in Verbalizer(graph, load_templates(), seed=0, case=case).records(acetaminophen)
        if r.kind == "text" and r.lang == "en"
    )
    assert "It is a kind of paracetamol (acetaminophen) and 4-aminophenol derivatives." in text


def _forms_graph() -> ConceptGraph:
    graph = ConceptGraph()
    _labelled(
        graph,
        "X",
        {
            "en": [
                "Hyperkalemia",  # no label has it in lowercase; its ending says a common word
                "Osteochondroma",
                "Lymphoblast",
                "Increased lymphoblasts",  # the plural in lowercase
                "Bullet-shaped phalanges",
                "Broad bullet nose",  # "bullet" in lowercase
                "X-linked inheritance",
                "Froment sign",  # a name; "-ment" is no ending of common words here
                "Graves disease",  # "grave" in lowercase says nothing of "Graves"
                "Grave prognosis",
                "Severe grave illness",
            ]
        },
    )
    # a taxon: its Latin written alike in English and French, "-oma" or not
    taxon = graph.concept("X:taxon", "X", "taxon")
    taxon.add(LABEL, "en", "Ancylostoma")
    taxon.add(LABEL, "fr", "Ancylostoma")
    return graph


@pytest.mark.parametrize(
    ("label", "running"),
    [
        ("Hyperkalemia", "hyperkalemia"),
        ("Osteochondroma", "osteochondroma"),
        ("Lymphoblast", "lymphoblast"),
        ("Bullet-shaped phalanges", "bullet-shaped phalanges"),
        ("X-linked inheritance", "X-linked inheritance"),
        ("Froment sign", "Froment sign"),
        ("Graves disease", "Graves disease"),
        ("Ancylostoma", "Ancylostoma"),
    ],
)
def test_a_first_word_with_no_evidence_in_labels_is_read_by_its_form(label, running):
    """English words with an ending that names lack ("-emia", "-oma"), or whose plural labels
    write in lowercase, read lowercase mid-sentence; a hyphenated word by its first part."""
    templates = load_templates()["en"]
    forms = WordForms(templates.common_endings, templates.plural_endings)
    graph = _forms_graph()
    assert LabelCase(graph, {"en": ATTESTED}, {"en": forms}).running(label, "en") == running
    if label in ("Hyperkalemia", "Osteochondroma", "Lymphoblast"):  # the forms alone tell
        assert LabelCase(graph, {"en": ATTESTED}).running(label, "en") == label


def test_hpo_children_lists_read_alike_whatever_evidence_each_label_has():
    """HP:0001438's children in the HPO sample: "ascites" has a lowercase writing in labels,
    "Visceromegaly" none; the list read "ascites, Visceromegaly, …" before endings counted as
    evidence."""
    path = ONTOLOGY / "hp_sample.obo"
    source = get_source("hetop")([InputFile(path, path.name)], SourceOptions())
    graph = source.read_graph()
    assert "Visceromegaly" in {graph.get(c).labels["en"] for c in graph.get("HP:0001438").children}
    text = next(r.text for r in source.run() if r.kind == "text" and r.source_id == "HP:0001438")
    children = text.split("More specific concepts include ", 1)[1].split(".", 1)[0]
    assert "visceromegaly" in children.split(", ")
    assert not any(word[:1].isupper() for word in children.split())
