"""The live map as plain data: which photos are on it, where, and what the visitor is looking at.

The model half of a napari-style split: no Qt, no threads of its own. Views (the station's map
pane, the full-screen map window) subscribe to its ``Signal``s and redraw; tests drive it directly.

Threading contract: one *owner* thread (the UI thread in the station) calls every method that
changes state, and every signal is emitted on it. The one exception is :meth:`LiveMap.place`,
which any thread may call (the live "you are here" probe does): it reads an immutable snapshot
that the owner swaps in whole, so it never sees a half-updated map.

Neighbours and text search go through :func:`piday_desktop.core.search.rank`, the same code
path as ``piday search``, so the map and the command line can never disagree.

The rows themselves (vectors, positions, the snapshot) are :class:`~.map_table.MapTable`'s;
typed participant codes are :mod:`.codes`'; the view state is :class:`~.evented.Evented`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from piday_desktop.core.events import Signal
from piday_desktop.core.search import rank
from piday_desktop.core.store import Photo
from piday_desktop.core.codes import code_key, parse_code
from piday_desktop.core.codes import matches as code_matches
from piday_desktop.projection.evented import Evented
from piday_desktop.projection.map_table import MOVE_EPSILON, MapTable

__all__ = ["MOVE_EPSILON", "Cluster", "Highlight", "LayoutChange", "LiveMap", "MapPoint", "Neighbour",
           "Selection", "code_key", "search_size"]
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


def search_size(n: int) -> int:
    """How many photos a text search lights up: a handful, more on a big map, never all."""
    if n <= 0:
        return 0
    return min(n, max(3, min(12, math.ceil(n * 0.05))))


class LiveMap:
    """Photos, their vectors and map positions, plus the search / selection / marker state.

    Assigning ``highlight``, ``selection``, ``marker``, ``clusters`` or ``newest_participant``
    a different value emits its ``*_changed`` signal (owner thread only).
    """

    highlight: Evented[Highlight | None] = Evented("highlight_changed", None)
    selection: Evented[Selection | None] = Evented("selection_changed", None)
    marker: Evented[tuple[float, float] | None] = Evented("marker_changed", None)
    clusters: Evented[tuple[Cluster, ...]] = Evented("clusters_changed", ())
    newest_participant: Evented[str | None] = Evented("newest_changed", None)

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
        self._rows = MapTable()

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._rows.n

    def __contains__(self, photo_id: object) -> bool:
        return photo_id in self._rows.index

    @property
    def ids(self) -> list[str]:
        return list(self._rows.ids)

    @property
    def photos(self) -> list[Photo]:
        return list(self._rows.photos)

    @property
    def matrix(self) -> np.ndarray:
        """(n, dim) unit vectors in map order (a view: do not modify)."""
        return self._rows.matrix

    @property
    def positions(self) -> np.ndarray:
        """(n, 2) map positions, NaN for photos the layout has not placed yet (a copy)."""
        return self._rows.positions.copy()

    def point(self, photo_id: str) -> MapPoint | None:
        row = self._rows.index.get(photo_id)
        if row is None:
            return None
        return self._point(row)

    def points(self) -> list[MapPoint]:
        """Every photo that has a position, in map order."""
        return [self._point(int(r)) for r in self._rows.shown_rows()]

    def shown_count(self) -> int:
        return len(self._rows.shown_rows())

    def layout_request(self) -> tuple[list[str], np.ndarray]:
        """The set the layout worker should lay out: every photo with a vector, in map order."""
        return self.ids, self.matrix

    def _point(self, row: int) -> MapPoint:
        p = self._rows.photos[row]
        x, y = self._rows.positions[row]
        return MapPoint(p.id, p.participant_code, p.shot, float(x), float(y), self._rows.paths[row])

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
        self._rows.clear(matrix.shape[1] if n else 0)
        if old:
            self.points_removed.emit(old)
        self.selection = None
        self.highlight = None
        self.clusters = ()
        if not n:
            self.newest_participant = None
            return
        self._rows.load(photos, matrix, xy, paths)
        added = self.points()
        if added:
            self.points_added.emit(tuple(added))
        # Store order is by participant code: the highest code is the newest visitor.
        self.newest_participant = max((p.participant_code for p in self._rows.photos), key=code_key)

    def add(self, photo: Photo, vector: np.ndarray, path: str | None = None) -> bool:
        """A photo got its vector. Returns True when the layout must run (always, unless unchanged).

        The point appears (``points_added``) once a layout gives it a position. A photo already
        on the map with a new vector (re-embedded) keeps its row and is placed anew.
        """
        new = self._rows.put(photo, vector, path)
        if new:
            self.newest_participant = photo.participant_code
        return new is not None

    def remove(self, photo_id: str) -> bool:
        """A photo was deleted (a retake, or the visitor asked). True if it was on the map."""
        if not self._rows.remove(photo_id):
            return False
        self.points_removed.emit((photo_id,))
        sel = self.selection
        if sel is not None and (sel.id == photo_id or any(nb.id == photo_id for nb in sel.neighbours)):
            self.select(sel.id if sel.id != photo_id else None)
        hl = self.highlight
        if hl is not None and photo_id in hl.ids:
            self.highlight = Highlight(hl.query, hl.kind, tuple(r for r in hl.ranked if r[0] != photo_id))
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
        added_rows, moved_rows = self._rows.set_positions(ids, positions)
        if len(added_rows) == 0 and len(moved_rows) == 0:
            return LayoutChange((), (), method)
        pos = self._rows.positions
        added = tuple(self._point(int(r)) for r in added_rows)
        # C-level passes and 1-D tolist()s (no list per row for the garbage collector to walk): a
        # refit moves all 20,000 photos, on the owner thread.
        xy, all_ids = pos[moved_rows], self._rows.ids
        moved = tuple(zip([all_ids[r] for r in moved_rows.tolist()], xy[:, 0].tolist(), xy[:, 1].tolist()))
        if moved:
            self.points_moved.emit(moved, method)
        if added:
            self.points_added.emit(added)
        return LayoutChange(added, moved, method)

    def place(self, vector: np.ndarray, k: int = 8) -> tuple[float, float] | None:
        """Where a photo with this vector would land (any thread). None while the map is empty.

        The same placement the layout uses for a new photo, so the "you are here" marker goes
        where the visitor's photo will appear.
        """
        return self._rows.place(vector, k)

    # -- neighbours, search, selection --------------------------------------------------------

    def neighbours(self, photo_id: str, k: int = NEIGHBOURS) -> tuple[Neighbour, ...]:
        """The ``k`` photos most like this one by cosine, from the whole event (itself excluded)."""
        rows = self._rows
        row = rows.index.get(photo_id)
        if row is None:
            return ()
        hits = rank(rows.matrix[row], rows.photos, rows.matrix, k=k, exclude_ids=[photo_id])
        return tuple(
            Neighbour(h.photo.id, h.photo.participant_code, h.photo.shot, h.score, rows.paths[rows.index[h.photo.id]])
            for h in hits
        )

    def select(self, photo_id: str | None, k: int = NEIGHBOURS) -> Selection | None:
        """Show one photo enlarged with its neighbours (None: close it)."""
        row = self._rows.index.get(photo_id) if photo_id is not None else None
        if row is None:
            self.selection = None
            return None
        p = self._rows.photos[row]
        sel = Selection(p.id, p.participant_code, p.shot, self._rows.paths[row], self.neighbours(p.id, k))
        self.selection = sel
        return sel

    def highlight_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> Highlight:
        """Light up the photos that best match a CLIP text vector (the search box)."""
        n = self._rows.n
        k = search_size(n) if k is None else k
        hits = rank(vector, self._rows.photos, self.matrix, k=k) if n else []
        hl = Highlight(query, "text", tuple((h.photo.id, h.score) for h in hits))
        self.highlight = hl
        return hl

    def match_text(self, text: str) -> Highlight | None:
        """A search that needs no CLIP: a participant code (``P-017``, ``p17``, ``17``) or a cluster name.

        Returns None when the text is neither (the caller then encodes it as a CLIP text query).
        """
        t = text.strip()
        if not t:
            return None
        typed = parse_code(t)
        photos = self._rows.photos
        if typed is not None:
            rows = [r for r, p in enumerate(photos) if code_matches(t, p.participant_code)]
            if rows or typed[0] is not None:
                codes = sorted({photos[r].participant_code for r in rows}, key=code_key)
                code = " ".join(codes) if rows else t.upper()
                return Highlight(code, "participant", tuple((photos[r].id, 1.0) for r in rows))
        for c in self.clusters:
            if c.name.lower() == t.lower():
                return Highlight(c.name, "cluster", tuple((i, 1.0) for i in c.ids if i in self))
        return None

    def search_text(self, text: str) -> Highlight | None:
        """Apply :meth:`match_text` if it matches; returns the highlight (None: needs CLIP)."""
        hl = self.match_text(text)
        if hl is not None:
            self.highlight = hl
        return hl

    def clear_highlight(self) -> None:
        self.highlight = None

    # -- live marker, clusters ----------------------------------------------------------------

    def set_marker(self, xy: tuple[float, float] | None) -> None:
        """Where the person in front of the camera would land (None: nobody is being photographed)."""
        self.marker = None if xy is None else (float(xy[0]), float(xy[1]))

    def set_clusters(self, clusters: Sequence[Cluster]) -> None:
        self.clusters = tuple(clusters)
