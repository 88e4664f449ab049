"""Keeps the live map fed: store -> layout worker -> map, and the races of (re)loading it.

Plain Python with a handful of background threads, like ``StationController``: results come back
through ``post`` (the Qt layer passes "run this on the UI thread"; tests may pass a direct call
or a queue). The :class:`LiveMap` is only ever touched on that owner thread.

This module holds the loading and the feed; the controller's other jobs each have their own:
``map_positions`` (saving moved positions), ``map_clusters`` (when and how groups are named),
``map_search`` (the search box), ``map_probe`` (the live "you are here" marker).

Threads, and why each exists:

* ``piday-map-io``: every store read and write (the store's lock can be held by the photo
  writer's fsync, so the UI thread never waits on it); positions are saved here, coalesced, only
  for points that moved, so a photo save is never queued behind 20,000 row updates.
* ``piday-map-feed``: hands each new set to the ``LayoutWorker``; ``request`` copies the vectors
  (40 MB at 20,000 photos), which must not happen on the UI thread.
* ``piday-map-work``: cluster naming (text encoder + HDBSCAN), one at a time, newest wins.
* ``piday-map-search``: the search box's text encoding, newest query wins.
* the layout worker's own threads (see ``projection.worker``), and the optional live probe.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from piday_desktop.core.events import Signal
from piday_desktop.core.heap import settle
from piday_desktop.core.store import EventStore, Photo
from piday_desktop.projection import clusters as clustering
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.latest import Latest
from piday_desktop.projection.layout import LayoutModel
from piday_desktop.projection.live_map import LiveMap
from piday_desktop.projection.live_probe import LiveProbe
from piday_desktop.projection.map_clusters import ClusterNamer
from piday_desktop.projection.map_positions import PositionSaver, scale_key
from piday_desktop.projection.map_probe import MapProbe
from piday_desktop.projection.map_search import MapSearch
from piday_desktop.projection.warmup import WarmUp
from piday_desktop.projection.worker import LayoutResult, LayoutWorker

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]
#: A restored map of this many photos is exempted from full garbage collections (core/heap.py).
SETTLE_AT = 2000

__all__ = ["MapController", "scale_key"]


class MapController:
    """The live map's plumbing; ``map`` is the model views subscribe to."""

    def __init__(
        self,
        store: EventStore,
        post: Post,
        *,
        config: LayoutConfig | None = None,
        refit: bool = True,
        warm: WarmUp | None = None,
        vocabulary: Path | None = None,
    ) -> None:
        self.store = store
        self.map = LiveMap()
        self.config = config or LayoutConfig()
        self.engine = None
        self._post = post
        self._refit = refit
        self._warm = warm
        self._worker: LayoutWorker | None = None
        self._generation = 0
        self._photos: dict[str, Photo] = {}  # from photo_saved: no store read when the vector comes
        self._since_open: dict[str, tuple[Photo, np.ndarray]] = {}  # arrived while a store read ran
        self._opening = False
        self._removed_since_open: set[str] = set()
        self._closed = False
        self._io = ThreadPoolExecutor(1, thread_name_prefix="piday-map-io")
        self._feed = Latest("piday-map-feed", self._feed_one)
        self._positions = PositionSaver(store, self._io)
        self._clusters = ClusterNamer(self.map, post, lambda: self.engine, vocabulary)
        self._search = MapSearch(self.map, post, lambda: self.engine)
        self._probe = MapProbe(self.map, post, lambda: self.engine)
        #: (result, change, received_at) after each layout is applied, on the owner thread.
        self.layout_applied = Signal("layout_applied")
        #: (model_id or None) once a map was loaded from the store, on the owner thread.
        self.opened = Signal("opened")
        #: (text, state): "searching", "done", "no model" — for the search box's hint line.
        self.search_state = self._search.state

    # -- opening ------------------------------------------------------------------------------

    def open(self, model_id: str | None = None) -> Future:
        """Load the stored map (positions shown at once) for ``model_id``, or for the model with
        the most vectors in the event when None: the map of a restarted station appears before
        the model has even loaded."""
        self._generation += 1
        gen = self._generation
        self._clusters.reset()
        self._search.reset()
        self._since_open = {}
        self._removed_since_open: set[str] = set()
        self._opening = True

        def read() -> None:
            mid = model_id
            if mid is None:
                models = self.store.embedded_models()
                mid = next(iter(models)) if models else None
            if mid is None:
                self._post(lambda: self._opened(gen, None, [], np.zeros((0, 0), np.float32), None, [], None))
                return
            photos, matrix, xy = self.store.vectors(mid)
            raw = self.store.get_meta(scale_key(mid))
            scale = float(raw) if raw else None
            paths = [str(self.store.photo_path(p)) for p in photos]
            self._post(lambda: self._opened(gen, mid, photos, matrix, xy, paths, scale))

        return self._io.submit(read)

    def _opened(self, gen: int, model_id: str | None, photos: list[Photo], matrix: np.ndarray,
                xy: np.ndarray | None, paths: list[str], scale: float | None) -> None:
        if gen != self._generation or self._closed:
            return
        self._opening = False
        if self._removed_since_open:  # deleted while the store was read
            gone = self._removed_since_open
            keep = [r for r, p in enumerate(photos) if p.id not in gone]
            photos, paths = [photos[r] for r in keep], [paths[r] for r in keep]
            matrix = matrix[keep] if len(photos) else np.zeros((0, 0), np.float32)
            xy = xy[keep] if xy is not None and len(photos) else None
            self._removed_since_open = set()
        if self._worker is not None:
            self._worker.close(timeout=0)
            self._worker = None
        self.map.reset(photos, matrix, xy, paths, model_id=model_id)
        if len(photos) >= SETTLE_AT:
            settle()  # a big map's rows (20,000 photos: ~80,000 objects) stay all day: never walk them again
        self._clusters.loaded()
        model = None
        if photos and xy is not None:
            ok = np.isfinite(xy).all(axis=1)
            if ok.any():
                rows = np.flatnonzero(ok)
                model = LayoutModel.restore([photos[r].id for r in rows], matrix[rows], xy[rows],
                                            self.config, umap_scale=scale)
        self._worker = LayoutWorker(lambda r, g=gen: self._post(lambda: self._apply(g, r)),
                                    model=model or LayoutModel(self.config), refit=self._refit,
                                    warm=self._warm)
        # Vectors that arrived while the store was read may be missing from what it returned.
        late, self._since_open = self._since_open, {}
        stale = False
        for photo, vector in late.values():
            if photo.id not in self.map and (not photos or vector.shape[0] == matrix.shape[1]):
                self.map.add(photo, vector, str(self.store.photo_path(photo)))
                stale = True
        if len(self.map) and (stale or model is None or len(model) != len(self.map)):
            self._request_layout()
        self._clusters.maybe(force=True)
        self.opened.emit(model_id)

    @property
    def model_id(self) -> str | None:
        return self.map.model_id

    def attach_engine(self, engine) -> None:
        """The embedding engine is ready: switch the map to its model if it differs; name clusters."""
        self.engine = engine
        model_id = engine.model_id
        if model_id != self.map.model_id:
            self.open(model_id)
        else:
            self._clusters.maybe(force=True)

    # -- photos (owner thread) --------------------------------------------------------------------

    def photo_saved(self, photo: Photo) -> None:
        """Remember a new photo's row so its vector can be mapped without a store read."""
        self._photos[photo.id] = photo

    def add_vector(self, photo_id: str, vector: np.ndarray) -> None:
        """A photo's vector arrived (``StationController.photo_embedded``): put it on the map."""
        if self._closed:
            return
        photo = self._photos.pop(photo_id, None)
        if photo is not None:
            self._add(photo, vector)
            return

        def lookup() -> None:
            try:
                found = self.store.photo(photo_id)
            except LookupError:
                return  # deleted meanwhile
            self._post(lambda: self._add(found, vector))
        self._io.submit(lookup)

    def _add(self, photo: Photo, vector: np.ndarray) -> None:
        if self._closed:
            return
        if self._opening:  # the map is being (re)loaded: _opened adds it if the read missed it
            self._since_open[photo.id] = (photo, vector)
            return
        if self.map.model_id is None:
            if self.engine is None:
                return
            self.map.model_id = self.engine.model_id
        elif self.engine is not None and self.engine.model_id != self.map.model_id:
            return  # the map is being reopened for the engine's model; it will include this photo
        if self._worker is None:
            self._worker = LayoutWorker(lambda r, g=self._generation: self._post(lambda: self._apply(g, r)),
                                        config=self.config, refit=self._refit, warm=self._warm)
        if self.map.add(photo, vector, str(self.store.photo_path(photo))):
            self._request_layout()

    def remove(self, photo_id: str) -> None:
        """A photo was deleted (``StationController.photo_removed``)."""
        self._photos.pop(photo_id, None)
        if self._opening:
            self._since_open.pop(photo_id, None)
            self._removed_since_open.add(photo_id)
        if self.map.remove(photo_id):
            self._request_layout()

    def _request_layout(self) -> None:
        ids, vectors = self.map.layout_request()
        self._feed.put((self._generation, self._worker, ids, vectors))

    def _feed_one(self, item) -> None:
        gen, worker, ids, vectors = item
        if gen == self._generation and worker is not None and not self._closed:
            try:
                worker.request(ids, vectors)
            except RuntimeError:  # closed meanwhile
                pass

    def _apply(self, gen: int, result: LayoutResult) -> None:
        if gen != self._generation or self._closed:
            return
        received = time.perf_counter()
        layout = result.layout
        change = self.map.apply_layout(layout.ids, layout.positions, layout.method)
        self._positions.save(self.map.model_id, change, layout.umap_scale if layout.method != "pca" else None)
        self._clusters.maybe(force=layout.method == "umap")
        self.layout_applied.emit(result, change, received)

    # -- the other jobs, by delegation --------------------------------------------------------

    def flush(self, timeout: float | None = 10.0) -> None:
        """Write pending positions now and wait (shutdown, tests)."""
        self._io.submit(self._positions.write, self.map.model_id).result(timeout)

    def labels(self) -> list[clustering.Label]:
        """The cluster vocabulary."""
        return self._clusters.labels()

    def search(self, text: str) -> None:
        """The search box: a participant code or cluster name at once, else a CLIP text search."""
        self._search.search(text)

    @property
    def probe(self) -> LiveProbe | None:
        return self._probe.probe

    def start_probe(self, grab: Callable[[], np.ndarray | None], **options) -> LiveProbe:
        """Create the live probe (idle until ``visitor_present(True)``)."""
        return self._probe.start(grab, **options)

    def visitor_present(self, present: bool) -> None:
        """Someone is in front of the camera (a visit's preview/countdown/review) or not."""
        self._probe.visitor_present(present)

    def hold_probe(self, held: bool) -> None:
        self._probe.hold(held)

    # -- shutting down ------------------------------------------------------------------------------

    @property
    def worker(self) -> LayoutWorker | None:
        return self._worker

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until the layout is done and positions saved (headless tools, tests, bench)."""
        deadline = time.monotonic() + timeout
        self._io.submit(lambda: None).result(timeout)
        worker = self._worker
        if worker is not None and not worker.wait_idle(max(0.0, deadline - time.monotonic())):
            return False
        return True

    def close(self) -> None:
        """Stop the threads; positions not yet written are written first."""
        if self._closed:
            return
        self._closed = True
        self._probe.close()
        if self._worker is not None:
            self._worker.close(timeout=1.0)
        try:
            self.flush(10)
        except Exception:  # noqa: BLE001
            log.exception("final save of map positions failed")
        self._io.shutdown(wait=True)
        for part in (self._feed, self._clusters, self._search):
            part.close()
