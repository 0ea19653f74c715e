"""Byte ranges of one big XML file that parse on their own, so workers can share the file.

A record file is a root element around many sibling records (`MedlineCitationSet` around
`MedlineCitation`s, `PubmedArticleSet` around `PubmedArticle`s). A range that starts where a
record starts and stops where another starts parses on its own once the file's header (prolog,
DOCTYPE, root start tag) is put before it and the root's end tag after it. Ranges are cut only
at a record start tag that directly follows another tag's `>`; such a tag inside a comment or
CDATA section would make the ranges unbalanced, which the parser reports as an error rather
than reading wrong records. Offsets in a gzip file are offsets in its decompressed stream: a
range there starts after decompressing (and dropping) what comes before it.

Ranges are given rough, as any byte offsets (Hadoop's input splits): the reader of
[start, stop) takes the records that start in it, from the first record start at or after
`start` to the first one at or after `stop`, which the next range's reader starts with. So
placing the cuts reads nothing, and each reader passes over the bytes before its range once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from corpus.textio import open_binary, seek_forward

HEAD_LIMIT = 1 << 20  # the header and the first record's start must lie in the first MiB
BLOCK = 1 << 20
DOCUMENT = 1 << 19  # of records: 2 MiB ran no faster and raised a lissa build's peak ~20 MB
CONTEXT = 64  # bytes looked at before a record start tag (and overlap between blocks)
_SKIPPED = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)  # PIs, comments between tags
_SUBSET_END = re.compile(rb"\]\s*>")
_START_TAG = re.compile(rb"\s*<([A-Za-z_][\w.:-]*)[^>]*?(/?)>", re.S)
_BEFORE_TAG = re.compile(rb">\s*\Z")  # a record start must follow a tag's end, not text


def doctype_end(head: bytes) -> int | None:
    """Where the DOCTYPE declaration (with its internal subset) ends in the file's first bytes:
    0 without one, None when its internal subset does not close within them."""
    start = head.find(b"<!DOCTYPE")
    if start < 0:
        return 0
    close = head.find(b">", start)
    bracket = head.find(b"[", start)
    if 0 <= bracket < close or close < 0:
        end = _SUBSET_END.search(head, start)
        return None if end is None else end.end()
    return close + 1


@dataclass(frozen=True)
class XmlLayout:
    """What a byte range of the file needs around it: the header before the first record
    (ending where it starts) and the root's end tag; `records` are the tags ranges start at."""

    header: bytes
    root: str
    records: tuple[str, ...]

    @property
    def footer(self) -> bytes:
        return f"</{self.root}>\n".encode()

    @cached_property  # looked at for every candidate cut of every document: made once
    def start_tags(self) -> tuple[bytes, ...]:
        return tuple(b"<" + tag.encode() for tag in self.records)

    @cached_property
    def start_pattern(self) -> re.Pattern[bytes]:
        tags = b"|".join(re.escape(tag.encode()) for tag in self.records)
        return re.compile(rb"<(?:" + tags + rb")[\s/>]")


def read_xml_head(path: Path) -> bytes:
    """The file's first MiB (decompressed): where its prolog, root and first record are."""
    with open_binary(path) as handle:
        return handle.read(HEAD_LIMIT)


def root_element(path: Path, head: bytes | None = None) -> str | None:
    """The tag of the file's root element (None where its first MiB shows none): what kind
    of XML it is, read before its records are looked for. `head` as for `xml_layout`."""
    root = _root_start(read_xml_head(path) if head is None else head)
    return None if root is None else root.group(1).decode()


def _root_start(head: bytes) -> re.Match[bytes] | None:
    """The root element's start tag, past the prolog, DOCTYPE, PIs and comments."""
    prolog_end = doctype_end(head)
    if prolog_end is None:
        return None
    position = max(prolog_end, 3 if head.startswith(b"\xef\xbb\xbf") else 0)
    while match := _SKIPPED.match(head, position):
        position = match.end()
    return _START_TAG.match(head, position)


def xml_layout(
    path: Path, siblings: Mapping[str, Iterable[str]] | None = None, head: bytes | None = None
) -> XmlLayout | None:
    """The layout of an XML record file; None where the file must be read whole (no child
    element of the root within the first MiB, an empty root, an unclosed DOCTYPE).

    Ranges start at the root's first child's tag, and at the tags `siblings` names for that
    root (a PubmedBookArticle among PubmedArticles: otherwise a file starting with one would
    have nowhere else to be cut). Never name a tag that also occurs deeper down. `head`: the
    file's `read_xml_head`, where the caller has it already."""
    if head is None:
        head = read_xml_head(path)
    root = _root_start(head)
    if root is None or root.group(2):  # no root, or an empty <root/>
        return None
    position = root.end()
    while match := _SKIPPED.match(head, position):
        position = match.end()
    child = _START_TAG.match(head, position)
    if child is None:
        return None
    start = child.start(1) - 1  # the child's "<"
    root_tag, first = root.group(1).decode(), child.group(1).decode()
    records = dict.fromkeys([first, *(siblings or {}).get(root_tag, ())])
    return XmlLayout(head[:start], root_tag, tuple(records))


def _is_record_start(buffer: bytes, at: int, layout: XmlLayout) -> bool:
    """Whether a record's start tag begins at `at`, right after another tag's `>`."""
    return bool(
        layout.start_pattern.match(buffer, at)
        and _BEFORE_TAG.search(buffer, max(0, at - CONTEXT), at)
    )


def _last_record_start(buffer: bytes, layout: XmlLayout) -> int:
    """Offset of the last record start tag in `buffer` (after its first byte), or -1."""
    end, tags = len(buffer), layout.start_tags
    while (at := max(buffer.rfind(tag, 1, end) for tag in tags)) > 0:
        if _is_record_start(buffer, at, layout):
            return at
        end = at
    return -1


def _first_record_start(buffer: bytes, layout: XmlLayout, begin: int) -> int:
    """Offset of the first record start tag in `buffer` at or after `begin`, or -1."""
    for match in layout.start_pattern.finditer(buffer, begin):
        if _is_record_start(buffer, match.start(), layout):
            return match.start()
    return -1


def _align(handle: BinaryIO, layout: XmlLayout, offset: int) -> tuple[int, bytes] | None:
    """Read up to the first record that starts at or after `offset`: (its offset, the bytes
    read from there on); None when no record starts there or later."""
    base = max(0, offset - CONTEXT)  # the bytes before a start tag say whether it is one
    seek_forward(handle, base)
    buffer = b""
    while block := handle.read(BLOCK):
        buffer += block
        at = _first_record_start(buffer, layout, offset - base)
        if at >= 0:
            return base + at, buffer[at:]
        # a start tag cut by the block's end is seen whole next time, with its context
        keep = buffer[-2 * CONTEXT :]
        base += len(buffer) - len(keep)
        buffer = keep
    return None


def iter_documents(
    handle: BinaryIO, layout: XmlLayout, start: int, stop: int | None, size: int = DOCUMENT
) -> Iterator[tuple[int, bytes]]:
    """The records that start in file[start:stop] (rough offsets; start 0 and stop None for
    the whole file) as documents of whole records, about `size` bytes each, that parse on
    their own: (file offset of the first record, header + records + root end tag). It holds
    one document at a time, however big the range."""
    if start <= len(layout.header):  # the first record starts where the header ends
        position, pending = len(layout.header), b""
        seek_forward(handle, position)
    elif (found := _align(handle, layout, start)) is not None:
        position, pending = found
    else:
        return
    blocks = _blocks(handle, pending, size)
    rest = b""
    while stop is None or position < stop:
        block = next(blocks, b"")
        buffer = rest + block
        if stop is not None and stop - position < len(buffer):  # the range ends in here
            end = _first_record_start(buffer, layout, stop - position)
            if end >= 0:
                yield position, layout.header + buffer[:end] + layout.footer
                return
        if not block:  # the file's end: its root end tag and whatever follows it
            if buffer:
                yield position, layout.header + buffer
            return
        cut = _last_record_start(buffer, layout)
        if cut < 0:
            rest = buffer
            continue
        yield position, layout.header + buffer[:cut] + layout.footer
        position, rest = position + cut, buffer[cut:]


def _blocks(handle: BinaryIO, pending: bytes, size: int) -> Iterator[bytes]:
    """`size` bytes at a time: first those already read (`pending`), then the handle's."""
    for at in range(0, len(pending), size):
        yield pending[at : at + size]
    while block := handle.read(size):
        yield block
