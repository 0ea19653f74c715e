"""Arrow arrays built from buffers equal pyarrow's own, and a build never imports pandas."""

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from corpus.arrow_arrays import column, int64_array, value_codes
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


def test_int64_arrays_take_the_rows_asked_for():
    table = pa.table({"x": ["a", "b", "c", "d"]})
    for rows in ([3, 0], np.array([1, 2]), range(2, 4)):
        assert table.take(int64_array(rows)).column("x").to_pylist() == [
            table.column("x")[i].as_py() for i in rows
        ]


def test_value_codes_number_values_in_order_of_first_appearance_null_included():
    array = pa.array(["fr", None, "en", "fr", None, "ko"]).slice(1)  # an offset, as batches have
    codes, distinct = value_codes(array)
    assert codes.tolist() == [0, 1, 2, 0, 3] and distinct == 4


def test_a_build_imports_no_pandas(tmp_path):
    """pyarrow imports pandas on the first `pa.array()` of a list and on Acero's first use:
    ~0.4 s and ~35 MB of a small build, in each process that writes records."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from corpus.build import build\n"
        "from corpus.sources import InputFile, SourceOptions\n"
        f"path = Path({str(ONTOLOGY / 'hp_sample.obo')!r})\n"
        f"build('hetop', [InputFile(path, path.name)], Path({str(tmp_path / 'out')!r}),"
        " SourceOptions(holdout=0.1))\n"
        "assert (Path(sys.argv[1]) / 'probe' / 'concepts.parquet').exists()\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
