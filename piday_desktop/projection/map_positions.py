"""Saving the live map's positions: coalesced, only what moved, on the map's store thread.

A layout result can move thousands of points; writing them on the thread that also reads the
store (``piday-map-io``) keeps the UI thread off the store lock, and coalescing means a burst of
layout results becomes one write of the latest positions. A photo's own save (the station's
writer thread) is never queued behind these rows.
"""

from __future__ import annotations

import logging
import math
import threading
from concurrent.futures import Executor

from piday_desktop.core.store import EventStore

log = logging.getLogger(__name__)


def scale_key(model_id: str) -> str:
    """The ``meta`` key under which a model's layout scale (``Layout.umap_scale``) is stored."""
    return f"map.umap_scale:{model_id}"


class PositionSaver:
    """Collects moved positions (any thread) and writes them on ``io`` (one write in flight)."""

    def __init__(self, store: EventStore, io: Executor) -> None:
        self._store = store
        self._io = io
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[float, float]] = {}
        self._scale: float | None = None
        self._scheduled = False

    def save(self, model_id: str | None, change, scale: float | None) -> None:
        """Remember a layout change (``LiveMap.apply_layout``'s) and schedule its write."""
        if not change.added and not change.moved and scale is None:
            return
        with self._lock:
            for p in change.added:
                self._rows[p.id] = (p.x, p.y)
            for i, x, y in change.moved:
                self._rows[i] = (x, y)
            if scale is not None:
                self._scale = scale
            if self._scheduled:
                return
            self._scheduled = True
        self._io.submit(self.write, model_id)

    def write(self, model_id: str | None) -> None:
        """Write what is pending now (on the io thread); a failure is logged, never raised."""
        with self._lock:
            rows, self._rows = self._rows, {}
            scale, self._scale = self._scale, None
            self._scheduled = False
        if model_id is None:
            return
        try:
            if rows:
                self._store.set_layout(model_id, [(i, x, y) for i, (x, y) in rows.items()])
            if scale is not None and math.isfinite(scale):
                self._store.set_meta(scale_key(model_id), repr(float(scale)))
        except Exception:  # noqa: BLE001 - a map position is never worth a failsafe
            log.exception("saving map positions failed")
