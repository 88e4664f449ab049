"""Where thumbnails are drawn: the layout, nudged apart so faces do not hide each other.

UMAP packs look-alikes tightly (that is its job), so drawn at layout positions the photos of a
group pile up into one unreadable stack. For display only, positions are pushed apart until no
two thumbnails overlap, with a weak pull back to the layout so every group keeps its place and
shape. The layout itself (what is stored, what placement and refits use) is never changed.

Units: everything here is in *thumbnail sides* (a thumbnail is 1 x 1). ``thumbs_per_unit(n)``
converts the map's [-1, 1] coordinates: the map gets wider as photos arrive, so the share of it
covered by thumbnails stays about the same. Shared by the station's map view and ``piday map``.
Plain numpy + scipy.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
# At import time, on purpose: importing scipy lazily on the UI thread while umap's warm-up thread
# imports scikit-learn (which imports scipy) can leave a half-initialised module behind.
from scipy.spatial import cKDTree

#: Centre distance below which two thumbnails count as overlapping (a small gap between them).
MIN_DIST = 1.08
#: Thumbnails per map unit for n photos: max(MIN_SPREAD, SPREAD * sqrt(n)) (n in quarter octaves).
SPREAD = 0.9
MIN_SPREAD = 2.6
#: From this many drawn photos a new photo's free-spot search skips cells known to be taken.
BLOCKED_FROM = 2_000


def thumbs_per_unit(n: int) -> float:
    """How many thumbnail sides one map unit spans for n photos (steps of ~19 %, so it rarely changes)."""
    if n <= 1:
        return MIN_SPREAD
    stepped = 2 ** (round(math.log2(n) * 4) / 4)
    return max(MIN_SPREAD, SPREAD * math.sqrt(stepped))


def declutter(points: np.ndarray, *, min_dist: float = MIN_DIST, iterations: int = 150, pull: float = 0.002,
              seed: int = 0) -> np.ndarray:
    """Push points (thumbnail units) apart until none are closer than ``min_dist``.

    Each round every overlapping pair moves apart by half its overlap (damped, since a point in a
    crowd is pushed from many sides) and every point is pulled ``pull`` of the way back to where
    the layout put it; stops as soon as nothing overlaps. Deterministic for a given input and seed.
    About 10 ms for 200 points of a real map (tight clumps take more rounds).
    """
    anchor = np.asarray(points, dtype=np.float64)
    p = anchor.copy()
    n = len(p)
    if n < 2:
        return p
    rng = np.random.default_rng(seed)
    for _ in range(iterations):
        pairs = cKDTree(p).query_pairs(min_dist, output_type="ndarray")
        if len(pairs) == 0:
            break
        i, j = pairs[:, 0], pairs[:, 1]
        d = p[j] - p[i]
        dist = np.hypot(d[:, 0], d[:, 1])
        same = dist < 1e-9
        if same.any():  # coincident points: part them in a random direction
            angle = rng.uniform(0, 2 * np.pi, int(same.sum()))
            d[same] = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 1e-3
            dist[same] = 1e-3
        push = ((min_dist - dist) / (2 * dist))[:, None] * d
        delta = np.zeros_like(p)
        np.add.at(delta, i, -push)
        np.add.at(delta, j, push)
        counts = np.bincount(np.concatenate([i, j]), minlength=n)[:, None]
        p += delta / np.sqrt(np.maximum(counts, 1))
        p += pull * (anchor - p)
    return p


class BlockedCells:
    """A grid over the occupied area marking cells that lie wholly within ``min_dist`` of a point.

    For :func:`free_spot` deep in a big group: there the nearest free spot can be 50 rings out,
    ~8,000 candidates, every one a tree query on the UI thread (7 ms a shot at 20,000 photos). A
    candidate in a marked cell is certainly not free and is skipped without a query; the rest are
    checked exactly, so the spot found is the one the plain search finds. Cells are a third of
    ``min_dist`` wide; a cell counts as blocked when its centre is nearer than
    ``min_dist - half its diagonal`` to a point (then all of it is nearer than ``min_dist``).
    """

    #: Beyond this many cells (a map spread very thin) no grid is made: the plain search is cheap there.
    MAX_CELLS = 8_000_000

    def __init__(self, points: np.ndarray, min_dist: float = MIN_DIST) -> None:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.h = min_dist / 3
        self._reach = (min_dist - self.h * math.sqrt(0.5)) / self.h  # in cells
        # Offsets (in cells) from a point's cell that some spot of that cell can block.
        k = int(math.ceil(self._reach)) + 1
        d = np.stack(np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij"), -1).reshape(-1, 2)
        gap = np.maximum(0.0, np.maximum(d + 0.5 - 1.0, -(d + 0.5)))  # centre to the nearest point of the cell
        self._d = d[np.hypot(gap[:, 0], gap[:, 1]) < self._reach]
        # Beyond the points' bounds (and min_dist) nothing is blocked; a border of k cells lets
        # every offset land inside the grid without a bounds check.
        lo = (pts.min(axis=0) if len(pts) else np.zeros(2)) - min_dist
        hi = (pts.max(axis=0) if len(pts) else np.zeros(2)) + min_dist
        self._pad = k
        self.origin = lo - k * self.h
        self.shape = tuple(int(v) + 2 * k + 1 for v in np.ceil((hi - lo) / self.h))
        self.usable = self.shape[0] * self.shape[1] <= self.MAX_CELLS
        self.cells = np.zeros(self.shape if self.usable else (1, 1), dtype=bool)
        self._offsets = (self._d[:, 0] * self.cells.shape[1] + self._d[:, 1]).astype(np.int64)
        if self.usable and len(pts):
            self.add(pts)

    def add(self, points: np.ndarray) -> None:
        """Mark what ``points`` (k, 2) block (new spots taken since the grid was made)."""
        if not self.usable:
            return
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        pos = (pts - self.origin) / self.h
        base = np.floor(pos).astype(np.int64)
        keep = ((base >= self._pad) & (base < np.array(self.shape) - self._pad)).all(axis=1)
        if not keep.all():  # a spot taken outside the grid: the exact check covers it
            pos, base = pos[keep], base[keep]
        frac = (pos - base).astype(np.float32)
        dx = (self._d[None, :, 0] + np.float32(0.5)) - frac[:, 0:1]
        dy = (self._d[None, :, 1] + np.float32(0.5)) - frac[:, 1:2]
        near = dx * dx + dy * dy < np.float32(self._reach ** 2)
        flat = (base[:, 0] * self.cells.shape[1] + base[:, 1])[:, None] + self._offsets[None, :]
        self.cells.reshape(-1)[flat[near]] = True

    def blocked(self, cand: np.ndarray) -> np.ndarray:
        """True where a candidate certainly has an occupied point nearer than ``min_dist``."""
        if not self.usable:
            return np.zeros(len(cand), dtype=bool)
        ij = np.floor((cand - self.origin) / self.h).astype(np.int64)
        inside = (ij[:, 0] >= 0) & (ij[:, 0] < self.shape[0]) & (ij[:, 1] >= 0) & (ij[:, 1] < self.shape[1])
        out = np.zeros(len(cand), dtype=bool)
        out[inside] = self.cells[ij[inside, 0], ij[inside, 1]]
        return out


_RINGS: dict[tuple[float, int], tuple[np.ndarray, np.ndarray]] = {}


def _ring_offsets(step: float, max_rings: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate offsets of rings 1..max_rings, in ring order, and where each ring starts (made once)."""
    key = (step, max_rings)
    if key not in _RINGS:
        parts = [r * step * np.stack([np.cos(a), np.sin(a)], axis=1)
                 for r in range(1, max_rings + 1)
                 for a in [np.linspace(0, 2 * np.pi, 6 * r, endpoint=False) + r * 0.37]]
        starts = np.concatenate([[0], np.cumsum([len(q) for q in parts])])
        _RINGS[key] = (np.concatenate(parts), starts)
    return _RINGS[key]


def free_spot(point: np.ndarray, occupied, extra: list | None = None, *, min_dist: float = MIN_DIST,
              max_rings: int = 60, blocked: BlockedCells | None = None) -> np.ndarray:
    """The nearest place to ``point`` at least ``min_dist`` from every occupied one (thumbnail units).

    For a new photo joining a decluttered map: it takes the closest free spot next to where the
    layout put it, and nobody else moves. Searches outward ring by ring. ``occupied``: an (m, 2)
    array or a prebuilt ``cKDTree`` (or None); ``extra``: a few more occupied points;
    ``blocked``: a :class:`BlockedCells` of (some of) the occupied points, to skip candidates
    that are certainly taken (the spot found is the same).
    """
    pt = np.asarray(point, dtype=np.float64).reshape(2)
    tree = occupied
    if tree is not None and not isinstance(tree, cKDTree):
        occ = np.asarray(tree, dtype=np.float64).reshape(-1, 2)
        tree = cKDTree(occ) if len(occ) else None
    more = np.asarray(extra, dtype=np.float64).reshape(-1, 2) if extra else np.zeros((0, 2))

    def clearance(cand: np.ndarray) -> np.ndarray:
        # Distances beyond min_dist only need to be known as "far enough" (inf): bounding the
        # search prunes the tree.
        d = (tree.query(cand, distance_upper_bound=min_dist)[0] if tree is not None
             else np.full(len(cand), np.inf))
        if len(more):
            d = np.minimum(d, np.hypot(cand[:, None, 0] - more[None, :, 0], cand[:, None, 1] - more[None, :, 1]).min(axis=1))
        return d

    if clearance(pt[None])[0] >= min_dist:
        return pt
    offsets, starts = _ring_offsets(min_dist * 0.5, max_rings)
    # Rings in growing batches, one tree query each (deep in a 20,000-photo group the free spot
    # can be dozens of rings out); the first free candidate in ring order wins, as ring by ring.
    first = 1
    while first <= max_rings:
        last = min(max_rings, 2 * first + 2)
        cand = pt + offsets[starts[first - 1]:starts[last]]
        if blocked is not None:
            cand = cand[~blocked.blocked(cand)]
        ok = np.flatnonzero(clearance(cand) >= min_dist) if len(cand) else ()
        if len(ok):
            return cand[ok[0]]
        first = last + 1
    return pt


def close_gaps(points: np.ndarray, max_gap: float = 3.0) -> np.ndarray:
    """Shrink empty bands wider than ``max_gap`` along each axis (thumbnail units).

    UMAP sets groups that share nothing far apart, and one such island at the edge can squeeze
    the rest of the map into a corner of the screen. Along x and then y, every gap between
    consecutive coordinates larger than ``max_gap`` is cut down to it. The mapping is monotone per
    axis, so left stays left of right and neighbours stay neighbours; only empty space goes.
    """
    p = np.array(points, dtype=np.float64, copy=True)
    if len(p) < 2:
        return p
    for axis in (0, 1):
        order = np.argsort(p[:, axis], kind="stable")
        v = p[order, axis]
        gaps = np.diff(v)
        cut = np.concatenate([[0.0], np.cumsum(np.maximum(gaps - max_gap, 0.0))])
        centre_shift = cut[-1] / 2.0  # keep the map centred where it was
        p[order, axis] = v - cut + centre_shift
    return p


def prefer_rotation(points: np.ndarray, aspect: float, current: bool = False, hysteresis: float = 1.25) -> bool:
    """Should a map of these points be drawn a quarter turn round on a view of this width / height?

    Only changes ``current`` when the other way round draws the map ``hysteresis`` times bigger,
    so a map does not flip back and forth as it grows.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3 or aspect <= 0:
        return current
    w, h = np.ptp(pts, axis=0) + 1e-9
    straight, turned = min(aspect / w, 1 / h), min(aspect / h, 1 / w)
    if not current and turned > hysteresis * straight:
        return True
    if current and straight > hysteresis * turned:
        return False
    return current


def display_positions(layout: np.ndarray, n: int | None = None, *, rotate: bool = False) -> np.ndarray:
    """Layout (map units) -> decluttered drawing positions in thumbnail units.

    ``rotate`` turns the map a quarter turn (a tall map on a wide screen); ``n`` (default: the
    number of points) picks the spread.
    """
    pts = np.asarray(layout, dtype=np.float64).reshape(-1, 2)
    if rotate:
        pts = np.stack([-pts[:, 1], pts[:, 0]], axis=1)
    pts = pts * thumbs_per_unit(len(pts) if n is None else n)
    return declutter(close_gaps(pts))


class PlacementIndex(NamedTuple):
    """What ``DisplayMap.place_new`` searches, built with a full declutter on its thread (pure).

    Built lazily on the UI thread instead, the first shot after a restore or a refit of a
    20,000-photo map paid ~30 ms for it (two trees and the taken cells).
    """

    layout_tree: cKDTree  # layout positions, for to_display
    occupied: cKDTree  # drawn positions
    blocked: BlockedCells | None


def _blocked_cells(shown: np.ndarray) -> BlockedCells | None:
    """Taken cells for a big map (worth their ~15 ms from ``BLOCKED_FROM`` drawn photos), else None."""
    return BlockedCells(shown) if len(shown) > BLOCKED_FROM else None


def placement_index(layout: np.ndarray, shown: np.ndarray) -> PlacementIndex | None:
    """The search structures for a declutter result (``layout`` and ``shown`` row for row)."""
    if not len(shown):
        return None
    shown = np.asarray(shown, dtype=np.float64).reshape(-1, 2)
    return PlacementIndex(cKDTree(np.asarray(layout, dtype=np.float64).reshape(-1, 2)), cKDTree(shown),
                          _blocked_cells(shown))


class DisplayMap:
    """Where each photo is drawn (thumbnail units), kept beside the layout by one map view.

    Owner-thread object (the view's). A full recompute (a refit, a restored map, a change of
    spread or orientation) is ``snapshot`` -> :func:`display_positions` (pure: any thread) ->
    ``apply``; a new photo is ``place_new``: the nearest free spot next to where the layout put
    it, relative to its nearest neighbour already drawn, and nobody else moves.
    """

    def __init__(self) -> None:
        self.layout: dict[str, tuple[float, float]] = {}
        self.shown: dict[str, np.ndarray] = {}
        self.rotated = False
        # Search structures, rebuilt lazily (a 20,000-photo map must not rebuild them per photo):
        self._tree = None  # layout positions of drawn photos, for to_display
        self._tree_ids: list[str] = []
        self._occ_tree = None  # drawn positions, for place_new ...
        self._blocked: BlockedCells | None = None  # ... with the cells they certainly block ...
        self._recent: list[np.ndarray] = []  # ... plus spots taken since it was built
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._layout_rows: np.ndarray | None = None  # the layout as one array, in dict order

    def _layout_array(self) -> np.ndarray:
        if self._layout_rows is None:
            self._layout_rows = np.array(list(self.layout.values()), dtype=np.float64).reshape(-1, 2)
        return self._layout_rows

    def _dirty(self) -> None:
        self._tree = None
        self._occ_tree = None
        self._blocked = None
        self._recent = []
        self._bounds = None

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(min, max) corners of the drawn positions, or None when nothing is drawn."""
        if self._bounds is None and self.shown:
            arr = np.stack(list(self.shown.values()))
            self._bounds = (arr.min(axis=0), arr.max(axis=0))
        return self._bounds

    def __len__(self) -> int:
        return len(self.layout)

    @property
    def spread(self) -> float:
        return thumbs_per_unit(len(self.layout))

    def set_layout(self, photo_id: str, xy: tuple[float, float]) -> None:
        self.layout[photo_id] = (float(xy[0]), float(xy[1]))
        self._layout_rows = None

    def remove(self, photo_id: str) -> None:
        self.layout.pop(photo_id, None)
        self._layout_rows = None
        if self.shown.pop(photo_id, None) is not None:
            self._dirty()

    def choose_rotation(self, aspect: float, hysteresis: float = 1.25) -> bool:
        """Turn a tall map on a wide view (or the reverse) when that lets it be drawn bigger.

        ``aspect``: the view's width / height. Returns True if the orientation changed.
        """
        if len(self.layout) < 3 or aspect <= 0:
            return False
        want = prefer_rotation(self._layout_array(), aspect, self.rotated, hysteresis)
        changed = want != self.rotated
        self.rotated = want
        return changed

    def set_layouts(self, ids, xy: np.ndarray) -> None:
        """Many layout positions at once (a refit), without a Python float per coordinate."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        self.layout.update(zip(ids, zip(xy[:, 0].tolist(), xy[:, 1].tolist())))
        self._layout_rows = None

    def snapshot(self) -> tuple[list[str], np.ndarray, bool]:
        ids = list(self.layout)  # dict order: ids and values line up
        return ids, self._layout_array().copy(), self.rotated

    def apply(self, ids: list[str], shown: np.ndarray, index: PlacementIndex | None = None) -> None:
        """Take a full declutter's result (of ``snapshot``'s ids); ``index``: its
        :func:`placement_index`, made on the declutter's thread, used when the result covers
        every photo drawn (otherwise the search structures are rebuilt when next needed)."""
        rows = np.array(shown, dtype=np.float64).reshape(-1, 2)  # a copy: the rows below are views of it
        layout = self.layout
        before = len(self.shown)
        self.shown.update((pid, p) for pid, p in zip(ids, rows) if pid in layout)
        self._dirty()
        if len(rows) and len(self.shown) == len(rows) and before <= len(rows) and len(ids) == len(layout):
            self._bounds = (rows.min(axis=0), rows.max(axis=0))  # every drawn photo was in this result
            if index is not None:  # ids are the layout's, in its order: the trees' rows line up
                self._tree, self._tree_ids = index.layout_tree, list(ids)
                self._occ_tree, self._blocked = index.occupied, index.blocked

    def _turn(self, xy) -> np.ndarray:
        x, y = float(xy[0]), float(xy[1])
        return np.array([-y, x]) if self.rotated else np.array([x, y])

    def to_display(self, xy: tuple[float, float], exclude: str | None = None) -> np.ndarray:
        """Drawing position for a layout position: next to its nearest drawn neighbour, at the same offset."""
        if self._tree is None:
            self._tree_ids = [i for i in self.shown if i in self.layout]
            self._tree = cKDTree(np.array([self.layout[i] for i in self._tree_ids])) if self._tree_ids else None
        if self._tree is None:
            return self._turn(xy) * self.spread
        _, ks = self._tree.query(np.asarray(xy, dtype=np.float64), k=min(2, len(self._tree_ids)))
        ks = np.atleast_1d(ks)
        nb = self._tree_ids[int(ks[0])]
        if nb == exclude and len(ks) > 1:
            nb = self._tree_ids[int(ks[1])]
        if nb == exclude or nb not in self.shown:
            return self._turn(xy) * self.spread
        offset = self._turn(np.asarray(xy) - np.asarray(self.layout[nb])) * self.spread
        return self.shown[nb] + offset

    def place_new(self, photo_id: str) -> np.ndarray:
        """Draw a photo whose layout position was just set: the nearest free spot, others stay."""
        want = self.to_display(self.layout[photo_id], exclude=photo_id)
        if self._occ_tree is None:
            others = np.array([p for i, p in self.shown.items() if i != photo_id]).reshape(-1, 2)
            self._occ_tree = cKDTree(others) if len(others) else None
            # Kept up to date spot by spot, so it is made again only after a full declutter or a
            # removal (``_dirty``), not with each new tree.
            if self._blocked is None:
                self._blocked = _blocked_cells(others)
            self._recent = []
        spot = free_spot(want, self._occ_tree, self._recent, blocked=self._blocked)
        self.shown[photo_id] = spot
        self._recent.append(spot)
        if self._blocked is not None:
            self._blocked.add(spot[None])
        if len(self._recent) > 64:
            self._occ_tree = None
        if self._bounds is not None:
            self._bounds = (np.minimum(self._bounds[0], spot), np.maximum(self._bounds[1], spot))
        return spot
