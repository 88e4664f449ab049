"""Backing an event up to another disk (a USB stick, a network share) and bringing it back.

The target is laid out like a data folder: ``TARGET/events/<event>/event.sqlite`` plus
``photos/<participant uuid>/<photo uuid>.<ext>`` and a ``backup.json`` manifest, so
``piday --data-dir TARGET report --event E`` works on the stick itself and ``restore`` is a
verified copy back.

One round (``backup_event``), in the order that keeps the copy consistent at every moment:

1. the catalogue is copied with SQLite's online backup API into a temporary file on the target
   (a consistent snapshot, taken while the station keeps writing: WAL readers never block it);
2. every photo that snapshot names and the target lacks is copied (temp file, fsync, rename,
   fsync folder) and read back: its SHA-256 must equal the catalogue's;
3. only then the snapshot replaces the target's catalogue, so the catalogue on the target never
   names a photo that is not there (but for one that could not be copied, which the round
   lists as a problem, and restore leaves out); photos the event no longer has (a retake, a
   forgotten visitor) are removed from the target too.

Re-running copies only what is new. The target folder itself is never created: a pulled stick
must not turn into a folder of the same name on the laptop's own disk.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..core import paths
from ..core.digest import sha256_file
from ..core.durable import fsync_dir, fsync_file
from ..core.locks import Timeout, lock
from ..core.opening import LOCKS_DIR

CATALOGUE = "event.sqlite"
MANIFEST = "backup.json"


class BackupError(Exception):
    """The backup cannot be made or used; ``str(err)`` says what to do."""


class TargetMissing(BackupError):
    """The backup folder is not there (stick pulled, share unmounted)."""


class BackupBusy(BackupError):
    """Another backup of this event (the station's live job, or `piday backup`) is running."""


class RestoreError(BackupError):
    """A backup cannot be restored here (e.g. an event of that name exists already)."""


class NothingToRestore(RestoreError):
    """No such backup folder, or no (such) event in it."""


@dataclass(frozen=True)
class PhotoRow:
    id: str
    participant_id: str
    ext: str
    sha256: str
    size_bytes: int

    @property
    def relpath(self) -> Path:
        return Path("photos") / self.participant_id / f"{self.id}.{self.ext}"


@dataclass
class BackupResult:
    target: Path
    photos: int = 0  # photos the backed-up catalogue names (all present on the target)
    copied: int = 0
    already: int = 0
    removed: int = 0
    bytes_copied: int = 0
    verified: int = 0  # files whose SHA-256 was read back and checked in this round
    problems: list[tuple[str, str]] = field(default_factory=list)  # (photo, reason): not copied
    photo_ids: set[str] = field(default_factory=set)  # what the target holds now
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.problems


def _utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_target(target: Path) -> None:
    """Raise ``TargetMissing`` / ``BackupError`` unless ``target`` is a writable folder."""
    if not target.is_dir():
        raise TargetMissing(f"backup folder {target} is not there (is the stick plugged in / the share mounted?)")
    if not os.access(target, os.W_OK):
        raise BackupError(f"backup folder {target} is not writable")


def _ensure_below(target: Path, rel: Path) -> Path:
    """Create the folders of ``rel`` under ``target``, never ``target`` itself or anything above."""
    here = target
    for part in rel.parts:
        here = here / part
        try:
            here.mkdir()
        except FileExistsError:
            pass
        except FileNotFoundError:
            raise TargetMissing(f"backup folder {target} disappeared") from None
    return here


def _copy_verified(src: Path, dest: Path, sha256: str) -> int:
    """Copy ``src`` to ``dest`` (in an existing folder) durably, then check the copy's SHA-256."""
    tmp = dest.parent / f".{uuid.uuid4().hex}.part"
    try:
        with open(src, "rb") as inp, open(tmp, "xb") as out:
            shutil.copyfileobj(inp, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        if sha256_file(tmp) != sha256:
            raise BackupError(f"the copy of {src.name} does not match its SHA-256 (failing stick?)")
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    return dest.stat().st_size


def snapshot_catalogue(source_db: Path, dest: Path) -> None:
    """A consistent copy of a live event database (SQLite's online backup API) at ``dest``.

    The copy uses a rollback journal (DELETE mode): WAL does not work on network shares, and
    a self-contained file is what a stick should hold.
    """
    src = sqlite3.connect(source_db, timeout=30)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    fsync_file(dest)


def photo_rows(db: Path) -> list[PhotoRow]:
    """Every photo file a catalogue holds, read without opening it as a live event.

    Photos recorded in place (``import --in-place``) are left out: their files are the archive's
    and stay where they are; the catalogue copied with the backup still names them under their
    root, which ``piday roots set`` points wherever the archive is reachable from.
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(photos)")}
        in_place = " WHERE root_id IS NULL" if "root_id" in columns else ""
        return [PhotoRow(*r) for r in conn.execute(
            f"SELECT id, participant_id, ext, sha256, size_bytes FROM photos{in_place} ORDER BY rowid")]
    finally:
        conn.close()


def _place_catalogue(tmp: Path, final: Path) -> None:
    for leftover in (final.with_name(final.name + "-wal"), final.with_name(final.name + "-shm")):
        leftover.unlink(missing_ok=True)  # a stale WAL next to a new file would be replayed into it
    os.replace(tmp, final)
    fsync_dir(final.parent)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    with open(tmp, "x", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _prune(event_dir: Path, keep: set[Path]) -> int:
    """Remove photo files the catalogue no longer names (and empty participant folders)."""
    removed = 0
    photos = event_dir / "photos"
    if not photos.is_dir():
        return 0
    for folder in photos.iterdir():
        if not folder.is_dir():
            continue
        for file in folder.iterdir():
            rel = Path("photos") / folder.name / file.name
            if rel not in keep and file.is_file():
                file.unlink()
                removed += not file.name.startswith(".")
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def read_manifest(target: Path, event: str) -> dict | None:
    """The ``backup.json`` of ``event`` on ``target``, or None (no backup there, or unreadable)."""
    try:
        return json.loads((target / "events" / event / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def backup_event(
    event_dir: Path, target: Path, *, verify: bool = False,
    on_copied: Callable[[PhotoRow], None] | None = None, wait_s: float = 120.0,
) -> BackupResult:
    """One backup round of the event in ``event_dir`` to ``target`` (see the module docstring).

    ``verify`` re-reads every photo already on the target and checks its SHA-256 (a copy made
    by an earlier round is otherwise trusted when its size matches). Raises ``TargetMissing``
    when the target is not there or disappears during the round; what was copied stays.

    One round of an event at a time (a lock in the event's ``.locks/``): two rounds at once
    would remove each other's half-copied files. A round waits up to ``wait_s`` for another
    (the station's live job's rounds take seconds), then raises :class:`BackupBusy`.
    """
    held = lock(Path(event_dir) / LOCKS_DIR / "backup.lock")
    try:
        held.acquire(timeout=wait_s)
    except Timeout:
        raise BackupBusy("another backup of this event is running (the station's live backup, or another "
                         "`piday backup`); try again when it is done") from None
    try:
        return _backup_round(Path(event_dir), target, verify, on_copied)
    finally:
        held.release()


def _backup_round(event_dir: Path, target: Path, verify: bool,
                  on_copied: Callable[[PhotoRow], None] | None) -> BackupResult:
    started = time.perf_counter()
    event_dir = Path(event_dir)
    event = event_dir.name
    target = Path(target).expanduser()
    check_target(target)
    if target.resolve() == event_dir.parent.parent.resolve():
        raise BackupError("the backup folder is this event's own data folder: pick another disk")
    result = BackupResult(target=target)
    try:
        dest_dir = _ensure_below(target, Path("events") / event)
        for leftover in dest_dir.glob(".*.part"):  # a round cut short by a pulled stick
            leftover.unlink(missing_ok=True)
        tmp_db = dest_dir / f".{CATALOGUE}.{uuid.uuid4().hex}.part"
        try:
            snapshot_catalogue(event_dir / CATALOGUE, tmp_db)
            rows = photo_rows(tmp_db)
            keep = set()
            for row in rows:
                rel = row.relpath
                dest = dest_dir / rel
                src = event_dir / rel
                if dest.is_file() and dest.stat().st_size == row.size_bytes:
                    if verify:
                        if sha256_file(dest) != row.sha256:
                            dest.unlink()
                        else:
                            result.verified += 1
                    if dest.exists():
                        result.already += 1
                        keep.add(rel)
                        result.photo_ids.add(row.id)
                        continue
                if not src.is_file():
                    result.problems.append((row.id, "the photo file is missing from the event folder"))
                    continue
                _ensure_below(dest_dir, rel.parent)
                try:
                    result.bytes_copied += _copy_verified(src, dest, row.sha256)
                except BackupError as exc:
                    result.problems.append((row.id, str(exc)))
                    continue
                result.copied += 1
                result.verified += 1
                keep.add(rel)
                result.photo_ids.add(row.id)
                if on_copied is not None:
                    on_copied(row)
            _place_catalogue(tmp_db, dest_dir / CATALOGUE)
        finally:
            tmp_db.unlink(missing_ok=True)
        result.removed = _prune(dest_dir, keep)
        result.photos = len(rows)
        _write_json(dest_dir / MANIFEST, {
            "event": event, "backed_up_at": _utcnow(), "photos": result.photos,
            "bytes": sum(r.size_bytes for r in rows), "from_host": socket.gethostname(),
            "piday": __version__,
        })
    except OSError as exc:
        if not target.is_dir() or exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO):
            raise TargetMissing(f"backup folder {target} went away during the backup "
                                f"({exc.strerror or exc}); it catches up when it is back") from None
        raise
    except sqlite3.Error as exc:  # SQLite's own word for a file that vanished under the snapshot
        if not target.is_dir():
            raise TargetMissing(f"backup folder {target} went away during the backup ({exc}); it catches up "
                                "when it is back") from None
        raise BackupError(f"the catalogue could not be copied to {target}: {exc}") from None
    result.seconds = time.perf_counter() - started
    return result


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    event: str
    directory: Path
    photos: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (photo, reason): not restored


def backed_up_events(source: Path) -> list[str]:
    return paths.list_events(source)


def restore_event(source: Path, data_root: Path, *, event: str | None = None, as_name: str | None = None) -> RestoreResult:
    """Bring an event from a backup folder (or another data folder) back into ``data_root``.

    Every photo is checked against the catalogue's SHA-256 on the way in; a photo that fails
    is listed and left out (its row too), so the restored event never names a bad file. The
    event appears only once complete (built in a hidden folder, then renamed into place).
    """
    source = Path(source).expanduser()
    if not source.is_dir():
        raise NothingToRestore(f"no such backup folder: {source}")
    events = backed_up_events(source)
    if event is None:
        if len(events) != 1:
            raise (RestoreError if events else NothingToRestore)(f"{source} holds {'no events' if not events else 'several events: ' + ', '.join(events)}"
                               + ("; pass --event NAME" if events else " (expected events/<name>/event.sqlite)"))
        event = events[0]
    elif event not in events:
        raise NothingToRestore(f"no event {event!r} in {source} (found: {', '.join(events) or 'none'})")
    name = paths.validate_event_name(as_name or event)
    final = paths.event_dir(data_root, name)
    if (final / CATALOGUE).exists():
        raise RestoreError(f"an event named {name!r} already exists in {data_root}: restore with --as NEW-NAME, "
                           "or merge it")
    src_dir = source / "events" / event
    staging = paths.events_root(data_root) / f".restore-{name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    result = RestoreResult(event=name, directory=final)
    try:
        snapshot_catalogue(src_dir / CATALOGUE, staging / CATALOGUE)
        bad: list[str] = []
        for row in photo_rows(staging / CATALOGUE):
            src = src_dir / row.relpath
            if not src.is_file():
                result.problems.append((row.id, "missing from the backup"))
                bad.append(row.id)
                continue
            dest = staging / row.relpath
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                _copy_verified(src, dest, row.sha256)
            except BackupError as exc:
                result.problems.append((row.id, str(exc)))
                bad.append(row.id)
                continue
            result.photos += 1
        if bad:
            conn = sqlite3.connect(staging / CATALOGUE)
            try:
                conn.execute("PRAGMA foreign_keys=ON")
                conn.executemany("DELETE FROM photos WHERE id=?", [(b,) for b in bad])
                conn.commit()
            finally:
                conn.close()
        if final.exists():
            final.rmdir()  # an empty leftover folder; anything else makes this fail loudly
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result
