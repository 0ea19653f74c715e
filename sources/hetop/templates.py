"""Per-language sentence and question templates (YAML files beside this module)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from corpus.phrasing import pick

_PARTICLE = re.compile(r"⟨([^/⟩]+)/([^⟩]+)⟩")
_CLOSERS = "”’\"'»」』)] "
_QUOTES = _CLOSERS.replace(")", "")  # closers but a parenthesis (an aside, see _ASIDE)
_ASIDE = re.compile(r"\s*\([^()]*\)$")  # 간농양 (K77.0*): the particle goes with 간농양
# French elision: ⟨de |d'⟩ takes its second form before a vowel or a mute h, also before a
# quoted label (d'« Aténolol », as French typography elides before guillemets); a label that
# opens with a definite article (ICD-11's "Les maladies de la couche du sang") loses it
# unquoted, and is kept as written in quotes
_ELISION_MARKER = r"⟨([^|⟩]*)\|([^⟩]*)⟩"
_ELISION = re.compile(_ELISION_MARKER + r"(?:(« ?)|([Ll]es |[Ll]e |[Ll]a |[Ll]')(?=\w))?(?=(\w*))")
_ELISION_AT_END = re.compile(_ELISION_MARKER + "$")
_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüœæ")
# medical words whose h is aspirated (une sorte de hernie); the others are mute (d'hypertension)
_ASPIRATED_H = ("hernie", "hanche", "handicap", "haut", "hoquet", "hallux", "hamartome")
# Spanish "y" is "e" before the sound /i/ (e Inicio, e hipoplasia), not before a diphthong
# (y hierro, y hialino)
_I_SOUND = re.compile(r"h?[ií](?![aeiouáéíóú])", re.IGNORECASE)
# a quoted name in a list item (English “…”, French « … »): its commas part no items
_QUOTED = re.compile(r"“[^”]*”|„[^“]*“|«[^»]*»|「[^」]*」|『[^』]*』|‘[^’]*’")


@dataclass(frozen=True)
class Templates:
    """The templates of one language; `pick` chooses a phrasing deterministically."""

    lang: str
    language_names: dict[str, str]
    sep: str
    last: str
    text: dict[str, str]
    instruct: dict[str, list[str]]
    answers: dict[str, str]
    particles: bool  # ⟨은/는⟩ (Korean) or ⟨de |d'⟩ (French) markers to resolve after filling
    definite_article: str = ""  # English "the", for {the_terminology}
    last_before_i: str = ""  # Spanish " e ": the last separator before an /i/ sound
    # "; " between three items or more where one holds a comma itself ("Thalassaemia,
    # unspecified"): commas would not tell the items apart; the last separator becomes "; and"
    sep_with_commas: str = ""
    # Korean has no semicolon (dropped from its punctuation rules in 2015): items of a list
    # where one holds a comma ("윗입술, 내측") are each quoted between these two marks instead
    quote_with_commas: str = ""
    sentence_sep: str = " "  # Japanese runs its sentences on without a space
    full_stop: str = "."  # and ends them with 。
    running_case: str = ""  # label_case's rule for a label mid-sentence; none: kept as written
    # endings of common words, and (singular, plural) endings: label_case's evidence from a
    # word's form where labels show none (English)
    common_endings: tuple[str, ...] = ()
    plural_endings: tuple[tuple[str, str], ...] = ()
    # endings of adjectives of places and peoples, which keep their capital whatever their
    # translations (in lowercase) say: label_case's evidence against them (English)
    name_endings: tuple[str, ...] = ()
    # the preposition before {parents} that the language says again before each parent: "une
    # sorte d'anomalie du jéjunum et d'atrésie intestinale", not "et atrésie intestinale"
    parents_preposition: str = ""

    def join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        sep, last = self.sep, self.last
        if self.last_before_i and _I_SOUND.match(items[-1]):
            last = self.last_before_i
        if any("," in _QUOTED.sub("", item) for item in items):
            if self.sep_with_commas and len(items) > 2:
                sep, last = self.sep_with_commas, self.sep_with_commas + last.lstrip()
            if self.quote_with_commas:
                opening, closing = self.quote_with_commas
                items = [f"{opening}{item}{closing}" for item in items]
        return sep.join(items[:-1]) + last + items[-1]

    def join_parents(self, items: list[str]) -> str:
        """Parents as {parents} lists them: each after the first with the preposition again
        where the language repeats it (French: ⟨de |d'⟩, each elided on its own word)."""
        if self.parents_preposition:
            items = items[:1] + [self.parents_preposition + item for item in items[1:]]
        return self.join(items)

    def with_article(self, name: str) -> str:
        return _with_article(self.definite_article, name)

    def concept_values(
        self, label: str, terminology: str, code: str, running_label: str = ""
    ) -> dict[str, str]:
        """The placeholders every concept template may use: {running_label} is the label as
        it reads inside a sentence (lowercase "abnormality of the pleura"), {label} as the
        terminology writes it (at a sentence's start, in quotes, alone as an answer)."""
        return {
            "label": label,
            "running_label": running_label or label,
            "terminology": terminology,
            "the_terminology": self.with_article(terminology),
            "code": code,
        }

    def language_name(self, code: str) -> str:
        return self.language_names.get(code, code)

    def pick(self, task: str, key: str, seed: int) -> tuple[int, str]:
        return pick(self.instruct[task], seed, key, task, self.lang)

    def fill(self, template: str, values: dict[str, str]) -> str:
        text = template.format_map(values)
        if template.startswith("{label}") and text[:1].islower():
            text = sentence_start(text)
        # only a template's own ⟨은/는⟩ and ⟨de |d'⟩ markers are resolved (most have none)
        return resolve_particles(text) if self.particles and "⟨" in template else text


@cache  # a handful of terminology names, asked for every concept and translation pair
def _with_article(article: str, name: str) -> str:
    """A terminology's name as running text says it: "the Human Phenotype Ontology", but
    "ICD-11", "MeSH", "SNOMED CT" (one word, or an acronym first: a proper name)."""
    first, _, rest = name.partition(" ")
    if not article or not rest or not any(c.islower() for c in first):
        return name
    return f"{article} {name}"


def sentence_start(text: str) -> str:
    """A sentence that opens with a lowercase label (DOID's "vascular disease is a concept")
    starts with a capital; a word whose case means something (mRNA, pH, p53, α-thalassemia)
    is left alone."""
    word = text.split(" ", 1)[0]
    if "a" <= word[0] <= "z" and word.islower() and word.replace("-", "").isalpha():
        return word[0].upper() + text[1:]
    return text


def _has_final_consonant(char: str) -> bool | None:
    """Whether a Hangul syllable (or a digit read in Korean) ends in a consonant."""
    if "가" <= char <= "힣":
        return (ord(char) - 0xAC00) % 28 != 0
    if char.isdigit():
        return char in "013678"
    return None


def resolve_particles(text: str) -> str:
    """Korean particles after a placeholder: ⟨은/는⟩ becomes 은 after a final consonant, else 는."""

    def choose(match: re.Match[str]) -> str:
        before = _particle_host(text[: match.start()])
        final = _has_final_consonant(before[-1]) if before else None
        if final is None:  # Latin letters, symbols: the form written after a vowel reads best
            return match.group(2)
        return match.group(1) if final else match.group(2)

    return _ELISION.sub(_elide, _PARTICLE.sub(choose, text))


def _particle_host(before: str) -> str:
    """What a particle attaches to: closing quotes skipped, and a parenthetical after a word
    (KCD's "아메바성 간농양 (K77.0*)") skipped, as Korean writing skips it (서울(Seoul)은)."""
    quoted = before.rstrip(_QUOTES)
    host = _ASIDE.sub("", quoted)
    return (host if host.strip() else quoted).rstrip(_CLOSERS)


def split_trailing_elision(text: str) -> tuple[str, str]:
    """`text` without the ⟨de |d'⟩ marker it ends with, and that marker ("" if none): its form
    depends on a word not there yet (the probe's options: "d'anomalie", "de morphologie")."""
    match = _ELISION_AT_END.search(text)
    return (text, "") if match is None else (text[: match.start()], match.group())


def _elide(match: re.Match[str]) -> str:
    """⟨de |d'⟩ before the word that follows it: d'hypertension, d'Anomalie, de hernie,
    d'« Aténolol ». After "une sorte de" a noun takes no article: "de Les dents" is "de dents",
    "de L'œil" "d'œil"; a quoted label keeps its own ("de « Les maladies du sang »")."""
    full, elided, quote, article, word = match.groups()
    if quote:
        return _elided_form(full, elided, word) + quote
    if not article or full.strip() == "de":
        return _elided_form(full, elided, word)
    return _elided_form(full, elided, article) + article  # ⟨du |de l'⟩: the article stays


def _elided_form(full: str, elided: str, word: str) -> str:
    word = word.lower()
    mute_h = word.startswith("h") and not word.startswith(_ASPIRATED_H)
    return elided if word and (word[0] in _VOWELS or mute_h) else full


@cache
def load_templates() -> dict[str, Templates]:
    """Every language that has a template file; other languages appear in translations only."""
    folder = resources.files("corpus.sources.hetop").joinpath("templates")
    loaded: dict[str, Templates] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            lang = entry.name.removesuffix(".yaml")
            prompts = {k: v for k, v in data["instruct"].items() if not k.endswith("_answer")}
            answers = {
                k.removesuffix("_answer"): v
                for k, v in data["instruct"].items()
                if k.endswith("_answer")
            }
            # a language that says one parent as it says several (It is a kind of X) writes no
            # parents_one; German does (Sein Oberbegriff ist X)
            data["text"].setdefault("parents_one", data["text"]["parents"])
            answers.setdefault("parents_one", answers["parents"])
            loaded[lang] = Templates(
                lang,
                data["language_names"],
                data["list"]["sep"],
                data["list"]["last"],
                data["text"],
                prompts,
                answers,
                particles="⟨" in entry.read_text(encoding="utf-8"),
                definite_article=data.get("definite_article", ""),
                last_before_i=data["list"].get("last_before_i", ""),
                sep_with_commas=data["list"].get("sep_with_commas", ""),
                quote_with_commas=data["list"].get("quote_with_commas", ""),
                sentence_sep=data.get("sentence_sep", " "),
                full_stop=data.get("full_stop", "."),
                running_case=data.get("running_case", ""),
                common_endings=tuple(data.get("common_endings", ())),
                plural_endings=tuple(tuple(pair) for pair in data.get("plural_endings", ())),
                name_endings=tuple(data.get("name_endings", ())),
                parents_preposition=data.get("parents_preposition", ""),
            )
    return loaded
