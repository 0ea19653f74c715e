"""The PHI gate: seeded recall on real clinical texts, false redaction, modes through the CLI."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
import pytest

from corpus.phi import evaluation
from corpus.phi.gate import PhiGate
from corpus.phi.patterns import nir_key_ok
from corpus.records import TextRecord
from corpus.standoff import OffsetMap
from tests.conftest import DATA, run_cli


@pytest.fixture(scope="module")
def gate() -> PhiGate:
    return PhiGate("redact")


@pytest.fixture(scope="module")
def seeded():
    return evaluation.seeded_set(DATA, seed=3, per_language=150)


def test_seeded_identifiers_are_found_per_type_and_language(gate, seeded):
    scores = evaluation.recall(gate, seeded)
    expected = {(lang, kind) for lang in ("en", "fr", "ko") for kind in evaluation.TEMPLATES[lang]}
    assert set(scores) == expected  # every type was seeded in each of its languages
    low = {key: (hit, total) for key, (hit, total) in scores.items() if hit / total < 0.95}
    assert not low, low
    assert all(total >= 20 for _, total in scores.values())


def test_found_values_leave_nothing_behind(gate, seeded):
    """Where a value was found, none of its pieces stays anywhere in the record."""
    records = [TextRecord(s.text, s.lang, "t", "t", str(i), "x") for i, s in enumerate(seeded)]
    for item, record in zip(seeded, gate.run(records), strict=True):
        for kind, value in item.inserted:
            if value not in record.text:
                assert not evaluation.left_over(value, record.text, item.carrier), (kind, value)
        assert "[" in record.text


def test_real_clinical_text_is_rarely_redacted(gate):
    shares = evaluation.redacted_share(gate, evaluation.carriers(DATA))
    for lang, (changed, total) in shares.items():
        assert total > 5000, lang
        assert changed / total < 0.02, (lang, changed, total)


def test_a_title_and_its_name_share_a_line(gate):
    """MTS-Dialog row 37 ends "Patient: Bye Doctor.\nDoctor: Yes.": the next line's speaker is
    no name (redacted, every "Doctor" of the dialogue became [NAME]); on one line, titles and
    first names still find theirs."""
    with open(DATA / "clinical" / "mts_dialog_train_sample.csv", encoding="utf-8") as handle:
        dialogue = next(row["dialogue"] for row in csv.DictReader(handle) if row["ID"] == "37")
    assert "Bye Doctor.\nDoctor:" in dialogue
    for text, lang, names in [
        (dialogue, "en", []),
        ("Seen by Dr. Carter\nPatient: fine.", "en", ["Carter"]),
        ("Thank you Doctor. Then we left.", "en", []),
        ("Doctor Carter and Dr Emily Stone came.", "en", ["Carter", "Emily Stone"]),
        ("Emily\nStone", "en", []),
        ("Vu par le Dr. Martin.\nPatient : bien.", "fr", ["Martin"]),
    ]:
        record = TextRecord(text, lang, "t", "t", "1", "x")
        out = next(iter(gate.run([record]))).text
        assert out.count("[NAME]") == len(names), (text, out)
        assert not any(name in out for name in names)


def test_french_nir_key_and_korean_rrn():
    assert nir_key_ok("2 64 11 24 322 311 95")  # key = 97 - (2641124322311 mod 97)
    assert not nir_key_ok("2 64 11 24 322 311 96")
    assert nir_key_ok("1 85 05 2A 123 456")  # no key: shape only; Corsica's 2A
    gate = PhiGate("redact")
    text = "NIR : 264112432231196. 주민등록번호 850101-1234567."
    record = TextRecord(text, "fr", "t", "t", "1", "x")
    out = next(iter(gate.run([record]))).text
    assert "264112432231196" in out  # wrong key: a number, not a NIR
    assert "[RRN]" in out and "850101-1234567" not in out


def test_entity_offsets_follow_the_redaction():
    text = "Vu par le Dr Martin le 12 mars 2021 pour une pneumopathie."
    start = text.index("pneumopathie")
    record = TextRecord(
        text,
        "fr",
        "brat",
        "t",
        "1",
        "x",
        meta={"entities": [{"spans": [[start, start + 12]], "text": "pneumopathie"}]},
    )
    out = next(iter(PhiGate("redact").run([record])))
    assert out.text == "Vu par le Dr [NAME] le [DATE] pour une pneumopathie."
    ((s, e),) = out.meta["entities"][0]["spans"]
    assert out.text[s:e] == out.meta["entities"][0]["text"] == "pneumopathie"
    offsets = OffsetMap([(2, 4, 6)])
    assert offsets(5, False) == 9 and offsets(3, True) == 8


def _notes_file(tmp_path):
    rows = [
        {
            "note": "Mr. Okonkwo, MRN: 5512093, was admitted on March 3, 2021 with pneumonia. "
            "Call his daughter at (617) 555-0142.",
            "question": "Why was he admitted?",
            "answer": "Pneumonia.",
        },
        {
            "note": "Routine follow-up for type 2 diabetes; HbA1c 7.1%. No changes.",
            "question": "What is the HbA1c?",
            "answer": "7.1%.",
        },
    ]
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


SECRETS = ("Okonkwo", "5512093", "March 3, 2021", "555-0142")


def _everything(out, result) -> str:
    text = "".join(str(row) for kind in ("text", "instruct") for row in _rows(out, kind))
    card = (out / "README.md").read_text() + (out / "manifest.json").read_text()
    return text + card + result.stdout + result.stderr


def _rows(out, kind):
    return pq.read_table(out / "data" / kind).to_pylist()


def test_redact_is_the_default_for_notes_and_never_shows_the_values(tmp_path):
    source = _notes_file(tmp_path)
    out = tmp_path / "redacted"
    result = run_cli("build", "--source", "notes", "--input", source, "--lang", "en", "--out", out)
    assert result.returncode == 0, result.stderr
    assert not any(secret in _everything(out, result) for secret in SECRETS)
    note = _rows(out, "text")[0]["text"]
    assert note.startswith("Mr. [NAME], MRN: [ID], was admitted on [DATE] with pneumonia.")
    assert "[PHONE]" in note
    user = _rows(out, "instruct")[0]["messages"][1]["content"]
    assert user.startswith("Mr. [NAME], MRN: [ID]")
    phi = json.loads((out / "manifest.json").read_text())["steps"]["phi"]
    # the note is a text record and the prompt of an instruct record: 2 copies of each value
    assert phi["found_NAME"] == phi["found_ID"] == phi["found_DATE"] == phi["found_PHONE"] == 2
    assert phi["records_with_phi"] == 2 and phi["records_scanned"] == 4
    assert "## PHI findings" in (out / "README.md").read_text()


def test_drop_report_fail_and_off(tmp_path):
    source = _notes_file(tmp_path)
    base = ("build", "--source", "notes", "--input", source, "--lang", "en")
    dropped = run_cli(*base, "--phi", "drop", "--out", tmp_path / "drop")
    assert dropped.returncode == 0, dropped.stderr
    assert len(_rows(tmp_path / "drop", "text")) == 1  # the diabetes note
    reported = run_cli(*base, "--phi", "report", "--out", tmp_path / "report")
    assert reported.returncode == 0
    assert "Okonkwo" in _rows(tmp_path / "report", "text")[0]["text"]
    card = (tmp_path / "report" / "README.md").read_text()
    assert "the data still contains them" in card and "Okonkwo" not in card
    failed = run_cli(*base, "--phi", "fail", "--out", tmp_path / "fail")
    assert failed.returncode == 2 and not (tmp_path / "fail").exists()
    assert failed.stderr.startswith("error: PHI (DATE, ID, NAME, PHONE) in text record notes:")
    assert not any(secret in failed.stderr for secret in SECRETS)
    off = run_cli(*base, "--phi", "off", "--out", tmp_path / "off")
    assert off.returncode == 0
    assert "phi" not in json.loads((tmp_path / "off" / "manifest.json").read_text())["steps"]
    bad = run_cli(*base, "--phi", "mask", "--out", tmp_path / "bad")
    assert bad.returncode == 2 and "--phi 'mask'" in bad.stderr


def test_no_gate_by_default_on_terminologies(sample_build):
    manifest = json.loads((sample_build / "manifest.json").read_text())
    assert manifest["options"]["filters"]["phi"] == "off" and "phi" not in manifest["steps"]
