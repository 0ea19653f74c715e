"""Parsing `--ratio en:ko=10:3` into normalized target shares."""

from __future__ import annotations

import re

from corpus.errors import OptionError

_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def parse_ratio(spec: str) -> dict[str, float]:
    """`en:fr:ko=6:3:1` -> {en: 0.6, fr: 0.3, ko: 0.1}: keys and positive weights, same count."""
    keys_part, sep, weights_part = spec.partition("=")
    if not sep or "=" in weights_part:
        raise OptionError(f"--ratio {spec!r}: expected KEY:KEY=W:W, e.g. en:ko=10:3")
    keys = [k.strip() for k in keys_part.split(":")]
    weights = [w.strip() for w in weights_part.split(":")]
    if any(not k for k in keys) or any(not w for w in weights):
        raise OptionError(f"--ratio {spec!r}: empty key or weight")
    if len(keys) != len(weights):
        raise OptionError(f"--ratio {spec!r}: {len(keys)} key(s) but {len(weights)} weight(s)")
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise OptionError(f"--ratio {spec!r}: duplicate key(s) {', '.join(duplicates)}")
    values = []
    for key, weight in zip(keys, weights, strict=True):
        if not _NUMBER.match(weight) or float(weight) <= 0:
            raise OptionError(
                f"--ratio {spec!r}: weight of {key} must be a positive number, got {weight!r}"
            )
        values.append(float(weight))
    total = sum(values)
    return {key: value / total for key, value in zip(keys, values, strict=True)}


def parse_size(text: str) -> int:
    """`50M`, `1.5B`, `200k`, `12345` -> an integer count."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMbBgG]?)\s*", text)
    if not match:
        raise OptionError(f"size {text!r}: expected a number with an optional k, M or B suffix")
    scale = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9}[match.group(2).lower()]
    value = int(float(match.group(1)) * scale)
    if value <= 0:
        raise OptionError(f"size {text!r} must be positive")
    return value
