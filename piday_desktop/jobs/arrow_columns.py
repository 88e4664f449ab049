"""Arrow columns built from their buffers, so that writing a parquet file never imports pandas.

Every ``pyarrow.array(...)`` call (also inside ``Table.from_pydict`` and ``pa.scalar``) first asks
whether its input is a pandas object, and asking imports pandas: 0.27 s and ~60 MB on a
2-core laptop, a third of ``piday export``'s whole run, for an export that holds no pandas
object. ``pyarrow.Array.from_buffers`` takes the validity bitmap, offsets and data as they lie
in memory and asks nothing, so the few column shapes an export has are built here with numpy:
whole numbers, floats, true/false and text (each possibly null), lists of those, and the
fixed-size float32 vectors. Arrow's layout is fixed by its specification (a little-endian
validity bitmap, int32 offsets, contiguous data), so what these produce equals what
``pa.array`` produces for the same values (tests/test_arrow_columns.py compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _pa():
    import pyarrow as pa

    return pa


def _validity(present: np.ndarray) -> tuple[Any, int]:
    """The validity bitmap (None when nothing is null) and the null count."""
    nulls = int(present.size - np.count_nonzero(present))
    if nulls == 0:
        return None, 0
    return _pa().py_buffer(np.packbits(present, bitorder="little")), nulls


def _offsets(lengths: np.ndarray) -> Any:
    offsets = np.zeros(lengths.size + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise OverflowError("a column holds over 2 GiB of data, more than Arrow's 32-bit offsets address")
    return _pa().py_buffer(offsets.astype(np.int32))


def column(values: list, arrow_type: Any) -> Any:
    """``pa.array(values, arrow_type)`` for int64, float64, float32, bool, string and lists of them.

    ``None`` is null. Values are expected to fit the type already (the export converts them);
    a value that does not raises TypeError or ValueError like ``pa.array`` would.
    """
    pa = _pa()
    n = len(values)
    present = np.fromiter((v is not None for v in values), bool, n)
    validity, nulls = _validity(present)
    if pa.types.is_list(arrow_type):
        items = [v if v is not None else [] for v in values]
        lengths = np.fromiter(map(len, items), np.int64, n)
        child = column([x for item in items for x in item], arrow_type.value_type)
        return pa.Array.from_buffers(arrow_type, n, [validity, _offsets(lengths)], null_count=nulls,
                                     children=[child])
    if pa.types.is_string(arrow_type):
        encoded = [v.encode("utf-8") if v is not None else b"" for v in values]
        lengths = np.fromiter(map(len, encoded), np.int64, n)
        return pa.Array.from_buffers(arrow_type, n, [validity, _offsets(lengths), pa.py_buffer(b"".join(encoded))],
                                     null_count=nulls)
    if pa.types.is_boolean(arrow_type):
        bits = np.fromiter((bool(v) for v in values), bool, n)
        return pa.Array.from_buffers(arrow_type, n, [validity, pa.py_buffer(np.packbits(bits, bitorder="little"))],
                                     null_count=nulls)
    numpy_type = {pa.int64(): np.int64, pa.float64(): np.float64, pa.float32(): np.float32}.get(arrow_type)
    if numpy_type is None:
        raise TypeError(f"no buffer layout here for Arrow type {arrow_type}")
    data = np.array([v if v is not None else 0 for v in values], dtype=numpy_type)
    return pa.Array.from_buffers(arrow_type, n, [validity, pa.py_buffer(data)], null_count=nulls)


def vectors_column(vectors: list[np.ndarray | None], dim: int) -> Any:
    """Each row's vector as a ``list<float32>[dim]`` (a ``list<float32>`` when ``dim`` is 0), null where None."""
    pa = _pa()
    n = len(vectors)
    if not dim:
        return column([None if v is None else [float(x) for x in v] for v in vectors], pa.list_(pa.float32()))
    present = np.fromiter((v is not None for v in vectors), bool, n)
    validity, nulls = _validity(present)
    matrix = np.zeros((n, dim), np.float32)
    for i, v in enumerate(vectors):
        if v is not None:
            matrix[i] = v
    child = pa.Array.from_buffers(pa.float32(), n * dim, [None, pa.py_buffer(matrix)])
    return pa.Array.from_buffers(pa.list_(pa.float32(), dim), n, [validity], null_count=nulls, children=[child])
