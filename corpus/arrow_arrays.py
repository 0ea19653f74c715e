"""Arrow arrays built from Python values without `pa.array`, which imports pandas.

`pa.array(a_list)` first asks pyarrow's pandas shim whether the list is "array-like", and the
shim imports pandas to answer wherever it is installed (`datasets` installs it): ~0.4 s and
~35 MB in each process that writes records, forked ranks included, for a library no build
uses (a tenth of `corpus build` on the HPO sample). These build the same arrays from their
buffers (validity bitmap, offsets, data), as Arrow lays them out. They take about twice a warm
`pa.array`'s time (Python encodes non-ASCII text string by string), which the import saved
outweighs: the default build (488k records) ran 0.2-1 s faster, with 35 MB less at peak.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MAX_OFFSET = 2**31 - 1  # `string` and `list` use 32-bit offsets
_INT64 = pa.int64()
_NUMPY_TYPES = {pa.int32(): np.int32, _INT64: np.int64, pa.float64(): np.float64}


def column(values: Sequence[Any], data_type: pa.DataType) -> pa.Array:
    """An array of `values` of the types records and tables hold: strings (None is null),
    booleans, and lists of either or of structs of them (a record's messages)."""
    if data_type == pa.string():
        return string_array(values)
    if data_type == pa.bool_():
        return bool_array(values)
    if pa.types.is_list(data_type):
        item_type = data_type.value_type
        items = [item for value in values for item in value]
        if pa.types.is_struct(item_type):
            fields = list(item_type)
            children = [column(_values_of(items, f.name), f.type) for f in fields]
            flat = pa.StructArray.from_arrays(children, fields=fields)
        else:
            flat = column(items, item_type)
        return list_array(list(map(len, values)), flat, item_type)
    raise TypeError(f"no array builder for {data_type}")


def number_array(values: Sequence[float] | np.ndarray, data_type: pa.DataType = _INT64) -> pa.Array:
    """Integer or float array (int32, int64, float64): `pa.array` asks pandas about numpy
    arrays too."""
    data = np.ascontiguousarray(values, dtype=_NUMPY_TYPES[data_type])
    return pa.Array.from_buffers(data_type, len(data), [None, pa.py_buffer(data)])


def string_array(values: Sequence[str | None]) -> pa.Array:
    """`pa.string()` array of `values`; None is null. Text that is ASCII throughout (ids,
    codes, meta) is encoded in one call, its lengths in bytes being its lengths in letters."""
    nulls = values.count(None)
    present = [value or "" for value in values] if nulls else values
    joined = "".join(present)
    if joined.isascii():
        data, lengths = joined.encode("ascii"), list(map(len, present))
    else:
        encoded = [value.encode("utf-8") for value in present]
        data, lengths = b"".join(encoded), list(map(len, encoded))
    return pa.Array.from_buffers(
        pa.string(),
        len(lengths),
        [_validity(values) if nulls else None, _offsets(lengths), pa.py_buffer(data)],
        null_count=nulls,
    )


def bool_array(values: Sequence[bool]) -> pa.Array:
    """`pa.bool_()` array of `values` (no nulls)."""
    bits = np.packbits(np.fromiter(values, dtype=bool, count=len(values)), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])


def list_array(lengths: Sequence[int], items: pa.Array, item_type: pa.DataType) -> pa.Array:
    """`pa.list_(item_type)` array whose lists take `lengths[i]` of `items` in turn."""
    offsets = pa.Array.from_buffers(pa.int32(), len(lengths) + 1, [None, _offsets(lengths)])
    return pa.ListArray.from_arrays(offsets, items, type=pa.list_(item_type))


def value_codes(array: pa.Array) -> tuple[np.ndarray, int]:
    """Each value's number among the distinct values (null one of them), numbered in order of
    first appearance, and how many there are; read off the buffer (`to_numpy` imports pandas
    too)."""
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    indices = encoded.indices  # int32, without nulls: null is encoded as a value
    codes = np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices) + indices.offset)
    return codes[indices.offset :], len(encoded.dictionary)


def _values_of(items: list[dict[str, Any]], name: str) -> list[Any]:
    """One field of each struct (`name` once: a pyarrow Field's name is a new str each time)."""
    return [item[name] for item in items]


def _offsets(lengths: Sequence[int]) -> pa.Buffer:
    """Arrow's 32-bit offsets of consecutive lengths: 0, then their running sums."""
    ends = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(lengths, dtype=np.int64, count=len(lengths)), out=ends[1:])
    if ends[-1] > _MAX_OFFSET:
        raise ValueError(f"{ends[-1]:,} bytes or items in one array: over 32-bit offsets")
    return pa.py_buffer(ends.astype(np.int32))


def _validity(values: Sequence[object]) -> pa.Buffer:
    """Arrow's validity bitmap: a set bit for each value that is not None."""
    present = np.fromiter((value is not None for value in values), dtype=bool, count=len(values))
    return pa.py_buffer(np.packbits(present, bitorder="little"))
