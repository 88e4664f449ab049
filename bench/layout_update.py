"""Layout update time for the live map at 200, 2,000 and 20,000 points (512-d clustered unit vectors).

Measures, in one process after the umap warm-up (as the station runs):

* full fit      - a map from scratch: exact k-NN graph + PCA start + first UMAP fit (umap defaults:
                  500 epochs up to 10,000 points, 200 above);
* place 1       - ``LayoutModel.update`` with one new photo: what stands between an embedding and
                  its point on the map (the quick nearest-neighbour placement);
* via worker    - the same through ``LayoutWorker``: request() to on_result on the layout thread;
* transform 1   - for comparison, umap's own ``UMAP.transform`` of one point on a model fitted the
                  ordinary way (sizes up to --transform-max only: that fit is slow);
* refit         - the background refit after 10 % new points: graph update + settle the new points
                  + gentle global polish, then the Procrustes alignment;
* GIL stall     - the longest a thread ticking every 5 ms waited during a refit (numba holds the
                  GIL within each epoch): how much a refit could stutter the UI thread.

It also reports how far old points moved in the refit (fraction of the map's span) and how well
placed points agree with their high-dimensional neighbours (10-NN overlap), for quick placement
and for umap's transform. The machine is shared: treat the figures as rough.

    python bench/layout_update.py [--sizes 200 2000 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from piday_desktop.projection import LayoutConfig, LayoutModel, LayoutResult, LayoutWorker, warm_up  # noqa: E402


def clustered(n: int, dim: int, seed: int, k: int = 40) -> np.ndarray:
    """Unit vectors in k groups (visitors), each varying along a few latent directions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    basis = rng.normal(size=(k, 4, dim)) / np.sqrt(dim)
    labels = rng.integers(0, k, n)
    x = centres[labels] + 0.6 * np.einsum("nl,nld->nd", rng.normal(size=(n, 4)), basis[labels])
    x += 0.3 / np.sqrt(dim) * rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def summary(values: list[float]) -> str:
    ms = np.asarray(values) * 1000
    p95 = float(np.percentile(ms, 95)) if len(ms) > 1 else float(ms[0])
    return f"median {statistics.median(ms):9.1f} ms  p95 {p95:9.1f} ms  (n={len(ms)})"


def nn_overlap(vectors: np.ndarray, positions: np.ndarray, rows: np.ndarray, k: int = 10) -> float:
    sims = vectors[rows] @ vectors.T
    sims[np.arange(len(rows)), rows] = -np.inf
    high = np.argsort(-sims, axis=1)[:, :k]
    d = ((positions[rows, None, :] - positions[None, :, :]) ** 2).sum(-1)
    d[np.arange(len(rows)), rows] = np.inf
    low = np.argsort(d, axis=1)[:, :k]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(high, low)]))


class GilProbe:
    """A thread that wakes every 5 ms and records how late it got the GIL back."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(0.005):
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now

    def __enter__(self) -> GilProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_size(n: int, dim: int, repeats: int, transform: bool) -> None:
    n_new = max(10, n // 10)
    reps = repeats if n <= 2_000 else max(2, repeats // 2)
    x = clustered(n + n_new + 50, dim, seed=n)
    ids = [f"p{i}" for i in range(len(x))]
    print(f"\n== {n} points, {dim}-d ==", flush=True)

    fits, places, refits, stalls, moved_max, moved_med, quality, reference = [], [], [], [], [], [], [], []
    for r in range(reps):
        model = LayoutModel(LayoutConfig(seed=r))
        t0 = time.perf_counter()
        model.update(ids[:n], x[:n])
        before = model.refit_now().positions.copy()
        fits.append(time.perf_counter() - t0)
        sample = np.random.default_rng(r).choice(n, size=min(n, 500), replace=False)
        reference.append(nn_overlap(x[:n], before, sample))

        # One photo at a time, as at the station (each update also checks the known vectors).
        for i in range(n, n + n_new):
            t0 = time.perf_counter()
            model.update(ids[: i + 1], x[: i + 1])
            places.append(time.perf_counter() - t0)
        placed = model.layout().positions
        quality.append(nn_overlap(x[: n + n_new], placed, np.arange(n, n + n_new)))

        job = model.refit_job()
        if r == 0:
            round_trips = worker_round_trips(model, ids, x, n + n_new)
        with GilProbe() as probe:
            t0 = time.perf_counter()
            after = model.adopt(job.run()).positions
            refits.append(time.perf_counter() - t0)
        stalls.append(probe.worst)
        span = float(np.ptp(before, axis=0).max())
        moved = np.linalg.norm(after[:n] - before, axis=1) / span
        moved_max.append(float(moved.max()))
        moved_med.append(float(np.median(moved)))
        print(f"  repeat {r + 1}/{reps}: fit {fits[-1]:.2f} s, refit {refits[-1]:.2f} s", flush=True)

    print(f"  full fit      {summary(fits)}")
    print(f"  place 1       {summary(places)}")
    print(f"  via worker    {summary(round_trips)}  [request() -> callback, 1 new photo, refits on]")
    print(f"  refit (+{n_new:>4}) {summary(refits)}")
    print(f"  GIL stall during refit: worst {max(stalls) * 1000:.0f} ms")
    print(
        f"  old points moved in refit: median {100 * statistics.median(moved_med):.2f} %, "
        f"max {100 * max(moved_max):.2f} % of span"
    )
    print(
        f"  10-NN overlap with 512-d neighbours: quick placement {statistics.mean(quality):.2f}, "
        f"points laid out by the UMAP fit {statistics.mean(reference):.2f} (reference)"
    )
    if transform:
        bench_transform(x, n, n_new)


def worker_round_trips(model: LayoutModel, ids: list[str], x: np.ndarray, start: int, count: int = 20) -> list[float]:
    """request() -> on_result for one new photo at a time, through a LayoutWorker on a copy of
    ``model``'s map (as the UI would see it; includes the array copy in request())."""
    layout = model.layout()
    clone = LayoutModel.restore(layout.ids, x[: len(layout.ids)], layout.positions, umap_scale=layout.umap_scale)
    got = threading.Event()
    wanted = [0]

    def on_result(result: LayoutResult) -> None:
        if result.request >= wanted[0]:
            got.set()

    worker = LayoutWorker(on_result, model=clone)
    times = []
    try:
        for i in range(start, start + count):
            got.clear()
            t0 = time.perf_counter()
            wanted[0] = worker.request(ids[: i + 1], x[: i + 1])
            if not got.wait(60):
                raise RuntimeError("no layout within 60 s")
            times.append(time.perf_counter() - t0)
    finally:
        worker.close()
    return times


def bench_transform(x: np.ndarray, n: int, n_new: int) -> None:
    """umap's own transform, on a model fitted the ordinary way (its NN search, its index)."""
    import umap

    t0 = time.perf_counter()
    reducer = umap.UMAP(metric="cosine", random_state=0).fit(x[:n])
    fit_s = time.perf_counter() - t0
    reducer.transform(x[n : n + 1])  # first call JIT-compiles transform's own code
    times, positions = [], []
    for i in range(n, n + n_new):
        t0 = time.perf_counter()
        positions.append(reducer.transform(x[i : i + 1])[0])
        times.append(time.perf_counter() - t0)
    full = np.concatenate([reducer.embedding_, np.asarray(positions)])
    q = nn_overlap(x[: n + n_new], full, np.arange(n, n + n_new))
    print(f"  transform 1   {summary(times)}  [ordinary umap fit took {fit_s:.1f} s]")
    print(f"  10-NN overlap with 512-d neighbours: umap transform {q:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--transform-max", type=int, default=2_000, help="largest size for the transform comparison")
    args = parser.parse_args()

    t0 = time.perf_counter()
    handle = warm_up()
    handle.ready.wait()
    if handle.error is not None:
        raise SystemExit(f"umap warm-up failed: {handle.error}")
    print(f"umap warm-up (import + tiny fit): {time.perf_counter() - t0:.1f} s; "
          f"NUMBA_CACHE_DIR={os.environ.get('NUMBA_CACHE_DIR')}; cores: {os.cpu_count()}")
    for n in args.sizes:
        bench_size(n, args.dim, args.repeats, transform=n <= args.transform_max)


if __name__ == "__main__":
    main()
