"""The card's figures: token-length histogram and language composition, as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LENGTH_PLOT = "plots/length_histogram.png"
LANGUAGE_PLOT = "plots/languages.png"


def _bin_label(lo: int, hi: int) -> str:
    return f"{lo}+" if hi >= 1 << 62 else f"{lo}-{hi - 1}"


def write_plots(root: Path, stats: dict[str, Any]) -> list[str]:
    """Write the PNGs (no timestamps in them) and return their paths relative to `root`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = stats["kinds"]
    if not kinds:
        return []
    (root / "plots").mkdir(exist_ok=True)

    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(kinds)
    for i, (kind, data) in enumerate(sorted(kinds.items())):
        edges, counts = data["histogram"]["edges"], data["histogram"]["counts"]
        xs = [j + i * width for j in range(len(counts))]
        ax.bar(xs, counts, width=width, label=kind)
        labels = [_bin_label(lo, hi) for lo, hi in zip(edges, edges[1:], strict=False)]
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(labels))], labels, rotation=45)
    ax.set_xlabel(f"tokens per record ({stats['token_estimator']})")
    ax.set_ylabel("records")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(root / LENGTH_PLOT, dpi=100, metadata={"Software": None})
    plt.close(fig)

    tokens: dict[str, dict[str, int]] = {}
    for kind, data in kinds.items():
        for row in data["composition"]:
            tokens.setdefault(row["lang"], {}).setdefault(kind, 0)
            tokens[row["lang"]][kind] += row["tokens"]
    langs = sorted(tokens, key=lambda lang: -sum(tokens[lang].values()))
    fig, ax = plt.subplots(figsize=(8, 4))
    bottom = [0] * len(langs)
    for kind in sorted(kinds):
        values = [tokens[lang].get(kind, 0) for lang in langs]
        ax.bar(langs, values, bottom=bottom, label=kind)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("tokens (estimated)")
    ax.set_title("Tokens by language and kind")
    ax.legend()
    fig.tight_layout()
    fig.savefig(root / LANGUAGE_PLOT, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return [LENGTH_PLOT, LANGUAGE_PLOT]
