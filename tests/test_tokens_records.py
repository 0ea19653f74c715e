import json

import polars as pl
import pytest

from corpus.records import InstructRecord, TextRecord, _meta_json, user_assistant
from corpus.tokens import TOKEN_PATTERN, estimate_tokens

SAMPLES = ["Seizure", "콜레라", "発作性疾患", "Crise d'épilepsie (HP:0001250).", "", "A00.0 12345"]


def test_token_estimate_counts_cjk_per_character_and_latin_per_four_letters():
    assert estimate_tokens("Seizure") == 2
    assert estimate_tokens("콜레라") == 3
    assert estimate_tokens("発作性疾患") == 5
    assert estimate_tokens("A00.0 12345") == 6  # A, 00, ., 0, 123, 45


def test_polars_and_python_agree_on_the_token_pattern():
    counted = pl.Series(SAMPLES).str.count_matches(TOKEN_PATTERN).to_list()
    assert counted == [estimate_tokens(s) for s in SAMPLES]


def test_ids_are_content_hashes():
    def text(**changes):
        fields = dict(
            text="Cholera",
            lang="en",
            source="hetop",
            dataset="KCD",
            source_id="KCD:A00",
            license="x",
        )
        return TextRecord(**{**fields, **changes})

    assert text().id == text().id == text(license="other", meta={"a": "b"}).id
    assert (
        len({text().id, text(lang="fr").id, text(text="Choléra").id, text(source_id="KCD:A01").id})
        == 4
    )
    ask = InstructRecord(
        user_assistant("q", "a"), "en", "hetop", "HP", "HP:1", "x", task="definition"
    )
    other = InstructRecord(
        user_assistant("q", "b"), "en", "hetop", "HP", "HP:1", "x", task="definition"
    )
    assert ask.id != other.id
    assert ask.to_row()["id"] == ask.id and ask.to_values()[0] == ask.id


def test_meta_json_is_canonical():
    assert _meta_json({"b": "1", "a": "é"}) == '{"a":"é","b":"1"}'
    assert _meta_json({"n": 1, "a": ["x"]}) == '{"a":["x"],"n":1}'
    nested = {"z": {"y": [1, 2.5, None, True]}, "a": 'quote " and\nnewline', "ko": "한국어"}
    assert _meta_json(nested) == json.dumps(
        nested, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    with pytest.raises(TypeError, match="not JSON serializable"):
        _meta_json({"a": {1, 2}})
