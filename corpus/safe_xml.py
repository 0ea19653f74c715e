"""XML that never resolves external entities, never expands nested ones, never touches the network.

Every XML input passes `check_prolog` before any parser sees it, and lxml parsers come from
`safe_parser`. Internal entities with plain values (Protégé writes `<!ENTITY owl "http://...">`)
stay allowed; external (SYSTEM/PUBLIC), parameter and nested entities are refused, which rules
out both file/network reads and entity-expansion bombs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from lxml import etree

from corpus.errors import InputError
from corpus.map_ahead import map_ahead
from corpus.textio import newlines_before, open_binary
from corpus.xml_ranges import doctype_end, iter_documents, read_xml_head, xml_layout

_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.S)
_REFERENCE = re.compile(rb"[&%][A-Za-z_:][^;\s]*;")


def safe_parser(**options: object) -> etree.XMLParser:
    """An lxml parser with entity resolution, DTD loading and network access off."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **options
    )


def safe_transform(stylesheet: bytes) -> etree.XSLT:
    """A compiled XSLT stylesheet that may not read or write files nor reach the network
    (`document()` and the like refused), whatever the documents it is applied to."""
    return etree.XSLT(etree.fromstring(stylesheet), access_control=etree.XSLTAccessControl.DENY_ALL)


def _doctype(path: Path, head: bytes) -> bytes:
    """The DOCTYPE declaration with its internal subset (where entities live), or b""."""
    end = doctype_end(head)
    if end is None:
        raise InputError(path, 1, "DOCTYPE internal subset not closed within 1 MiB: refused")
    return head[:end]


def check_prolog(path: Path, head: bytes | None = None) -> None:
    """Refuse DOCTYPEs that could read files, reach the network, or expand without bound.
    `head`: the file's `read_xml_head`, where the caller has it already."""
    prolog = _doctype(path, read_xml_head(path) if head is None else head)
    declared = prolog.count(b"<!ENTITY")
    if not declared:
        return
    matches = list(_ENTITY.finditer(prolog))
    for match in matches:
        line = prolog.count(b"\n", 0, match.start()) + 1
        name = match.group(2).decode("utf-8", "replace")
        kind = match.group(3)
        if match.group(1):
            raise InputError(path, line, f"parameter entity %{name} declared: refused")
        if kind in (b"SYSTEM", b"PUBLIC"):
            raise InputError(
                path, line, f"external entity '{name}' declared: refused (never resolved)"
            )
        if _REFERENCE.search(kind):
            raise InputError(
                path, line, f"entity '{name}' refers to other entities: refused (entity bomb)"
            )
    if len(matches) != declared:
        raise InputError(path, 1, "unreadable <!ENTITY declaration in DOCTYPE: refused")


def iter_records(path: Path, tags: str | tuple[str, ...]) -> Iterator[etree._Element]:
    """Stream the record elements of a (possibly gzipped) XML file, safely.

    Each record is yielded whole, then cleared and dropped from the tree (the element that
    sits directly under the root: `PubmedArticle` around `MedlineCitation`, say), so memory
    stays flat whatever the file size. Errors name the file and line.
    """
    check_prolog(path)
    yield from _stream_records(path, tags)


def _stream_records(path: Path, tags: str | tuple[str, ...]) -> Iterator[etree._Element]:
    """`iter_records` of a file whose prolog has been checked."""
    for _, element in iter_events(path, ("end",), tags):
        yield element
        record = element
        while (parent := record.getparent()) is not None and parent.getparent() is not None:
            record = parent
        record.clear()
        root = record.getparent()
        while root is not None and record.getprevious() is not None:
            del root[0]


def iter_events(
    path: Path, events: tuple[str, ...], tags: str | tuple[str, ...]
) -> Iterator[tuple[str, etree._Element]]:
    """lxml's iterparse events of a (possibly gzipped) XML file whose prolog has been checked,
    with the safe parser's settings; errors name the file and line. The caller frees the
    elements it is done with (`iter_records` does, for files of flat records)."""
    with open_binary(path) as handle:
        try:
            yield from etree.iterparse(
                handle,
                events=events,
                tag=tags,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
            )
        except etree.XMLSyntaxError as exc:
            raise _invalid_xml(path, exc) from None


def _invalid_xml(
    path: Path, exc: etree.XMLSyntaxError, header: bytes = b"", offset: int = 0
) -> InputError:
    """The parser's error at the file's line, where it parsed `header` followed by the file
    from byte `offset` on (a range, a document of records)."""
    line = exc.lineno
    if line and header:
        line += newlines_before(path, offset) - header.count(b"\n")
    return InputError(path, line, f"invalid XML: {exc.msg}")


def transform_records(
    path: Path,
    stylesheet: bytes,
    tags: str | tuple[str, ...],
    start: int = 0,
    stop: int | None = None,
    siblings: Mapping[str, tuple[str, ...]] | None = None,
) -> Iterator[str]:
    """The text an XSLT stylesheet makes of a record file (or of a byte range of it, as
    `iter_documents` takes), a few records at a time, safely; errors name the file and line.

    Faster than `iter_records` + Python: the file is cut into documents of whole records
    (`xml_ranges.iter_documents`, on a thread of its own), each parsed in memory and
    transformed by libxslt on two more (`map_ahead`). All of it lets go of the GIL, so it runs
    beside the caller's Python; a few documents are held at a time, so memory stays flat. A
    file that cannot be cut (no record within its first MiB) is streamed by `iter_records`, a
    record (`tags`) per transform. `siblings`: as `xml_layout` takes, the tags documents may
    be cut at beside the first's.
    """
    head = read_xml_head(path)
    check_prolog(path, head)
    layout = xml_layout(path, siblings, head)
    if layout is None:
        if start > 0 or stop is not None:
            raise InputError(path, None, "this file cannot be read in byte ranges")
        transform = safe_transform(stylesheet)
        for element in _stream_records(path, tags):  # its prolog checked above
            yield str(transform(element))
        return
    worker = _DocumentTransform(path, stylesheet, layout.header)
    with open_binary(path) as handle:
        yield from map_ahead(worker, iter_documents(handle, layout, start, stop))


class _DocumentTransform:
    """Parses and transforms one document of `iter_documents` on whichever thread calls it
    (each thread with its own parser and compiled stylesheet)."""

    def __init__(self, path: Path, stylesheet: bytes, header: bytes) -> None:
        self.path = path
        self.stylesheet = stylesheet
        self.header = header
        self.local = threading.local()

    def __call__(self, document: tuple[int, bytes]) -> str:
        offset, text = document
        if not hasattr(self.local, "transform"):
            self.local.transform = safe_transform(self.stylesheet)
            self.local.parser = safe_parser(remove_comments=True)
        try:
            root = etree.fromstring(text, self.local.parser)
        except etree.XMLSyntaxError as exc:
            raise _invalid_xml(self.path, exc, self.header, offset) from None
        return str(self.local.transform(root))
