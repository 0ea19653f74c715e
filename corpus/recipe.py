"""Recipes: several sources, one output, deduplicated across all of them.

A recipe (YAML) lists sources with their inputs and options, the filters, the dedup settings
and the seed. `corpus build --recipe R.yaml --out OUT` builds each source into a folder of its
own beside OUT, then deduplicates them together into OUT, sources earlier in the recipe
keeping their records over later ones. OUT's manifest holds the resolved recipe (absolute
input paths and their sha256), so `corpus build --recipe OUT/manifest.json` rebuilds it.
A source already built by an interrupted run of the same recipe is not built again.

    seed: 0
    filters: {min_chars: 20}          # FilterOptions fields, for every source
    dedup: {threshold: 0.5}           # or `dedup: false` to only concatenate
    sources:
      - source: hetop
        inputs: [hp.obo, hp-fr.babelon.tsv]   # relative to the recipe file; $VARS expanded
        options: {langs: [en, fr], holdout: 0.1}
      - source: notes
        inputs: [mts.csv]
        options: {lang: en}
        filters: {phi: redact}        # merged over the global filters
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from corpus.errors import CorpusError, InputError, OptionError
from corpus.filters import FilterOptions
from corpus.sources import InputFile, SourceOptions, all_sources
from corpus.sources.base import table_layouts
from corpus.sources.hetop.probe_table import PROBE_TABLE
from corpus.textio import sha256_of

SOURCE_KEYS = {"source", "inputs", "inputs_sha256", "options", "filters"}
TOP_KEYS = {"seed", "langid", "filters", "dedup", "sources"}
OPTION_FIELDS = {f.name for f in fields(SourceOptions)} - {"seed", "more_columns"}
FILTER_FIELDS = {f.name for f in fields(FilterOptions)}
DEDUP_FIELDS = {
    "exact",
    "near",
    "threshold",
    "permutations",
    "bands",
    "max_df",
    "distinct_identifiers",
}


class Located:
    """A parsed recipe with the line of every value, for `error: PATH:LINE: …`."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines: dict[tuple, int] = {}
        self._scalars = yaml.SafeLoader("")
        if path.suffix == ".json":
            self.data = self._from_manifest(text)
            return
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise InputError(path, line, f"not valid YAML: {exc.problem or exc}") from None
        if node is None:
            raise InputError(path, None, "empty recipe")
        self.data = self._plain(node, ())

    def _from_manifest(self, text: str) -> Any:
        try:
            manifest = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(self.path, exc.lineno, f"not valid JSON: {exc.msg}") from None
        if not isinstance(manifest, dict) or "recipe" not in manifest:
            raise InputError(self.path, None, "this manifest was not built from a recipe")
        return manifest["recipe"]

    def _plain(self, node: yaml.Node, key: tuple) -> Any:
        self.lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result = {}
            for name_node, value_node in node.value:
                name = name_node.value
                self.lines[(*key, name)] = name_node.start_mark.line + 1
                result[name] = self._plain(value_node, (*key, name))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._plain(item, (*key, i)) for i, item in enumerate(node.value)]
        return self._scalars.construct_object(node)  # scalars: YAML's own typing

    def error(self, key: tuple, message: str) -> InputError:
        while key and key not in self.lines:
            key = key[:-1]
        return InputError(self.path, self.lines.get(key), message)


@dataclass
class SourceSpec:
    source: str
    inputs: list[InputFile]
    options: SourceOptions
    filters: FilterOptions


@dataclass
class Recipe:
    path: Path
    seed: int
    langid: str
    dedup: dict[str, Any] | None
    sources: list[SourceSpec]
    resolved: dict[str, Any]  # what the manifest stores: enough to rebuild the same output


def _mapping(located: Located, value: Any, key: tuple, allowed: set[str], what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise located.error(key, f"{what} must be a mapping")
    for name in value:
        if name not in allowed:
            raise located.error(
                (*key, name), f"unknown {what} key {name!r} (known: {', '.join(sorted(allowed))})"
            )
    return value


def _langs(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(str(x).strip() for x in items if str(x).strip())


def _table_layouts(located: Located, options: dict[str, Any], key: tuple) -> dict[str, Any]:
    """`columns` as one mapping, or a list of them (tables of several layouts, as --columns
    given several times), with `terminology` as one name or a list in the same order."""
    columns, names = options.get("columns"), options.get("terminology")
    if not isinstance(columns, list) and not isinstance(names, list):
        return options
    many = columns if isinstance(columns, list) else [columns] if columns else []
    if not all(isinstance(spec, dict) and spec for spec in many):
        raise located.error((*key, "columns"), "columns must be a mapping or a list of them")
    specs = [{str(role): str(column) for role, column in spec.items()} for spec in many]
    given = names if isinstance(names, list) else [names] if names else []
    try:
        first, *more = table_layouts(specs, [str(name) for name in given])
    except CorpusError as exc:
        raise located.error((*key, "terminology"), str(exc)) from None
    return {
        **options,
        "columns": first.columns,
        "terminology": first.terminology,
        "more_columns": tuple(more),
    }


def _filters(located: Located, values: dict[str, Any], key: tuple) -> FilterOptions:
    values = dict(values)
    values["langs"] = _langs(values.get("langs"))
    try:
        return FilterOptions(**values)
    except (TypeError, OptionError) as exc:
        raise located.error(key, f"filters: {exc}") from None


def _inputs(located: Located, value: Any, key: tuple, source: str) -> list[InputFile]:
    if value is None:
        try:
            return all_sources()[source].default_inputs()
        except CorpusError:
            raise located.error(key, f"{source} has no embedded default: list its inputs") from None
    if not isinstance(value, list) or not value:
        raise located.error(key, "inputs must be a non-empty list of paths")
    found = []
    for i, item in enumerate(value):
        path = Path(os.path.expandvars(str(item))).expanduser()
        if not path.is_absolute():
            path = (located.path.parent / path).resolve()
        if not path.exists():
            raise located.error((*key, i), f"input {item!r}: no such file ({path})")
        found.append(InputFile(path, path.name))
    return found


def load_recipe(path: Path) -> Recipe:
    """Parse and check a recipe (YAML, or the manifest of a recipe build)."""
    if not path.is_file():
        raise InputError(path, None, "no such recipe")
    located = Located(path, path.read_text(encoding="utf-8"))
    top = _mapping(located, located.data, (), TOP_KEYS, "recipe")
    seed = top.get("seed", 0)
    if not isinstance(seed, int):
        raise located.error(("seed",), "seed must be an integer")
    shared_filters = _mapping(located, top.get("filters"), ("filters",), FILTER_FIELDS, "filter")
    dedup = top.get("dedup", {})
    if dedup is not False:
        dedup = _mapping(located, dedup, ("dedup",), DEDUP_FIELDS, "dedup")
    items = top.get("sources")
    if not isinstance(items, list) or not items:
        raise located.error(("sources",), "sources must be a non-empty list")
    known = all_sources()
    specs, resolved_sources = [], []
    for i, item in enumerate(items):
        key = ("sources", i)
        item = _mapping(located, item, key, SOURCE_KEYS, "source")
        name = item.get("source")
        if name not in known:
            raise located.error(
                (*key, "source"), f"unknown source {name!r} (known: {', '.join(known)})"
            )
        options = dict(
            _mapping(located, item.get("options"), (*key, "options"), OPTION_FIELDS, "option")
        )
        options["langs"] = _langs(options.get("langs"))
        options = _table_layouts(located, options, (*key, "options"))
        if options.get("more_columns") and not known[name].reads_many_layouts:
            raise located.error(
                (*key, "options", "columns"), f"{name} reads one table layout: one columns mapping"
            )
        source_options = SourceOptions(seed=seed, **options)
        merged = {**shared_filters, **(item.get("filters") or {})}
        _mapping(located, item.get("filters"), (*key, "filters"), FILTER_FIELDS, "filter")
        inputs = _inputs(located, item.get("inputs"), (*key, "inputs"), name)
        digests = [sha256_of(x.path) for x in inputs]
        for j, recorded in enumerate(item.get("inputs_sha256") or []):
            if j < len(digests) and recorded != digests[j]:  # a manifest's: the same files
                raise located.error(
                    (*key, "inputs", j), f"{inputs[j].path} changed since it was built from"
                )
        specs.append(SourceSpec(name, inputs, source_options, _filters(located, merged, key)))
        resolved_sources.append(
            {
                "source": name,
                "inputs": [str(x.path) for x in inputs],
                "inputs_sha256": digests,
                "options": dict(item.get("options") or {}),
                "filters": item.get("filters") or {},
            }
        )
    langid = top.get("langid", "fill")
    resolved = {
        "seed": seed,
        "langid": langid,
        "filters": shared_filters,
        "dedup": dedup,
        "sources": resolved_sources,
    }
    return Recipe(path, seed, langid, dedup or None, specs, resolved)


def _dedup_options(values: dict[str, Any] | None):
    from corpus.dedup.minhash import MinHashOptions
    from corpus.dedup.run import DedupOptions

    if values is None:
        return DedupOptions(exact=False, near=False)
    minhash = MinHashOptions(
        values.get("permutations", 128),
        values.get("bands", 32),
        values.get("threshold", 0.5),
        max_df=values.get("max_df", 0.01),
        distinct_identifiers=values.get("distinct_identifiers", True),
    )
    return DedupOptions(values.get("exact", True), values.get("near", True), minhash)


def _merge_probe_tables(parts: list[Path], root: Path) -> None:
    """The hetop parts' concept tables, concatenated, so the output can feed `corpus eval`."""
    tables = [pq.read_table(p / PROBE_TABLE) for p in parts if (p / PROBE_TABLE).is_file()]
    if tables:
        (root / PROBE_TABLE).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables(tables), root / PROBE_TABLE, compression="zstd")


def build_recipe(
    recipe: Recipe,
    out: Path,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Build every source, dedup them into OUT (atomically), return OUT's manifest."""
    from corpus.build import build
    from corpus.card import write_card
    from corpus.dedup.run import dedup
    from corpus.manifest import read_manifest, write_manifest
    from corpus.writer import check_replaceable, replace_folder

    check_replaceable(out)
    work = out.resolve().parent / f".{out.resolve().name}.recipe"
    work.mkdir(parents=True, exist_ok=True)
    parts = []
    for i, (spec, resolved) in enumerate(
        zip(recipe.sources, recipe.resolved["sources"], strict=True)
    ):
        part = work / f"{i:02d}-{spec.source}"
        done = work / f"{i:02d}.done"
        marker = json.dumps(
            {"langid": recipe.langid, "seed": recipe.seed, **resolved}, sort_keys=True
        )
        if not (done.is_file() and done.read_text() == marker and part.is_dir()):
            if progress:
                progress(f"building {spec.source} ({i + 1}/{len(recipe.sources)})")
            build(
                spec.source,
                spec.inputs,
                part,
                spec.options,
                workers=workers,
                filters=spec.filters,
                langid=recipe.langid,
            )
            done.write_text(marker)
        parts.append(part)
    if progress:
        progress("deduplicating across sources")
    merged = work / "merged"
    manifest = dedup(parts, merged, _dedup_options(recipe.dedup), workers=workers)
    part_manifests = [read_manifest(p) for p in parts]
    manifest["name"] = f"recipe {recipe.path.name}: {out.name}"
    manifest["source"] = "recipe"
    manifest["recipe"] = recipe.resolved
    manifest["inputs"] = [item for m in part_manifests for item in m["inputs"]]
    manifest["options"] = {
        "seed": recipe.seed,
        "langid": recipe.langid,
        "dedup": {
            **manifest["options"],
            "keep": "source listed earliest in the recipe, then smallest id",
        },
    }
    manifest["steps"] = {
        **{
            f"{part.name}:{step}": counts
            for part, m in zip(parts, part_manifests, strict=True)
            for step, counts in m["steps"].items()
        },
        **manifest["steps"],
    }
    manifest["limitations"] = list(
        dict.fromkeys(
            [
                "Kept record per cluster: source listed earliest in the recipe, then smallest id.",
                *manifest["limitations"][1:],
                *(line for m in part_manifests for line in m.get("limitations", [])),
            ]
        )
    )
    manifest["parts"] = [
        {"source": spec.source, "counts": m["counts"]}
        for spec, m in zip(recipe.sources, part_manifests, strict=True)
    ]
    _merge_probe_tables(parts, merged)
    manifest["stats"] = write_card(merged, manifest)
    write_manifest(merged, manifest)
    replace_folder(merged, out)
    shutil.rmtree(work, ignore_errors=True)
    return manifest
