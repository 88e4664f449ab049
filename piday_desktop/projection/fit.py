"""One UMAP fit on a snapshot of the map: the slow step, run off the layout thread.

Built from umap-learn's own building blocks (``fuzzy_simplicial_set``, ``optimize_layout_euclidean``)
rather than ``umap.UMAP(init=...).fit``, for one measured reason: ``UMAP.fit`` rescales any ``init``
array to [0, 10] per axis. A finished UMAP layout is several times larger than that, so a
warm-started refit began compressed (and stretched), re-expanded, and the median point moved 10-15 %
of the map's span even with no new data. Started at its natural scale, the same refit barely moves
anything. The graph comes from our exact k-NN (see ``knn``), which also avoids umap's slow
small-data distance path.

Pure function of its inputs, so it runs on any thread (or, later, in a worker process) while the
layout thread keeps placing new points.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse

from piday_desktop.projection import knn
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.umap_import import import_umap

#: umap scales a fresh (PCA or spectral) initialisation so its largest coordinate is 10.
FRESH_INIT_EXTENT = 10.0


@functools.lru_cache(maxsize=8)
def _ab_params(spread: float, min_dist: float) -> tuple[float, float]:
    """umap's curve parameters (a scipy curve fit: cached, as the config rarely changes)."""
    from umap.umap_ import find_ab_params

    a, b = find_ab_params(spread, min_dist)
    return float(a), float(b)


def fresh_init(positions: np.ndarray) -> np.ndarray:
    """Scale a non-UMAP layout (PCA) the way umap scales its own initialisations.

    Uniformly, unlike umap's handling of ``init`` arrays, so the shape of the map is kept.
    """
    pts = np.asarray(positions, dtype=np.float64)
    pts = pts - pts.mean(axis=0)
    extent = float(np.abs(pts).max()) if len(pts) else 0.0
    return (pts * (FRESH_INIT_EXTENT / extent if extent > 0 else 1.0)).astype(np.float32)


def _separate_duplicates(init: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """Nudge coincident starting points apart: UMAP's gradient is zero between them forever."""
    if len(np.unique(init, axis=0)) == len(init):
        return init
    extent = float(np.ptp(init, axis=0).max()) or 1.0
    return (init + rng.normal(scale=1e-4 * extent, size=init.shape)).astype(np.float32)


def umap_graph(vectors: np.ndarray, graph: knn.KnnGraph, config: LayoutConfig) -> scipy.sparse.coo_matrix:
    """umap's fuzzy neighbourhood graph (symmetric, weighted) from our exact k-NN lists."""
    import_umap()
    from sklearn.utils import check_random_state
    from umap.umap_ import fuzzy_simplicial_set

    n = len(vectors)
    n_neighbors = min(config.n_neighbors, n - 1)
    if n_neighbors < 2 or graph.k < n_neighbors or len(graph) != n:
        raise ValueError(f"UMAP needs more points than neighbours: {n} points, graph k={graph.k}")
    fuzzy, _, _ = fuzzy_simplicial_set(
        np.ascontiguousarray(vectors, dtype=np.float32),
        n_neighbors,
        check_random_state(config.seed),
        "cosine",
        knn_indices=np.ascontiguousarray(graph.indices[:, :n_neighbors]),
        knn_dists=np.ascontiguousarray(graph.distances[:, :n_neighbors]),
    )
    g = fuzzy.tocoo()
    g.sum_duplicates()
    return g


def optimise(
    fuzzy: scipy.sparse.coo_matrix,
    init: np.ndarray,
    config: LayoutConfig,
    *,
    n_epochs: int | None,
    learning_rate: float,
    moving: np.ndarray | None = None,
) -> np.ndarray:
    """UMAP's layout optimisation of ``init`` (n, 2) under ``fuzzy``; returns new positions.

    ``init`` must already be at UMAP scale: ``fresh_init`` of a PCA layout for a first fit, or the
    previous UMAP output (in its own units) for a warm refit. The output frame is arbitrary; the
    caller aligns it to the previous map (see ``align``).

    ``moving`` (boolean mask) restricts the optimisation to those points, all others held fixed, as
    umap's ``transform`` does: new points find their place (even form a new cluster in free space)
    without disturbing anyone already on the map.
    """
    import_umap()
    from sklearn.utils import check_random_state
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import INT32_MAX, INT32_MIN, make_epochs_per_sample

    n = fuzzy.shape[0]
    random_state = check_random_state(config.seed)
    # The rest mirrors umap.umap_.simplicial_set_embedding, minus its rescaling of init.
    epochs = n_epochs if n_epochs is not None else (500 if n <= 10_000 else 200)
    weights = fuzzy.data
    keep = weights >= weights.max() / float(max(epochs, 10)) if len(weights) else weights.astype(bool)
    if moving is not None:
        keep &= np.asarray(moving, dtype=bool)[fuzzy.row]
    embedding = _separate_duplicates(np.array(init, dtype=np.float32, order="C"), random_state)
    if not keep.any() or epochs <= 0:
        return embedding
    head = np.ascontiguousarray(fuzzy.row[keep])
    tail = np.ascontiguousarray(fuzzy.col[keep])
    epochs_per_sample = make_epochs_per_sample(weights[keep], epochs)
    a, b = _ab_params(config.spread, config.min_dist)
    rng_state = random_state.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
    optimize_layout_euclidean(
        embedding,
        embedding,
        head,
        tail,
        epochs,
        n,
        epochs_per_sample,
        a,
        b,
        rng_state,
        gamma=1.0,
        initial_alpha=learning_rate,
        negative_sample_rate=5,
        parallel=config.seed is None,
        move_other=moving is None,
    )
    return embedding
