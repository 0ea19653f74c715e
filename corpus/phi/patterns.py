"""Pattern recognizers for what presidio's registry lacks or gets wrong offline: French NIR,
Korean and French phone formats, dates with month names (en, fr, ko), ages over 89, street
addresses, medical record ids, e-mails and URLs without tldextract (which would fetch the public
suffix list at run time).

Each recognizer is a presidio `PatternRecognizer`, so the registry, scoring and overlap handling
stay presidio's; the patterns use the `regex` module's variable-length lookbehind to keep
context words ("MRN:", "Dr.") out of the redacted span.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
CASE_INSENSITIVE = CASE_SENSITIVE | regex.IGNORECASE

EN_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
FR_MONTHS = (
    r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre"
    r"|novembre|d[ée]cembre|janv\.|f[ée]vr\.|sept\.|oct\.|nov\.|d[ée]c\.)"
)
ORDINAL = r"(?:st|nd|rd|th)"
YEAR = r"(?:1[89]|20)\d\d"
OLD_AGE = r"(?:9\d|1[01]\d)"  # HIPAA: ages over 89 are identifying


def recognizer(
    entity: str, lang: str, patterns: list[tuple[str, str, float]], case_sensitive: bool = False
) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity=entity,
        supported_language=lang,
        name=f"{entity.lower()}_{lang}",
        patterns=[Pattern(name, rx, score) for name, rx, score in patterns],
        global_regex_flags=CASE_SENSITIVE if case_sensitive else CASE_INSENSITIVE,
    )


def nir_key_ok(digits: str) -> bool:
    """INSEE key: 97 - (number mod 97); Corsica's 2A/2B count as 19/18."""
    number = digits.replace(" ", "").upper()
    body, key = number[:13], number[13:]
    body = body.replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or (key and not key.isdigit()):
        return False
    return not key or 97 - int(body) % 97 == int(key)


class NirRecognizer(PatternRecognizer):
    """French social security number (NIR): sex, year, month, department, commune, order, key."""

    PATTERN = (
        r"(?<![\dA-Za-z])[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?"
        r"\d{3}\s?\d{3}(?:\s?\d{2})?(?![\dA-Za-z])"
    )

    def __init__(self, lang: str) -> None:
        super().__init__(
            supported_entity="NIR",
            supported_language=lang,
            name=f"nir_{lang}",
            patterns=[Pattern("nir", self.PATTERN, 0.6)],
            global_regex_flags=CASE_SENSITIVE,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return nir_key_ok(pattern_text)


def date_recognizer(lang: str) -> PatternRecognizer:
    day = r"(?:0?[1-9]|[12]\d|3[01])"
    patterns = {
        "en": [
            ("month d, yyyy", rf"\b{EN_MONTHS}\.?\s+{day}{ORDINAL}?,?\s+{YEAR}\b", 0.8),
            ("d month yyyy", rf"\b{day}{ORDINAL}?\s+(?:of\s+)?{EN_MONTHS}\.?,?\s+{YEAR}\b", 0.8),
            ("month yyyy", rf"\b{EN_MONTHS}\.?\s+(?:19|20)\d\d\b", 0.6),
            ("month d", rf"\b{EN_MONTHS}\.?\s+{day}(?:st|nd|rd|th)\b", 0.6),
        ],
        "fr": [
            ("d mois yyyy", rf"\b(?:1er|{day})\s+{FR_MONTHS}(?:\s+(?:19|20)\d\d)?\b", 0.8),
            ("mois yyyy", rf"\b{FR_MONTHS}\s+(?:19|20)\d\d\b", 0.6),
        ],
        "ko": [
            ("yyyy년 m월 d일", r"(?:19|20)\d\d\s*년\s*\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?", 0.8),
            ("m월 d일", r"(?<!\d)\d{1,2}\s*월\s*\d{1,2}\s*일", 0.6),
            ("yyyy. mm. dd.", r"(?<!\d)(?:19|20)\d\d\.\s?\d{1,2}\.\s?\d{1,2}\.?", 0.8),
        ],
    }
    return recognizer("DATE", lang, patterns[lang], case_sensitive=lang == "en")


def rrn_recognizer(lang: str) -> PatternRecognizer:
    """Korean RRN by shape (YYMMDD-GNNNNNN), beside presidio's checksum-validated one: post-2020
    numbers have no checksum and test data often has impossible birth dates."""
    return recognizer("RRN", lang, [("rrn", r"(?<![\d-])\d{6}-[1-8]\d{6}(?![\d-])", 0.6)])


def age_recognizer(lang: str) -> PatternRecognizer:
    patterns = {
        "en": [
            ("n-year-old", rf"\b{OLD_AGE}[- ](?:year|yr)s?[- ]old\b", 0.8),
            ("n years", rf"\b{OLD_AGE}\s?(?:years?|yrs?|y/?o|y\.o\.)(?![A-Za-z])", 0.6),
            ("aged n", rf"(?<=\bage[d:]?\s?){OLD_AGE}\b", 0.7),
        ],
        "fr": [
            ("n ans", rf"\b{OLD_AGE}\s?ans\b", 0.7),
            ("âgé de n", rf"(?<=\b[âa]g[ée]e?s?\s+de\s+){OLD_AGE}\b", 0.8),
        ],
        "ko": [("n세", rf"(?<!\d){OLD_AGE}\s?(?:세|살)", 0.8)],
    }
    return recognizer("AGE", lang, patterns[lang])


def phone_recognizer(lang: str) -> PatternRecognizer:
    """National formats phonenumbers' matcher misses without a region guess."""
    patterns = [
        ("fr national", r"(?<!\d)0[1-9](?:[ .-]?\d{2}){4}(?!\d)", 0.6),
        ("fr international", r"(?<![\d+])\+33\s?\(?0?\)?[1-9](?:[ .-]?\d{2}){4}(?!\d)", 0.8),
        ("kr mobile", r"(?<!\d)01[016789][- .]?\d{3,4}[- .]?\d{4}(?!\d)", 0.7),
        ("kr landline", r"(?<!\d)0(?:2|[3-6][1-5]|70|50\d)[- .)]\d{3,4}[- .]\d{4}(?!\d)", 0.6),
        ("kr international", r"(?<![\d+])\+82[- ]?\d{1,2}[- ]?\d{3,4}[- ]?\d{4}(?!\d)", 0.8),
        (  # any 9-11 digit number right after a phone word
            "after phone word",
            r"(?<=\b(?:phone|tel|t[ée]l[ée]phone|call|called|reached\s+at|cell|mobile|portable"
            r"|fax|joignable\s+au|rappeler[^\n\d]{0,20}au|연락처|전화|휴대폰)\b\W{0,3}(?:at\s+)?)"
            r"\+?\d(?:[ .-]?\d){8,10}(?!\d)",
            0.7,
        ),
        (
            "us",
            r"(?<![\d+])(?:\+1[ .-]?|001[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\d)",
            0.6,
        ),
    ]
    return recognizer("PHONE", lang, patterns)


def email_recognizer(lang: str) -> PatternRecognizer:
    # no \b: a Korean particle may follow the address directly (…@example.org로)
    rx = (
        r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
        r"(?![A-Za-z0-9])"
    )
    return recognizer("EMAIL", lang, [("email", rx, 0.9)])


def url_recognizer(lang: str) -> PatternRecognizer:
    rx = r"\b(?:https?://|www\.)[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]"
    return recognizer("URL", lang, [("url", rx, 0.9)])


def address_recognizer(lang: str) -> PatternRecognizer:
    patterns = {
        "en": [
            (
                "number street",
                r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard"
                r"|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway)\b\.?",
                0.7,
            )
        ],
        "fr": [
            (
                "numéro voie",
                r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin"
                r"|allée|impasse|quai|route|cours)\s+(?:(?:de\s+la|de\s+l'|du|des|de|d'|la|le"
                r"|l')\s*)?[A-ZÉÈÀ][\w'\-]+(?:\s+[A-ZÉÈÀ][\w'\-]+)*",
                0.7,
            )
        ],
        "ko": [
            (
                "도로명 주소",
                r"(?:[가-힣]+(?:특별시|광역시|특별자치시|도|시)\s+)?[가-힣]+(?:구|군|시)\s+"
                r"[가-힣0-9]+(?:로|길)\s?\d+(?:-\d+)?(?:번길\s?\d+)?",
                0.7,
            )
        ],
    }
    return recognizer("ADDRESS", lang, patterns[lang], case_sensitive=True)


def record_id_recognizer(lang: str) -> PatternRecognizer:
    """Medical record / patient ids: only next to the words that introduce them."""
    context = (
        r"MRN|medical\s+record(?:\s+(?:number|no\.?|#))?|patient\s+(?:id|number|no\.?)"
        r"|IPP|NIP|(?:n°|num[ée]ro)\s+(?:de\s+)?dossier|dossier\s+(?:n°|no)"
        r"|병록번호|(?<!주민)등록번호|환자번호|차트번호"
    )
    rx = rf"(?<=(?:{context})\s*[:#]?\s*(?:n°\s*)?)(?=[A-Z\-]*\d)[A-Z0-9][A-Z0-9\-]{{4,}}\b"
    return recognizer("ID", lang, [("record id", rx, 0.8)])
