"""corpus dedup: exact and near duplicates across built folders, Korean, determinism, errors."""

from __future__ import annotations

import json
import shutil
import unicodedata

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from corpus.dedup.shingles import normalize, shingles
from tests.conftest import DATA, check_slurm_refused, run_cli

MEDLINE = DATA / "literature" / "medline16n0902_sample.xml.gz"
KOREAN = [
    "환자는 3일 전부터 시작된 발열과 기침으로 내원하였다. 흉부 방사선 검사에서 우하엽에 "
    "폐렴 소견이 관찰되어 항생제 치료를 시작하였고, 이틀 후 해열되었다.",
    "당뇨병으로 메트포르민을 복용 중인 환자로, 최근 공복 혈당이 조절되지 않아 인슐린 "
    "치료를 추가하였다. 식이 요법과 운동 교육을 함께 시행하였다.",
]


@pytest.fixture(scope="module")
def literature(tmp_path_factory):
    out = tmp_path_factory.mktemp("lit") / "lissa"
    result = run_cli("build", "--source", "lissa", "--input", MEDLINE, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def _files_build(tmp_path, name: str, rows: list[dict[str, str]]):
    source = tmp_path / f"{name}.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    out = tmp_path / name
    args = ("--input", source, "--text-column", "text", "--lang-column", "lang", "--phi", "off")
    result = run_cli("build", "--source", "files", *args, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def _abstracts(folder, n: int) -> list[dict[str, str]]:
    rows = pq.read_table(folder / "data" / "text").to_pylist()
    return [r for r in rows if r["lang"] == "en" and len(r["text"].split()) > 80][:n]


def test_exact_and_near_copies_are_removed_and_listed(literature, tmp_path):
    originals = _abstracts(literature, 6)
    copies = [
        # punctuation and spacing noise: not exact, near
        {"text": "  ".join(originals[0]["text"].split()).replace(". ", " ;  "), "lang": "en"},
        # other line breaks and an inserted sentence of boilerplate
        {
            "text": originals[1]["text"].replace(". ", ".\n") + "\nAll rights reserved.",
            "lang": "en",
        },
        # the same text, case and whitespace changed: an exact duplicate once normalized
        {"text": "\n" + originals[2]["text"].upper() + "  ", "lang": "en"},
        {"text": KOREAN[0], "lang": "ko"},
        {"text": KOREAN[0].replace("이틀 후 ", "").replace(", ", " , "), "lang": "ko"},
        {"text": KOREAN[1], "lang": "ko"},
    ]
    edited = _files_build(tmp_path, "edited", copies)
    out = tmp_path / "dedup"
    result = run_cli("dedup", literature, edited, "--out", out, "--inspect", "3")
    assert result.returncode == 0, result.stderr
    clusters = pl.read_parquet(out / "dedup" / "clusters.parquet").filter(pl.col("kind") == "text")
    edited_ids = pq.read_table(edited / "data" / "text").column("id").to_pylist()
    by_dropped = {
        ids[0]: row for row in clusters.iter_rows(named=True) for ids in [row["dropped_ids"]]
    }
    for copy, original in ((0, 0), (1, 1), (2, 2)):
        cluster = by_dropped[edited_ids[copy]]
        assert cluster["kept_id"] == originals[original]["id"]  # the first folder wins
    assert by_dropped[edited_ids[2]]["match"] == "exact"
    assert by_dropped[edited_ids[0]]["match"] == by_dropped[edited_ids[1]]["match"] == "near"
    # Korean: the edited copy goes, the other note stays; the earlier record is kept
    assert by_dropped[edited_ids[4]]["kept_id"] == edited_ids[3]
    kept = set(pq.read_table(out / "data" / "text").column("id").to_pylist())
    assert edited_ids[5] in kept and edited_ids[3] in kept
    assert not kept & {edited_ids[i] for i in (0, 1, 2, 4)}
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in (literature / "data/text").glob("*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["text"] == len(kept) == total + 6 - 4
    assert "## Deduplication" in (out / "README.md").read_text()


def test_dedup_is_deterministic(literature, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    copy = shutil.copytree(literature, tmp_path / "copy")  # the same folder twice is refused
    for out in (first, second):
        assert run_cli("dedup", literature, copy, "--out", out).returncode == 0
    one = pq.read_table(first / "dedup" / "clusters.parquet")
    assert one.equals(pq.read_table(second / "dedup" / "clusters.parquet"))
    # a folder deduplicated against its copy: every record of the copy is an exact dup
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (literature / "data/text").glob("*"))
    assert json.loads((first / "manifest.json").read_text())["counts"]["text"] <= rows


def test_hangul_stays_composed():
    text = "고혈압 환자"
    decomposed = unicodedata.normalize("NFD", text)
    assert normalize(decomposed) == unicodedata.normalize("NFC", text)
    assert (shingles(decomposed, "ko") == shingles(text, "ko")).all()


def test_bad_dedup_input(tmp_path):
    result = run_cli("dedup", tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path}: not a dataset folder (no manifest.json)"
    result = run_cli("dedup", tmp_path, "--out", tmp_path / "o", "--bands", "7")
    assert result.returncode == 2 and "--bands 7 must divide --permutations 128" in result.stderr


def test_template_siblings_survive_and_their_edited_copies_do_not(tmp_path):
    """KCD concepts verbalized from one template (siblings differ by a site word and a code)
    are all kept; an edited copy of one of them (a word deleted, the end cut) is removed."""
    hetop = tmp_path / "kcd"
    args = ("--input", DATA / "ontology" / "kcd_ko_en.tsv", "--limit", "1500", "--out", hetop)
    assert run_cli("build", "--source", "hetop", *args).returncode == 0
    texts = pl.read_parquet(hetop / "data" / "text" / "*.parquet")
    korean = texts.filter(pl.col("lang") == "ko").sort("id")["text"].to_list()
    original = korean[7]
    words = original.split()
    copy = " ".join(words[:3] + words[4 : int(len(words) * 0.85)])
    edited = _files_build(tmp_path, "edited", [{"text": copy, "lang": "ko"}])
    out = tmp_path / "dedup"
    assert run_cli("dedup", hetop, edited, "--out", out).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["text"] == texts.height  # every concept kept, the copy gone
    clusters = pl.read_parquet(out / "dedup" / "clusters.parquet").filter(pl.col("kind") == "text")
    assert clusters.height == 1
    kept = texts.filter(pl.col("id") == clusters["kept_id"][0])["text"][0]
    assert kept == original


def test_records_of_a_terminology_are_never_near_duplicates_of_each_other(tmp_path):
    """hetop makes each record a distinct item (a concept x task x language): sibling codes'
    translations (M54.04 / M54.05) and a lookup and its inverse look alike to MinHash, but
    only their exact copies may go."""
    from corpus.dedup.records import Records
    from corpus.dedup.run import DedupOptions, dedup_kind
    from corpus.dedup.shards import content

    hetop = tmp_path / "kcd"
    args = ("--input", DATA / "ontology" / "kcd_ko_en.tsv", "--limit", "1500", "--out", hetop)
    assert run_cli("build", "--source", "hetop", *args).returncode == 0
    out = tmp_path / "dedup"
    assert run_cli("dedup", hetop, "--out", out).returncode == 0
    clusters = pl.read_parquet(out / "dedup" / "clusters.parquet")
    assert set(clusters["match"]) <= {"exact"}
    rows = pq.read_table(hetop / "data" / "instruct").to_pylist()
    records = Records()  # the same records, not known to be distinct items
    for row in rows:
        records.add(
            0, {"id": row["id"], "source": "other", "lang": row["lang"]}, content("instruct", row)
        )
    near = dedup_kind(records, DedupOptions()).match == "near"
    assert near.any()  # alike enough to merge, but for what hetop says of its records
    records.close()


def test_different_questions_on_one_article_are_not_copies(literature, tmp_path):
    """A MEDLINE citation gives a title question, a MeSH question and a title translated both
    ways: they share the abstract's words, but each asks something else."""
    from corpus.dedup.records import Records
    from corpus.dedup.run import DedupOptions, dedup_kind
    from corpus.dedup.shards import content

    out = tmp_path / "dedup"
    assert run_cli("dedup", literature, "--out", out).returncode == 0
    rows = pq.read_table(literature / "data" / "instruct").to_pylist()
    by_id = {row["id"]: row for row in rows}
    near = pl.read_parquet(out / "dedup" / "clusters.parquet").filter(pl.col("match") == "near")
    for kept, dropped in zip(near["kept_id"], near["dropped_ids"], strict=True):
        for other in dropped:
            assert by_id[kept]["source_id"] != by_id[other]["source_id"]
    records = Records()  # the same records, saying nothing of what they are about
    for row in rows:
        records.add(
            0, {"id": row["id"], "source": "x", "lang": row["lang"]}, content("instruct", row)
        )
    clusters = dedup_kind(records, DedupOptions())
    items = [row["source_id"] for row in rows]
    same_item = [c for c in clusters if c.match == "near" and items[c.kept] == items[c.dropped[0]]]
    assert same_item  # alike enough to merge, but for what each record says it asks
    records.close()


def test_identifiers_tell_siblings_from_copies():
    from corpus.dedup.minhash import conflicting, same_identifiers
    from corpus.dedup.shingles import identifiers

    a = identifiers("Rheumatoid vasculitis, upper arm (M05.32), see HP:0001250, 2016.")
    sibling = identifiers("Rheumatoid vasculitis, forearm (M05.33), see HP:0001250, 2016.")
    truncated = identifiers("Rheumatoid vasculitis, upper arm (M05.32), see")
    assert conflicting(a, sibling) and not same_identifiers(a, sibling)
    assert not conflicting(a, truncated) and same_identifiers(a, truncated)
    assert identifiers("M05.32은 류마티스").tolist() == identifiers("m05.32").tolist()
    assert identifiers("no digits here").size == 0


def test_workers_and_executor_give_the_same_clusters(literature, tmp_path):
    edited = _files_build(
        tmp_path,
        "edited",
        [{"text": r["text"].replace(". ", ".\n"), "lang": "en"} for r in _abstracts(literature, 5)],
    )
    outputs = []
    runs = {"w1": ["--workers", "1"], "w2": ["--workers", "2"]}
    runs["local"] = ["--executor", "local", "--tasks", "3", "--workers", "2"]
    for name, options in runs.items():
        out = tmp_path / name
        result = run_cli("dedup", literature, edited, "--out", out, *options)
        assert result.returncode == 0, result.stderr
        outputs.append(out)
        assert not (tmp_path / f".{name}.dedup").exists()  # the work folder is removed
    one, *others = (pq.read_table(o / "dedup" / "clusters.parquet") for o in outputs)
    assert one.num_rows >= 5 and all(one.equals(other) for other in others)
    kept = [pq.read_table(o / "data" / "text").column("id").to_pylist() for o in outputs]
    assert kept[0] == kept[1] == kept[2]


def test_an_interrupted_dedup_reuses_its_fingerprints(literature, tmp_path, monkeypatch):
    from corpus.dedup import shards
    from corpus.dedup.run import DedupOptions, dedup, work_spec
    from corpus.manifest import read_manifest
    from corpus.writer import reuse_work

    out = tmp_path / "out"
    work = tmp_path / ".out.dedup"
    # what an interrupted run left: the spec and the text shards
    reuse_work(work, work_spec([read_manifest(literature)]))
    made = list(shards.shards([literature], "text", work))
    assert made
    expected = sum(len(np.load(piece)["id"]) for *_, piece, _ in made)

    def refuse(path, kind, target):
        assert kind != "text", f"{path} fingerprinted again"
        return real(path, kind, target)

    real = shards.fingerprint_part
    monkeypatch.setattr(shards, "fingerprint_part", refuse)
    manifest = dedup([literature], out, DedupOptions())
    assert manifest["counts"]["text"] == expected
    assert not work.exists()


def test_executor_fingerprints_resume_and_give_the_same_clusters(literature, tmp_path, monkeypatch):
    from datatrove.executor import LocalPipelineExecutor

    from corpus.dedup import shards
    from corpus.dedup.run import DedupOptions, dedup, work_folder, work_spec
    from corpus.executors import LOGS, ExecutorOptions
    from corpus.manifest import read_manifest
    from corpus.writer import reuse_work

    edited = _files_build(
        tmp_path,
        "edited",
        [{"text": r["text"].replace(". ", ".\n"), "lang": "en"} for r in _abstracts(literature, 5)],
    )
    inputs = [literature, edited]
    plain = dedup(inputs, tmp_path / "plain", DedupOptions())
    out = tmp_path / "sharded"
    work = work_folder(out)
    reuse_work(work, work_spec([read_manifest(folder) for folder in inputs]))
    task = shards.FingerprintTask([folder.resolve() for folder in inputs], work)
    # an interrupted run: rank 0 of 2 finished
    LocalPipelineExecutor(
        pipeline=[task], tasks=2, workers=1, local_tasks=1, logging_dir=str(work / LOGS)
    ).run()
    finished = {p.name for p in work.glob("*.done")}
    assert finished

    def refuse(path, kind, done):
        assert done.name not in finished, f"{path} fingerprinted again"
        made.append(done.name)
        return real(path, kind, done)

    made: list[str] = []
    real = shards.fingerprint_part
    monkeypatch.setattr(shards, "fingerprint_part", refuse)
    manifest = dedup(inputs, out, DedupOptions(), executor=ExecutorOptions("local", 2, 1))
    assert made  # rank 1 ran this time
    assert manifest["counts"] == plain["counts"] and manifest["dedup"] == plain["dedup"]
    for name in ("dedup/clusters.parquet", "data/text"):
        assert pq.read_table(out / name).equals(pq.read_table(tmp_path / "plain" / name))
    assert not work.exists()


def test_dedup_on_slurm_needs_its_options_and_sbatch(literature, tmp_path):
    check_slurm_refused("dedup", literature, "--out", tmp_path / "out", "--executor", "slurm")
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.dedup").exists()


def test_components_label_each_node_with_the_smallest_of_its_cluster():
    from corpus.dedup.clusters import components

    rng = np.random.default_rng(0)
    for _ in range(100):
        count = int(rng.integers(2, 50))
        edges = rng.integers(0, count, size=(int(rng.integers(1, 60)), 2))
        neighbours: dict[int, set[int]] = {i: set() for i in range(count)}
        for a, b in edges.tolist():
            neighbours[a].add(b)
            neighbours[b].add(a)
        expected = np.empty(count, dtype=np.int64)
        for start in range(count):  # breadth-first: the component of `start`
            seen, frontier = {start}, [start]
            while frontier:
                frontier = [n for node in frontier for n in neighbours[node] - seen]
                seen.update(frontier)
            expected[start] = min(seen)
        assert components(count, edges).tolist() == expected.tolist()


def test_stores_read_back_what_was_written(tmp_path, monkeypatch):
    from corpus.dedup import store

    monkeypatch.setattr(store, "BUFFER", 7)  # sets looked up across many blocks
    rng = np.random.default_rng(1)
    sets = [
        rng.integers(0, 1 << 62, size=int(rng.integers(0, 9)), dtype=np.uint64) for _ in range(50)
    ]
    saved = store.SetStore(tmp_path)
    for start in range(0, 50, 6):
        part = sets[start : start + 6]
        saved.extend(np.concatenate(part), np.array([s.size for s in part]))
    values, sizes = saved.read(10, 20)
    assert sizes.tolist() == [s.size for s in sets[10:20]]
    assert values.tolist() == np.concatenate(sets[10:20]).tolist()
    wanted = np.array([0, 3, 17, 49])
    assert {k: v.tolist() for k, v in saved.sets(wanted).items()} == {
        i: sets[i].tolist() for i in wanted.tolist()
    }
    buckets = store.Buckets(3, 2, tmp_path)
    rows = rng.integers(0, 1000, size=(100, 2)).astype(np.uint64)
    buckets.add(rows[:60])
    buckets.add(rows[60:])
    read = list(buckets)
    assert sum(len(b) for b in read) == 100
    assert all((b[:, 0] % 3 == number).all() for number, b in enumerate(read))
    assert sorted(map(tuple, np.concatenate(read).tolist())) == sorted(map(tuple, rows.tolist()))


def test_a_short_record_cut_or_given_a_line_stays_similar_enough():
    from corpus.dedup.minhash import MinHashOptions, jaccard, similar_enough

    options = MinHashOptions()
    record = np.arange(30, dtype=np.uint64)  # a short verbalization's shingles
    cut = record[:14]  # its end cut off: every shingle left is the record's
    boilerplate = np.arange(30 + 40, dtype=np.uint64)  # a copyright line appended
    sibling = np.r_[record[:14], np.arange(100, 108, dtype=np.uint64)]
    for copy in (cut, boilerplate):
        score = jaccard(record, copy)
        assert score < options.threshold and similar_enough(record, copy, score, options)
    assert not similar_enough(record, sibling, jaccard(record, sibling), options)
    tiny = record[:8]  # too few shingles to judge by containment
    assert not similar_enough(record[:20], tiny, jaccard(record[:20], tiny), options)
    far = record[:10]  # contained, but a third of it: below the floor
    assert not similar_enough(record, far, jaccard(record, far), options)


def test_a_copy_that_lost_its_code_does_not_chain_its_originals_siblings():
    """Found on seed 2 of the quality benchmark: an edited copy of KCD's M90.46 that lost its
    code is near its original and near the siblings M90.40, M90.42, M90.43; connected
    components merged all five. The copy goes with its original; the siblings stay."""
    from corpus.dedup.run import DedupOptions, Records, dedup_kind

    template = (
        "헤모글로빈병증에 의한 골괴사(D50-D64†), {ko}는 한국표준질병·사인분류(KCD)의 개념이며, "
        "코드는 {code}이다. 헤모글로빈병증에 의한 골괴사(D50-D64†)의 한 종류이다. 다른 언어로는 "
        "영어로 “Osteonecrosis due to haemoglobinopathy(D50-D64†), {en}”라고 한다."
    )
    sites = [
        ("여러 부위", "M90.40", "multiple sites"),
        ("위팔", "M90.42", "upper arm"),
        ("아래팔", "M90.43", "forearm"),
        ("아래다리", "M90.46", "lower leg"),
    ]
    texts = [template.format(ko=ko, code=code, en=en) for ko, code, en in sites]
    copy = (  # the benchmark's "delete" edit of M90.46: the code went with the deleted words
        "의한 골괴사(D50-D64†), 아래다리는 한국표준질병·사인분류(KCD)의 its 개념이며, 코드는 "
        "헤모글로빈병증에 의한 한 종류이다. 다른 언어로는 영어로 “Osteonecrosis due to "
        "haemoglobinopathy(D50-D64†), lower leg”라고 한다."
    )
    records = Records()
    for i, text in enumerate([*texts, copy]):
        records.add(0, {"id": f"{i:02d}", "source": "bench", "lang": "ko"}, text)
    clusters = list(dedup_kind(records, DedupOptions()))
    records.close()
    assert [(c.kept, c.dropped) for c in clusters] == [(3, [4])]
