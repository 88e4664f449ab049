"""Writing files so that "saved" means saved, even across a power cut.

The sequence is temp file -> fsync -> rename -> fsync directory. Only after this returns may
a database row point at the file, so a row never names a half-written photo. A crash before
the row commit leaves at most an orphan file, which is recoverable, never a lost photo.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path

NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageError(OSError):
    """The data folder cannot be written (disk failing, removed, read-only); saved data is intact."""


class DiskFull(StorageError):
    """The disk (or quota) is full; what was already saved is intact."""


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` survive a power cut (the directory entry itself)."""
    if os.name != "posix":  # Windows cannot open directories; NTFS journals the rename
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file written by someone else (SQLite, a copy) to the disk before it is renamed.

    Opened for update, not read-only: Windows flushes only a handle with write access.
    """
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def write_durably(dest: Path, data: bytes | os.PathLike[str] | str) -> None:
    """Atomically create ``dest`` from bytes or from a copy of another file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{uuid.uuid4().hex}.part"
    try:
        with open(tmp, "wb") as out:
            if isinstance(data, (bytes, bytearray, memoryview)):
                out.write(data)
            else:
                with open(data, "rb") as src:
                    shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in NO_SPACE_ERRNOS:
            raise DiskFull(exc.errno, f"disk full while writing {dest.name}") from exc
        raise


def free_bytes(path: Path) -> int:
    """Free space on the disk holding ``path`` (the nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def used_bytes(path: Path) -> int:
    """What the files under ``path`` take (0 when it is not there); a file that goes while it
    is counted (a retake deleted, a temp file renamed) is skipped, never an error."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
