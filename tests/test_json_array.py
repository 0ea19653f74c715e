"""A JSON array read element by element: values as json.loads gives them, each element named
by the line it starts on, errors by the line they are on, and nothing read past what is asked."""

import gzip
import json

import pytest

from corpus.errors import InputError
from corpus.json_array import read_json_array
from tests.conftest import ONTOLOGY

TERMS = ONTOLOGY / "mesh_fr_en_dict.json"


def test_a_real_array_decodes_as_json_loads_does_with_each_elements_first_line():
    rows = list(read_json_array(TERMS))
    assert [row for _, row in rows] == json.loads(TERMS.read_text(encoding="utf-8"))
    lines = TERMS.read_text(encoding="utf-8").splitlines()
    assert all(lines[line - 1].strip() == "{" for line, _ in rows)


def test_values_across_lines_with_brackets_in_strings(tmp_path):
    path = tmp_path / "a.json.gz"
    text = '[\n  {"a": "x, ]}",\n   "b": [1,\n 2]},\n  -3.5e2\n  ,\n  "y"\n]\n'
    path.write_bytes(gzip.compress(text.encode()))
    assert list(read_json_array(path)) == [(2, {"a": "x, ]}", "b": [1, 2]}), (5, -350.0), (7, "y")]
    path.write_text(" [ ] ")
    assert list(read_json_array(path)) == []


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('{"term": "x"}', 1, "expected a JSON array"),
        ("[\n 1,\n 2\n 3]", 4, "expected ',' or ']'"),
        ("[\n 1,\n]", 3, "expected a value"),
        ("[1]\n\n[2]", 3, "text after the array"),
        ('[\n 1,\n "ab\ncd"\n]', 3, "Invalid control character"),  # a newline in a string
        ('[\n {"a":\n  tru}\n]', 3, "Expecting value"),
        ('[\n {"a": 1,\n', 3, "Expecting property name"),  # cut short
        ("", 1, "expected a JSON array"),
    ],
)
def test_errors_name_their_line(tmp_path, text, line, says):
    path = tmp_path / "a.json"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        list(read_json_array(path))
    assert (error.value.line, says in error.value.message) == (line, True), error.value


def test_elements_come_before_the_rest_of_the_file_is_read(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[\n {"a": 1},\n' + "{}\n" * 1000 + "not JSON at all\n")
    rows = read_json_array(path)
    assert next(rows) == (2, {"a": 1})  # the broken end is not read yet
    with pytest.raises(InputError) as error:
        list(rows)
    assert error.value.line == 4  # the second "{}": no comma before it
