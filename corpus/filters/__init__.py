"""Filters: pipeline steps that keep a record or drop it with a counted reason."""

from dataclasses import asdict, dataclass

from corpus.errors import OptionError
from corpus.filters.base import Drop, Filter
from corpus.filters.language import LanguageFilter
from corpus.filters.length import LengthFilter
from corpus.filters.repetition import RepetitionFilter

__all__ = [
    "Drop",
    "Filter",
    "FilterOptions",
    "LanguageFilter",
    "LengthFilter",
    "RepetitionFilter",
    "make_filters",
]


@dataclass(frozen=True)
class FilterOptions:
    """Which filters a build runs, in this order: PHI gate, languages, length, repetition.
    `phi` None means the source's default (redact for clinical sources, off otherwise)."""

    langs: frozenset[str] | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    min_words: int | None = None
    max_words: int | None = None
    repetition: bool = False
    keep_rejected: bool = False
    phi: str | None = None

    def __post_init__(self) -> None:
        """Bounds that no record can meet are a slip: refused before a build drops all."""
        for unit in ("chars", "words"):
            low, high = getattr(self, f"min_{unit}"), getattr(self, f"max_{unit}")
            if low is not None and high is not None and low > high:
                raise OptionError(f"--min-{unit} {low} is above --max-{unit} {high}")

    def describe(self) -> dict[str, object]:
        values = asdict(self)
        values["langs"] = sorted(self.langs) if self.langs else None
        return values


def make_filters(options: FilterOptions) -> list[Filter]:
    filters: list[Filter] = []
    if options.langs:
        filters.append(LanguageFilter(options.langs))
    bounds = (options.min_chars, options.max_chars, options.min_words, options.max_words)
    if any(bound is not None for bound in bounds):
        filters.append(LengthFilter(*bounds))
    if options.repetition:
        filters.append(RepetitionFilter())
    return filters
