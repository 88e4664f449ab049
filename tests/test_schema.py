"""The schema runner: per-package migrations, databases of earlier releases, commands without atlas."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from piday_desktop.atlas import erase, outbox, state
from piday_desktop.core import schema
from piday_desktop.core.store import Consent, EventStore

FIXTURES = Path(__file__).parent / "fixtures"


def tables(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
    finally:
        conn.close()


def db_of(root: Path, event: str = "ev") -> Path:
    return root / "events" / event / "event.sqlite"


def test_a_database_written_by_the_release_before_opens_with_everything_in_it(tmp_path: Path) -> None:
    """``user_version`` 2: one global chain (core 1 + the Atlas tables), as every station has today."""
    db = db_of(tmp_path)
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / "event_user_version_2.sql").read_text())
    conn.close()
    with EventStore.open(tmp_path, "ev") as store:
        assert [p.consent.label for p in store.participants()] == ["none", "map", "map+photo"]
        assert len(store.photos()) == 6 and store.embedded_models() == {"m:none": 6}
        assert outbox.counts(store) == {"queued": 2, "sending": 0, "failing": 0, "uploaded": 2}
        assert state.get(store, "map_link") == "https://atlas.example/map"
        assert dict(store.query("SELECT package, version FROM schema_versions")) == {"atlas": 2, "core": len(schema.CORE_MIGRATIONS)}
        assert store.scalar("PRAGMA user_version") == schema.SCHEMA_VERSION
        # The Atlas trigger came along: forgetting an uploaded visitor still schedules a rebuild.
        uploaded = store.query("SELECT p.participant_id FROM atlas_outbox o JOIN photos p ON p.id=o.photo_id "
                               "WHERE o.state='uploaded'")[0][0]
        assert erase.forget_participant(store, uploaded).rebuild
        assert state.get(store, "remove_datasets") == '["ds-old"]'
    with EventStore.open(tmp_path, "ev") as store:  # and again: nothing left to migrate
        assert outbox.counts(store)["uploaded"] == 0


def test_a_first_release_database_gets_the_atlas_tables(tmp_path: Path) -> None:
    db = db_of(tmp_path)
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript("BEGIN;" + schema.CORE_MIGRATIONS[0] + "PRAGMA user_version = 1; COMMIT;")
    conn.close()
    with EventStore.open(tmp_path, "ev") as store:
        assert outbox.counts(store) == {"queued": 0, "sending": 0, "failing": 0, "uploaded": 0}
        assert dict(store.query("SELECT package, version FROM schema_versions")) == {"atlas": 2, "core": len(schema.CORE_MIGRATIONS)}


NO_ATLAS = """
import sys
from pathlib import Path
from piday_desktop.core.store import Consent, EventStore
store = EventStore.open(Path(sys.argv[1]), "ev")
p = store.create_participant(consent=Consent(map=True))
store.add_photo(p, b"a photo", sha256="ab" * 32, fmt="JPEG", width=1, height=1)
assert "piday_desktop.atlas" not in sys.modules, "this command must not need atlas"
store.close()
"""

LATE_ATLAS = """
import sys
from pathlib import Path
from piday_desktop.core.store import EventStore
store = EventStore.open(Path(sys.argv[1]), "ev")  # the station opens its event first ...
from piday_desktop.atlas import outbox  # ... and starts the uploader later
print(outbox.counts(store)["queued"])
store.close()
"""


def test_a_command_without_atlas_leaves_a_consistent_database_that_atlas_completes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", NO_ATLAS, str(tmp_path)], check=True)
    db = db_of(tmp_path)
    assert not {t for t in tables(db) if t.startswith("atlas")}
    conn = sqlite3.connect(db)
    assert schema.versions(conn) == {"core": len(schema.CORE_MIGRATIONS)}
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # A store opened before atlas was imported picks its tables up at the next use.
    done = subprocess.run([sys.executable, "-c", LATE_ATLAS, str(tmp_path)], check=True, capture_output=True,
                          text=True)
    assert done.stdout.strip() == "0"
    assert {"atlas_outbox", "atlas_state", "atlas_nickname_ok", "atlas_outbox_erased"} <= tables(db)
    with EventStore.open(tmp_path, "ev") as store:
        store.set_participant_state("P-001", "finished")
        assert outbox.sweep(store).enqueued == 1  # the photo stored without atlas goes up like any other


def test_a_package_schema_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    EventStore.open(tmp_path, "ev").close()
    conn = sqlite3.connect(db_of(tmp_path))
    conn.execute("UPDATE schema_versions SET version = 99 WHERE package = 'atlas'")
    conn.commit()
    conn.close()
    with pytest.raises(schema.SchemaTooNew, match="atlas schema version 99.*upgrade piday"):
        EventStore.open(tmp_path, "ev")


def test_a_read_never_waits_for_a_commit_in_flight(tmp_path: Path) -> None:
    """The map and the status bar read while the writer commits a photo (and fsyncs): they get the
    last committed state at once instead of queueing behind the write lock."""
    with EventStore.open(tmp_path, "ev") as store:
        store.create_participant(consent=Consent())
        writing, release, read = threading.Event(), threading.Event(), threading.Event()
        seen: list[int] = []

        def writer() -> None:
            with store.transaction() as conn:
                conn.execute("UPDATE participants SET nickname='x'")
                writing.set()
                release.wait(30)

        def reader() -> None:
            seen.append(store.scalar("SELECT COUNT(*) FROM participants WHERE nickname IS NULL"))
            read.set()

        w = threading.Thread(target=writer)
        w.start()
        assert writing.wait(30)
        r = threading.Thread(target=reader)
        r.start()
        try:
            assert read.wait(10), "the read waited for the write transaction"
        finally:
            release.set()
            w.join()
            r.join()
        assert seen == [1]  # the committed state, not the transaction's own write
        assert store.scalar("SELECT COUNT(*) FROM participants WHERE nickname IS NULL") == 0  # after commit
