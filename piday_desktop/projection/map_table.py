"""The live map's rows: each photo's vector, map position and file, and a snapshot for other threads.

Vectors and positions sit in preallocated arrays that grow by doubling, so adding one photo to a
map of 20,000 copies nothing. Changes that other threads could observe (a re-embedded vector,
new positions, a removal) are copy-on-write, and the owner thread publishes a fresh immutable
:class:`Snapshot` after each change; :meth:`MapTable.place` reads only that, so the live probe's
thread never sees a half-updated map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from piday_desktop.core.store import Photo
from piday_desktop.projection.place import place as place_points

#: Positions closer than this (map units, the map spans about [-1, 1]) count as unmoved.
MOVE_EPSILON = 1e-5


@dataclass(frozen=True)
class Snapshot:
    """What :meth:`MapTable.place` reads from other threads. Never modified once published."""

    vectors: np.ndarray
    positions: np.ndarray
    n: int


class MapTable:
    """Photos in map order with their vectors (unit, float32) and positions (NaN: not placed)."""

    def __init__(self, dim: int = 0) -> None:
        self.clear(dim)

    def clear(self, dim: int = 0) -> None:
        self.photos: list[Photo] = []
        self.ids: list[str] = []  # the photos' ids, in the same order (compared and read in C)
        self.paths: list[str | None] = []
        self.index: dict[str, int] = {}
        self._buf = np.zeros((0, dim), np.float32)  # append-only rows; grown by reallocation
        self._pos = np.zeros((0, 2), np.float32)
        self.n = 0
        self._snapshot = Snapshot(self._buf, self._pos, 0)

    # -- reading ------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._buf.shape[1]

    @property
    def matrix(self) -> np.ndarray:
        """(n, dim) vectors in map order (a view: do not modify)."""
        return self._buf[: self.n]

    @property
    def positions(self) -> np.ndarray:
        """(n, 2) positions, a view (NaN for photos not placed yet)."""
        return self._pos[: self.n]

    def shown_rows(self) -> np.ndarray:
        return np.flatnonzero(np.isfinite(self._pos[: self.n, 0]))

    # -- changing ------------------------------------------------------------------------------

    def load(self, photos: Sequence[Photo], matrix: np.ndarray, xy: np.ndarray | None,
             paths: Sequence[str | None] | None) -> None:
        """Replace every row (with room to grow by a quarter before the first reallocation)."""
        n = len(photos)
        self.clear(matrix.shape[1] if n else 0)
        if not n:
            return
        self.photos = list(photos)
        self.ids = [p.id for p in self.photos]
        self.paths = list(paths) if paths is not None else [None] * n
        self.index = {p.id: r for r, p in enumerate(self.photos)}
        cap = max(16, n * 5 // 4)
        self._buf = np.zeros((cap, matrix.shape[1]), np.float32)
        self._buf[:n] = matrix
        self._pos = np.full((cap, 2), np.nan, np.float32)
        if xy is not None:
            self._pos[:n] = np.asarray(xy, dtype=np.float32)
        self.n = n
        self._publish()

    def put(self, photo: Photo, vector: np.ndarray, path: str | None) -> bool | None:
        """Add a photo (True), give one on the map a new vector (False), or change nothing (None)."""
        v = np.asarray(vector, dtype=np.float32).ravel()
        if self.n and v.shape[0] != self.dim:
            raise ValueError(f"vector has {v.shape[0]} dimensions, the map's have {self.dim}")
        row = self.index.get(photo.id)
        if row is not None:
            if np.array_equal(self._buf[row], v):
                return None
            buf = self._buf.copy()  # copy-on-write: a snapshot being read keeps the old vector
            buf[row] = v
            self._buf = buf
            self.photos[row] = photo
            if path is not None:
                self.paths[row] = path
            self._publish()
            return False
        if self.n == 0 and self.dim != v.shape[0]:
            self.clear(v.shape[0])
        if self.n == len(self._buf):
            self._grow()
        self._buf[self.n] = v  # beyond every published snapshot's n: safe to write in place
        self._pos[self.n] = np.nan
        self.photos.append(photo)
        self.ids.append(photo.id)
        self.paths.append(path)
        self.index[photo.id] = self.n
        self.n += 1
        self._publish()
        return True

    def remove(self, photo_id: str) -> bool:
        row = self.index.get(photo_id)
        if row is None:
            return False
        keep = np.ones(self.n, bool)
        keep[row] = False
        self._buf = np.ascontiguousarray(self._buf[: self.n][keep])
        self._pos = np.ascontiguousarray(self._pos[: self.n][keep])
        del self.photos[row]
        del self.ids[row]
        del self.paths[row]
        self.n -= 1
        self.index = {p.id: r for r, p in enumerate(self.photos)}
        self._publish()
        return True

    def set_positions(self, ids: Sequence[str], positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take a layout's positions; returns (rows placed for the first time, rows that moved).

        Ids no longer on the map are ignored; rows the layout did not cover keep theirs.
        """
        if len(ids) <= self.n and list(ids) == self.ids[: len(ids)]:
            rows = np.arange(len(ids))  # the usual case: the layout of our own order
            src = rows
        else:
            pairs = [(self.index[i], k) for k, i in enumerate(ids) if i in self.index]
            rows = np.array([r for r, _ in pairs], dtype=np.int64)
            src = np.array([k for _, k in pairs], dtype=np.int64)
        old = self._pos[rows]
        new = positions[src]
        was_shown = np.isfinite(old[:, 0])
        delta = np.abs(old - new).max(axis=1) if len(rows) else np.zeros(0)
        added, moved = rows[~was_shown], rows[was_shown & (delta > MOVE_EPSILON)]
        if len(added) or len(moved):
            pos = self._pos.copy()  # copy-on-write for readers of the old snapshot
            pos[rows] = new
            self._pos = pos
            self._publish()
        return added, moved

    # -- any thread -----------------------------------------------------------------------------

    def place(self, vector: np.ndarray, k: int = 8) -> tuple[float, float] | None:
        """Where a photo with this vector would land (any thread). None while nothing is placed."""
        snap = self._snapshot
        if snap.n == 0:
            return None
        pos = snap.positions[: snap.n]
        shown = np.isfinite(pos[:, 0])
        if not shown.any():
            return None
        vectors = snap.vectors[: snap.n]
        if not shown.all():
            vectors, pos = vectors[shown], pos[shown]
        v = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if v.shape[1] != vectors.shape[1]:
            return None
        x, y = place_points(v, vectors, pos, k)[0]
        return float(x), float(y)

    # -- internals --------------------------------------------------------------------------------

    def _grow(self) -> None:
        cap = max(16, len(self._buf) * 2)
        buf = np.zeros((cap, self.dim), np.float32)
        buf[: self.n] = self._buf[: self.n]
        pos = np.full((cap, 2), np.nan, np.float32)
        pos[: self.n] = self._pos[: self.n]
        self._buf, self._pos = buf, pos

    def _publish(self) -> None:
        self._snapshot = Snapshot(self._buf, self._pos, self.n)
