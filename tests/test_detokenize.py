"""Detokenizing: the tokenizer's spaces go where the language writes none, offsets follow, and
text a person wrote is never read as tokenized."""

import csv
import json

from corpus.detokenize import detokenize, is_tokenized
from corpus.standoff import remap_entities
from tests.conftest import DATA


def test_french_keeps_its_spaced_marks_and_joins_elisions():
    text = " Qu ’ est-ce que c' est ? « Un test » : 9 mg / ml ( 0 , 9 %) , jusqu' ici . \n"
    assert detokenize(text, "fr")[0] == (
        "Qu’est-ce que c'est ? « Un test » : 9 mg/ml (0 , 9 %), jusqu'ici.\n"
    )


def test_english_attaches_marks_and_clitics():
    text = "The patient ' s pain ( severe ) was treated ; he did n't recover : 5 % only ."
    assert detokenize(text, "en")[0] == (
        "The patient's pain (severe) was treated; he didn't recover: 5% only."
    )


def test_other_languages_attach_marks_as_english_does_without_its_clitics():
    text = "¿ Qué es ? Dosis : 5 % ( oral ) ; l ' una ."
    assert detokenize(text, "es")[0] == "¿Qué es? Dosis: 5% (oral); l ' una."


def test_numbers_either_side_of_a_comma_or_period_stay_apart():
    text = "Section 4 . 3 : take 0 , 4 ml , then 2 .\n1 vial ."
    assert detokenize(text, "fr")[0] == "Section 4 . 3 : take 0 , 4 ml, then 2.\n1 vial."


def test_entities_follow_the_removed_spaces():
    text = "induite par l ’ héparine ( TIH ) ."
    new, edits = detokenize(text, "fr")
    entities = [
        {"spans": [[0, 24]], "text": text[0:24]},
        {"spans": [[27, 30]], "text": "TIH"},
        {"spans": [[12, 13], [16, 24]], "text": "l héparine"},
    ]
    remap_entities(entities, new, edits)
    assert new == "induite par l’héparine (TIH)."
    assert [e["text"] for e in entities] == ["induite par l’héparine", "TIH", "l héparine"]
    assert [e["spans"] for e in entities] == [[[0, 22]], [[24, 27]], [[12, 13], [14, 22]]]


def test_tokenized_text_is_told_from_written_text():
    assert is_tokenized("Apport de l' immunologie de routine au bilan de l' uvéite\n")
    assert is_tokenized("Refludan se présente sous forme de poudre , conditionnée en flacon .")
    assert not is_tokenized("Veterans' Administration annual report on the 'in situ' cases")
    assert not is_tokenized("Patients (n = 40) were seen. One had stage 2 . Others, none.")
    assert not is_tokenized("La contraception par les dispositifs intra utérins\n")


def test_no_written_clinical_text_reads_as_tokenized():
    """MTS-Dialog's dialogues and notes, HuatuoGPT's questions, reasoning and answers."""
    clinical = DATA / "clinical"
    with (clinical / "mts_dialog_train_sample.csv").open(encoding="utf-8") as handle:
        texts = [value for row in csv.DictReader(handle) for value in row.values() if value]
    rows = json.loads((clinical / "huatuogpt_o1_demo_sample.json").read_text(encoding="utf-8"))
    texts += [value for row in rows for value in row.values() if isinstance(value, str)]
    assert len(texts) > 1000
    assert [text[:80] for text in texts if is_tokenized(text)] == []
