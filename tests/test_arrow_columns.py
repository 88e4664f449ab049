"""Export's Arrow columns, built from buffers to keep pandas out, equal what ``pa.array`` builds.

``piday export`` writes parquet without ``pa.array`` (which imports pandas, a third of the
command's run: jobs/arrow_columns.py); a reader must see exactly the table ``pa.array`` would
have given, nulls, unicode and list offsets included, after a round trip through a real file.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piday_desktop.jobs.arrow_columns import column, vectors_column

CASES = [
    (pa.int64(), [1, None, -(2**63), 2**63 - 1, 0]),
    (pa.float64(), [0.5, None, float("inf"), -1e300]),
    (pa.float32(), [None, None, 1.25]),
    (pa.bool_(), [True, False, None, True, True, False, False, True, None, True]),
    (pa.string(), ["é😀", None, "", "a" * 1000, "P-001"]),
    (pa.string(), [None] * 9),
    (pa.string(), []),
    (pa.list_(pa.string()), [["boat", "sea"], None, [], ["ü"], None]),
    (pa.list_(pa.int64()), [[1, 2, 3], [], None, [2**40]]),
    (pa.list_(pa.bool_()), [[True], [False, True], None]),
]


@pytest.mark.parametrize(("arrow_type", "values"), CASES, ids=[f"{t}-{len(v)}" for t, v in CASES])
def test_a_column_equals_pa_array_through_a_parquet_file(arrow_type, values, tmp_path):
    built = column(values, arrow_type)
    built.validate(full=True)
    assert built.equals(pa.array(values, arrow_type))
    pq.write_table(pa.table({"c": built}), tmp_path / "c.parquet")
    assert pq.read_table(tmp_path / "c.parquet").column("c").to_pylist() == values


def test_vectors_keep_their_values_and_nulls(tmp_path):
    rng = np.random.default_rng(1)
    vectors = [rng.normal(size=5).astype(np.float32), None, rng.normal(size=5).astype(np.float32), None]
    built = vectors_column(vectors, 5)
    built.validate(full=True)
    expected = pa.array([None if v is None else v.tolist() for v in vectors], pa.list_(pa.float32(), 5))
    assert built.equals(expected)
    pq.write_table(pa.table({"embedding": built}), tmp_path / "v.parquet")
    back = pq.read_table(tmp_path / "v.parquet").column("embedding").to_pylist()
    assert back[1] is None and back[3] is None
    np.testing.assert_array_equal(np.array(back[2], np.float32), vectors[2])


def test_an_event_without_vectors_has_a_variable_list_column():
    built = vectors_column([None, None], 0)
    assert built.type == pa.list_(pa.float32()) and built.to_pylist() == [None, None]


def test_a_value_of_the_wrong_type_is_refused_not_written():
    with pytest.raises((TypeError, ValueError)):
        column(["three"], pa.int64())
    with pytest.raises(TypeError):
        column([1.5], pa.date32())
