import re
import string

import pytest
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.templates import load_templates, resolve_particles
from corpus.sources.hetop.terminologies import normalize_prefix
from corpus.sources.hetop.verbalize import Verbalizer

from tests.conftest import ONTOLOGY, hpo_sample_in_french, write_babelon

TEMPLATED = ["de", "en", "es", "fr", "ja", "ko"]


def test_languages_with_templates():
    assert sorted(load_templates()) == TEMPLATED


@pytest.mark.parametrize("lang", TEMPLATED)
def test_every_language_has_every_template_and_placeholders_fill(lang):
    english, other = load_templates()["en"], load_templates()[lang]
    assert set(other.text) == set(english.text)
    assert set(other.instruct) == set(english.instruct)
    assert set(other.answers) == set(english.answers)
    fields = {
        name
        for template in [*english.text.values(), *english.answers.values()]
        + [p for ps in english.instruct.values() for p in ps]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
    values = {name: f"<{name}>" for name in fields}
    for template in [*other.text.values(), *other.answers.values()]:
        assert "{" not in other.fill(template, values)
    for kind, phrasings in other.instruct.items():
        assert len(phrasings) >= 2, (lang, kind)  # several phrasings per task and language
        for phrasing in phrasings:
            filled = other.fill(phrasing, values)
            assert "{" not in filled and "⟨" not in filled, (kind, filled)


def test_phrasing_choice_is_deterministic_and_seeded():
    english = load_templates()["en"]
    picks = {english.pick("definition", f"HP:{i:07d}", 0)[0] for i in range(50)}
    assert len(picks) > 1, "different concepts get different phrasings"
    assert english.pick("definition", "HP:0000001", 0) == english.pick(
        "definition", "HP:0000001", 0
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("콜레라⟨은/는⟩ 질병이다", "콜레라는 질병이다"),
        ("위염⟨은/는⟩ 질병이다", "위염은 질병이다"),
        ("“위염”⟨을/를⟩ 정의", "“위염”을 정의"),
        ("“콜레라”⟨을/를⟩ 정의", "“콜레라”를 정의"),
        ("A00⟨은/는⟩", "A00은"),  # 영: final consonant
        ("A02⟨은/는⟩", "A02는"),  # 이: none
        ("HP⟨이라고/라고⟩", "HP라고"),
        ("아메바성 간농양 (K77.0*)⟨은/는⟩", "아메바성 간농양 (K77.0*)은"),  # after 양, not *
        ("“결핵성 수막염(G01*)”⟨이/가⟩", "“결핵성 수막염(G01*)”이"),
        ("서울(Seoul)⟨은/는⟩", "서울(Seoul)은"),
        ("(폐렴)⟨은/는⟩", "(폐렴)은"),  # nothing before the parenthesis: its content decides
    ],
)
def test_korean_particles_follow_the_final_consonant(text, expected):
    assert resolve_particles(text) == expected


def test_korean_fill_resolves_the_templates_markers_and_leaves_values_alone():
    """Particles come from the template; a label that happens to hold ⟨…/…⟩ is kept as given."""
    korean = load_templates()["ko"]
    marked = next(t for t in korean.text.values() if "⟨" in t and "{label}" in t)
    plain = next(t for t in korean.text.values() if "⟨" not in t and "{label}" in t)
    values = {name: "폐렴" for name in ("label", "terminology", "code", "definition")}
    values.update(synonyms="폐렴", parents="폐렴", children="폐렴", xrefs="폐렴")
    values.update(translations="폐렴", language="영어")
    assert "⟨" not in korean.fill(marked, values)
    values["label"] = "A ⟨은/는⟩ B"
    assert "A ⟨은/는⟩ B" in korean.fill(plain, values)


@pytest.mark.parametrize(
    ("parents", "expected"),
    [
        ("Anomalie de la plèvre", "C'est une sorte d'Anomalie de la plèvre."),
        ("hypertension", "C'est une sorte d'hypertension."),  # mute h
        ("hernie inguinale", "C'est une sorte de hernie inguinale."),  # aspirated h
        ("Maladie du cœur", "C'est une sorte de Maladie du cœur."),
        ("« X »", "C'est une sorte de « X »."),
        # a label's own article goes: "une sorte de" takes a bare noun
        ("Les maladies du sang", "C'est une sorte de maladies du sang."),
        ("Les os", "C'est une sorte d'os."),
        ("La hernie", "C'est une sorte de hernie."),
        ("L'œil et la vue", "C'est une sorte d'œil et la vue."),
        ("Lèpre", "C'est une sorte de Lèpre."),  # a word, no article
    ],
)
def test_french_de_elides_before_a_vowel_or_mute_h(parents, expected):
    french = load_templates()["fr"]
    assert french.fill(french.text["parents"], {"parents": parents}) == expected


@pytest.mark.parametrize(
    ("template", "label", "expected"),
    [
        ("label_to_code", "Aténolol", "Quel est le code CIM-11 d'« Aténolol » ?"),
        ("label_to_code", "Toux", "Quel est le code CIM-11 de « Toux » ?"),
        ("label_to_code", "hypertension", "Quel est le code CIM-11 d'« hypertension » ?"),
        ("label_to_code", "Hernie", "Quel est le code CIM-11 de « Hernie » ?"),  # aspirated h
        # quoted, a label is kept as written, its article too
        ("label_to_code", "Les os", "Quel est le code CIM-11 de « Les os » ?"),
        ("label_to_code", "L'œil", "Quel est le code CIM-11 de « L'œil » ?"),
        ("children", "Œdème", "Citez des concepts plus spécifiques qu'« Œdème » dans"),
        ("children", "Lèpre", "Citez des concepts plus spécifiques que « Lèpre » dans"),
    ],
)
def test_french_elides_before_a_quoted_label(template, label, expected):
    """French typography elides before guillemets: d'« Aténolol », not de « Aténolol »."""
    french = load_templates()["fr"]
    prompt = french.instruct[template][0]
    filled = french.fill(prompt, {"label": label, "terminology": "CIM-11"})
    assert filled.startswith(expected)


def test_french_language_names_take_their_articles():
    french = load_templates()["fr"]
    prompt = french.instruct["translation"][0]
    values = {"label": "Toux", "source_language": "anglais", "target_language": "coréen"}
    assert "« Toux » de l'anglais vers le coréen." in french.fill(prompt, values)
    values = {"label": "Toux", "source_language": "coréen", "target_language": "espagnol"}
    assert "« Toux » du coréen vers l'espagnol." in french.fill(prompt, values)


def test_one_child_is_named_in_the_singular():
    """'More specific concepts include X' with one X reads wrong (French: 'figurent' X)."""
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    graph.finish()
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    labelled = [c for c in graph if c.children and "en" in c.labels]
    one = next(c for c in labelled if len(c.children) == 1 and graph.get(c.children[0]).labels)
    many = next(c for c in labelled if len(c.children) > 1)
    child = verbalizer.case.running(graph.get(one.children[0]).labels["en"], "en")  # mid-sentence
    for concept, singular in ((one, True), (many, False)):
        records = list(verbalizer.records(concept))
        text = next(r.text for r in records if r.kind == "text")
        answer = next(
            r.messages[-1]["content"]
            for r in records
            if r.kind == "instruct" and r.meta["template"].startswith("children.")
        )
        assert ("A more specific concept is " in text) is singular
        assert ("More specific concepts include " in text) is not singular
        assert ("A more specific concept under " in answer) is singular
        if singular:
            assert f"A more specific concept is {child}." in text
            assert answer.endswith(f" is {child}.")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("vascular disease", "Vascular disease is a concept of the X Ontology."),
        ("mRNA decay", "mRNA decay is a concept of the X Ontology."),
        ("p53 deficiency", "p53 deficiency is a concept of the X Ontology."),
        ("α-thalassemia", "α-thalassemia is a concept of the X Ontology."),
        ("de novo mutation", "De novo mutation is a concept of the X Ontology."),
    ],
)
def test_a_sentence_opening_with_a_lowercase_label_starts_with_a_capital(label, expected):
    english = load_templates()["en"]
    values = {"label": label, "the_terminology": "the X Ontology"}
    assert english.fill(english.text["intro"], values) == expected
    # a label alone is the label as given (a translation's answer)
    assert english.fill(english.answers["translation"], {"target_label": label}) == label


def test_doid_prose_starts_sentences_with_capitals():
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "doid_sample.obo", graph)
    graph.finish()
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    lowercase = [c for c in graph if c.labels.get("en", "A")[0].islower()]
    assert len(lowercase) > 1000
    for concept in lowercase[:200]:
        for record in verbalizer.records(concept):
            if record.kind == "text":
                assert record.text[0].isupper() or not record.text[0].isalpha(), record.text


@pytest.mark.parametrize(
    ("name", "running"),
    [
        ("Human Phenotype Ontology", "the Human Phenotype Ontology"),
        (
            "Korean Standard Classification of Diseases",
            "the Korean Standard Classification of Diseases",
        ),
        ("ICD-11", "ICD-11"),
        ("MeSH", "MeSH"),
        ("Orphanet", "Orphanet"),
        ("SNOMED CT", "SNOMED CT"),
        ("CIM-10 FR", "CIM-10 FR"),
    ],
)
def test_english_says_the_before_a_terminology_that_takes_it(name, running):
    english, french = load_templates()["en"], load_templates()["fr"]
    assert english.with_article(name) == running
    assert french.with_article(name) == name  # French templates write their own article
    values = {"label": "Cholera", "the_terminology": english.with_article(name), "code": "1A00"}
    assert english.fill(english.text["intro_code"], values) == (
        f"Cholera is a concept of {running}, where its code is 1A00."
    )


def test_a_definition_without_a_final_period_ends_its_sentence():
    """Most of HPO's French definitions have no final period; the prose must not run on."""
    graph = hpo_sample_in_french()
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    open_ended = [c for c in graph if c.definitions.get("fr", ".")[-1] not in ".!?"]
    assert len(open_ended) > 20
    for concept in open_ended:
        text = next(
            r.text for r in verbalizer.records(concept) if r.kind == "text" and r.lang == "fr"
        )
        assert f"{concept.definitions['fr']}. " in text or text.endswith(
            f"{concept.definitions['fr']}."
        )


def test_german_names_parents_in_the_nominative_with_their_number():
    """'eine Art von' wants the dative, which a label as given is not ('eine Art von
    Linksventrikuläre systolische Dysfunktion'): German names its Oberbegriff(e) instead."""
    from corpus.sources.hetop.tables import read_babelon

    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(ONTOLOGY / "hp-de.babelon.tsv", graph)
    graph.finish()
    verbalizer = Verbalizer(graph, load_templates(), seed=0, langs=frozenset({"de"}))

    def german_parents(concept):
        return [graph.get(p).labels["de"] for p in concept.parents if "de" in graph.get(p).labels]

    german = [c for c in graph if "de" in c.labels and german_parents(c)]
    one = next(c for c in german if len(german_parents(c)) == 1)
    two = next(c for c in german if len(german_parents(c)) == 2)
    for concept, sentence, answer in (
        (
            one,
            "Sein Oberbegriff ist {}.",
            "Der Oberbegriff von „{}“ in der Terminologie {} ist {}.",
        ),
        (
            two,
            "Seine Oberbegriffe sind {}.",
            "Die Oberbegriffe von „{}“ in der Terminologie {} sind {}.",
        ),
    ):
        parents = " und ".join(german_parents(concept))
        records = [r for r in verbalizer.records(concept) if r.lang == "de"]
        text = next(r.text for r in records if r.kind == "text")
        reply = next(
            r.messages[-1]["content"]
            for r in records
            if r.kind == "instruct" and r.meta["template"].startswith("parents.")
        )
        assert sentence.format(parents) in text
        assert reply == answer.format(concept.labels["de"], "Human Phenotype Ontology", parents)
        assert "eine Art von" not in text + reply


@pytest.mark.parametrize(
    ("lang", "parents", "sentence"),
    [
        ("fr", ["hypotension", "hernie"], "C'est une sorte d'hypotension et de hernie."),
        ("fr", ["fistule", "anomalie", "os"], "C'est une sorte de fistule, d'anomalie et d'os."),
        ("fr", ["Les os", "L'œil"], "C'est une sorte d'os et d'œil."),  # bare nouns, as one
        ("es", ["Bulla", "hipoplasia"], "Es un tipo de Bulla y de hipoplasia."),  # y before de
        ("en", ["bulla", "hypoplasia"], "It is a kind of bulla and hypoplasia."),
    ],
)
def test_french_and_spanish_say_the_preposition_before_each_parent(lang, parents, sentence):
    """ "une sorte d'anomalie du jéjunum et atrésie intestinale" reads as one thing made of
    two: French repeats its "de", each elided on its own word, and Spanish its "de"."""
    t = load_templates()[lang]
    assert t.fill(t.text["parents"], {"parents": t.join_parents(parents)}) == sentence


def test_french_records_name_two_parents_each_with_de():
    graph = hpo_sample_in_french()
    fistula = graph.get("HP:0000143")  # Fistule recto-vaginale
    parents = [graph.get(p).labels["fr"] for p in fistula.parents]
    assert parents == ["Fistule vaginale", "Fistule rectale"]
    records = list(Verbalizer(graph, load_templates(), seed=0).records(fistula))
    text = next(r.text for r in records if r.kind == "text" and r.lang == "fr")
    answer = next(
        r.messages[-1]["content"]
        for r in records
        if r.kind == "instruct" and r.lang == "fr" and r.meta["template"].startswith("parents.")
    )
    assert "C'est une sorte de fistule vaginale et de fistule rectale." in text
    assert answer.endswith("est une sorte de fistule vaginale et de fistule rectale.")


@pytest.mark.parametrize(
    ("last", "joined"),
    [
        ("Inicio tardío", "Bulla, Enfisema e Inicio tardío"),
        ("hipoplasia", "Bulla, Enfisema e hipoplasia"),
        ("Íleo", "Bulla, Enfisema e Íleo"),
        ("Hierro", "Bulla, Enfisema y Hierro"),  # a diphthong: y
        ("Hialinosis", "Bulla, Enfisema y Hialinosis"),
        ("Atresia", "Bulla, Enfisema y Atresia"),
    ],
)
def test_spanish_and_is_e_before_an_i_sound(last, joined):
    spanish = load_templates()["es"]
    assert spanish.join(["Bulla", "Enfisema", last]) == joined
    assert load_templates()["en"].join(["Bulla", last]) == f"Bulla and {last}"


@pytest.mark.parametrize(
    ("lang", "items", "joined"),
    [
        ("en", ["A", "B, unspecified", "C"], "A; B, unspecified; and C"),
        ("en", ["A", "B", "C"], "A, B and C"),
        ("en", ["A", "B, unspecified"], "A and B, unspecified"),  # two: "A; and B" reads wrong
        ("fr", ["A", "B", "C, sans précision"], "A ; B ; et C, sans précision"),
        ("es", ["A, B", "C", "hipoplasia"], "A, B; C; e hipoplasia"),
        ("de", ["A", "B, C", "D"], "A; B, C; und D"),
        (
            "en",
            ["French “A, B”", "German “C”", "Spanish “D”"],
            "French “A, B”, German “C” and Spanish “D”",
        ),
        ("ko", ["가", "나, 다", "라"], "‘가’, ‘나, 다’, ‘라’"),  # Korean has no semicolon
        ("ko", ["가, 나", "다"], "‘가, 나’, ‘다’"),  # its last separator is a comma too
        ("ko", ["가", "나"], "가, 나"),
        ("ko", ["영어로 “A, B”", "독일어로 “C”"], "영어로 “A, B”, 독일어로 “C”"),
    ],
)
def test_items_that_hold_commas_are_parted_by_semicolons_or_quotes(lang, items, joined):
    """ICD's "delta, delta-beta or gamma-delta-beta thalassaemia" among commas reads as three;
    a comma inside a quoted name parts nothing."""
    assert load_templates()[lang].join(items) == joined


def test_a_japanese_definition_ends_with_a_japanese_full_stop(tmp_path):
    """hp-ja has labels only: two Japanese definitions written here, one without its 。"""
    from corpus.sources.hetop.tables import read_babelon

    rows = [
        ("HP:0002107", "rdfs:label", "ja", "気胸"),
        ("HP:0002107", "IAO:0000115", "ja", "胸膜腔内に空気が貯留した状態"),
        ("HP:0002097", "rdfs:label", "ja", "肺気腫"),
        ("HP:0002097", "IAO:0000115", "ja", "肺胞壁の破壊を伴う気腔の異常な拡大。"),
    ]
    babelon = write_babelon(tmp_path / "hp-ja-definitions.babelon.tsv", rows)
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(babelon, graph)
    graph.finish()
    verbalizer = Verbalizer(graph, load_templates(), seed=0, langs=frozenset({"ja"}))
    for concept_id, definition in (
        ("HP:0002107", "胸膜腔内に空気が貯留した状態。"),
        ("HP:0002097", "肺胞壁の破壊を伴う気腔の異常な拡大。"),
    ):
        text = next(r.text for r in verbalizer.records(graph.get(concept_id)) if r.kind == "text")
        assert f"定義は次のとおりである：{definition}" in text
        assert "。。" not in text and "。." not in text and "。 " not in text


def test_a_mapping_answer_names_every_code_of_its_terminology():
    """HPO maps HP:0000271 to four SNOMED CT codes: each is a right answer, so the answer
    gives them all; the text record names the first of each terminology. HP:0011609 lists
    Fyler:0530 and Fyler:530, one number: the answer says it once."""
    stanzas = re.split(r"^\[", (ONTOLOGY / "hp_sample.obo").read_text(encoding="utf-8"), flags=re.M)
    xrefs: dict[tuple[str, str], list[str]] = {}
    for stanza in stanzas:
        if found := re.search(r"^id: (HP:\d+)", stanza, flags=re.M):
            for prefix, code in re.findall(r"^xref: ([^:\s]+):(\S+)", stanza, flags=re.M):
                xrefs.setdefault((found[1], normalize_prefix(prefix)), []).append(code)
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    graph.finish()
    verbalizer = Verbalizer(graph, load_templates(), seed=0)
    several = 0
    for concept in graph:
        for record in verbalizer.records(concept):
            if record.kind == "instruct" and record.task == "mapping":
                codes = xrefs[concept.id, record.meta["target_terminology"]]
                answer = record.messages[1]["content"]
                assert all(code in answer for code in codes), (answer, codes)
                several += len(codes) > 1
                if concept.id == "HP:0011609" and record.meta["target_terminology"] == "FYLER":
                    fyler = answer
                    assert codes == ["0530", "530"]
            elif record.kind == "text" and concept.id == "HP:0000271":
                assert "corresponds to SNOMED CT 118930001 and UMLS C0266617." in record.text
    assert several > 100
    assert len(xrefs["HP:0000271", "SNOMEDCT"]) == 4
    assert fyler.endswith("to Fyler 0530.") and " 530" not in fyler, fyler


@pytest.mark.parametrize(
    ("lang", "quoted"), [("en", "“{}”"), ("fr", "« {} »"), ("es", "«{}»"), ("de", "„{}“")]
)
def test_a_synonyms_answer_names_the_label_as_a_quoted_term(lang, quoted):
    """ "Crowded lymph-node follicles is also known as …" reads as a plural subject with a
    singular verb; "“Crowded lymph-node follicles” is also known as …" names a term."""
    templates = load_templates()[lang]
    values = {"label": "Crowded lymph-node follicles", "synonyms": "crowded follicles"}
    answer = templates.fill(templates.answers["synonyms"], values)
    assert answer.startswith(quoted.format("Crowded lymph-node follicles")), answer
