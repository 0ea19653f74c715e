"""Benchmark: offline language identification accuracy per language on ../shared/data texts
whose language is known, for texts of 50+ characters (the target: >= 0.98) and for all lengths.

    python bench/langid_accuracy.py

Known-language texts: English MEDLINE abstracts and HPO definitions; French CIM-10 labels, HPO
French definitions and FrenchMedMCQA questions; Spanish, German and Japanese HPO translations;
Italian, French, Spanish and Polish MEDLINE vernacular titles; Korean KCD labels; Spanish
MedlinePlus summaries. Prints accuracy, the commonest confusions and texts/s.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path

from lxml import etree

from corpus.langid import LanguageIdentifier
from corpus.safe_xml import safe_parser

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MEDLINE_LANGS = {"fre": "fr", "spa": "es", "ger": "de", "pol": "pl", "ita": "it"}


def tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def known_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}

    def add(lang: str, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text and text != "NA":
            texts.setdefault(lang, []).append(text)

    for name in ("medsamp2006_sample.xml", "medline16n0902_sample.xml.gz"):
        path = SHARED / "literature" / name
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        root = etree.fromstring(data, safe_parser())
        for citation in root.iter("MedlineCitation"):
            for abstract in citation.iterfind("Article/Abstract/AbstractText"):
                add("en", "".join(abstract.itertext()))
            language = MEDLINE_LANGS.get(citation.findtext("Article/Language") or "")
            if language:
                add(language, citation.findtext("Article/VernacularTitle"))
    obo = (SHARED / "ontology" / "hp_sample.obo").read_text(encoding="utf-8")
    for definition in re.findall(r'^def: "((?:[^"\\]|\\.)*)"', obo, flags=re.M)[:2000]:
        add("en", definition)
    for row in tsv(SHARED / "ontology" / "hp-fr.babelon.tsv"):
        add("fr", row["translation_value"])
    for row in tsv(SHARED / "ontology" / "cim10_fr.tsv"):
        add("fr", row["lib_long"])
    for question in json.loads((SHARED / "clinical" / "frenchmedmcqa_dev.json").read_text()):
        add("fr", question["question"])
    for lang in ("es", "de", "ja"):
        for row in tsv(SHARED / "ontology" / f"hp-{lang}.babelon.tsv"):
            add(lang, row["translation_value"])
    for row in tsv(SHARED / "ontology" / "kcd_ko_en.tsv"):
        add("ko", row["ko"])
    vocab = etree.parse(
        str(SHARED / "catalogue" / "medline_vocab_2011-04-23_sample.xml"), safe_parser()
    )
    for topic in vocab.iter("MedicalTopic"):
        if topic.get("langcode") == "Spanish":
            add("es", re.sub(r"<[^>]+>", " ", topic.findtext("FullSummary") or ""))
    return texts


def main() -> None:
    identifier = LanguageIdentifier()
    texts = known_texts()
    header = f"{'lang':<5} {'n>=50':>6} {'acc>=50':>8} {'n all':>6} {'acc all':>8}"
    print(header + "  confusions (>=50 chars)")
    start, predicted = time.perf_counter(), 0
    for lang in sorted(texts):
        items = texts[lang]
        long = [t for t in items if len(t) >= 50]
        long_predictions = [identifier.predict(t).lang for t in long]
        all_predictions = [identifier.predict(t).lang for t in items]
        predicted += len(long) + len(items)
        long_acc = sum(p == lang for p in long_predictions) / len(long) if long else float("nan")
        all_acc = sum(p == lang for p in all_predictions) / len(items)
        confusions = Counter(p for p in long_predictions if p != lang).most_common(3)
        row = f"{lang:<5} {len(long):>6} {long_acc:>8.4f} {len(items):>6} {all_acc:>8.4f}"
        print(f"{row}  {confusions}")
    print(f"{predicted / (time.perf_counter() - start):,.0f} texts/s")


if __name__ == "__main__":
    main()
