"""Every bad input: one line `error: PATH[:LINE]: …`, exit 2, no traceback, no output left."""

import gzip
import os
import stat
from dataclasses import replace

import pytest
from corpus.sources import InputFile, SourceOptions

from corpus.build import build
from corpus.errors import CorpusError
from corpus.filters import FilterOptions
from corpus.writer import OUTPUT_MARKER
from tests.conftest import DATA, ONTOLOGY, run_cli, write_babelon

BOMB = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><x>&c;</x></rdf:RDF>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY secret SYSTEM "file://{target}">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/X_1"><rdfs:label>&secret;</rdfs:label></rdf:Description>
</rdf:RDF>
"""

# OWL's own XML syntax, which is no RDF (ROBOT converts it)
OWL_XML = """<?xml version="1.0"?>
<Ontology xmlns="http://www.w3.org/2002/07/owl#" ontologyIRI="http://example.org/o">
  <Declaration><Class IRI="http://example.org/A"/></Declaration>
</Ontology>
"""
BAD_NESTING = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:owl="http://www.w3.org/2002/07/owl#">
  <owl:Class rdf:about="http://example.org/A">
    <owl:x><owl:A/><owl:B/></owl:x>
  </owl:Class>
</rdf:RDF>
"""


def _truncated_gz(tmp_path):
    data = gzip.compress((ONTOLOGY / "hp_sample.obo").read_bytes())
    path = tmp_path / "hp.obo.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_ttl_gz(tmp_path):
    data = gzip.compress((ONTOLOGY / "hp_sample-fr.synonyms.ttl").read_bytes())
    path = tmp_path / "syn.ttl.gz"  # rdflib's input is read whole: the cut is met there
    path.write_bytes(data[: len(data) // 2])
    return path


CASES = {
    "missing": (lambda p: p / "nope.obo", "no such file", None),
    "unknown_format": (lambda p: _write(p / "x.json", "{}"), "unknown format", None),
    "obo_malformed_line": (
        lambda p: _write(p / "x.obo", "[Term]\nid: X:1\nname: one\nwhat is this\n"),
        "malformed line",
        4,
    ),
    "tsv_missing_column": (
        lambda p: _write(
            p / "t.babelon.tsv", "subject_id\tpredicate_id\ttranslation_value\nX:1\trdfs:label\tx\n"
        ),
        "missing required column",
        1,
    ),
    "external_entity": (
        lambda p: _write(
            p / "x.owl", EXTERNAL.format(target=_write(p / "secret.txt", "TOP SECRET"))
        ),
        "external entity 'secret'",
        3,
    ),
    "entity_bomb": (lambda p: _write(p / "bomb.rdf", BOMB), "entity bomb", 4),
    "owl_xml_syntax": (lambda p: _write(p / "x.owl", OWL_XML), "OWL/XML syntax", None),
    "rdfxml_bad_nesting": (  # rdflib's message opens "None:5:…": the line is said once
        lambda p: _write(p / "x.rdf", BAD_NESTING),
        "invalid RDF/XML: Repeat node-elements inside property elements",
        5,
    ),
    "truncated_gz": (_truncated_gz, "truncated or corrupt gzip", None),
    "truncated_rdf_gz": (_truncated_ttl_gz, "truncated or corrupt gzip", None),
    "not_utf8": (
        lambda p: _write_bytes(p / "x.obo", b"[Term]\nid: X:1\nname: caf\xe9\n"),
        "not valid UTF-8 (byte 0xe9 at column 10); re-encode it as UTF-8",
        3,
    ),
    "zero_concepts": (
        lambda p: _write(p / "empty.obo", "format-version: 1.2\n"),
        "no concepts",
        None,
    ),
    "translations_alone": (  # a Babelon table without the ontology it translates
        lambda p: write_babelon(
            p / "hp-fr.babelon.tsv",
            [("HP:0000001", "rdfs:label", "fr", "Tous"), ("HP:0000005", "rdfs:label", "fr", "M")],
        ),
        "2 translations name concepts no input defines: give the ontology they translate",
        None,
    ),
}


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_cleanly(case, tmp_path):
    make, message, line = CASES[case]
    bad = make(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", "--source", "hetop", "--input", bad, "--out", out)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    prefix = f"error: {bad}:{line}: " if line else f"error: {bad}"
    assert lines[0].startswith(prefix), lines[0]
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert "TOP SECRET" not in result.stderr + result.stdout
    assert not out.exists()
    assert not list(tmp_path.glob(".corpus-tmp-*"))


def test_failed_rebuild_keeps_the_old_output(tmp_path):
    out = tmp_path / "out"
    ok = run_cli(
        "build", "--source", "hetop", "--input", ONTOLOGY / "DO_cancer_slim.obo", "--out", out
    )
    assert ok.returncode == 0, ok.stderr
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = _write(tmp_path / "x.obo", "[Term]\nid: X:1\nbroken\n")
    result = run_cli("build", "--source", "hetop", "--input", bad, "--out", out)
    assert result.returncode == 2
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".corpus-tmp-*"))


def test_an_out_that_corpus_did_not_write_is_refused_and_left_as_it_was(tmp_path):
    """`--out .` or `--out notes.txt` by mistake: replacing it would delete what it holds."""
    folder = tmp_path / "papers"
    folder.mkdir()
    _write(folder / "draft.txt", "mine")
    file = _write(tmp_path / "notes.txt", "mine too")
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    for out in (folder, file):
        result = run_cli("build", "--source", "hetop", "--input", obo, "--out", out)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"error: {out}: --out ")
        assert len(result.stderr.strip().splitlines()) == 1
    dataset = tmp_path / "dataset"
    built = run_cli("build", "--source", "hetop", "--input", obo, "--out", dataset)
    assert built.returncode == 0, built.stderr
    mixed = run_cli("mix", dataset, "--temperature", "1", "--out", folder)
    assert mixed.returncode == 2 and mixed.stderr.startswith(f"error: {folder}: --out holds")
    assert [p.name for p in folder.iterdir()] == ["draft.txt"]
    assert file.read_text() == "mine too"
    assert not list(tmp_path.glob(".corpus-tmp-*"))


def test_an_input_given_twice_is_refused(tmp_path):
    """Read twice, a MEDLINE file's citations would each make their records twice."""
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    out = tmp_path / "out"
    result = run_cli("build", "--source", "hetop", "--input", obo, "--input", obo, "--out", out)
    assert result.returncode == 2
    expected = f"error: {obo}: given twice as an input (each input is read once)"
    assert result.stderr.strip() == expected
    assert not out.exists()


def test_out_written_by_corpus_is_rebuilt_and_readable_by_others(tmp_path):
    """corpus marks the folders it writes, so a rebuild replaces them (an empty folder too);
    they are created with the user's umask, not mkdtemp's 0700."""
    out = tmp_path / "out"
    out.mkdir()
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    for _ in range(2):
        result = run_cli("build", "--source", "hetop", "--input", obo, "--limit", "5", "--out", out)
        assert result.returncode == 0, result.stderr
        assert (out / OUTPUT_MARKER).is_file()
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_card_of_a_folder_that_is_not_a_dataset(tmp_path):
    result = run_cli("card", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path}: not a dataset built by corpus")


def test_languages_no_input_has_are_named_with_those_it_has(tmp_path):
    out = tmp_path / "out"
    obo = ONTOLOGY / "hp_sample.obo"
    result = run_cli("build", "--source", "hetop", "--input", obo, "--langs", "zz,xx", "--out", out)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "error: --langs xx,zz: no concept has a label in these languages; the inputs have en"
    )
    assert not out.exists()


def test_literature_in_no_kept_language_says_so(tmp_path):
    """lissa keeps --langs while it reads a citation: a build left with nothing says the
    languages did it, not that the inputs made nothing."""
    out = tmp_path / "out"
    medline = DATA / "literature" / "pubmed-29768149.xml"
    result = run_cli(
        "build", "--source", "lissa", "--input", medline, "--langs", "ko", "--out", out
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no records to write: every record was dropped (lissa parts_language_not_allowed 1)"
    )
    assert not out.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_whose_filters_drop_everything_fails_and_says_why(tmp_path, workers):
    out = tmp_path / "out"
    obo = ONTOLOGY / "DO_cancer_slim.obo"
    inputs = [InputFile(obo, obo.name)]
    huge = FilterOptions(min_chars=10**9)
    with pytest.raises(CorpusError, match=r"^no records to write: every record was dropped \("):
        build("hetop", inputs, out, SourceOptions(), workers=workers, filters=huge)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary or work folder left
    kept = build("hetop", inputs, out, SourceOptions(), filters=replace(huge, keep_rejected=True))
    assert kept.counts == {"text": 0, "instruct": 0}  # the rejects are there to be read
    assert list(out.glob("rejected/*/*.parquet"))
