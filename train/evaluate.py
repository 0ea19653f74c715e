"""`corpus eval`: knowledge probe, exam questions and general-text perplexity, before and after.

"Before" is the base model (with `--base-adapter`, e.g. the CLM adapter an SFT run continued);
"after" is the base with `--adapter` (or a fully trained model folder). Each is loaded, scored
and released in turn, so two models never sit in memory together.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch
from corpus.train import data
from corpus.train.model import load_tokenizer, resolve_model
from corpus.train.probe import Question, make_questions, require_probe_table
from corpus.train.scoring import best, perplexity, score_options

from corpus.errors import InputError, OptionError
from corpus.manifest import require_dataset
from corpus.stats import parquet_files
from corpus.writer import atomic_output, check_replaceable

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class EvalOptions:
    model: str
    adapter: Path | None = None
    base_adapter: Path | None = None
    probe: Path | None = None
    general: Path | None = None
    mcqa: Path | None = None
    train_data: Path | None = None  # the folder trained on: its concepts are the "trained" split
    seed: int = 0
    per_group: int = 200  # probe questions per (task, language, split)
    choices: int = 4  # options per probe question
    max_length: int = 512
    general_tokens: int = 50_000
    batch_size: int = 16

    def check(self) -> None:
        if not (self.probe or self.general or self.mcqa):
            raise OptionError("nothing to evaluate: give --probe, --general and/or --mcqa")
        if self.choices < 2:
            raise OptionError(f"--choices {self.choices}: a question needs at least 2 options")
        for path in (self.adapter, self.base_adapter):
            if path is not None and not (
                (path / "adapter_config.json").is_file() or (path / "config.json").is_file()
            ):
                raise InputError(path, None, "no adapter or model here")
        for path in (self.general, self.mcqa, self.train_data):
            if path is not None:
                require_dataset(path)
        if self.probe is not None:
            require_probe_table(self.probe)

    def describe(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def mcqa_questions(folder: Path) -> list[Question]:
    """Exam questions of an `mcqa` build, options as texts (their letters are not scored)."""
    require_dataset(folder)
    questions = []
    for path in parquet_files(folder, "instruct"):
        for row in pq.read_table(path, columns=["source_id", "lang", "task", "meta"]).to_pylist():
            meta = json.loads(row["meta"])
            if row["task"] != "mcqa" or "choices" not in meta:
                continue
            letters = list(meta["choices"])
            questions.append(
                Question(
                    "mcqa",
                    row["lang"],
                    row["source_id"],
                    "exam",
                    f"{meta['question']}\n{meta['answer_prefix']}",
                    tuple(meta["choices"][k] for k in letters),
                    tuple(letters.index(c) for c in meta["correct"]),
                )
            )
    if not questions:
        raise InputError(folder, None, "no mcqa records with their options (build --source mcqa)")
    return questions


def concepts_in(folder: Path) -> set[str]:
    """Concept ids of the hetop records in a dataset folder (a build, a mixture, a dedup)."""
    require_dataset(folder)
    found: set[str] = set()
    for kind in ("text", "instruct"):
        for path in parquet_files(folder, kind):
            table = pq.read_table(path, columns=["source", "source_id"])
            for source, source_id in zip(
                table.column("source").to_pylist(),
                table.column("source_id").to_pylist(),
                strict=True,
            ):
                if source == "hetop":
                    found.add(source_id)
    return found


def general_texts(folder: Path, tokens: int) -> list[str]:
    """The first texts of a folder, enough for `tokens` tokens (at most ~10 characters per
    token), not the whole folder."""
    texts, chars = [], 0
    for text in data.read_texts(data.dataset_files(folder, "clm")):
        texts.append(text)
        chars += len(text)
        if chars >= 10 * tokens:
            break
    return texts


def load_scored_model(options: EvalOptions, adapter: Path | None):
    """The base model, with `adapter` on it; or the model folder `adapter` is, when it holds
    a whole model (a `--method full` run)."""
    from transformers import AutoModelForCausalLM

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    if adapter is not None and not (adapter / "adapter_config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(adapter, dtype=dtype).to(device)
    source = resolve_model(options.model)
    model = AutoModelForCausalLM.from_pretrained(source.path, dtype=dtype, **source.kwargs())
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    return model.to(device)


def score_state(model, tokenizer, options, questions, texts, progress) -> dict[str, Any]:
    """Every question's pick and the perplexity, for one model state."""
    result: dict[str, Any] = {}
    if questions:
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("questions", done, sum(len(q.options) for q in questions))

        scores = score_options(
            model,
            tokenizer,
            [(q.prompt, q.options) for q in questions],
            options.batch_size,
            options.max_length,
            advance,
        )
        result["picks"] = [best(s) for s in scores]
    if texts is not None:
        if progress:
            progress("perplexity", 0, 1)
        value, tokens = perplexity(
            model, tokenizer, texts, options.max_length, options.general_tokens
        )
        result["perplexity"], result["perplexity_tokens"] = value, tokens
    return result


def accuracy_table(questions: list[Question], states: dict[str, dict]) -> list[dict[str, Any]]:
    """Accuracy per (task, language, split) for each state, with the chance baseline."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, q in enumerate(questions):
        groups[q.task, q.lang, q.split].append(index)
        groups["all", "all", q.split].append(index)
    rows = []
    for (task, lang, split), members in sorted(groups.items()):
        row: dict[str, Any] = {
            "task": task,
            "lang": lang,
            "split": split,
            "questions": len(members),
            "chance": sum(questions[i].chance for i in members) / len(members),
        }
        for name, state in states.items():
            hits = sum(state["picks"][i] in questions[i].answers for i in members)
            row[name] = hits / len(members)
        rows.append(row)
    return rows


def evaluate(options: EvalOptions, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Score every state, write OUT/report.json, report.md and plots/probe.png atomically."""
    from corpus.train.eval_report import write_report

    options.check()
    check_replaceable(out)
    questions: list[Question] = []
    if options.probe is not None:
        trained = concepts_in(options.train_data) if options.train_data is not None else None
        questions += make_questions(
            options.probe, options.seed, options.per_group, options.choices, trained
        )
    if options.mcqa is not None:
        questions += mcqa_questions(options.mcqa)
    texts = None
    if options.general is not None:
        texts = general_texts(options.general, options.general_tokens)
    tokenizer = load_tokenizer(resolve_model(options.model))
    wanted = {"before": options.base_adapter}
    if options.adapter is not None:
        wanted["after"] = options.adapter
    states = {}
    for name, adapter in wanted.items():
        model = load_scored_model(options, adapter)
        states[name] = score_state(model, tokenizer, options, questions, texts, progress)
        del model
    report: dict[str, Any] = {"options": options.describe(), "states": list(states)}
    if questions:
        report["accuracy"] = accuracy_table(questions, states)
        report["examples"] = [
            {**asdict(q), **{f"pick_{name}": s["picks"][i] for name, s in states.items()}}
            for i, q in enumerate(questions[:: max(1, len(questions) // 20)][:20])
        ]
    if texts is not None:
        report["perplexity"] = {name: s["perplexity"] for name, s in states.items()}
        report["perplexity_tokens"] = states["before"]["perplexity_tokens"]
        if "after" in states:
            before, after = states["before"]["perplexity"], states["after"]["perplexity"]
            report["perplexity"]["change"] = after / before - 1
    with atomic_output(out) as tmp:
        write_report(tmp, report)
    return report
