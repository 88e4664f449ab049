"""The Atlas tables: this package's migrations, registered with core's schema runner on import.

Why here and not in ``core/schema.py``: they are the uploader's, and core must not know the
uploader. ``piday_desktop.atlas`` imports this module first thing, so any process that uses
the uploader has registered them before it touches a store; a store opened earlier (the
station opens its event before it starts the uploader) applies them at its next query. A
database last opened without atlas has no Atlas tables: nothing there needs them.

Migration 1 is the one the single-chain releases numbered 2 (``core.schema.LEGACY``).
"""

from __future__ import annotations

from ..core import schema

PACKAGE = "atlas"

MIGRATIONS: list[str] = [
    # atlas 1: the upload outbox, one row per photo that may go to the public map, its upload
    # state and retry schedule, plus the uploader's own small state.
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
    # atlas 2: the group names the station's live map shows (its clusters' names, from the
    # label vocabulary: never a visitor's name), sent as the text column Atlas names its topics
    # from. Rewritten whole at each naming; a deleted photo takes its row with it.
    """
    CREATE TABLE atlas_groups (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        name     TEXT NOT NULL,
        named_at TEXT NOT NULL
    );
    """,
]

schema.register(PACKAGE, MIGRATIONS)
