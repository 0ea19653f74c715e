"""What we know about terminologies by CURIE prefix: display name and license, for text and card."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Terminology:
    prefix: str
    name: str
    license: str = "unknown"
    license_note: str = ""
    local_names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, lang: str) -> str:
        """The name readers of `lang` know it by (CIM-11 in French), else the English one."""
        return self.local_names.get(lang, self.name)


_KNOWN = [
    Terminology(
        "HP",
        "Human Phenotype Ontology",
        "HPO-license",
        "Free to use; acknowledge the HPO Consortium, cite Köhler et al. and show the HPO "
        "version; the content and logical relationships must not be altered.",
        {"ko": "인간 표현형 온톨로지(HPO)", "ja": "ヒト表現型オントロジー（HPO）"},
    ),
    Terminology(
        "DOID",
        "Human Disease Ontology",
        "CC0-1.0",
        "Public domain dedication (older releases stated CC BY 3.0); cite Schriml et al.",
    ),
    Terminology(
        "ICD11",
        "ICD-11",
        "CC-BY-ND-3.0-IGO",
        "WHO content. Derived data (translations, adaptations, training sets) may not be "
        "redistributed without WHO's permission: use internally, ask WHO before publishing.",
        {
            "fr": "CIM-11",
            "es": "CIE-11",
            "ko": "국제질병분류 제11판(ICD-11)",
            "ja": "国際疾病分類第11版（ICD-11）",
        },
    ),
    Terminology(
        "ICD10",
        "ICD-10",
        "WHO-ICD-10",
        "WHO content; check WHO's ICD-10 terms before any redistribution of derived data.",
        {
            "fr": "CIM-10",
            "es": "CIE-10",
            "ko": "국제질병분류 제10판(ICD-10)",
            "ja": "国際疾病分類第10版（ICD-10）",
        },
    ),
    Terminology(
        "CIM10",
        "CIM-10 FR",
        "ATIH-CIM-10",
        "French ICD-10 as distributed by ATIH, derived from WHO ICD-10: WHO terms apply.",
    ),
    Terminology(
        "KCD",
        "Korean Standard Classification of Diseases",
        "KOSTAT-KCD",
        "Published by Statistics Korea (KOSTAT), derived from WHO ICD-10: WHO terms apply.",
        {"ko": "한국표준질병·사인분류(KCD)"},
    ),
    Terminology(
        "ORPHA",
        "Orphanet",
        "CC-BY-4.0",
        'Cite "Orphanet: an online database on rare diseases and orphan drugs. © INSERM".',
    ),
    Terminology(
        "MESH",
        "MeSH",
        "NLM-MeSH",
        "NLM terms and conditions; French MeSH © Inserm.",
        {"ko": "의학주제표목(MeSH)", "ja": "MeSH（医学件名標目）"},
    ),
    Terminology(
        "UMLS", "UMLS", "UMLS-license", "Requires a UMLS licence to use the CUIs' content."
    ),
    Terminology("SNOMEDCT", "SNOMED CT", "SNOMED-CT-license", "Affiliate licence required."),
    Terminology("NCIT", "NCI Thesaurus", "CC-BY-4.0"),
    Terminology("OMIM", "OMIM"),
    Terminology("ICD10CM", "ICD-10-CM"),
    Terminology("ICD9CM", "ICD-9-CM"),
    Terminology("ICDO", "ICD-O"),
    Terminology("MEDDRA", "MedDRA"),
    Terminology("FYLER", "Fyler"),  # Boston Children's cardiac codes, which HPO maps to
    Terminology("GARD", "GARD"),
    Terminology("MONDO", "Mondo Disease Ontology", "CC-BY-4.0"),
    Terminology("EFO", "Experimental Factor Ontology", "Apache-2.0"),
]
KNOWN: dict[str, Terminology] = {t.prefix: t for t in _KNOWN}

# Spellings seen in xrefs, mapped to one prefix so mappings from different files meet.
_ALIASES = {
    "UMLS_CUI": "UMLS",
    "MSH": "MESH",
    "MESH": "MESH",
    "NCI": "NCIT",
    "ORPHANET": "ORPHA",
    "ORDO": "ORPHA",
    "SCTID": "SNOMEDCT",
    "SNOMED": "SNOMEDCT",
    "SNOMEDCT_US": "SNOMEDCT",
    "ICD-10": "ICD10",
    "ICD-11": "ICD11",
    "ICD10WHO": "ICD10",
    "KCD7": "KCD",
    "KCD8": "KCD",
}
_VERSION_SUFFIX = re.compile(r"_\d{4}(_\d{2}){0,2}$")


def normalize_prefix(prefix: str) -> str:
    """`SNOMEDCT_US_2025_09_01` -> `SNOMEDCT`, `UMLS_CUI` -> `UMLS`; unknown ones upper-cased."""
    upper = _VERSION_SUFFIX.sub("", prefix.strip()).upper()
    return _ALIASES.get(upper, upper)


def lookup(prefix: str) -> Terminology:
    prefix = normalize_prefix(prefix)
    return KNOWN.get(prefix) or Terminology(prefix, prefix)


def split_curie(curie: str) -> tuple[str, str]:
    """`HP:0001250` -> (`HP`, `0001250`); a bare code has an empty prefix."""
    prefix, sep, local = curie.partition(":")
    return (prefix, local) if sep else ("", curie)


# ICD-10 and its national editions print codes with a dot (A00.0, C16.9+0); some tables (ATIH's
# CIM-10: A000, C169+0) drop it, and their codes must meet the dotted ones of other files.
ICD10_EDITIONS = frozenset({"ICD10", "CIM10", "KCD", "ICD10CM"})
_UNDOTTED_ICD10 = re.compile(r"([A-Z][0-9]{2})([0-9A-Z][0-9A-Z+]*)")


def canonical_code(prefix: str, local: str) -> str:
    """`CIM10`, `A000` -> `A00.0`: the dotted form for the ICD-10 editions; others unchanged."""
    if prefix in ICD10_EDITIONS and (undotted := _UNDOTTED_ICD10.fullmatch(local)):
        return f"{undotted[1]}.{undotted[2]}"
    return local


def normalize_curie(curie: str) -> str:
    """`ICD-10:A000` -> `ICD10:A00.0`: one spelling per prefix and per code."""
    prefix, local = split_curie(curie.strip())
    if not prefix:
        return local
    prefix = normalize_prefix(prefix)
    return f"{prefix}:{canonical_code(prefix, local)}"
