"""The card's figures: token-length histogram, language and source composition, as PNG files."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

LENGTH_PLOT = "plots/length_histogram.png"
LANGUAGE_PLOT = "plots/languages.png"
SOURCE_PLOT = "plots/sources.png"  # where a dataset holds several sources (recipe, mix, dedup)
MIXTURE_PLOT = "plots/mixture.png"
PNG = {"compress_level": 1}  # zlib's fastest: encoding took a sixth of the plots' time; +20% bytes


def _bin_label(lo: int, hi: int) -> str:
    return f"{lo}+" if hi >= 1 << 62 else f"{lo}-{hi - 1}"


def _thousands(value: float, _position: int) -> str:
    return f"{value:,.0f}"


def write_plots(
    root: Path, stats: dict[str, Any], mixture: dict[str, Any] | None = None
) -> list[str]:
    """Write the PNGs (no timestamps in them) and return their paths relative to `root`."""
    # the object API, not pyplot: no global figure registry, and a tenth of the time saved
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullLocator

    kinds = stats["kinds"]
    if not kinds:
        return []
    (root / "plots").mkdir(exist_ok=True)

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    width = 0.8 / len(kinds)
    used = 1 + max(
        j for data in kinds.values() for j, n in enumerate(data["histogram"]["counts"]) if n
    )
    for i, (kind, data) in enumerate(sorted(kinds.items())):
        edges, counts = data["histogram"]["edges"][: used + 1], data["histogram"]["counts"][:used]
        xs = [j + i * width for j in range(len(counts))]
        ax.bar(xs, counts, width=width, label=kind)
        labels = [_bin_label(lo, hi) for lo, hi in pairwise(edges)]
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(labels))], labels, rotation=45)
    ax.set_xlabel(f"tokens per record ({stats['token_estimator']})")
    ax.set_ylabel("records")
    ax.set_yscale("log")
    # plain numbers: the default 10^n labels go through mathtext, a third of the card's time
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.yaxis.set_minor_locator(NullLocator())  # ~30 unlabelled ticks: half the plot's time
    ax.legend()
    fig.subplots_adjust(
        left=0.1, right=0.98, top=0.95, bottom=0.28
    )  # fixed: tight_layout costs a draw
    fig.savefig(root / LENGTH_PLOT, dpi=100, metadata={"Software": None}, pil_kwargs=PNG)

    _tokens_plot(root, LANGUAGE_PLOT, kinds, "lang", "Tokens by language and kind")
    written = [LENGTH_PLOT, LANGUAGE_PLOT]
    if len({row["source"] for data in kinds.values() for row in data["composition"]}) > 1:
        _tokens_plot(root, SOURCE_PLOT, kinds, "source", "Tokens by source and kind")
        written.append(SOURCE_PLOT)
    if not mixture:
        return written

    fig = Figure(figsize=(5 * len(mixture), 4))
    axes = fig.subplots(1, len(mixture), squeeze=False)
    for ax, (kind, summary) in zip(axes[0], mixture.items(), strict=True):
        keys = [k["key"] for k in summary["keys"]]
        xs = range(len(keys))
        ax.bar(
            [x - 0.2 for x in xs], [k["target_share"] for k in summary["keys"]], 0.4, label="target"
        )
        ax.bar([x + 0.2 for x in xs], [k["share"] for k in summary["keys"]], 0.4, label="achieved")
        ax.set_xticks(list(xs), keys)
        ax.set_title(f"{kind}: share of {summary['unit']}")
        ax.legend()
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1, wspace=0.25)
    fig.savefig(root / MIXTURE_PLOT, dpi=100, metadata={"Software": None}, pil_kwargs=PNG)
    return [*written, MIXTURE_PLOT]


def _tokens_plot(root: Path, path: str, kinds: dict[str, Any], key: str, title: str) -> None:
    """Estimated tokens per language (or source), one stacked bar segment per kind."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    tokens: dict[str, dict[str, int]] = {}
    for kind, data in kinds.items():
        for row in data["composition"]:
            tokens.setdefault(row[key], {}).setdefault(kind, 0)
            tokens[row[key]][kind] += row["tokens"]
    names = sorted(tokens, key=lambda name: -sum(tokens[name].values()))
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    bottom = [0] * len(names)
    for kind in sorted(kinds):
        values = [tokens[name].get(kind, 0) for name in names]
        ax.bar(names, values, bottom=bottom, label=kind)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("tokens (estimated)")
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))  # not 1.75 under a "1e7"
    ax.set_title(title, y=1.0)  # placed, not fitted: a layout pass less
    ax.legend()
    fig.subplots_adjust(left=0.15, right=0.98, top=0.9, bottom=0.1)
    fig.savefig(root / path, dpi=100, metadata={"Software": None}, pil_kwargs=PNG)
