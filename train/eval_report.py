"""The evaluation report: report.json (everything), report.md (for people), plots/probe.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROBE_PLOT = "plots/probe.png"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def markdown(report: dict[str, Any], plot: str | None) -> str:
    states = report["states"]
    lines = ["# Evaluation", ""]
    options = report["options"]
    lines.append(f"Model `{options['model']}`; after: `{options['adapter'] or '(none)'}`.")
    lines.append("")
    if "accuracy" in report:
        lines += [
            "## Knowledge probe and exams",
            "",
            "Multiple choice scored by length-normalized log-likelihood of each option (no "
            "generation). *trained*: concepts in the training data; *heldout*: concepts the "
            "build kept out (`--holdout`); *unsampled*: in the build, not in the training data "
            "(a mixture samples part of a build); *exam*: `--mcqa` questions.",
            "",
            "| task | lang | split | questions | chance | "
            + " | ".join(states)
            + (" | change |" if "after" in states else " |"),
            "|---|---|---|---:|---:|"
            + "---:|" * len(states)
            + ("---:|" if "after" in states else ""),
        ]
        for row in report["accuracy"]:
            cells = [
                row["task"],
                row["lang"],
                row["split"],
                str(row["questions"]),
                _pct(row["chance"]),
                *(_pct(row[s]) for s in states),
            ]
            if "after" in states:
                cells.append(f"{(row['after'] - row['before']) * 100:+.1f} pt")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        if plot:
            lines += [f"![probe accuracy]({plot})", ""]
    if "perplexity" in report:
        ppl = report["perplexity"]
        lines += [
            "## Forgetting: perplexity on held-aside general text",
            "",
            f"{report['perplexity_tokens']:,} tokens of `{options['general']}`.",
            "",
            "| state | perplexity |",
            "|---|---:|",
            *(f"| {s} | {ppl[s]:.3f} |" for s in states),
        ]
        if "change" in ppl:
            lines.append(f"| change | {ppl['change']:+.2%} |")
        lines.append("")
    return "\n".join(lines)


def probe_plot(root: Path, report: dict[str, Any]) -> str | None:
    """Accuracy per group, one bar per state, chance as a tick: the picture of what was learnt."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in report.get("accuracy", []) if r["task"] != "all"]
    if not rows:
        return None
    states = report["states"]
    width = 0.8 / len(states)
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(rows)), 4))
    for i, state in enumerate(states):
        xs = [j + i * width for j in range(len(rows))]
        ax.bar(xs, [r[state] for r in rows], width=width, label=state)
    centres = [j + 0.4 - width / 2 for j in range(len(rows))]
    ax.scatter(centres, [r["chance"] for r in rows], marker="_", s=300, color="k", label="chance")
    ax.set_xticks(centres, [f"{r['task']}\n{r['lang']} {r['split']}" for r in rows], fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.08, right=0.99, top=0.95, bottom=0.25)
    (root / "plots").mkdir(exist_ok=True)
    fig.savefig(root / PROBE_PLOT, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return PROBE_PLOT


def write_report(root: Path, report: dict[str, Any]) -> None:
    plot = probe_plot(root, report)
    (root / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (root / "report.md").write_text(markdown(report, plot), encoding="utf-8")
