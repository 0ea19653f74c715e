"""The language-identification step: fill in unknown languages, or check the given ones."""

from __future__ import annotations

from corpus.langid import UNKNOWN, LanguageIdentifier
from corpus.pipeline import PipelineStep
from corpus.records import Record

MODES = ("fill", "verify", "off")
VERIFY_CONFIDENCE = 0.9  # relabel a record only when the model is this sure it is wrong
FILL_CONFIDENCE = 0.5  # below this, a record's language stays unknown (and it is dropped)


def _content(record: Record) -> str:
    if record.kind == "text":
        return record.text
    return "\n".join(
        m["content"] for m in record.messages if m["role"] != "assistant"
    ) or "\n".join(m["content"] for m in record.messages)


class DetectLanguage(PipelineStep):
    """`fill`: records whose language is unknown ('und') get the detected one; `verify`: text
    records whose metadata language the model confidently contradicts are relabelled. Records
    still unknown afterwards are dropped and counted."""

    name = "langid"

    def __init__(self, mode: str = "fill", identifier: LanguageIdentifier | None = None) -> None:
        super().__init__()
        self.mode = mode
        self.identifier = identifier or LanguageIdentifier()

    def run(self, data, rank: int = 0, world_size: int = 1):
        for record in data:
            if record.lang == UNKNOWN:
                prediction = self.identifier.predict(_content(record))
                if prediction.lang == UNKNOWN:
                    self.stat_update("dropped_language_unknown")
                    continue
                if prediction.confidence < FILL_CONFIDENCE:  # "None.", "Negative.": too short
                    self.stat_update("dropped_language_uncertain")
                    continue
                record.lang = prediction.lang
                self.stat_update(f"detected_{prediction.lang}")
            elif self.mode == "verify" and record.kind == "text":
                prediction = self.identifier.predict(record.text)
                if (
                    prediction.lang not in (record.lang, UNKNOWN)
                    and prediction.confidence >= VERIFY_CONFIDENCE
                ):
                    self.stat_update(f"relabelled_{record.lang}_to_{prediction.lang}")
                    record.meta["metadata_lang"] = record.lang
                    record.lang = prediction.lang
            yield record
