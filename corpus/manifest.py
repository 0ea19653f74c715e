"""manifest.json: what went in (hashed), which options, which versions, and what came out."""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus.errors import InputError

MANIFEST = "manifest.json"
VERSIONED = ("corpus", "pyarrow", "polars", "rdflib", "lxml", "datasets")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def now_utc() -> str:
    """Build time, kept in the manifest only: the card must not change between identical builds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    (root / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
    )


def require_dataset(folder: Path) -> None:
    """Commands that read built folders (dedup, tokenizer) refuse anything else up front."""
    if not (folder / MANIFEST).is_file():
        raise InputError(folder, None, f"not a dataset folder (no {MANIFEST})")


def require_distinct(paths: list[Path]) -> None:
    """An input given twice (a shell glob and its name, a link to it) would be read twice:
    its records doubled in a mix, a build, a dedup. Refused, naming it."""
    seen: set[Path] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            raise InputError(path, None, "given twice as an input (each input is read once)")
        seen.add(resolved)


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise InputError(root, None, f"not a dataset built by corpus (no {MANIFEST})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None


def dataset_fingerprint(manifest: dict[str, Any]) -> str:
    """sha256 of an input's manifest without its build time: the same inputs, options and
    versions give the same fingerprint, so a derived card only changes when its inputs do."""
    stable = {k: v for k, v in manifest.items() if k != "built_at"}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()


def derived_from(inputs: list[Path], manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """The `inputs` and `licenses` of a folder made from built folders (mix, dedup)."""
    licenses = {json.dumps(x, sort_keys=True) for m in manifests for x in m.get("licenses", [])}
    return {
        "inputs": [
            {
                "path": str(folder),
                "sha256": dataset_fingerprint(m),
                "size": (folder / MANIFEST).stat().st_size,
                "format": f"dataset ({m.get('source', '?')})",
                "counts": m.get("counts", {}),
            }
            for folder, m in zip(inputs, manifests, strict=True)
        ],
        "licenses": [json.loads(x) for x in sorted(licenses)],
    }
