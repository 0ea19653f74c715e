"""A label inside a sentence, cased as running text: "It is a kind of abnormality of the
pleura", "C'est une sorte d'anomalie de la plèvre", not "of Abnormality", "d'Anomalie".

Terminologies capitalize a label's first word (HPO, ICD-10, the translations), so a label put
mid-sentence keeps a capital that running text would not have, unless the word is a name:
"Marfan syndrome", "Streptococcus pneumoniae". Which first words are names is read off the
graph's labels themselves: a word that some label has capitalized past its first word
("Juvenile Paget disease", "Maladie de Parkinson"; not in a title-case label, "Young Adult"),
or that opens a label capitalized where its terminology opens labels in lowercase (DOID's
"Rocky Mountain spotted fever"), is a name and keeps its capital. English labels open with
names often (Marfan, Barrett, Zika), so English lowers only a word that labels (or two
synonyms) also have in lowercase ("Acute sinusitis" and "Recurrent acute sinusitis"); so does
German, whose nouns keep their capital anywhere ("Hepatische Fibrose" reads "hepatische
Fibrose" mid-sentence, as "Erhöhte hepatische Enzyme" shows). French and Spanish labels open
with a common noun ("Maladie de…", "Síndrome de…"), so they lower every first word that is
not a name.

A capital past a first word is a slip, not a name, where labels write the word in lowercase
four times as often: ICD-11's "3 Severe problem" and "Walls in the Body" leave "Severe pain"
and "Body dysmorphic disorder" reading "severe pain", "body dysmorphic disorder"; its French
"Autres Maladie du foie" leaves "maladie de Crohn". The slips themselves are lowered too, with
the words of a label in title case among sentence-case ones (HPO's "Tear Trough Deformity"),
all of them or none: "walls in the body", "tear trough deformity", "tableaux du foie (MT1)";
but "maladie de Ross River", "hemoglobin Barts". A two-word name holds where its first word
is such a slip, if labels capitalize the pair more often than not: "… due to Staphylococcus
aureus" keeps "Staphylococcus aureus sepsis" as written, though labels have "staphylococcus"
in lowercase too. Words joined by a slash are read each ("Aplasia/Hypoplasia of the thumb"
reads "aplasia/hypoplasia of the thumb"), lowered all or none ("Anti-Th/To" as written).

Evidence beyond labels: a word that definitions (running text) write in lowercase and never
capitalize mid-sentence may be lowered ("Notched T wave" reads "notched T wave": no label has
"notched" so, but "a wide and often notched R wave" does); a word that a concept's label in
another language capitalizes past its first word is a name in this one too ("Syndrome de
Down" keeps "Down syndrome", which "broken down" alone would have lowered; "Penicillin
resistant Neisseria meningitidis" keeps the French "Neisseria meningitidis résistante…").
A first word that the concept's label in another language opens with as the same word spelled
its own way (accents, a final "e": "Paracétamol", "Ibuprofène", "Râles") is a common word in
English, which has no label with it in lowercase: languages respell common words, not names
(ICD-11's ~2,000 drug, chemical and sign labels read "It is a kind of paracetamol"). So is one
that a label in French or Spanish, which capitalize names only, writes in lowercase past its
first word ("Oxalic acid", "Acide oxalique"; "Piroxicam" in "Complexe piroxicam-bêta-…") or
translates away where it names nothing ("Hoarding disorder", "Trouble d'accumulation"): ~2,000
more. Not where a label carries it capitalized ("Arthrite à Salmonella") or translates it
beside a name, which may be its translation ("Japanese cypress", "Cyprès du Japon"); nor the
genus of a binomial the label carries ("Huile de melaleuca alternifolia"), nor an English
adjective of a place or people, by its ending ("Brazilian", "fièvre … brésilienne"). A word
written letter for letter alike says nothing (the Latin of taxa: "Chrysanthemum").

Evidence from a word's form, where a language gives it (English, in its templates): a first
word without evidence reads lowercase where an ending shows a common word ("Hyperkalemia",
"Iridocyclitis", "Osteochondroma", "Poisonous" read "… include hyperkalemia, hypokalemia"), or
where labels write its plural in lowercase ("Lymphoblast": "lymphoblasts"); a hyphenated one
where its first part would be ("Bullet-shaped", "Cold-induced"; not "X-linked"). A word that
opens the concept's label in another language too is no tumour for its "-oma": the Latin of a
taxon ("Ancylostoma", "Hebeloma crustuliniforme").

Taxa keep their capital in every language: a genus is the first word of a binomial that two
languages write letter for letter alike, under a parent named by that word alone (ICD-11's
"Acinetobacter baumannii" under "Acinetobacter": "une sorte d'Acinetobacter", where French
labels alone, which never write the genus past a first word, would have lowered it).

A terminology that writes most labels in title case (MeSH's English headings: "Language
Disorders") says nothing of names by its capitals, and its labels read mid-sentence with every
word lowered that labels have in lowercase ("language disorders"); where one such word has no
evidence, the label stays as written: "language Disorders" would be worse than either. Such a
heading inverted round a comma is said in natural order first ("Anemia, Sickle Cell" reads
"sickle cell anemia", or "Sickle Cell Anemia" where a word has no evidence).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from corpus.sources.hetop.graph import Concept, ConceptGraph

ATTESTED = "attested"  # lowered only where labels (or definitions) show the word in lowercase
UNLESS_NAME = "unless-name"  # lowered unless labels show the word capitalized mid-label
# as attested, in a language whose nouns keep their capital anywhere (German): capitals past a
# label's first word are grammar, so no terminology's labels read as title case
NOUNS_CAPITALIZED = "attested-nouns-capitalized"
RULES = (ATTESTED, UNLESS_NAME, NOUNS_CAPITALIZED)
SLIP_RATIO = 4  # lowercase writings per capitalized one past which a capital is a slip
_TRAILING = ",;:.)]"
_LEADING = "(["
_PUNCTUATION = "()[]{},;:.!?\"'“”‘’«»"
# a word past a label's first (no space before that one), not just after a break: a capital
# after "Neoplasm: " or "(" opens a phrase and says nothing
_MID_WORD = re.compile(r"(?<=[^\s:(\[/,;.-]) ([^\W\d_][\w'-]*)")
# such a word and the word after it
_MID_PAIR = re.compile(r"(?<=[^\s:(\[/,;.-]) ([^\W\d_][\w'-]*)(?= ([^\W\d_][\w'-]*))")
_WORD = re.compile(r"\w+")
_LIGATURES = (("æ", "ae"), ("œ", "oe"), ("Æ", "Ae"), ("Œ", "Oe"))
_ACCENTS = re.compile("[\u0300-\u036f]")  # combining diacritical marks, once decomposed
# a sentence's first word, whose capital says nothing (definitions are joined by ". ")
_SENTENCE_START = re.compile(r"[.!?:;] \S+")


class WordForms(NamedTuple):
    """A language's evidence from a word's form: endings of common words ("itis", "ous"),
    (singular, plural) endings ("", "s"), ("a", "ae"), and endings of adjectives of places
    and peoples ("ian", "ese"), which no translation makes common."""

    endings: tuple[str, ...] = ()
    plurals: tuple[tuple[str, str], ...] = ()
    names: tuple[str, ...] = ()


class LabelCase:
    """The running-text form of labels in the languages that have a rule (`RULES`)."""

    def __init__(
        self,
        graph: ConceptGraph,
        rules: Mapping[str, str],
        forms: Mapping[str, WordForms] | None = None,
    ) -> None:
        if unknown := set(rules.values()) - set(RULES):
            raise ValueError(f"running_case {sorted(unknown)}: expected one of {RULES}")
        self.rules = dict(rules)
        self.forms = dict(forms or {})
        self.lowercase: dict[str, set[str]] = {}
        self.written: dict[str, Counter[str]] = {}  # how often labels write a word in lowercase
        self.names: dict[str, set[str]] = {}
        self.name_phrases: dict[str, set[str]] = {}  # "staphylococcus aureus"
        self.title_case: dict[str, set[str]] = {}  # labels of terminologies written so
        self.cache: dict[tuple[str, str], str] = {}
        every = list(graph)
        by_terminology: dict[str, list[Concept]] = {}
        for concept in every:
            by_terminology.setdefault(concept.terminology, []).append(concept)
        for lang, rule in self.rules.items():
            self.names[lang] = names = set()
            self.title_case[lang] = title_case = set()
            labels, cased = [], []  # cased: the labels that open with a capital
            prose: list[str] = []  # definitions where labels follow the language's case
            for members in by_terminology.values():
                own = [label for c in members if (label := c.labels.get(lang))]
                capitalized = [label for label in own if label[:1].isupper()]
                if len(capitalized) * 2 < len(own):  # labels in lowercase but for names: DOID
                    # its definitions follow its labels ("… such as down syndrome"): no evidence
                    names.update(_opening_names(capitalized))
                else:
                    prose += [d for c in members if (d := c.definitions.get(lang))]
                if rule != NOUNS_CAPITALIZED and _writes_title_case(own):  # MeSH's English
                    title_case.update(own)
                else:
                    labels += own
                cased += capitalized
            synonyms = [synonym for c in every for synonym in c.synonyms.get(lang, ())]
            # lowercase words only from texts that open with a capital (DOID writes every word
            # of a label in lowercase, names too); synonyms are written more loosely ("Iris
            # brushfield spots"): a word there counts once seen twice
            written = _lowercase_counts("\n".join(cased).split())
            lowercase = set(written)
            tokens = "\n".join([text for text in synonyms if text[:1].isupper()]).split()
            seen = Counter(token for token in tokens if token.islower())
            lowercase |= _lowercase_words(token for token, count in seen.items() if count > 1)
            if rule != UNLESS_NAME or title_case:  # unless-name asks for no lowercase words
                lowercase |= _lowercase_in_prose(prose)
            self.lowercase[lang] = lowercase
            self.written[lang] = written
            # words that labels capitalize past their first letter, unless they are a slip;
            # and two-word names ("Staphylococcus aureus" after "due to"), which hold even
            # where the first word alone reads as a slip, if labels capitalize them more
            # often than not ("Autres Lésion du nerf sciatique" beside three "lésion du")
            mid: Counter[str] = Counter()
            pairs: Counter[str] = Counter()
            for label in labels:
                if not label[1:].islower() and (found := _mid_names(label)):
                    mid.update(found)
                    pairs.update(_mid_phrases(label))
            names.update(word for word, count in mid.items() if not _slip(count, written[word]))
            lower = _lowercase_pair_counts(cased, set(pairs))  # "troubles du": a slip
            self.name_phrases[lang] = {p for p, n in pairs.items() if lower[p] < n}
        # labels opening with a name, as their translations say
        self.named_first: dict[str, set[str]] = self._names_by_translation(every)
        for lang, words in self._common_by_translation(every).items():
            self.lowercase[lang] |= words
        genera = _genera(graph)
        for names in self.names.values():
            names |= genera
        self.alike = _written_alike(every) if self.forms else set()

    def _names_by_translation(self, concepts: list[Concept]) -> dict[str, set[str]]:
        """Labels that open with a word the concept's label in another language has
        capitalized past its first word: a name, which keeps its capital in translation
        (MeSH's "Down Syndrome" beside "Syndrome de Down", where nothing else says Down is
        one and "broken down" says it is not). Title-case labels and German ones, whose
        capitals are no evidence, tell nothing."""
        named: dict[str, set[str]] = {lang: set() for lang in self.rules}
        plain = {lang for lang, rule in self.rules.items() if rule != NOUNS_CAPITALIZED}
        for concept in concepts:
            if len(concept.labels) < 2:
                continue
            for lang, label in concept.labels.items():
                first = _first_word(label)
                if lang not in named or not _capitalized(first):
                    continue
                for other_lang, other in concept.labels.items():
                    if (
                        other_lang != lang
                        and other_lang in plain
                        and " " + first in other
                        and other not in self.title_case[other_lang]
                        and first.lower() in _mid_names(other)
                    ):
                        named[lang].add(label)
                        break
        return named

    def _common_by_translation(self, concepts: list[Concept]) -> dict[str, set[str]]:
        """First words, in lowercase, of labels in a language that lowers attested words
        only (English) that the concept's label in another language shows to be common:
        respelled there (`_respelled`: "Paracetamol", "Paracétamol"), or, in a language that
        capitalizes names only, written in lowercase past a label's first word or translated
        away in a label that names nothing, and never carried capitalized nor translated
        beside a name (`_translation_says`: "Acide oxalique", "Trouble d'accumulation"; not
        "Arthrite à Salmonella", "Cyprès du Japon"). Languages respell and translate common
        words; names and Latin they carry as written. A label whose second word the other
        carries as written is Latin ("Melaleuca alternifolia oil", "Huile de melaleuca
        alternifolia"), and an adjective of a place or people keeps its capital ("Brazilian",
        `WordForms.names`): translations tell nothing of them."""
        common: dict[str, set[str]] = {
            lang: set() for lang, rule in self.rules.items() if rule == ATTESTED
        }
        witnesses = {lang for lang, rule in self.rules.items() if rule == UNLESS_NAME}
        said: dict[bool, set[tuple[str, str]]] = {True: set(), False: set()}
        for concept in concepts:
            if len(concept.labels) < 2:
                continue
            for lang, words in common.items():
                label = concept.labels.get(lang)
                if label is None:
                    continue
                first = _first_word(label)
                if not _capitalized(first):
                    continue
                key = first.lower()
                if key in self.lowercase[lang] or key in self.names[lang]:
                    continue  # known already
                second = label.split(" ", 2)[1:2]
                latin = second[0] if second and second[0].isalpha() and second[0].islower() else ""
                place = key.endswith(self.forms[lang].names) if lang in self.forms else False
                for other_lang, other in concept.labels.items():
                    if other_lang == lang:
                        continue
                    if _respelled(key, _first_word(other).lower()):
                        words.add(key)
                    elif (
                        other_lang in witnesses
                        and not place
                        and not (latin and latin in other.split())
                    ):
                        says = _translation_says(key, other)
                        if says is not None:
                            said[says].add((lang, key))
        for lang, key in said[True] - said[False]:
            common[lang].add(key)
        return common

    def running(self, label: str, lang: str) -> str:
        """`label` as it reads mid-sentence in `lang` (unchanged where `lang` has no rule)."""
        rule = self.rules.get(lang)
        if rule is None:
            return label
        found = self.cache.get((lang, label))
        if found is None:
            found = self.cache[(lang, label)] = self._lowered(label, lang, rule)
        return found

    def running_all(self, labels: Iterable[str], lang: str) -> list[str]:
        return [self.running(label, lang) for label in labels]

    def _lowered(self, label: str, lang: str, rule: str) -> str:
        first, space, rest = label.partition(" ")
        sentence_case = False  # a label of a terminology that writes sentence case
        if rest and label in self.title_case[lang]:  # "Language Disorders": every word
            if (natural := natural_order(label)) != label:  # "Anemia, Sickle Cell"
                label = natural
                first, space, rest = label.partition(" ")
            words = rest.split(" ")
            for index, word in enumerate(words):
                if not _capitalized(word):
                    continue
                key = word.rstrip(_TRAILING).lower()
                if key in self.names[lang]:
                    continue
                if not self._attested(key, lang):  # half-lowered reads worse than as written
                    return label
                words[index] = word[0].lower() + word[1:]
            rest = " ".join(words)
        elif rest and rule != NOUNS_CAPITALIZED:
            sentence_case = True
        if label in self.named_first[lang] or _opening_phrase(label) in self.name_phrases[lang]:
            return first + space + rest
        lowered = self._lowered_word(first, lang, rule)
        if sentence_case and not lowered[:1].isupper():  # no name, no label as written first
            rest = self._slips_lowered(rest, lang)
        return lowered + space + rest

    def _slips_lowered(self, rest: str, lang: str) -> str:
        """The words past a label's first (`rest`) with capitals lowered that name nothing:
        slips ("Walls in the Body", "3 Severe problem") and the words of a label in title case
        where its terminology writes sentence case ("Tear Trough Deformity", "Anorexia
        Nervosa"). All of them or none, and only where the first word reads in lowercase too:
        each must be no name, nor open a two-word one, have three letters or more, and be
        written in lowercase by four labels at least (the slip's ratio), so that "maladie de
        Ross River", "Hemoglobin Barts", "Vidprevtyn Beta", "gallbladder Ca" and "cerebral
        cortex Pick cells" (beside one "Ice pick") keep theirs. A hyphenated word is lowered
        where each part would be ("Postural-Perceptual"), else kept ("Creutzfeldt-Jakob")."""
        words = rest.split(" ")
        for index, word in enumerate(words):
            bare = word.lstrip(_LEADING)
            head = bare.rstrip(_TRAILING)
            parts = head.split("-")
            if len(parts) > 1 and all(_capitalized(part) for part in parts):
                if not all(self._slip(part.lower(), "", lang) for part in parts):
                    continue  # "Creutzfeldt-Jakob"
                lowered = "-".join(part.lower() for part in parts)
            elif _capitalized(bare):
                following = words[index + 1].rstrip(_TRAILING) if index + 1 < len(words) else ""
                if "." in bare or not self._slip(head.lower(), following, lang):
                    return rest  # "Can. Standard": an abbreviation
                lowered = head[0].lower() + head[1:]
            else:
                continue
            start = len(word) - len(bare)
            words[index] = word[:start] + lowered + bare[len(head) :]
        return " ".join(words)

    def _slip(self, key: str, following: str, lang: str) -> bool:
        """Whether a capitalized word past a label's first is no name (see `_slips_lowered`)."""
        return (
            len(key) >= 3
            and key not in self.names[lang]
            and self.written[lang][key] >= SLIP_RATIO
            and f"{key} {following}" not in self.name_phrases[lang]
        )

    def _lowered_word(self, word: str, lang: str, rule: str) -> str:
        if "/" in word:  # "Aplasia/Hypoplasia", "Absent/hypoplastic": every part, or none
            parts = [(part, self._lowered_word(part, lang, rule)) for part in word.split("/")]
            if all(part.islower() or lowered != part for part, lowered in parts):
                return "/".join(lowered for _, lowered in parts)
            return word  # "Anti-Th/To": a part that keeps its capitals
        if not _capitalized(word):
            return word
        key = word.rstrip(_TRAILING).lower()
        if key in self.names[lang] or (rule != UNLESS_NAME and not self._attested(key, lang)):
            return word
        return word[0].lower() + word[1:]

    def _attested(self, key: str, lang: str) -> bool:
        """Whether `key`, a capitalized word in lowercase, is a common word in `lang`: written
        so by labels or definitions, or shown so by its form (`WordForms`): a hyphenated word
        by its first part of three letters or more ("bullet-shaped"; not "x-linked")."""
        if key in self.lowercase[lang]:
            return True
        head, hyphen, _ = key.partition("-")
        if hyphen:
            return len(head) >= 3 and self._attested(head, lang)
        forms = self.forms.get(lang)
        if forms is None:
            return False
        if len(key) >= 7 and key.endswith(forms.endings) and key not in self.alike:
            return True
        lowercase = self.lowercase[lang]
        return any(
            key.endswith(singular) and key[: len(key) - len(singular)] + plural in lowercase
            for singular, plural in forms.plurals
        )


def _genera(graph: ConceptGraph) -> set[str]:
    """Genus names, in lowercase: the first word of a binomial ("Acinetobacter baumannii")
    that two languages write letter for letter alike, under a parent named by that word
    alone. A taxon keeps its capital in every language ("une sorte d'Acinetobacter"), though
    no French label writes the genus past its first word."""
    genera: set[str] = set()
    for concept in graph:
        labels = list(concept.labels.values())
        if len(labels) < 2 or not concept.parents:
            continue
        for label in set(labels):
            genus, _, rest = label.partition(" ")
            species = rest.partition(" ")[0]
            if (
                labels.count(label) > 1
                and _capitalized(genus)
                and species.isalpha()
                and species.islower()
                and any(
                    genus in parent.labels.values()
                    for parent_id in concept.parents
                    if (parent := graph.get(parent_id)) is not None
                )
            ):
                genera.add(genus.lower())
    return genera


def _written_alike(concepts: list[Concept]) -> set[str]:
    """First words, in lowercase, that a concept's labels in two languages open with letter for
    letter alike: the Latin of taxa ("Ancylostoma"; "Podostroma cornu-damae mushroom" beside
    "Podostroma cornu-damæ (champignon)"), which an ending alone would read as common words
    ("-oma": a tumour's)."""
    alike: set[str] = set()
    for concept in concepts:
        if len(concept.labels) < 2:
            continue
        firsts = [_first_word(label) for label in concept.labels.values()]
        alike.update(first.lower() for first in firsts if firsts.count(first) > 1)
    return alike


def natural_order(heading: str) -> str:
    """A title-case heading inverted round one comma (MeSH's "Anemia, Sickle Cell", "Diabetes
    Mellitus, Type 2") in the order a sentence says it: "Sickle Cell Anemia". Only where the
    part after the comma opens with a capital and each of its words with a capital or a
    digit: "Aged, 80 and over" is no inversion."""
    head, comma, modifier = heading.partition(", ")
    words = modifier.split(" ")
    if (
        not comma
        or "," in modifier
        or not modifier[:1].isupper()
        or not all(word[:1].isupper() or word[:1].isdigit() for word in words)
    ):
        return heading
    return f"{modifier} {head}"


def _mid_names(label: str) -> list[str]:
    """Capitalized words past a label's first, in lowercase, unless the label is in title case
    ("Severe Acute Respiratory Syndrome coronavirus", "Young Adult", ICD-11's "Female Genital
    Mutilation Type 2"), where capitals mean nothing."""
    words = _MID_WORD.findall(label)
    capitalized = [word for word in words if word[:1].isupper() and word[1:].islower()]
    if capitalized and len(capitalized) <= sum(word.islower() for word in words):
        return [word.lower() for word in capitalized]
    return []


def _mid_phrases(label: str) -> list[str]:
    """Two-word names past a label's first word, in lowercase: a capitalized word and the
    lowercase one after it ("… due to Staphylococcus aureus" gives "staphylococcus aureus").
    For labels that `_mid_names` finds names in (not title case)."""
    return [
        f"{first.lower()} {second.rstrip(_TRAILING)}"
        for first, second in _MID_PAIR.findall(label)
        if _capitalized(first) and second.islower()
    ]


def _lowercase_pair_counts(labels: list[str], pairs: set[str]) -> Counter[str]:
    """How often labels write each of `pairs` ("staphylococcus aureus") all in lowercase."""
    counts: Counter[str] = Counter()
    for label in labels:
        for first, second in itertools.pairwise(label.split(" ")[1:]):
            if (pair := f"{first} {second.rstrip(_TRAILING)}") in pairs:
                counts[pair] += 1
    return counts


def _opening_phrase(label: str) -> str:
    """A label's first two words, the first in lowercase, as `_mid_phrases` gives them."""
    words = label.split(" ", 2)
    return f"{words[0].lower()} {words[1].rstrip(_TRAILING)}" if len(words) > 1 else ""


def _first_word(label: str) -> str:
    """A label's first word without the punctuation after it: "Anemia, Sickle Cell" -> "Anemia"."""
    return label.split(" ", 1)[0].rstrip(_TRAILING)


def _unaccented(word: str) -> str:
    """`word` without its accents and ligatures: "paracétamol" -> "paracetamol",
    "hæmophilus" -> "haemophilus"."""
    if word.isascii():
        return word
    for ligature, letters in _LIGATURES:
        if ligature in word:
            word = word.replace(ligature, letters)
    return _ACCENTS.sub("", unicodedata.normalize("NFD", word))


def _respelled(word: str, other: str) -> bool:
    """Whether `other` is `word` (both in lowercase) spelled its own way: the same letters
    but for accents and a final "e" ("paracétamol", "amoxicilline"), not as written."""
    return (
        other != word
        and len(other) >= len(word)  # accents decomposed add letters
        and _unaccented(other) in (word, word + "e")
    )


def _translation_says(word: str, label: str) -> bool | None:
    """Whether `label`, in a language that capitalizes names only, shows `word` (in
    lowercase, of four letters or more) to be a common word. It carries `word` where it has
    a word opening as `word` does (its first four letters, or all but its last three). True
    where it carries it in lowercase past its first word ("oxalic", "Acide oxalique";
    "piroxicam", "Complexe piroxicam-bêta-cyclodextrine"), or does not carry it and names
    nothing, no capital past its first letter ("hoarding", "Trouble d'accumulation"). False
    where it carries it capitalized past its first word ("salmonella", "Arthrite à
    Salmonella"), or does not carry it beside a name that may be its translation
    ("japanese", "Cyprès du Japon"). None where it is no sentence-case label or carries
    `word` first only, where a capital says nothing."""
    if len(word) < 4 or not label[:1].isupper():
        return None
    head = _WORD.match(_unaccented(word))
    if head is None:
        return None
    stem = head.group()[: max(4, len(head.group()) - 3)]
    words = _WORD.findall(_unaccented(label))
    carried = [w for w in words[1:] if w.lower().startswith(stem)]
    if carried:
        return all(w.islower() for w in carried)
    if words[0].lower().startswith(stem):
        return None
    rest = label[1:]
    return rest.lower() == rest  # no capital past the first letter


def _capitalized(word: str) -> bool:
    """One capital, then lowercase letters: not B-cell, DNA, pH, McCune."""
    bare = word.rstrip(_TRAILING)
    return bare[:1].isupper() and bare[1:2].isalpha() and bare[1:].islower()


def _opening_names(labels: list[str]) -> set[str]:
    """The first words, in lowercase, of labels that a terminology writing its labels in
    lowercase capitalizes: names ("Rocky Mountain spotted fever", "Down syndrome")."""
    words = (_first_word(label) for label in labels)
    return {word.lower() for word in words if word[1:].islower()}


def _writes_title_case(labels: list[str]) -> bool:
    """Whether most labels that have words of four letters or more past their first capitalize
    all of them ("Disorders of Sex Development", "Central Nervous System Infections"): MeSH's
    English headings, whose capitals mark no names. Read off an even sample of 400 labels."""
    longer = [
        words
        for label in labels[:: max(1, len(labels) // 400)]
        if (words := [word for word in _MID_WORD.findall(label) if len(word) > 3])
    ]
    titled = sum(all(word[:1].isupper() for word in words) for words in longer)
    return len(longer) >= 3 and titled * 2 > len(longer)  # two labels show no convention


def _lowercase_in_prose(definitions: list[str]) -> set[str]:
    """Words that definitions, written as running text, have in lowercase and never capitalize
    mid-sentence, as they would a name ("looking down", but "… in Down syndrome"): "initial",
    "profound", "cochlear", first words that labels alone leave without evidence."""
    tokens = set(_SENTENCE_START.sub(" ", ". " + ". ".join(definitions)).split())
    capitalized = {
        word.lower() for token in tokens if _capitalized(word := token.strip(_PUNCTUATION))
    }
    return _lowercase_words(tokens) - capitalized


def _lowercase_counts(tokens: list[str]) -> Counter[str]:
    """How often each word is written in lowercase among `tokens`."""
    counts: Counter[str] = Counter()
    for token, count in Counter(tokens).items():
        if (word := token.strip(_PUNCTUATION)).islower():
            counts[word] += count
    return counts


def _slip(capitalized: int, lowercase: int) -> bool:
    """A word labels capitalize past their first word now and then, but write in lowercase
    four times as often, is no name: a slip ("Walls in the Body", "Ligamentum teres of the
    Liver") or a scale's step ("3 Severe problem", beside 21 labels with "severe")."""
    return lowercase >= SLIP_RATIO * capitalized


def _lowercase_words(tokens: Iterable[str]) -> set[str]:
    return {word for token in set(tokens) if (word := token.strip(_PUNCTUATION)).islower()}
