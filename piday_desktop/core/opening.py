"""Opening an event's database safely: one creator at a time, no silent fresh start, no leftovers.

Why each step:

- **One at a time.** Two processes opening a new event at the same moment (two imports, the
  station and an import) used to race: "table meta already exists", "database is locked".
  Creation, migration and the clean-up below run under an OS lock on ``.open.lock`` in the
  event folder; the second opener waits, then finds the schema current and does nothing.
- **Created whole or not at all.** A new database is built under a temporary name, migrated,
  fsynced and renamed into place. So ``event.sqlite`` is never empty by our doing, and an empty,
  truncated, foreign or too-new one is damage: it is refused with what to do, never silently
  replaced by a new empty event (which would then import every photo a second time).
- **Leftovers cleaned only when alone.** Each open store holds its own lock file under
  ``.locks/``; an opener that finds no other live one knows no write is in flight, removes
  ``.part`` temp files, moves photo files that have no row (a crash between the file's rename
  and its row's commit: never shown, never acknowledged) to ``orphans/``, and marks runs whose
  process died as interrupted.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from . import schema
from .durable import DiskFull, NO_SPACE_ERRNOS, StorageError, fsync_dir, fsync_file
from .locks import held_by_someone, lock, release_and_remove

log = logging.getLogger(__name__)

DB_NAME = "event.sqlite"
OPEN_LOCK = ".open.lock"
LOCKS_DIR = ".locks"
ORPHANS_DIR = "orphans"
SQLITE_MAGIC = b"SQLite format 3\x00"
DEAD_RUN_MESSAGE = "stopped without finishing: the process was killed or the laptop lost power"


class EventDatabaseUnusable(Exception):
    """The event's database cannot be used as it is; ``str()`` says what happened and what to do."""


class EventDatabaseDamaged(EventDatabaseUnusable):
    """Empty, truncated or not a database at all."""


class EventDatabaseTooNew(EventDatabaseUnusable, schema.SchemaTooNew):
    """Written by a newer piday; opening it here could corrupt it."""


@dataclass
class Leftovers:
    """What an open (or ``piday check``) found and dealt with."""

    temp_files: list[Path] = field(default_factory=list)  # removed
    orphans: list[Path] = field(default_factory=list)  # moved to orphans/ (new place)
    dead_runs: list[int] = field(default_factory=list)  # marked interrupted


def _damaged(db: Path, what: str) -> EventDatabaseDamaged:
    return EventDatabaseDamaged(
        f"the event database {db} {what}. Nothing was changed. Restore event.sqlite from a backup "
        f"of this event (`piday restore BACKUP_FOLDER --as NEW-NAME`, or copy the file back), or move "
        f"it aside to start the event again (the photo files in "
        f"{db.parent / 'photos'} stay and can be imported again)"
    )


def check_file(db: Path) -> None:
    """Refuse a database file that is empty, not SQLite, or shorter than its own header says.

    Cheap (reads 100 bytes): run at every open, before SQLite would happily treat an empty file
    as a new database.
    """
    size = db.stat().st_size
    if size == 0:
        raise _damaged(db, "is empty (0 bytes), e.g. after a copy that failed or a full disk")
    with open(db, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise _damaged(db, "is not an SQLite database (its first bytes are something else)")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages, valid_for = struct.unpack(">I", header[24:28])[0], \
        struct.unpack(">I", header[28:32])[0], struct.unpack(">I", header[92:96])[0]
    if page_size < 512 or page_size & (page_size - 1):
        raise _damaged(db, "has a corrupt header")
    # The in-header page count is trustworthy only when written by the same change (SQLite >= 3.7),
    # and only with no write-ahead log to replay: a process killed in the middle of a checkpoint
    # can leave page 1 (with the new count) written before the pages that extend the file, and
    # SQLite completes that from the log at the next open. Refusing it would call a station that
    # was merely killed "damaged" (found by the crash harness, issue 12).
    wal = db.with_name(db.name + "-wal")
    log_to_replay = wal.exists() and wal.stat().st_size > 0
    if change_counter == valid_for and pages and size < pages * page_size and not log_to_replay:
        raise _damaged(db, f"is truncated ({size} of {pages * page_size} bytes)")


def _storage_error(exc: BaseException, db: Path) -> StorageError | None:
    if isinstance(exc, OSError) and exc.errno in NO_SPACE_ERRNOS:
        return DiskFull(exc.errno, f"disk full while opening {db.parent.name}")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "full" in text:
            return DiskFull(errno.ENOSPC, f"disk full while opening the event database ({exc})")
        if "disk i/o error" in text or "readonly" in text or "unable to open" in text:
            return StorageError(errno.EIO, f"cannot open the event database ({exc})")
    return None


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _create(db: Path, event: str, now: str) -> None:
    """Build the database under a temporary name and rename it into place, whole."""
    tmp = db.with_name(f".{DB_NAME}.new")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)  # an earlier creation that died half-way
    conn = _connect(tmp)
    try:
        schema.migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('event', ?)", (event,))
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created_at', ?)", (now,))
        conn.execute("COMMIT")
    finally:
        conn.close()  # checkpoints the WAL into the file and removes it
    fsync_file(tmp)
    os.replace(tmp, db)
    fsync_dir(db.parent)


def open_database(directory: Path, event: str, now: str) -> tuple[sqlite3.Connection, FileLock, Leftovers]:
    """Create (if missing), check, migrate and clean an event; returns the connection, this
    opener's liveness lock (hold it until the connection closes) and what was cleaned."""
    db = directory / DB_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / LOCKS_DIR).mkdir(exist_ok=True)
        with lock(directory / OPEN_LOCK):
            if not db.exists():
                _create(db, event, now)
            check_file(db)
            conn = _connect(db)
            try:
                _migrate(conn, db)
                me = lock(directory / LOCKS_DIR / f"open-{uuid.uuid4().hex}.lock")
                me.acquire()
                try:
                    leftovers = Leftovers()
                    if alone(directory, me):
                        leftovers = clean_leftovers(conn, directory, now)
                    else:
                        leftovers.dead_runs = settle_dead_runs(conn, directory, now)
                except BaseException:
                    release_and_remove(me)
                    raise
            except BaseException:
                conn.close()
                raise
    except EventDatabaseUnusable:
        raise
    except sqlite3.DatabaseError as exc:
        storage = _storage_error(exc, db)
        if storage is not None:
            raise storage from exc
        text = str(exc).lower()
        if isinstance(exc, sqlite3.OperationalError) and not any(
                word in text for word in ("malformed", "not a database", "corrupt")):
            raise  # e.g. locked for 30 s by another process: not damage
        raise _damaged(db, f"cannot be read ({exc})") from exc
    except OSError as exc:
        storage = _storage_error(exc, db)
        if storage is not None:
            raise storage from exc
        raise
    return conn, me, leftovers


def _migrate(conn: sqlite3.Connection, db: Path) -> None:
    try:
        schema.migrate(conn)
    except schema.SchemaTooNew as exc:
        raise EventDatabaseTooNew(
            f"{exc}. Nothing was changed: open {db.parent.name} with the newer piday that wrote it "
            "(`piday --version` tells which one this is)") from None


def alone(directory: Path, me: FileLock) -> bool:
    """True if no other live store has this event open; stale opener files are removed."""
    alone = True
    for path in (directory / LOCKS_DIR).glob("open-*.lock"):
        if path == Path(me.lock_file):
            continue
        if held_by_someone(path):
            alone = False
        else:
            path.unlink(missing_ok=True)
    return alone


def clean_if_alone(conn: sqlite3.Connection, directory: Path, me: FileLock, now: str) -> Leftovers | None:
    """:func:`clean_leftovers` under the open lock (no one can finish opening meanwhile), only
    if no other store has the event open; None if one has."""
    with lock(directory / OPEN_LOCK):
        if not alone(directory, me):
            return None
        return clean_leftovers(conn, directory, now)


def run_lock_path(directory: Path, run_id: int) -> Path:
    return directory / LOCKS_DIR / f"run-{run_id}.lock"


def embed_lock_path(directory: Path, model_id: str) -> Path:
    """The lock one embedder of ``model_id`` holds (model ids contain ':' and '/')."""
    import hashlib

    return directory / LOCKS_DIR / f"embed-{hashlib.sha1(model_id.encode()).hexdigest()[:16]}.lock"


def settle_dead_runs(conn: sqlite3.Connection, directory: Path, now: str) -> list[int]:
    """Runs still 'running' whose process no longer holds its lock died: mark them interrupted."""
    running = [r[0] for r in conn.execute("SELECT id FROM runs WHERE status='running'")]
    dead = [run_id for run_id in running if not held_by_someone(run_lock_path(directory, run_id))]
    if dead:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "UPDATE runs SET status='interrupted', finished_at=COALESCE(finished_at, ?), "
                "message=COALESCE(message, ?) WHERE id=? AND status='running'",
                [(now, DEAD_RUN_MESSAGE, run_id) for run_id in dead])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        for run_id in dead:
            run_lock_path(directory, run_id).unlink(missing_ok=True)
    return dead


def find_leftovers(conn: sqlite3.Connection, directory: Path) -> Leftovers:
    """Temp files and photo files without a row under ``photos/`` (nothing is changed)."""
    found = Leftovers()
    photos = directory / "photos"
    if not photos.is_dir():
        return found
    known = {f"{pid}/{photo_id}.{ext}" for photo_id, pid, ext in
             conn.execute("SELECT id, participant_id, ext FROM photos")}
    for folder in photos.iterdir():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name.endswith(".part"):
                found.temp_files.append(path)
            elif not path.name.startswith(".") and path.is_file() and f"{folder.name}/{path.name}" not in known:
                found.orphans.append(path)
    return found


def clean_leftovers(conn: sqlite3.Connection, directory: Path, now: str) -> Leftovers:
    """Remove temp files, move orphan photo files aside, settle dead runs. Call only when alone."""
    found = find_leftovers(conn, directory)
    done = Leftovers(dead_runs=settle_dead_runs(conn, directory, now))
    for path in found.temp_files:
        path.unlink(missing_ok=True)
        done.temp_files.append(path)
    for path in found.orphans:
        # Kept, not deleted: an orphan is normally a photo nobody saw saved, but after a
        # database restored from an older backup it may be the only copy of a real one.
        dest = directory / ORPHANS_DIR / path.parent.name / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, dest)
        done.orphans.append(dest)
    if done.temp_files or done.orphans or done.dead_runs:
        log.info("event %s: removed %d temp file(s), moved %d orphan file(s) to %s, %d dead run(s)",
                 directory.name, len(done.temp_files), len(done.orphans), ORPHANS_DIR, len(done.dead_runs))
    return done
