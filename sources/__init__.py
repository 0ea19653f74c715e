"""Source adapters, registered by name so `corpus build --source NAME` finds them."""

from __future__ import annotations

from corpus.sources.base import InputFile, LicenseInfo, Source, SourceOptions

from corpus.errors import OptionError

REGISTRY: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    REGISTRY[cls.name] = cls
    return cls


def get_source(name: str) -> type[Source]:
    _load_builtin()
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise OptionError(f"unknown source {name!r}; available: {known}") from None


def all_sources() -> dict[str, type[Source]]:
    _load_builtin()
    return dict(sorted(REGISTRY.items()))


def _load_builtin() -> None:
    """Import the adapters that ship with corpus (each registers itself on import)."""
    from corpus.sources import brat, cismef, files, hetop, lissa, mcqa, notes, reasoning  # noqa: F401


__all__ = [
    "InputFile",
    "LicenseInfo",
    "Source",
    "SourceOptions",
    "all_sources",
    "get_source",
    "register",
]
