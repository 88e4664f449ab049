"""One uploader per event at a time, across processes (the station and a ``piday upload``).

Two uploaders on one event would each create or rebuild the dataset on their own; the outbox
rows are safe in SQLite, the service's datasets are not. ``filelock`` takes an OS lock (flock /
msvcrt) on a file next to the database; the OS releases it when a process dies, so a crash
never leaves it stuck. Two ``UploaderLock`` objects in one process exclude each other too.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout


class UploaderLock:
    """A non-blocking exclusive lock on ``<event dir>/atlas-upload.lock``."""

    def __init__(self, event_dir: Path) -> None:
        self.path = Path(event_dir) / "atlas-upload.lock"
        # Not thread-local: the uploader may take it on the loop thread and release it elsewhere.
        self._lock = FileLock(self.path, thread_local=False)

    def acquire(self) -> bool:
        """Take the lock if free; True if this object holds it now (asking again is harmless)."""
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        """Let go of the lock (at once, however often ``acquire`` was called); no-op if not held."""
        self._lock.release(force=True)

    def __enter__(self) -> "UploaderLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
