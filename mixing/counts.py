"""Per-record token counts of a built dataset, cached in the dataset's `cache/` folder.

Planning a mix needs only (file, row, key, tokens) per record, never the text: the counts are
computed once per dataset and counter, and a remix reads them back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from corpus.errors import InputError
from corpus.stats import content_expr, parquet_files
from corpus.tokens import ESTIMATOR, TOKEN_PATTERN

CACHE = "cache"
ENCODE_BATCH = 4096
META_SCHEMA = {"file": pl.String, "row": pl.UInt32, "key": pl.String, "tokens": pl.UInt32}
COUNT_SCHEMA = {k: META_SCHEMA[k] for k in ("file", "row", "tokens")}


@dataclass(frozen=True)
class TokenCounter:
    """What a "token" is: the built-in estimate, a local tokenizer, or one per record (docs)."""

    name: str
    tokenizer: Path | None = None

    @classmethod
    def create(cls, unit: str, tokenizer: Path | None) -> TokenCounter:
        if unit == "docs":
            return cls("docs")
        if tokenizer is None:
            return cls(ESTIMATOR)
        path = tokenizer / "tokenizer.json" if tokenizer.is_dir() else tokenizer
        if not path.is_file():
            raise InputError(tokenizer, None, "no tokenizer.json here")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return cls(f"tokenizer-{digest}", path)

    def _cache_path(self, folder: Path, kind: str) -> Path:
        return folder / CACHE / f"tokens-{kind}-{self.name}.parquet"

    def counts(self, folder: Path, kind: str) -> pl.DataFrame:
        """(file, row, tokens) for every record of `kind`, from the cache when it is there."""
        if self.name == "docs":  # one per record: nothing worth caching
            return pl.concat(
                [
                    _ones(str(path.relative_to(folder)), pq.ParquetFile(path).metadata.num_rows)
                    for path in parquet_files(folder, kind)
                ]
            )
        cache = self._cache_path(folder, kind)
        if cache.is_file():
            return pl.read_parquet(cache)
        frames = [self._count_file(folder, path, kind) for path in parquet_files(folder, kind)]
        counts = pl.concat(frames) if frames else pl.DataFrame(schema=COUNT_SCHEMA)
        try:
            cache.parent.mkdir(exist_ok=True)
            counts.write_parquet(cache)
        except OSError:  # a read-only dataset is still mixable, just not cached
            pass
        return counts

    def _count_file(self, folder: Path, path: Path, kind: str) -> pl.DataFrame:
        name = str(path.relative_to(folder))
        if self.tokenizer is None:
            tokens = content_expr(kind).str.count_matches(TOKEN_PATTERN).cast(pl.UInt32)
            return (
                pl.scan_parquet(path)
                .with_row_index("row")
                .select(pl.lit(name).alias("file"), "row", tokens.alias("tokens"))
                .collect(engine="streaming")
            )
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.tokenizer))
        lengths: list[int] = []
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ENCODE_BATCH):
            texts = pl.from_arrow(batch).select(content_expr(kind))[:, 0].to_list()
            lengths.extend(
                len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)
            )
        return pl.DataFrame(
            {"file": [name] * len(lengths), "row": range(len(lengths)), "tokens": lengths},
            schema=COUNT_SCHEMA,
        )


def metadata(folder: Path, kind: str, key: str, counter: TokenCounter) -> pl.DataFrame:
    """(file, row, key, tokens) of every record of `kind` in a dataset folder.

    File names and keys are categorical and counts are attached by position (both frames
    follow file order, then row order): about 16 bytes a record, never the text.
    """
    files = parquet_files(folder, kind)
    if not files:
        return pl.DataFrame(schema=META_SCHEMA).cast(
            {"file": pl.Categorical, "key": pl.Categorical}
        )
    keys = pl.concat(
        [
            pl.scan_parquet(path)
            .with_row_index("row")
            .select(
                pl.lit(str(path.relative_to(folder))).cast(pl.Categorical).alias("file"),
                "row",
                pl.col(key).cast(pl.Categorical).alias("key"),
            )
            .collect()
            for path in files
        ]
    )
    counts = counter.counts(folder, kind)
    if counts.height != keys.height:
        raise InputError(
            folder,
            None,
            f"token-count cache has {counts.height} rows for {keys.height} records: "
            f"delete {folder / CACHE} and mix again",
        )
    return keys.with_columns(counts["tokens"])


def _ones(name: str, rows: int) -> pl.DataFrame:
    return pl.select(
        pl.repeat(name, rows, dtype=pl.String).alias("file"),
        pl.int_range(rows, dtype=pl.UInt32).alias("row"),
        pl.repeat(1, rows, dtype=pl.UInt32).alias("tokens"),
    )
