"""The knowledge probe: held-out concepts stay out of the build, questions are well formed,
scoring picks the most likely option, perplexity is the model's own loss, `corpus eval` and
`corpus train --eval-probe` write their reports, bad input fails cleanly."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import polars as pl
import pytest
import torch
from corpus.sources.hetop.probe_table import PROBE_TABLE, held_out
from corpus.sources.hetop.templates import load_templates
from corpus.train.model import load_tokenizer, resolve_model
from corpus.train.probe import make_questions, read_concept_table
from corpus.train.scoring import best, perplexity, score_options
from corpus.train.tiny import build_tiny_model

from tests.conftest import ONTOLOGY, SAMPLE_INPUTS, build_cli, run_cli

HOLDOUT = 0.2
TEMPLATES = load_templates()


@pytest.fixture(scope="module")
def heldout_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("probe") / "hpo"
    inputs = [ONTOLOGY / name for name in SAMPLE_INPUTS]
    return build_cli("hetop", out, inputs, "--holdout", str(HOLDOUT), "--seed", "3")


@pytest.fixture(scope="module")
def concepts(heldout_build) -> pl.DataFrame:
    return pl.read_parquet(heldout_build / PROBE_TABLE)


@pytest.fixture(scope="module")
def questions(heldout_build):
    return make_questions(heldout_build, seed=1, per_group=None)


def _records(folder: Path) -> pl.DataFrame:
    frames = [
        pl.read_parquet(folder / "data" / kind / "*.parquet").select("source_id", text)
        for kind, text in (
            ("text", pl.col("text")),
            (
                "instruct",
                pl.col("messages")
                .list.eval(pl.element().struct.field("content"))
                .list.join("\n")
                .alias("text"),
            ),
        )
    ]
    return pl.concat(frames)


def test_held_out_concepts_never_reach_the_records(heldout_build, concepts):
    held = concepts.filter(pl.col("heldout"))
    ids = set(held["concept_id"])
    share = len(ids) / concepts["concept_id"].n_unique()
    assert 0.15 < share < 0.25
    assert ids == {c for c in concepts["concept_id"].unique() if held_out(c, 3, HOLDOUT)}
    records = _records(heldout_build)
    assert not set(records["source_id"]) & ids
    # nor their definitions, nor their labels in another concept's parent or child list
    corpus_text = "\n".join(records["text"])
    definitions = [d for d in held["definition"].drop_nulls() if len(d) > 40]
    assert definitions and not [d for d in definitions if d in corpus_text]
    manifest = json.loads((heldout_build / "manifest.json").read_text())
    assert manifest["steps"]["hetop"]["concepts_held_out"] == len(ids)
    assert manifest["options"]["holdout"] == HOLDOUT


def test_a_parent_sentence_leaves_out_its_held_out_children(heldout_build, concepts):
    table = read_concept_table(heldout_build)
    parent = next(
        p
        for p, kids in sorted(table.children.items())
        if (p, "en") in table.labels
        and p not in table.heldout
        and any(k in table.heldout for k in kids)
        and any(k not in table.heldout for k in kids)
    )
    text = _records(heldout_build).filter(pl.col("source_id") == parent)["text"]
    # children are listed mid-sentence, as the records say them
    kept = [table.running[k, "en"] for k in table.children[parent] if k not in table.heldout]
    gone = [table.running[k, "en"] for k in table.children[parent] if k in table.heldout]
    joined = "\n".join(text)
    assert any(label in joined for label in kept)
    assert not any(f" {label}," in joined or f" {label}." in joined for label in gone)


def test_questions_are_well_formed(heldout_build, questions):
    table = read_concept_table(heldout_build)
    tasks = {(q.task, q.lang, q.split) for q in questions}
    for task in ("definition", "parent", "translation", "code_to_label"):
        for split in ("trained", "heldout"):
            assert (task, "en", split) in tasks
    assert ("translation", "ko", "trained") in tasks and ("parent", "fr", "trained") in tasks
    for q in questions:
        assert len(q.answers) == 1 and 2 <= len(q.options) <= 4
        folded = [o.casefold() for o in q.options]
        assert len(set(folded)) == len(folded)
        assert q.split == ("heldout" if q.concept_id in table.heldout else "trained")
        # French says "une sorte d'anomalie", "de morphologie": the article leads each option
        said_options = [re.sub(r"^(d'|de )", "", o) if q.lang == "fr" else o for o in q.options]
        right = said_options[q.answers[0]] if q.task == "parent" else q.options[q.answers[0]]
        siblings = set(table.siblings(q.concept_id))
        wrong = [
            o
            for i, o in enumerate(said_options if q.task == "parent" else q.options)
            if i not in q.answers
        ]
        if q.task == "definition":
            assert right == table.definitions[q.concept_id, q.lang]
            pool = {table.definitions.get((s, q.lang)) for s in siblings}
        elif q.task == "code_to_label":
            # options as the build's answer says a label: mid-sentence in English
            running = "{running_label}" in TEMPLATES[q.lang].answers["code_to_label"]
            said = table.running if running else table.labels
            assert table.codes[q.concept_id] in q.prompt and right not in q.prompt
            assert right == said[q.concept_id, q.lang]
            pool = {said.get((s, q.lang)) for s in siblings}
        elif q.task == "translation":
            target = next(
                lang
                for lang in table.langs[q.concept_id]
                if table.labels[q.concept_id, lang] == right
            )
            source_label = table.labels[q.concept_id, q.lang]
            assert target != q.lang and source_label in q.prompt
            pool = {table.labels.get((s, target)) for s in siblings}
            # a sibling of the same name (KCD's H60.00 and H60.02 are both 종기: Boil,
            # Furuncle) would have a right answer too: a name in conflict is not asked
            same = [s for s in siblings if table.labels.get((s, q.lang)) == source_label]
            twins = {table.labels.get((s, target)) for s in same} - {right, None}
            assert not twins, q.prompt
            assert (q.concept_id, target) not in table.in_conflict
        else:  # parents are listed as they read mid-sentence
            parents = table.parents[q.concept_id]
            parent = next(p for p in parents if table.running.get((p, q.lang)) == right)
            pool = {table.running.get((s, q.lang)) for s in table.siblings(parent)}
            ancestors = {table.running.get((a, q.lang)) for a in table.ancestors(q.concept_id)}
            assert not ancestors & set(wrong)
        assert set(wrong) <= pool, (q.task, q.prompt)
        if q.task in ("code_to_label", "translation"):
            assert (q.concept_id, q.lang) not in table.in_conflict, q.prompt
    # 종기 and other shared Korean names of the sample
    assert sum(lang == "ko" for _, lang in table.in_conflict) >= 4


def test_french_parent_options_carry_their_elided_article(questions):
    """The records say "une sorte d'anomalie …" and "une sorte de morphologie …": an option
    carries its own form of "de", or options opening with a vowel would read "de anomalie"."""
    french = [q for q in questions if q.task == "parent" and q.lang == "fr"]
    assert len(french) > 20
    vowel_first = 0
    for q in french:
        assert q.prompt.endswith(" une sorte ")
        for option in q.options:
            rest = re.sub(r"^(d'|de )", "", option)
            if rest[0].lower() != "h":  # mute or aspirated: test_templates says which
                vowel = rest[0].lower() in "aeiouyéèêàâîôûœ"  # d'ECG anormal, too
                assert option == (f"d'{rest}" if vowel else f"de {rest}")
            vowel_first += option.startswith("d'")
    assert vowel_first > 20


def test_a_parent_question_asks_for_one_parent(tmp_path):
    """The probe's options are one parent each: German says "Der Oberbegriff … ist", not the
    plural the build uses for several."""
    inputs = [ONTOLOGY / "hp_sample.obo", ONTOLOGY / "hp-de.babelon.tsv"]
    out = build_cli("hetop", tmp_path / "de", inputs, "--langs", "de", "--holdout", "0.2")
    german = [
        q
        for q in make_questions(out, seed=1, per_group=None)
        if q.task == "parent" and q.lang == "de"
    ]
    assert len(german) > 20
    for q in german:
        _, answer_start = q.prompt.split("\n")
        assert answer_start.startswith("Der Oberbegriff von „") and answer_start.endswith(" ist ")


def test_questions_are_seeded(heldout_build, questions):
    again = make_questions(heldout_build, seed=1, per_group=None)
    assert again == questions
    other = make_questions(heldout_build, seed=2, per_group=None)
    assert [q.options for q in other] != [q.options for q in questions]
    sample = make_questions(heldout_build, seed=1, per_group=5)
    groups = {(q.task, q.lang, q.split) for q in questions}
    assert len(sample) <= 5 * len(groups) and set(sample) <= set(questions)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, concepts):
    texts = concepts["label"].to_list() + concepts["definition"].drop_nulls().to_list()
    return build_tiny_model(tmp_path_factory.mktemp("model") / "tiny", texts)


def _model(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, attn_implementation="sdpa").eval()


@torch.no_grad()
def _option_logprob(model, tokenizer, prompt: str, option: str) -> float:
    """One sequence at a time, no padding: what the batched scorer must reproduce."""
    context = tokenizer(prompt.rstrip(" "))["input_ids"]
    ids = (
        context
        + tokenizer(
            " " * (len(prompt) - len(prompt.rstrip(" "))) + option, add_special_tokens=False
        )["input_ids"]
    )
    logprobs = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
    return sum(float(logprobs[i - 1, ids[i]]) for i in range(len(context), len(ids)))


def test_batched_scores_equal_one_by_one(tiny, questions):
    model, tokenizer = _model(tiny), load_tokenizer(resolve_model(str(tiny)))
    items = [(q.prompt, q.options) for q in questions[::400][:12]]
    scores = score_options(model, tokenizer, items, batch_size=5)
    for (prompt, options), row in zip(items, scores, strict=True):
        for option, score in zip(options, row, strict=True):
            expected = _option_logprob(model, tokenizer, prompt, option) / len(option)
            assert abs(score - expected) < 1e-4


def test_scoring_picks_what_the_model_was_taught(tiny, tmp_path):
    """Teach the tiny model one answer; before, it has no reason to prefer it; after, it picks it,
    and length normalization keeps a long answer from losing to a short one."""
    model, tokenizer = _model(tiny), load_tokenizer(resolve_model(str(tiny)))
    prompt = "Which structure is affected in Cerebellar atrophy?\nThe affected structure is "
    options = ("the cerebellum and its connections to the brainstem", "the lung", "the skin")
    taught = tokenizer(prompt + options[0])["input_ids"] + [tokenizer.eos_token_id]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(40):
        loss = model(torch.tensor([taught]), labels=torch.tensor([taught])).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    scores = score_options(model.eval(), tokenizer, [(prompt, options)])[0]
    assert best(scores) == 0
    sums = [s * len(o) for s, o in zip(scores, options, strict=True)]
    assert best(scores) == max(range(3), key=lambda i: scores[i])
    assert sums[0] == pytest.approx(_option_logprob(model, tokenizer, prompt, options[0]), abs=1e-3)


def test_perplexity_is_the_models_own_loss(tiny, concepts):
    model, tokenizer = _model(tiny), load_tokenizer(resolve_model(str(tiny)))
    texts = concepts["definition"].drop_nulls().to_list()[:6]
    value, tokens = perplexity(model, tokenizer, texts, max_length=64, max_tokens=10_000)
    total = count = 0.0
    with torch.no_grad():
        for text in texts:
            ids = tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
            for start in range(0, len(ids) - 1, 64):
                window = torch.tensor([ids[start : start + 64]])
                if window.shape[1] > 1:
                    n = window.shape[1] - 1
                    total += model(window, labels=window).loss.item() * n
                    count += n
    assert tokens == count
    assert value == pytest.approx(math.exp(total / count), rel=1e-4)
    _, capped = perplexity(model, tokenizer, texts, max_length=64, max_tokens=50)
    assert capped == 50


def test_train_with_eval_probe_then_corpus_eval(tiny, heldout_build, tmp_path):
    run = tmp_path / "run"
    result = run_cli(
        "train", heldout_build, "--model", tiny, "--out", run, "--max-length", "128",
        "--max-steps", "3", "--lr", "1e-3", "--eval-probe", heldout_build,
        "--eval-general", heldout_build, "--eval-questions", "3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "probe (trained" in result.stdout and "perplexity on general text" in result.stdout
    report = json.loads((run / "eval" / "report.json").read_text())
    assert report["states"] == ["before", "after"]
    splits = {row["split"] for row in report["accuracy"]}
    assert splits == {"trained", "heldout"}
    assert all(0 <= row["before"] <= 1 and 0 < row["chance"] < 1 for row in report["accuracy"])
    ppl = report["perplexity"]
    assert ppl["change"] == pytest.approx(ppl["after"] / ppl["before"] - 1)
    assert ppl["after"] != ppl["before"]  # the adapter changed the model
    assert (run / "eval" / "plots" / "probe.png").is_file()
    assert "| change |" in (run / "eval" / "report.md").read_text()

    # the same evaluation by hand gives the same figures
    again = tmp_path / "again"
    result = run_cli(
        "eval", "--model", tiny, "--adapter", run, "--probe", heldout_build,
        "--general", heldout_build, "--train-data", heldout_build, "--questions", "3",
        "--max-length", "128", "--out", again,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    repeated = json.loads((again / "report.json").read_text())
    assert repeated["accuracy"] == report["accuracy"]
    assert repeated["perplexity"] == pytest.approx(report["perplexity"])


def test_mcqa_questions_are_scored_by_their_option_texts(tiny, tmp_path):
    from corpus.train.evaluate import mcqa_questions

    from tests.test_reasoning_mcqa import FRENCH

    out = build_cli("mcqa", tmp_path / "mcqa", [FRENCH])
    rows = json.loads(FRENCH.read_text(encoding="utf-8"))
    found = mcqa_questions(out)
    assert len(found) == len(rows)
    for row, q in zip(rows, found, strict=True):
        assert q.options == tuple(row["answers"].values())
        assert {q.options[i] for i in q.answers} == {
            row["answers"][c] for c in row["correct_answers"]
        }
        assert q.prompt.startswith(row["question"]) and q.prompt.endswith("Réponse : ")
    result = run_cli(
        "eval", "--model", tiny, "--mcqa", out, "--out", tmp_path / "eval", "--max-length", "128"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    exam = next(r for r in report["accuracy"] if r["task"] == "mcqa" and r["lang"] == "fr")
    assert exam["questions"] == len(rows) and report["states"] == ["before"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--probe", "{plain}"), "{plain}: no probe/concepts.parquet here"),
        ((), "nothing to evaluate: give --probe, --general and/or --mcqa"),
        (("--general", "{missing}"), "{missing}: not a dataset folder (no manifest.json)"),
        (("--probe", "{probe}", "--adapter", "{missing}"), "{missing}: no adapter or model here"),
    ],
)
def test_bad_eval_input(tiny, heldout_build, tmp_path, args, message):
    plain = tmp_path / "plain"
    build_cli("hetop", plain, [ONTOLOGY / "kcd_ko_en.tsv"], "--limit", "5")
    (plain / PROBE_TABLE).unlink()
    names = {"plain": plain, "missing": tmp_path / "missing", "probe": heldout_build}
    args = [a.format(**names) for a in args]
    result = run_cli("eval", "--model", tiny, *args, "--out", tmp_path / "eval")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"error: {message.format(**names)}")
    assert not (tmp_path / "eval").exists()


def test_holdout_must_be_a_share(tmp_path):
    result = run_cli(
        "build", "--source", "hetop", "--input", ONTOLOGY / "kcd_ko_en.tsv",
        "--holdout", "1.5", "--out", tmp_path / "x",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --holdout 1.5: expected a share in [0, 1)"
    assert not (tmp_path / "x").exists()
