"""`corpus tokenizer`: train a WordPiece, BPE or Unigram tokenizer on a built folder with
HuggingFace `tokenizers`, and report its fertility per language on held-aside records.

Text is NFC-normalized (never NFD/NFKD: Hangul syllables would fall apart into jamo); case is
kept. Every 20th record (by a seeded hash of its id) is held aside for the report. The output
folder loads with `transformers.AutoTokenizer.from_pretrained(OUT)`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import regex
import xxhash
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from corpus.errors import OptionError
from corpus.manifest import require_dataset
from corpus.stats import parquet_files
from corpus.writer import atomic_output, check_replaceable

TYPES = ("wordpiece", "bpe", "unigram")
HELD_ASIDE = 20  # one record in this many is kept out of training, for the report
MEASURED = 50_000  # at most this many held-aside texts are kept for measuring
SPECIAL = {
    "wordpiece": {"unk": "[UNK]", "pad": "[PAD]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"},
    "bpe": {"unk": None, "pad": "<pad>", "bos": "<s>", "eos": "</s>"},
    "unigram": {"unk": "<unk>", "pad": "<pad>", "bos": "<s>", "eos": "</s>"},
}
_WORDS = regex.compile(r"\S+")
_CJK_CHAR = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")


def records(folder: Path, seed: int) -> Iterator[tuple[str, str, bool]]:
    """(lang, text, held aside) of every text record and every message of instruct records."""
    require_dataset(folder)
    for kind in ("text", "instruct"):
        columns = ["id", "lang", "text" if kind == "text" else "messages"]
        for path in parquet_files(folder, kind):
            for row in pq.read_table(path, columns=columns).to_pylist():
                aside = xxhash.xxh64_intdigest(row["id"].encode(), seed) % HELD_ASIDE == 0
                if kind == "text":
                    yield row["lang"], row["text"], aside
                else:
                    for message in row["messages"]:
                        yield row["lang"], message["content"], aside


def sentences(texts: Iterator[str]) -> Iterator[str]:
    """spaCy's rule-based sentencizer on a blank multilingual pipeline (nothing to download)."""
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    for doc in nlp.pipe(texts, batch_size=256):
        yield from (s.text for s in doc.sents if s.text.strip())


def make_tokenizer(
    kind: str, vocab: int, special: list[str] | None = None
) -> tuple[Tokenizer, Any]:
    """An untrained NFC tokenizer of that kind and its trainer (special tokens: the kind's)."""
    if kind not in TYPES:
        raise OptionError(f"--type {kind!r}: expected one of {', '.join(TYPES)}")
    special = special or [t for t in SPECIAL[kind].values() if t]
    if kind == "wordpiece":
        tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab, special_tokens=special)
    elif kind == "bpe":
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab,
            special_tokens=special,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
    else:
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab, special_tokens=special, unk_token="<unk>"
        )
    tokenizer.normalizer = normalizers.NFC()
    return tokenizer, trainer


def words(text: str) -> int:
    """Words for fertility: space-separated units; each Han/kana character counts as one."""
    return sum(max(1, len(_CJK_CHAR.findall(w))) for w in _WORDS.findall(text))


def fertility(tokenizer, held: list[tuple[str, str]], unk_id: int | None) -> dict[str, Any]:
    """Per language: tokens per word, and the share of tokens that are the unknown token."""
    tokens: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for lang, text in held:
        ids = tokenizer(text)
        tokens[lang] += len(ids)
        counted[lang] += words(text)
        if unk_id is not None:
            unknown[lang] += sum(i == unk_id for i in ids)
    return {
        lang: {
            "words": counted[lang],
            "tokens": tokens[lang],
            "fertility": tokens[lang] / counted[lang] if counted[lang] else 0.0,
            "unknown_rate": unknown[lang] / tokens[lang] if tokens[lang] else 0.0,
        }
        for lang in sorted(counted)
    }


def train_tokenizer(
    folder: Path,
    out: Path,
    kind: str = "bpe",
    vocab: int = 32_768,
    split_sentences: bool = False,
    compare: Path | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    check_replaceable(out)
    tokenizer, trainer = make_tokenizer(kind, vocab)
    held: list[tuple[str, str]] = []

    def training_texts() -> Iterator[str]:
        for lang, text, aside in records(folder, seed):
            if aside:
                if len(held) < MEASURED:
                    held.append((lang, text))
            else:
                yield text

    texts = training_texts()
    tokenizer.train_from_iterator(sentences(texts) if split_sentences else texts, trainer)
    unk = SPECIAL[kind]["unk"]
    unk_id = tokenizer.token_to_id(unk) if unk else None
    report: dict[str, Any] = {
        "type": kind,
        "vocab_size": tokenizer.get_vocab_size(),
        "trained_on": str(folder),
        "held_aside_texts": len(held),
        "sentence_split": split_sentences,
        "languages": fertility(lambda t: tokenizer.encode(t).ids, held, unk_id),
    }
    if compare is not None:
        from transformers import AutoTokenizer

        reference = AutoTokenizer.from_pretrained(compare)
        report["reference"] = {
            "path": str(compare),
            "vocab_size": len(reference),
            "languages": fertility(
                lambda t: reference(t, add_special_tokens=False)["input_ids"],
                held,
                reference.unk_token_id,
            ),
        }
    with atomic_output(out) as tmp:
        tokenizer.save(str(tmp / "tokenizer.json"))
        config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": 1_000_000_000,
            **{f"{name}_token": token for name, token in SPECIAL[kind].items() if token},
        }
        (tmp / "tokenizer_config.json").write_text(json.dumps(config, indent=1))
        (tmp / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        (tmp / "README.md").write_text(card(report), encoding="utf-8")
    return report


def card(report: dict[str, Any]) -> str:
    reference = report.get("reference")
    lines = [
        f"# Tokenizer: {report['type']}, {report['vocab_size']:,} tokens\n",
        f"Trained on `{report['trained_on']}` (NFC, case kept"
        + (", spaCy sentencizer" if report["sentence_split"] else "")
        + f"); measured on {report['held_aside_texts']:,} held-aside texts (1 in {HELD_ASIDE}).\n",
        "Fertility is tokens per word (space-separated; each Han or kana character a word).\n",
    ]
    header = "| lang | words | fertility | unknown |"
    rule = "|---|---|---|---|"
    if reference:
        header += " reference fertility | reference unknown |"
        rule += "---|---|"
    lines += [header, rule]
    for lang, row in report["languages"].items():
        line = f"| {lang} | {row['words']:,} | {row['fertility']:.3f} | {row['unknown_rate']:.4%} |"
        if reference:
            ref = reference["languages"][lang]
            line += f" {ref['fertility']:.3f} | {ref['unknown_rate']:.4%} |"
        lines.append(line)
    if reference:
        lines.append(f"\nReference: `{reference['path']}` ({reference['vocab_size']:,} tokens).")
    return "\n".join(lines) + "\n"
