"""Reading input files line by line: gzip transparently, strict UTF-8, errors located by line."""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from corpus.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
# what to do about a file in a legacy encoding (ATIH's and Windows' CSVs, Korean CP949 exports)
REENCODE = "re-encode it as UTF-8 (iconv -f WINDOWS-1252 -t UTF-8; Korean: -f CP949)"


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def check_exists(path: Path) -> None:
    if not path.exists():
        raise InputError(path, None, "no such file")
    if not path.is_file():
        raise InputError(path, None, "not a regular file")


@contextmanager
def open_binary(path: Path, line: Callable[[], int] | None = None) -> Iterator[BinaryIO]:
    """Open for reading bytes, decompressing gzip whatever the file is called. A cut or
    corrupt gzip stream, wherever it is read inside the `with`, is a one-line input error
    (click would print a bare "Aborted." for gzip's EOFError); `line` tells the line it was
    met at, where the reader counts them."""
    check_exists(path)
    if not is_gzip(path):
        with open(path, "rb") as handle:
            yield handle
        return
    with gzip.open(path, "rb") as handle:
        try:
            yield handle  # type: ignore[misc]
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            where = None if line is None else line()
            raise InputError(path, where, f"truncated or corrupt gzip data ({exc})") from None


def seek_forward(handle: BinaryIO, offset: int) -> None:
    """Move a freshly opened handle to `offset`: a seek in a plain file; in a gzip stream the
    bytes before it are decompressed and dropped, a MiB at a time (gzip's own seek reads
    8 KiB at a time)."""
    if not isinstance(handle, gzip.GzipFile):
        handle.seek(offset)
        return
    while offset > 0 and (chunk := handle.read(min(1 << 20, offset))):
        offset -= len(chunk)


def stream_size(path: Path) -> int:
    """Bytes a reader of `path` sees. For gzip, the size its trailer gives (modulo 4 GiB, and
    the last member's only): good enough to place cuts, which stay correct wherever they fall."""
    size = path.stat().st_size
    if size < 18 or not is_gzip(path):
        return size
    with open(path, "rb") as handle:
        handle.seek(-4, 2)
        return int.from_bytes(handle.read(4), "little") or size


def read_lines(
    path: Path, keep_newlines: bool = False, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, str]]:
    """Yield (line number, text); a bad byte or a cut gzip names its line. Newlines are
    stripped unless kept (csv needs them inside quoted multi-line fields). `start`/`stop`
    (any byte offsets, of the decompressed stream for gzip) read the lines that begin in
    [start, stop), numbered as in the whole file."""
    lineno = position = 0
    with open_binary(path, lambda: lineno + 1) as handle:
        if start > 0:  # to the first line that begins at or after `start`, in one pass
            # (the byte before `start` says whether a line begins there)
            lineno, position = _count_newlines(handle, start - 1)
            rest = handle.readline()  # the line that byte belongs to, up to its newline
            lineno += rest.endswith(b"\n")
            position += len(rest)
        for raw in handle:
            if stop is not None and position >= stop:
                break
            position += len(raw)
            lineno += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    path,
                    lineno,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    + REENCODE,
                ) from None
            if lineno == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield lineno, line if keep_newlines else line.rstrip("\r\n")


def newlines_before(path: Path, offset: int) -> int:
    """Lines that end before `offset`: where a document's line numbers start in the file."""
    with open_binary(path) as handle:
        return _count_newlines(handle, offset)[0]


def _count_newlines(handle: BinaryIO, size: int) -> tuple[int, int]:
    """Read the next `size` bytes (fewer at the end), a MiB at a time: (newlines, bytes read)."""
    count = done = 0
    while done < size and (block := handle.read(min(1 << 20, size - done))):
        count += block.count(b"\n")
        done += len(block)
    return count, done


def read_head(path: Path, size: int = 4096) -> str:
    """The first bytes as text, for format sniffing (decoding errors replaced, never raised)."""
    with open_binary(path) as handle:
        head = handle.read(size)
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


class TableReader:
    """Rows of a TSV/CSV as dicts, with the source line of each row for error messages."""

    def __init__(self, path: Path, delimiter: str) -> None:
        self.path = path
        lines = (line for _, line in read_lines(path, keep_newlines=True))
        first = next(lines, "")
        if delimiter == "," and "," not in first and ";" in first:
            delimiter = ";"  # a spreadsheet's CSV in a locale whose decimal mark is a comma
        self._lines = itertools.chain([first] if first else [], lines)
        self._reader = csv.reader(self._lines, delimiter=delimiter)
        try:
            self.header = [name.strip() for name in next(self._reader)]
        except StopIteration:
            raise InputError(path, 1, "empty table: no header row") from None
        except csv.Error as exc:
            raise InputError(path, 1, f"unreadable header: {exc}") from None

    @property
    def line(self) -> int:
        return self._reader.line_num

    def require(self, columns: list[str], hint: str = "") -> None:
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise InputError(
                self.path,
                1,
                f"missing required column(s) {', '.join(missing)}; "
                f"columns are: {', '.join(self.header)}{hint}",
            )

    def __iter__(self) -> Iterator[dict[str, str]]:
        width = len(self.header)
        try:
            for row in self._reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) > width:
                    raise InputError(
                        self.path, self.line, f"{len(row)} fields, but the header has {width}"
                    )
                row += [""] * (width - len(row))  # trailing empty fields are often cut
                yield dict(zip(self.header, (v.strip() for v in row), strict=True))
        except csv.Error as exc:
            raise InputError(self.path, self.line, f"malformed row: {exc}") from None


def sha256_of(path: Path) -> str:
    """Of a file's bytes; of a folder, of every file's relative path and hash, sorted."""
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{file.relative_to(path)}\0{sha256_of(file)}\n".encode())
        return digest.hexdigest()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size
