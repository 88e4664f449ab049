"""A hot folder: the folder tethering software drops each new photo into.

gphoto2 ``--capture-tethered``, Canon EOS Utility, Lightroom tethering or a phone's photo sync
all end the same way: a file appears in a folder, often written over seconds (a 30 MB photo
over USB or Wi-Fi) or under a temporary name and renamed when done. A half-written file must
never be imported or shown, so a file counts only once it is *complete*:

* it was renamed into place under a photo name (the tool wrote it under a temporary name), or
* its size (and mtime) stayed the same across two checks at least ``settle_s`` apart.

With the polling observer a quick write-and-rename looks like a new file, so it settles too.
Temporary names (hidden files, ``~x``, ``.part``, ``.tmp``, ``.crdownload``…) are ignored.
``watchdog`` reports changes; its polling observer is used where native events do not work
(network drives, an exhausted inotify watch limit), and a periodic rescan catches anything an
observer missed. The completion decision is pure (``CompletionTracker`` takes the clock as an
argument), so tests drive it with an injected clock instead of sleeping.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.images import is_candidate

log = logging.getLogger(__name__)

#: How long a file's size must stay unchanged before it counts as complete.
DEFAULT_SETTLE_S = 1.0
#: Suffixes tethering tools, browsers and sync clients write before renaming into place.
TEMP_SUFFIXES = frozenset({".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart",
                           ".incomplete", ".tmp$$"})
#: File systems where inotify/FSEvents see no changes made by other machines.
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "afpfs", "davfs",
                        "fuse.davfs2", "fuse.rclone", "ncpfs"})


def is_temporary(path: Path) -> bool:
    """Names a tool writes before the file is finished (never a photo in their own right)."""
    name = path.name
    if name.startswith((".", "~")) or name.endswith("~"):
        return True
    return any(name.lower().endswith(s) for s in TEMP_SUFFIXES)


def is_photo_name(path: Path) -> bool:
    return is_candidate(path) and not is_temporary(path)


@dataclass
class _Pending:
    size: int
    mtime_ns: int
    since: float  # clock time when this (size, mtime) was first seen


class CompletionTracker:
    """Decides when a file that appeared is complete. Not thread-safe: one owner thread.

    ``observe(path)`` registers a file that was created or changed; ``renamed(path)`` one
    that was renamed into place (complete at once, if it has bytes); ``check(now)`` stats the
    pending files and returns those whose size and mtime have not changed for ``settle_s``.
    A file is returned once; if it is replaced later (same name, new content) it counts again.
    """

    def __init__(self, settle_s: float = DEFAULT_SETTLE_S) -> None:
        self.settle_s = settle_s
        self._pending: dict[Path, _Pending | None] = {}
        self._done: dict[Path, tuple[int, int]] = {}  # path -> (size, mtime) when it counted
        self._ready: list[Path] = []

    @property
    def pending(self) -> list[Path]:
        return list(self._pending)

    def observe(self, path: Path) -> None:
        if not is_photo_name(path) or path in self._pending:
            return
        if path in self._done and _stat(path) == self._done[path]:
            return  # already counted and unchanged (a rescan, a late event)
        self._pending[path] = None

    def renamed(self, path: Path) -> None:
        if not is_photo_name(path):
            return
        stat = _stat(path)
        if stat is None or stat[0] == 0:
            self.observe(path)  # odd, but let the size check decide
            return
        self._pending.pop(path, None)
        if self._done.get(path) != stat:
            self._done[path] = stat
            self._ready.append(path)

    def forget(self, path: Path) -> None:
        self._pending.pop(path, None)

    def check(self, now: float) -> list[Path]:
        """Files complete by ``now`` (in the order they were noticed); each returned once."""
        ready, self._ready = self._ready, []
        for path, seen in list(self._pending.items()):
            stat = _stat(path)
            if stat is None:  # deleted or renamed away before it settled
                del self._pending[path]
                continue
            size, mtime = stat
            if seen is None or (seen.size, seen.mtime_ns) != stat:
                self._pending[path] = _Pending(size, mtime, now)
                continue
            if size > 0 and now - seen.since >= self.settle_s:
                del self._pending[path]
                if self._done.get(path) != stat:
                    self._done[path] = stat
                    ready.append(path)
        return ready

    def mark_done(self, path: Path) -> None:
        """Count an existing file as already handled (present before watching started)."""
        stat = _stat(path)
        if stat is not None:
            self._done[path] = stat


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (st.st_size, st.st_mtime_ns)


def is_network_path(path: Path) -> bool:
    """Best effort: whether ``path`` lives on a network file system (native events miss changes)."""
    path = Path(path).resolve()
    if sys.platform == "win32":
        return str(path).startswith("\\\\")
    if not sys.platform.startswith("linux"):
        return False
    best, fstype = "", ""
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) >= 3:
                    point = parts[1].replace("\\040", " ")
                    if (str(path) == point or str(path).startswith(point.rstrip("/") + "/")) and len(point) > len(best):
                        best, fstype = point, parts[2]
    except OSError:
        return False
    return fstype in NETWORK_FS


class HotFolder:
    """Watches ``root`` (recursively) and hands out complete photo files.

    Watchdog's observer thread only records paths; ``poll()`` (called by the owner, e.g. the
    camera's read loop or ``piday watch``) decides completion with ``clock``. Existing files
    are reported too unless ``only_new``; the station wants only new shots, ``piday watch``
    wants everything (the intake skips what it already has).
    """

    def __init__(self, root: str | Path, *, settle_s: float = DEFAULT_SETTLE_S, polling: bool | None = None,
                 only_new: bool = False, rescan_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.root = Path(root).expanduser()
        self.settle_s = settle_s
        self.polling = polling  # None: decide (network drive -> polling)
        self.only_new = only_new
        self.rescan_s = rescan_s
        self.clock = clock
        self.tracker = CompletionTracker(settle_s)
        self._lock = threading.Lock()
        self._events: list[tuple[str, Path]] = []  # ("seen" | "renamed" | "gone", path)
        self._changed = threading.Event()
        self._observer = None
        self._last_rescan: float | None = None
        self.observer_kind = ""

    # --- observer thread -------------------------------------------------------------------

    def _record(self, kind: str, path: str | bytes) -> None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with self._lock:
            self._events.append((kind, Path(path)))
        self._changed.set()

    def _rescan_soon(self) -> None:
        with self._lock:
            self._events.append(("rescan", self.root))
        self._changed.set()

    def _handler(self):
        from watchdog.events import FileSystemEventHandler

        hot = self

        class Handler(FileSystemEventHandler):
            def on_created(self, event) -> None:
                if not event.is_directory:
                    hot._record("seen", event.src_path)
                else:  # files written before the new folder's watch existed: find them by a rescan
                    hot._rescan_soon()

            def on_modified(self, event) -> None:
                if not event.is_directory:
                    hot._record("seen", event.src_path)

            def on_closed(self, event) -> None:  # inotify: written and closed
                if not event.is_directory:
                    hot._record("seen", event.src_path)

            def on_moved(self, event) -> None:
                if not event.is_directory:
                    hot._record("gone", event.src_path)
                    hot._record("renamed", event.dest_path)
                else:  # a folder renamed into place: look inside
                    hot._rescan_soon()

            def on_deleted(self, event) -> None:
                if not event.is_directory:
                    hot._record("gone", event.src_path)

        return Handler()

    # --- owner thread ----------------------------------------------------------------------

    def start(self) -> "HotFolder":
        """Start watching; raises ``FileNotFoundError``/``NotADirectoryError`` for a bad root."""
        if not self.root.exists():
            raise FileNotFoundError(f"no such folder: {self.root}")
        if not self.root.is_dir():
            raise NotADirectoryError(f"not a folder: {self.root}")
        polling = is_network_path(self.root) if self.polling is None else self.polling
        self._observer = self._start_observer(polling)
        existing = self._walk()
        for path in existing:
            if self.only_new:
                self.tracker.mark_done(path)
            else:
                self.tracker.observe(path)
        self._last_rescan = self.clock()
        return self

    def _start_observer(self, polling: bool):
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        kinds = [PollingObserver] if polling else [Observer, PollingObserver]
        last_exc: Exception | None = None
        for kind in kinds:
            observer = kind(timeout=0.5) if kind is PollingObserver else kind()
            try:
                observer.schedule(self._handler(), str(self.root), recursive=True)
                observer.start()
            except OSError as exc:  # e.g. the inotify watch limit: fall back to polling
                log.warning("hot folder: %s failed on %s (%s); trying polling", kind.__name__, self.root, exc)
                last_exc = exc
                continue
            self.observer_kind = "polling" if kind is PollingObserver else "native"
            log.info("hot folder %s watched with %s", self.root, kind.__name__)
            return observer
        raise OSError(f"cannot watch {self.root}: {last_exc}")

    def _walk(self) -> list[Path]:
        found = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if is_photo_name(path):
                    found.append(path)
        return found

    def wait(self, timeout: float) -> bool:
        """Block until the observer reports something (True) or ``timeout`` passes (False)."""
        fired = self._changed.wait(timeout)
        self._changed.clear()
        return fired

    def wake(self) -> None:
        """Thread-safe: make a ``wait()`` return at once (stop requested)."""
        self._changed.set()

    def poll(self) -> list[Path]:
        """Complete files found since the last call, in the order they were noticed."""
        now = self.clock()
        with self._lock:
            events, self._events = self._events, []
        rescan = self._last_rescan is None or now - self._last_rescan >= self.rescan_s
        for kind, path in events:
            if kind == "rescan":
                rescan = True
            elif kind == "seen":
                self.tracker.observe(path)
            elif kind == "renamed":
                self.tracker.renamed(path)
            else:
                self.tracker.forget(path)
        if rescan:
            self._last_rescan = now
            try:
                for path in self._walk():
                    self.tracker.observe(path)  # a file already counted stays counted
            except OSError as exc:
                log.warning("hot folder rescan of %s failed: %s", self.root, exc)
        return self.tracker.check(now)

    @property
    def has_pending(self) -> bool:
        return bool(self.tracker.pending)

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=2.0)
        self.wake()

    def __enter__(self) -> "HotFolder":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
