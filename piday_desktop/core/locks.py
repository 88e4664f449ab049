"""OS file locks (``filelock``): one process at a time for a step, and "is its holder alive?".

Why OS locks rather than a lock row in SQLite: the kernel releases them when a process dies
(SIGKILL, power cut, a crash), so nothing ever stays stuck, and holding one is proof of life.
Each :func:`lock` opens the file anew, so a second holder conflicts even within one process
(two stores of one event in the station): a process can test other holders honestly.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout


def lock(path: Path) -> FileLock:
    """A lock object for ``path``; ``acquire()`` blocks (polling, so Ctrl-C stops the wait),
    ``acquire(timeout=0)`` raises :class:`Timeout` at once if it is held. Any thread may release."""
    return FileLock(path, thread_local=False)


def try_acquire(held: FileLock) -> bool:
    """Take ``held`` if it is free right now."""
    try:
        held.acquire(timeout=0)
    except Timeout:
        return False
    return True


def release_and_remove(held: FileLock) -> None:
    """Let go of a lock whose file has no further use (removed while still held: no one races)."""
    try:
        Path(held.lock_file).unlink(missing_ok=True)
    except OSError:  # Windows cannot remove an open file: a harmless leftover
        pass
    held.release(force=True)


def held_by_someone(path: Path) -> bool:
    """Whether a live holder (another process, or another open here) has ``path`` locked."""
    if not Path(path).exists():
        return False
    probe = lock(path)
    if try_acquire(probe):
        probe.release(force=True)
        return False
    return True
