"""Records -> token ids and labels.

CLM: a document's tokens followed by EOS; every token is a target except the first (it has no
predecessor in the document). SFT: the conversation rendered by the model's chat template (or
`DEFAULT_CHAT_TEMPLATE`, ChatML), and only the assistant messages' tokens (with the end of
turn that follows each) are targets. Assistant spans are found by character offsets in the
rendered text, so any template works without `{% generation %}` markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

IGNORE = -100
THINK_OPEN = re.compile(r"<think>\s*$")
REASONING = ("think", "separate", "drop")
# ChatML, the layout of SmolLM2, Qwen and many others; `reasoning_content` rendered as <think>
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message.get('reasoning_content') %}"
    "<think>\n{{ message['reasoning_content'] }}\n</think>\n\n"
    "{% endif %}"
    "{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass
class Example:
    """One document or conversation: ids and per-token targets (IGNORE where not trained), as
    int32 arrays; while training, views into the token store's files (train/token_store.py).
    On MTS-Dialog, 1,500 documents in CLM bins held 39.7 bytes a token as lists of Python
    ints, 12.3 as arrays in memory, 3.4 as views (tracemalloc)."""

    input_ids: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.input_ids)

    def piece(self, start: int, stop: int) -> Example:
        """Tokens [start, stop) as an example of their own: its first token is not a target
        (nothing before it in the piece predicts it)."""
        labels = self.labels[start:stop].copy()
        labels[:1] = IGNORE
        return Example(self.input_ids[start:stop], labels)


def encode_text(tokenizer, text: str) -> Example:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    array = np.array(ids, dtype=np.int32)
    return Example(array, array).piece(0, len(array))


def with_reasoning(
    messages: list[dict[str, str]], reasoning: str | None, mode: str
) -> list[dict[str, str]]:
    """`think`: <think>…</think> before the final answer, in its content; `separate`: as the
    answer's `reasoning_content`, for templates that render it (ours does, the same way);
    `drop`: the answer alone."""
    if not reasoning or mode == "drop":
        return messages
    messages = [dict(m) for m in messages]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    if mode == "think":
        messages[last]["content"] = f"<think>\n{reasoning}\n</think>\n\n{messages[last]['content']}"
    else:
        messages[last]["reasoning_content"] = reasoning
    return messages


def chat_template(tokenizer) -> str:
    return tokenizer.chat_template or DEFAULT_CHAT_TEMPLATE


def encode_chat(tokenizer, messages: list[dict[str, str]]) -> Example:
    """Render with the template, then mark the tokens inside assistant messages as targets."""
    text = tokenizer.apply_chat_template(
        messages, chat_template=chat_template(tokenizer), tokenize=False
    )
    spans = _assistant_spans(text, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = np.array(encoded["input_ids"], dtype=np.int32)
    offsets = np.array(encoded["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    start, end = offsets[:, 0], offsets[:, 1]
    inside = np.zeros(len(ids), dtype=bool)
    for s, e in spans:
        inside |= (s <= start) & (end <= e)
    return Example(ids, np.where(inside & (end > start), ids, IGNORE).astype(np.int32))


def _assistant_spans(text: str, messages: list[dict[str, str]]) -> list[tuple[int, int]]:
    """Character spans of each assistant message as rendered (its reasoning, content and the
    end-of-turn marker up to the next line), searched in order."""
    spans, cursor = [], 0
    for message in messages:
        content = message["content"]
        at = text.find(content, cursor)
        if at < 0:
            raise ValueError("the chat template changed a message's content")
        end = at + len(content)
        if message["role"] == "assistant":
            thought = message.get("reasoning_content")
            start = text.rfind(thought, cursor, at) if thought else -1
            if start < 0:
                start = at
            elif (tag := THINK_OPEN.search(text, cursor, start)) is not None:
                start = tag.start()  # the <think> the template put before the reasoning
            newline = text.find("\n", end)
            spans.append((start, len(text) if newline < 0 else newline))
        cursor = end
    return spans


def template_overhead(tokenizer) -> int:
    """Tokens the template adds to an empty exchange: the floor for --max-length in SFT."""
    messages = [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]
    text = tokenizer.apply_chat_template(
        messages, chat_template=chat_template(tokenizer), tokenize=False
    )
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])
