"""The live map as plain data: which photos are on it, where, and what the visitor is looking at.

The model half of a napari-style split: no Qt, no threads of its own. Views (the station's map
pane, the full-screen map window) subscribe to its ``Signal``s and redraw; tests drive it directly.

Threading contract: one *owner* thread (the UI thread in the station) calls every method that
changes state, and every signal is emitted on it. The one exception is :meth:`LiveMap.place`,
which any thread may call (the live "you are here" probe does): it reads an immutable snapshot
that the owner swaps in whole, so it never sees a half-updated map.

Neighbours and text search go through :func:`piday_desktop.core.search.rank`, the same code
path as ``piday search``, so the map and the command line can never disagree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from piday_desktop.core.events import Signal
from piday_desktop.core.search import rank
from piday_desktop.core.store import Photo
from piday_desktop.projection.place import place as place_points

#: Positions closer than this (map units, the map spans about [-1, 1]) count as unmoved.
MOVE_EPSILON = 1e-5
#: Neighbours shown for a selected photo ("you look most like ...").
NEIGHBOURS = 5


@dataclass(frozen=True)
class MapPoint:
    """A photo as the map shows it. ``path`` is its file, for the thumbnail (None: no file)."""

    id: str
    participant_code: str
    shot: int
    x: float
    y: float
    path: str | None = None


@dataclass(frozen=True)
class Neighbour:
    id: str
    participant_code: str
    shot: int
    score: float  # cosine similarity
    path: str | None = None


@dataclass(frozen=True)
class Selection:
    """The photo a visitor clicked, with its nearest neighbours from the whole event."""

    id: str
    participant_code: str
    shot: int
    path: str | None
    neighbours: tuple[Neighbour, ...]


@dataclass(frozen=True)
class Highlight:
    """What lights up after a search; everything else dims.

    ``kind``: ``text`` (CLIP text search), ``participant`` (a participant code) or ``cluster``
    (a cluster's name). ``ranked`` holds the lit ids best first, with their scores.
    """

    query: str
    kind: str
    ranked: tuple[tuple[str, float], ...]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i for i, _ in self.ranked)


@dataclass(frozen=True)
class Cluster:
    """A named group on the map; ``x``/``y`` is where its name is written."""

    name: str
    x: float
    y: float
    ids: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True)
class LayoutChange:
    """What one layout result changed: points seen for the first time, and points that moved."""

    added: tuple[MapPoint, ...]
    moved: tuple[tuple[str, float, float], ...]
    method: str


@dataclass(frozen=True)
class _Snapshot:
    """What :meth:`LiveMap.place` reads from other threads. Never modified once published."""

    vectors: np.ndarray
    positions: np.ndarray
    n: int


_CODE = re.compile(r"^\s*p?-?\s*0*(\d{1,6})\s*$", re.IGNORECASE)


def search_size(n: int) -> int:
    """How many photos a text search lights up: a handful, more on a big map, never all."""
    if n <= 0:
        return 0
    return min(n, max(3, min(12, math.ceil(n * 0.05))))


class LiveMap:
    """Photos, their vectors and map positions, plus the search / selection / marker state."""

    def __init__(self, model_id: str | None = None) -> None:
        self.model_id = model_id
        self.points_added = Signal("points_added")  # (tuple[MapPoint, ...])
        self.points_moved = Signal("points_moved")  # (tuple[(id, x, y), ...], method)
        self.points_removed = Signal("points_removed")  # (tuple[id, ...])
        self.highlight_changed = Signal("highlight_changed")  # (Highlight | None)
        self.selection_changed = Signal("selection_changed")  # (Selection | None)
        self.marker_changed = Signal("marker_changed")  # ((x, y) | None)
        self.clusters_changed = Signal("clusters_changed")  # (tuple[Cluster, ...])
        self.newest_changed = Signal("newest_changed")  # (participant code | None)
        self._clear_data()
        self.highlight: Highlight | None = None
        self.selection: Selection | None = None
        self.marker: tuple[float, float] | None = None
        self.clusters: tuple[Cluster, ...] = ()
        self.newest_participant: str | None = None

    def _clear_data(self, dim: int = 0) -> None:
        self._photos: list[Photo] = []
        self._paths: list[str | None] = []
        self._index: dict[str, int] = {}
        self._buf = np.zeros((0, dim), np.float32)  # append-only rows; grown by reallocation
        self._pos = np.zeros((0, 2), np.float32)  # NaN until the layout placed the photo
        self._n = 0
        self._snapshot = _Snapshot(self._buf, self._pos, 0)

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def __contains__(self, photo_id: object) -> bool:
        return photo_id in self._index

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self._photos]

    @property
    def photos(self) -> list[Photo]:
        return list(self._photos)

    @property
    def matrix(self) -> np.ndarray:
        """(n, dim) unit vectors in map order (a view: do not modify)."""
        return self._buf[: self._n]

    @property
    def positions(self) -> np.ndarray:
        """(n, 2) map positions, NaN for photos the layout has not placed yet (a copy)."""
        return self._pos[: self._n].copy()

    def point(self, photo_id: str) -> MapPoint | None:
        row = self._index.get(photo_id)
        if row is None:
            return None
        return self._point(row)

    def points(self) -> list[MapPoint]:
        """Every photo that has a position, in map order."""
        shown = np.isfinite(self._pos[: self._n, 0])
        return [self._point(r) for r in np.flatnonzero(shown)]

    def shown_count(self) -> int:
        return int(np.isfinite(self._pos[: self._n, 0]).sum())

    def layout_request(self) -> tuple[list[str], np.ndarray]:
        """The set the layout worker should lay out: every photo with a vector, in map order."""
        return self.ids, self.matrix

    def _point(self, row: int) -> MapPoint:
        p = self._photos[row]
        x, y = self._pos[row]
        return MapPoint(p.id, p.participant_code, p.shot, float(x), float(y), self._paths[row])

    # -- changing the set of photos -----------------------------------------------------------

    def reset(self, photos: Sequence[Photo], matrix: np.ndarray, xy: np.ndarray | None = None,
              paths: Sequence[str | None] | None = None, model_id: str | None = None) -> None:
        """Replace everything (a store was opened, or the model changed); stored positions shown at once.

        ``xy`` (n, 2) may hold NaN for photos never laid out; those appear when the layout places them.
        """
        old = tuple(self.ids)
        if model_id is not None:
            self.model_id = model_id
        matrix = np.asarray(matrix, dtype=np.float32)
        n = len(photos)
        if n and (matrix.ndim != 2 or len(matrix) != n):
            raise ValueError(f"{n} photos but a matrix of shape {matrix.shape}")
        self._clear_data(matrix.shape[1] if n else 0)
        if old:
            self.points_removed.emit(old)
        self._set_selection(None)
        self._set_highlight(None)
        self.set_clusters(())
        if not n:
            self._set_newest(None)
            return
        self._photos = list(photos)
        self._paths = list(paths) if paths is not None else [None] * n
        self._index = {p.id: r for r, p in enumerate(self._photos)}
        cap = max(16, n * 5 // 4)
        self._buf = np.zeros((cap, matrix.shape[1]), np.float32)
        self._buf[:n] = matrix
        self._pos = np.full((cap, 2), np.nan, np.float32)
        if xy is not None:
            self._pos[:n] = np.asarray(xy, dtype=np.float32)
        self._n = n
        self._publish()
        added = self.points()
        if added:
            self.points_added.emit(tuple(added))
        # Store order is by participant code: the highest code is the newest visitor.
        self._set_newest(max((p.participant_code for p in self._photos), key=code_key))

    def add(self, photo: Photo, vector: np.ndarray, path: str | None = None) -> bool:
        """A photo got its vector. Returns True when the layout must run (always, unless unchanged).

        The point appears (``points_added``) once a layout gives it a position. A photo already
        on the map with a new vector (re-embedded) keeps its row and is placed anew.
        """
        v = np.asarray(vector, dtype=np.float32).ravel()
        if self._n and v.shape[0] != self._buf.shape[1]:
            raise ValueError(f"vector has {v.shape[0]} dimensions, the map's have {self._buf.shape[1]}")
        row = self._index.get(photo.id)
        if row is not None:
            if np.array_equal(self._buf[row], v):
                return False
            buf = self._buf.copy()  # copy-on-write: a snapshot being read keeps the old vector
            buf[row] = v
            self._buf = buf
            self._photos[row] = photo
            if path is not None:
                self._paths[row] = path
            self._publish()
            return True
        if self._n == 0 and self._buf.shape[1] != v.shape[0]:
            self._clear_data(v.shape[0])
        if self._n == len(self._buf):
            self._grow()
        self._buf[self._n] = v  # beyond every published snapshot's n: safe to write in place
        self._pos[self._n] = np.nan
        self._photos.append(photo)
        self._paths.append(path)
        self._index[photo.id] = self._n
        self._n += 1
        self._publish()
        self._set_newest(photo.participant_code)
        return True

    def _grow(self) -> None:
        cap = max(16, len(self._buf) * 2)
        buf = np.zeros((cap, self._buf.shape[1]), np.float32)
        buf[: self._n] = self._buf[: self._n]
        pos = np.full((cap, 2), np.nan, np.float32)
        pos[: self._n] = self._pos[: self._n]
        self._buf, self._pos = buf, pos

    def remove(self, photo_id: str) -> bool:
        """A photo was deleted (a retake, or the visitor asked). True if it was on the map."""
        row = self._index.get(photo_id)
        if row is None:
            return False
        keep = np.ones(self._n, bool)
        keep[row] = False
        self._buf = np.ascontiguousarray(self._buf[: self._n][keep])
        self._pos = np.ascontiguousarray(self._pos[: self._n][keep])
        del self._photos[row]
        del self._paths[row]
        self._n -= 1
        self._index = {p.id: r for r, p in enumerate(self._photos)}
        self._publish()
        self.points_removed.emit((photo_id,))
        if self.selection is not None and (
            self.selection.id == photo_id or any(nb.id == photo_id for nb in self.selection.neighbours)
        ):
            self.select(self.selection.id if self.selection.id != photo_id else None)
        if self.highlight is not None and photo_id in self.highlight.ids:
            self._set_highlight(Highlight(self.highlight.query, self.highlight.kind,
                                          tuple(r for r in self.highlight.ranked if r[0] != photo_id)))
        if self.clusters and any(photo_id in c.ids for c in self.clusters):
            self.set_clusters(tuple(
                Cluster(c.name, c.x, c.y, tuple(i for i in c.ids if i != photo_id), c.score) for c in self.clusters
            ))
        return True

    # -- layout -------------------------------------------------------------------------------

    def apply_layout(self, ids: Sequence[str], positions: np.ndarray, method: str = "") -> LayoutChange:
        """Take positions from a layout result; emits ``points_added`` and ``points_moved``.

        Ids no longer on the map (removed while the layout ran) are ignored; photos the layout did
        not cover (added meanwhile) keep waiting for the next one.
        """
        positions = np.asarray(positions, dtype=np.float32)
        if len(ids) != len(positions):
            raise ValueError(f"{len(ids)} ids but {len(positions)} positions")
        n = self._n
        if len(ids) <= n and tuple(ids) == tuple(p.id for p in self._photos[: len(ids)]):
            rows = np.arange(len(ids))  # the usual case: the layout of our own order
            src = np.arange(len(ids))
        else:
            pairs = [(self._index[i], k) for k, i in enumerate(ids) if i in self._index]
            rows = np.array([r for r, _ in pairs], dtype=np.int64)
            src = np.array([k for _, k in pairs], dtype=np.int64)
        old = self._pos[rows]
        new = positions[src]
        was_shown = np.isfinite(old[:, 0])
        delta = np.abs(old - new).max(axis=1) if len(rows) else np.zeros(0)
        moved_mask = was_shown & (delta > MOVE_EPSILON)
        added_rows = rows[~was_shown]
        moved_rows = rows[moved_mask]
        if len(added_rows) == 0 and len(moved_rows) == 0:
            return LayoutChange((), (), method)
        pos = self._pos.copy()  # copy-on-write for readers of the old snapshot
        pos[rows] = new
        self._pos = pos
        self._publish()
        added = tuple(self._point(int(r)) for r in added_rows)
        moved = tuple((self._photos[int(r)].id, float(pos[r, 0]), float(pos[r, 1])) for r in moved_rows)
        if moved:
            self.points_moved.emit(moved, method)
        if added:
            self.points_added.emit(added)
        return LayoutChange(added, moved, method)

    def _publish(self) -> None:
        self._snapshot = _Snapshot(self._buf, self._pos, self._n)

    def place(self, vector: np.ndarray, k: int = 8) -> tuple[float, float] | None:
        """Where a photo with this vector would land (any thread). None while the map is empty.

        The same placement the layout uses for a new photo, so the "you are here" marker goes
        where the visitor's photo will appear.
        """
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

    # -- neighbours, search, selection --------------------------------------------------------

    def neighbours(self, photo_id: str, k: int = NEIGHBOURS) -> tuple[Neighbour, ...]:
        """The ``k`` photos most like this one by cosine, from the whole event (itself excluded)."""
        row = self._index.get(photo_id)
        if row is None:
            return ()
        hits = rank(self._buf[row], self._photos, self.matrix, k=k, exclude_ids=[photo_id])
        return tuple(
            Neighbour(h.photo.id, h.photo.participant_code, h.photo.shot, h.score, self._paths[self._index[h.photo.id]])
            for h in hits
        )

    def select(self, photo_id: str | None, k: int = NEIGHBOURS) -> Selection | None:
        """Show one photo enlarged with its neighbours (None: close it)."""
        row = self._index.get(photo_id) if photo_id is not None else None
        if row is None:
            self._set_selection(None)
            return None
        p = self._photos[row]
        sel = Selection(p.id, p.participant_code, p.shot, self._paths[row], self.neighbours(p.id, k))
        self._set_selection(sel)
        return sel

    def highlight_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> Highlight:
        """Light up the photos that best match a CLIP text vector (the search box)."""
        k = search_size(self._n) if k is None else k
        hits = rank(vector, self._photos, self.matrix, k=k) if self._n else []
        hl = Highlight(query, "text", tuple((h.photo.id, h.score) for h in hits))
        self._set_highlight(hl)
        return hl

    def match_text(self, text: str) -> Highlight | None:
        """A search that needs no CLIP: a participant code (``P-017``, ``p17``, ``17``) or a cluster name.

        Returns None when the text is neither (the caller then encodes it as a CLIP text query).
        """
        t = text.strip()
        if not t:
            return None
        m = _CODE.match(t)
        if m:
            number = int(m.group(1))
            rows = [r for r, p in enumerate(self._photos) if code_key(p.participant_code) == (0, number, "")]
            if rows or t.lower().startswith("p"):
                code = self._photos[rows[0]].participant_code if rows else t.upper()
                return Highlight(code, "participant", tuple((self._photos[r].id, 1.0) for r in rows))
        for c in self.clusters:
            if c.name.lower() == t.lower():
                return Highlight(c.name, "cluster", tuple((i, 1.0) for i in c.ids if i in self._index))
        return None

    def search_text(self, text: str) -> Highlight | None:
        """Apply :meth:`match_text` if it matches; returns the highlight (None: needs CLIP)."""
        hl = self.match_text(text)
        if hl is not None:
            self._set_highlight(hl)
        return hl

    def clear_highlight(self) -> None:
        self._set_highlight(None)

    def _set_highlight(self, hl: Highlight | None) -> None:
        if hl != self.highlight:
            self.highlight = hl
            self.highlight_changed.emit(hl)

    def _set_selection(self, sel: Selection | None) -> None:
        if sel != self.selection:
            self.selection = sel
            self.selection_changed.emit(sel)

    # -- live marker, clusters, newest visitor --------------------------------------------------

    def set_marker(self, xy: tuple[float, float] | None) -> None:
        """Where the person in front of the camera would land (None: nobody is being photographed)."""
        xy = None if xy is None else (float(xy[0]), float(xy[1]))
        if xy != self.marker:
            self.marker = xy
            self.marker_changed.emit(xy)

    def set_clusters(self, clusters: Sequence[Cluster]) -> None:
        clusters = tuple(clusters)
        if clusters != self.clusters:
            self.clusters = clusters
            self.clusters_changed.emit(clusters)

    def _set_newest(self, code: str | None) -> None:
        if code != self.newest_participant:
            self.newest_participant = code
            self.newest_changed.emit(code)


def code_key(code: str) -> tuple[int, int, str]:
    """Sort key for participant codes: ``P-009`` < ``P-010`` < ``P-1000``; other codes last."""
    m = _CODE.match(code)
    return (0, int(m.group(1)), "") if m else (1, 0, code)
