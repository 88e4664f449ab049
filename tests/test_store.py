"""The event catalogue: real SQLite files in temp dirs."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

import imagefactory as f
from piday_desktop.core import schema
from piday_desktop.core.paths import InvalidEventName
from piday_desktop.core.store import Consent, EventNotFound, EventStore


def test_new_event_is_wal_with_current_schema(tmp_path):
    with EventStore.open(tmp_path, "pi-day-2026") as store:
        db = store.directory / "event.sqlite"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_database_from_a_newer_release_is_refused(tmp_path):
    EventStore.open(tmp_path, "ev").close()
    db = tmp_path / "events" / "ev" / "event.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(schema.SchemaTooNew, match="upgrade piday"):
        EventStore.open(tmp_path, "ev")


def test_missing_event_is_named_and_unsafe_names_rejected(tmp_path):
    EventStore.open(tmp_path, "one").close()
    with pytest.raises(EventNotFound, match="one"):
        EventStore.open(tmp_path, "two", create=False)
    with pytest.raises(InvalidEventName):
        EventStore.open(tmp_path, "../escape")


def test_participant_codes_are_sequential_and_unique(tmp_path):
    with EventStore.open(tmp_path, "ev") as store:
        codes = [store.create_participant().code for _ in range(3)]
        assert codes == ["P-001", "P-002", "P-003"]
    with EventStore.open(tmp_path, "ev") as store:  # survives reopening
        assert store.create_participant().code == "P-004"


def test_photo_is_stored_under_uuids_never_names(tmp_path):
    src = f.jpeg(tmp_path / "in" / "Alice Smith.jpg")
    with EventStore.open(tmp_path / "data", "ev") as store:
        p = store.create_participant(nickname="Alice", consent=Consent())
        photo = store.add_photo(p, src, sha256="ab" * 32, fmt="JPEG", width=640, height=480,
                                original_name="Alice Smith.jpg")
        path = store.photo_path(photo)
        assert path.read_bytes() == src.read_bytes()
        assert path.relative_to(store.photos_dir).parts == (p.id, f"{photo.id}.jpg")
        assert "Alice" not in str(path)
        assert not list(path.parent.glob("*.part"))


def test_no_local_consent_stores_nothing(tmp_path):
    with EventStore.open(tmp_path, "ev") as store:
        p = store.create_participant(consent=Consent(local=False))
        with pytest.raises(PermissionError):
            store.add_photo(p, b"x", sha256="0" * 64, fmt="JPEG", width=1, height=1)
        assert store.counts()["photos"] == 0
        assert not store.photos_dir.exists() or not any(store.photos_dir.rglob("*.*"))


def test_consent_levels_are_consistent():
    assert Consent.parse("map+photo") == Consent(local=True, map=True, photo=True)
    with pytest.raises(ValueError):
        Consent(local=True, map=False, photo=True)
    with pytest.raises(ValueError, match="none, map or map\\+photo"):
        Consent.parse("everything")


def test_embeddings_roundtrip_and_missing_list(tmp_path):
    with EventStore.open(tmp_path, "ev") as store:
        p = store.create_participant()
        photos = [store.add_photo(p, f"img{i}".encode(), sha256=f"{i:064d}", fmt="JPEG", width=1, height=1)
                  for i in range(3)]
        assert len(store.photos_missing_embedding("m")) == 3
        vecs = np.eye(3, 4, dtype=np.float32)
        store.put_embeddings([(ph.id, v) for ph, v in zip(photos[:2], vecs)], model_id="m", device="cpu")
        assert [ph.id for ph in store.photos_missing_embedding("m")] == [photos[2].id]
        assert len(store.photos_missing_embedding("other")) == 3
        got, matrix, xy = store.vectors("m")
        assert [g.id for g in got] == [ph.id for ph in photos[:2]]
        np.testing.assert_array_equal(matrix, vecs[:2])
        assert np.isnan(xy).all()
        store.set_layout("m", [(photos[0].id, 0.5, -0.25)])
        _, _, xy = store.vectors("m")
        assert xy[0].tolist() == [0.5, -0.25]
