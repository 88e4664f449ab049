"""The map's slow, thread-sensitive imports: umap (numba cache set, warnings quiet) and HDBSCAN.

Importing umap-learn costs seconds and pulls in numba, scikit-learn and scipy; two threads
importing scikit-learn at once can fail half-way ("partially initialised module"). So every
such import in the map goes through one lock here: the warm-up, a fit and the cluster naming
may ask at the same time from their own threads.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

_import_lock = threading.Lock()


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


def import_hdbscan() -> type:
    """scikit-learn's HDBSCAN class, imported under the same lock as umap."""
    with _import_lock:
        from sklearn.cluster import HDBSCAN

    return HDBSCAN
