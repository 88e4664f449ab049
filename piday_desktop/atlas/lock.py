"""One uploader per event at a time, across processes (the station and a ``piday upload``).

Two uploaders on one event would each create or rebuild the dataset on their own; the outbox
rows are safe in SQLite, the service's datasets are not. An OS file lock next to the database
is released by the OS when a process dies, so a crash never leaves it stuck.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


class UploaderLock:
    """A non-blocking exclusive lock on ``<event dir>/atlas-upload.lock``."""

    def __init__(self, event_dir: Path) -> None:
        self.path = Path(event_dir) / "atlas-upload.lock"
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """Take the lock if free; True if this object holds it now."""
        if self._file is not None:
            return True
        handle = open(self.path, "a+b")
        try:
            if os.name == "nt":  # pragma: no cover (exercised on Windows only)
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is None:
            return
        try:
            if os.name == "nt":  # pragma: no cover
                import msvcrt

                self._file.seek(0)
                msvcrt.locking(self._file.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._file.close()
            self._file = None

    def __enter__(self) -> "UploaderLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
