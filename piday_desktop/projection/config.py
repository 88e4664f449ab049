"""Tunables of the live map layout, in one place so the station config and tests can set them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutConfig:
    """How the map is laid out and when it is refitted.

    ``seed``: umap's ``random_state``. A fixed seed makes a fit reproducible (same points, same
    starting positions -> same map), and umap then runs single-threaded. On the 2-core station that
    is what we want anyway: the second core stays free for CLIP inference and the UI, and a refit is
    a background job whose speed the visitor never waits on. ``None`` lets umap use every core,
    non-deterministically (e.g. for a 20,000-point headless export); its parallel numba code is not
    compiled by the warm-up, so the first such fit in a process pays ~10 s of JIT.
    """

    n_neighbors: int = 15
    min_dist: float = 0.1
    spread: float = 1.0
    seed: int | None = 42
    #: Below this many points the map is PCA; from here on UMAP (needs a real neighbourhood graph).
    umap_min_points: int = 30
    #: A refit is due once this many points arrived since the last one (or were removed) ...
    refit_min_new: int = 10
    #: ... and at least this fraction of the points laid out by the last fit.
    refit_fraction: float = 0.1
    #: A warm refit runs in two phases. First the points placed since the last fit "settle": only
    #: they move, everyone else is held (umap's transform does the same, with these defaults) ...
    settle_epochs: int = 100
    settle_learning_rate: float = 0.25
    #: ... then a gentle global polish lets the map as a whole adapt. Needed: growing a map from 5
    #: to 600 photos without it left groups mixed (10-NN group purity 0.82 against 1.0 with it,
    #: and 1.0 for a fresh fit); at this learning rate old points move about half as much as at 0.05.
    refit_epochs: int = 30
    refit_learning_rate: float = 0.02
    #: Epochs for the first UMAP fit, which starts from PCA (None: umap's default, 500 / 200).
    first_fit_epochs: int | None = None
    #: Neighbours averaged when placing a new point quickly.
    place_k: int = 8
