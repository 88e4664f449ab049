"""Pay umap's import and numba JIT once, in the background, at start-up.

Importing umap-learn takes ~14 s cold (~2 s once numba's on-disk cache is warm) and a new process
pays ~10 s of JIT on its first fit. The station must show its window and take photos at once, so
this happens on a daemon thread; nothing waits for it. Until ``ready`` is set the layout layer keeps
using its quick PCA / nearest-neighbour placements and simply postpones UMAP refits.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Callable

log = logging.getLogger(__name__)

_import_lock = threading.Lock()
_singleton_lock = threading.Lock()
_singleton: WarmUp | None = None


def configure_numba_cache() -> Path:
    """Point numba's JIT cache under piday's cache dir unless the user already chose one.

    Must run before numba is first imported: numba reads ``NUMBA_CACHE_DIR`` once, at import.
    Without it numba writes next to the installed package (often read-only, e.g. in a bundle) and
    every start pays the full JIT again.
    """
    current = os.environ.get("NUMBA_CACHE_DIR")
    if current:
        path = Path(current)
    else:
        from piday_desktop.core.paths import cache_dir

        path = cache_dir() / "numba"
        os.environ["NUMBA_CACHE_DIR"] = str(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # an unwritable cache only costs JIT time; never fail start-up for it
        log.warning("numba cache dir %s is not writable; JIT results will not be cached", path)
    return path


def import_umap() -> ModuleType:
    """Import umap with the cache configured and its expected, harmless warnings silenced.

    The filters are installed once, process-wide, because ``warnings.catch_warnings`` is not
    thread-safe and fits run on worker threads.
    """
    with _import_lock:
        configure_numba_cache()
        # We pass our own exact k-NN (no NNDescent index) and never call umap's transform.
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
        # random_state makes umap single-threaded on purpose (see layout.LayoutConfig.seed).
        warnings.filterwarnings("ignore", message=r"n_jobs value .* overridden", category=UserWarning)
        import umap  # noqa: PLC0415 - deliberately lazy: this import costs seconds

        return umap


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
            from piday_desktop.projection.fit import warm_up_fit

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
