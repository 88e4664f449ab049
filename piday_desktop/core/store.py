"""The event catalogue: one SQLite database plus a photo folder per event.

Why SQLite in WAL mode with ``synchronous=FULL``: readers (the map, a report, an export) never
block the writer that is saving a visitor's photo, and a committed row survives a power cut.
The store is shared by the UI thread, the embedding callbacks and the uploader, so every call
takes a short lock around one connection rather than each thread opening its own.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from filelock import FileLock

from . import opening, paths, photo_fields, schema
from .codes import format_code, prefix_for
from .consent import Consent, may_keep
from .durable import DiskFull, StorageError, write_durably
from .images import VerifiedFile
from .locks import lock as file_lock, release_and_remove

log = logging.getLogger(__name__)

PHOTO_STATES = ("review", "kept")
EXT_BY_FORMAT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp", "DIB": "bmp", "TIFF": "tif",
                 "HEIF": "heic", "AVIF": "avif"}


class EventNotFound(LookupError):
    """No event of that name exists under the data directory."""


class ParticipantNotFound(LookupError):
    """No participant with that code in this event."""


class AlreadyStored(Exception):
    """A photo with these bytes (SHA-256) is already in the event: stored by another process
    a moment ago, or earlier. Not an error for an import: it is simply there."""

    def __init__(self, photo: "Photo") -> None:
        super().__init__(f"already stored as {photo.participant_code} {photo.id}")
        self.photo = photo


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Participant:
    id: str
    code: str
    label: str | None
    nickname: str | None
    consent: Consent
    source: str
    state: str
    created_at: str


@dataclass(frozen=True)
class Photo:
    id: str
    participant_id: str
    participant_code: str
    shot: int
    sha256: str
    original_name: str | None
    ext: str
    size_bytes: int
    width: int
    height: int
    taken_at: str | None
    imported_at: str
    state: str
    root_id: int | None = None  # recorded in place under this root (None: the event holds a copy)
    rel_path: str | None = None  # below the root, '/'-separated (personal: folder and file names)
    mtime_ns: int | None = None  # the in-place file's modification time when recorded

    @property
    def in_place(self) -> bool:
        """Recorded where it is (`import --in-place`): the file is the archive's, not the event's."""
        return self.root_id is not None


@dataclass(frozen=True)
class Root:
    """A folder tree photos are recorded in place under; ``path`` is where it is on this machine now."""

    id: int
    name: str
    path: Path


class PathRecorded(Exception):
    """Another photo is recorded in place at this path: the file there changed after it was recorded."""

    def __init__(self, photo: "Photo") -> None:
        super().__init__(f"recorded as {photo.participant_code} photo {photo.shot} with other bytes")
        self.photo = photo


class RootError(ValueError):
    """A root cannot be registered or re-pointed as asked; ``str(err)`` says what to do."""


ROOT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


#: The columns :func:`photo_from_row` maps, in order (aliases ``p`` photos, ``pt`` participants).
PHOTO_COLUMNS = (
    "p.id, p.participant_id, pt.code, p.shot, p.sha256, p.original_name, p.ext, p.size_bytes, "
    "p.width, p.height, p.taken_at, p.imported_at, p.state, p.root_id, p.rel_path, p.mtime_ns"
)
#: The join :data:`PHOTO_COLUMNS` reads from; the consent rule's SQL uses the same aliases.
PHOTO_FROM = "photos p JOIN participants pt ON pt.id = p.participant_id"
_PHOTO_FIELDS = PHOTO_COLUMNS.count(",") + 1
#: What :func:`vector_row` maps after the photo's columns.
_VECTOR_COLUMNS = "e.vector, e.dim, e.x, e.y"


def photo_from_row(row: Sequence) -> Photo:
    """A :class:`Photo` from a row that starts with :data:`PHOTO_COLUMNS` (more columns may follow)."""
    return Photo(*row[:_PHOTO_FIELDS])


@dataclass(frozen=True)
class VectorRow:
    """One photo's embedding row: the photo, its vector and its map position (None: not laid out)."""

    photo: Photo
    vector: np.ndarray
    x: float | None
    y: float | None


def vector_row(row: Sequence) -> VectorRow:
    """A :class:`VectorRow` from :data:`PHOTO_COLUMNS` followed by :data:`_VECTOR_COLUMNS`."""
    blob, dim, x, y = row[_PHOTO_FIELDS:]
    vector = np.frombuffer(blob, dtype="<f4", count=dim).astype(np.float32, copy=False)  # read-only view
    return VectorRow(photo_from_row(row), vector, x, y)


def _participant(row: Sequence) -> Participant:
    return Participant(
        id=row[0], code=row[1], label=row[2], nickname=row[3],
        consent=Consent(bool(row[4]), bool(row[5]), bool(row[6])),
        source=row[7], state=row[8], created_at=row[9],
    )


_PARTICIPANT_COLUMNS = (
    "id, code, label, nickname, consent_local, consent_map, consent_photo, source, state, created_at"
)


def _next_shot(conn: sqlite3.Connection, participant_id: str) -> int:
    """The participant's next shot number (1-based), inside the transaction that adds it."""
    return conn.execute("SELECT COALESCE(MAX(shot), 0) + 1 FROM photos WHERE participant_id=?",
                        (participant_id,)).fetchone()[0]


def _insert_photo(conn: sqlite3.Connection, **row: Any) -> None:
    """One ``photos`` row; the keyword names are the columns (written here, never user text).
    Every way a photo enters (stored, recorded in place, merged) goes through this one INSERT."""
    conn.execute(f"INSERT INTO photos({', '.join(row)}) VALUES ({','.join('?' * len(row))})", tuple(row.values()))


class EventStore:
    """One event: ``<data>/events/<name>/event.sqlite`` and ``photos/<participant uuid>/``."""

    def __init__(self, directory: Path, conn: sqlite3.Connection, event: str) -> None:
        self.directory = directory
        self.event = event
        self._conn = conn  # the writer: every transaction, in order
        self._lock = threading.RLock()  # held through a transaction's commit (and its fsync)
        self._opener: FileLock | None = None  # proof of life for other openers (see opening.py)
        self._run_locks: dict[int, FileLock] = {}
        self.leftovers = opening.Leftovers()  # what opening cleaned up
        # Reads go through a second connection with its own lock: in WAL mode a reader sees the
        # last commit and never waits for the writer, so a query (the map, the status bar) does
        # not wait out a photo's fsync behind the write lock.
        self._reader = sqlite3.connect(self._db_path(conn), check_same_thread=False, isolation_level=None,
                                       timeout=30)
        self._reader.execute("PRAGMA query_only=ON")
        self._read_lock = threading.Lock()
        self._schema_generation = -1  # migrations registered since: checked at the first use
        self._roots: dict[int, Root] | None = None  # read at the first in-place photo; reset by set_root

    @staticmethod
    def _db_path(conn: sqlite3.Connection) -> str:
        return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")

    # --- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path, event: str, *, create: bool = True) -> "EventStore":
        """Open (or create) an event; safe when several processes do it at the same moment.

        Raises :class:`EventNotFound`, :class:`~.opening.EventDatabaseUnusable` (empty,
        truncated, foreign or too-new database: the message says what to do) or
        :class:`DiskFull` / :class:`StorageError`. See :mod:`.opening` for why each step.
        """
        directory = paths.event_dir(root, event)
        if not (directory / opening.DB_NAME).exists() and not create:
            known = ", ".join(paths.list_events(root)) or "none yet"
            raise EventNotFound(f"no event named {event!r} in {root} (events: {known})")
        conn, opener, leftovers = opening.open_database(directory, event, utcnow())
        store = cls(directory, conn, event)
        store._opener, store.leftovers = opener, leftovers
        return store

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._reader.close()
            self._conn.close()
            for lock in self._run_locks.values():
                release_and_remove(lock)
            self._run_locks.clear()
            if self._opener is not None:
                release_and_remove(self._opener)
                self._opener = None

    def __enter__(self) -> "EventStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the seam other packages use (atlas keeps its tables in the event database) ------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error).

        The connection is valid inside the block only. A full disk raises :class:`DiskFull`, other
        storage failures :class:`StorageError`. Writes of all threads are serialised; the commit
        is durable (``synchronous=FULL``) when the block ends.
        """
        with self._tx() as conn:
            yield conn

    def query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        """Rows of one read, from the last committed state (never waits for a commit in flight;
        inside :meth:`transaction`, read through its connection to see its own writes)."""
        return self._query(sql, args)

    def scalar(self, sql: str, args: Sequence = ()) -> Any:
        """The first column of the first row of one read, or None when there is no row."""
        rows = self._query(sql, args)
        return rows[0][0] if rows else None

    def enable_secure_delete(self) -> None:
        """Overwrite deleted rows on disk from now on (erasure: nothing lingers in free pages)."""
        with self._lock:
            self._conn.execute("PRAGMA secure_delete=ON")

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it (after an erasure)."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- private plumbing ---------------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Apply migrations a package registered after this store opened (the station opens its
        event before it imports the uploader); a cheap integer compare when nothing changed."""
        generation = schema.generation()
        if generation == self._schema_generation:
            return
        with self._lock:
            if self._conn.in_transaction:
                return  # a nested call inside a transaction: the next call migrates
            if schema.pending(self._conn):
                schema.migrate(self._conn)
            self._schema_generation = generation

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._ensure_schema()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    text = str(exc).lower()
                    if "full" in text:
                        raise DiskFull(errno.ENOSPC, f"disk full while saving to the event database ({exc})") from exc
                    if "disk i/o error" in text or "readonly" in text:
                        raise StorageError(errno.EIO, f"cannot write the event database ({exc}): the disk may be "
                                                      "full, failing or removed") from exc
                raise

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        self._ensure_schema()
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    @property
    def photos_dir(self) -> Path:
        return self.directory / "photos"

    # --- participants ------------------------------------------------------------------

    def _next_code(self, conn: sqlite3.Connection, prefix: str) -> str:
        row = conn.execute(
            "SELECT MAX(CAST(SUBSTR(code, 3) AS INTEGER)) FROM participants WHERE code LIKE ?", (f"{prefix}-%",)
        ).fetchone()
        return format_code(prefix, (row[0] or 0) + 1)

    def create_participant(
        self, *, source: str = "station", consent: Consent = Consent(), nickname: str | None = None,
        label: str | None = None, station_id: str = "",
    ) -> Participant:
        """A new participant with the next code of this station (``P-…``, or ``A-…`` for station A)."""
        prefix = prefix_for(station_id)
        now = utcnow()
        pid = str(uuid.uuid4())
        with self._tx() as c:
            code = self._next_code(c, prefix)
            c.execute(
                "INSERT INTO participants(id, code, label, nickname, consent_local, consent_map, "
                "consent_photo, source, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (pid, code, label, nickname, consent.local, consent.map, consent.photo, source,
                 "open", now, now),
            )
        return self.participant(code)

    def import_participant(self, label: str, consent: Consent) -> Participant:
        """The participant an import folder maps to; the same folder name resumes the same one."""
        rows = self._query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE source='import' AND label=?", (label,)
        )
        if rows:
            return _participant(rows[0])
        try:
            return self.create_participant(source="import", consent=consent, label=label)
        except sqlite3.IntegrityError:  # another import created it a moment ago
            rows = self._query(
                f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE source='import' AND label=?", (label,))
            if rows:
                return _participant(rows[0])
            raise

    def adopt_participant(self, other: Participant, finished_at: str | None = None) -> tuple[Participant, bool]:
        """Take in another station's participant (``piday merge``): same id, consent and state.

        The same id (a second merge of the same folder) or, for an import, the same folder label
        is the same person: (that participant, False). Otherwise the row is added with its own
        code, or the next free code of its station when this event already gave that code to
        someone else: (new participant, True).
        """
        with self._tx() as c:
            row = c.execute(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id=?", (other.id,)).fetchone()
            if row is None and other.source == "import" and other.label is not None:
                row = c.execute(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE source='import' AND label=?",
                                (other.label,)).fetchone()
            if row is not None:
                return _participant(row), False
            code = other.code
            if c.execute("SELECT 1 FROM participants WHERE code=?", (code,)).fetchone():
                code = self._next_code(c, code.split("-", 1)[0] if "-" in code else "P")
            c.execute(
                "INSERT INTO participants(id, code, label, nickname, consent_local, consent_map, consent_photo, "
                "source, state, created_at, updated_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (other.id, code, other.label, other.nickname, other.consent.local, other.consent.map,
                 other.consent.photo, other.source, other.state, other.created_at, utcnow(), finished_at),
            )
        return self.participant(code), True

    def finished_at(self, participant_id: str) -> str | None:
        return self.scalar("SELECT finished_at FROM participants WHERE id=?", (participant_id,))

    def participant(self, code: str) -> Participant:
        rows = self._query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE code=? OR id=?", (code, code)
        )
        if not rows:
            raise ParticipantNotFound(f"no participant {code!r} in event {self.event!r}")
        return _participant(rows[0])

    def participants(self) -> list[Participant]:
        return [_participant(r) for r in self._query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants ORDER BY code")]

    def set_consent(self, code: str, consent: Consent) -> Participant:
        p = self.participant(code)
        with self._tx() as c:
            c.execute(
                "UPDATE participants SET consent_local=?, consent_map=?, consent_photo=?, updated_at=? "
                "WHERE id=?", (consent.local, consent.map, consent.photo, utcnow(), p.id),
            )
        return self.participant(p.id)

    def set_participant_state(self, code: str, state: str) -> None:
        if state not in ("open", "finished", "cancelled"):
            raise ValueError(f"unknown participant state {state!r}")
        p = self.participant(code)
        now = utcnow()
        with self._tx() as c:
            c.execute(
                "UPDATE participants SET state=?, updated_at=?, finished_at=? WHERE id=?",
                (state, now, now if state != "open" else None, p.id),
            )

    # --- photos ------------------------------------------------------------------------

    def photo_path(self, photo: Photo) -> Path:
        """Where the photo's bytes are: the event's copy, or the file under its root (in place)."""
        if photo.root_id is not None and photo.rel_path is not None:
            return self._root(photo.root_id).path.joinpath(*photo.rel_path.split("/"))
        return self._copy_path(photo)

    def _copy_path(self, photo: Photo) -> Path:
        return self.photos_dir / photo.participant_id / f"{photo.id}.{photo.ext}"

    def photo_source(self, photo: Photo) -> Path | VerifiedFile:
        """What to decode for the model: the event's copy, or an in-place file checked against its
        size and SHA-256 as it is read (a changed file fails instead of being embedded wrong)."""
        path = self.photo_path(photo)
        return VerifiedFile(path, photo.sha256, photo.size_bytes) if photo.in_place else path

    # --- roots (photos recorded in place) -------------------------------------------------

    def roots(self) -> list[Root]:
        rows = self._query("SELECT id, name, path FROM roots ORDER BY name")
        return [Root(i, n, Path(p)) for i, n, p in rows]

    def _root(self, root_id: int) -> Root:
        if self._roots is None or root_id not in self._roots:
            self._roots = {r.id: r for r in self.roots()}
        return self._roots[root_id]

    def root_counts(self) -> dict[int, int]:
        return dict(self._query("SELECT root_id, COUNT(*) FROM photos WHERE root_id IS NOT NULL GROUP BY root_id"))

    def add_root(self, name: str, path: Path) -> Root:
        if not ROOT_NAME_RE.match(name):
            raise RootError(f"root name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
        now = utcnow()
        try:
            with self._tx() as c:
                c.execute("INSERT INTO roots(name, path, created_at, updated_at) VALUES (?,?,?,?)",
                          (name, str(Path(path).resolve()), now, now))
        except sqlite3.IntegrityError:
            raise RootError(f"a root named {name!r} is registered already") from None
        self._roots = None
        return next(r for r in self.roots() if r.name == name)

    def set_root(self, name: str, path: Path) -> Root:
        """Re-point a root (the tree moved, or is mounted elsewhere): its photos' paths follow."""
        with self._tx() as c:
            done = c.execute("UPDATE roots SET path=?, updated_at=? WHERE name=?",
                             (str(Path(path).resolve()), utcnow(), name)).rowcount
        if not done:
            known = ", ".join(r.name for r in self.roots()) or "none"
            raise RootError(f"no root named {name!r} in event {self.event!r} (roots: {known})")
        self._roots = None
        return next(r for r in self.roots() if r.name == name)

    def photo_by_sha256(self, sha256: str) -> Photo | None:
        rows = self._query(f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE p.sha256=?", (sha256,))
        return photo_from_row(rows[0]) if rows else None

    def add_photo(
        self, participant: Participant, data: bytes | Path, *, sha256: str, fmt: str, width: int,
        height: int, original_name: str | None = None, taken_at: str | None = None, state: str = "kept",
        fields: dict | None = None,
    ) -> Photo:
        """Store a photo durably: the file is fsynced and renamed before its row is committed.

        The station stores each shot at once in state ``review`` (so a crash cannot lose it) and
        flips it to ``kept`` when the visitor keeps it. ``fields`` (an archive's per-photo
        metadata, :mod:`.photo_fields`) are committed with the row.
        """
        if state not in PHOTO_STATES:
            raise ValueError(f"unknown photo state {state!r}")
        if not may_keep(participant.consent):
            raise PermissionError(f"{participant.code} did not agree to keep photos")
        photo_id = str(uuid.uuid4())
        ext = EXT_BY_FORMAT.get(fmt, "bin")
        dest = self.photos_dir / participant.id / f"{photo_id}.{ext}"
        write_durably(dest, data)
        size = dest.stat().st_size
        try:
            with self._tx() as c:
                _insert_photo(c, id=photo_id, participant_id=participant.id, shot=_next_shot(c, participant.id),
                              sha256=sha256, original_name=original_name, ext=ext, size_bytes=size, width=width,
                              height=height, taken_at=taken_at, imported_at=utcnow(), state=state)
                if fields:
                    photo_fields.write(c, photo_id, fields)
        except BaseException as exc:
            dest.unlink(missing_ok=True)  # no row points at it; leave nothing half-recorded
            if isinstance(exc, sqlite3.IntegrityError) and "photos.sha256" in str(exc):
                existing = self.photo_by_sha256(sha256)
                if existing is not None:  # another process stored the same bytes meanwhile
                    raise AlreadyStored(existing) from None
            raise
        return self.photo(photo_id)

    def adopt_photo(self, other: Photo, participant: Participant, data: bytes) -> Photo | None:
        """Take in another station's photo with its id (so its Atlas row stays the same datum).

        None when these bytes are stored here already (under any id): no photo twice. The file
        is written durably before its row, as in :meth:`add_photo`.
        """
        if hashlib.sha256(data).hexdigest() != other.sha256:
            raise ValueError(f"the file of photo {other.id} does not match its SHA-256 (damaged copy)")
        if self.photo_by_sha256(other.sha256) is not None:
            return None
        dest = self.photos_dir / participant.id / f"{other.id}.{other.ext}"
        write_durably(dest, data)
        try:
            with self._tx() as c:
                if c.execute("SELECT 1 FROM photos WHERE id=?", (other.id,)).fetchone():
                    return None
                shot = other.shot
                if c.execute("SELECT 1 FROM photos WHERE participant_id=? AND shot=?", (participant.id, shot)).fetchone():
                    shot = _next_shot(c, participant.id)
                _insert_photo(c, id=other.id, participant_id=participant.id, shot=shot, sha256=other.sha256,
                              original_name=other.original_name, ext=other.ext, size_bytes=len(data),
                              width=other.width, height=other.height, taken_at=other.taken_at,
                              imported_at=other.imported_at, state=other.state)
        except sqlite3.IntegrityError:
            dest.unlink(missing_ok=True)  # stored meanwhile by another process
            return None
        return self.photo(other.id)

    def clear_layout(self, model_id: str) -> None:
        """Forget ``model_id``'s map positions: the next map lays every photo out again."""
        with self._tx() as c:
            c.execute("UPDATE embeddings SET x=NULL, y=NULL WHERE model_id=?", (model_id,))

    def restore_photo_file(self, photo: Photo, data: bytes | Path) -> None:
        """Put back a photo's file from the same bytes (a re-import, a backup); checked first.

        A photo recorded in place whose file is gone or changed becomes a copy held by the event:
        nothing is ever written into the archive's own tree.
        """
        raw = data if isinstance(data, (bytes, bytearray)) else Path(data).read_bytes()
        if hashlib.sha256(raw).hexdigest() != photo.sha256:
            raise ValueError(f"these bytes are not photo {photo.id} (SHA-256 differs)")
        write_durably(self._copy_path(photo), bytes(raw))
        if photo.in_place:
            with self._tx() as c:
                c.execute("UPDATE photos SET root_id=NULL, rel_path=NULL, mtime_ns=NULL, size_bytes=? WHERE id=?",
                          (len(raw), photo.id))

    def add_photo_in_place(
        self, participant: Participant, root: Root, rel_path: str, *, sha256: str, fmt: str, width: int,
        height: int, size: int, mtime_ns: int, original_name: str | None = None, taken_at: str | None = None,
        fields: dict | None = None,
    ) -> Photo:
        """Record a file where it is, under ``root`` (nothing is copied); see :meth:`add_photo`."""
        if not may_keep(participant.consent):
            raise PermissionError(f"{participant.code} did not agree to keep photos")
        photo_id = str(uuid.uuid4())
        try:
            with self._tx() as c:
                _insert_photo(c, id=photo_id, participant_id=participant.id, shot=_next_shot(c, participant.id),
                              sha256=sha256, original_name=original_name, ext=EXT_BY_FORMAT.get(fmt, "bin"),
                              size_bytes=size, width=width, height=height, taken_at=taken_at, imported_at=utcnow(),
                              state="kept", root_id=root.id, rel_path=rel_path, mtime_ns=mtime_ns)
                if fields:
                    photo_fields.write(c, photo_id, fields)
        except sqlite3.IntegrityError as exc:
            if "photos.sha256" in str(exc):
                existing = self.photo_by_sha256(sha256)
                if existing is not None:
                    raise AlreadyStored(existing) from None
            rows = self._query(f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE p.root_id=? AND p.rel_path=?",
                               (root.id, rel_path))
            if rows:
                raise PathRecorded(photo_from_row(rows[0])) from None
            raise
        return self.photo(photo_id)

    def repoint_photo(self, photo: Photo, root: Root, rel_path: str, mtime_ns: int) -> None:
        """An in-place photo found at another path (moved inside its tree): same bytes, new place."""
        with self._tx() as c:
            c.execute("UPDATE photos SET root_id=?, rel_path=?, mtime_ns=? WHERE id=?",
                      (root.id, rel_path, mtime_ns, photo.id))

    def set_photo_mtime(self, photo_id: str, mtime_ns: int) -> None:
        """Record an in-place file's new modification time once its bytes were checked unchanged."""
        with self._tx() as c:
            c.execute("UPDATE photos SET mtime_ns=? WHERE id=? AND root_id IS NOT NULL", (mtime_ns, photo_id))

    def photo(self, photo_id: str) -> Photo:
        rows = self._query(f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE p.id=?", (photo_id,))
        if not rows:
            raise LookupError(f"no photo {photo_id!r} in event {self.event!r}")
        return photo_from_row(rows[0])

    def photos(self, participant_code: str | None = None, include_review: bool = False) -> list[Photo]:
        sql = f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE 1=1"
        args: list = []
        if not include_review:
            sql += " AND p.state='kept'"
        if participant_code:
            sql += " AND pt.code=?"
            args.append(participant_code)
        return [photo_from_row(r) for r in self._query(sql + " ORDER BY pt.code, p.shot", args)]

    def photos_where(self, where_sql: str, args: Sequence = (), include_review: bool = True) -> list[Photo]:
        """Photos passing a condition over ``p.`` / ``pt.`` built by ``core.search.where_sql`` (never raw text)."""
        review = "" if include_review else " AND p.state='kept'"
        return [photo_from_row(r) for r in self._query(
            f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE ({where_sql}){review} ORDER BY pt.code, p.shot", args)]

    def set_photo_state(self, photo_id: str, state: str) -> None:
        if state not in PHOTO_STATES:
            raise ValueError(f"unknown photo state {state!r}")
        with self._tx() as c:
            c.execute("UPDATE photos SET state=? WHERE id=?", (state, photo_id))

    def delete_photo(self, photo_id: str) -> None:
        """Remove a photo for good (a retake, or the visitor asked): row, vectors and file (the
        event's copy; a file recorded in place is the archive's and stays)."""
        photo = self.photo(photo_id)
        with self._tx() as c:
            c.execute("DELETE FROM photos WHERE id=?", (photo_id,))
        if not photo.in_place:
            self.photo_path(photo).unlink(missing_ok=True)

    # --- per-photo fields (an archive's metadata: core/photo_fields.py) ----------------------

    def set_photo_fields(self, photo_id: str, fields: dict) -> None:
        """Replace the named fields of one photo (None removes one); other fields stay."""
        with self._tx() as c:
            if c.execute("SELECT 1 FROM photos WHERE id=?", (photo_id,)).fetchone() is None:
                raise LookupError(f"no photo {photo_id!r} in event {self.event!r}")
            photo_fields.write(c, photo_id, fields)

    def photo_fields(self, photo_ids: Sequence[str] | None = None) -> dict[str, dict]:
        """{photo id: {key: value}} for these photos (all when None); photos without fields are left out."""
        sql = "SELECT photo_id, key, pos, is_list, kind, value FROM photo_fields"
        if photo_ids is None:
            return photo_fields.assemble(self._query(sql + " ORDER BY photo_id, key, pos"))
        out: dict[str, dict] = {}
        ids = list(dict.fromkeys(photo_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            out.update(photo_fields.assemble(self._query(
                f"{sql} WHERE photo_id IN ({','.join('?' * len(chunk))}) ORDER BY photo_id, key, pos", chunk)))
        return out

    def field_keys(self) -> dict[str, photo_fields.KeyInfo]:
        """Every field name the event's photos have, with its kinds (for exports and --where)."""
        rows = self._query(
            "SELECT key, group_concat(DISTINCT kind), MAX(is_list), "
            "MIN(CASE WHEN kind != 'number' OR num = CAST(num AS INTEGER) AND instr(value, '.') = 0 "
            "AND instr(lower(value), 'e') = 0 THEN 1 ELSE 0 END) FROM photo_fields GROUP BY key ORDER BY key")
        return {key: photo_fields.KeyInfo(key, frozenset(kinds.split(",")), bool(is_list), bool(integral))
                for key, kinds, is_list, integral in rows}

    def photos_missing_embedding(self, model_id: str) -> list[Photo]:
        return [photo_from_row(r) for r in self._query(
            f"SELECT {PHOTO_COLUMNS} FROM {PHOTO_FROM} WHERE NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.photo_id=p.id AND e.model_id=?) ORDER BY pt.code, p.shot",
            (model_id,),
        )]

    # --- embeddings --------------------------------------------------------------------

    def put_embeddings(self, items: Iterable[tuple[str, np.ndarray]], *, model_id: str, device: str) -> int:
        """Record vectors in one transaction; a photo deleted meanwhile is silently skipped."""
        now = utcnow()
        rows = []
        for photo_id, vec in items:
            v = np.ascontiguousarray(vec, dtype="<f4").ravel()
            rows.append((photo_id, model_id, int(v.shape[0]), v.tobytes(), device, now, photo_id))
        if not rows:
            return 0
        with self._tx() as c:
            c.executemany(
                "INSERT OR REPLACE INTO embeddings(photo_id, model_id, dim, vector, device, created_at) "
                "SELECT ?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM photos WHERE id=?)", rows,
            )
        return len(rows)

    def embedded_models(self) -> dict[str, int]:
        return dict(self._query("SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id ORDER BY 2 DESC"))

    def vectors(self, model_id: str, photo_ids: Sequence[str] | None = None) -> tuple[list[Photo], np.ndarray, np.ndarray]:
        """Photos with a vector for ``model_id``, their (n, dim) matrix and (n, 2) layout (NaN if none)."""
        rows = [vector_row(r) for r in self._query(
            f"SELECT {PHOTO_COLUMNS}, {_VECTOR_COLUMNS} FROM {PHOTO_FROM} "
            "JOIN embeddings e ON e.photo_id=p.id WHERE e.model_id=? "
            "ORDER BY pt.code, p.shot", (model_id,),
        )]
        if photo_ids is not None:
            wanted = set(photo_ids)
            rows = [r for r in rows if r.photo.id in wanted]
        photos = [r.photo for r in rows]
        if not rows:
            return photos, np.zeros((0, 0), np.float32), np.zeros((0, 2), np.float32)
        matrix = np.stack([r.vector for r in rows])
        xy = np.array([(np.nan if r.x is None else r.x, np.nan if r.y is None else r.y) for r in rows],
                      dtype=np.float32)
        return photos, matrix, xy

    def photo_vectors(self, model_id: str, photo_ids: Sequence[str]) -> dict[str, VectorRow]:
        """The rows of just these photos that have a vector for ``model_id`` (no full scan)."""
        out: dict[str, VectorRow] = {}
        ids = list(dict.fromkeys(photo_ids))
        for start in range(0, len(ids), 500):  # well under SQLite's bound-parameter limit
            chunk = ids[start:start + 500]
            for row in self._query(
                f"SELECT {PHOTO_COLUMNS}, {_VECTOR_COLUMNS} FROM {PHOTO_FROM} JOIN embeddings e ON e.photo_id=p.id "
                f"WHERE e.model_id=? AND p.id IN ({','.join('?' * len(chunk))})", [model_id, *chunk]):
                found = vector_row(row)
                out[found.photo.id] = found
        return out

    # Keyed access for large events (core/vector_index.py): the key is the embedding row's
    # SQLite rowid, which ``INSERT OR REPLACE`` renews whenever a vector is rewritten.

    def vector_count(self, model_id: str) -> int:
        return self._query("SELECT COUNT(*) FROM embeddings WHERE model_id=?", (model_id,))[0][0]

    def vector_keys(self, model_id: str, where_sql: str = "", args: Sequence = ()) -> np.ndarray:
        """Row keys of ``model_id``'s vectors, optionally only those whose photo passes ``where_sql``.

        ``where_sql`` is a condition over the photo (``p.``) and participant (``pt.``) columns,
        built by ``core.search`` from ``--where`` filters, never from raw user text.
        """
        if where_sql:
            rows = self._query(f"SELECT e.rowid FROM {PHOTO_FROM} JOIN embeddings e ON e.photo_id=p.id "
                               f"WHERE e.model_id=? AND ({where_sql})", (model_id, *args))
        else:
            rows = self._query("SELECT rowid FROM embeddings WHERE model_id=?", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def vector_chunks(self, model_id: str, *, after_key: int = -1,
                      chunk: int = 50_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(keys, float32 matrix) in key order, in chunks, only keys above ``after_key`` (a rowid range: no scan)."""
        last = after_key
        while True:
            rows = self._query("SELECT rowid, vector, dim FROM embeddings WHERE rowid>? AND model_id=? "
                               "ORDER BY rowid LIMIT ?", (last, model_id, chunk))
            if not rows:
                return
            last = rows[-1][0]
            keys = np.array([r[0] for r in rows], dtype=np.int64)
            yield keys, np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), rows[0][2])

    def vector_written_at(self, key: int) -> str | None:
        """When the vector with this row key was written (None: no such row)."""
        rows = self._query("SELECT created_at FROM embeddings WHERE rowid=?", (int(key),))
        return rows[0][0] if rows else None

    def vectors_by_key(self, model_id: str, keys: Sequence[int]) -> tuple[list[Photo], np.ndarray]:
        """Photos and float32 vectors for these row keys (keys that no longer exist are left out)."""
        photos: list[Photo] = []
        blobs: list[bytes] = []
        dim = 0
        keys = [int(k) for k in keys]
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            rows = self._query(
                f"SELECT {PHOTO_COLUMNS}, e.vector, e.dim FROM {PHOTO_FROM} JOIN embeddings e ON e.photo_id=p.id "
                f"WHERE e.model_id=? AND e.rowid IN ({','.join('?' * len(part))})", (model_id, *part))
            for r in rows:
                photos.append(photo_from_row(r))
                blobs.append(r[_PHOTO_FIELDS])
                dim = r[_PHOTO_FIELDS + 1]
        if not photos:
            return photos, np.zeros((0, 0), np.float32)
        return photos, np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(photos), dim).astype(np.float32)

    def vectors_by_id_prefix(self, model_id: str, prefix: str, limit: int = 2) -> tuple[list[Photo], np.ndarray]:
        """Embedded photos whose id starts with ``prefix`` (``--like 3f2a``), at most ``limit``."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._query(
            f"SELECT e.rowid FROM {PHOTO_FROM} JOIN embeddings e ON e.photo_id=p.id "
            "WHERE e.model_id=? AND p.id LIKE ? ESCAPE '\\' LIMIT ?", (model_id, escaped + "%", limit))
        return self.vectors_by_key(model_id, [r[0] for r in rows])

    def set_layout(self, model_id: str, positions: Iterable[tuple[str, float, float]]) -> None:
        with self._tx() as c:
            c.executemany(
                "UPDATE embeddings SET x=?, y=? WHERE photo_id=? AND model_id=?",
                [(float(x), float(y), pid, model_id) for pid, x, y in positions],
            )

    # --- integrity (piday check) ---------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        """SQLite's own integrity check of the database; empty when it is sound."""
        rows = [r[0] for r in self._query("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def embedding_blobs(self) -> list[tuple[str, str, int, bytes]]:
        """Every stored vector as (photo id, model id, dim, raw bytes), for checking."""
        return self._query("SELECT photo_id, model_id, dim, vector FROM embeddings ORDER BY model_id, photo_id")

    def delete_embeddings(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Forget (photo id, model id) vectors, e.g. damaged ones; `piday embed` makes them anew."""
        with self._tx() as c:
            c.executemany("DELETE FROM embeddings WHERE photo_id=? AND model_id=?", list(pairs))

    def find_leftovers(self) -> opening.Leftovers:
        """Temp files and photo files without a row (nothing is changed)."""
        with self._lock:
            return opening.find_leftovers(self._conn, self.directory)

    def clean_leftovers(self) -> opening.Leftovers | None:
        """Remove temp files, move orphans aside, settle dead runs; None (nothing touched) while
        another store has the event open, since its writes may be in flight."""
        with self._lock:
            if self._opener is None:
                return None
            return opening.clean_if_alone(self._conn, self.directory, self._opener, utcnow())

    # --- small settings kept with the event ----------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the event's ``meta`` table (e.g. the live map's layout scale per model)."""
        rows = self._query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      (key, str(value)))

    # --- run log -----------------------------------------------------------------------

    def start_run(self, command: str, *, model_id: str | None = None, device: str | None = None) -> int:
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs(command, started_at, model_id, device) VALUES (?,?,?,?)",
                (command, utcnow(), model_id, device),
            )
            run_id = int(cur.lastrowid)
            # Held before the row is visible, released when the run is finished: a run whose
            # lock is free while it says 'running' belongs to a dead process (SIGKILL, power cut).
            lock = file_lock(opening.run_lock_path(self.directory, run_id))
            lock.acquire()
            self._run_locks[run_id] = lock
        return run_id

    def finish_run(self, run_id: int, *, status: str, failures: Iterable[tuple[str, str]] = (), **fields) -> None:
        allowed = {"model_id", "device", "files_seen", "imported", "duplicates", "embedded", "skipped",
                   "seconds", "embed_seconds", "images_per_s", "peak_rss_mb", "message"}
        unknown = set(fields) - allowed
        if unknown:
            raise TypeError(f"unknown run fields: {sorted(unknown)}")
        sets = ", ".join(f"{k}=?" for k in fields)
        with self._tx() as c:
            c.execute(
                f"UPDATE runs SET status=?, finished_at=?{', ' + sets if sets else ''} WHERE id=?",
                (status, utcnow(), *fields.values(), run_id),
            )
            c.executemany("INSERT INTO run_failures(run_id, item, reason) VALUES (?,?,?)",
                          [(run_id, item, reason) for item, reason in failures])
        lock = self._run_locks.pop(run_id, None)
        if lock is not None:
            release_and_remove(lock)

    def runs(self, limit: int = 20) -> list[dict]:
        """Newest first; runs whose process died are shown (and recorded) as interrupted."""
        self._ensure_schema()
        with self._lock:
            try:
                opening.settle_dead_runs(self._conn, self.directory, utcnow())
            except sqlite3.Error as exc:  # a read-only medium: show them as they are
                log.warning("cannot mark dead runs: %s", exc)
        with self._read_lock:
            cur = self._reader.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def run_failures(self, run_id: int) -> list[tuple[str, str]]:
        return self._query("SELECT item, reason FROM run_failures WHERE run_id=? ORDER BY rowid", (run_id,))

    # --- summary -----------------------------------------------------------------------

    def today_counts(self) -> dict[str, int]:
        """Participants and kept photos since local midnight: the volunteer's day at the stand."""
        midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        return self.counts_since(midnight.astimezone(timezone.utc).isoformat(timespec="milliseconds")
                                 .replace("+00:00", "Z"))

    def counts_since(self, since: str) -> dict[str, int]:
        """Visitors and kept photos since ``since`` (UTC ISO, "" for the whole event)."""
        # A visitor is someone with a kept photo: a visit ended with none (a bounced key, "no
        # thanks" after Start) is not counted.
        (participants,) = self._query(
            "SELECT COUNT(DISTINCT pt.id) FROM participants pt JOIN photos ph ON ph.participant_id = pt.id "
            "WHERE ph.state='kept' AND pt.created_at >= ?", (since,))[0]
        (photos,) = self._query("SELECT COUNT(*) FROM photos WHERE state='kept' AND imported_at >= ?", (since,))[0]
        return {"participants": participants, "photos": photos}

    def open_participants(self) -> list[Participant]:
        """Station visits left open by a crash or power cut, to finish or close on restart."""
        return [_participant(r) for r in self._query(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE state='open' AND source='station' ORDER BY code")]

    def counts(self) -> dict[str, int]:
        (participants,) = self._query("SELECT COUNT(*) FROM participants")[0]
        (photos,) = self._query("SELECT COUNT(*) FROM photos WHERE state='kept'")[0]
        (review,) = self._query("SELECT COUNT(*) FROM photos WHERE state='review'")[0]
        return {"participants": participants, "photos": photos, "under_review": review}

    def removals(self) -> dict[str, int]:
        """How many retakes, deleted photos and forgotten visitors the event has seen (core 2)."""
        counts = dict(self._query("SELECT what, COUNT(*) FROM removals GROUP BY what"))
        return {what: counts.get(what, 0) for what in ("retake", "photo", "visitor")}
