"""What every source adapter provides: a reader step, its inputs, and an embedded default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from corpus.errors import CorpusError, OptionError
from corpus.pipeline import PipelineStep
from corpus.textio import size_of, stream_size


@dataclass(frozen=True)
class InputFile:
    """One input; `display` is how manifests and cards name it (stable across machines)."""

    path: Path
    display: str
    note: str = ""


def parse_columns(spec: str | None, option: str = "--columns") -> dict[str, str]:
    """`code=orphanumber,fr=name,fr_synonyms=synonymes,xref:ICD10=icd10` -> {role: column}."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for item in spec.split(","):
        role, sep, column = item.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise OptionError(f"{option}: expected key=value, got {item!r}")
        mapping[role.strip()] = column.strip()
    return mapping


@dataclass(frozen=True)
class TableLayout:
    """One `--columns` and the `--terminology` given with it: the roles of the columns of the
    tables that have them, and the terminology those tables hold (None: from the file name)."""

    columns: dict[str, str]
    terminology: str | None = None

    def spec(self) -> str:
        return ",".join(f"{role}={column}" for role, column in self.columns.items())


def table_layouts(columns: list[dict[str, str]], terminologies: list[str]) -> list[TableLayout]:
    """Repeated --columns, each with the --terminology given in the same place (or none: the
    terminologies come from the file names). Without --columns, one --terminology names every
    table. Never empty: the first layout is the one every source reads."""
    if len(terminologies) not in {0, len(columns)} and (columns or len(terminologies) > 1):
        raise OptionError(
            f"{len(columns)} --columns but {len(terminologies)} --terminology: give one "
            "--terminology per --columns, in the same order, or none"
        )
    names: list[str | None] = [*terminologies] or [None] * max(len(columns), 1)
    return [TableLayout(c, name) for c, name in zip(columns or [{}], names, strict=True)]


@dataclass
class SourceOptions:
    """Options shared by sources; each source reads the ones that apply to it."""

    seed: int = 0
    limit: int | None = None
    langs: frozenset[str] | None = None
    columns: dict[str, str] = field(default_factory=dict)
    terminology: str | None = None
    # the second and later --columns (with their --terminology): tables of several layouts
    # in one build; only sources whose `reads_many_layouts` is set read them
    more_columns: tuple[TableLayout, ...] = ()
    license: str | None = None
    lang: str | None = None  # one language for every record, where the input has no column
    strict: bool = False  # rows a source would skip (empty notes, answers) are errors instead
    holdout: float = 0.0  # hetop: share of concepts kept out of the records, for the probe

    def describe(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "limit": self.limit,
            "langs": sorted(self.langs) if self.langs else None,
            "columns": self._each(self.columns or None, [t.columns for t in self.more_columns]),
            "terminology": self._each(self.terminology, [t.terminology for t in self.more_columns]),
            "license": self.license,
            "lang": self.lang,
            "strict": self.strict,
            "holdout": self.holdout,
        }

    @staticmethod
    def _each(first: object, more: list) -> object:
        """An option given once as its value, given several times as the list of them."""
        return [first, *more] if more else first


@dataclass(frozen=True)
class LicenseInfo:
    """A license that applies to part of a build, with what it means for users of the data."""

    scope: str
    license: str
    note: str


class Source(PipelineStep):
    """A reader step: `run(None)` streams records from `inputs`."""

    name: ClassVar[str]
    description: ClassVar[str]
    formats: ClassVar[dict[str, str]]
    phi_default: ClassVar[str] = "off"  # the PHI gate's mode when --phi is not given
    limitations: ClassVar[tuple[str, ...]] = ()  # for the card: what users of the data must know
    # kinds whose every record is a distinct item by construction (hetop: a concept x task x
    # language): two of them alike are siblings (M54.04 and M54.05, a lookup and its
    # inverse), never copies, so dedup removes only their exact copies
    distinct_records: ClassVar[frozenset[str]] = frozenset()
    reads_many_layouts: ClassVar[bool] = False  # tables of several --columns in one build
    # --limit: False, the build counts the first N items that keep a record (`ItemLimit`);
    # True, the source picks its N itself (hetop: concepts, before its graph is verbalized)
    counts_limit_itself: ClassVar[bool] = False

    def __init__(self, inputs: list[InputFile], options: SourceOptions) -> None:
        super().__init__()
        if options.more_columns and not self.reads_many_layouts:
            count = len(options.more_columns) + 1
            raise OptionError(f"--columns given {count} times: {self.name} reads one table layout")
        self.inputs = inputs
        self.options = options

    def prepare(self) -> None:
        """Work done once before the records are sharded over workers (e.g. read a graph)."""

    @classmethod
    def default_inputs(cls) -> list[InputFile]:
        """The embedded default: data shipped inside an installed package, read in place."""
        raise CorpusError(f"{cls.name} has no embedded default: pass --input")

    def write_sidecars(self, root: Path) -> None:
        """Files a source writes beside the records (once, by rank 0): none by default."""

    def licenses(self) -> list[LicenseInfo]:
        """Licenses of what was read, known after `run` has finished."""
        return []

    def input_summary(self) -> dict[str, dict[str, object]]:
        """Per-input format and counts, known after `run` has finished."""
        return {}

    def unsupported_languages(self) -> list[str]:
        """Languages present in the data that get no prose templates (translation pairs only)."""
        return []


@dataclass(frozen=True)
class Piece:
    """A rank's share of one input: the whole file, or bytes [start, stop) of it cut where
    records start (stop None: to the end)."""

    item: InputFile
    start: int = 0
    stop: int | None = None


class FileSource(Source):
    """A source whose unit of work is a byte range of its inputs: each rank reads a contiguous
    share of the inputs' bytes, cut anywhere (the reader of a range takes the records that
    start in it, as Hadoop's input splits do) or, in a file the source cannot read in ranges,
    where the next file starts; so the ranks' records, concatenated, are those of one worker."""

    def can_cut(self, path: Path) -> bool:
        """Whether the source reads `path` in byte ranges (rough offsets, of the decompressed
        stream for gzip); False (the default) where the file is read whole."""
        return False

    def pieces_for(self, rank: int, world_size: int) -> list[Piece]:
        """This rank's pieces: bytes [total·rank/N, total·(rank+1)/N) of the inputs taken
        one after the other, an end inside a file that cannot be cut moved to the next file."""
        if world_size == 1 or self.options.limit is not None:  # --limit counts from the start
            return [Piece(item) for item in self.inputs] if rank == 0 else []
        sizes = [size_of(item.path) for item in self.inputs]
        total = sum(sizes)
        first = self._position(sizes, total * rank // world_size)
        last = self._position(sizes, total * (rank + 1) // world_size)
        pieces = []
        for index in range(first[0], min(last[0], len(sizes) - 1) + 1):
            start = first[1] if index == first[0] else 0
            stop = last[1] if index == last[0] else None
            if stop is None or stop > start:
                pieces.append(Piece(self.inputs[index], start, stop))
        return pieces

    def inputs_for(self, rank: int, world_size: int) -> list[InputFile]:
        """This rank's inputs, for a source that reads whole files only."""
        return [piece.item for piece in self.pieces_for(rank, world_size)]

    def _position(self, sizes: list[int], offset: int) -> tuple[int, int]:
        """A byte offset into the inputs taken together -> (input, offset in it); the next
        input's start where this one cannot be cut. Nothing is read but a file's first bytes
        (whether it can be cut) and a gzip file's trailer (its decompressed size)."""
        for index, size in enumerate(sizes):
            if offset < size:
                path = self.inputs[index].path
                if offset == 0:
                    return index, 0
                if not path.is_file() or not self.can_cut(path):  # read whole
                    return index + 1, 0
                # a gzip file's offsets are those of its decompressed stream
                return index, offset * stream_size(path) // size
            offset -= size
        return len(sizes), 0
