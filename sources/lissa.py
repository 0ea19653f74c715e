"""lissa: PubMed/MEDLINE citation XML (LiSSa-like literature metadata) -> text and instructions.

Both layouts (`PubmedArticleSet/PubmedArticle/MedlineCitation` and the older
`MedlineCitationSet/MedlineCitation`), `.xml` or gzip, streamed: the file is read half a MiB of
whole citations at a time (`safe_xml.transform_records`), so memory stays flat whatever its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import ClassVar

from corpus.sources import register
from corpus.sources.base import FileSource

from corpus.errors import InputError
from corpus.langid import UNKNOWN
from corpus.phrasing import pick
from corpus.records import InstructRecord, Record, TextRecord, user_assistant
from corpus.safe_xml import check_prolog, transform_records
from corpus.xml_ranges import read_xml_head, root_element, xml_layout

SOURCE = "lissa"
STYLESHEET = (resources.files(__package__) / "medline.xsl").read_bytes()
CITATION_LINES = 7  # what medline.xsl writes for each citation
# Where a file may be cut (workers' shares, documents): at any of its root's record elements,
# whichever comes first in the file
RECORD_TAGS = {
    "PubmedArticleSet": ("PubmedArticle", "PubmedBookArticle"),
    "MedlineCitationSet": ("MedlineCitation",),
}
LICENSE = "NLM-PubMed"  # NLM terms; abstracts may be copyrighted by their publishers

# MEDLINE's ISO 639-2/B article languages -> BCP-47
LANGUAGES = {
    "eng": "en",
    "fre": "fr",
    "ger": "de",
    "spa": "es",
    "ita": "it",
    "por": "pt",
    "kor": "ko",
    "jpn": "ja",
    "chi": "zh",
    "rus": "ru",
    "pol": "pl",
    "dut": "nl",
    "swe": "sv",
    "dan": "da",
    "nor": "no",
    "fin": "fi",
    "cze": "cs",
    "hun": "hu",
    "tur": "tr",
    "gre": "el",
    "heb": "he",
    "ara": "ar",
    "per": "fa",
    "ukr": "uk",
    "rum": "ro",
    "hrv": "hr",
    "srp": "sr",
    "slv": "sl",
    "slo": "sk",
    "bul": "bg",
    "lit": "lt",
    "lav": "lv",
    "est": "et",
    "ice": "is",
    "vie": "vi",
    "tha": "th",
    "ind": "id",
    "may": "ms",
    "cat": "ca",
    "afr": "af",
    "epo": "eo",
    "lat": "la",
}
_PLACEHOLDER_TITLE = re.compile(
    r"^\W*(not available|in process citation|this article is not available|untitled|no title)\W*$",
    re.I,
)
_PLACEHOLDER_ABSTRACT = re.compile(
    r"^\W*(abstract available from the publisher|no abstract( available)?|not available)\W*$", re.I
)
# NLM's 2006 files list an article's funding among its MeSH headings ("Research Support,
# Non-U.S. Gov't"): a publication type, which says nothing of what the article is about
_FUNDING_HEADING = "Research Support, "

PROMPTS = {
    "en": {
        "title": [
            "Write a title for this medical abstract.\n\n{abstract}",
            "Suggest a concise scientific title for the following abstract:\n\n{abstract}",
        ],
        "mesh": [
            "Which MeSH headings index this article? Mark the major topics with *."
            "\n\n{title}\n\n{abstract}",
            "List the MeSH descriptors for this citation (major topics marked with *)."
            "\n\n{title}\n\n{abstract}",
        ],
        "translate": ["Translate this article title from {source} into {target}: {title}"],
    },
    "fr": {
        "title": ["Proposez un titre pour ce résumé médical.\n\n{abstract}"],
        "mesh": [
            "Quels descripteurs MeSH indexent cet article ? Marquez d'un * les sujets"
            " principaux.\n\n{title}\n\n{abstract}"
        ],
        "translate": ["Traduisez ce titre d'article du {source} vers le {target} : {title}"],
    },
    "es": {
        "title": ["Proponga un título para este resumen médico.\n\n{abstract}"],
        "mesh": [
            "¿Qué descriptores MeSH indexan este artículo? Marque con * los temas"
            " principales.\n\n{title}\n\n{abstract}"
        ],
        "translate": ["Traduzca este título de artículo del {source} al {target}: {title}"],
    },
    "de": {
        "title": [
            "Formulieren Sie einen Titel für diese medizinische Zusammenfassung.\n\n{abstract}"
        ],
        "mesh": [
            "Welche MeSH-Schlagwörter beschreiben diesen Artikel? Markieren Sie die"
            " Hauptthemen mit *.\n\n{title}\n\n{abstract}"
        ],
        "translate": ["Übersetzen Sie diesen Artikeltitel ({source} → {target}): {title}"],
    },
}
LANGUAGE_NAMES = {
    "en": {
        "en": "English",
        "fr": "French",
        "de": "German",
        "es": "Spanish",
        "it": "Italian",
        "pl": "Polish",
        "pt": "Portuguese",
        "ko": "Korean",
        "ja": "Japanese",
        "ru": "Russian",
    },
    "fr": {"en": "anglais", "fr": "français", "de": "allemand", "es": "espagnol", "it": "italien"},
    "es": {"en": "inglés", "fr": "francés", "de": "alemán", "es": "español", "it": "italiano"},
    "de": {
        "en": "Englisch",
        "fr": "Französisch",
        "de": "Deutsch",
        "es": "Spanisch",
        "it": "Italienisch",
    },
}


@dataclass
class Citation:
    """What one MEDLINE citation says, before any record is made."""

    pmid: str
    title: str = ""
    abstract: str = ""
    languages: list[str] = field(default_factory=list)
    vernacular_title: str = ""
    other_abstracts: list[tuple[str, str]] = field(default_factory=list)
    mesh: list[dict[str, object]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    journal: str = ""
    year: str = ""
    publication_types: list[str] = field(default_factory=list)

    @property
    def article_lang(self) -> str | None:
        """The first non-English article language (the vernacular title's), if known."""
        for code in self.languages:
            lang = LANGUAGES.get(code)
            if lang and lang != "en":
                return lang
        return None


def english_title(title: str) -> str:
    """MEDLINE brackets translated titles: '[Vaccines are drugs].' -> 'Vaccines are drugs.'"""
    stripped = title.strip()
    if stripped.startswith("["):
        end = stripped.rfind("]")
        if end > 0 and len(stripped) - end <= 2:
            inner = stripped[1:end].strip()
            return inner if inner.endswith((".", "?", "!")) else inner + "."
    return stripped


def _collapse(value: str) -> str:
    """XSLT's normalize-space collapses XML's four whitespace characters; Python's split also
    knows Unicode's (no-break space, thin space, ...), as the rest of corpus does."""
    return value if value.isascii() else " ".join(value.split())


def _items(line: str) -> list[list[str]]:
    """A list line of the stylesheet's output: TAB before each item, CR inside one."""
    if not line.isascii():
        return [[_collapse(part) for part in item.split("\r")] for item in line.split("\t")[1:]]
    return [item.split("\r") for item in line.split("\t")[1:]]


# labels that say a section has none: PubMed's "UNLABELLED" (NLM's UNASSIGNED category), set
# where a structured abstract opens with unlabelled text ("UNLABELLED: We report …")
_NO_LABEL = frozenset({"UNLABELLED", "UNLABELED", "UNASSIGNED"})


def _abstract(sections: list[list[str]] | Iterator[list[str]]) -> str:
    """Structured abstracts keep their section labels: 'BACKGROUND: …\\nMETHODS: …'."""
    parts = []
    for label, body in sections:
        if body:
            named = label and label.upper() not in _NO_LABEL
            parts.append(f"{label.upper()}: {body}" if named else body)
    return "\n".join(parts)


def _citation(lines: list[str]) -> Citation:
    """One citation from its seven lines of `medline.xsl` output."""
    head, languages, abstract, types, others, mesh, keywords = lines
    pmid, has_article, title, vernacular, journal, year, medline_date = head.split("\t")
    citation = Citation(pmid=pmid)
    if not has_article:
        return citation
    citation.title = english_title(_collapse(title))
    citation.vernacular_title = _collapse(vernacular)
    citation.journal = _collapse(journal)
    citation.year = year or medline_date[:4].strip()
    citation.languages = [code.lower() for code in languages.split("\t")[1:]]
    citation.abstract = _abstract(_items(abstract))
    citation.publication_types = [_collapse(kind) for kind in types.split("\t")[1:]]
    for language, *sections in _items(others):
        body = _abstract(zip(sections[::2], sections[1::2], strict=True))
        code = language.lower()
        if body and code in LANGUAGES:
            citation.other_abstracts.append((LANGUAGES[code], body))
    citation.mesh = [
        {"descriptor": descriptor, "major": major == "*", "qualifiers": qualifiers}
        for major, descriptor, *qualifiers in _items(mesh)
    ]
    citation.keywords = [keyword for keyword in map(_collapse, keywords.split("\t")[1:]) if keyword]
    return citation


def parse_citations(text: str) -> Iterator[Citation]:
    """The citations of a stretch of `medline.xsl` output."""
    lines = text.split("\n")
    for first in range(0, len(lines) - 1, CITATION_LINES):
        yield _citation(lines[first : first + CITATION_LINES])


def iter_citations(path: Path, start: int = 0, stop: int | None = None) -> Iterator[Citation]:
    """Stream the citations of a MEDLINE/PubMed file (or of a byte range of it), either
    layout. libxslt reads the fields out (`medline.xsl`) on other threads while records are
    made here: reading each field through lxml's Python elements cost the build
    more than parsing the XML."""
    for text in transform_records(path, STYLESHEET, "MedlineCitation", start, stop, RECORD_TAGS):
        yield from parse_citations(text)


def check_medline(path: Path) -> None:
    """A file of other XML (a MedlinePlus or NLM Catalog export given to lissa by mistake) has
    no citation to read: say so, rather than build nothing. A file whose root does not show
    in its first MiB is left to the parser, which says what is wrong with it. A DOCTYPE is
    refused first, as the parser would (an entity declared is no wrong root)."""
    head = read_xml_head(path)
    check_prolog(path, head)
    root = root_element(path, head)
    if root is not None and root not in RECORD_TAGS:
        expected = " or ".join(f"<{tag}>" for tag in RECORD_TAGS)
        raise InputError(
            path,
            None,
            f"not PubMed/MEDLINE XML: its root element is <{root}>, not {expected}"
            " (`corpus sources` lists what each source reads)",
        )


def _mesh_answer(mesh: list[dict[str, object]]) -> str:
    lines = []
    for heading in mesh:
        name = str(heading["descriptor"])
        qualifiers = heading["qualifiers"]
        if qualifiers:
            name += "/" + "/".join(qualifiers)  # type: ignore[arg-type]
        lines.append(("*" if heading["major"] else "") + name)
    return "\n".join(lines)


@register
class LissaSource(FileSource):
    name = "lissa"
    description = "literature metadata: PubMed/MEDLINE XML (.xml, .xml.gz), every language present"
    formats: ClassVar[dict[str, str]] = {
        "medline": "PubmedArticleSet or MedlineCitationSet XML, optionally gzip"
    }
    limitations = (
        "Only what MEDLINE holds: titles and abstracts, no full text.",
        "A vernacular title's language is the article's language as MEDLINE records it.",
        "Abstracts may be copyrighted by their publishers: check before redistributing.",
    )

    def can_cut(self, path: Path) -> bool:
        """Big files are shared by workers, cut where a citation starts (in a gzip file's
        decompressed stream: a worker decompresses and drops what comes before its share)."""
        return xml_layout(path, RECORD_TAGS) is not None

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        """This rank's contiguous share of the inputs' citations (so any number of workers
        gives the records of one, in the same order); --limit runs on one worker."""
        for piece in self.pieces_for(rank, world_size):
            if piece.start == 0:  # each file once: its first piece
                check_medline(piece.item.path)
            for citation in iter_citations(piece.item.path, piece.start, piece.stop):
                yield from self.records(citation)
                self.stat_update("citations")  # once all its records are passed on (--limit)

    def _keep(self, lang: str) -> bool:
        """Whether --langs keeps `lang`; a part of a citation it leaves out is counted, so that
        a build left with nothing says why."""
        if self.options.langs is None or lang in self.options.langs:
            return True
        self.stat_update("dropped_parts_language_not_allowed")
        return False

    def _text_record(self, citation: Citation, lang: str, text: str, part: str) -> TextRecord:
        self.stat_update(f"text_{lang}")
        meta = {
            "pmid": citation.pmid,
            "part": part,
            "journal": citation.journal,
            "year": citation.year,
            "languages": citation.languages,
            "mesh": citation.mesh,
            "keywords": citation.keywords,
            "publication_types": citation.publication_types,
        }
        return TextRecord(
            text=text,
            lang=lang,
            source=SOURCE,
            dataset="medline",
            source_id=citation.pmid,
            license=self.options.license or LICENSE,
            meta=meta,
        )

    def _ask(self, citation: Citation, lang: str, task: str, kind: str, answer: str, **values: str):
        index, template = pick(PROMPTS[lang][kind], self.options.seed, citation.pmid, kind, lang)
        self.stat_update(f"instruct_{task}_{lang}")
        return InstructRecord(
            messages=user_assistant(template.format(**values), answer),
            lang=lang,
            source=SOURCE,
            dataset="medline",
            source_id=citation.pmid,
            license=self.options.license or LICENSE,
            task=task,
            meta={"pmid": citation.pmid, "template": f"{kind}.{index}"},
        )

    def records(self, citation: Citation) -> Iterator[Record]:
        title_ok = bool(citation.title) and not _PLACEHOLDER_TITLE.match(citation.title)
        abstract_ok = bool(citation.abstract) and not _PLACEHOLDER_ABSTRACT.match(citation.abstract)
        if not title_ok:
            self.stat_update("dropped_placeholder_title")
        elif not abstract_ok:
            self.stat_update(
                "dropped_no_abstract" if not citation.abstract else "dropped_placeholder_abstract"
            )
        elif self._keep("en"):
            yield self._text_record(
                citation, "en", f"{citation.title}\n\n{citation.abstract}", "title+abstract"
            )
            yield self._ask(
                citation, "en", "title", "title", citation.title, abstract=citation.abstract
            )
            if subjects := self._subject_headings(citation):
                yield self._ask(
                    citation,
                    "en",
                    "mesh",
                    "mesh",
                    _mesh_answer(subjects),
                    title=citation.title,
                    abstract=citation.abstract,
                )
        yield from self._other_languages(citation, title_ok)

    def _subject_headings(self, citation: Citation) -> list[dict[str, object]]:
        """The MeSH headings a model should learn to index the article with: its subjects,
        not its funding (the text's meta keeps every heading, as the file has them)."""
        subjects = [
            h for h in citation.mesh if not str(h["descriptor"]).startswith(_FUNDING_HEADING)
        ]
        if left_out := len(citation.mesh) - len(subjects):
            self.stat_update("mesh_funding_headings_left_out", left_out)
        return subjects

    def _other_languages(self, citation: Citation, title_ok: bool) -> Iterator[Record]:
        lang = citation.article_lang
        vernacular = citation.vernacular_title
        others = {
            code: body
            for code, body in citation.other_abstracts
            if not _PLACEHOLDER_ABSTRACT.match(body)
        }
        dropped = len(citation.other_abstracts) - len(others)
        if dropped:
            self.stat_update("dropped_placeholder_other_abstract", dropped)
        if vernacular and lang is None:  # 'und': the language-identification step decides
            yield self._text_record(citation, UNKNOWN, vernacular, "vernacular")
        if vernacular and lang is not None and self._keep(lang):
            body = others.pop(lang, "")
            yield self._text_record(citation, lang, f"{vernacular}\n\n{body}".strip(), "vernacular")
            if title_ok:
                yield from self._translations(citation, lang)
        for code, body in others.items():
            if self._keep(code):
                yield self._text_record(citation, code, body, "other_abstract")

    def _translations(self, citation: Citation, lang: str) -> Iterator[Record]:
        pairs = (
            (lang, "en", citation.vernacular_title, citation.title),
            ("en", lang, citation.title, citation.vernacular_title),
        )
        for source, target, title, answer in pairs:
            prompt_lang = source if source in PROMPTS else target if target in PROMPTS else None
            if prompt_lang is None or not self._keep(source) or not self._keep(target):
                continue
            names = LANGUAGE_NAMES.get(prompt_lang, {})
            record = self._ask(
                citation,
                prompt_lang,
                "translation",
                "translate",
                answer,
                title=title,
                source=names.get(source, source),
                target=names.get(target, target),
            )
            record.meta.update(source_lang=source, target_lang=target)
            yield record
