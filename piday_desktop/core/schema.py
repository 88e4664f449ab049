"""The event database's schema and its migrations.

Every release that changes the schema appends a migration; ``PRAGMA user_version`` records
which ones ran. A database from any earlier release therefore opens in a later one, and a
database from a *newer* release is refused rather than silently misread.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: first release
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE participants (
        id            TEXT PRIMARY KEY,          -- UUID; the only participant key used in paths
        code          TEXT NOT NULL UNIQUE,      -- short public code, P-001
        label         TEXT,                      -- import folder name: personal, never in paths or exports by default
        nickname      TEXT,                      -- personal, never in paths or exports by default
        consent_local INTEGER NOT NULL DEFAULT 0,  -- keep my photos for this event's local map
        consent_map   INTEGER NOT NULL DEFAULT 0,  -- put my embedding on the public Atlas map
        consent_photo INTEGER NOT NULL DEFAULT 0,  -- also show my photo there
        source        TEXT NOT NULL,             -- 'station' or 'import'
        state         TEXT NOT NULL DEFAULT 'open',  -- open | finished | cancelled
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        finished_at   TEXT
    );
    CREATE UNIQUE INDEX participants_import_label ON participants(label) WHERE source = 'import';
    CREATE TABLE photos (
        id             TEXT PRIMARY KEY,          -- UUID; file is photos/<participant id>/<id>.<ext>
        participant_id TEXT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        shot           INTEGER NOT NULL,          -- 1-based number within the participant
        sha256         TEXT NOT NULL UNIQUE,
        original_name  TEXT,                      -- base name only, never a directory
        ext            TEXT NOT NULL,
        size_bytes     INTEGER NOT NULL,
        width          INTEGER NOT NULL,
        height         INTEGER NOT NULL,
        taken_at       TEXT,
        imported_at    TEXT NOT NULL,
        state          TEXT NOT NULL DEFAULT 'kept'   -- review (station shot awaiting keep) | kept
    );
    CREATE INDEX photos_participant ON photos(participant_id);
    CREATE TABLE embeddings (
        photo_id   TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model_id   TEXT NOT NULL,
        dim        INTEGER NOT NULL,
        vector     BLOB NOT NULL,                 -- float32, L2-normalised, little-endian
        device     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        x          REAL,                          -- live-map layout position, once one exists
        y          REAL,
        PRIMARY KEY (photo_id, model_id)
    );
    CREATE TABLE runs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        command      TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        status       TEXT NOT NULL DEFAULT 'running',  -- running | ok | partial | interrupted | failed
        model_id     TEXT,
        device       TEXT,
        files_seen   INTEGER NOT NULL DEFAULT 0,
        imported     INTEGER NOT NULL DEFAULT 0,
        duplicates   INTEGER NOT NULL DEFAULT 0,
        embedded     INTEGER NOT NULL DEFAULT 0,
        skipped      INTEGER NOT NULL DEFAULT 0,
        seconds      REAL,
        embed_seconds REAL,
        images_per_s REAL,
        peak_rss_mb  REAL,
        message      TEXT
    );
    CREATE TABLE run_failures (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        item   TEXT NOT NULL,      -- the file as the user named it, relative to what they imported
        reason TEXT NOT NULL
    );
    """,
    # 2: the Atlas upload outbox (piday_desktop/atlas): one row per photo that may go to the
    # public map, its upload state and retry schedule, plus the uploader's own small state.
    """
    CREATE TABLE atlas_outbox (
        photo_id        TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        state           TEXT NOT NULL DEFAULT 'queued',  -- queued | sending | failing | uploaded
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        next_attempt_at REAL NOT NULL DEFAULT 0,         -- unix time; due when <= now
        blob_hash       TEXT,                            -- the thumbnail's hash on the service
        dataset_id      TEXT,                            -- the Atlas dataset it was sent to
        enqueued_at     TEXT NOT NULL,
        uploaded_at     TEXT                             -- when the service was seen holding it
    );
    CREATE INDEX atlas_outbox_due ON atlas_outbox(state, next_attempt_at);
    CREATE TABLE atlas_state (
        key   TEXT PRIMARY KEY,
        value TEXT
    );
    -- Removing a row that may already be on Atlas (a forgotten visitor, a deleted photo, any
    -- code path) flags the dataset for a rebuild: 3.9.0 cannot delete single rows.
    CREATE TRIGGER atlas_outbox_erased AFTER DELETE ON atlas_outbox
    WHEN OLD.dataset_id IS NOT NULL OR OLD.blob_hash IS NOT NULL
    BEGIN
        INSERT INTO atlas_state(key, value) VALUES ('erased_since_upload', '1')
        ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
    END;
    CREATE TABLE atlas_nickname_ok (                     -- visitors who agreed to show their nickname
        participant_id TEXT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer piday; opening it could corrupt it."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn`` up to :data:`SCHEMA_VERSION`; returns the version it started at."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"this event database has schema version {current}, newer than this piday "
            f"understands ({SCHEMA_VERSION}); upgrade piday to open it"
        )
    for version in range(current, SCHEMA_VERSION):
        # executescript commits first, so each migration runs in its own explicit transaction.
        conn.executescript(
            "BEGIN;\n" + MIGRATIONS[version] + f"\nPRAGMA user_version = {version + 1};\nCOMMIT;"
        )
    return current
