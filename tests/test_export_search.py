"""Exports and vector search on a real event database, with known vectors."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from piday_desktop.jobs.export import export_event
from piday_desktop.core.search import parse_where, rank
from piday_desktop.core.store import Consent, EventStore

MODEL = "test-model:none"


@pytest.fixture
def event(tmp_path):
    store = EventStore.open(tmp_path / "data", "ev")
    alice = store.create_participant(nickname="Alice Secret", consent=Consent())
    bob = store.create_participant(consent=Consent(), label="Bob Folder")
    photos = []
    for i, who in enumerate([alice, alice, bob, bob]):
        photos.append(store.add_photo(who, f"bytes{i}".encode(), sha256=f"{i:064x}", fmt="JPEG",
                                      width=10, height=10, original_name=f"img{i}.jpg"))
    vecs = np.eye(4, 8, dtype=np.float32)
    store.put_embeddings([(p.id, v) for p, v in zip(photos[:3], vecs)], model_id=MODEL, device="cpu")
    store.set_layout(MODEL, [(photos[0].id, 1.0, 2.0)])
    yield store, photos
    store.close()


def test_parquet_has_fixed_size_float32_vectors_and_no_private_data(event, tmp_path):
    store, photos = event
    out = tmp_path / "pi.parquet"
    summary = export_event(store, model_id=MODEL, fmt="parquet", out=out)
    assert (summary.rows, summary.with_vectors) == (4, 3)
    table = pq.read_table(out)
    assert str(table.schema.field("embedding").type) == "fixed_size_list<element: float>[8]"
    rows = table.to_pylist()
    assert [r["participant"] for r in rows] == ["P-001", "P-001", "P-002", "P-002"]
    assert rows[0]["embedding"][0] == 1.0 and rows[3]["embedding"] is None
    assert (rows[0]["x"], rows[0]["y"]) == (1.0, 2.0) and rows[1]["x"] is None
    raw = out.read_bytes()
    assert b"Alice Secret" not in raw and b"Bob Folder" not in raw
    assert str(store.directory).encode() not in raw and b"/photos/" not in raw


def test_include_names_adds_them(event, tmp_path):
    store, _ = event
    export_event(store, model_id=MODEL, fmt="jsonl", out=tmp_path / "x.jsonl", include_names=True)
    rows = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    assert rows[0]["nickname"] == "Alice Secret" and rows[2]["label"] == "Bob Folder"
    assert len(rows[0]["embedding"]) == 8


def test_npy_matrix_is_aligned_with_id_list(event, tmp_path):
    store, photos = event
    summary = export_event(store, model_id=MODEL, fmt="npy", out=tmp_path / "emb.npy")
    matrix = np.load(tmp_path / "emb.npy")
    ids = list(csv.DictReader(open(tmp_path / "emb.ids.csv")))
    assert matrix.shape == (3, 8) and matrix.dtype == np.float32
    assert [r["id"] for r in ids] == [p.id for p in photos[:3]]
    np.testing.assert_array_equal(matrix, np.eye(3, 8))
    assert summary.files[-1].name == "emb.ids.csv"


def test_csv_has_no_vectors(event, tmp_path):
    store, _ = event
    export_event(store, model_id=MODEL, fmt="csv", out=tmp_path / "x.csv")
    rows = list(csv.DictReader(open(tmp_path / "x.csv")))
    assert len(rows) == 4 and "embedding" not in rows[0] and rows[0]["sha256"]


def test_export_to_missing_folder_fails_cleanly(event, tmp_path):
    store, _ = event
    with pytest.raises(FileNotFoundError):
        export_event(store, model_id=MODEL, fmt="csv", out=tmp_path / "nope" / "x.csv")


def test_rank_orders_by_cosine_and_filters(event):
    store, photos = event
    got, matrix, _ = store.vectors(MODEL)
    query = np.array([0.1, 0.2, 0.9, 0, 0, 0, 0, 0], np.float32)
    hits = rank(query, got, matrix, k=2)
    assert [h.photo.id for h in hits] == [photos[2].id, photos[1].id]
    assert hits[0].score == pytest.approx(0.9 / np.linalg.norm(query), rel=1e-5)
    only_alice = rank(query, got, matrix, k=5, where=parse_where(["participant=P-001"]))
    assert {h.photo.participant_code for h in only_alice} == {"P-001"}
    assert len(rank(query, got, matrix, k=5, where=parse_where(["name=img[01].jpg"]))) == 2
    like = rank(matrix[0], got, matrix, k=5, exclude_ids=[got[0].id])
    assert got[0].id not in [h.photo.id for h in like]


def test_where_rejects_unknown_fields():
    with pytest.raises(ValueError, match="unknown field"):
        parse_where(["colour=red"])
    with pytest.raises(ValueError, match="FIELD OP VALUE"):
        parse_where(["participant"])


@pytest.mark.parametrize("fmt", ["parquet", "npy", "jsonl", "csv"])
def test_an_event_with_no_photos_exports_an_empty_file_with_the_columns(tmp_path, fmt):
    with EventStore.open(tmp_path / "data", "empty") as store:
        out = tmp_path / f"x.{fmt}"
        summary = export_event(store, model_id=MODEL, fmt=fmt, out=out)
    assert (summary.rows, summary.with_vectors) == (0, 0)
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 0
        assert {"id", "participant", "x", "y", "embedding"} <= set(table.column_names)
    elif fmt == "npy":
        assert np.load(out).shape[0] == 0
        assert next(csv.reader(open(tmp_path / "x.ids.csv")))[:2] == ["id", "participant"]
    elif fmt == "csv":
        assert next(csv.reader(open(out)))[:2] == ["id", "participant"]
    else:
        assert out.read_text() == ""


@pytest.mark.parametrize("fmt", ["parquet", "npy", "jsonl", "csv"])
def test_original_file_names_leave_only_with_include_names(tmp_path, fmt):
    """A file name like Alice_Smith_birthday.jpg names a person, as a nickname does."""
    with EventStore.open(tmp_path / "data", "ev") as store:
        who = store.create_participant(consent=Consent())
        photo = store.add_photo(who, b"x", sha256="a" * 64, fmt="JPEG", width=4, height=4,
                                original_name="Alice_Smith_birthday.jpg")
        store.put_embeddings([(photo.id, np.ones(4, np.float32))], model_id=MODEL, device="cpu")
        out, named = tmp_path / f"x.{fmt}", tmp_path / f"named.{fmt}"
        export_event(store, model_id=MODEL, fmt=fmt, out=out)
        export_event(store, model_id=MODEL, fmt=fmt, out=named, include_names=True)

    def written(path):
        extra = path.with_suffix(".ids.csv")
        return path.read_bytes() + (extra.read_bytes() if extra.exists() else b"")

    assert b"Alice_Smith" not in written(out)
    assert b"Alice_Smith_birthday.jpg" in written(named)


@pytest.mark.parametrize("expr, expected", [
    ("participant=P-001", {0, 1}),
    ("participant!=P-001", {2}),
    ("participant!=P-00*", set()),
    ("shot>1", {1}),                       # numbers, not text: shot 10 would also be > 2
    ("shot<2", {0, 2}),
    ("name in (img0.jpg, 'img2.jpg')", {0, 2}),
    ("name~IMG1", {1}),                    # substring, any case
    ("format = jpg", {0, 1, 2}),
    ("taken>2000", set()),                 # no time recorded: empty text sorts first
])
def test_where_operators_agree_in_python_and_sql(event, expr, expected):
    """The exact scan (Where.matches) and the indexed path (Where.sql) pick the same photos."""
    store, photos = event
    got, matrix, _ = store.vectors(MODEL)
    where = parse_where([expr])
    by_python = {photos.index(next(p for p in photos if p.id == h.photo.id))
                 for h in rank(np.ones(8), got, matrix, k=10, where=where)}
    clause, args = where[0].sql()
    keys = store.vector_keys(MODEL, clause, args)
    by_sql = {photos.index(next(p for p in photos if p.id == pid)) for pid in
              [ph.id for ph in store.vectors_by_key(MODEL, keys)[0]]}
    assert by_python == by_sql == expected


@pytest.mark.parametrize("expr", ["shot>two", "format in jpg", "format in ()", "colour~red", "shot"])
def test_bad_where_says_what_is_expected(expr):
    with pytest.raises(ValueError, match="--where"):
        parse_where([expr])
