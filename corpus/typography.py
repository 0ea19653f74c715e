"""How a language spaces its punctuation, in one place for every step that writes or mends text.

French sets a space before ; : ? ! % and inside « »; English, Spanish, German and the other
languages this tool writes set none. Exports styled in French carry " : " into other languages
(WHO's ICD-10 XML: "Mental and behavioural disorders due to use of alcohol : acute
intoxication"; catalogues in ISBD punctuation), and a tokenizer's output has a space before
every mark (`corpus.detokenize`): what to keep depends on the language alone.
"""

from __future__ import annotations

# languages whose typography sets a space before ; : ? ! % (and inside « »)
SPACED_BEFORE_MARKS = frozenset({"fr"})
SPACED_COLON = " : "


def spaces_before_marks(lang: str | None) -> bool:
    return lang in SPACED_BEFORE_MARKS


def colon_as_written(text: str, lang: str | None) -> str:
    """`text` with its colons spaced as `lang` writes them: " : " kept in French only."""
    return text if spaces_before_marks(lang) else text.replace(SPACED_COLON, ": ")


def semicolon_separator(lang: str | None) -> str:
    """What joins items that may hold commas themselves: "A. … ; D. …" in French."""
    return " ; " if spaces_before_marks(lang) else "; "
