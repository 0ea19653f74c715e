"""One exception family, so the CLI can turn any bad input into one line and exit 2."""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """Anything the user can fix: bad input, bad options. Printed without a traceback."""


class InputError(CorpusError):
    """A problem in one input file, located by path and (where one applies) line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(self.location() + ": " + message)

    def __reduce__(self):  # picklable, so a worker process can hand it to the parent
        return (InputError, (self.path, self.line, self.message))

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class OptionError(CorpusError):
    """An option value that cannot work (unknown language list, bad column mapping, ...)."""
