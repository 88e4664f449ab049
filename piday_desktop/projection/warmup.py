"""Pay umap's import and numba JIT once, in the background, at start-up.

Importing umap-learn takes ~14 s cold (~2 s once numba's on-disk cache is warm) and a new process
pays ~10 s of JIT on its first fit. The station must show its window and take photos at once, so
this happens on a daemon thread; nothing waits for it. Until ``ready`` is set the layout layer keeps
using its quick PCA / nearest-neighbour placements and simply postpones UMAP refits.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import numpy as np

from piday_desktop.projection import knn
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.fit import fresh_init, optimise, umap_graph
from piday_desktop.projection.small import pca_layout
from piday_desktop.projection.umap_import import import_umap

log = logging.getLogger(__name__)

_singleton_lock = threading.Lock()
_singleton: WarmUp | None = None


class WarmUp:
    """Handle on the background warm-up; ``ready`` is set when fits are fast (or it failed)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.seconds: float | None = None
        self._callbacks: list[Callable[[WarmUp], None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ok(self) -> bool:
        """True once the warm-up finished without error (umap is importable and compiled)."""
        return self.ready.is_set() and self.error is None

    def start(self) -> WarmUp:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="piday-umap-warmup", daemon=True)
                self._thread.start()
        return self

    def add_done_callback(self, fn: Callable[[WarmUp], None]) -> None:
        """Call ``fn(self)`` when ready (at once, on this thread, if already ready).

        Lets the layout worker start a postponed refit the moment umap is usable, without polling.
        """
        with self._lock:
            if not self.ready.is_set():
                self._callbacks.append(fn)
                return
        fn(self)

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            import_umap()
            warm_up_fit()
        except BaseException as exc:  # noqa: BLE001 - reported through .error, never raised here
            log.exception("umap warm-up failed; the map stays on its quick layout")
            self.error = exc
        self.seconds = time.perf_counter() - t0
        log.info("umap warm-up finished in %.1f s", self.seconds)
        with self._lock:
            self.ready.set()
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            try:
                fn(self)
            except Exception:  # noqa: BLE001
                log.exception("warm-up callback failed")


def warm_up_fit() -> None:
    """A tiny fit through exactly the code path real fits use, to compile (or load) numba's code.

    Same dtypes and array layouts as real fits, so nothing is compiled again on the first photo.
    """
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    x = centres[rng.integers(0, 3, 48)] + 0.3 * rng.normal(size=(48, 16))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    config = LayoutConfig()
    fuzzy = umap_graph(x, knn.build(x, config.n_neighbors), config)
    start = optimise(fuzzy, fresh_init(pca_layout(x)), config, n_epochs=20, learning_rate=1.0)
    moving = np.zeros(len(x), bool)
    moving[-5:] = True
    optimise(fuzzy, start, config, n_epochs=20, learning_rate=0.25, moving=moving)


def warm_up() -> WarmUp:
    """Start (once per process) the background import + tiny fit, and return its handle.

    Repeated calls return the same handle, so the UI, the layout worker and tests can all ask for
    it without paying twice.
    """
    global _singleton
    with _singleton_lock:
        if _singleton is None:
            _singleton = WarmUp()
        handle = _singleton
    return handle.start()
