"""lissa on the real MEDLINE samples: counts against lxml, languages, instructions, bad input."""

import gzip
import json
from itertools import pairwise

import pyarrow.parquet as pq
import pytest
from corpus.sources import InputFile, SourceOptions, get_source
from corpus.sources.lissa import LANGUAGES, RECORD_TAGS, english_title, iter_citations
from lxml import etree

from corpus import xml_ranges
from corpus.errors import InputError
from corpus.safe_xml import safe_parser, safe_transform
from corpus.textio import open_binary
from corpus.xml_ranges import iter_documents, xml_layout
from tests.conftest import DATA, build_cli, run_cli

LITERATURE = DATA / "literature"
FILES = ["medsamp2006_sample.xml", "medline16n0902_sample.xml.gz", "pubmed-29768149.xml"]


def parse(name):
    return parse_path(LITERATURE / name)


def parse_path(path):
    name = path.name
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


@pytest.fixture(scope="module")
def literature(tmp_path_factory):
    return build_cli(
        "lissa", tmp_path_factory.mktemp("lit") / "lit", [LITERATURE / f for f in FILES]
    )


def rows(folder, kind):
    return pq.read_table(folder / "data" / kind).to_pylist()


def test_counts_match_lxml_minus_counted_drops(literature):
    citations = sum(len(parse(name).findall(".//MedlineCitation")) for name in FILES)
    steps = json.loads((literature / "manifest.json").read_text())["steps"]["lissa"]
    assert steps["citations"] == citations == 364
    english = [r for r in rows(literature, "text") if r["lang"] == "en"]
    dropped = sum(
        v
        for k, v in steps.items()
        if k in ("dropped_no_abstract", "dropped_placeholder_title", "dropped_placeholder_abstract")
    )
    assert len(english) == citations - dropped
    with_abstract = sum(
        1
        for name in FILES
        for c in parse(name).iter("MedlineCitation")
        if c.find("Article/Abstract") is not None
        and "".join(c.find("Article/Abstract").itertext()).strip()
    )
    assert len(english) == with_abstract  # no placeholder titles among these samples


def test_vernacular_titles_become_records_in_their_language(literature):
    text = rows(literature, "text")
    by_lang = {}
    for record in text:
        by_lang.setdefault(record["lang"], []).append(record["text"])
    assert any(t.startswith("Célébration du CL Anniversaire") for t in by_lang["fr"])
    assert any(t.startswith("Fisiopatología de las modificaciones") for t in by_lang["es"])
    assert any(t.startswith("Wpływ przebiegu rozwoju") for t in by_lang["pl"])
    italian = sum(
        1
        for c in parse("medline16n0902_sample.xml.gz").iter("MedlineCitation")
        if c.findtext("Article/VernacularTitle") and c.findtext("Article/Language") == "ita"
    )
    assert len(by_lang["it"]) == italian == 18
    assert "ko" not in by_lang  # the Korean-language record has only an English title
    # MEDLINE says "und" for this German title: language identification tells
    assert any(t.startswith("Zur Pharmakologie der Phosphorsäureester") for t in by_lang["de"])
    steps = json.loads((literature / "manifest.json").read_text())["steps"]["langid"]
    assert steps == {"detected_de": 1}


def test_structured_abstracts_keep_labels_and_placeholders_are_dropped(literature):
    text = {r["source_id"]: r["text"] for r in rows(literature, "text") if r["lang"] == "en"}
    assert "BACKGROUND: " in text["29768149"] and "\nMETHODS: " in text["29768149"]
    # PubMed's UNLABELLED is no label: its text is kept, the word is not
    unlabelled = {
        c.findtext("PMID"): _collapsed(c.find('Article/Abstract/AbstractText[@Label="UNLABELLED"]'))
        for c in parse("medline16n0902_sample.xml.gz").iter("MedlineCitation")
        if c.find('Article/Abstract/AbstractText[@Label="UNLABELLED"]') is not None
    }
    assert len(unlabelled) >= 5
    for pmid, body in unlabelled.items():
        assert "UNLABELLED" not in text[pmid] and body in text[pmid]
    assert not any(
        "Abstract available from the publisher" in r["text"] for r in rows(literature, "text")
    )


def test_instructions_title_mesh_and_translation(literature):
    citation = next(
        c
        for c in parse("medsamp2006_sample.xml").iter("MedlineCitation")
        if c.findtext("PMID") == "10540283"
    )
    instruct = [r for r in rows(literature, "instruct") if r["source_id"] == "10540283"]
    by_task = {r["task"]: r["messages"] for r in instruct}
    assert by_task["title"][1]["content"] == citation.findtext("Article/ArticleTitle")
    descriptors = [
        d
        for h in citation.iterfind("MeshHeadingList/MeshHeading")
        if not (d := h.findtext("DescriptorName")).startswith("Research Support, ")
    ]
    answer = by_task["mesh"][1]["content"].splitlines()
    assert [line.lstrip("*").split("/")[0] for line in answer] == descriptors
    # the stars the answers carry are asked for, in every phrasing
    meshes = [r["messages"] for r in rows(literature, "instruct") if r["task"] == "mesh"]
    assert any(line.startswith("*") for m in meshes for line in m[1]["content"].splitlines())
    assert all("*" in m[0]["content"].split("\n\n")[0] for m in meshes)
    pairs = [r for r in rows(literature, "instruct") if r["task"] == "translation"]
    french = [r for r in pairs if json.loads(r["meta"])["source_lang"] == "fr"]
    assert french and french[0]["lang"] == "fr"
    assert french[0]["messages"][1]["content"].startswith("150th Anniversary Celebration")


def test_funding_headings_are_no_subject_of_the_mesh_question(literature):
    """NLM's 2006 sample lists "Research Support, Non-U.S. Gov't" among an article's MeSH
    headings: a publication type, not a subject. The mesh question leaves it out (counted);
    the text's meta keeps every heading, as the file has them."""
    asked = {r["source_id"] for r in rows(literature, "instruct") if r["task"] == "mesh"}
    funding = [
        d.text
        for c in parse("medsamp2006_sample.xml").iter("MedlineCitation")
        if c.findtext("PMID") in asked
        for d in c.iterfind("MeshHeadingList/MeshHeading/DescriptorName")
        if d.text.startswith("Research Support, ")
    ]
    assert len(funding) > 10
    steps = json.loads((literature / "manifest.json").read_text())["steps"]["lissa"]
    assert steps["mesh_funding_headings_left_out"] == len(funding)
    answers = [
        line.lstrip("*").split("/")[0]
        for r in rows(literature, "instruct")
        if r["task"] == "mesh"
        for line in r["messages"][1]["content"].splitlines()
    ]
    assert not [line for line in answers if line.startswith("Research Support, ")]
    kept = [
        h["descriptor"]
        for r in rows(literature, "text")
        for h in json.loads(r["meta"]).get("mesh", [])
        if h["descriptor"].startswith("Research Support, ")
    ]
    assert sorted(kept) == sorted(funding)


def test_english_title_unbrackets_translated_titles():
    assert english_title("[Vaccines are drugs].") == "Vaccines are drugs."
    assert english_title("[Effect of growth on disease]") == "Effect of growth on disease."
    assert (
        english_title("Hyperpolarized [2-13C]dihydroxyacetone.")
        == "Hyperpolarized [2-13C]dihydroxyacetone."
    )


def _collapsed(element):
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _sections(abstract):
    parts = []
    for section in abstract.findall("AbstractText") if abstract is not None else ():
        body, label = _collapsed(section), (section.get("Label") or "").strip()
        label = "" if label == "UNLABELLED" else label  # PubMed's word for no label
        if body:
            parts.append(f"{label.upper()}: {body}" if label else body)
    return "\n".join(parts)


def reference_citation(element):
    """What a citation says, read field by field with lxml's ElementPath (not the stylesheet)."""
    found = {"pmid": element.findtext("PMID").strip()}
    article = element.find("Article")
    if article is None:
        return found
    date = article.find("Journal/JournalIssue/PubDate")
    year = date.findtext("Year") or (date.findtext("MedlineDate") or "")[:4]
    others = [
        (LANGUAGES[other.get("Language")], _sections(other))
        for other in element.findall("OtherAbstract")
        if other.get("Language") in LANGUAGES and _sections(other)
    ]
    mesh = [
        {
            "descriptor": _collapsed(heading.find("DescriptorName")),
            "major": "Y" in [x.get("MajorTopicYN") for x in heading],
            "qualifiers": [_collapsed(q) for q in heading.findall("QualifierName")],
        }
        for heading in element.findall("MeshHeadingList/MeshHeading")
    ]
    keywords = [_collapsed(k) for k in element.findall("KeywordList/Keyword")]
    return found | {
        "title": english_title(_collapsed(article.find("ArticleTitle"))),
        "abstract": _sections(article.find("Abstract")),
        "languages": [x.text.strip().lower() for x in article.findall("Language")],
        "vernacular_title": _collapsed(article.find("VernacularTitle")),
        "other_abstracts": others,
        "mesh": mesh,
        "keywords": [k for k in keywords if k],
        "journal": _collapsed(article.find("Journal/Title")),
        "year": year.strip(),
        "publication_types": [
            _collapsed(x) for x in article.findall("PublicationTypeList/PublicationType")
        ],
    }


@pytest.mark.parametrize("name", FILES)
def test_every_field_of_every_citation_matches_lxml(name):
    expected = [reference_citation(c) for c in parse(name).iter("MedlineCitation")]
    citations = list(iter_citations(LITERATURE / name))
    assert len(citations) == len(expected) > 0
    for citation, fields in zip(citations, expected, strict=True):
        assert {key: getattr(citation, key) for key in fields} == fields
    assert any(c.mesh for c in citations) and any(c.abstract for c in citations)


def test_markup_and_unicode_spaces_inside_fields(tmp_path):
    path = tmp_path / "tricky.xml"
    path.write_text(
        "<MedlineCitationSet><MedlineCitation><PMID> 7 </PMID><Article>"
        "<Journal><Title>J\u00a0Med</Title><JournalIssue><PubDate><MedlineDate>1998 Dec-1999"
        "</MedlineDate></PubDate></JournalIssue></Journal>"
        "<ArticleTitle>[<i>In vivo</i> <b>study</b>\tof\u2009cells]</ArticleTitle>"
        "<Abstract><AbstractText Label=' aims\t'>One\n <sup>2</sup> three</AbstractText>"
        "<AbstractText Label='EMPTY'> </AbstractText></Abstract>"
        "<Language>FRE</Language><Language></Language><VernacularTitle>Étude</VernacularTitle>"
        "</Article><OtherAbstract Language='spa'><AbstractText>Uno</AbstractText></OtherAbstract>"
        "<OtherAbstract Language='xyz'><AbstractText>?</AbstractText></OtherAbstract>"
        "<MeshHeadingList><MeshHeading><DescriptorName>Cells</DescriptorName>"
        "<QualifierName MajorTopicYN='Y'>physiology</QualifierName></MeshHeading>"
        "<MeshHeading><QualifierName>orphan</QualifierName></MeshHeading></MeshHeadingList>"
        "</MedlineCitation><MedlineCitation><PMID>8</PMID></MedlineCitation></MedlineCitationSet>",
        encoding="utf-8",
    )
    first, second = iter_citations(path)
    assert first.title == "In vivo study of cells."
    assert first.abstract == "AIMS: One 2 three"
    assert (first.journal, first.year, first.languages) == ("J Med", "1998", ["fre", ""])
    assert first.vernacular_title == "Étude" and first.other_abstracts == [("es", "Uno")]
    assert first.mesh == [{"descriptor": "Cells", "major": True, "qualifiers": ["physiology"]}]
    assert (second.pmid, second.title, second.mesh) == ("8", "", [])


def test_an_error_past_the_first_document_names_the_files_line(tmp_path):
    data = pubmed_set(tmp_path / "set.xml", 60).read_bytes()  # > 1 MiB: several documents
    cut = data.rindex(b"</PubmedArticle>")
    data = data[:cut] + data[cut + len(b"</PubmedArticle>") :]
    with pytest.raises(etree.XMLSyntaxError) as whole:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, load_dtd=False))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(data)
    with pytest.raises(InputError) as ours:
        list(iter_citations(bad))
    assert ours.value.line == whole.value.lineno > 10_000


def test_a_file_that_cannot_be_cut_is_read_record_by_record(tmp_path):
    data = (LITERATURE / "medsamp2006_sample.xml").read_bytes()
    root_end = data.index(b">", data.index(b"<MedlineCitationSet")) + 1
    padded = tmp_path / "padded.xml"  # no citation within the first MiB: no layout to cut at
    padded.write_bytes(data[:root_end] + b"<!--" + b"x" * (1 << 20) + b"-->" + data[root_end:])
    assert xml_layout(padded) is None
    whole = list(iter_citations(LITERATURE / "medsamp2006_sample.xml"))
    assert list(iter_citations(padded)) == whole and len(whole) == 63


def test_same_build_twice_is_identical(tmp_path, literature):
    out = build_cli("lissa", tmp_path / "again", [LITERATURE / f for f in FILES])
    for kind in ("text", "instruct"):
        assert pq.read_table(out / "data" / kind).equals(pq.read_table(literature / "data" / kind))


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("<MedlineCitationSet>\n<MedlineCitation>\n<PMID>1</PMID>\n</Oops>\n", 4, "invalid XML"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [\n<!ENTITY e SYSTEM "file:///etc/hostname">\n]>\n<x>&e;</x>\n',
            3,
            "external entity",
        ),
    ],
)
def test_bad_xml_fails_with_its_line(tmp_path, content, line, message):
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    result = run_cli("build", "--source", "lissa", "--input", bad, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:{line}: ") and message in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_other_xml_is_refused_with_its_root_element(tmp_path, workers):
    """A MedlinePlus export given to lissa holds no citation: it is named, with its root, not
    built into an empty dataset's "no records to write"."""
    other = DATA / "catalogue" / "mplus_topics_2012-07-21.xml"
    inputs = ("--input", LITERATURE / "medsamp2006_sample.xml", "--input", other)
    out = tmp_path / "out"
    result = run_cli("build", "--source", "lissa", *inputs, "--workers", workers, "--out", out)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {other}: not PubMed/MEDLINE XML: its root element is <health-topics>, not"
        " <PubmedArticleSet> or <MedlineCitationSet> (`corpus sources` lists what each source"
        " reads)"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("workers", "name"),
    [
        ("1", "medline16n0902_sample.xml.gz"),
        ("2", "medline16n0902_sample.xml.gz"),  # the cut is met placing the ranks' shares
        ("1", "medsamp2006_sample.xml"),  # cut within the first MiB, read for its DOCTYPE
    ],
)
def test_truncated_gzip_fails_cleanly(tmp_path, workers, name):
    data = (LITERATURE / name).read_bytes()
    data = data if name.endswith(".gz") else gzip.compress(data)
    bad = tmp_path / "cut.xml.gz"
    bad.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    result = run_cli(
        "build", "--source", "lissa", "--input", bad, "--out", out, "--workers", workers
    )
    assert result.returncode == 2 and "truncated or corrupt gzip" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / ".out.work").exists()


def test_workers_give_the_same_records(tmp_path, literature):
    out = build_cli("lissa", tmp_path / "two", [LITERATURE / f for f in FILES], "--workers", "2")
    for kind in ("text", "instruct"):  # the module build ran in one process
        assert pq.read_table(out / "data" / kind).equals(pq.read_table(literature / "data" / kind))


def test_an_error_in_a_worker_reaches_the_user_unchanged(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<MedlineCitationSet>\n<MedlineCitation>\n</Oops>\n")
    result = run_cli(
        "build",
        "--source",
        "lissa",
        "--workers",
        "2",
        "--input",
        LITERATURE / FILES[0],
        "--input",
        bad,
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:3: invalid XML"), result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.work").exists()


def pubmed_set(path, copies):
    """A PubmedArticleSet (with its DOCTYPE) of `copies` articles, each with its own PMID."""
    data = (LITERATURE / "pubmed-29768149.xml").read_bytes()
    start, end = data.index(b"\t<PubmedArticle>"), data.rindex(b"</PubmedArticleSet>")
    article = data[start:end]
    bodies = [article.replace(b">29768149<", f">{9000 + i}<".encode()) for i in range(copies)]
    path.write_bytes(data[:start] + b"".join(bodies) + data[end:])
    return path


@pytest.mark.parametrize("layout", ["PubmedArticleSet", "MedlineCitationSet", "gzip"])
def test_a_big_file_is_shared_by_ranks_cut_where_citations_start(tmp_path, layout):
    path = {
        "PubmedArticleSet": pubmed_set(tmp_path / "set.xml", 40),
        "MedlineCitationSet": LITERATURE / "medsamp2006_sample.xml",
        "gzip": LITERATURE / "medline16n0902_sample.xml.gz",  # cut in the decompressed stream
    }[layout]
    source = get_source("lissa")([InputFile(path, path.name)], SourceOptions())
    whole = [c.pmid for c in iter_citations(path)]
    for world_size in (2, 3, 7):
        pieces = [source.pieces_for(rank, world_size) for rank in range(world_size)]
        assert all(len(p) == 1 for p in pieces)  # every rank reads a range of the one file
        assert pieces[0][0].start == 0 and pieces[-1][0].stop is None
        for before, after in pairwise(pieces):
            assert before[0].stop == after[0].start  # contiguous, nothing read twice
        ranged = [c.pmid for p in pieces for c in iter_citations(path, p[0].start, p[0].stop)]
        assert ranged == whole and len(set(whole)) == len(whole)


@pytest.mark.parametrize("layout", ["PubmedArticleSet", "MedlineCitationSet", "gzip", "tail"])
@pytest.mark.parametrize("size", [3_000, 40_000])
def test_documents_of_a_range_parse_alone_and_hold_its_records_once(tmp_path, layout, size):
    if layout == "tail":  # a comment after the root's end tag stays after it
        data = (LITERATURE / "medsamp2006_sample.xml").read_bytes().rstrip()
        (tmp_path / "tail.xml").write_bytes(data + b"\n<!-- end of file -->\n")
    path = {
        "PubmedArticleSet": pubmed_set(tmp_path / "set.xml", 40),
        "MedlineCitationSet": LITERATURE / "medsamp2006_sample.xml",
        "gzip": LITERATURE / "medline16n0902_sample.xml.gz",
        "tail": tmp_path / "tail.xml",
    }[layout]
    layout_ = xml_layout(path, RECORD_TAGS)
    whole = [c.findtext("PMID") for c in parse_path(path).iter("MedlineCitation")]
    with open_binary(path) as handle:
        starts = [m.start() for m in layout_.start_pattern.finditer(handle.read())]
    largest = max(b - a for a, b in pairwise(starts))
    source = get_source("lissa")([InputFile(path, path.name)], SourceOptions())
    for world_size in (1, 3):
        pmids, documents = [], 0
        for rank in range(world_size):
            piece = source.pieces_for(rank, world_size)[0]
            with open_binary(path) as handle:
                for offset, document in iter_documents(
                    handle, layout_, piece.start, piece.stop, size
                ):
                    root = etree.fromstring(document, safe_parser())
                    pmids += [c.findtext("PMID") for c in root.iter("MedlineCitation")]
                    documents += 1
                    assert offset >= piece.start
                    bytes_of_records = len(document) - len(layout_.header)
                    assert bytes_of_records <= size + largest + 100  # + the tail after the root
        assert pmids == whole
        assert documents > world_size  # cut within each range, not only between them


@pytest.mark.parametrize("name", ["articles.xml", "citations.xml", "citations.xml.gz"])
@pytest.mark.parametrize("block", [xml_ranges.BLOCK, 97])  # 97: starts cut between blocks
def test_ranges_cut_anywhere_take_the_citations_that_start_in_them(
    tmp_path, monkeypatch, name, block
):
    monkeypatch.setattr(xml_ranges, "BLOCK", block)  # what a range's start is searched in
    if name == "articles.xml":  # records of ~20 KB: a range ends several documents later
        data = pubmed_set(tmp_path / "plain.xml", 12).read_bytes()
    else:  # of ~2 KB: several in each document, the range's end within one
        data = (LITERATURE / "medsamp2006_sample.xml").read_bytes()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    layout = xml_layout(path, RECORD_TAGS)
    starts = [m.start() for m in layout.start_pattern.finditer(data)]
    pmids = [c.findtext("PMID") for c in etree.fromstring(data).iter("MedlineCitation")]
    # cut at every third start tag, one byte either side of it, or inside it; or in the
    # header, between start tags and in the root's end tag
    partitions = [[at + delta for at in starts[1::3]] for delta in (-1, 0, 1, 4)]
    between = [(a + b) // 2 for a, b in pairwise(starts[::4])]
    partitions.append([5, len(layout.header) - 1, *between, len(data) - 3])
    for cuts in partitions:
        for size in (3_000, 20_000):  # documents of a record or less; of several
            assert read_ranges(path, layout, [0, *cuts, None], size, starts, pmids) == pmids


def read_ranges(path, layout, bounds, size, starts, pmids):
    """The citations of each range between `bounds`, checked against where they start."""
    taken = []
    for start, stop in pairwise(bounds):
        with open_binary(path) as handle:
            documents = list(iter_documents(handle, layout, start, stop, size))
        found = [
            c.findtext("PMID")
            for _, document in documents
            for c in etree.fromstring(document, safe_parser()).iter("MedlineCitation")
        ]
        expected = [
            pmid
            for pmid, at in zip(pmids, starts, strict=True)
            if at >= start and (stop is None or at < stop)
        ]
        assert found == expected, (start, stop, size)
        taken += found
    return taken


def test_a_book_article_first_does_not_stop_the_file_being_cut(tmp_path):
    data = pubmed_set(tmp_path / "set.xml", 40).read_bytes()
    first = data.index(b"<PubmedArticle>")
    book = b"<PubmedBookArticle><BookDocument><PMID>1</PMID></BookDocument></PubmedBookArticle>\n"
    path = tmp_path / "books.xml"
    path.write_bytes(data[:first] + book + data[first:])
    layout = xml_layout(path, RECORD_TAGS)
    assert layout.records == ("PubmedBookArticle", "PubmedArticle")
    with open_binary(path) as handle:
        documents = list(iter_documents(handle, layout, 0, None, 3_000))
    assert len(documents) == 41  # the book, then each article: cut at PubmedArticle too
    source = get_source("lissa")([InputFile(path, path.name)], SourceOptions())
    ranges = [source.pieces_for(rank, 4)[0] for rank in range(4)]
    pmids = [c.pmid for r in ranges for c in iter_citations(path, r.start, r.stop)]
    assert pmids == [str(9000 + i) for i in range(40)]


def test_workers_split_one_file_and_give_the_same_records(tmp_path):
    path = pubmed_set(tmp_path / "set.xml", 40)
    one = build_cli("lissa", tmp_path / "one", [path])
    two = build_cli("lissa", tmp_path / "two", [path], "--workers", "2")
    for kind in ("text", "instruct"):
        assert pq.read_table(two / "data" / kind).equals(pq.read_table(one / "data" / kind))
    assert pq.read_table(one / "data" / "text").num_rows == 40


@pytest.mark.parametrize("name", ["bad.xml", "bad.xml.gz"])
def test_an_error_in_a_later_range_names_the_files_line(tmp_path, name):
    data = (LITERATURE / "medsamp2006_sample.xml").read_bytes()
    cut = data.rindex(b"</MedlineCitation>")  # the last citation loses its end tag
    data = data[:cut] + data[cut + len(b"</MedlineCitation>") :]
    with pytest.raises(etree.XMLSyntaxError) as whole:
        etree.fromstring(data)
    bad = tmp_path / name
    bad.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    source = get_source("lissa")([InputFile(bad, bad.name)], SourceOptions())
    last = source.pieces_for(2, 3)[0]
    assert last.start > 0
    with pytest.raises(InputError) as ranged:
        list(iter_citations(bad, last.start, last.stop))
    assert ranged.value.line == whole.value.lineno


def test_limit_counts_the_first_citations_with_records_whatever_the_workers(tmp_path, literature):
    """--limit 70: the records of the first 70 citations that make any (one without an
    abstract makes none), all of them, in order, on one worker or two."""
    inputs = [LITERATURE / f for f in FILES]
    one = build_cli("lissa", tmp_path / "one", inputs, "--limit", "70")
    two = build_cli("lissa", tmp_path / "two", inputs, "--limit", "70", "--workers", "2")
    every = [row["source_id"] for row in rows(literature, "text")]
    first = set(list(dict.fromkeys(every))[:70])  # each citation with records has a text
    for kind in ("text", "instruct"):
        limited = rows(two, kind)
        assert limited == [row for row in rows(literature, kind) if row["source_id"] in first]
        assert pq.read_table(two / "data" / kind).equals(pq.read_table(one / "data" / kind))
    steps = json.loads((two / "manifest.json").read_text())["steps"]
    assert steps["limit"] == {"stopped_after_items": 70}
    assert steps["lissa"]["citations"] > 70  # and past those, the ones that made nothing


def test_stylesheets_may_not_read_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    reader = safe_transform(
        b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        b'<xsl:output method="text"/><xsl:template match="/">'
        b"<xsl:value-of select=\"document('" + secret.as_uri().encode() + b"')\"/>"
        b"</xsl:template></xsl:stylesheet>"
    )
    with pytest.raises(etree.XSLTApplyError, match="denied"):
        reader(etree.fromstring(b"<a/>"))
