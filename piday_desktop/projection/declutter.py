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

import numpy as np
# At import time, on purpose: importing scipy lazily on the UI thread while umap's warm-up thread
# imports scikit-learn (which imports scipy) can leave a half-initialised module behind.
from scipy.spatial import cKDTree

#: Centre distance below which two thumbnails count as overlapping (a small gap between them).
MIN_DIST = 1.08
#: Thumbnails per map unit for n photos: max(MIN_SPREAD, SPREAD * sqrt(n)) (n in quarter octaves).
SPREAD = 0.9
MIN_SPREAD = 2.6


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


def free_spot(point: np.ndarray, occupied, extra: list | None = None, *, min_dist: float = MIN_DIST,
              max_rings: int = 60) -> np.ndarray:
    """The nearest place to ``point`` at least ``min_dist`` from every occupied one (thumbnail units).

    For a new photo joining a decluttered map: it takes the closest free spot next to where the
    layout put it, and nobody else moves. Searches outward ring by ring. ``occupied``: an (m, 2)
    array or a prebuilt ``cKDTree`` (or None); ``extra``: a few more occupied points.
    """
    pt = np.asarray(point, dtype=np.float64).reshape(2)
    tree = occupied
    if tree is not None and not isinstance(tree, cKDTree):
        occ = np.asarray(tree, dtype=np.float64).reshape(-1, 2)
        tree = cKDTree(occ) if len(occ) else None
    more = np.asarray(extra, dtype=np.float64).reshape(-1, 2) if extra else np.zeros((0, 2))

    def clearance(cand: np.ndarray) -> np.ndarray:
        # Distances beyond min_dist only need to be known as "far enough" (inf): bounding the
        # search prunes the tree (~1.4x faster over the thousands of candidates deep in a group).
        d = (tree.query(cand, distance_upper_bound=min_dist)[0] if tree is not None
             else np.full(len(cand), np.inf))
        if len(more):
            d = np.minimum(d, np.hypot(cand[:, None, 0] - more[None, :, 0], cand[:, None, 1] - more[None, :, 1]).min(axis=1))
        return d

    if clearance(pt[None])[0] >= min_dist:
        return pt
    step = min_dist * 0.5
    # Rings in growing batches, one tree query each (deep in a 20,000-photo group the free spot
    # can be dozens of rings out); the first free candidate in ring order wins, as ring by ring.
    first = 1
    while first <= max_rings:
        last = min(max_rings, 2 * first + 2)
        rings = np.arange(first, last + 1)
        cand = np.concatenate([
            pt + r * step * np.stack([np.cos(a), np.sin(a)], axis=1)
            for r in rings for a in [np.linspace(0, 2 * np.pi, 6 * r, endpoint=False) + r * 0.37]])
        ok = np.flatnonzero(clearance(cand) >= min_dist)
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

    def apply(self, ids: list[str], shown: np.ndarray) -> None:
        rows = np.array(shown, dtype=np.float64).reshape(-1, 2)  # a copy: the rows below are views of it
        layout = self.layout
        before = len(self.shown)
        self.shown.update((pid, p) for pid, p in zip(ids, rows) if pid in layout)
        self._dirty()
        if len(rows) and len(self.shown) == len(rows) and before <= len(rows) and len(ids) == len(layout):
            self._bounds = (rows.min(axis=0), rows.max(axis=0))  # every drawn photo was in this result

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
            others = [p for i, p in self.shown.items() if i != photo_id]
            self._occ_tree = cKDTree(np.array(others).reshape(-1, 2)) if others else None
            self._recent = []
        spot = free_spot(want, self._occ_tree, self._recent)
        self.shown[photo_id] = spot
        self._recent.append(spot)
        if len(self._recent) > 64:
            self._occ_tree = None
        if self._bounds is not None:
            self._bounds = (np.minimum(self._bounds[0], spot), np.maximum(self._bounds[1], spot))
        return spot
