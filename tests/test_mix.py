"""corpus mix: exact shares on real builds, budgets by hand, determinism, bad input."""

import hashlib
import json

import datasets
import pyarrow.parquet as pq
import pytest
from corpus.mixing.budget import exact_budget, temperature_shares, unimax_budget
from corpus.mixing.ratio import parse_ratio, parse_size

from corpus.errors import OptionError
from corpus.tokens import estimate_tokens
from tests.conftest import run_cli


def tokens_of(record, counter=estimate_tokens):
    if "text" in record and record.get("text") is not None:
        return counter(record["text"])
    content = "\n".join(m["content"] for m in record["messages"])
    return counter(content + "\n" + (record["reasoning"] or ""))


def shares(folder, kind, key="lang", unit="tokens", counter=estimate_tokens):
    totals = {}
    for record in pq.read_table(folder / "data" / kind).to_pylist():
        weight = 1 if unit == "docs" else tokens_of(record, counter)
        totals[record[key]] = totals.get(record[key], 0) + weight
    whole = sum(totals.values())
    return {k: v / whole for k, v in totals.items()}


@pytest.mark.parametrize("unit", ["tokens", "docs"])
def test_ratio_is_exact_in_the_output(sample_build, tmp_path, unit):
    out = tmp_path / "mix"
    result = run_cli("mix", sample_build, "--ratio", "en:fr:ko=6:3:1", "--unit", unit, "--out", out)
    assert result.returncode == 0, result.stderr
    for kind in ("text", "instruct"):
        achieved = shares(out, kind, unit=unit)
        assert set(achieved) == {"en", "fr", "ko"}
        for key, target in {"en": 0.6, "fr": 0.3, "ko": 0.1}.items():
            assert abs(achieved[key] - target) <= 0.001, (kind, key, achieved)
    manifest = json.loads((out / "manifest.json").read_text())
    summary = manifest["mixture"]["text"]
    assert summary["unit"] == unit
    limiting = [k for k in summary["keys"] if k["epochs"] == 1.0]
    assert limiting, "without --total-tokens the limiting key is used whole"
    assert all(k["repeats"] == 0 for k in summary["keys"])
    built = json.loads((sample_build / "manifest.json").read_text())
    del built["built_at"]
    expected = hashlib.sha256(json.dumps(built, sort_keys=True).encode()).hexdigest()
    assert manifest["inputs"][0]["sha256"] == expected


def test_left_out_keys_are_reported_and_absent(sample_build, tmp_path):
    out = tmp_path / "enko"
    result = run_cli("mix", sample_build, "--ratio", "en:ko=10:3", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "left out" in result.stdout
    assert set(shares(out, "text")) == {"en", "ko"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["mixture"]["text"]["left_out"]) == {"fr"}
    card = (out / "README.md").read_text()
    assert "## Mixture" in card and "Left out (not in the ratio): fr" in card


def test_mix_is_deterministic_and_loads(sample_build, tmp_path):
    for name in ("a", "b"):
        result = run_cli(
            "mix", sample_build, "--ratio", "en:ko=1:1", "--out", tmp_path / name / "m"
        )
        assert result.returncode == 0, result.stderr
    for kind in ("text", "instruct"):
        first = pq.read_table(tmp_path / "a" / "m" / "data" / kind)
        assert first.equals(pq.read_table(tmp_path / "b" / "m" / "data" / kind))
        loaded = datasets.load_dataset(str(tmp_path / "a" / "m"), kind, split="train")
        assert loaded.num_rows == first.num_rows
    other_seed = run_cli(
        "mix", sample_build, "--ratio", "en:ko=1:1", "--seed", "7", "--out", tmp_path / "c"
    )
    assert other_seed.returncode == 0
    ids = lambda p: set(pq.read_table(p / "data" / "text").column("id").to_pylist())  # noqa: E731
    assert ids(tmp_path / "a" / "m") != ids(tmp_path / "c")


def test_mix_by_dataset_with_upsampling(sample_build, tmp_path):
    out = tmp_path / "by-dataset"
    result = run_cli(
        "mix",
        sample_build,
        "--by",
        "dataset",
        "--ratio",
        "HP:KCD=3:1",
        "--kind",
        "text",
        "--total-tokens",
        "2M",
        "--max-epochs",
        "3",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    achieved = shares(out, "text", key="dataset")
    assert abs(achieved["HP"] - 0.75) <= 0.001
    assert not (out / "data" / "instruct").exists()
    summary = json.loads((out / "manifest.json").read_text())["mixture"]["text"]
    hp = next(k for k in summary["keys"] if k["key"] == "HP")
    assert hp["repeats"] > 0 and 1 < hp["epochs"] <= 3
    rows = pq.read_table(out / "data" / "text").to_pylist()
    per_id = {}
    for row in rows:
        per_id[row["id"]] = per_id.get(row["id"], 0) + 1
    assert max(per_id.values()) <= 3  # never more copies than epochs allowed


def test_tokenizer_counts_are_used(sample_build, tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    texts = pq.read_table(sample_build / "data" / "text").column("text").to_pylist()[:2000]
    tokenizer.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    path = tmp_path / "tokenizer.json"
    tokenizer.save(str(path))
    out = tmp_path / "tok"
    result = run_cli(
        "mix",
        sample_build,
        "--ratio",
        "en:ko=1:1",
        "--kind",
        "text",
        "--tokenizer",
        path,
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    counter = lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)  # noqa: E731
    achieved = shares(out, "text", counter=counter)
    assert abs(achieved["en"] - 0.5) <= 0.001
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mixture"]["text"]["counter"].startswith("tokenizer-")
    assert list((sample_build / "cache").glob("tokens-text-tokenizer-*.parquet"))


def test_budgets_match_hand_computed_values():
    assert exact_budget({"a": 0.5, "b": 0.5}, {"a": 100, "b": 300}, None) == {"a": 100, "b": 100}
    assert exact_budget({"a": 0.25, "b": 0.75}, {"a": 100, "b": 300}, 200) == {"a": 50, "b": 150}
    with pytest.raises(OptionError, match=r"max-epochs 2\.00"):
        exact_budget({"a": 0.5, "b": 0.5}, {"a": 100, "b": 300}, 400)
    assert exact_budget({"a": 0.5, "b": 0.5}, {"a": 100, "b": 300}, 400, max_epochs=2) == {
        "a": 200,
        "b": 200,
    }
    q = temperature_shares({"a": 100, "b": 900}, 0.5)
    assert q["a"] == pytest.approx(0.25) and q["b"] == pytest.approx(0.75)
    assert temperature_shares({"a": 100, "b": 900}, 1.0) == pytest.approx({"a": 0.1, "b": 0.9})
    assert unimax_budget({"a": 10, "b": 100, "c": 1000}, 600, 2) == {"a": 20, "b": 200, "c": 380}
    assert unimax_budget({"a": 10, "b": 100, "c": 1000}, 90, 1) == {"a": 10, "b": 40, "c": 40}


def test_temperature_and_unimax_through_the_cli(sample_build, tmp_path):
    out = tmp_path / "t"
    assert (
        run_cli(
            "mix", sample_build, "--temperature", "0.3", "--kind", "text", "--out", out
        ).returncode
        == 0
    )
    summary = json.loads((out / "manifest.json").read_text())["mixture"]["text"]
    available = {k["key"]: k["available_tokens"] for k in summary["keys"]}
    expected = temperature_shares(available, 0.3)
    for key in summary["keys"]:
        assert abs(key["share"] - expected[key["key"]]) <= 0.001
    out = tmp_path / "u"
    assert (
        run_cli(
            "mix", sample_build, "--unimax", "--max-epochs", "2", "--kind", "text", "--out", out
        ).returncode
        == 0
    )
    summary = json.loads((out / "manifest.json").read_text())["mixture"]["text"]
    budgets = unimax_budget(
        {k["key"]: k["available_tokens"] for k in summary["keys"]},
        sum(k["available_tokens"] for k in summary["keys"]),
        2,
    )
    for key in summary["keys"]:
        assert abs(key["tokens"] - budgets[key["key"]]) <= 500  # within one record


@pytest.mark.parametrize(
    "spec",
    ["en:ko=10", "en=10:3", "en:ko=-1:3", "en:ko=0:3", "en:en=1:1", "en:ko=a:b", ":ko=1:1"],
)
def test_malformed_ratio(spec):
    with pytest.raises(OptionError):
        parse_ratio(spec)


def test_sizes():
    assert parse_size("50M") == 50_000_000 and parse_size("1.5k") == 1500 and parse_size("7") == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--ratio", "en:ja=1:1"],
            "not in the text records of the inputs; available lang keys (tokens): en ",
        ),
        (["--ratio", "en:ko=10"], "1 weight(s)"),
        (["--ratio", "en:ko=1:1", "--total-tokens", "100M"], "allow --max-epochs"),
        (["--ratio", "en:ko=1:1", "--temperature", "0.5"], "exactly one of"),
    ],
)
def test_bad_mix_options_fail_cleanly(sample_build, tmp_path, args, message):
    out = tmp_path / "bad"
    result = run_cli("mix", sample_build, *args, "--out", out)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not out.exists()


def test_input_that_is_not_a_dataset(tmp_path):
    result = run_cli("mix", tmp_path, "--ratio", "en:ko=1:1", "--out", tmp_path / "x")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: {tmp_path}: not a dataset built by corpus (no manifest.json)"
    )


def test_a_folder_given_twice_is_refused(sample_build, tmp_path):
    """`corpus mix corpora/* corpora/hpo`: the folder's records would be pooled twice, each
    record id twice in the mix."""
    again = sample_build.parent / ".." / sample_build.parent.name / sample_build.name
    for command in ("mix", "dedup"):
        args = ("--ratio", "en:ko=1:1") if command == "mix" else ()
        result = run_cli(command, sample_build, again, *args, "--out", tmp_path / command)
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"error: {again}: given twice as an input (each input is read once)"
        )
        assert not (tmp_path / command).exists()
