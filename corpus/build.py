"""`corpus build`: one source -> a dataset folder with manifest and card, atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus import __version__
from corpus.card import write_card
from corpus.detect_language import MODES, DetectLanguage
from corpus.errors import OptionError
from corpus.filters import FilterOptions, make_filters
from corpus.manifest import now_utc, package_versions, write_manifest
from corpus.records import KINDS
from corpus.shards import write_shards
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.textio import check_exists, sha256_of
from corpus.writer import atomic_output


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    manifest: dict[str, Any]


def resolve_inputs(source_name: str, paths: list[Path]) -> list[InputFile]:
    """The user's files, or the source's embedded default when none are given."""
    if not paths:
        return get_source(source_name).default_inputs()
    for path in paths:
        check_exists(path)
    return [InputFile(path, path.name) for path in paths]


def build(
    source_name: str,
    inputs: list[InputFile],
    out: Path,
    options: SourceOptions,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    filters: FilterOptions | None = None,
    langid: str = "fill",
) -> BuildResult:
    """Read, filter and write on `workers` local processes; then stats, card, manifest."""
    if langid not in MODES:
        raise OptionError(f"--langid {langid!r}: expected one of {', '.join(MODES)}")
    source = get_source(source_name)(inputs, options)
    filters = filters or FilterOptions()
    with atomic_output(out) as tmp:
        middle = ([DetectLanguage(langid)] if langid != "off" else []) + make_filters(filters)
        steps = write_shards(source, tmp, workers, progress, middle, filters.keep_rejected)
        summary = source.input_summary()
        manifest: dict[str, Any] = {
            "name": f"{source_name} corpus: {out.name}",
            "source": source_name,
            "inputs": [
                {
                    "path": item.display,
                    "sha256": sha256_of(item.path),
                    "size": item.path.stat().st_size,
                    "format": summary.get(item.display, {}).get("format", ""),
                    "counts": {
                        k: v for k, v in summary.get(item.display, {}).items() if k != "format"
                    },
                }
                for item in inputs
            ],
            "options": {**options.describe(), "langid": langid, "filters": filters.describe()},
            "licenses": [vars(x) for x in source.licenses()],
            "languages_without_templates": source.unsupported_languages(),
            "counts": {kind: steps["writer"].get(f"records_{kind}", 0) for kind in KINDS},
            "steps": steps,
            "limitations": list(source.limitations),
            "versions": {**package_versions(), "corpus": __version__},
            "built_at": now_utc(),
        }
        manifest["stats"] = write_card(tmp, manifest)
        write_manifest(tmp, manifest)
    return BuildResult(out, manifest["counts"], manifest)
