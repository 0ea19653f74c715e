"""Log-likelihood scoring: multiple-choice options and perplexity, no generation.

An option's score is the sum of its tokens' log-probabilities after the prompt, divided by
its length in characters (lm-evaluation-harness's `acc_norm`), so a long right answer is not
beaten by a short wrong one. Context and option are tokenized apart and joined, as the
harness does, so every option is scored after the same context tokens.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F

Progress = Callable[[int], None]


def _pieces(tokenizer, prompt: str, option: str) -> tuple[list[int], list[int]]:
    """Context ids and option ids; the prompt's trailing spaces go with the option (BPE
    vocabularies hold ' word', not 'word' after a lone space)."""
    context = prompt.rstrip(" ")
    spaces = prompt[len(context) :]
    context_ids = tokenizer(context)["input_ids"]
    option_ids = tokenizer(spaces + option, add_special_tokens=False)["input_ids"]
    return context_ids, option_ids


@torch.no_grad()
def _continuation_logprobs(
    model, pairs: list[tuple[list[int], list[int]]], pad_id: int, max_length: int
) -> list[float]:
    """Sum of log p(option tokens | context) for each (context, option) pair, in one padded
    batch. The context is cut from the left where the pair exceeds `max_length`."""
    rows = []
    for context, option in pairs:
        ids = (context + option)[-max_length:]
        rows.append((ids, min(len(option), len(ids) - 1)))
    width = max(len(ids) for ids, _ in rows)
    device = next(model.parameters()).device
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, _) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        attention[i, : len(ids)] = 1
    logits = model(
        input_ids=input_ids.to(device), attention_mask=attention.to(device), use_cache=False
    ).logits
    sums = []
    for i, (ids, n) in enumerate(rows):
        end = len(ids)
        targets = torch.tensor(ids[end - n : end], device=device)
        predicted = F.log_softmax(logits[i, end - n - 1 : end - 1].float(), dim=-1)
        sums.append(float(predicted.gather(1, targets[:, None]).sum()))
    return sums


def score_options(
    model,
    tokenizer,
    items: Sequence[tuple[str, Sequence[str]]],
    batch_size: int = 16,
    max_length: int = 1024,
    progress: Progress | None = None,
) -> list[list[float]]:
    """Length-normalized log-likelihood of each option of each (prompt, options) item."""
    model.eval()
    flat = []
    for index, (prompt, options) in enumerate(items):
        for position, option in enumerate(options):
            context, ids = _pieces(tokenizer, prompt, option)
            flat.append((index, position, len(option), context, ids))
    order = sorted(range(len(flat)), key=lambda k: len(flat[k][3]) + len(flat[k][4]))
    scores = [[0.0] * len(options) for _, options in items]
    for start in range(0, len(order), batch_size):
        chunk = [flat[k] for k in order[start : start + batch_size]]
        sums = _continuation_logprobs(
            model, [(c, o) for *_, c, o in chunk], tokenizer.pad_token_id, max_length
        )
        for (index, position, chars, _, _), total in zip(chunk, sums, strict=True):
            scores[index][position] = total / max(chars, 1)
        if progress:
            progress(len(chunk))
    return scores


def best(scores: Sequence[float]) -> int:
    """The highest-scoring option (the first, on a tie)."""
    return max(range(len(scores)), key=lambda i: scores[i])


@torch.no_grad()
def perplexity(
    model,
    tokenizer,
    texts: Iterable[str],
    max_length: int = 1024,
    max_tokens: int = 50_000,
    batch_size: int = 4,
) -> tuple[float, int]:
    """exp(mean negative log-likelihood per predicted token) over documents cut into windows of
    `max_length`, until `max_tokens` are scored; returns (perplexity, tokens scored)."""
    model.eval()
    windows: list[list[int]] = []
    budget = max_tokens
    for text in texts:
        ids = tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
        for start in range(0, len(ids) - 1, max_length):
            window = ids[start : start + max_length][: budget + 1]
            if len(window) > 1:
                windows.append(window)
                budget -= len(window) - 1
            if budget <= 0:
                break
        if budget <= 0:
            break
    total, count = 0.0, 0
    device = next(model.parameters()).device
    for start in range(0, len(windows), batch_size):
        chunk = windows[start : start + batch_size]
        width = max(map(len, chunk))
        input_ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
        labels = torch.full((len(chunk), width), -100, dtype=torch.long)
        attention = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, window in enumerate(chunk):
            input_ids[i, : len(window)] = torch.tensor(window)
            labels[i, : len(window)] = torch.tensor(window)
            attention[i, : len(window)] = 1
        logits = model(
            input_ids=input_ids.to(device), attention_mask=attention.to(device), use_cache=False
        ).logits.float()
        loss = F.cross_entropy(
            logits[:, :-1].reshape(-1, logits.size(-1)),
            labels[:, 1:].reshape(-1).to(device),
            ignore_index=-100,
            reduction="sum",
        )
        total += float(loss)
        count += int((labels[:, 1:] != -100).sum())
    if not count:
        return float("nan"), 0
    return math.exp(total / count), count
