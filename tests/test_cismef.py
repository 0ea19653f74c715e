"""cismef on the real catalogue samples, plus Dublin Core and CSV layouts made here."""

import re

import pyarrow.parquet as pq
import pytest
from corpus.sources.cismef import strip_html
from lxml import etree

from tests.conftest import DATA, build_cli, run_cli

CATALOGUE = DATA / "catalogue"
FILES = sorted(CATALOGUE.glob("*.xml"))


def count(path, tag, **attributes):
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return sum(1 for e in tree.iter(tag) if all(e.get(k) == v for k, v in attributes.items()))


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return build_cli("cismef", tmp_path_factory.mktemp("cat") / "cat", FILES)


def test_one_text_record_per_catalogue_record(catalogue):
    expected = sum(
        count(p, "NLMCatalogRecord") + count(p, "health-topic") + count(p, "MedicalTopic")
        for p in FILES
    )
    text = pq.read_table(catalogue / "data" / "text").to_pylist()
    assert len(text) == expected == 169
    kinds = {r["dataset"] for r in text}
    assert kinds == {"nlm-catalog", "medlineplus-topic", "medlineplus-vocabulary"}


def test_spanish_medlineplus_topics_become_spanish_records(catalogue):
    spanish = count(
        CATALOGUE / "mplus_topics_2012-07-21.xml", "health-topic", language="Spanish"
    ) + count(CATALOGUE / "medline_vocab_2011-04-23_sample.xml", "MedicalTopic", langcode="Spanish")
    text = pq.read_table(catalogue / "data" / "text").to_pylist()
    assert sum(1 for r in text if r["lang"] == "es") == spanish == 14
    dolor = next(r["text"] for r in text if r["text"].startswith("Dolor abdominal"))
    assert "El abdomen se extiende desde abajo del pecho" in dolor


def test_a_topic_is_asked_about_by_name_and_a_catalogued_resource_by_title(catalogue):
    """ "What is “Abdominal Pain”?" is a question; "What is Analysis of medical care
    capability … Final rept?" is not: a book, report or film is asked about as a resource.
    A topic's name is quoted: MedlinePlus writes it in title case, which mid-sentence reads
    "What is Abdominal Pain?", "¿Qué es Dolor abdominal?"."""
    text = {r["source_id"]: r for r in pq.read_table(catalogue / "data" / "text").to_pylist()}
    summaries = [
        r
        for r in pq.read_table(catalogue / "data" / "instruct").to_pylist()
        if r["task"] == "summary"
    ]
    assert {r["dataset"] for r in summaries} == {
        "nlm-catalog",
        "medlineplus-topic",
        "medlineplus-vocabulary",
    }
    for record in summaries:
        title = text[record["source_id"]]["text"].split("\n")[0].rstrip(".")
        prompt = record["messages"][0]["content"]
        if record["dataset"] == "nlm-catalog":
            assert f"“{title}" in prompt and not prompt.startswith("What is " + title[:1])
        else:
            assert re.fullmatch(
                rf"(What is “|Tell me about the health topic “|¿Qué es «|Hábleme del tema de"
                rf" salud «){re.escape(title)}(”\?|”\.|»\?|»\.)",
                prompt,
            )


def test_html_summaries_are_text(catalogue):
    text = pq.read_table(catalogue / "data" / "text").to_pylist()
    assert not any("<p>" in r["text"] or "&lt;" in r["text"] for r in text)
    pain = next(r["text"] for r in text if r["text"].startswith("Abdominal Pain"))
    assert "\n- You have abdominal pain that is sudden and sharp\n" in pain
    assert "Subject headings: Abdominal Pain." in pain


def test_an_item_that_ends_a_sentence_gets_no_second_full_stop(catalogue):
    """NLM's alternate titles end in a period ("ONKEN bulletin, special issue."): the sentence
    listing them must not add another."""
    alternates = [
        e.text.strip()
        for p in FILES
        for e in etree.parse(str(p)).iter("TitleAlternate")
        if e.text and e.text.strip().endswith(".")
    ]
    assert "ONKEN bulletin, special issue." in alternates
    text = pq.read_table(catalogue / "data" / "text").column("text").to_pylist()
    assert any("Also called: ONKEN bulletin, special issue.\n" in t + "\n" for t in text)
    assert not [t for t in text if re.search(r"(?<!\.)\.\.(?!\.)", t)]


def test_catalogue_titles_write_the_colon_as_their_language_does(catalogue):
    """NLM's ISBD " : " before a subtitle reads "Title: subtitle" in prose; a French title
    keeps the space French writes there."""
    records = etree.parse(str(CATALOGUE / "nlm_catplussamp2006_sample.xml")).iter(
        "NLMCatalogRecord"
    )
    spaced = {
        r.findtext("NlmUniqueID").strip(): (r.findtext("Language"), r.findtext("TitleMain/Title"))
        for r in records
        if " : " in (r.findtext("TitleMain/Title") or "")
    }
    assert {lang for lang, _ in spaced.values()} >= {"eng", "fre"}
    text = {
        r["source_id"]: r["text"] for r in pq.read_table(catalogue / "data" / "text").to_pylist()
    }
    for record_id, (lang, title) in spaced.items():
        opening = title.rstrip(" ./")
        said = opening if lang == "fre" else opening.replace(" : ", ": ")
        assert text[record_id].startswith(said), (lang, title)


def test_isbd_marks_closing_a_title_are_not_written(catalogue):
    """NLM titles and series titles end with the mark before the next ISBD area ("Anleitung
    zur Ausübung der Fleischbeschau;", "ESA (Series) ;"): prose ends them with a period."""
    titles = [
        e.text.strip()
        for p in FILES
        for e in etree.parse(str(p)).iter("Title", "TitleAlternate")
        if e.text and e.text.strip().endswith((";", ","))
    ]
    assert "Anleitung zur Ausübung der Fleischbeschau;" in titles and "ESA (Series) ;" in titles
    text = "\n".join(pq.read_table(catalogue / "data" / "text").column("text").to_pylist())
    assert "Anleitung zur Ausübung der Fleischbeschau.\n" in text + "\n"
    assert "ESA (Series)" in text
    assert not re.search(r"[;,:] ?[.;]($|\n)", text)


def test_strip_html_drops_scripts_and_keeps_structure():
    markup = (
        "<p>One <b>bold</b> line.</p><script>alert(1)</script>"
        "<ul><li>first</li><li>second</li></ul>"
    )
    assert strip_html(markup) == "One bold line.\n- first\n- second"


def test_subject_heading_questions(catalogue):
    instruct = pq.read_table(catalogue / "data" / "instruct").to_pylist()
    record = next(
        r for r in instruct if r["task"] == "subject_headings" and r["source_id"] == "0000221"
    )
    tree = etree.parse(
        str(CATALOGUE / "nlm_sersamp2006_sample.xml"), etree.XMLParser(resolve_entities=False)
    )
    first = next(tree.iter("NLMCatalogRecord"))
    headings = [d.text for d in first.iterfind("MeshHeadingList/MeshHeading/DescriptorName")]
    assert record["messages"][1]["content"].splitlines() == headings
    prompt = record["messages"][0]["content"]
    assert prompt == prompt.rstrip()  # a serial has no summary: nothing dangles after its title


OAI = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
 <ListRecords>
  <record><metadata>
   <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>Diabète de type 2</dc:title>
    <dc:description>Maladie chronique caractérisée par une hyperglycémie.</dc:description>
    <dc:subject>Diabète</dc:subject><dc:subject>Glycémie</dc:subject>
    <dc:language>fre</dc:language><dc:identifier>urn:cismef:1</dc:identifier>
   </oai_dc:dc>
  </metadata></record>
  <record><metadata>
   <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>No language here</dc:title>
   </oai_dc:dc>
  </metadata></record>
 </ListRecords>
</OAI-PMH>
"""


def test_dublin_core_in_oai_pmh(tmp_path):
    source = tmp_path / "oai.xml"
    source.write_text(OAI, encoding="utf-8")
    out = tmp_path / "dc"
    result = run_cli("build", "--source", "cismef", "--input", source, "--out", out)
    assert result.returncode == 0, result.stderr
    text = pq.read_table(out / "data" / "text").to_pylist()
    # the second record states no language: it is detected (a short English title)
    assert [(r["lang"], r["source_id"]) for r in text] == [
        ("fr", "urn:cismef:1"),
        ("en", "line-13"),
    ]
    assert "Descripteurs : Diabète; Glycémie." in text[0]["text"]
    manifest = (out / "manifest.json").read_text()
    assert '"detected_en": 1' in manifest


def test_csv_export_with_columns(tmp_path):
    source = tmp_path / "export.csv"
    source.write_text(
        "ref,titre,resume,mots,langue\nA1,Asthme,Maladie des bronches.,Asthme|Bronches,fr\n",
        encoding="utf-8",
    )
    out = tmp_path / "csv"
    result = run_cli(
        "build",
        "--source",
        "cismef",
        "--input",
        source,
        "--out",
        out,
        "--columns",
        "id=ref,title=titre,description=resume,subjects=mots,lang=langue",
    )
    assert result.returncode == 0, result.stderr
    text = pq.read_table(out / "data" / "text").to_pylist()
    assert text[0]["text"] == "Asthme.\nMaladie des bronches.\nDescripteurs : Asthme; Bronches."


def test_malformed_catalogue_xml(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<NLMCatalogRecordSet>\n<NLMCatalogRecord>\n<Title>x</Titl>\n")
    result = run_cli("build", "--source", "cismef", "--input", bad, "--out", tmp_path / "out")
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad}:3: invalid XML")


def test_medline_given_to_cismef_is_named_with_its_root(tmp_path):
    """MEDLINE citations hold no catalogue record: the file is named with its root element,
    not built into an empty dataset's "no records to write"."""
    medline = DATA / "literature" / "medsamp2006_sample.xml"
    out = tmp_path / "out"
    inputs = ("--input", FILES[0], "--input", medline)
    result = run_cli("build", "--source", "cismef", *inputs, "--out", out)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {medline}: no catalogue record: its root element is <MedlineCitationSet>"
    )
    assert "<MedicalTopic> or <oai_dc:dc>" in result.stderr
    assert not out.exists()
