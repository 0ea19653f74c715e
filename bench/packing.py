"""Benchmark: packing efficiency, and real tokens/s of packed vs padded batches, in one run.

    python bench/packing.py [--steps 30] [--max-length 1024] [--hidden 256] [--layers 4]

Data: MTS-Dialog built by the notes source (../shared/data/clinical): SFT on dialogue -> note
section conversations (skewed lengths: tens to ~1,500 tokens) and CLM on the note sections.
Model: a Llama-architecture model built from a config (random weights, BPE tokenizer trained
on the same texts), trained with LoRA on this machine's CPU. Both layouts see the same number
of examples per step on average (padded batches hold as many conversations as a packed
micro-batch does); real tokens/s counts only the examples' tokens, never padding.
Then packing efficiency alone on a bigger real build (hetop on hp_sample.obo: text and
instruct records), where the last, partly filled bin weighs less.
Targets: efficiency >= 99%; packed >= 2x the real tokens/s of padded.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

from corpus.sources import InputFile, SourceOptions
from corpus.train.tiny import build_tiny_model
from corpus.train.trainer import TrainOptions, train

from corpus.build import build
from corpus.filters import FilterOptions

DATA = Path(__file__).resolve().parents[2] / "shared/data"
MTS = DATA / "clinical/mts_dialog_train_sample.csv"
ONTOLOGY = DATA / "ontology"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=2, help="packed sequences per step")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    args = parser.parse_args()
    with MTS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts = [r["dialogue"] for r in rows] + [r["section_text"] for r in rows]
        model = build_tiny_model(root / "model", texts, hidden=args.hidden, layers=args.layers)
        data = root / "notes"
        build(
            "notes",
            [InputFile(MTS, MTS.name)],
            data,
            SourceOptions(lang="en"),
            filters=FilterOptions(phi="off"),
        )
        print(f"model: Llama {args.layers} layers x {args.hidden}, LoRA, CPU; data: {MTS.name}")
        print(f"{'mode':<5}{'layout':<8}{'efficiency':>11}{'steps':>7}{'tokens':>9}{'tok/s':>9}")
        for mode in ("sft", "clm"):
            options = TrainOptions(
                data, str(model), mode, max_length=args.max_length,
                bins_per_step=args.batch, max_steps=args.steps,
            )  # fmt: skip
            packed = train(options, root / f"{mode}-packed").report
            # the baseline: as many examples per step as a packed micro-batch holds
            options.padded = True
            options.bins_per_step = max(1, round(packed["examples"] / packed["bins"] * args.batch))
            padded = train(options, root / f"{mode}-padded").report
            for layout, report in (("packed", packed), ("padded", padded)):
                slots = report["packing_efficiency"] if layout == "packed" else _padding(report)
                print(
                    f"{mode:<5}{layout:<8}{slots:>11.2%}{report['steps']:>7}"
                    f"{report['tokens_seen']:>9,}{report['tokens_per_second']:>9,.0f}"
                )
            ratio = packed["tokens_per_second"] / padded["tokens_per_second"]
            print(f"{mode}: packed / padded real tokens/s = {ratio:.2f}x")
        efficiency_at_scale(root, model, args.max_length)


def efficiency_at_scale(root: Path, model: Path, max_length: int) -> None:
    from corpus.train import data, packing
    from corpus.train.encode import encode_chat, encode_text
    from corpus.train.model import load_tokenizer, resolve_model

    hpo = ONTOLOGY / "hp_sample.obo"
    build("hetop", [InputFile(hpo, hpo.name)], root / "hpo", SourceOptions())
    tokenizer = load_tokenizer(resolve_model(str(model)))
    files = data.dataset_files(root / "hpo", "clm")
    texts = [encode_text(tokenizer, t) for t in data.read_texts(files)]
    fitted = packing.fit_clm(texts, max_length)
    clm = packing.efficiency(packing.stream(fitted.kept, max_length), max_length)
    files = data.dataset_files(root / "hpo", "sft")
    chats = [encode_chat(tokenizer, m) for m, _ in data.read_conversations(files)]
    kept = packing.fit_sft(chats, max_length).kept
    sft = packing.efficiency(packing.pack(kept, max_length), max_length)
    print(
        f"\n{hpo.name} build, --max-length {max_length}: clm {clm:.2%} ({len(texts):,} documents), "
        f"sft {sft:.2%} ({len(kept):,} conversations)"
    )


def _padding(report) -> float:
    """Real tokens / slots of the padded batches actually run."""
    return report["tokens_seen"] / report["token_slots_seen"]


if __name__ == "__main__":
    main()
