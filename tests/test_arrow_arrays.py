"""Arrow arrays built from buffers equal pyarrow's own, and a build never imports pandas."""

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus.arrow_arrays import column, number_array, value_codes
from tests.conftest import ONTOLOGY

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


@pytest.mark.parametrize(
    ("values", "data_type"),
    [
        (["HP:0001250", "Crise épileptique", "발작", "", "\U0001f600"], pa.string()),
        ([None, "a", None, None, "b", None, None, None, None, "c"], pa.string()),  # > 8: 2 bytes
        ([], pa.string()),
        ([None], pa.string()),
        ([True, False, False, True, True, False, True, False, True], pa.bool_()),
        ([["HP:0000001", "HP:0000118"], [], ["ICD11:1D20"]], pa.list_(pa.string())),
        (
            [
                [
                    {"role": "user", "content": "Que désigne 1D20 ?"},
                    {"role": "assistant", "content": "…"},
                ],
                [],
                [{"role": "user", "content": ""}],
            ],
            MESSAGES,
        ),
    ],
)
def test_arrays_equal_the_ones_pyarrow_builds(values, data_type):
    built = column(values, data_type)
    built.validate(full=True)
    assert built.type == data_type
    assert built.equals(pa.array(values, type=data_type))
    assert built.to_pylist() == values


def test_an_unknown_type_is_refused_not_guessed():
    with pytest.raises(TypeError, match="no array builder"):
        column([1, 2], pa.int8())


def test_number_arrays_equal_pyarrows_and_take_the_rows_asked_for():
    for values, data_type in (
        (np.array([0.5, 0.75, 1.0]), pa.float64()),
        (np.r_[0, [2, 5]], pa.int32()),
        ([3, 0], pa.int64()),
    ):
        assert number_array(values, data_type).equals(pa.array(values, data_type))
    table = pa.table({"x": ["a", "b", "c", "d"]})
    for rows in ([3, 0], np.array([1, 2]), range(2, 4)):
        assert table.take(number_array(rows)).column("x").to_pylist() == [
            table.column("x")[i].as_py() for i in rows
        ]


def test_value_codes_number_values_in_order_of_first_appearance_null_included():
    array = pa.array(["fr", None, "en", "fr", None, "ko"]).slice(1)  # an offset, as batches have
    codes, distinct = value_codes(array)
    assert codes.tolist() == [0, 1, 2, 0, 3] and distinct == 4


def test_a_build_and_its_dedup_import_no_pandas(tmp_path):
    """pyarrow imports pandas on the first `pa.array()` of a list or numpy array and on
    Acero's first use: ~0.4 s and ~35 MB of a small build, in each process that writes
    records. Built, then deduplicated against a copy of itself (every record a duplicate)."""
    code = (
        "import shutil, sys\n"
        "from pathlib import Path\n"
        "from corpus.build import build\n"
        "from corpus.dedup.run import DedupOptions, dedup\n"
        "from corpus.sources import InputFile, SourceOptions\n"
        "path, out = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "build('hetop', [InputFile(path, path.name)], out / 'a', SourceOptions(holdout=0.1))\n"
        "assert (out / 'a' / 'probe' / 'concepts.parquet').exists()\n"
        "shutil.copytree(out / 'a', out / 'b')\n"
        "dedup([out / 'a', out / 'b'], out / 'kept', DedupOptions())\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ONTOLOGY / "hp_sample.obo"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
    # a cluster per record of `a`, its copy in `b` dropped: the cluster table was written
    built = sum(pq.ParquetFile(f).metadata.num_rows for f in (tmp_path / "a").glob("data/*/*"))
    assert pq.read_table(tmp_path / "kept" / "dedup" / "clusters.parquet").num_rows == built
