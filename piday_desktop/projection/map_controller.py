"""Keeps the live map fed: store -> layout worker -> map, and back to the store; clusters; search.

Plain Python with a handful of background threads, like ``StationController``: results come back
through ``post`` (the Qt layer passes "run this on the UI thread"; tests may pass a direct call
or a queue). The :class:`LiveMap` is only ever touched on that owner thread.

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
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

from piday_desktop.core.events import Signal
from piday_desktop.core.store import EventStore, Photo
from piday_desktop.projection import clusters as clustering
from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.layout import LayoutModel
from piday_desktop.projection.live_map import LiveMap
from piday_desktop.projection.live_probe import LiveProbe
from piday_desktop.projection.warmup import WarmUp
from piday_desktop.projection.worker import LayoutResult, LayoutWorker

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


def scale_key(model_id: str) -> str:
    """The ``meta`` key under which a model's layout scale (``Layout.umap_scale``) is stored."""
    return f"map.umap_scale:{model_id}"


class _Latest:
    """Run ``fn(item)`` on an executor for the newest item only; older waiting items are dropped."""

    def __init__(self, executor: ThreadPoolExecutor, fn: Callable[[object], None]) -> None:
        self._executor, self._fn = executor, fn
        self._lock = threading.Lock()
        self._item: object = None
        self._has = False
        self._scheduled = False

    def put(self, item: object) -> None:
        with self._lock:
            self._item, self._has = item, True
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._executor.submit(self._run)
        except RuntimeError:  # executor shut down: closing
            pass

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._has:
                    self._scheduled = False
                    return
                item, self._item, self._has = self._item, None, False
            try:
                self._fn(item)
            except Exception:  # noqa: BLE001
                log.exception("map background job failed")


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
        self._vocabulary_path = vocabulary
        self._labels: list[clustering.Label] | None = None
        self._text_vectors: dict[str, np.ndarray] = {}
        self._worker: LayoutWorker | None = None
        self._generation = 0
        self._photos: dict[str, Photo] = {}  # from photo_saved: no store read when the vector comes
        self._since_open: dict[str, tuple[Photo, np.ndarray]] = {}  # arrived while a store read ran
        self._opening = False
        self._removed_since_open: set[str] = set()
        self._saves: dict[str, tuple[float, float]] = {}
        self._save_scale: float | None = None
        self._save_lock = threading.Lock()
        self._save_scheduled = False
        self._clustered_at = 0
        self._search_seq = 0
        self._closed = False
        self.probe: LiveProbe | None = None
        self._io = ThreadPoolExecutor(1, thread_name_prefix="piday-map-io")
        self._feed = _Latest(ThreadPoolExecutor(1, thread_name_prefix="piday-map-feed"), self._feed_one)
        self._clusters = _Latest(ThreadPoolExecutor(1, thread_name_prefix="piday-map-work"), self._cluster_one)
        self._search = _Latest(ThreadPoolExecutor(1, thread_name_prefix="piday-map-search"), self._encode_one)
        #: (result, change, received_at) after each layout is applied, on the owner thread.
        self.layout_applied = Signal("layout_applied")
        #: (model_id or None) once a map was loaded from the store, on the owner thread.
        self.opened = Signal("opened")
        #: (text, state): "searching", "done", "no model" — for the search box's hint line.
        self.search_state = Signal("search_state")

    # -- opening ------------------------------------------------------------------------------

    def open(self, model_id: str | None = None) -> Future:
        """Load the stored map (positions shown at once) for ``model_id``, or for the model with
        the most vectors in the event when None: the map of a restarted station appears before
        the model has even loaded."""
        self._generation += 1
        gen = self._generation
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
        self._clustered_at = 0
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
        self._maybe_cluster(force=True)
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
            self._maybe_cluster(force=True)

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
        self._save(change, layout.umap_scale if layout.method != "pca" else None)
        self._maybe_cluster(force=layout.method == "umap")
        self.layout_applied.emit(result, change, received)

    # -- persistence ------------------------------------------------------------------------------

    def _save(self, change, scale: float | None) -> None:
        if not change.added and not change.moved and scale is None:
            return
        with self._save_lock:
            for p in change.added:
                self._saves[p.id] = (p.x, p.y)
            for i, x, y in change.moved:
                self._saves[i] = (x, y)
            if scale is not None:
                self._save_scale = scale
            if self._save_scheduled:
                return
            self._save_scheduled = True
        model_id = self.map.model_id
        self._io.submit(self._flush, model_id)

    def _flush(self, model_id: str | None) -> None:
        with self._save_lock:
            rows, self._saves = self._saves, {}
            scale, self._save_scale = self._save_scale, None
            self._save_scheduled = False
        if model_id is None:
            return
        try:
            if rows:
                self.store.set_layout(model_id, [(i, x, y) for i, (x, y) in rows.items()])
            if scale is not None and math.isfinite(scale):
                self.store.set_meta(scale_key(model_id), repr(float(scale)))
        except Exception:  # noqa: BLE001 - a map position is never worth a failsafe
            log.exception("saving map positions failed")

    def flush(self, timeout: float | None = 10.0) -> None:
        """Write pending positions now and wait (shutdown, tests)."""
        self._io.submit(self._flush, self.map.model_id).result(timeout)

    # -- clusters ---------------------------------------------------------------------------------

    def labels(self) -> list[clustering.Label]:
        if self._labels is None:
            self._labels = clustering.load_vocabulary(self._vocabulary_path)
        return self._labels

    def _maybe_cluster(self, force: bool = False) -> None:
        """Rename the groups after a UMAP refit, or once the map grew by 5 % (at least 3 photos)."""
        n = self.map.shown_count()
        if n < clustering.MIN_POINTS or self.engine is None or self.map.model_id is None:
            if n < clustering.MIN_POINTS:
                self.map.set_clusters(())
            return
        if not force and n - self._clustered_at < max(3, math.ceil(0.05 * self._clustered_at)):
            return
        self._clustered_at = n
        pos = self.map.positions
        shown = np.isfinite(pos[:, 0])
        ids = [i for i, s in zip(self.map.ids, shown) if s]
        vectors = self.map.matrix[shown] if not shown.all() else self.map.matrix
        self._clusters.put((self._generation, self.map.model_id, ids, pos[shown], vectors))

    def _cluster_one(self, item) -> None:
        gen, model_id, ids, positions, vectors = item
        engine, labels = self.engine, self.labels()
        if engine is None or not labels or gen != self._generation:
            return
        text = self._text_vectors.get(model_id)
        if text is None:
            # The engine's low-priority lane: the vocabulary is encoded right after start-up, prompt
            # by prompt, and no visitor's shot may wait behind it (measured before the lane:
            # 0.9 s instead of 0.08 s for the first shot on 2 cores with ViT-B-32).
            text = clustering.encode_labels(partial(engine.encode_text, background=True), labels)
            self._text_vectors[model_id] = text
        found = clustering.cluster_map(ids, positions, vectors, labels, text)
        self._post(lambda: self._set_clusters(gen, found))

    def _set_clusters(self, gen: int, found) -> None:
        if gen == self._generation and not self._closed:
            present = set(self.map.ids)
            self.map.set_clusters([c for c in found if all(i in present for i in c.ids[:1])])

    # -- search -----------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """The search box: a participant code or cluster name at once, else a CLIP text search."""
        self._search_seq += 1
        text = text.strip()
        if not text:
            self.map.clear_highlight()
            self.search_state.emit("", "done")
            return
        if self.map.search_text(text) is not None:
            self.search_state.emit(text, "done")
            return
        if self.engine is None:
            self.search_state.emit(text, "no model")
            return
        self.search_state.emit(text, "searching")
        self._search.put((self._search_seq, self._generation, text, self.engine))

    def _encode_one(self, item) -> None:
        seq, gen, text, engine = item
        if seq != self._search_seq:
            return
        vec = engine.encode_text([text])[0]
        self._post(lambda: self._searched(seq, gen, text, vec))

    def _searched(self, seq: int, gen: int, text: str, vec: np.ndarray) -> None:
        if seq != self._search_seq or gen != self._generation or self._closed:
            return  # a newer query (or a cleared box) won
        if self.map.matrix.shape[1:] != vec.shape:
            return
        self.map.highlight_vector(text, vec)
        self.search_state.emit(text, "done")

    # -- live "you are here" ------------------------------------------------------------------------

    def start_probe(self, grab: Callable[[], np.ndarray | None], **options) -> LiveProbe:
        """Create the live probe (idle until ``visitor_present(True)``)."""
        if self.probe is None:
            self.probe = LiveProbe(grab, lambda: self.engine, self.map.place,
                                   lambda session, xy: self._post(lambda: self._probe_marker(session, xy)),
                                   **options)
        return self.probe

    def visitor_present(self, present: bool) -> None:
        """Someone is in front of the camera (a visit's preview/countdown/review) or not."""
        if self.probe is not None:
            self.probe.set_active(present)
        if not present:
            self.map.set_marker(None)

    def hold_probe(self, held: bool) -> None:
        if self.probe is not None:
            self.probe.hold(held)

    def _probe_marker(self, session: int, xy) -> None:
        probe = self.probe
        if probe is not None and probe.active and probe.session == session and not self._closed:
            self.map.set_marker(xy)

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
        if self.probe is not None:
            self.probe.close()
        if self._worker is not None:
            self._worker.close(timeout=1.0)
        try:
            self._io.submit(self._flush, self.map.model_id).result(10)
        except Exception:  # noqa: BLE001
            log.exception("final save of map positions failed")
        self._io.shutdown(wait=True)
        for latest in (self._feed, self._clusters, self._search):
            latest._executor.shutdown(wait=False, cancel_futures=True)
