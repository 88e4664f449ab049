"""Copying scanned photos into an event: validate, hash, deduplicate, store durably.

Reading, hashing and test-decoding run on a small thread pool (they are I/O and libjpeg work
that release the GIL); the database writes stay on the calling thread, in scan order, so a
run is reproducible and an interrupted run resumes exactly: a file whose SHA-256 is already in
the event is recognised and not stored twice.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..core.images import ImageError, ImageInfo, is_raw, probe, raw_preview
from .scan import ScanItem, ScanResult
from ..core.store import ROOT_NAME_RE, AlreadyStored, Consent, EventStore, Participant, PathRecorded, Photo, Root, RootError

ProgressFn = Callable[[int, int], None]


@dataclass
class IntakeResult:
    imported: int = 0
    already: int = 0  # stored by an earlier run of this import (resume)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (display, "same as P-003 x.jpg")
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display, reason)
    participants: set[str] = field(default_factory=set)  # codes touched
    restored: list[tuple[str, str]] = field(default_factory=list)  # (display, what): lost files put back
    described: int = 0  # photos whose fields (--metadata) were recorded


@dataclass(frozen=True)
class _Checked:
    item: ScanItem
    data: bytes
    sha256: str
    info: ImageInfo
    size: int = 0  # the file's size and modification time as read (recorded for in-place photos)
    mtime_ns: int = 0


@dataclass(frozen=True)
class InPlace:
    """Record files where they are (`import --in-place`): under ``root``, the imported folder at
    ``prefix`` below it ('' when the folder is the root itself)."""

    root: Root
    prefix: str = ""

    def rel_path(self, item: ScanItem) -> str:
        return f"{self.prefix}/{item.display}" if self.prefix else item.display


def _default_root_name(folder: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-.") or "root"
    return name if ROOT_NAME_RE.match(name) else "root"


def resolve_root(store: EventStore, folder: Path, name: str | None = None) -> InPlace:
    """The root an in-place import of ``folder`` records under: a registered root holding it
    (its path then prefixes every file), or a new root at ``folder`` named ``name`` (default:
    the folder's name). Raises :class:`RootError` saying what to do when a name is taken."""
    folder = Path(folder).expanduser().resolve()
    for root in store.roots():
        if folder == root.path or folder.is_relative_to(root.path):
            if name and name != root.name:
                raise RootError(f"{folder} is inside root {root.name!r} ({root.path}) already: leave out "
                                f"--root, or name {root.name!r}")
            return InPlace(root, folder.relative_to(root.path).as_posix() if folder != root.path else "")
    chosen = name or _default_root_name(folder)
    taken = next((r for r in store.roots() if r.name == chosen), None)
    if taken is not None:
        moved = "" if taken.path.exists() else (
            f"; if the tree moved here, run `piday roots set {chosen} {folder} --event {store.event}` first")
        raise RootError(f"root {chosen!r} is registered at {taken.path}{moved}; or pass --root NAME for a new root")
    return InPlace(store.add_root(chosen, folder))


# Larger than any photo a camera writes; a bigger "photo" would only be read into memory whole.
MAX_FILE_BYTES = 512 * 1024 * 1024


def read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file; refuses pipes, sockets and devices without blocking on them
    (see :func:`read_regular_file_stat`)."""
    return read_regular_file_stat(path)[0]


def read_regular_file_stat(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its ``fstat``; refuses pipes, sockets and devices without blocking on them.

    The scan already skips those, but a file can be swapped for a pipe after the scan, and a
    read of a pipe with no writer never returns (nor lets Ctrl-C end the run): the file is
    opened non-blocking and checked with ``fstat`` on the very descriptor that is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "named pipe" if stat.S_ISFIFO(st.st_mode) else "socket" if stat.S_ISSOCK(st.st_mode) \
                else "device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "special file"
            raise ImageError(f"not a regular file ({kind}): skipped without reading")
        if st.st_size > MAX_FILE_BYTES:
            raise ImageError(f"file is {st.st_size / 2**20:.0f} MB, larger than any photo "
                             f"({MAX_FILE_BYTES // 2**20} MB at most)")
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            return fh.read(MAX_FILE_BYTES + 1), st
    finally:
        if fd >= 0:
            os.close(fd)


def _check(item: ScanItem, in_place: bool = False) -> _Checked:
    if in_place and is_raw(item.path):
        raise ImageError("RAW: kept as its embedded JPEG preview, which the event must hold: import RAW files "
                         "without --in-place")
    try:
        data, st = read_regular_file_stat(item.path)
    except FileNotFoundError:
        raise ImageError("file not found (broken link or removed during import)") from None
    except IsADirectoryError:
        raise ImageError("is a folder, not a file") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except OSError as exc:
        raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    if not data:
        raise ImageError("empty file (0 bytes)")
    if is_raw(item.path):
        # Stored as the camera's embedded JPEG preview (what every viewer of the event shows),
        # so its SHA-256 is the preview's: a re-import of the same RAW finds it again.
        data = raw_preview(data)
    info = probe(data)
    return _Checked(item, data, hashlib.sha256(data).hexdigest(), info, st.st_size, st.st_mtime_ns)


def _checked_in_order(items: list[ScanItem], workers: int,
                      in_place: bool = False) -> Iterator[tuple[ScanItem, _Checked | ImageError]]:
    """Check files in parallel but yield in scan order, with a bounded window of files in memory."""
    window = max(2, workers * 2)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="piday-intake") as pool:
        pending: deque[tuple[ScanItem, Future]] = deque()
        it = iter(items)
        try:
            for item in it:
                pending.append((item, pool.submit(_check, item, in_place)))
                if len(pending) >= window:
                    yield _result(*pending.popleft())
            while pending:
                yield _result(*pending.popleft())
        finally:
            for _, fut in pending:
                fut.cancel()


def _result(item: ScanItem, fut: Future) -> tuple[ScanItem, _Checked | ImageError]:
    try:
        return item, fut.result()
    except ImageError as exc:
        return item, exc


def ingest(
    store: EventStore,
    scan: ScanResult,
    *,
    consent: Consent = Consent(),
    progress: ProgressFn | None = None,
    workers: int = 4,
    result: IntakeResult | None = None,
    fields: Mapping[str, tuple[int, dict]] | None = None,
    in_place: InPlace | None = None,
) -> IntakeResult:
    """Store every valid, new photo of ``scan``; nothing here raises for a bad file.

    ``fields``: scanned file (display path) -> (metadata line, fields), from
    :func:`.metadata.match_metadata`; recorded with a new photo's row in one transaction, or
    on the photo already there (a re-run, a duplicate). Two lines for identical files that
    disagree on a value are reported as skipped (the first line's value stays).

    ``in_place`` (:func:`resolve_root`): record each file where it is instead of copying it;
    the SHA-256 still dedupes, a photo recorded in place whose file went missing and that turns
    up at another path under the root is re-pointed there.

    Raises only when the run itself cannot go on (e.g. :class:`~piday_desktop.core.durable.DiskFull`
    or Ctrl-C); everything stored before that point is committed and stays. Pass ``result`` to
    keep the counts of what was done when it raises: the summary and the run log must say
    "imported 142", not "imported 0", after a full disk.
    """
    result = result if result is not None else IntakeResult()
    result.skipped.extend(scan.skipped)
    participants: dict[str, Participant] = {}
    seen_this_run: dict[str, str] = {}
    described = _Described(store, result, fields or {})
    total = len(scan.items)
    for done, (item, checked) in enumerate(_checked_in_order(scan.items, workers, in_place is not None), start=1):
        if isinstance(checked, ImageError):
            result.skipped.append((item.display, str(checked)))
        elif checked.sha256 in seen_this_run:
            result.duplicates.append((item.display, f"same file as {seen_this_run[checked.sha256]}"))
            described.attach(item.display, store.photo_by_sha256(checked.sha256))
        else:
            _store_one(store, checked, consent, participants, seen_this_run, result, described, in_place)
        if progress:
            progress(done, total)
    return result


class _Described:
    """Which photo got which metadata line in this run, so identical files that disagree are caught."""

    def __init__(self, store: EventStore, result: IntakeResult, fields: Mapping[str, tuple[int, dict]]) -> None:
        self.store, self.result, self.fields = store, result, fields
        self.by_photo: dict[str, tuple[int, dict]] = {}

    def for_new(self, display: str) -> dict | None:
        entry = self.fields.get(display)
        return entry[1] if entry else None

    def stored_new(self, display: str, photo: Photo) -> None:
        entry = self.fields.get(display)
        if entry:
            self.by_photo[photo.id] = entry
            self.result.described += 1

    def attach(self, display: str, photo: Photo | None) -> None:
        entry = self.fields.get(display)
        if not entry or photo is None:
            return
        line, fields = entry
        earlier = self.by_photo.get(photo.id)
        if earlier is not None:
            clash = sorted(k for k in fields.keys() & earlier[1].keys() if fields[k] != earlier[1][k])
            if clash:
                self.result.skipped.append((display, f"metadata line {line}: the same photo as line {earlier[0]} "
                                                     f"(identical files) with other values for {', '.join(clash)}: "
                                                     "not applied"))
                return
        self.store.set_photo_fields(photo.id, fields)
        if earlier is None:
            self.by_photo[photo.id] = entry
            self.result.described += 1


def _store_one(
    store: EventStore, checked: _Checked, consent: Consent, participants: dict[str, Participant],
    seen_this_run: dict[str, str], result: IntakeResult, described: _Described, in_place: InPlace | None = None,
) -> None:
    item = checked.item
    seen_this_run[checked.sha256] = item.display
    existing = store.photo_by_sha256(checked.sha256)
    participant = participants.get(item.participant)
    if participant is None:
        participant = participants[item.participant] = store.import_participant(item.participant, consent)
    if existing is None:
        try:
            if in_place is not None:
                photo = store.add_photo_in_place(
                    participant, in_place.root, in_place.rel_path(item), sha256=checked.sha256,
                    fmt=checked.info.format, width=checked.info.width, height=checked.info.height,
                    size=checked.size, mtime_ns=checked.mtime_ns, original_name=item.path.name,
                    taken_at=checked.info.taken_at, fields=described.for_new(item.display))
            else:
                photo = store.add_photo(
                    participant, checked.data, sha256=checked.sha256, fmt=checked.info.format,
                    width=checked.info.width, height=checked.info.height, original_name=item.path.name,
                    taken_at=checked.info.taken_at, fields=described.for_new(item.display),
                )
        except AlreadyStored as exc:  # a concurrent import of the same files stored it first
            existing = exc.photo
        except PathRecorded as exc:
            result.skipped.append((item.display, f"this file is recorded as {exc.photo.participant_code} photo "
                                                 f"{exc.photo.shot} with other bytes: it changed after it was "
                                                 "imported (see `piday check`)"))
            return
        else:
            result.imported += 1
            result.participants.add(participant.code)
            described.stored_new(item.display, photo)
            return
    described.attach(item.display, existing)
    here = in_place is not None and existing.root_id == in_place.root.id and existing.rel_path == in_place.rel_path(item)
    if here:
        if existing.mtime_ns != checked.mtime_ns:  # touched, same bytes: remember the new time
            store.set_photo_mtime(existing.id, checked.mtime_ns)
    elif in_place is not None and existing.in_place and not store.photo_path(existing).exists():
        # Moved inside the tree (or the root re-pointed to a tree laid out differently): same bytes.
        store.repoint_photo(existing, in_place.root, in_place.rel_path(item), checked.mtime_ns)
        result.restored.append((item.display, f"found {existing.participant_code} photo {existing.shot} "
                                              "at its new place"))
        result.already += 1
        return
    elif not store.photo_path(existing).exists():
        # The file was lost behind its row (deleted by hand, a bad disk): these are its bytes.
        store.restore_photo_file(existing, checked.data)
        result.restored.append((item.display, f"restored the missing file of {existing.participant_code} "
                                              f"photo {existing.shot}"))
    if existing.participant_id == participant.id and existing.original_name == item.path.name:
        result.already += 1  # a re-run of the same import: resume silently
    else:
        result.duplicates.append(
            (item.display, f"same file as {existing.participant_code} {existing.original_name or existing.id}")
        )
