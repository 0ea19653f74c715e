"""A seeded PHI set from real clinical texts, and how the gate scores on it.

Carriers are real texts of ../shared/data (en: MTS-Dialog dialogues and note sections; fr:
QUAERO EMEA and MEDLINE documents and FrenchMedMCQA questions; ko: no Korean clinical text is
available, so KCD diagnosis labels joined into a problem list). Identifiers made by Faker's
locale providers (its formats, not ours: US phone extensions, "+33 (0)1 …", Korean area codes,
valid NIR keys, RRNs) are inserted between sentences, in sentences a note would contain. The
gate must then leave none of the inserted values in the redacted text (recall per type), and
on the carriers alone it should redact little (the share of tokens redacted there is an upper
bound of its false redactions: some carriers hold real names, e.g. "Doctor Mason").
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import regex
from faker import Faker

from corpus.phi.gate import PhiGate
from corpus.records import TextRecord

LOCALES = {"en": "en_US", "fr": "fr_FR", "ko": "ko_KR"}
FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre")  # fmt: skip
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")  # fmt: skip

# {v}: the value; a template per type and language, picked at random
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "en": {
        "NAME": [
            "{v} was seen in clinic today.",
            "Patient: {v}.",
            "Discussed the plan with {v}, the patient's daughter.",
            "Dr. {v} reviewed the imaging.",
            "Mrs. {v} reports no new symptoms.",
        ],
        "DATE": ["Admitted on {v}.", "Follow-up on {v}.", "Date of birth: {v}.", "Seen {v}."],
        "PHONE": ["Call back at {v}.", "Phone: {v}.", "Her son can be reached at {v}."],
        "EMAIL": ["Results sent to {v}.", "Email: {v}."],
        "ID": ["MRN: {v}.", "Medical record number {v}.", "Patient ID: {v}."],
        "AGE": ["The patient is a {v} woman.", "He is {v} and lives alone."],
    },
    "fr": {
        "NAME": [
            "{v} a été vu en consultation ce jour.",
            "Patient : {v}.",
            "Vu avec le Dr {v}.",
            "Mme {v} ne signale pas de douleur.",
            "Compte rendu adressé à {v}.",
        ],
        "DATE": ["Hospitalisé le {v}.", "Date de naissance : {v}.", "Revu le {v}."],
        "PHONE": ["Tél. : {v}.", "Joignable au {v}.", "Rappeler la fille au {v}."],
        "EMAIL": ["Courriel : {v}.", "Résultats envoyés à {v}."],
        "ID": ["IPP : {v}.", "N° de dossier : {v}."],
        "NIR": ["NIR : {v}.", "Numéro de sécurité sociale {v}."],
        "AGE": ["Patiente de {v}, autonome.", "Il est âgé de {v}."],
    },
    "ko": {
        "NAME": [
            "환자 성명: {v}.",
            "{v} 씨는 외래를 방문하였다.",
            "보호자 {v} 님과 상담함.",
            "담당의: {v}.",
            "{v} 님은 통증을 호소하지 않음.",
        ],
        "DATE": ["{v} 입원.", "생년월일: {v}.", "{v}에 외래 재방문."],
        "PHONE": ["연락처: {v}.", "보호자 연락처 {v}."],
        "EMAIL": ["이메일: {v}.", "검사 결과를 {v}로 발송함."],
        "ID": ["병록번호: {v}.", "환자번호 {v}."],
        "RRN": ["주민등록번호: {v}.", "주민번호 {v}."],
        "AGE": ["{v} 여자 환자.", "환자는 {v}로 독거 중."],
    },
}


@dataclass
class SeededText:
    lang: str
    text: str
    inserted: list[tuple[str, str]] = field(default_factory=list)  # (type, value)
    carrier: str = ""


WORD = regex.compile(r"[\p{L}\p{N}]+")


def left_over(value: str, redacted: str, carrier: str) -> list[str]:
    """Pieces of an inserted value still in the redacted text ("Smith" when only "John" was
    found), ignoring pieces the carrier had anyway ("12" of a date beside "12 mg")."""
    return [w for w in WORD.findall(value) if w in redacted and w not in carrier and len(w) > 1]


def carriers(data: Path) -> dict[str, list[str]]:
    """Real clinical texts per language, unmodified."""
    clinical = data / "clinical"
    with (clinical / "mts_dialog_train_sample.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    english = [r["dialogue"] for r in rows] + [r["section_text"] for r in rows]
    documents = sorted((clinical / "quaero_brat").glob("*/*.txt"))  # not the corpus README
    french = [path.read_text(encoding="utf-8") for path in documents]
    mcqa = json.loads((clinical / "frenchmedmcqa_dev.json").read_text(encoding="utf-8"))
    french += [row["question"] for row in mcqa]
    with (data / "ontology" / "kcd_ko_en.tsv").open(encoding="utf-8", newline="") as f:
        labels = [row[2] for row in csv.reader(f, delimiter="\t") if len(row) > 2][1:]
    korean = ["진단: " + ", ".join(labels[i : i + 6]) + "." for i in range(0, len(labels), 6)]
    return {"en": english, "fr": french, "ko": korean}


def _value(kind: str, lang: str, fake: Faker, rng: random.Random) -> str:
    if kind == "NAME":
        return fake.name() if lang == "ko" else f"{fake.first_name()} {fake.last_name()}"
    if kind == "DATE":
        day = date(1930, 1, 1) + timedelta(days=rng.randrange(34000))
        formats = {
            "en": [f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}", day.strftime("%m/%d/%Y")],
            "fr": [f"{day.day} {FR_MONTHS[day.month - 1]} {day.year}", day.strftime("%d/%m/%Y")],
            "ko": [f"{day.year}년 {day.month}월 {day.day}일", day.strftime("%Y.%m.%d")],
        }
        return rng.choice(formats[lang])
    if kind == "PHONE":
        return fake.phone_number()
    if kind == "EMAIL":
        return fake.email()
    if kind == "ID":
        return str(rng.randrange(10**6, 10**9))
    if kind in ("NIR", "RRN"):
        return fake.ssn()
    if kind == "AGE":
        age = rng.randrange(90, 105)
        return {"en": f"{age}-year-old", "fr": f"{age} ans", "ko": f"{age}세"}[lang]
    raise ValueError(kind)


def _fill(template: str, value: str, kind: str, lang: str) -> tuple[str, str]:
    """Titles take a surname only: the inserted value is what the sentence holds."""
    if kind == "NAME" and lang != "ko" and template.startswith(("Dr.", "Mrs.", "Mme", "Vu avec")):
        value = value.split()[-1]
    return template.format(v=value), value


def seeded_set(data: Path, seed: int = 0, per_language: int = 200) -> list[SeededText]:
    """`per_language` carriers per language, each with two to four inserted identifiers."""
    rng = random.Random(seed)
    out = []
    for lang, texts in carriers(data).items():
        fake = Faker(LOCALES[lang])
        fake.seed_instance(seed)
        kinds = sorted(TEMPLATES[lang])
        for text in rng.sample(texts, min(per_language, len(texts))):
            sentences = text.split("\n")
            item = SeededText(lang, "", carrier=text)
            for _ in range(rng.randint(2, 4)):
                kind = rng.choice(kinds)
                template = rng.choice(TEMPLATES[lang][kind])
                sentence, value = _fill(template, _value(kind, lang, fake, rng), kind, lang)
                sentences.insert(rng.randrange(len(sentences) + 1), sentence)
                item.inserted.append((kind, value))
            item.text = "\n".join(sentences)
            out.append(item)
    return out


def _record(text: str, lang: str, i: int) -> TextRecord:
    return TextRecord(text, lang, "eval", "seeded", str(i), "unknown")


def recall(gate: PhiGate, items: list[SeededText]) -> dict[tuple[str, str], tuple[int, int]]:
    """(lang, type) -> (inserted values wholly gone from the redacted text, inserted values)."""
    scores: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    records = [_record(item.text, item.lang, i) for i, item in enumerate(items)]
    for item, record in zip(items, gate.run(records), strict=True):
        for kind, value in item.inserted:
            score = scores[(item.lang, kind)]
            score[0] += value not in record.text and not left_over(value, record.text, item.carrier)
            score[1] += 1
    return {key: (hit, total) for key, (hit, total) in sorted(scores.items())}


def precision(gate: PhiGate, items: list[SeededText]) -> dict[tuple[str, str], tuple[int, int]]:
    """(lang, type) -> (findings that lie on an inserted value of that type, findings)."""
    scores: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        spans = []
        for kind, value in item.inserted:
            start = item.text.find(value)
            spans.append((kind, start, start + len(value)))
        for finding in gate.detector.find(item.text, item.lang):
            score = scores[(item.lang, finding.type)]
            score[1] += 1
            score[0] += any(
                k == finding.type and s < finding.end and finding.start < e for k, s, e in spans
            )
    return {key: (hit, total) for key, (hit, total) in sorted(scores.items())}


def redacted_share(gate: PhiGate, texts: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """lang -> (whitespace tokens the gate changed, tokens) on texts without insertions."""
    out = {}
    for lang, items in texts.items():
        changed = total = 0
        for i, text in enumerate(items):
            before = Counter(text.split())
            after = Counter(next(iter(gate.run([_record(text, lang, i)]))).text.split())
            total += sum(before.values())
            changed += sum((before - after).values())
        out[lang] = (changed, total)
    return out
