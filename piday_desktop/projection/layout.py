"""The map's state: which photo sits where, and when it is time to refit.

``LayoutModel.update`` is always quick (PCA for tiny sets, nearest-neighbour placement otherwise)
because it runs on every new photo. The slow UMAP fit is split out as a ``RefitJob`` (a snapshot that
can run on another thread) whose result is brought back with ``adopt``, aligned to the map as it is
by then. Not thread-safe: one thread (the layout worker's) owns a model; jobs are independent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from piday_desktop.projection import knn
from piday_desktop.projection.align import fit_similarity, normalise, out_of_range
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.fit import fresh_init, optimise, umap_graph
from piday_desktop.projection.place import place
from piday_desktop.projection.small import pca_layout


def _frozen(a: np.ndarray) -> np.ndarray:
    """A private read-only float32 copy: layouts are handed to other threads and must not change."""
    a = np.array(a, dtype=np.float32, order="C", copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Layout:
    """One map: ``positions[i]`` is where ``ids[i]`` goes. Read-only, safe to hand to another thread.

    ``method`` says how the newest positions came about: ``empty``, ``pca`` (tiny set or first
    layout), ``placed`` (new points put among the existing map) or ``umap`` (a fit was just adopted).
    ``umap_points`` is how many points the last UMAP fit covered (0 while the map is PCA).
    """

    ids: tuple[str, ...]
    positions: np.ndarray
    method: str
    umap_points: int = 0
    umap_scale: float = 1.0  # map units per UMAP unit; store it with positions to restore later

    def __len__(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict[str, tuple[float, float]]:
        return {i: (float(x), float(y)) for i, (x, y) in zip(self.ids, self.positions)}


@dataclass(frozen=True)
class RefitResult:
    job: RefitJob
    positions: np.ndarray  # unaligned, in job.ids order
    graph: knn.KnnGraph
    seconds: float


@dataclass(frozen=True)
class RefitJob:
    """Everything a UMAP refit needs, detached from the model so it can run on any thread."""

    generation: int
    rows_generation: int
    ids: tuple[str, ...]
    vectors: np.ndarray
    init: np.ndarray  # at UMAP scale (see fit.optimise)
    moving: np.ndarray  # rows placed since the last fit: they settle first, alone
    base_graph: knn.KnnGraph | None  # describes a prefix of ``vectors``; extended in run()
    first: bool  # switching from PCA to UMAP
    config: LayoutConfig = field(repr=False)

    def run(self) -> RefitResult:
        """The slow part (seconds at 20,000 points); touches nothing shared."""
        t0 = time.perf_counter()
        cfg = self.config
        if self.base_graph is not None and len(self.base_graph) > 0:
            graph = knn.extend(self.base_graph, self.vectors, cfg.n_neighbors)
        else:
            graph = knn.build(self.vectors, cfg.n_neighbors)
        fuzzy = umap_graph(self.vectors, graph, cfg)
        if self.first:
            positions = optimise(fuzzy, self.init, cfg, n_epochs=cfg.first_fit_epochs, learning_rate=1.0)
        else:
            positions = self.init
            if self.moving.any():
                positions = optimise(
                    fuzzy, positions, cfg, n_epochs=cfg.settle_epochs,
                    learning_rate=cfg.settle_learning_rate, moving=self.moving,
                )
            positions = optimise(
                fuzzy, positions, cfg, n_epochs=cfg.refit_epochs, learning_rate=cfg.refit_learning_rate
            )
        return RefitResult(self, positions, graph, time.perf_counter() - t0)


class LayoutModel:
    """Ids -> 2-D positions for a growing set of unit vectors, kept stable as the set grows."""

    def __init__(self, config: LayoutConfig | None = None) -> None:
        self.config = config or LayoutConfig()
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), np.float32)
        self._positions = _frozen(np.zeros((0, 2)))
        self._placed = np.zeros(0, bool)  # rows placed quickly since the last full layout
        self._method = "empty"
        self._umap_points = 0  # points covered by the last adopted UMAP fit; 0 = map is not UMAP
        self._changes = 0  # points added or removed since the last full layout
        self._generation = 0  # bumped when the vector space changes: older jobs are void
        self._rows_generation = 0  # bumped when rows are removed/reordered: the graph is void
        self._graph: knn.KnnGraph | None = None
        self._umap_scale = 1.0  # map units per UMAP unit, from the last adopted fit

    # -- state -------------------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        ids: Sequence[str],
        vectors: np.ndarray,
        positions: np.ndarray,
        config: LayoutConfig | None = None,
        umap_scale: float | None = None,
    ) -> LayoutModel:
        """A model that continues a stored map (positions saved with the embeddings).

        A restarted station shows yesterday's map at once instead of re-fitting from scratch.
        ``umap_scale`` (``Layout.umap_scale`` when it was saved) lets the next refit start at UMAP's
        own scale; without it the map is assumed to be at the scale of a fresh UMAP start.
        """
        model = cls(config)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        positions = np.asarray(positions, dtype=np.float32)
        if len(ids) != len(vectors) or positions.shape != (len(ids), 2):
            raise ValueError("ids, vectors and positions must have matching lengths")
        model._ids = list(ids)
        model._index = {i: n for n, i in enumerate(model._ids)}
        model._vectors = vectors
        model._positions = _frozen(positions)
        model._placed = np.zeros(len(model._ids), bool)
        n = len(model._ids)
        umap_ok = n >= model.config.umap_min_points
        model._method = "umap" if umap_ok else ("pca" if n else "empty")
        model._umap_points = n if umap_ok else 0
        if umap_scale is None and n:
            extent = float(np.abs(positions - positions.mean(axis=0)).max())
            umap_scale = extent / 10.0 if extent > 0 else 1.0  # see fit.FRESH_INIT_EXTENT
        model._umap_scale = float(umap_scale or 1.0)
        return model

    def layout(self) -> Layout:
        return Layout(tuple(self._ids), self._positions, self._method, self._umap_points, self._umap_scale)

    def __len__(self) -> int:
        return len(self._ids)

    # -- quick path ---------------------------------------------------------------------------

    def update(self, ids: Sequence[str], vectors: np.ndarray) -> Layout:
        """Lay out exactly this set, keeping known points where they are. Milliseconds.

        Known ids keep their position unless their vector changed (re-embedded: placed anew);
        missing ids are dropped; new ids are placed among the rest. The model keeps a reference to
        ``vectors`` (copying 40 MB per photo at 20,000 points would cost more than the placement):
        do not modify the array afterwards. ``LayoutWorker.request`` copies for its callers.
        """
        ids = list(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but vectors of shape {vectors.shape}")
        n_old = len(self._ids)
        if n_old and len(ids) and vectors.shape[1] != self._vectors.shape[1]:
            self._reset_space()
            n_old = 0
        if (
            len(ids) >= max(n_old, self.config.umap_min_points)
            and n_old
            and ids[:n_old] == self._ids
            and self._same(self._vectors, vectors[:n_old]).all()
        ):
            return self._append(ids, vectors)  # the common case: new photos at the end
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique")
        if not np.all(np.isfinite(vectors)):
            raise ValueError("vectors must be finite")

        old_rows = np.array([self._index.get(i, -1) for i in ids], dtype=np.int64)
        known = old_rows >= 0
        if known.any():
            same = self._same(self._vectors[:, :16][old_rows[known]], vectors[:, :16][known])
            known[np.flatnonzero(known)[~same]] = False
        n_known = int(known.sum())
        removed = n_old - n_known
        added = len(ids) - n_known
        if removed == 0 and added == 0 and ids == self._ids:
            return self.layout()

        prefix = n_known == n_old and bool(np.all(old_rows[:n_old] == np.arange(n_old))) and bool(known[:n_old].all())
        if not prefix:
            self._rows_generation += 1
            self._graph = None

        n = len(ids)
        if n < self.config.umap_min_points or n_known == 0:
            # Tiny maps are laid out afresh each time; aligning keeps their orientation (the
            # photos stay on the same side), normalising keeps them filling the view.
            positions = pca_layout(vectors)
            if n_known:
                positions = fit_similarity(positions[known], self._positions[old_rows[known]]).apply(positions)
            positions = normalise(positions)
            # A fresh PCA layout (tiny set, or nothing known to build on): no UMAP state survives.
            self._umap_points = 0
            self._changes = 0
            placed = np.zeros(n, bool)
            self._method = "pca" if n else "empty"
        else:
            positions = np.empty((n, 2), np.float32)
            positions[known] = self._positions[old_rows[known]]
            placed = np.ones(n, bool)
            placed[known] = self._placed[old_rows[known]]
            if added:
                positions[~known] = place(
                    vectors[~known], vectors[known], positions[known], self.config.place_k
                )
                self._method = "placed"
            self._changes += added + removed

        self._ids = ids
        self._index = {i: r for r, i in enumerate(ids)}
        self._vectors = vectors
        self._positions = _frozen(positions)
        self._placed = placed
        return self.layout()

    @staticmethod
    def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per row: is this still the vector we laid out? Checks the first 16 components only.

        A re-embedded photo (another model or checkpoint) differs in every component, so 16 are as
        good as 512 here, and at 20,000 points comparing all of them would cost more than placing
        the new photo.
        """
        return np.all(a[:, :16] == b[:, :16], axis=1)

    def _append(self, ids: list[str], vectors: np.ndarray) -> Layout:
        """Fast path of ``update``: the known points, unchanged and in order, plus new ones."""
        n_old = len(self._ids)
        new_ids = ids[n_old:]
        if not new_ids:
            return self.layout()
        if len(set(new_ids)) != len(new_ids) or any(i in self._index for i in new_ids):
            raise ValueError("ids must be unique")
        fresh = vectors[n_old:]
        if not np.all(np.isfinite(fresh)):
            raise ValueError("vectors must be finite")
        placed_at = place(fresh, self._vectors, self._positions, self.config.place_k)
        self._index.update((i, n_old + r) for r, i in enumerate(new_ids))
        self._ids = ids
        self._vectors = vectors
        self._positions = _frozen(np.concatenate([self._positions, placed_at]))
        self._placed = np.concatenate([self._placed, np.ones(len(new_ids), bool)])
        self._changes += len(new_ids)
        self._method = "placed"
        return self.layout()

    def _reset_space(self) -> None:
        """Vectors of another dimension (another CLIP model): nothing carries over, old jobs void."""
        self._ids, self._index = [], {}
        self._vectors = np.zeros((0, 0), np.float32)
        self._positions = _frozen(np.zeros((0, 2)))
        self._placed = np.zeros(0, bool)
        self._umap_points = self._changes = 0
        self._generation += 1
        self._rows_generation += 1
        self._graph = None

    # -- slow path ----------------------------------------------------------------------------

    def refit_due(self) -> bool:
        """Whether enough changed since the last fit to be worth a UMAP refit.

        The first UMAP fit is due as soon as there are enough points; after that, a refit once
        ``refit_min_new`` points and ``refit_fraction`` of the map have changed, so a 20,000-point
        map refits every 2,000 photos while a 200-point one does every 20.
        """
        cfg = self.config
        n = len(self._ids)
        if n < cfg.umap_min_points:
            return False
        if self._umap_points == 0:
            return True
        needed = max(cfg.refit_min_new, math.ceil(cfg.refit_fraction * self._umap_points))
        return self._changes >= needed

    def refit_job(self) -> RefitJob | None:
        """A snapshot for a refit, or None when the set is too small for UMAP."""
        if len(self._ids) < self.config.umap_min_points:
            return None
        base = self._graph if self._graph is not None and len(self._graph) <= len(self._ids) else None
        first = self._umap_points == 0
        # A warm refit starts from the map at UMAP's own scale, so it only polishes (see fit.py).
        init = fresh_init(self._positions) if first else np.asarray(self._positions) / self._umap_scale
        return RefitJob(
            generation=self._generation,
            rows_generation=self._rows_generation,
            ids=tuple(self._ids),
            vectors=self._vectors,
            init=np.asarray(init, dtype=np.float32),
            moving=self._placed.copy(),
            base_graph=base,
            first=first,
            config=self.config,
        )

    def adopt(self, result: RefitResult) -> Layout:
        """Bring a finished refit into the map as it is now, aligned so nothing jumps.

        Points that arrived while the refit ran are placed again among the refitted ones; points
        removed meanwhile are ignored. A result from before a change of vector space is dropped.
        """
        job = result.job
        if job.generation != self._generation or len(self._ids) < self.config.umap_min_points:
            return self.layout()
        job_index = {i: r for r, i in enumerate(job.ids)}
        job_rows = np.array([job_index.get(i, -1) for i in self._ids], dtype=np.int64)
        in_job = job_rows >= 0
        if in_job.any():
            same = self._same(job.vectors[:, :16][job_rows[in_job]], self._vectors[:, :16][in_job])
            in_job[np.flatnonzero(in_job)[~same]] = False
        if in_job.sum() < 2:
            return self.layout()

        # Align on the points the previous fit laid out: quickly placed ones were only guesses and
        # are meant to move. (All shared points when too few remain.)
        anchor = in_job & ~self._placed
        if anchor.sum() < 3:
            anchor = in_job
        sim = fit_similarity(result.positions[job_rows[anchor]], self._positions[anchor])
        positions = np.empty_like(self._positions)
        positions[in_job] = sim.apply(result.positions[job_rows[in_job]])
        if not in_job.all():
            positions[~in_job] = place(
                self._vectors[~in_job], self._vectors[in_job], positions[in_job], self.config.place_k
            )
        if out_of_range(positions):
            positions = normalise(positions)  # rare: see align.out_of_range
        if job.rows_generation == self._rows_generation:
            self._graph = result.graph
        self._positions = _frozen(positions)
        self._placed = ~in_job
        self._umap_scale = sim.scale
        self._umap_points = int(in_job.sum())
        self._changes = int((~in_job).sum()) + (len(job.ids) - int(in_job.sum()))
        self._method = "umap"
        return self.layout()

    def refit_now(self) -> Layout:
        """Refit synchronously (headless tools, tests): snapshot, run, adopt."""
        job = self.refit_job()
        if job is None:
            return self.layout()
        return self.adopt(job.run())

    def snapshot(self) -> Mapping[str, tuple[float, float]]:
        return self.layout().as_dict()
