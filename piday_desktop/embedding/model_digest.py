"""A checkpoint file's SHA-256 (its model id), remembered on disk across processes.

Hashing a 600 MB checkpoint takes ~2 s on every ``piday`` run that names one. The digest is
kept in ``<cache dir>/model-digests.json`` keyed by the file's resolved path, size,
``mtime_ns`` and inode: a file written anew (another size, a new mtime, a new inode when
renamed into place) is hashed again, an untouched one never is. A cache file that is
damaged, foreign or unreadable is ignored and rewritten; one that cannot be written costs
only the hash. Nothing here imports torch.

A file rewritten in place with the same size and its mtime set back by hand would keep its
old digest: the same trade every build tool's mtime check makes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from threading import Lock

from ..core import paths
from ..core.digest import sha256_file
from ..core.durable import write_durably

__all__ = ["DigestCache", "checkpoint_digest", "CACHE_NAME"]

log = logging.getLogger(__name__)
CACHE_NAME = "model-digests.json"
_VERSION = 1
_MAX_ENTRIES = 64  # checkpoints one machine names; the oldest entries go first


class DigestCache:
    """SHA-256 of files by (resolved path, size, mtime_ns, inode), in one JSON file.

    Thread-safe; several processes may share the file (each write is a whole-file rename, so a
    reader sees an old or a new version, never half of one; a lost update is a later re-hash).
    """

    def __init__(self, file: Path | None = None) -> None:
        self.file = file if file is not None else paths.cache_dir() / CACHE_NAME
        self._lock = Lock()
        self._memory: dict[str, dict] = {}

    def digest(self, path: str | os.PathLike[str]) -> str:
        """The hex SHA-256 of ``path``: from the cache when the file is unchanged, else hashed.

        OSError if the file cannot be stat'ed or (on a miss) read.
        """
        resolved = str(Path(path).resolve())
        st = os.stat(resolved)
        key = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}
        with self._lock:
            hit = self._memory.get(resolved)
            if hit is None or _key(hit) != key:
                hit = self._read().get(resolved)
            if hit is not None and _key(hit) == key:
                self._memory[resolved] = hit
                return hit["sha256"]
        sha = sha256_file(resolved)  # outside the lock: seconds for a large file
        entry = {**key, "sha256": sha}
        with self._lock:
            self._memory[resolved] = entry
            self._write(resolved, entry)
        return sha

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            log.info("ignoring the model digest cache %s: %s", self.file, exc)
            return {}
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return {}
        entries = data.get("files")
        if not isinstance(entries, dict):
            return {}
        return {p: e for p, e in entries.items() if isinstance(p, str) and _valid(e)}

    def _write(self, resolved: str, entry: dict) -> None:
        entries = self._read()
        entries.pop(resolved, None)
        entries[resolved] = entry  # newest last
        while len(entries) > _MAX_ENTRIES:
            entries.pop(next(iter(entries)))
        text = json.dumps({"version": _VERSION, "files": entries}, indent=1)
        try:
            write_durably(self.file, text.encode("utf-8"))
        except OSError as exc:  # read-only or full cache dir: the hash is still right
            log.info("cannot write the model digest cache %s: %s", self.file, exc)


def _key(entry: dict) -> dict:
    return {k: entry.get(k) for k in ("size", "mtime_ns", "ino")}


def _valid(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    sha = entry.get("sha256")
    return (
        all(isinstance(entry.get(k), int) and not isinstance(entry.get(k), bool) for k in ("size", "mtime_ns", "ino"))
        and isinstance(sha, str)
        and len(sha) == 64
        and all(c in "0123456789abcdef" for c in sha)
    )


_default: DigestCache | None = None
_default_lock = Lock()


def checkpoint_digest(path: str | os.PathLike[str]) -> str:
    """:meth:`DigestCache.digest` with the process's cache in the platform cache dir.

    The cache dir is looked up on each call (``PIDAY_CACHE_DIR`` may change in tests).
    """
    global _default
    file = paths.cache_dir() / CACHE_NAME
    with _default_lock:
        if _default is None or _default.file != file:
            _default = DigestCache(file)
        cache = _default
    return cache.digest(path)
