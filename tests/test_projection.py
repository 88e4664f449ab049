"""The live map's layout layer: stability, coalescing, tiny sets, clusters. Real umap, no mocks.

All tests share one process-wide umap warm-up (import + JIT: ~5 s with a warm numba cache, ~25 s
cold), then each UMAP fit of a few hundred 64-d points takes a fraction of a second.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from piday_desktop.projection import LayoutConfig, LayoutModel, LayoutResult, LayoutWorker, warm_up
from piday_desktop.projection import knn
from piday_desktop.projection.align import fit_similarity

#: The stated stability bound: no existing point moves more than this fraction of the map's span
#: (the larger side of its bounding box) when 10 points join 200.
MAX_MOVE = 0.05
DIM = 64


@pytest.fixture(scope="module")
def umap_ready():
    # Module fixtures run before conftest's per-test env; point numba at the same shared cache.
    os.environ.setdefault(
        "NUMBA_CACHE_DIR",
        str(Path(os.environ.get("PIDAY_TEST_CACHE_DIR", Path.home() / ".cache" / "piday-tests")) / "numba"),
    )
    handle = warm_up()
    assert handle.ready.wait(180), "umap warm-up did not finish"
    assert handle.error is None, handle.error
    return handle


def clustered(n: int, *, k: int = 6, seed: int = 0, dim: int = DIM, spread: float = 0.5):
    """Unit vectors in k clusters, each varying along a few latent directions like real photo
    embeddings (pose, light, ...) plus a little isotropic noise. Returns (vectors, labels)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    basis = rng.normal(size=(k, 3, dim)) / np.sqrt(dim)
    labels = rng.integers(0, k, n)
    latent = rng.normal(size=(n, 3))
    x = centres[labels] + spread * np.einsum("nl,nld->nd", latent, basis[labels])
    x += 0.05 / np.sqrt(dim) * rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), labels


def ids_for(n: int, prefix: str = "p") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


def span(positions: np.ndarray) -> float:
    return float(np.ptp(positions, axis=0).max())


def moves(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Each point's displacement as a fraction of the earlier map's span."""
    return np.linalg.norm(after - before, axis=1) / span(before)


def knn_purity(positions: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    d = ((positions[:, None, :] - positions[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :k]
    return float(np.mean(labels[nn] == labels[:, None]))


# -- pieces -------------------------------------------------------------------------------------


def test_similarity_alignment_recovers_rotation_reflection_scale_translation():
    rng = np.random.default_rng(3)
    target = rng.normal(size=(50, 2))
    theta = 1.1
    rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]]) @ np.diag([1, -1])
    source = 3.7 * target @ rot + np.array([5.0, -2.0])
    aligned = fit_similarity(source, target).apply(source)
    np.testing.assert_allclose(aligned, target, atol=1e-4)
    # Degenerate inputs never fail: one point -> pure translation.
    one = fit_similarity(np.array([[1.0, 1.0]]), np.array([[0.0, 2.0]]))
    np.testing.assert_allclose(one.apply(np.array([[1.0, 1.0]])), [[0.0, 2.0]])


def test_incremental_knn_graph_equals_exact_rebuild():
    x, _ = clustered(300, seed=5)
    graph = knn.build(x[:250], 15)
    for stop in (251, 260, 300):
        graph = knn.extend(graph, x[:stop], 15)
        fresh = knn.build(x[:stop], 15)
        np.testing.assert_allclose(graph.distances, fresh.distances, atol=1e-5)
        assert (graph.indices[:, 0] == np.arange(stop)).all()  # self first
    # Identical photos: self still comes first.
    dup = np.concatenate([x[:40], x[:1]])
    g = knn.extend(knn.build(dup[:40], 15), dup, 15)
    assert g.indices[0, 0] == 0 and g.indices[40, 0] == 40 and g.indices[0, 1] == 40


def test_warm_up_is_shared_and_sets_numba_cache(umap_ready):
    assert warm_up() is umap_ready
    assert umap_ready.ok
    assert os.environ["NUMBA_CACHE_DIR"]


# -- tiny sets ----------------------------------------------------------------------------------


def test_tiny_sets_give_finite_positions_of_the_right_count():
    x, _ = clustered(5, seed=1)
    model = LayoutModel()
    empty = model.update([], np.zeros((0, DIM), np.float32))
    assert empty.positions.shape == (0, 2) and empty.method == "empty"
    previous = None
    for n in (1, 2, 5):
        layout = model.update(ids_for(n), x[:n])
        assert layout.positions.shape == (n, 2) and layout.positions.dtype == np.float32
        assert np.isfinite(layout.positions).all()
        assert np.abs(layout.positions).max() <= 1.0 + 1e-5  # the first layout sets the range
        assert layout.ids == tuple(ids_for(n))
        if n == 1:
            np.testing.assert_allclose(layout.positions, [[0.0, 0.0]])
        if n >= 2:
            assert span(layout.positions) > 0.1  # distinct photos do not sit on one another
        if previous is not None:
            assert layout.as_dict().keys() >= previous.as_dict().keys()
        previous = layout
    # Removing points works and shrinking to one point still gives a position.
    assert model.update(ids_for(1), x[:1]).positions.shape == (1, 2)


def test_transition_from_pca_to_umap_keeps_the_map_aligned(umap_ready):
    config = LayoutConfig(umap_min_points=30)
    x, _ = clustered(30, k=3, seed=2)
    model = LayoutModel(config)
    for n in range(1, 30):
        layout = model.update(ids_for(n), x[:n])
        assert layout.method == "pca" and np.isfinite(layout.positions).all()
        assert not model.refit_due()
    pca = model.update(ids_for(30), x).positions.copy()
    assert model.refit_due()
    job = model.refit_job()
    result = job.run()
    layout = model.adopt(result)
    assert layout.method == "umap" and layout.umap_points == 30
    aligned = layout.positions
    assert np.isfinite(aligned).all()
    # UMAP rearranges points inside the map (the one reorganisation the view animates), but the
    # map keeps its place, size and orientation: same centre and spread as the PCA map, and the
    # alignment's rotation beats every plain orientation of umap's output at that size.
    assert np.linalg.norm(aligned.mean(0) - pca.mean(0)) / span(pca) < 0.05
    assert 0.67 < span(aligned) / span(pca) < 1.5

    def spread(p: np.ndarray) -> float:
        return float(np.sqrt(((p - p.mean(0)) ** 2).sum(1).mean()))

    def rms(p: np.ndarray) -> float:
        return float(np.sqrt(((p - pca) ** 2).sum(1).mean()))

    np.testing.assert_allclose(spread(aligned), spread(pca), rtol=0.05)  # 29 anchors, 1 placed
    raw = result.positions - result.positions.mean(0)
    raw = raw * (spread(pca) / spread(raw))
    for flip in (np.diag([1, 1]), np.diag([1, -1]), np.diag([-1, 1]), np.diag([-1, -1])):
        for swap in (np.eye(2), np.array([[0, 1], [1, 0]])):
            assert rms(aligned) <= rms(raw @ flip @ swap + pca.mean(0)) + 1e-5


def test_the_map_keeps_a_stable_range_as_it_grows(umap_ready):
    """The view need not rescale per photo: from 1 to 260 points the map stays near [-1, 1]."""
    x, _ = clustered(260, seed=13)
    model = LayoutModel()
    for n in list(range(1, 40)) + list(range(40, 261, 10)):
        layout = model.update(ids_for(n), x[:n])
        if model.refit_due():
            layout = model.refit_now()
        assert np.abs(layout.positions).max() <= 2.0, (n, layout.method)
        if n >= 2:
            assert span(layout.positions) > 0.5, (n, layout.method)
    assert layout.umap_points > 200  # UMAP took over and kept refitting


def test_vectors_of_another_model_restart_the_map():
    x, _ = clustered(10, seed=4)
    model = LayoutModel()
    model.update(ids_for(10), x)
    y = np.random.default_rng(0).normal(size=(10, 32)).astype(np.float32)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    layout = model.update(ids_for(10), y)
    assert layout.positions.shape == (10, 2) and np.isfinite(layout.positions).all()


# -- stability ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_adding_10_points_to_200_moves_no_point_more_than_5_percent(umap_ready, seed):
    x, _ = clustered(210, seed=seed)
    ids = ids_for(210)
    model = LayoutModel(LayoutConfig(refit_min_new=10, refit_fraction=0.05))
    model.update(ids[:200], x[:200])
    before = model.refit_now().positions.copy()
    assert model.layout().method == "umap"

    quick = model.update(ids, x)  # the quick placement, as for each new photo
    assert quick.method == "placed"
    assert moves(before, quick.positions[:200]).max() < MAX_MOVE
    assert np.isfinite(quick.positions).all()

    assert model.refit_due()
    job = model.refit_job()
    result = job.run()
    refitted = model.adopt(result).positions
    moved = moves(before, refitted[:200])
    assert moved.max() < MAX_MOVE, f"max move {moved.max():.3f} of span"
    # The alignment is what holds the map still: the refit's own output lives in UMAP's units
    # and frame, where the same points sit far from where the visitor saw them.
    raw = result.positions[:200]
    assert moves(before, raw).max() > 5 * MAX_MOVE
    assert moves(before, fit_similarity(raw, before).apply(raw)).max() < MAX_MOVE
    # New points are on the map, inside its extent.
    lo, hi = refitted[:200].min(0), refitted[:200].max(0)
    assert ((refitted[200:] >= lo - 0.1) & (refitted[200:] <= hi + 0.1)).all()


def test_points_arriving_during_a_refit_are_kept_and_placed(umap_ready):
    x, _ = clustered(230, seed=6)
    ids = ids_for(230)
    model = LayoutModel()
    model.update(ids[:200], x[:200])
    model.refit_now()
    model.update(ids[:215], x[:215])
    job = model.refit_job()
    # While the job runs, 15 more arrive and one old photo is erased.
    keep = ids[1:230]
    model.update(keep, x[1:230])
    layout = model.adopt(job.run())
    assert layout.method == "umap" and layout.ids == tuple(keep)
    assert layout.positions.shape == (229, 2) and np.isfinite(layout.positions).all()


def test_same_seed_same_map(umap_ready):
    x, _ = clustered(220, seed=7)
    maps = []
    for _ in range(2):
        model = LayoutModel()
        model.update(ids_for(200), x[:200])
        model.refit_now()
        model.update(ids_for(220), x)
        maps.append(model.refit_now().positions)
    np.testing.assert_array_equal(maps[0], maps[1])


def test_restored_map_continues_where_it_was(umap_ready):
    x, _ = clustered(215, seed=8)
    model = LayoutModel()
    model.update(ids_for(200), x[:200])
    saved = model.refit_now()
    restored = LayoutModel.restore(saved.ids, x[:200], saved.positions, umap_scale=saved.umap_scale)
    np.testing.assert_array_equal(restored.layout().positions, saved.positions)
    restored.update(ids_for(215), x)
    after = restored.refit_now().positions
    assert moves(saved.positions, after[:200]).max() < MAX_MOVE


# -- clusters -----------------------------------------------------------------------------------


def test_well_separated_clusters_stay_separated(umap_ready):
    x, labels = clustered(240, k=4, seed=9, spread=0.8)
    ids = ids_for(240)
    model = LayoutModel()
    model.update(ids[:200], x[:200])
    assert knn_purity(model.refit_now().positions, labels[:200]) > 0.95
    # Growing in steps of 10 (quick placements, then refits) keeps them apart too.
    for stop in range(210, 241, 10):
        layout = model.update(ids[:stop], x[:stop])
        assert knn_purity(layout.positions, labels[:stop]) > 0.9
        if model.refit_due():
            layout = model.refit_now()
    assert knn_purity(model.refit_now().positions, labels) > 0.95


# -- the worker ---------------------------------------------------------------------------------


class Collector:
    """Receives results on the layout thread; the first delivery can be held to pile up requests."""

    def __init__(self, hold_first: bool = False) -> None:
        self.results: list[LayoutResult] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.lock = threading.Lock()

    def __call__(self, result: LayoutResult) -> None:
        with self.lock:
            self.results.append(result)
            first = len(self.results) == 1
        if first:
            self.entered.set()
            assert self.release.wait(30)


def test_rapid_requests_coalesce_and_the_newest_wins(umap_ready):
    x, _ = clustered(60, seed=10)
    sink = Collector(hold_first=True)
    worker = LayoutWorker(sink, refit=False)
    try:
        worker.request(ids_for(1), x[:1])
        assert sink.entered.wait(30)  # the layout thread is now busy delivering request 1
        last = 0
        for n in range(2, 61):
            last = worker.request(ids_for(n), x[:n])
        sink.release.set()
        assert worker.wait_idle(30)
    finally:
        worker.close()
    assert worker.stats.requests == 60
    assert worker.stats.layouts <= 3, worker.stats  # 1, then only the newest pending set
    versions = [r.version for r in sink.results]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert [r.request for r in sink.results] == sorted(r.request for r in sink.results)
    final = sink.results[-1]
    assert final.request == last
    assert final.layout.ids == tuple(ids_for(60)) and final.layout.positions.shape == (60, 2)


def test_worker_refits_in_the_background_and_keeps_the_map_still(umap_ready):
    x, labels = clustered(210, seed=11)
    ids = ids_for(210)
    sink = Collector()
    worker = LayoutWorker(sink, config=LayoutConfig(refit_min_new=10, refit_fraction=0.05), warm=umap_ready)
    try:
        worker.request(ids[:200], x[:200])
        assert worker.wait_idle(60)
        first_umap = sink.results[-1]
        assert first_umap.kind == "umap" and len(first_umap.layout) == 200
        assert [r.kind for r in sink.results] == ["pca", "umap"]  # quick map at once, then UMAP
        before = first_umap.layout.positions

        worker.request(ids, x)
        assert worker.wait_idle(60)
    finally:
        worker.close()
    kinds = [r.kind for r in sink.results[2:]]
    assert kinds == ["placed", "umap"], kinds
    assert worker.stats.refits == 2 and worker.last_error is None
    for result in sink.results[2:]:
        assert moves(before, result.layout.positions[:200]).max() < MAX_MOVE
    assert [r.version for r in sink.results] == list(range(1, len(sink.results) + 1))
    assert knn_purity(sink.results[-1].layout.positions, labels) > 0.9


def test_worker_survives_bad_requests_and_callback_errors():
    calls: list[LayoutResult] = []

    def flaky(result: LayoutResult) -> None:
        calls.append(result)
        if len(calls) == 1:
            raise RuntimeError("receiver bug")

    worker = LayoutWorker(flaky, refit=False)
    try:
        x, _ = clustered(3, seed=12)
        worker.request(ids_for(2), x[:2])
        assert worker.wait_idle(10)
        worker.request(["a", "a"], x[:2])  # duplicate ids: rejected, logged, worker lives on
        assert worker.wait_idle(10)
        assert isinstance(worker.last_error, ValueError)
        worker.request(ids_for(3), x)
        assert worker.wait_idle(10)
    finally:
        worker.close()
    assert len(calls) == 2 and calls[-1].layout.positions.shape == (3, 2)
