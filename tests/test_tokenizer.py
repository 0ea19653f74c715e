"""corpus tokenizer: loads with AutoTokenizer, keeps Hangul composed, honest fertility."""

from __future__ import annotations

import json

from corpus.tokenizer import records, words
from tests.conftest import run_cli


def test_wordpiece_loads_keeps_hangul_and_reports_fertility(sample_build, tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "wp"
    args = ("--out", out, "--type", "wordpiece", "--vocab", "2000")
    result = run_cli("tokenizer", sample_build, *args)
    assert result.returncode == 0, result.stderr
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert len(tokenizer) == 2000 and tokenizer.unk_token == "[UNK]"
    pieces = tokenizer.tokenize("잔류치핵성 쥐젖은 치핵의 한 종류이다.")
    assert pieces and not any("\u1100" <= ch <= "\u11ff" for p in pieces for ch in p)  # no jamo
    report = json.loads((out / "report.json").read_text())
    assert set(report["languages"]) == {"en", "fr", "ko"}
    # an independent recount on the same held-aside texts
    held = [(lang, text) for lang, text, aside in records(sample_build, 0) if aside]
    korean = [text for lang, text in held if lang == "ko"]
    tokens = sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in korean)
    assert report["languages"]["ko"]["tokens"] == tokens
    assert report["languages"]["ko"]["fertility"] == tokens / sum(words(t) for t in korean)
    assert report["held_aside_texts"] == len(held)
    assert "| ko |" in (out / "README.md").read_text()


def test_bpe_round_trips_real_text(sample_build, tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "bpe"
    result = run_cli("tokenizer", sample_build, "--out", out, "--vocab", "1500", "--sentences")
    assert result.returncode == 0, result.stderr
    tokenizer = AutoTokenizer.from_pretrained(out)
    texts = [text for _, text, aside in records(sample_build, 0) if aside][:200]
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode(ids) == text


def test_bad_tokenizer_input(sample_build, tmp_path):
    result = run_cli("tokenizer", tmp_path, "--out", tmp_path / "t")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path}: not a dataset folder (no manifest.json)"
    result = run_cli("tokenizer", sample_build, "--out", tmp_path / "t", "--type", "sentencepiece")
    assert result.returncode == 2
    assert "--type 'sentencepiece': expected one of wordpiece, bpe, unigram" in result.stderr
    assert not (tmp_path / "t").exists()
