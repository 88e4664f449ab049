"""The live map's model layer, without a window: points, neighbours, search, tiny sets, restore, probe.

Layout stability under growth is measured in test_projection.py; here the map's own promises are
checked: what appears when, that neighbours and search find what a brute-force cosine search
written here finds, that tiny maps are well-formed, that a restarted station shows the
stored map at once, and that the live probe never queues frames and goes quiet when told.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor

import numpy as np
import pytest

from piday_desktop.core.store import Consent, EventStore, Photo
from piday_desktop.projection import LayoutConfig
from piday_desktop.projection.live_map import Cluster, LiveMap, search_size
from piday_desktop.projection.live_probe import LiveProbe
from piday_desktop.projection.map_controller import MapController, scale_key

DIM = 32
MODEL = "test-model:none"


def photo(i: int, code: str | None = None, shot: int = 1) -> Photo:
    return Photo(f"id{i:05d}", f"pid{i}", code or f"P-{i:03d}", shot, f"{i:064x}", None, "jpg", 1, 1, 1, None, "t", "kept")


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class Owner:
    """The owner thread's queue: ``post`` from any thread, ``run_until`` drains on the test's thread."""

    def __init__(self) -> None:
        self.q: queue.Queue = queue.Queue()

    def post(self, fn) -> None:
        self.q.put(fn)

    def run_until(self, predicate, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("condition not reached")
            try:
                fn = self.q.get(timeout=min(remaining, 0.05))
            except queue.Empty:
                continue
            fn()


class Recorder:
    def __init__(self, live: LiveMap) -> None:
        self.added, self.moved, self.removed, self.highlights, self.markers = [], [], [], [], []
        live.points_added.connect(lambda pts: self.added.extend(p.id for p in pts))
        live.points_moved.connect(lambda moved, method: self.moved.extend(i for i, _, _ in moved))
        live.points_removed.connect(lambda ids: self.removed.extend(ids))
        live.highlight_changed.connect(self.highlights.append)
        live.marker_changed.connect(self.markers.append)


# -- LiveMap alone -------------------------------------------------------------------------------


def test_points_appear_when_laid_out_move_and_go():
    live, rec = LiveMap(MODEL), None
    rec = Recorder(live)
    rng = np.random.default_rng(0)
    v = unit(rng, 3)
    for i in range(3):
        assert live.add(photo(i), v[i])
    assert rec.added == [] and len(live) == 3 and live.shown_count() == 0
    live.apply_layout([f"id{i:05d}" for i in range(2)], np.array([[0, 0], [0.5, 0.5]]), "pca")
    assert rec.added == ["id00000", "id00001"] and live.shown_count() == 2
    change = live.apply_layout(live.ids, np.array([[0, 0], [0.6, 0.5], [-0.5, 0.1]]), "placed")
    assert [p.id for p in change.added] == ["id00002"] and [m[0] for m in change.moved] == ["id00001"]
    assert live.point("id00001").x == pytest.approx(0.6)
    assert not live.add(photo(1), v[1])  # same vector again: nothing to lay out
    assert live.remove("id00001") and rec.removed == ["id00001"] and len(live) == 2
    # A layout computed before the removal must not bring the photo back.
    live.apply_layout(["id00000", "id00001", "id00002"], np.zeros((3, 2)), "placed")
    assert "id00001" not in live and live.point("id00002").x == 0.0


def nearest(matrix: np.ndarray, query: np.ndarray, k: int, exclude: int | None = None) -> list[int]:
    """The oracle: rows by cosine similarity to ``query``, brute force (unit vectors)."""
    scores = matrix.astype(np.float64) @ query.astype(np.float64)
    if exclude is not None:
        scores[exclude] = -np.inf
    return [int(r) for r in np.argsort(-scores, kind="stable")[:k]]


def test_neighbours_are_the_nearest_photos_over_the_whole_event():
    live = LiveMap(MODEL)
    rng = np.random.default_rng(1)
    v = unit(rng, 40)
    photos = [photo(i, code=f"P-{i // 4 + 1:03d}", shot=i % 4 + 1) for i in range(40)]
    live.reset(photos, v, np.zeros((40, 2)))
    target = photos[7].id
    nbs = live.neighbours(target, k=5)
    assert [n.id for n in nbs] == [photos[r].id for r in nearest(v, v[7], 5, exclude=7)]
    assert target not in [n.id for n in nbs]
    assert [n.score for n in nbs] == sorted((n.score for n in nbs), reverse=True)
    sel = live.select(target)
    assert sel.participant_code == "P-002" and sel.neighbours == nbs
    assert live.select(None) is None and live.selection is None


def test_search_lights_up_the_best_matches_and_clearing_restores():
    live = LiveMap(MODEL)
    rec = Recorder(live)
    rng = np.random.default_rng(2)
    v = unit(rng, 200)
    live.reset([photo(i) for i in range(200)], v, np.zeros((200, 2)))
    query = v[123] + 0.05 * unit(rng, 1)[0]
    hl = live.highlight_vector("a red hat", query)
    assert hl.ranked[0][0] == "id00123" and len(hl.ids) == search_size(200) == 10
    assert hl.ids == {f"id{r:05d}" for r in nearest(v, query, 10)}
    assert rec.highlights[-1] is hl
    live.clear_highlight()
    assert live.highlight is None and rec.highlights[-1] is None


def test_view_state_emits_once_per_change_and_a_broken_view_does_not_stop_the_others():
    live = LiveMap(MODEL)
    rec = Recorder(live)

    def broken(_xy) -> None:
        raise RuntimeError("a view with a bug")

    live.marker_changed.connect(broken)
    live.marker_changed.connect(rec.markers.append)  # subscribed after the broken one
    live.set_marker((0.5, 0.25))
    live.set_marker(np.array([0.5, 0.25]))  # the same place: nothing to redraw
    live.set_marker(None)
    assert rec.markers == [(0.5, 0.25), None] and live.marker is None
    live.set_clusters([Cluster("hats", 0, 0, ("a",))])
    live.set_clusters((Cluster("hats", 0, 0, ("a",)),))
    live.clear_highlight()  # already clear
    assert rec.highlights == [] and live.clusters == (Cluster("hats", 0, 0, ("a",)),)


def test_participant_codes_and_cluster_names_search_without_clip():
    live = LiveMap(MODEL)
    rng = np.random.default_rng(3)
    photos = [photo(i, code=f"P-{i // 3 + 1:03d}", shot=i % 3 + 1) for i in range(12)]
    live.reset(photos, unit(rng, 12), np.zeros((12, 2)))
    for text in ("P-002", "p2", "p-02", "2"):
        hl = live.match_text(text)
        assert hl.kind == "participant" and hl.query == "P-002"
        assert hl.ids == {p.id for p in photos[3:6]}
    assert live.match_text("P-099").ids == frozenset()  # a code with no photos: everything dims
    assert live.match_text("glasses") is None  # not a code, no such cluster: a CLIP search
    live.set_clusters([Cluster("glasses", 0, 0, (photos[0].id, photos[1].id))])
    assert live.search_text("Glasses").ids == {photos[0].id, photos[1].id}
    assert live.newest_participant == "P-004"


def test_place_puts_a_face_among_its_look_alikes_and_is_safe_to_call_from_another_thread():
    live = LiveMap(MODEL)
    assert live.place(np.ones(DIM)) is None  # empty map: nowhere to be
    rng = np.random.default_rng(4)
    centres, spots = unit(rng, 5), np.array([[-0.8, -0.8], [0.8, -0.8], [0.8, 0.8], [-0.8, 0.8], [0, 0]])
    group = np.repeat(np.arange(5), 10)
    v = centres[group] + 0.3 * unit(rng, 50)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    xy = (spots[group] + rng.normal(scale=0.05, size=(50, 2))).astype(np.float32)
    live.reset([photo(i) for i in range(50)], v, xy)
    got = []
    for g in range(5):
        visitor = centres[g] + 0.3 * unit(rng, 1)[0]
        t = threading.Thread(target=lambda: got.append(live.place(visitor)))
        t.start()
        t.join()
        assert np.argmin(np.hypot(*(spots - np.array(got[-1])).T)) == g


# -- MapController: layout, tiny sets, persistence ------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = EventStore.open(tmp_path, "ev")
    yield s
    s.close()


def stored_photos(store: EventStore, n: int, per_participant: int = 3) -> list[Photo]:
    photos, participant = [], None
    for i in range(n):
        if i % per_participant == 0:
            participant = store.create_participant(consent=Consent())
        photos.append(store.add_photo(participant, f"photo {i}".encode(), sha256=f"{i:064x}", fmt="JPEG",
                                      width=1, height=1))
    return photos


def controller(store, owner, **kw) -> MapController:
    return MapController(store, owner.post, config=LayoutConfig(), refit=False, **kw)


@pytest.mark.parametrize("n", [0, 1, 2, 10])
def test_tiny_maps_are_well_formed(store, n):
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: not ctl._opening)
    rng = np.random.default_rng(n)
    v = unit(rng, max(n, 1))
    for i, p in enumerate(stored_photos(store, n)):
        ctl.add_vector(p.id, v[i])
    owner.run_until(lambda: ctl.map.shown_count() == n)
    pos = ctl.map.positions
    assert pos.shape == (n, 2) and np.isfinite(pos).all()
    assert np.abs(pos).max(initial=0) <= 1.0 + 1e-5
    if n == 1:
        assert np.allclose(pos, 0)  # alone in the middle
    if n >= 2:
        assert len({tuple(np.round(p, 4)) for p in pos}) == n  # nobody on top of anybody
    assert ctl.map.clusters == ()  # too few to name groups
    ctl.close()


def test_positions_are_stored_and_a_restarted_map_shows_them_at_once(store):
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: not ctl._opening)
    rng = np.random.default_rng(5)
    v = unit(rng, 40)
    photos = stored_photos(store, 40)
    store.put_embeddings([(p.id, v[i]) for i, p in enumerate(photos)], model_id=MODEL, device="cpu")
    for i, p in enumerate(photos):
        ctl.add_vector(p.id, v[i])
    owner.run_until(lambda: ctl.map.shown_count() == 40)
    assert ctl.wait_idle()
    owner.run_until(lambda: owner.q.empty())
    ctl.close()
    _, _, xy = store.vectors(MODEL)
    before = {i: tuple(p) for i, p in zip(ctl.map.ids, ctl.map.positions)}
    assert np.isfinite(xy).all()

    owner2 = Owner()
    added = []
    ctl2 = controller(store, owner2)
    ctl2.map.points_added.connect(lambda pts: added.append(len(pts)))
    ctl2.open()  # no model given: the event's most used one
    owner2.run_until(lambda: not ctl2._opening)
    assert added == [40]  # all at once, straight from the store, no layout run
    after = {i: tuple(p) for i, p in zip(ctl2.map.ids, ctl2.map.positions)}
    assert after.keys() == before.keys()
    assert max(np.hypot(after[i][0] - before[i][0], after[i][1] - before[i][1]) for i in before) < 1e-5
    assert ctl2.worker.model.layout().as_dict().keys() == before.keys()  # the layout continues from them
    ctl2.close()


def test_the_umap_scale_is_stored_with_the_positions_and_restored(store):
    """A UMAP map's scale (map units per UMAP unit) lets the next refit after a restart start
    at UMAP's own scale instead of a guess."""
    from piday_desktop.projection.layout import Layout
    from piday_desktop.projection.worker import LayoutResult

    rng = np.random.default_rng(9)
    v = unit(rng, 40)
    photos = stored_photos(store, 40)
    store.put_embeddings([(p.id, v[i]) for i, p in enumerate(photos)], model_id=MODEL, device="cpu")
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: not ctl._opening)
    owner.run_until(lambda: ctl.map.shown_count() == 40)
    ids = ctl.map.ids
    refit = Layout(tuple(ids), rng.uniform(-1, 1, size=(40, 2)).astype(np.float32), "umap", 40, 0.125)
    ctl._apply(ctl._generation, LayoutResult(99, 1, refit, 0.5))
    ctl.close()
    assert float(store.get_meta(scale_key(MODEL))) == 0.125
    _, _, xy = store.vectors(MODEL)
    assert np.allclose(xy, refit.positions[[ids.index(p.id) for p in store.vectors(MODEL)[0]]])
    owner2 = Owner()
    ctl2 = controller(store, owner2)
    ctl2.open(MODEL)
    owner2.run_until(lambda: not ctl2._opening)
    assert ctl2.worker.model.layout().umap_scale == 0.125 and ctl2.worker.model.layout().method == "umap"
    ctl2.close()


def test_a_photo_with_no_stored_position_is_placed_after_restore(store):
    rng = np.random.default_rng(6)
    v = unit(rng, 6)
    photos = stored_photos(store, 6)
    store.put_embeddings([(p.id, v[i]) for i, p in enumerate(photos)], model_id=MODEL, device="cpu")
    store.set_layout(MODEL, [(p.id, 0.1 * i, -0.1 * i) for i, p in enumerate(photos[:5])])
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: ctl.map.shown_count() == 6)
    assert np.isfinite(ctl.map.positions).all()
    ctl.close()


def test_removed_photos_leave_the_map(store):
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: not ctl._opening)
    rng = np.random.default_rng(7)
    v = unit(rng, 5)
    photos = stored_photos(store, 5)
    for i, p in enumerate(photos):
        ctl.photo_saved(p)
        ctl.add_vector(p.id, v[i])
    owner.run_until(lambda: ctl.map.shown_count() == 5)
    ctl.remove(photos[2].id)
    assert photos[2].id not in ctl.map and len(ctl.map) == 4
    owner.run_until(lambda: ctl.wait_idle() and owner.q.empty())
    assert photos[2].id not in ctl.map
    ctl.close()


# -- the live probe -----------------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class NoLoop(Executor):
    """An executor that never runs the probe's loop: the test calls ``tick`` itself."""

    def submit(self, fn, *args, **kwargs) -> Future:
        fut: Future = Future()
        fut.set_result(None)
        return fut


class FakeEngine:
    """EmbeddingEngine's three members the probe uses; each frame takes ``latency`` on ``clock``.

    With ``manual`` a frame stays in the "model" until the test calls :meth:`finish_one`.
    """

    def __init__(self, clock: Clock | None = None, latency: float = 0.01, busy: bool = False,
                 manual: bool = False) -> None:
        self.clock, self.latency, self.busy, self.ready, self.submitted = clock, latency, busy, True, 0
        self.manual, self.in_model = manual, queue.Queue()
        self.in_flight = self.max_in_flight = 0

    @property
    def queue_length(self) -> int:
        return 1 if self.busy else self.in_flight

    def submit(self, source, priority: bool = False) -> Future:
        assert not priority and isinstance(source, bytes) and source[:2] == b"\xff\xd8"
        self.submitted += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        fut: Future = Future()
        if self.manual:
            self.in_model.put(fut)
        else:
            self._finish(fut)
        return fut

    def finish_one(self) -> None:
        """Wait for a frame to reach the model, then let it through."""
        self._finish(self.in_model.get(timeout=20))

    def _finish(self, fut: Future) -> None:
        if self.clock is not None:
            self.clock.now += self.latency
        self.in_flight -= 1
        fut.set_result(np.ones(DIM, np.float32) / np.sqrt(DIM))


def frame() -> np.ndarray:
    return np.full((480, 640, 3), 128, np.uint8)


def test_probe_reports_while_someone_is_there_and_goes_quiet_when_they_leave():
    clock = Clock()
    engine = FakeEngine(clock)
    seen: list = []
    probe = LiveProbe(frame, lambda: engine, lambda v: (0.25, -0.5), lambda s, xy: seen.append((s, xy)),
                      rate_hz=50, clock=clock, executor=NoLoop())
    assert probe.tick() is None
    assert seen == [] and engine.submitted == 0  # nobody there: no work at all
    probe.set_active(True)
    for _ in range(3):
        assert probe.tick() is not None
    assert seen == [(1, (0.25, -0.5))] * 3 and engine.max_in_flight == 1  # one frame at a time
    probe.set_active(False)
    assert probe.tick() is None and engine.submitted == 3  # stopped
    probe.set_active(True)  # the next visitor: a new session
    probe.tick()
    assert seen[-1][0] == 2
    probe.close()


def test_probe_slows_down_for_a_slow_model_and_steps_aside_for_shots():
    clock = Clock()
    slow = FakeEngine(clock, latency=0.15)
    probe = LiveProbe(frame, lambda: slow, lambda v: (0, 0), lambda s, xy: None, rate_hz=20, max_duty=0.3,
                      clock=clock, executor=NoLoop())
    probe.set_active(True)
    delays = [probe.tick() for _ in range(3)]
    # The model is busy at most 30 % of the time: 0.15 s per frame, a frame every 0.5 s.
    assert probe.stats.interval_s == pytest.approx(0.15 / 0.3)
    assert delays[-1] == pytest.approx(0.5 - 0.15)
    fast = FakeEngine(clock, latency=0.01)
    probe = LiveProbe(frame, lambda: fast, lambda v: (0, 0), lambda s, xy: None, rate_hz=20, max_duty=0.3,
                      clock=clock, executor=NoLoop())
    probe.set_active(True)
    assert probe.tick() == pytest.approx(1 / 20 - 0.01)  # a fast model: rate_hz

    busy = FakeEngine(clock, busy=True)  # a shot is being embedded
    probe = LiveProbe(frame, lambda: busy, lambda v: (0, 0), lambda s, xy: None, rate_hz=20,
                      clock=clock, executor=NoLoop())
    probe.set_active(True)
    for _ in range(3):
        assert probe.tick() == pytest.approx(0.1)
    assert busy.submitted == 0 and probe.stats.skipped_busy == 3
    busy.busy = False
    probe.hold(True)  # the shutter is about to fire
    assert probe.tick() is None and busy.submitted == 0
    probe.hold(False)
    probe.tick()
    assert busy.submitted == 1


def test_probe_thread_runs_until_closed_on_the_given_executor():
    engine = FakeEngine()
    marked = threading.Event()
    pool = ThreadPoolExecutor(1)  # e.g. the station's own
    probe = LiveProbe(frame, lambda: engine, lambda v: (0, 0), lambda s, xy: marked.set(), rate_hz=50,
                      executor=pool)
    probe.set_active(True)
    assert marked.wait(20)
    probe.close()
    done = engine.submitted
    assert pool.submit(lambda: engine.submitted).result(20) == done  # the loop gave its thread back
    pool.shutdown()


def test_marker_follows_the_probe_and_disappears_when_the_visitor_leaves(store):
    owner = Owner()
    ctl = controller(store, owner)
    ctl.open(MODEL)
    owner.run_until(lambda: not ctl._opening)
    rng = np.random.default_rng(8)
    v = unit(rng, 5)
    photos = stored_photos(store, 5)
    for i, p in enumerate(photos):
        ctl.add_vector(p.id, v[i])
    owner.run_until(lambda: ctl.map.shown_count() == 5)
    ctl.engine = engine = FakeEngine(manual=True)
    rec = Recorder(ctl.map)
    ctl.start_probe(frame, rate_hz=30)
    ctl.visitor_present(True)
    engine.finish_one()
    owner.run_until(lambda: ctl.map.marker is not None)
    assert np.all(np.isfinite(ctl.map.marker))
    fut = engine.in_model.get(timeout=20)  # the next frame is in the model ...
    ctl.visitor_present(False)  # ... when the visitor leaves
    assert ctl.map.marker is None
    engine.in_model.put(fut)
    engine.finish_one()
    ctl.close()  # waits for the probe's last frame
    owner.run_until(lambda: owner.q.empty())
    assert ctl.map.marker is None and rec.markers[-1] is None  # the late result was dropped


# -- drawing positions -----------------------------------------------------------------------------


def test_decluttered_thumbnails_never_overlap_and_new_ones_take_a_free_spot_nearby():
    from piday_desktop.projection.declutter import MIN_DIST, DisplayMap, close_gaps, display_positions

    rng = np.random.default_rng(10)
    centres = rng.uniform(-0.6, 0.6, size=(6, 2))
    layout = centres[rng.integers(0, 6, 200)] + rng.normal(scale=0.05, size=(200, 2))  # tight UMAP-like groups
    layout[:5] += [0, 5]  # one island far away
    shown = display_positions(layout)
    d = np.hypot(*(shown[:, None, :] - shown[None, :, :]).transpose(2, 0, 1)) + np.eye(200) * 99
    assert d.min() >= 1.0  # no thumbnail hides another
    assert np.ptp(close_gaps(layout * 20), axis=0)[1] < np.ptp(layout * 20, axis=0)[1] / 2  # the gap closed
    dm = DisplayMap()
    ids = [f"p{i}" for i in range(200)]
    for i, xy in zip(ids, layout):
        dm.set_layout(i, xy)
    dm.apply(*dm.snapshot()[:1], display_positions(dm.snapshot()[1]))
    dm.set_layout("new", layout[100] + 0.001)  # a look-alike of photo 100
    spot = dm.place_new("new")
    others = np.array([p for i, p in dm.shown.items() if i != "new"])
    assert np.hypot(*(others - spot).T).min() >= MIN_DIST - 1e-9
    assert np.hypot(*(dm.shown["p100"] - spot)) < 4  # next to its look-alike, not across the map


@pytest.mark.parametrize("index", ["built when needed", "built with the declutter"])
def test_deep_in_a_big_group_a_new_photo_gets_the_same_free_spot_as_the_plain_search(index):
    """On a big map the search skips cells known to be taken (BlockedCells), made on the UI thread
    when first needed or with the declutter on its thread: either way it must find exactly the
    spot the plain ring search finds, and never one that overlaps a thumbnail."""
    from scipy.spatial import cKDTree

    from piday_desktop.projection.declutter import (BLOCKED_FROM, MIN_DIST, DisplayMap, display_positions, free_spot,
                                                    placement_index)

    rng = np.random.default_rng(3)
    n = BLOCKED_FROM + 1000
    layout = rng.normal(scale=0.05, size=(n, 2))  # one tight group: its middle is taken far out
    ids = [f"p{i}" for i in range(n)]
    dm = DisplayMap()
    dm.set_layouts(ids, layout)
    shown = display_positions(layout)
    prebuilt = placement_index(layout, shown) if index == "built with the declutter" else None
    dm.apply(ids, shown, prebuilt)
    moved = []
    for k in range(12):
        pid = f"new{k}"
        dm.set_layout(pid, tuple(rng.normal(scale=0.01, size=2)))
        want = dm.to_display(dm.layout[pid], exclude=pid)
        others = np.array([p for i, p in dm.shown.items() if i != pid])
        plain = free_spot(want, cKDTree(others))
        spot = dm.place_new(pid)
        assert dm._blocked is not None  # the big-map path was taken
        if prebuilt is not None:
            assert dm._blocked is prebuilt.blocked  # nothing was rebuilt on the UI thread
        assert np.allclose(spot, plain), (k, spot, plain)
        assert np.hypot(*(others - spot).T).min() >= MIN_DIST - 1e-9
        moved.append(float(np.hypot(*(spot - want))))
    assert max(moved) > 5 * MIN_DIST  # the spots were deep in: many rings searched
