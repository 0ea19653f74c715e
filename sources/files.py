"""files: any local JSONL, CSV/TSV or Parquet, mapped to records by a column mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
from corpus.sources import register
from corpus.sources.base import FileSource, InputFile

from corpus.errors import InputError, OptionError
from corpus.json_array import read_json_array
from corpus.langid import UNKNOWN
from corpus.records import InstructRecord, Record, TextRecord, user_assistant
from corpus.textio import TableReader, check_exists, read_lines

SOURCE = "files"
ROLES = ("text", "lang", "id", "messages", "prompt", "response", "reasoning", "task")
PARQUET_BATCH = 10_000


def _rows_jsonl(
    path: Path, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, raw in read_lines(path, start=start, stop=stop):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(path, line, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(row, dict):
            raise InputError(path, line, "each line must be a JSON object")
        yield line, row


def _rows_json(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """A JSON array of objects, each with the line it starts on, read an element at a time."""
    for line, row in read_json_array(path):
        if not isinstance(row, dict):
            raise InputError(path, line, "expected a JSON array of objects (or JSONL)")
        yield line, row


def _rows_table(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, Any]]]:
    table = TableReader(path, delimiter)
    for row in table:
        yield table.line, row


def _parquet(path: Path) -> pq.ParquetFile:
    check_exists(path)
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise InputError(path, None, f"not a readable Parquet file: {exc}") from None


def _group_starts(meta: pq.FileMetaData) -> list[int]:
    """Byte offset where each row group's first column chunk begins."""
    starts = []
    for group in range(meta.num_row_groups):
        columns = [meta.row_group(group).column(i) for i in range(meta.num_columns)]
        starts.append(
            min(
                c.dictionary_page_offset if c.has_dictionary_page else c.data_page_offset
                for c in columns
            )
        )
    return starts


def _rows_parquet(
    path: Path, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of the row groups that begin in [start, stop), numbered as in the whole file."""
    source = _parquet(path)
    starts = _group_starts(source.metadata)
    groups = [g for g, at in enumerate(starts) if at >= start and (stop is None or at < stop)]
    if not groups:
        return
    row = sum(source.metadata.row_group(g).num_rows for g in range(groups[0]))
    for batch in source.iter_batches(batch_size=PARQUET_BATCH, row_groups=groups):
        for values in batch.to_pylist():
            row += 1
            yield row, values


def can_cut(path: Path) -> bool:
    """Whether `path` is read in byte ranges (JSONL, gzipped or not: the lines that begin in
    the range; Parquet: the row groups that do)."""
    return path.name.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson", ".parquet"))


def read_rows(
    path: Path, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or row number, row) from any supported file; the format comes from the name.
    JSONL and Parquet can be read in byte ranges (any offsets: see `can_cut`)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        return _rows_jsonl(path, start, stop)
    if name.endswith(".parquet"):
        return _rows_parquet(path, start, stop)
    if start > 0 or stop is not None:
        raise InputError(path, None, "this format cannot be read in byte ranges")
    if name.endswith(".json"):
        return _rows_json(path)
    if name.endswith(".csv"):
        return _rows_table(path, ",")
    if name.endswith(".tsv"):
        return _rows_table(path, "\t")
    raise InputError(path, None, "unknown format (expected .jsonl, .json, .csv, .tsv or .parquet)")


def _messages(path: Path, line: int, value: Any) -> list[dict[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(path, line, "messages column is not a JSON list") from None
    if not isinstance(value, list) or not value:
        raise InputError(path, line, "messages must be a non-empty list of {role, content}")
    turns = []
    for turn in value:
        if not isinstance(turn, dict) or not {"role", "content"} <= set(turn):
            raise InputError(path, line, "each message needs 'role' and 'content'")
        turns.append({"role": str(turn["role"]), "content": str(turn["content"])})
    return turns


@register
class FilesSource(FileSource):
    name = "files"
    phi_default = "redact"
    description = "any local JSONL, CSV/TSV or Parquet, with a column mapping"
    formats: ClassVar[dict[str, str]] = {
        "jsonl": "one JSON object per line (.jsonl, .ndjson, optionally .gz)",
        "csv": "comma-, semicolon- or tab-separated with a header (.csv, .tsv)",
        "parquet": "Apache Parquet (.parquet)",
    }
    limitations = (
        "Records are what the files say; their license is the one given with --license.",
    )

    def prepare(self) -> None:
        columns = self.options.columns
        unknown = sorted(set(columns) - set(ROLES))
        if unknown:
            raise OptionError(
                f"--columns: unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}"
            )
        if not ({"text", "messages"} & set(columns) or {"prompt", "response"} <= set(columns)):
            raise OptionError(
                "files: name a text column (--text-column), a messages column "
                "(--messages-column), or --prompt-column and --response-column"
            )

    def can_cut(self, path: Path) -> bool:
        """Big JSONL (gzipped or not) and Parquet inputs are shared by workers."""
        return can_cut(path)

    def run(self, data=None, rank: int = 0, world_size: int = 1) -> Iterator[Record]:
        self.prepare()
        for piece in self.pieces_for(rank, world_size):
            item = piece.item
            first = piece.start == 0  # the file's first row: does the mapping fit the file?
            for line, row in read_rows(item.path, piece.start, piece.stop):
                self._check_columns(item.path, line, row, first)
                first = False
                yield from self._records(item, line, row)

    def _check_columns(self, path: Path, line: int, row: dict[str, Any], first: bool) -> None:
        missing = [c for c in self.options.columns.values() if c not in row]
        if missing and first:
            raise InputError(
                path,
                None,
                f"unknown column(s) {', '.join(missing)}; available: {', '.join(row)}",
            )
        if missing:  # one row lacks what the others have
            raise InputError(
                path, line, f"no {', '.join(missing)} in this row; it has: {', '.join(row)}"
            )

    def _records(self, item: InputFile, line: int, row: dict[str, Any]) -> Iterator[Record]:
        columns = self.options.columns
        given = row[columns["lang"]] if "lang" in columns else self.options.lang
        lang = str(given).strip().lower() if given else UNKNOWN  # detected by the langid step
        source_id = str(row[columns["id"]]) if "id" in columns else f"{item.display}:{line}"
        dataset = item.path.name.split(".")[0]
        license_id = self.options.license or "unknown"
        if "text" in columns:
            text = row[columns["text"]]
            if text is None or not str(text).strip():
                self.stat_update("dropped_empty_text")
            else:
                yield TextRecord(str(text), lang, SOURCE, dataset, source_id, license_id)
        messages = None
        if "messages" in columns:
            messages = _messages(item.path, line, row[columns["messages"]])
        elif "prompt" in columns:
            prompt, response = row[columns["prompt"]], row[columns["response"]]
            if prompt and response:
                messages = user_assistant(str(prompt), str(response))
            else:
                self.stat_update("dropped_empty_prompt_or_response")
        if messages:
            reasoning = row.get(columns["reasoning"]) if "reasoning" in columns else None
            task = str(row[columns["task"]]) if "task" in columns else "instruction"
            yield InstructRecord(
                messages,
                lang,
                SOURCE,
                dataset,
                source_id,
                license_id,
                task,
                reasoning=str(reasoning) if reasoning else None,
            )
