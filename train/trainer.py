"""`corpus train`: encode, pack, train with accelerate, save adapter + tokenizer + report.

A thin loop rather than transformers' Trainer: packing, label masking and the boundary rule are
ours to guarantee and test, and what is left (optimizer, schedule, accumulation, mixed
precision, trackers, FSDP through `accelerate launch`) is accelerate's and transformers'.
"""

from __future__ import annotations

import importlib.util
import json
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from corpus.train import data, packing
from corpus.train.encode import REASONING, encode_chat, encode_text, template_overhead
from corpus.train.encode import with_reasoning as add_reasoning
from corpus.train.model import (
    LoraOptions,
    load_model,
    load_tokenizer,
    resolve_model,
    with_adapter,
)
from corpus.train.token_store import TokenStore

from corpus.errors import OptionError
from corpus.writer import atomic_output, check_replaceable

MODES = ("clm", "sft")
SCHEDULES = ("linear", "cosine", "constant_with_warmup")
TRACKERS = ("none", "tensorboard", "wandb")


@dataclass
class TrainOptions:
    dataset: Path
    model: str
    mode: str = "clm"
    method: str = "lora"
    max_length: int = 1024
    bins_per_step: int = 4  # sequences of --max-length per micro-batch
    grad_accum: int = 1
    lr: float = 2e-4
    warmup_ratio: float = 0.03
    schedule: str = "cosine"
    epochs: float = 1.0
    max_steps: int | None = None
    seed: int = 0
    checkpointing: bool = False
    report_to: str = "none"
    reasoning: str = "think"
    truncate: bool = False
    padded: bool = False  # the unpacked baseline (bench/packing.py)
    lora: LoraOptions = field(default_factory=LoraOptions)
    resume_adapter: Path | None = None

    def check(self) -> None:
        for name, value, allowed in (
            ("--mode", self.mode, MODES),
            ("--schedule", self.schedule, SCHEDULES),
            ("--report-to", self.report_to, TRACKERS),
            ("--reasoning", self.reasoning, REASONING),
        ):
            if value not in allowed:
                raise OptionError(f"{name} {value!r}: expected one of {', '.join(allowed)}")
        if self.max_length < 8:
            raise OptionError(f"--max-length {self.max_length}: too short to train on")
        if self.report_to != "none" and importlib.util.find_spec(self.report_to) is None:
            raise OptionError(
                f"--report-to {self.report_to}: not installed (pip install {self.report_to})"
            )

    def describe(self) -> dict[str, Any]:
        values = asdict(self)
        values["dataset"] = str(self.dataset)
        values["resume_adapter"] = str(self.resume_adapter) if self.resume_adapter else None
        return values


def encode(options: TrainOptions, tokenizer, store: TokenStore) -> tuple[packing.Fitted, int]:
    """Examples fitted to --max-length (their tokens in `store`, on disk), and how many
    records were read."""
    files = data.dataset_files(options.dataset, options.mode)
    if options.mode == "clm":
        for text in data.read_texts(files):
            store.add(encode_text(tokenizer, text))
        return packing.fit_clm(store.examples(), options.max_length), len(store)
    overhead = template_overhead(tokenizer)
    if options.max_length <= overhead:
        raise OptionError(
            f"--max-length {options.max_length} leaves no room: the chat template alone takes "
            f"{overhead} tokens"
        )
    for messages, reasoning in data.read_conversations(files):
        store.add(encode_chat(tokenizer, add_reasoning(messages, reasoning, options.reasoning)))
    fitted = packing.fit_sft(store.examples(), options.max_length, options.truncate)
    return fitted, len(store)


def bins_of(options: TrainOptions, fitted: packing.Fitted) -> list[list[packing.Example]]:
    """CLM streams documents into full bins; SFT packs whole conversations best-fit."""
    if options.mode == "clm":
        return packing.stream(fitted.kept, options.max_length)
    return packing.pack(fitted.kept, options.max_length)


def step_batches(
    options: TrainOptions, units: list, pad_id: int, rng, rank: int = 0, world: int = 1
):
    """One epoch of this process's micro-batches in a seeded order (every process draws the
    same order and takes every world-th batch): packed bins, or (baseline) padded rows."""
    units = list(units)
    rng.shuffle(units)
    for index, group in enumerate(packing.batches(units, options.bins_per_step)):
        if index % world != rank:
            continue
        real = sum(len(e) for unit in group for e in unit)
        if options.padded:
            yield packing.padded_batch([unit[0] for unit in group], pad_id), real
        else:
            yield packing.packed_batch(group, pad_id), real


def peak_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class TrainResult:
    report: dict[str, Any]
    model: Any  # the trained model (a PeftModel for lora/qlora), unwrapped from accelerate


def train(
    options: TrainOptions, out: Path, progress: Callable[[int, int, float], None] | None = None
) -> TrainResult:
    """Train and write OUT (adapter or model, tokenizer, train_config.json, report.json)
    atomically."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    options.check()
    check_replaceable(out)  # now, not after the training
    set_seed(options.seed)
    logs = tracker_folder(out)
    accelerator = Accelerator(
        gradient_accumulation_steps=options.grad_accum,
        log_with=None if options.report_to == "none" else options.report_to,
        project_dir=str(logs),
    )
    logs.parent.mkdir(parents=True, exist_ok=True)
    try:
        # encoded tokens go beside OUT (the disk the user chose), not into memory
        with tempfile.TemporaryDirectory(
            prefix=f".corpus-tokens-{out.name}-", dir=logs.parent
        ) as folder:
            return _train(options, out, progress, accelerator, logs, TokenStore(Path(folder)))
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def tracker_folder(out: Path) -> Path:
    """accelerate's logging folder (tensorboard writes there while training): beside OUT,
    moved into OUT/logs when the run is saved (OUT itself is replaced atomically at the end)."""
    out = out.resolve()
    return out.parent / f".corpus-logs-{out.name}"


def _train(
    options: TrainOptions, out: Path, progress, accelerator, logs: Path, store: TokenStore
) -> TrainResult:
    from transformers import get_scheduler

    source = resolve_model(options.model)
    tokenizer = load_tokenizer(source)
    fitted, records = encode(options, tokenizer, store)
    if not fitted.kept:
        raise OptionError(f"no example fits --max-length {options.max_length}")
    device = accelerator.device
    model = load_model(source, options.method, device, options.checkpointing)
    model = with_adapter(model, options.method, options.lora, options.resume_adapter)
    bins = bins_of(options, fitted)
    units = [[e] for e in fitted.kept] if options.padded else bins
    micro_per_epoch = -(-len(units) // options.bins_per_step) // accelerator.num_processes
    steps_per_epoch = max(1, micro_per_epoch // options.grad_accum)
    total = options.max_steps or max(1, round(steps_per_epoch * options.epochs))
    optimizer = _optimizer(model, options)
    scheduler = get_scheduler(
        options.schedule,
        optimizer,
        num_warmup_steps=round(total * options.warmup_ratio),
        num_training_steps=total,
    )
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if options.report_to != "none":
        if accelerator.is_main_process:
            shutil.rmtree(logs, ignore_errors=True)  # an interrupted run's
        accelerator.init_trackers("corpus-train", config=_flat(options.describe()))
    model.train()
    rng = random.Random(options.seed)
    losses: list[dict[str, float]] = []
    tokens = slots = targets = step = 0
    window: list[float] = []
    start = time.perf_counter()
    while step < total:
        before = tokens
        for batch, real in step_batches(
            options,
            units,
            tokenizer.pad_token_id,
            rng,
            accelerator.process_index,
            accelerator.num_processes,
        ):
            batch = {k: v.to(device) for k, v in batch.items()}
            with accelerator.accumulate(model):
                loss = model(**batch, use_cache=False).loss
                accelerator.backward(loss)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            tokens += real
            slots += batch["input_ids"].numel()  # padding included, for the padded layout
            targets += int((batch["labels"] != -100).sum())
            window.append(loss.item())
            if accelerator.sync_gradients:
                step += 1
                mean = sum(window) / len(window)
                window.clear()
                lr = scheduler.get_last_lr()[0]
                losses.append({"step": step, "loss": mean, "lr": lr})
                if options.report_to != "none":
                    accelerator.log({"loss": mean, "lr": lr, "tokens": tokens}, step=step)
                if progress:
                    progress(step, total, mean)
                if step >= total:
                    break
        if tokens == before:  # more processes than batches: this one has nothing to do
            break
    elapsed = time.perf_counter() - start
    report = {
        "records": records,
        "examples": len(fitted.kept),
        "split_long_documents": fitted.split,
        "truncated": fitted.truncated,
        "dropped_too_long_or_no_target": fitted.dropped,
        "bins": len(bins),
        "packing_efficiency": packing.efficiency(bins, options.max_length),
        "steps": step,
        "tokens_seen": tokens,
        "token_slots_seen": slots,
        "target_tokens_seen": targets,
        "seconds": elapsed,
        "tokens_per_second": tokens / elapsed if elapsed else 0.0,
        "peak_memory_bytes": peak_memory(device),
        "device": str(device),
        "distributed": f"{accelerator.distributed_type.value} x{accelerator.num_processes}",
        "dtype": str(next(model.parameters()).dtype),
        "loss": losses,
    }
    if options.report_to != "none":
        accelerator.end_training()
    state = accelerator.get_state_dict(model)  # collective under FSDP: every rank calls it
    model = accelerator.unwrap_model(model)
    if accelerator.is_main_process:
        save(model, state, tokenizer, options, report, out, logs)
    accelerator.wait_for_everyone()
    return TrainResult(report, model)


def _optimizer(model, options: TrainOptions):
    parameters = [p for p in model.parameters() if p.requires_grad]
    if options.method == "qlora":
        import bitsandbytes as bnb

        return bnb.optim.AdamW8bit(parameters, lr=options.lr)
    return torch.optim.AdamW(parameters, lr=options.lr)


def _flat(config: dict[str, Any]) -> dict[str, Any]:
    """Tracker hyperparameters must be scalars: nested options flattened, None as text."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in _flat(value).items()})
        else:
            flat[key] = "none" if value is None else value
    return flat


def save(model, state, tokenizer, options, report: dict[str, Any], out: Path, logs: Path) -> None:
    with atomic_output(out) as tmp:
        if logs.is_dir():
            shutil.move(logs, tmp / "logs")
        model.save_pretrained(tmp, state_dict=state)
        tokenizer.save_pretrained(tmp)
        (tmp / "train_config.json").write_text(json.dumps(options.describe(), indent=1))
        (tmp / "report.json").write_text(json.dumps(report, indent=1))
