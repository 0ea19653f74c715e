"""XML that never resolves external entities, never expands nested ones, never touches the network.

Every XML input passes `check_prolog` before any parser sees it, and lxml parsers come from
`safe_parser`. Internal entities with plain values (Protégé writes `<!ENTITY owl "http://...">`)
stay allowed; external (SYSTEM/PUBLIC), parameter and nested entities are refused, which rules
out both file/network reads and entity-expansion bombs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from corpus.errors import InputError
from corpus.textio import newlines_before, open_binary
from corpus.xml_ranges import RangeReader, doctype_end, xml_layout

PROLOG_LIMIT = 1 << 20
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.S)
_REFERENCE = re.compile(rb"[&%][A-Za-z_:][^;\s]*;")


def safe_parser(**options: object) -> etree.XMLParser:
    """An lxml parser with entity resolution, DTD loading and network access off."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **options
    )


def _doctype(path: Path) -> bytes:
    """The DOCTYPE declaration with its internal subset (where entities live), or b""."""
    with open_binary(path) as handle:
        head = handle.read(PROLOG_LIMIT)
    end = doctype_end(head)
    if end is None:
        raise InputError(path, 1, "DOCTYPE internal subset not closed within 1 MiB: refused")
    return head[:end]


def check_prolog(path: Path) -> None:
    """Refuse DOCTYPEs that could read files, reach the network, or expand without bound."""
    prolog = _doctype(path)
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


def iter_records(
    path: Path, tags: str | tuple[str, ...], start: int = 0, stop: int | None = None
) -> Iterator[etree._Element]:
    """Stream the record elements of a (possibly gzipped) XML file, safely.

    Each record is yielded whole, then cleared and dropped from the tree (the element that
    sits directly under the root: `PubmedArticle` around `MedlineCitation`, say), so memory
    stays flat whatever the file size. Errors name the file and line. `start`/`stop` read
    one byte range (of the decompressed stream, for gzip), cut where records start
    (`corpus.xml_ranges`).
    """
    check_prolog(path)
    whole = start == 0 and stop is None
    layout = None if whole else xml_layout(path)
    if not whole and layout is None:
        raise InputError(path, None, "this file cannot be read in byte ranges")
    with open_binary(path) as handle:
        try:
            stream = handle if layout is None else RangeReader(handle, layout, start, stop)
            events = etree.iterparse(
                stream,
                events=("end",),
                tag=tags,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
            )
            for _, element in events:
                yield element
                record = element
                while (parent := record.getparent()) is not None and parent.getparent() is not None:
                    record = parent
                record.clear()
                root = record.getparent()
                while root is not None and record.getprevious() is not None:
                    del root[0]
        except etree.XMLSyntaxError as exc:
            line = exc.lineno
            if layout is not None and start > 0 and line:  # the range's line -> the file's
                line += newlines_before(path, start) - layout.header.count(b"\n")
            raise InputError(path, line, f"invalid XML: {exc.msg}") from None
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(path, None, f"truncated or corrupt gzip data ({exc})") from None
