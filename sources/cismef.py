"""cismef: health catalogue records (CISMeF-like) -> text and instructions.

Reads NLM Catalog records (`NLMCatalogRecord`, serials too, and the older `Serial`),
MedlinePlus health topics (`health-topic`) and vocabulary (`MedicalTopic`), Dublin Core in
OAI-PMH (`oai_dc:dc`), and CSV exports with a column mapping. Every XML layout is streamed with
lxml `iterparse` and each record cleared once read; HTML summaries are parsed, never rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from corpus.sources import register
from corpus.sources.base import FileSource
from corpus.sources.lissa import LANGUAGES
from lxml import html

from corpus.errors import InputError, OptionError
from corpus.langid import UNKNOWN, LanguageIdentifier
from corpus.phrasing import pick
from corpus.records import InstructRecord, Record, TextRecord, user_assistant
from corpus.safe_xml import iter_records
from corpus.textio import TableReader
from corpus.typography import colon_as_written
from corpus.xml_ranges import root_element

SOURCE = "cismef"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
TAGS = ("NLMCatalogRecord", "Serial", "health-topic", "MedicalTopic", OAI_DC)
LANGUAGE_NAMES = {
    "english": "en",
    "spanish": "es",
    "french": "fr",
    "español": "es",
    "français": "fr",
}
_BLOCKS = {"p", "div", "li", "br", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
_HTML_PARSER = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)


def _sentence(template: str, items: str) -> str:
    """The template's sentence about `items`, without a second full stop where the last item
    ends a sentence itself ("… to Regional Commissions.")."""
    text = template.format(items=items)
    if items.endswith((".", "?", "!")) and text.endswith(items + "."):
        return text[:-1]
    return text


TEMPLATES = {
    "en": {
        "also": "Also called: {items}.",
        "subjects": "Subject headings: {items}.",
        "groups": "Topics: {items}.",
        "types": "Resource type: {items}.",
        "about": ["What is “{title}”?", "Tell me about the health topic “{title}”."],
        "title": [
            "Which health topic does this text describe?\n\n{summary}",
            "Give a title for this health information:\n\n{summary}",
        ],
        "about_resource": ["What is “{title}” about?", "Summarize the resource “{title}”."],
        "title_resource": [
            "Give the title of the resource this text describes:\n\n{summary}",
            "Which publication does this summary describe? Give its title.\n\n{summary}",
        ],
        "mesh": ["Which subject headings describe this resource?\n\n{title}\n\n{summary}"],
    },
    "es": {
        "also": "También llamado: {items}.",
        "subjects": "Descriptores: {items}.",
        "groups": "Temas: {items}.",
        "types": "Tipo de recurso: {items}.",
        "about": ["¿Qué es «{title}»?", "Hábleme del tema de salud «{title}»."],
        "title": ["¿Qué tema de salud describe este texto?\n\n{summary}"],
        "about_resource": ["¿De qué trata «{title}»?", "Resuma el recurso «{title}»."],
        "title_resource": ["¿Cuál es el título del recurso que describe este texto?\n\n{summary}"],
        "mesh": ["¿Qué descriptores describen este recurso?\n\n{title}\n\n{summary}"],
    },
    "fr": {
        "also": "Aussi appelé : {items}.",
        "subjects": "Descripteurs : {items}.",
        "groups": "Thèmes : {items}.",
        "types": "Type de ressource : {items}.",
        "about": ["Qu'est-ce que « {title} » ?", "Parlez-moi du thème de santé « {title} »."],
        "title": ["Quel thème de santé ce texte décrit-il ?\n\n{summary}"],
        "about_resource": ["De quoi traite « {title} » ?", "Résumez la ressource « {title} »."],
        "title_resource": ["Quel est le titre de la ressource que ce texte décrit ?\n\n{summary}"],
        "mesh": ["Quels descripteurs décrivent cette ressource ?\n\n{title}\n\n{summary}"],
    },
}


# records that name a health topic; the others (NLM Catalog, Dublin Core, CSV) a resource
TOPIC_KINDS = frozenset({"medlineplus-topic", "medlineplus-vocabulary"})
RESOURCE_KEYS = ("about_resource", "title_resource")


@dataclass
class Entry:
    """One catalogue record, whatever its layout."""

    id: str
    kind: str
    title: str
    lang: str | None
    summary: str = ""
    also_called: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    url: str = ""


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def strip_html(markup: str) -> str:
    """Readable text of an HTML fragment: blocks become lines, list items '- ' lines."""
    if not markup.strip():
        return ""
    root = html.fragment_fromstring(markup, create_parent="div", parser=_HTML_PARSER)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = " ".join(" ".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _BLOCKS:
            flush()
            if tag == "li":
                current.append("-")
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if tag in _BLOCKS:
            flush()

    walk(root)
    flush()
    return "\n".join(lines)


def _lang(code: str | None) -> str | None:
    code = (code or "").strip().lower()
    return LANGUAGE_NAMES.get(code) or LANGUAGES.get(code) or (code if len(code) == 2 else None)


_ISBD_END = " ./;:,="  # marks that close an ISBD area; a title's own "?" or ")" stays


def _catalog(element) -> Entry:
    title = _text(element.find("TitleMain/Title")) or _text(element.find("Title"))
    abstract = " ".join(_text(a) for a in element.iter("AbstractText"))
    lang = _lang(element.findtext("Language"))
    alternates = [_text(t) for t in element.iterfind("TitleOther/TitleAlternate")][:5]
    return Entry(
        id=(element.findtext("NlmUniqueID") or "").strip(),
        kind="nlm-catalog",
        # ISBD punctuation spaces the colon before a subtitle ("Basic metabolic processes : a
        # self-instructional package"); prose spaces it as the title's language does. It also
        # ends a title with the mark before the next area ("… der Fleischbeschau;", "… /")
        title=colon_as_written(title.rstrip(_ISBD_END), lang),
        lang=lang,
        summary=abstract,
        also_called=[colon_as_written(a.rstrip(_ISBD_END), lang) for a in alternates],
        subjects=[_text(d) for d in element.iterfind("MeshHeadingList/MeshHeading/DescriptorName")],
        types=[_text(p) for p in element.iterfind("PublicationTypeList/PublicationType")],
    )


def _health_topic(element) -> Entry:
    return Entry(
        id=element.get("id", ""),
        kind="medlineplus-topic",
        title=element.get("title", "").strip(),
        lang=_lang(element.get("language")),
        summary=strip_html(element.findtext("full-summary") or ""),
        also_called=[_text(a) for a in element.iterfind("also-called")],
        subjects=[_text(d) for d in element.iterfind("mesh-heading/descriptor")],
        groups=[_text(g) for g in element.iterfind("group")],
        url=element.get("url", ""),
    )


def _medical_topic(element) -> Entry:
    return Entry(
        id=(element.findtext("ID") or element.get("ID") or "").strip(),
        kind="medlineplus-vocabulary",
        title=_text(element.find("MedicalTopicName")),
        lang=_lang(element.get("langcode")),
        summary=strip_html(element.findtext("FullSummary") or ""),
        also_called=[_text(s) for s in element.iterfind("Synonyms/Synonym")],
        groups=[_text(g) for g in element.iterfind("Groups/Group/GroupName")],
        url=(element.findtext("URL") or "").strip(),
    )


def _dublin_core(element) -> Entry:
    identifiers = [_text(i) for i in element.iterfind(f"{DC}identifier")]
    return Entry(
        id=identifiers[0] if identifiers else f"line-{element.sourceline}",
        kind="dublin-core",
        title=_text(element.find(f"{DC}title")),
        lang=_lang(element.findtext(f"{DC}language")),
        summary=" ".join(_text(d) for d in element.iterfind(f"{DC}description")),
        subjects=[_text(s) for s in element.iterfind(f"{DC}subject")],
        types=[_text(t) for t in element.iterfind(f"{DC}type")],
    )


PARSERS: dict[str, Callable] = {
    "NLMCatalogRecord": _catalog,
    "Serial": _catalog,
    "health-topic": _health_topic,
    "MedicalTopic": _medical_topic,
    OAI_DC: _dublin_core,
}


def iter_xml_entries(path: Path) -> Iterator[Entry]:
    for element in iter_records(path, TAGS):
        yield PARSERS[element.tag](element)


def _check_has_records(path: Path) -> None:
    """A file without a catalogue record is other XML given to cismef by mistake (MEDLINE
    citations, say): name its root rather than build nothing. An OAI-PMH page may be empty."""
    root = None if path.suffix.lower() in (".csv", ".tsv") else root_element(path)
    if root is None or root == "OAI-PMH":
        return
    names = [tag.replace(OAI_DC, "oai_dc:dc") for tag in TAGS]
    expected = ", ".join(f"<{name}>" for name in names[:-1]) + f" or <{names[-1]}>"
    raise InputError(
        path,
        None,
        f"no catalogue record: its root element is <{root}>, and no {expected} is in it"
        " (`corpus sources` lists what each source reads)",
    )


CSV_ROLES = ("id", "title", "description", "subjects", "lang", "url")


def iter_csv_entries(path: Path, columns: dict[str, str]) -> Iterator[Entry]:
    """A catalogue export: `--columns id=…,title=…,description=…,subjects=…,lang=…`."""
    table = TableReader(path, "," if path.suffix.lower() == ".csv" else "\t")
    unknown = sorted(set(columns) - set(CSV_ROLES))
    if unknown:
        raise OptionError(
            f"--columns: unknown role(s) {', '.join(unknown)}; roles: {', '.join(CSV_ROLES)}"
        )
    if "title" not in columns:
        raise OptionError("cismef CSV: name the title column with --columns title=COLUMN")
    table.require(list(columns.values()))
    for row in table:

        def get(role: str, row: dict[str, str] = row) -> str:
            return row.get(columns.get(role, ""), "")

        yield Entry(
            id=get("id") or f"{path.name}:{table.line}",
            kind="csv",
            title=get("title"),
            lang=_lang(get("lang")),
            summary=get("description"),
            subjects=[s.strip() for s in get("subjects").replace("|", ";").split(";") if s.strip()],
            url=get("url"),
        )


@register
class CismefSource(FileSource):
    name = "cismef"
    description = "health catalogue records: NLM Catalog, MedlinePlus, Dublin Core/OAI-PMH, CSV"
    formats: ClassVar[dict[str, str]] = {
        "nlm-catalog": "NLMCatalogRecord / Serial XML (NLM Catalog, serials)",
        "medlineplus": "MedlinePlus health-topic XML and MedicalTopic vocabulary XML",
        "oai-dc": "Dublin Core records (oai_dc:dc), e.g. an OAI-PMH ListRecords response",
        "csv": "a CSV/TSV export, with --columns id=…,title=…,description=…,subjects=…,lang=…",
    }
    limitations = (
        "Catalogue prose is short: titles, summaries and subject headings, no full text.",
        "NLM Catalog titles keep the resource's language (often romanized); the record's "
        "language is the resource's.",
    )

    @cached_property
    def identifier(self) -> LanguageIdentifier:
        return LanguageIdentifier()

    def _entries(self, path: Path) -> Iterator[Entry]:
        name = path.name.lower().removesuffix(".gz")
        if name.endswith((".csv", ".tsv")):
            return iter_csv_entries(path, self.options.columns)
        return iter_xml_entries(path)

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        for item in self.inputs_for(rank, world_size):
            read = False
            for entry in self._entries(item.path):
                yield from self.records(entry)
                self.stat_update(f"records_{entry.kind}")  # once passed on (--limit)
                read = True
            if not read:
                _check_has_records(item.path)

    def records(self, entry: Entry) -> Iterator[Record]:
        if not entry.title:
            self.stat_update("dropped_no_title")
            return
        lang = entry.lang or self.options.lang
        if lang is None and entry.kind != "nlm-catalog":  # prose needs it now: detect
            lang = self.identifier.predict(f"{entry.title}\n{entry.summary}").lang
            self.stat_update(f"detected_{lang}")
            lang = None if lang == UNKNOWN else lang
        if entry.kind == "nlm-catalog":
            prose = "en"  # catalogue metadata (headings, types) is English whatever the title
        elif lang is None:
            self.stat_update("dropped_language_unknown")
            return
        else:  # prose around the title and summary: the record's language, else English
            prose = lang if lang in TEMPLATES else "en"
        if self.options.langs is not None and prose not in self.options.langs:
            self.stat_update("dropped_language_not_allowed")
            return
        t = TEMPLATES[prose]
        parts = [entry.title + ("." if not entry.title.endswith((".", "?", "!")) else "")]
        if entry.summary:
            parts.append(entry.summary)
        for key, items in (
            ("also", entry.also_called),
            ("types", entry.types),
            ("groups", entry.groups),
            ("subjects", entry.subjects),
        ):
            if items:
                parts.append(_sentence(t[key], "; ".join(items)))
        license_id = self.options.license or "NLM-public-domain"
        meta = {"kind": entry.kind, "url": entry.url, "record_lang": lang}
        yield TextRecord(
            "\n".join(parts), prose, SOURCE, entry.kind, entry.id, license_id, meta=meta
        )
        questions = []
        if entry.summary:
            # a health topic is asked about by its name, quoted: MedlinePlus writes it in title
            # case ("What is “Abdominal Pain”?", not "What is Abdominal Pain?", nor "¿Qué es
            # Dolor abdominal?"); a catalogued book, report or web page by its title ("What is
            # “Analysis of …” about?")
            about, title = ("about", "title") if entry.kind in TOPIC_KINDS else RESOURCE_KEYS
            questions.append((about, entry.summary, "summary"))
            questions.append((title, entry.title, "title"))
        if entry.subjects:
            questions.append(("mesh", "\n".join(entry.subjects), "subject_headings"))
        for kind, answer, task in questions:
            index, template = pick(t[kind], self.options.seed, entry.id, kind, prose)
            # a record without a summary: no blank lines left dangling after its title
            prompt = template.format(title=entry.title, summary=entry.summary).rstrip()
            yield InstructRecord(
                user_assistant(prompt, answer),
                prose,
                SOURCE,
                entry.kind,
                entry.id,
                license_id,
                task,
                meta={"kind": entry.kind, "template": f"{kind}.{index}"},
            )
