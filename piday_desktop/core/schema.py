"""The event database's schema and its migrations, one ordered chain per package.

Why chains per package: the Atlas tables belong to ``piday_desktop.atlas``, but ``core`` must
not import it, and a command that never imports it (``piday import``) must still leave the
database at a consistent schema. So each package registers its own migrations
(:func:`register`, atlas does when it is imported); a package's migrations only use core's
tables and its own; :func:`migrate` applies every registered package's pending ones, core's
first. A database opened without atlas simply has no Atlas tables yet, and the first process
that imports atlas adds them (``EventStore`` notices a registration made after it opened).

Where the versions live: table ``schema_versions`` (package, version), and ``PRAGMA
user_version`` = :data:`SCHEMA_VERSION` marks that layout. Releases before it counted one
global chain in ``user_version`` (1: core's first release, 2: plus the Atlas tables); such a
database is converted on open (:data:`LEGACY`). A database from a newer release (a larger
``user_version``, or more migrations of a registered package than this piday knows) is refused
rather than silently misread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

CORE = "core"

CORE_MIGRATIONS: list[str] = [
    # core 1: first release
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
    # core 2: what was taken away, for the final report (retakes, deletions, forgotten visitors).
    # Triggers, so every path that deletes (the station's retake, `piday forget`, a consent
    # withdrawn, `check --repair`) is counted without remembering to; only when and what kind,
    # never whose.
    """
    CREATE TABLE removals (
        removed_at TEXT NOT NULL,
        what       TEXT NOT NULL   -- retake (a shot discarded at review) | photo | visitor
    );
    CREATE TRIGGER removals_photo AFTER DELETE ON photos
    BEGIN
        INSERT INTO removals(removed_at, what) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            CASE OLD.state WHEN 'review' THEN 'retake' ELSE 'photo' END);
    END;
    CREATE TRIGGER removals_visitor AFTER DELETE ON participants
    BEGIN
        INSERT INTO removals(removed_at, what) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'visitor');
    END;
    """,
    # core 3: per-photo fields from an archive's own records (`piday import --metadata`): tags,
    # description, theme, prompt, any string or number. One row per value; a list is several
    # rows in order (pos 0, 1, ...), a scalar one row with is_list 0. ``kind`` keeps the source's
    # type for exports (a JSON number stays a number, CSV cells are text); ``num`` is the value as
    # a number whenever it reads as one, for --where's < and >.
    """
    CREATE TABLE photo_fields (
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        key      TEXT NOT NULL,
        pos      INTEGER NOT NULL DEFAULT 0,
        is_list  INTEGER NOT NULL DEFAULT 0,
        kind     TEXT NOT NULL,                 -- text | number | bool
        value    TEXT NOT NULL,
        num      REAL,
        PRIMARY KEY (photo_id, key, pos)
    );
    CREATE INDEX photo_fields_key ON photo_fields(key, value);
    """,
    # core 4: photos recorded where they are (`piday import --in-place`) instead of copied: a
    # registered root (its name, and where it is mounted on this machine now) and the file's
    # path relative to it, so the tree can move and `piday roots set` re-points it; size and
    # mtime as recorded let `piday check` see a changed file, the SHA-256 proves it.
    """
    CREATE TABLE roots (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        path       TEXT NOT NULL,                 -- absolute, this machine's view; changes when re-pointed
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    ALTER TABLE photos ADD COLUMN root_id INTEGER REFERENCES roots(id);  -- NULL: the event holds a copy
    ALTER TABLE photos ADD COLUMN rel_path TEXT;     -- '/'-separated, below the root; personal, never exported
    ALTER TABLE photos ADD COLUMN mtime_ns INTEGER;  -- the file's modification time when recorded
    CREATE UNIQUE INDEX photos_in_place ON photos(root_id, rel_path) WHERE root_id IS NOT NULL;
    """,
]

#: ``user_version`` of this layout (versions per package in ``schema_versions``).
SCHEMA_VERSION = 3
#: What the single chain of earlier releases had applied, by their ``user_version``.
LEGACY: dict[int, dict[str, int]] = {0: {}, 1: {CORE: 1}, 2: {CORE: 1, "atlas": 1}}

_registry: dict[str, tuple[str, ...]] = {CORE: tuple(CORE_MIGRATIONS)}
_registry_lock = threading.Lock()
_generation = 0


class SchemaTooNew(RuntimeError):
    """The database was written by a newer piday; opening it could corrupt it."""


def register(package: str, migrations: Sequence[str]) -> None:
    """Declare ``package``'s migrations (append only: a release adds to the end, never edits).

    Called once when the package is imported; stores opened before it pick them up at their
    next query or transaction (see :func:`generation`).
    """
    global _generation
    with _registry_lock:
        if _registry.get(package) == tuple(migrations):
            return
        _registry[package] = tuple(migrations)
        _generation += 1


def registered() -> dict[str, int]:
    """Package -> the number of migrations this process knows for it."""
    with _registry_lock:
        return {p: len(m) for p, m in _registry.items()}


def generation() -> int:
    """Bumped by every new registration: a store compares it to see whether to migrate again."""
    return _generation


def versions(conn: sqlite3.Connection) -> dict[str, int]:
    """Package -> migrations applied to this database (legacy databases read by :data:`LEGACY`)."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current < SCHEMA_VERSION:
        return dict(LEGACY.get(current, {}))
    return dict(conn.execute("SELECT package, version FROM schema_versions").fetchall())


def pending(conn: sqlite3.Connection) -> bool:
    """Whether :func:`migrate` has anything to do (two small reads, no write lock)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        return True
    have = versions(conn)
    return any(have.get(package, 0) != count for package, count in registered().items())


def _statements(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies included), to run inside our transaction:
    ``executescript`` would commit first, and a second process could then migrate twice."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf)
            buf = ""
    rest = "".join(line for line in buf.splitlines(keepends=True) if not line.strip().startswith("--"))
    if rest.strip():
        raise ValueError(f"migration ends in an incomplete statement: {rest.strip()[:60]!r}")
    return out


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every registered package's pending migrations in one transaction; returns the
    ``user_version`` the database started at.

    ``BEGIN IMMEDIATE`` first, then the versions are read: a second process migrating the same
    database waits, then finds nothing left to do.
    """
    with _registry_lock:
        known = dict(_registry)
    conn.execute("BEGIN IMMEDIATE")
    try:
        start = conn.execute("PRAGMA user_version").fetchone()[0]
        if start > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"this event database has schema version {start}, newer than this piday "
                f"understands ({SCHEMA_VERSION}); upgrade piday to open it"
            )
        have = versions(conn)
        for package, migrations in known.items():
            if have.get(package, 0) > len(migrations):
                raise SchemaTooNew(
                    f"this event database has {package} schema version {have[package]}, newer than this "
                    f"piday understands ({len(migrations)}); upgrade piday to open it"
                )
        if start < SCHEMA_VERSION:
            conn.execute("CREATE TABLE schema_versions (package TEXT PRIMARY KEY, version INTEGER NOT NULL)")
            conn.executemany("INSERT INTO schema_versions(package, version) VALUES (?, ?)", sorted(have.items()))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        order = [CORE] + sorted(p for p in known if p != CORE)
        for package in order:
            done = have.get(package, 0)
            for number, script in enumerate(known[package][done:], start=done + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_versions(package, version) VALUES (?, ?) "
                             "ON CONFLICT(package) DO UPDATE SET version=excluded.version", (package, number))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return start
