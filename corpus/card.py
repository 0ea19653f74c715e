"""The data card (README.md): HF YAML front matter + a body generated from manifest and data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from corpus.manifest import MANIFEST
from corpus.plots import MIXTURE_PLOT, write_plots
from corpus.stats import compute_stats, examples

CARD = "README.md"
EXAMPLE_CHARS = 400


def _size_category(n: int) -> str:
    for bound, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < bound:
            return label
    return "10M<n<100M"


def _front_matter(manifest: dict[str, Any], stats: dict[str, Any]) -> str:
    kinds = stats["kinds"]
    langs = sorted({row["lang"] for k in kinds.values() for row in k["composition"]})
    licenses = sorted({item["license"] for item in manifest.get("licenses", [])})
    front: dict[str, Any] = {
        # `datasets` keys its cache of a local folder on this YAML, not on the files: without
        # the sizes, load_dataset(OUT) after a rebuild into OUT returned the old build's rows.
        # num_bytes is the UTF-8 size of the records' text (HF's is their Arrow size, which the
        # text nearly is); both stay the same whatever the number of parquet parts.
        "dataset_info": [
            {
                "config_name": kind,
                "splits": [
                    {"name": "train", "num_bytes": data["bytes"], "num_examples": data["records"]}
                ],
                "dataset_size": data["bytes"],
            }
            for kind, data in kinds.items()
        ],
        # the first kind is the default config: load_dataset(OUT) needs no config name
        "configs": [
            {
                "config_name": kind,
                "data_files": [{"split": "train", "path": f"data/{kind}/*.parquet"}],
                **({"default": True} if index == 0 else {}),
            }
            for index, kind in enumerate(kinds)
        ],
        "language": langs,
        "license": "other",
        "license_name": " + ".join(licenses) if licenses else "unknown",
        "size_categories": [_size_category(sum(k["records"] for k in kinds.values()))],
        "task_categories": ["text-generation"],
        "tags": ["medical", "corpus", manifest.get("source", "")],
        "pretty_name": manifest.get("name", "corpus dataset"),
    }
    return "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{c:,}" if isinstance(c, int) else str(c).replace("|", "\\|") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _example(kind: str, row: dict[str, Any]) -> str:
    def cut(text: str) -> str:
        text = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + " […]"
        return text.replace("\n", "\n  > ")  # every line stays inside the quote

    if kind == "text":
        return (
            f"- `{row['lang']}` · {row['dataset']} · `{row['source_id']}`\n\n  > {cut(row['text'])}"
        )
    turns = "\n".join(f"  > **{m['role']}:** {cut(m['content'])}" for m in row["messages"])
    return f"- `{row['lang']}` · {row['task']} · `{row['source_id']}`\n\n{turns}"


def _mixture_section(mixture: dict[str, Any]) -> list[str]:
    """Target against achieved shares per key, what was repeated and what was left out."""
    out = ["## Mixture\n"]
    for kind, summary in mixture.items():
        unit = summary["unit"]
        out.append(
            f"### {kind}\n\nBy `{summary['by']}`, in {unit} counted with `{summary['counter']}`.\n"
        )
        rows = [
            [
                k["key"],
                f"{k['target_share']:.4%}",
                f"{k['share']:.4%}",
                f"{(k['share'] - k['target_share']) * 100:+.4f} pp",
                k["tokens"],
                k["records"],
                k["repeats"],
                f"{k['epochs']:.3f}",
                k["available_tokens"],
            ]
            for k in summary["keys"]
        ]
        header = [
            "key",
            "target",
            "achieved",
            "error",
            unit,
            "records",
            "repeats",
            "epochs",
            f"available {unit}",
        ]
        out.append(_table(header, rows) + "\n")
        if summary["left_out"]:
            left = ", ".join(
                f"{k} ({v['tokens']:,} {unit}, {v['records']:,} records)"
                for k, v in summary["left_out"].items()
            )
            out.append(f"Left out (not in the ratio): {left}.\n")
    out.append(f"![mixture]({MIXTURE_PLOT})\n")
    return out


def _phi_section(manifest: dict[str, Any]) -> list[str]:
    """Counts by type only: the values found are never written anywhere."""
    if "filters" not in manifest.get("options", {}):
        return []  # a mix or dedup of built folders: their own cards say
    mode = manifest["options"]["filters"].get("phi") or "off"
    out = ["## PHI findings\n"]
    if mode == "off":
        return [*out, "No PHI gate ran on this build (`--phi off`, the default for this source).\n"]
    counts = manifest.get("steps", {}).get("phi", {})
    action = {
        "redact": "replaced by typed placeholders such as `[NAME]`",
        "drop": "records holding any were dropped",
        "report": "only counted: **the data still contains them**",
        "fail": "the build stops on the first record holding any",
    }[mode]
    out.append(
        f"Gate: `--phi {mode}` ({action}). {counts.get('records_with_phi', 0):,} of "
        f"{counts.get('records_scanned', 0):,} records held identifiers.\n"
    )
    found = [[k.removeprefix("found_"), n] for k, n in sorted(counts.items()) if k[:6] == "found_"]
    if found:
        out.append(_table(["type", "occurrences"], found) + "\n")
    out.append(
        "Detection is presidio with offline recognizers (names: titles, first-name gazetteer, "
        "French NER, Korean context; dates; ages over 89; phones; e-mails; URLs; addresses; "
        "record ids; NIR; RRN). It lowers the risk; it does not certify de-identification.\n"
    )
    return out


def _dedup_section(manifest: dict[str, Any]) -> list[str]:
    if "dedup" not in manifest:
        return []
    options = manifest["options"].get("dedup", manifest["options"])  # a recipe nests them
    minhash = options["minhash"]
    out = [
        "## Deduplication\n",
        f"Exact: {'on' if options['exact'] else 'off'} (NFC, case-folded, whitespace-collapsed "
        f"text). Near: {'on' if options['near'] else 'off'} (MinHash, {minhash['permutations']} "
        f"permutations, {minhash['bands']} bands x {minhash['rows']} rows; a pair is a duplicate "
        f"when the Jaccard of its shingles reaches {minhash['threshold']}, shingles in more "
        f"than {minhash['max_df']:.1%} of records left out, and each holds "
        f"{minhash['agreement']:.0%} of the other's own shingles, those at most "
        f"{minhash['rare_df']} records have"
        + (
            "; records that each hold a code or number the other lacks are never merged, and "
            "records whose codes and numbers agree need no own-shingle agreement"
            if minhash.get("distinct_identifiers")
            else ""
        )
        + f"). Kept in each cluster: the {options['keep']}. "
        "Clusters: `dedup/clusters.parquet`.\n",
    ]
    rows = [
        [kind, row["match"], row["source"], row["lang"], row["records"]]
        for kind, summary in manifest["dedup"].items()
        for row in summary["dropped"]
    ]
    if rows:
        out.append(_table(["kind", "match", "source", "lang", "dropped"], rows) + "\n")
    return out


def render_card(root: Path, manifest: dict[str, Any], stats: dict[str, Any]) -> str:
    kinds = stats["kinds"]
    est = stats["token_estimator"]
    total = {k: v["records"] for k, v in kinds.items()}
    langs = sorted({row["lang"] for k in kinds.values() for row in k["composition"]})
    out = [_front_matter(manifest, stats), f"# {manifest.get('name', 'corpus dataset')}\n"]

    out.append("## Summary\n")
    out.append(
        f"Built by `corpus {manifest['versions'].get('corpus', '?')}` from source "
        f"`{manifest['source']}` ({len(manifest['inputs'])} input file(s), "
        f"seed {manifest['options']['seed']}). "
        + ", ".join(f"{n:,} {k} records ({kinds[k]['tokens']:,} tokens)" for k, n in total.items())
        + f"; languages: {', '.join(langs)}. "
        f"Token counts are estimates (`{est}`), not a model's tokenizer.\n"
    )
    if kinds:
        default, *others = kinds
        out.append(
            f"Load it with `datasets.load_dataset(PATH)`: its {default} records"
            + "".join(f', and `(PATH, "{kind}")` its {kind} records' for kind in others)
            + ".\n"
        )

    out.append("## Sources and licenses\n")
    out.append(
        _table(
            ["input", "format", "sha256", "bytes", "read"],
            [
                [
                    f"`{i['path']}`",
                    i.get("format", ""),
                    i["sha256"][:16],
                    i["size"],
                    ", ".join(
                        f"{k} {v:,}" for k, v in i.get("counts", {}).items() if isinstance(v, int)
                    ),
                ]
                for i in manifest["inputs"]
            ],
        )
        + "\n"
    )
    licenses = manifest.get("licenses", [])
    if licenses:
        out.append(
            _table(
                ["content", "license", "what it means for you"],
                [[x["scope"], x["license"], x["note"] or "—"] for x in licenses],
            )
            + "\n"
        )

    out.append("## Languages\n")
    untemplated = manifest.get("languages_without_templates", [])
    out.append(f"Languages in the data: {', '.join(langs)}.")
    if untemplated:
        out.append(
            f" Languages without prose templates (they appear only inside translation "
            f"pairs and translations listed in other languages' text): {', '.join(untemplated)}."
        )
    out.append("\n")

    if manifest.get("mixture"):
        out.extend(_mixture_section(manifest["mixture"]))

    out.append("## Composition\n")
    for kind, data in kinds.items():
        out.append(f"### {kind}\n")
        out.append(
            _table(
                ["source", "dataset", "lang", "records", "tokens", "chars"],
                [
                    [r["source"], r["dataset"], r["lang"], r["records"], r["tokens"], r["chars"]]
                    for r in data["composition"]
                ],
            )
            + "\n"
        )
        if data["by_task"]:
            out.append(f"{kind} records by task:\n")
            out.append(
                _table(
                    ["task", "lang", "records", "tokens"],
                    [[r["task"], r["lang"], r["records"], r["tokens"]] for r in data["by_task"]],
                )
                + "\n"
            )

    out.append("## Lengths\n")
    out.append(
        _table(
            ["kind", "records", "tokens", "min", "p50", "p90", "p99", "max", "mean"],
            [
                [
                    k,
                    d["records"],
                    d["tokens"],
                    *[d["length_tokens"][q] for q in ("min", "p50", "p90", "p99", "max")],
                    d["length_tokens"]["mean"],
                ]
                for k, d in kinds.items()
            ],
        )
        + "\n"
    )
    for plot in manifest.get("plots", []):
        if plot != MIXTURE_PLOT:
            out.append(f"![{Path(plot).stem}]({plot})\n")

    out.append("## Processing\n")
    steps = manifest.get("steps", {})
    drops = [
        [step, key.removeprefix("dropped_"), count]
        for step, counts in steps.items()
        for key, count in counts.items()
        if key.startswith("dropped_")
    ]
    if drops:
        out.append("Records removed, by step and reason:\n")
        out.append(_table(["step", "reason", "records"], drops) + "\n")
    if manifest.get("options", {}).get("filters", {}).get("keep_rejected"):
        out.append("Removed records are kept with their reason under `rejected/`.\n")
    out.append(
        "What each step read, made and dropped (dropped records are counted with their reason):\n"
    )
    out.append("```json\n" + json.dumps(steps, indent=1, ensure_ascii=False) + "\n```\n")

    out.extend(_phi_section(manifest))
    out.extend(_dedup_section(manifest))

    out.append("## Examples\n")
    withheld = (manifest.get("options", {}).get("filters", {}).get("phi") or "off") == "report"
    if withheld:
        out.append("Withheld: `--phi report` left the identifiers it found in the data.\n")
    for kind in () if withheld else kinds:
        out.append(f"### {kind}\n")
        out.extend(_example(kind, row) + "\n" for row in examples(root, kind))

    out.append("## Known limitations\n")
    out.extend(f"- {item}\n" for item in manifest.get("limitations", []))
    out.append(
        "- Token counts use a built-in estimate; a model's tokenizer will differ by language.\n"
    )

    out.append("## Review checklist\n")
    unknown = [x["scope"] for x in licenses if x["license"] == "unknown"]
    checks = [
        "Every input's license allows this use; the terms in the license table are met"
        + (f" (**unknown license: {', '.join(unknown)}**)" if unknown else ""),
        "Examples read as correct, natural text in each language",
        "Composition matches what was intended (languages, terminologies, tasks)",
        "No personal or patient data in any input"
        + (
            " (PHI gate ran: see PHI findings)"
            if (manifest.get("options", {}).get("filters", {}).get("phi") or "off") != "off"
            else ""
        ),
        f"Inputs are the intended versions (sha256 in `{MANIFEST}`)",
    ]
    out.extend(f"- [ ] {c}\n" for c in checks)
    return "\n".join(out)


def write_card(
    root: Path, manifest: dict[str, Any], stats: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write plots and README.md from the stats (computed from the data unless the build
    gathered them while writing it); return the stats."""
    stats = compute_stats(root) if stats is None else stats
    manifest["plots"] = write_plots(root, stats, manifest.get("mixture"))
    (root / CARD).write_text(render_card(root, manifest, stats), encoding="utf-8")
    return stats
