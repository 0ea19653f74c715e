"""Language identification: Korean always Korean, unknown filled, wrong metadata relabelled."""

import csv

from corpus.detect_language import DetectLanguage
from corpus.langid import LanguageIdentifier
from corpus.records import TextRecord
from tests.conftest import ONTOLOGY


def test_korean_is_never_labelled_otherwise():
    identifier = LanguageIdentifier()
    with open(ONTOLOGY / "kcd_ko_en.tsv", encoding="utf-8") as handle:
        labels = [row["ko"] for row in csv.DictReader(handle, delimiter="\t")]
    wrong = [label for label in labels if identifier.predict(label).lang != "ko"]
    assert len(labels) == 11067 and wrong == []


def test_known_languages_on_real_labels():
    identifier = LanguageIdentifier()
    with open(ONTOLOGY / "cim10_fr.tsv", encoding="utf-8") as handle:
        french = [
            r["lib_long"]
            for r in csv.DictReader(handle, delimiter="\t")
            if len(r["lib_long"]) >= 50
        ]
    correct = sum(identifier.predict(text).lang == "fr" for text in french)
    assert correct / len(french) >= 0.98


def record(text, lang):
    return TextRecord(text, lang, "t", "d", text[:8], "x")


def test_fill_and_verify_modes():
    french = "Le patient présente une fièvre élevée et une toux depuis trois jours."
    records = [record(french, "und"), record(french, "en"), record("12345 6789", "und")]
    filled = list(DetectLanguage("fill").run(iter(records[:1] + records[2:])))
    assert [r.lang for r in filled] == ["fr"]
    step = DetectLanguage("verify")
    checked = list(step.run(iter([record(french, "en")])))
    assert checked[0].lang == "fr" and checked[0].meta["metadata_lang"] == "en"
    assert step.stats == {"relabelled_en_to_fr": 1}
