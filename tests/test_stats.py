"""Card stats: gathered batch by batch (and rank by rank) they equal polars over all rows."""

import polars as pl
import pyarrow.parquet as pq
import pytest

from corpus import stats
from corpus.pipeline import PipelineStep, run_pipeline
from corpus.records import TextRecord
from corpus.stats import StatsAccumulator, compute_stats
from corpus.tokens import TOKEN_PATTERN
from corpus.writer import DatasetWriter


@pytest.mark.parametrize("kind", ["text", "instruct"])
def test_batches_merged_equal_the_whole(sample_build, kind):
    table = pq.read_table(sample_build / "data" / kind)
    whole = StatsAccumulator()
    whole.add(kind, table)
    parts = []
    for start in range(0, table.num_rows, 997):  # uneven batches, merged through JSON
        part = StatsAccumulator()
        part.add(kind, table.slice(start, 997))
        parts.append(StatsAccumulator.from_json(part.to_json()))
    merged = StatsAccumulator()
    for part in parts:
        merged.merge(part)
    assert merged.result() == whole.result()
    assert whole.result()["kinds"][kind] == compute_stats(sample_build)["kinds"][kind]


def test_lengths_and_quantiles_match_polars(sample_build):
    table = pq.read_table(sample_build / "data" / "text")
    result = compute_stats(sample_build)["kinds"]["text"]
    tokens = pl.from_arrow(table)["text"].str.count_matches(TOKEN_PATTERN).cast(pl.Int64)
    assert result["records"] == table.num_rows and result["tokens"] == tokens.sum()
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        assert result["length_tokens"][name] == tokens.quantile(q, "nearest")
    assert sum(result["histogram"]["counts"]) == table.num_rows
    # two records: polars rounds the middle position half up
    for values in ([872, 1035], [1, 2, 3, 4], [5]):
        accumulator = StatsAccumulator()
        accumulator.add("text", table.slice(0, len(values)))
        lengths = accumulator.lengths["text"]
        lengths.clear()
        lengths.update(values)
        expected = pl.Series(values).quantile(0.5, "nearest")
        assert accumulator.result()["kinds"]["text"]["length_tokens"]["p50"] == expected


def test_a_failed_background_write_reaches_the_build(tmp_path):
    """Row groups are written on a second thread: its failure must not be lost."""
    records = [TextRecord(f"text {i}", "en", "test", "set", str(i), "CC0-1.0") for i in range(3)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "text").write_text("a file where the parquet folder should be")
    with pytest.raises(OSError):
        run_pipeline([ListSource(records), DatasetWriter(tmp_path)])
    writer = DatasetWriter(tmp_path / "fine")
    run_pipeline([ListSource(records), writer])
    assert pq.read_table(tmp_path / "fine" / "data" / "text").num_rows == 3
    assert writer.accumulator.result()["kinds"]["text"]["records"] == 3


class ListSource(PipelineStep):
    name = "list"

    def __init__(self, records):
        super().__init__()
        self.records = records

    def run(self, data=None, rank=0, world_size=1):
        yield from self.records


@pytest.mark.parametrize("kind", ["text", "instruct"])
@pytest.mark.parametrize("batch", [None, 333])  # None: the defaults; 333: keys cross batches
def test_card_examples_are_the_first_rows_of_each_language_and_task(
    sample_build, kind, batch, monkeypatch
):
    if batch:
        monkeypatch.setattr(stats, "KEY_BATCH", batch)
        monkeypatch.setattr(stats, "EXAMPLE_BATCH", batch)
    keys = ["lang", "task"] if kind == "instruct" else ["lang"]
    table = pl.read_parquet(stats.parquet_files(sample_build, kind)).with_row_index("_row")
    firsts = table.group_by(keys).agg(pl.col("_row").min()).sort(keys)
    picked = firsts.group_by("lang", maintain_order=True).head(stats.EXAMPLES_PER_LANG[kind])
    expected = table.filter(pl.col("_row").is_in(picked["_row"].implode())).sort(keys)
    found = stats.examples(sample_build, kind)
    assert found == expected.drop("_row").to_dicts()
    assert len({tuple(r[k] for k in keys) for r in found}) == len(found) >= 3


def test_a_dataset_of_several_sources_gets_a_source_plot(sample_build, tmp_path):
    """One source: its bar would be the whole; two (a recipe, a mix by source): a plot."""
    from corpus.plots import SOURCE_PLOT, write_plots

    table = pq.read_table(sample_build / "data" / "text")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = StatsAccumulator()
    one.add("text", table)
    assert SOURCE_PLOT not in write_plots(tmp_path / "one", one.result())
    assert not (sample_build / SOURCE_PLOT).exists()
    half = table.num_rows // 2
    sources = ["hetop"] * half + ["lissa"] * (table.num_rows - half)
    two = StatsAccumulator()
    two.add("text", table.set_column(table.schema.get_field_index("source"), "source", [sources]))
    assert SOURCE_PLOT in write_plots(tmp_path / "two", two.result())
    assert (tmp_path / "two" / SOURCE_PLOT).stat().st_size > 1000
