"""A JSON array read element by element, as its lines come, each named by its first line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.errors import InputError
from corpus.textio import read_lines

_DECODER = json.JSONDecoder()
_VALUE_STARTS = '{["-0123456789tfn'  # what a JSON value can begin with


class _Window:
    """The text of the file not yet consumed: lines are added as a value needs them and
    dropped once it is decoded, so memory holds about one element. `line` is the file's line
    number of the window's first character."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = read_lines(path)
        self.text = ""
        self.line = 1

    def more(self) -> bool:
        """Add the next line; False at the end of the file. A JSON string cannot hold a raw
        newline, so a line's end is always between two tokens."""
        for _, text in self.lines:
            self.text += text + "\n"
            return True
        return False

    def drop(self, count: int) -> None:
        self.line += self.text.count("\n", 0, count)
        self.text = self.text[count:]

    def peek(self) -> str:
        """The next character that is not blank ("" at the end), blanks before it dropped."""
        while True:
            stripped = self.text.lstrip(" \t\r\n")
            self.drop(len(self.text) - len(stripped))
            if stripped or not self.more():
                return stripped[:1]

    def expect(self, allowed: str, what: str) -> str:
        char = self.peek()
        if not char or char not in allowed:
            raise InputError(self.path, self.line, f"invalid JSON: expected {what}")
        return char

    def value(self) -> Any:
        """Decode the value the window starts with, adding lines while it is cut short: an
        error where only blanks follow is the end of the window, one before it is the file's."""
        nested = self.text[0] in "{["
        while True:
            if nested and self.text.rstrip(" \t\r\n,")[-1] not in "}]" and self.more():
                continue  # an object or array cannot have ended yet: no decoding to fail
            try:
                value, end = _DECODER.raw_decode(self.text)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(self.text.rstrip()) and self.more():
                    continue
                line = self.line + exc.lineno - 1
                raise InputError(
                    self.path, line, f"invalid JSON: {exc.msg} (column {exc.colno})"
                ) from None
            self.drop(end)
            return value


def read_json_array(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, element) of a JSON array whose text is read a line at a time: memory holds an
    element, not the file (a minified array is one line, and is held whole). gzip and UTF-8
    errors are located as `read_lines` locates them."""
    window = _Window(path)
    window.expect("[", "a JSON array")
    window.drop(1)
    if window.peek() == "]":
        window.drop(1)
    else:
        while True:
            window.expect(_VALUE_STARTS, "a value")
            line = window.line
            yield line, window.value()
            closer = window.expect(",]", "',' or ']'")
            window.drop(1)
            if closer == "]":
                break
    if window.peek():
        raise InputError(path, window.line, "invalid JSON: text after the array")
