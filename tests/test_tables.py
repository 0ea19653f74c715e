import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter

import pyarrow.parquet as pq
import pytest
from corpus.sources.base import parse_columns
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.icd10 import read_icd10_xml
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.tables import read_babelon, read_code_table
from corpus.sources.hetop.terminologies import normalize_curie

from corpus.errors import InputError
from tests.conftest import ONTOLOGY, kcd_names_in_conflict, layouts, tsv_rows


def cim10_rows(withdrawn: bool = False) -> list[dict[str, str]]:
    """ATIH's CIM-10 rows in use, or those whose label opens with "*** SU17 ***" (withdrawn in
    2017)."""
    table = tsv_rows(ONTOLOGY / "cim10_fr.tsv")
    return [row for row in table if row["lib_long"].startswith("*** SU") == withdrawn]


def who_icd10_labels() -> dict[str, str]:
    """Code -> label of every item of WHO's ICD-10 sample, by a whole-tree parse (not ours)."""
    items = ElementTree.parse(ONTOLOGY / "who_icd10_2019_ch01-13.xml").iter("item")
    return {item.findtext("name"): item.findtext("description") for item in items}


def records(folder, kind):
    table = pq.read_table(folder / "data" / kind)
    return table.to_pylist()


def test_babelon_french_labels_become_text_and_translation_pairs(sample_build):
    hpo_ids = {r["source_id"] for r in records(sample_build, "text") if r["dataset"] == "HP"}
    now = english_labels()
    expected, english, outdated = {}, {}, set()
    for row in tsv_rows(ONTOLOGY / "hp-fr.babelon.tsv"):
        if row["predicate_id"] == "rdfs:label" and row["subject_id"] in hpo_ids:
            if _comparable(row["source_value"]) != _comparable(now[row["subject_id"]]):
                outdated.add(row["subject_id"])
                continue
            label = " ".join(row["translation_value"].split())
            if not row["source_value"].endswith("."):  # a name, not a sentence
                label = label.removesuffix(".")
            if expected.setdefault(row["subject_id"], label) == label:
                english.setdefault(label, set()).add(row["source_value"])
    assert len(expected) > 2000
    # a French label of concepts English names differently has several translations
    shared = {label for label, names in english.items() if len(names) > 1}
    assert "Anomalie du système nerveux périphérique" in shared
    pairs = {}
    for record in records(sample_build, "instruct"):
        if record["task"] == "translation":
            meta = json.loads(record["meta"])
            pairs[(record["source_id"], meta["source_lang"], meta["target_lang"])] = record
    french_text = {
        r["source_id"]: r["text"] for r in records(sample_build, "text") if r["lang"] == "fr"
    }
    assert len(outdated) > 20 and not outdated & french_text.keys()  # see the next test
    for concept_id, label in expected.items():
        if label in shared:  # a name wrong for some of its concepts: stated as none's name
            assert concept_id not in french_text
            assert (concept_id, "fr", "en") not in pairs and (concept_id, "en", "fr") not in pairs
            continue
        assert label in french_text[concept_id]
        en_fr = pairs[(concept_id, "en", "fr")]
        assert en_fr["messages"][1]["content"] == label and en_fr["lang"] == "en"
        fr_en = pairs[(concept_id, "fr", "en")]
        assert label in fr_en["messages"][0]["content"] and fr_en["lang"] == "fr"


def english_labels() -> dict[str, str]:
    """HPO sample's English labels, by a plain read of its `name:` lines (not our reader)."""
    labels, concept = {}, None
    for line in (ONTOLOGY / "hp_sample.obo").read_text(encoding="utf-8").splitlines():
        if line.startswith("id: "):
            concept = line[4:].strip()
        elif line.startswith("name: ") and concept:
            labels[concept] = line[6:].strip()
    return labels


def _comparable(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_a_babelon_translation_of_an_english_text_since_changed_is_not_attached():
    """HPO's Spanish file translates HP:0001470 "Sex-limited autosomal dominant"
    ("Autosómico dominante limitado al sexo"); the ontology has since renamed it
    "Sex-limited expression", so that translation names something else. Babelon puts such a
    translation back to review; a build leaves it out and counts it."""
    now = english_labels()
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    read_babelon(ONTOLOGY / "hp-es.babelon.tsv", graph)
    read_babelon(ONTOLOGY / "hp-fr.babelon.tsv", graph)
    graph.finish()
    outdated = Counter()
    for name in ("hp-es.babelon.tsv", "hp-fr.babelon.tsv"):
        for row in tsv_rows(ONTOLOGY / name):
            concept = graph.concepts.get(row["subject_id"])  # not an alt_id's: skipped
            if concept is None or row["translation_status"] == "NOT_TRANSLATED":
                continue
            if row["predicate_id"] == "rdfs:label":
                if _comparable(row["source_value"]) != _comparable(now[row["subject_id"]]):
                    outdated["label"] += 1
                    lang = row["translation_language"]
                    assert _comparable(concept.labels.get(lang, "")) != _comparable(
                        row["translation_value"].removesuffix(".")
                    )
            elif (defined := concept.definitions.get("en")) and _comparable(
                row["source_value"]
            ) != _comparable(defined):
                outdated["definition"] += 1
    assert outdated["label"] > 150 and outdated["definition"] >= 1
    assert graph.stats["babelon_labels_outdated_skipped"] == outdated["label"]
    assert graph.stats["babelon_definitions_outdated_skipped"] == outdated["definition"]
    assert graph.get("HP:0001470").labels.get("es") is None
    assert graph.get("HP:0000005").labels["es"] == "Modo de herencia"  # a current one


def test_translation_pairs_of_one_word_in_both_languages_are_counted(sample_build):
    """HPO's French keeps some English names letter for letter (Pneumothorax): those pairs
    are kept, and counted for the card's reader."""
    names = {
        (row["concept_id"], row["lang"]): row["label"]
        for row in pq.read_table(sample_build / "probe" / "concepts.parquet").to_pylist()
    }
    same = 0
    for record in records(sample_build, "instruct"):
        if record["task"] == "translation":
            meta = json.loads(record["meta"])
            same += (
                record["messages"][1]["content"] == names[record["source_id"], meta["source_lang"]]
            )
    manifest = json.loads((sample_build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["steps"]["hetop"]["translation_pairs_same_term"] == same > 10


def test_korean_code_table_gives_korean_text_and_code_lookups(sample_build):
    kcd = tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")
    text = {(r["source_id"], r["lang"]): r["text"] for r in records(sample_build, "text")}
    lookups = {}
    for r in records(sample_build, "instruct"):
        if r["task"] == "code_lookup" and r["lang"] == "ko":
            kind = json.loads(r["meta"])["template"].split(".")[0]
            lookups[(r["source_id"], kind)] = r["messages"]
    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    graph.finish()
    named = {concept.id: concept.labels["ko"] for concept in graph}
    shared = Counter(named.values())
    assert sum(n for n in shared.values() if n > 1) > 10  # 기타 바이러스장염: A08.3 and A08.38
    conflicting = kcd_names_in_conflict()
    assert len(conflicting) > 10
    for row in kcd:
        row["ko"] = " ".join(row["ko"].split())
        concept_id = f"KCD:{row['code']}"
        if concept_id in conflicting:  # 종기, Boil and Furuncle: a name stated as neither's
            assert (concept_id, "ko") not in text
            assert (concept_id, "code_to_label") not in lookups
            assert (concept_id, "label_to_code") not in lookups
            continue
        assert row["ko"] in text[(concept_id, "ko")]
        to_label = lookups[(concept_id, "code_to_label")]
        assert row["code"] in to_label[0]["content"] and row["ko"] in to_label[1]["content"]
        if shared[named[concept_id]] > 1:  # a question with several answers is not asked
            assert (concept_id, "label_to_code") not in lookups
            continue
        to_code = lookups[(concept_id, "label_to_code")]
        assert row["ko"] in to_code[0]["content"] and row["code"] in to_code[1]["content"]


def test_korean_lists_quote_their_items_where_one_holds_a_comma(sample_build):
    """Korean has no semicolon: A15.5's children "…후두, 기관 및 기관지의 결핵" are each quoted,
    or the list would read as five; A00's, without commas, are not."""
    kcd = {row["code"]: " ".join(row["ko"].split()) for row in tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")}
    text = {r["source_id"]: r["text"] for r in records(sample_build, "text") if r["lang"] == "ko"}
    for parent, quoted in (("A15.5", True), ("A00", False)):
        children = [kcd[code] for code in kcd if code.startswith(parent) and code != parent]
        assert children and any("," in child for child in children) == quoted
        listed = ", ".join(f"‘{c}’" if quoted else c for c in children)
        assert f"하위 개념으로는 {listed} 등이 있다." in text[f"KCD:{parent}"]


def test_code_table_parents_come_from_code_prefixes():
    graph = ConceptGraph()
    read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    graph.finish()
    assert graph.get("KCD:A00.0").parents == ["KCD:A00"]
    assert graph.get("KCD:A00").parents == []
    assert graph.get("KCD:A00.0").labels == {
        "ko": "비브리오 콜레라 01 콜레라형균에 의한 콜레라",
        "en": "Cholera due to Vibrio cholerae 01, biovar cholerae",
    }


def test_column_mapping_reads_french_icd10():
    graph = ConceptGraph()
    counts = read_code_table(
        ONTOLOGY / "cim10_fr.tsv", graph, layouts("code=code,fr=lib_long", "CIM10")
    )
    graph.finish()
    assert counts["concepts"] == len(graph) == len(cim10_rows())
    assert counts["obsolete"] == len(cim10_rows(withdrawn=True)) == 164
    assert graph.get("CIM10:A00").labels == {"fr": "Choléra"}
    # A90 "*** SU17 *** Dengue [dengue classique]" gave way to A97 Dengue in 2017
    assert graph.get("CIM10:A90") is None
    assert graph.get("CIM10:A97").labels == {"fr": "Dengue"}
    assert not any("***" in label for c in graph for label in c.labels.values())
    # ATIH writes A000 and C169+0; the codes are the dotted ones of every ICD-10 edition
    assert graph.get("CIM10:A00.0").parents == ["CIM10:A00"]
    assert graph.get("CIM10:A00.0").code == "A00.0"
    assert graph.get("CIM10:C16.9+0").parents == ["CIM10:C16.9"]
    assert graph.get("CIM10:A000") is None


def test_a_spreadsheet_csv_with_semicolons_reads_as_its_tab_separated_original(tmp_path):
    """Spreadsheets in French (and German, …) locales save CSV with ';': the same rows."""
    import csv

    rows = cim10_rows()[:200]
    table = tmp_path / "cim10_excel.csv"
    with open(table, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["code", "lib_long"], delimiter=";", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert ";" in table.read_text("utf-8").splitlines()[1]
    graph = ConceptGraph()
    read_code_table(table, graph, layouts("code=code,fr=lib_long", "CIM10"))
    code = rows[-1]["code"]
    dotted = code if len(code) == 3 else f"{code[:3]}.{code[3:]}"
    assert len(graph) == len(rows)
    assert graph.get(f"CIM10:{dotted}").labels == {"fr": " ".join(rows[-1]["lib_long"].split())}


@pytest.mark.parametrize(
    ("curie", "expected"),
    [
        ("ICD-10:C169+0", "ICD10:C16.9+0"),
        ("KCD7:M6592", "KCD:M65.92"),
        ("ICD10CM:S060X1A", "ICD10CM:S06.0X1A"),
        ("ICD10:B24+0", "ICD10:B24+0"),
        ("ICD10:A00.0", "ICD10:A00.0"),
        ("ICD10:A00-A09", "ICD10:A00-A09"),
        ("ORPHA:1234", "ORPHA:1234"),
        ("MSH:D000123", "MESH:D000123"),
    ],
)
def test_codes_of_icd10_editions_are_written_with_their_dot(curie, expected):
    assert normalize_curie(curie) == expected


def test_mappings_into_a_terminology_the_build_reads_land_on_its_concepts():
    """CIM-10 FR mapped code for code to WHO's ICD-10: the codes both have are linked;
    France's own codes (C16.9+0, B18.10) are no ICD-10 codes and their mappings are dropped."""
    graph = ConceptGraph()
    read_icd10_xml(ONTOLOGY / "who_icd10_2019_ch01-13.xml", graph)
    spec = layouts("code=code,fr=lib_long,xref:ICD10=code", "CIM10")
    read_code_table(ONTOLOGY / "cim10_fr.tsv", graph, spec)
    graph.finish()
    who = who_icd10_labels()
    atih = [row["code"] for row in cim10_rows()]
    dotted = [
        code if len(code) == 3 or code[3] == "+" else f"{code[:3]}.{code[3:]}" for code in atih
    ]
    shared = [code for code in dotted if code in who]
    assert 0 < len(shared) < len(dotted)
    assert graph.stats["dangling_mappings"] == len(dotted) - len(shared)
    for code in shared:
        assert graph.get(f"CIM10:{code}").xrefs == [f"ICD10:{code}"]
    assert graph.get("CIM10:C16.9+0").xrefs == []


def test_an_xref_maps_one_way():
    """Orphanet files diseases under ICD-10 codes, often broader ones: ORPHA:5 (LCHAD
    deficiency) maps to E71.3, but E71.3 (disorders of fatty-acid metabolism) must not be
    said to correspond to ORPHA:5."""
    graph = ConceptGraph()
    read_icd10_xml(ONTOLOGY / "who_icd10_2019_ch01-13.xml", graph)
    spec = layouts("code=orphanumber,fr=name,xref:ICD10=icd10")
    read_code_table(ONTOLOGY / "orphanet_fr.tsv", graph, spec)
    graph.finish()
    assert graph.get("ORPHA:5").xrefs == ["ICD10:E71.3"]
    assert not [c.id for c in graph if c.terminology == "ICD10" and c.xrefs]


def test_column_mapping_with_synonyms_and_mappings():
    graph = ConceptGraph()
    spec = "code=orphanumber,fr=name,fr_synonyms=synonymes,xref:ICD10=icd10,xref:UMLS=umls"
    read_code_table(ONTOLOGY / "orphanet_fr.tsv", graph, layouts(spec))
    concept = graph.get("ORPHA:5")
    assert concept.synonyms["fr"] == [
        "Déficit en 3-hydroxyacyl-coenzyme A déshydrogénase des acides gras à chaîne longue",
        "Déficit en LCHAD",
        "LCHADD",
    ]
    assert concept.xrefs == ["ICD10:E71.3", "UMLS:C0342786", "UMLS:C1969443"]


def test_table_without_label_column_names_the_columns():
    with pytest.raises(InputError, match="lib_long") as info:
        read_code_table(ONTOLOGY / "cim10_fr.tsv", ConceptGraph())
    assert info.value.line == 1


def test_babelon_names_lose_a_period_their_english_source_lacks():
    """HPO's Spanish file ends 17 labels with a sentence's period ("Vasculitis por
    histología."); a name is not a sentence, and the English label has none."""
    path = ONTOLOGY / "hp-es.babelon.tsv"
    stray = [
        row
        for row in tsv_rows(path)
        if row["predicate_id"] == "rdfs:label"
        and row["translation_value"].endswith(".")
        and not row["source_value"].endswith(".")
    ]
    assert len(stray) == 17
    graph = ConceptGraph()
    read_obo(ONTOLOGY / "hp_sample.obo", graph)
    counts = read_babelon(path, graph)
    read_babelon(ONTOLOGY / "hp-fr.babelon.tsv", graph)  # definitions are sentences: kept
    graph.finish()
    assert counts["label_periods_dropped"] == len(stray)
    kept = [row for row in stray if graph.get(row["subject_id"]) is not None]
    assert kept
    for row in kept:
        assert graph.get(row["subject_id"]).labels["es"] == row["translation_value"][:-1]
    sentences = [
        row
        for row in tsv_rows(ONTOLOGY / "hp-fr.babelon.tsv")
        if row["predicate_id"] == "IAO:0000115"
        and row["translation_value"].endswith(".")
        and graph.get(row["subject_id"]) is not None
    ]
    assert sentences
    for row in sentences:
        assert graph.get(row["subject_id"]).definitions["fr"].endswith(".")


def test_babelon_without_required_column(tmp_path):
    bad = tmp_path / "x.babelon.tsv"
    bad.write_text("subject_id\tpredicate_id\ttranslation_value\nHP:1\trdfs:label\tUn\n")
    with pytest.raises(InputError, match="translation_language") as info:
        read_babelon(bad, ConceptGraph())
    assert info.value.line == 1


def test_short_rows_are_padded_and_long_rows_are_errors(tmp_path):
    table = tmp_path / "codes.tsv"
    table.write_text("code\tfr\ten\nA00\tCholéra\nA01\tTyphoïde\tTyphoid\textra\n")
    graph = ConceptGraph()
    with pytest.raises(InputError, match="4 fields, but the header has 3") as info:
        read_code_table(table, graph)
    assert info.value.line == 3
    assert graph.get("CODES:A00").labels == {"fr": "Choléra"}


def test_serial_number_codes_get_no_parents_from_their_digits():
    graph = ConceptGraph()
    counts = read_code_table(
        ONTOLOGY / "orphanet_fr.tsv", graph, layouts("code=orphanumber,fr=name")
    )
    graph.finish()
    assert graph.get("ORPHA:10") and graph.get("ORPHA:100")  # 100 is no kind of 10
    assert not any(concept.parents for concept in graph)
    assert counts["serial_codes_without_parents"] == counts["concepts"]
    assert "parents_from_prefix" not in counts


def test_columns_describe_the_tables_that_have_them_and_others_read_their_header():
    """KCD (code, ko, en) and French CIM-10 (needs --columns) in one build: the mapping and
    --terminology go to the CIM-10 table; the KCD table is read by its header, named KCD."""
    from corpus.sources import InputFile, SourceOptions, get_source

    paths = [ONTOLOGY / "kcd_ko_en.tsv", ONTOLOGY / "cim10_fr.tsv"]
    options = SourceOptions(columns=parse_columns("code=code,fr=lib_long"), terminology="CIMFR")
    source = get_source("hetop")([InputFile(p, p.name) for p in paths], options)
    graph = source.read_graph()
    kcd = {row["code"]: row for row in tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")}
    cim = {row["code"]: row for row in cim10_rows()}
    assert len(graph) == len(kcd) + len(cim)
    code = next(c for c in cim if c in kcd)
    assert graph.get(f"KCD:{code}").labels["ko"] == " ".join(kcd[code]["ko"].split())
    assert graph.get(f"CIMFR:{code}").labels == {"fr": " ".join(cim[code]["lib_long"].split())}
    assert source.per_input["kcd_ko_en.tsv"]["read_by_header"] == 1
    assert source.per_input["cim10_fr.tsv"]["read_with_columns_1"] == 1


def test_tables_of_several_layouts_each_take_their_columns():
    """CIM-10 FR and Orphanet need columns of their own, KCD's header names its own: one
    build reads all three, each --columns with the --terminology given in its place."""
    from corpus.sources import InputFile, SourceOptions, get_source
    from corpus.sources.base import TableLayout

    paths = [ONTOLOGY / name for name in ("kcd_ko_en.tsv", "cim10_fr.tsv", "orphanet_fr.tsv")]
    options = SourceOptions(
        columns=parse_columns("code=code,fr=lib_long"),
        terminology="CIMFR",
        more_columns=(TableLayout(parse_columns("code=orphanumber,fr=name"), "RARE"),),
    )
    source = get_source("hetop")([InputFile(p, p.name) for p in paths], options)
    graph = source.read_graph()
    orphanet = tsv_rows(ONTOLOGY / "orphanet_fr.tsv")
    by_terminology = Counter(concept.terminology for concept in graph)
    assert by_terminology == {
        "KCD": len(tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")),
        "CIMFR": len(cim10_rows()),
        "RARE": len(orphanet),
    }
    first = orphanet[0]
    assert graph.get(f"RARE:{first['orphanumber']}").labels == {"fr": first["name"]}
    assert source.per_input["kcd_ko_en.tsv"]["read_by_header"] == 1
    assert source.per_input["cim10_fr.tsv"]["read_with_columns_1"] == 1
    assert source.per_input["orphanet_fr.tsv"]["read_with_columns_2"] == 1
    assert options.describe()["terminology"] == ["CIMFR", "RARE"]


@pytest.mark.parametrize(
    ("inputs", "options", "message"),
    [
        (  # Orphanet has the columns of neither and a header that names no language
            ["cim10_fr.tsv", "orphanet_fr.tsv"],
            ["--columns", "code=code,fr=lib_long", "--columns", "code=orpha,fr=name"],
            "error: {orphanet}:1: the table has the columns of no --columns code=code,"
            "fr=lib_long or --columns code=orpha,fr=name; columns are: orphanumber, name,",
        ),
        (  # the second --columns fits no table: a typo
            ["cim10_fr.tsv", "kcd_ko_en.tsv"],
            ["--columns", "code=code,fr=lib_long", "--columns", "code=orphanumber,fr=name"],
            "error: --columns code=orphanumber,fr=name: no input table has these columns",
        ),
        (
            ["cim10_fr.tsv", "orphanet_fr.tsv"],
            [
                *("--columns", "code=code,fr=lib_long", "--terminology", "CIMFR"),
                *("--columns", "code=orphanumber,fr=name"),
            ],
            "error: 2 --columns but 1 --terminology: give one --terminology per --columns, "
            "in the same order, or none",
        ),
    ],
)
def test_several_table_layouts_that_do_not_fit_are_errors(tmp_path, cli, inputs, options, message):
    out = tmp_path / "out"
    paths = [item for name in inputs for item in ("--input", ONTOLOGY / name)]
    result = cli("build", "--source", "hetop", *paths, *options, "--out", out)
    assert result.returncode == 2
    assert result.stderr.startswith(message.format(orphanet=ONTOLOGY / "orphanet_fr.tsv"))
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_only_hetop_reads_several_table_layouts(tmp_path, cli):
    table = ONTOLOGY / "cim10_fr.tsv"
    out = tmp_path / "out"
    layouts = ("--columns", "text=lib_long", "--columns", "text=lib_court")
    result = cli("build", "--source", "files", "--input", table, *layouts, "--out", out)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --columns given 2 times: files reads one table layout"
    assert not out.exists()


@pytest.mark.parametrize("name", ["kcd_ko_en.tsv", "DO_cancer_slim.obo"])  # a table, or none
def test_columns_that_no_table_has_are_an_error(tmp_path, cli, name):
    out = tmp_path / "out"
    given = ONTOLOGY / name
    result = cli(
        "build", "--source", "hetop", "--input", given, "--columns", "code=cde,fr=lib", "--out", out
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: --columns code=cde,fr=lib: no input table has these columns"
    )
    assert not out.exists()


def test_a_table_of_curies_keeps_them_as_codes(tmp_path):
    table = tmp_path / "rare.tsv"
    table.write_text("code\ten\nORPHA:5\tLCHAD deficiency\nicd-10:A000\tCholera\n", "utf-8")
    graph = ConceptGraph()
    read_code_table(table, graph)
    assert graph.get("ORPHA:5").code == "ORPHA:5"
    # a lowercase "prefix" is part of the code, in the table's terminology (RARE)
    assert graph.get("RARE:icd-10:A000").code == "icd-10:A000"


def test_kcd_labels_that_categories_repeat_are_named_after_their_category():
    """KCD's I63.02, I63.12 and I63.22 are each "Carotid artery" (경동맥), under three kinds of
    cerebral infarction; 16 subcategories are "Bilateral". Each reads "<category>: <label>";
    A08.38, named as its category A08.3 (Other viral enteritis), keeps its label."""
    graph = ConceptGraph()
    counts = read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    kcd = {row["code"]: row for row in tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")}
    repeated = [c for c, row in kcd.items() if row["en"] in ("Carotid artery", "Bilateral")]
    assert len(repeated) >= 19
    for code in repeated:
        category = kcd[code[:-1]]  # the code less its last character: its category here
        assert graph.get(f"KCD:{code}").labels == {
            lang: f"{category[lang]}: {kcd[code][lang]}" for lang in ("ko", "en")
        }
    assert graph.get("KCD:I63.12").labels["en"] == (
        "Cerebral infarction due to embolism of precerebral arteries: Carotid artery"
    )
    assert graph.get("KCD:A08.38").labels["en"] == kcd["A08.38"]["en"] == kcd["A08.3"]["en"]
    assert graph.get("KCD:K31.88").labels["en"] == kcd["K31.88"]["en"]
    assert counts["repeated_labels_named_after_parent"] >= len(repeated)


def test_kcd_sites_are_named_after_their_category():
    """KCD names chapter II subcategories by site ("Spleen", 비장); WHO's XML writes them
    "Malignant neoplasm: Spleen". Each becomes "<its category>: <site>" in both languages;
    subcategories that name their growth (Liver cell carcinoma) keep their label."""
    graph = ConceptGraph()
    counts = read_code_table(ONTOLOGY / "kcd_ko_en.tsv", graph)
    kcd = {row["code"]: row for row in tsv_rows(ONTOLOGY / "kcd_ko_en.tsv")}
    who = who_icd10_labels()
    prefixed = {code for code, text in who.items() if ": " in text and "C00" <= code <= "D49"}
    growths = re.compile(r"(?i)neoplasm|carcinoma|melanoma|sarcoma|blastoma")
    sites = [code for code in prefixed & set(kcd) if not growths.search(kcd[code]["en"])]
    assert len(sites) > 300
    for code in sites:
        category, site = kcd[code[:3]], kcd[code]
        assert graph.get(f"KCD:{code}").labels == {
            lang: f"{' '.join(category[lang].split())}: {' '.join(site[lang].split())}"
            for lang in ("ko", "en")
        }
    renamed = {c.id[4:] for c in graph if c.labels["en"] != " ".join(kcd[c.id[4:]]["en"].split())}
    in_chapter = {code for code in renamed if "C00" <= code[:3] <= "D48"}
    assert counts["site_labels_named_after_parent"] == len(in_chapter)
    # nothing WHO writes whole is renamed, but two lymphomas whose names carry no morphology
    assert (in_chapter & set(who)) - prefixed == {"C84.0", "C86.6"}  # Mycosis fungoides, …
    assert graph.get("KCD:C22.0").labels["en"] == "Liver cell carcinoma"
    assert graph.get("KCD:D39.11").labels["en"] == (
        "Neoplasm of uncertain or unknown behaviour of female genital organs: Ovary, Left"
    )
