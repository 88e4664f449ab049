"""The live map's view alone at 200 and 20,000 photos: what a new shot costs the UI thread.

    QT_QPA_PLATFORM=offscreen python bench/map_scale.py [--sizes 200 20000] [--shots 20]

No model and no store: a ``LiveMap`` is filled with synthetic photos (2-D positions in clustered
groups, 40 named groups, the files a few small cartoon JPEGs) and shown in a ``MapView`` of the
station pane's size (800 x 760), thumbnails decoded as the station does. Then, per size, in one
process:

* shots    - visitors (5 shots each, a new visitor glows) take ``--shots`` photos while the live
             marker moves three times a second; for each, the clock runs from the layout result
             (``LiveMap.apply_layout`` with the new photo, what the layout worker hands the UI
             thread) to the first paint of its item (``point_shown``); the event-loop lag probe
             (a 10 ms timer, as in the station window) runs meanwhile;
* refit    - every photo moves a little at once (a background UMAP refit landing): the lag max
             until everything is still;
* zoom     - the camera zooms into one group (thumbnails) and out again: items in the scene, lag;
* search   - a participant code lights their photos and dims the rest, then clears: lag max.

Besides the lag probe (wall clock: on a shared machine it also counts other processes), the
longest busy stretch of the UI thread in CPU time (``time.thread_time`` around each
``processEvents`` and each model call): what the UI thread itself spent, whatever the load.
Each figure at the big size is printed beside the small size's as a ratio: the UI thread's work
per shot should not grow with the map. ``shutter -> map`` end to end (camera, model, layout)
is ``bench/map_latency.py``'s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
if os.environ.get("PYTHONPATH") is None:  # honour PYTHONPATH (to time another worktree's code)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faces import face  # noqa: E402

DIM = 16
PER = 5


BUSY = [0.0]  # the longest UI-thread CPU stretch since the last reset (seconds)


def on_ui(fn, *args):
    """Run ``fn`` on the UI thread (this one), counting its CPU time as one busy stretch."""
    t = time.thread_time()
    out = fn(*args)
    BUSY[0] = max(BUSY[0], time.thread_time() - t)
    return out


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        on_ui(app.processEvents)
        time.sleep(0.002)


def wait(app, predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        on_ui(app.processEvents)
        time.sleep(0.001)
    return True


def busy_ms() -> float:
    out, BUSY[0] = BUSY[0] * 1000, 0.0
    return out


def synthetic(n: int, seed: int, groups: int = 40):
    """n layout positions in ``groups`` blobs within [-1, 1], their group, and unit vectors."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.8, 0.8, (groups, 2))
    label = rng.integers(0, groups, n)
    xy = centres[label] + rng.normal(scale=0.07, size=(n, 2))
    vec_centres = rng.normal(size=(groups, DIM))
    vec = vec_centres[label] + 0.3 * rng.normal(size=(n, DIM))
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    return np.clip(xy, -1, 1), label, vec.astype(np.float32), centres, vec_centres


def run(app, n: int, shots: int, files: list[str]) -> dict:
    from PySide6.QtCore import QPointF

    from piday_desktop.core.store import Photo
    from piday_desktop.projection.live_map import Cluster, LiveMap
    from piday_desktop.ui.lag_probe import LagProbe
    from piday_desktop.ui.map_thumbs import ThumbnailCache
    from piday_desktop.ui.map_view import MapView
    from piday_desktop.workers.invoker import UiInvoker

    xy, label, vec, centres, vec_centres = synthetic(n + shots, seed=n)

    def photo(i: int) -> Photo:
        part = i // PER
        return Photo(f"ph{i:06d}", f"pa{part}", f"P-{part + 1:03d}", i % PER + 1, f"{i:064x}", None, "jpg",
                     1, 640, 480, None, "t", "kept")

    invoker = UiInvoker()
    live = LiveMap("bench")
    photos = [photo(i) for i in range(n)]
    thumbs = ThumbnailCache(invoker.post)
    t0 = time.perf_counter()
    live.reset(photos, vec[:n], xy[:n], [files[i % len(files)] for i in range(n)])
    view = MapView(live, thumbs, invoker.post)
    view.resize(800, 760)
    view.show()
    count = (lambda: view.photo_count) if hasattr(view, "photo_count") else (lambda: len(view.items_))
    assert wait(app, lambda: count() == n, 120), "map did not restore"
    live.set_clusters([Cluster(f"group {g}", 0.0, 0.0, tuple(f"ph{i:06d}" for i in np.flatnonzero(label[:n] == g)))
                       for g in range(40)])
    assert wait(app, lambda: thumbs.loader.idle and not view.animating, 600), "thumbnails"
    pump(app, 1.0)
    restored = time.perf_counter() - t0
    try:  # what the map controller does once a big map is restored
        from piday_desktop.core.heap import settle
    except ImportError:  # the code before issue 15's item 4
        pass
    else:
        if n >= 2000:
            settle()
    probe = LagProbe(10)
    probe.start()
    shown: dict[str, float] = {}
    view.point_shown.connect(lambda pid, t: shown.setdefault(pid, t))
    rng = np.random.default_rng(1)

    # -- shots ----------------------------------------------------------------------------------
    latency = []
    probe.reset()
    busy_ms()
    for k in range(shots):
        i = n + k
        for _ in range(3):  # the visitor in front of the camera: the marker moves
            g = rng.integers(0, 40)
            on_ui(live.set_marker, tuple(centres[g] + rng.normal(scale=0.03, size=2)))
            pump(app, 0.12)
        on_ui(live.add, photo(i), vec[i], files[i % len(files)])
        t = time.perf_counter()
        on_ui(live.apply_layout, [f"ph{i:06d}"], xy[i][None], "placed")
        assert wait(app, lambda: f"ph{i:06d}" in shown, 30), "photo never shown"
        latency.append(shown[f"ph{i:06d}"] - t)
        pump(app, 0.3)
    live.set_marker(None)
    assert wait(app, lambda: not view.animating, 30)
    pump(app, 0.3)
    shots_lag = probe.stats()
    shots_lag["busy_ms"] = busy_ms()

    # -- a refit lands: everyone moves a little -----------------------------------------------------
    probe.reset()
    ids = live.ids
    moved = live.positions + rng.normal(scale=0.01, size=(len(ids), 2))
    on_ui(live.apply_layout, ids, moved, "umap")
    job = view._declutter_job  # a big map is decluttered on its own thread, then glides
    if hasattr(view, "declutter_idle"):
        assert wait(app, lambda: view.declutter_idle, 120)
    else:  # the code before issue 15's item 4
        assert wait(app, lambda: not hasattr(job, "done") or job.done(), 120)
    pump(app, 1.5)
    assert wait(app, lambda: not view.animating, 60)
    refit_lag = probe.stats()
    refit_lag["busy_ms"] = busy_ms()

    # -- zoom into a group and out again ------------------------------------------------------------
    probe.reset()
    items_out = len(view.scene().items())
    g = int(np.bincount(label[:n]).argmax())
    member = f"ph{int(np.flatnonzero(label[:n] == g)[0]):06d}"
    x, y = view.display.shown[member]
    view.camera.touched()  # as a visitor's zoom: the camera stops following for a while
    from piday_desktop.ui.map_items import THUMB

    on_ui(view.camera.apply, 48 / THUMB, QPointF(float(x) * THUMB, float(y) * THUMB))  # thumbnails 48 px wide
    pump(app, 1.5)
    items_in = len(view.scene().items())
    zoom_in_grab = view.grab()
    on_ui(view.follow)
    assert wait(app, lambda: not view.animating, 30)
    pump(app, 1.0)
    zoom_lag = probe.stats()
    zoom_lag["busy_ms"] = busy_ms()

    # -- search: one visitor lit, everyone else dimmed ------------------------------------------------
    probe.reset()
    on_ui(live.search_text, "P-003")
    pump(app, 0.5)
    on_ui(live.clear_highlight)
    pump(app, 0.5)
    search_lag = probe.stats()
    search_lag["busy_ms"] = busy_ms()
    out_grab = view.grab()
    view.detach()
    view.close()
    thumbs.close()
    probe.stop()
    return {"n": n, "restored": restored, "latency": latency, "shots_lag": shots_lag, "refit_lag": refit_lag,
            "zoom_lag": zoom_lag, "search_lag": search_lag, "items_out": items_out, "items_in": items_in,
            "grabs": (out_grab, zoom_in_grab)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 20000])
    ap.add_argument("--shots", type=int, default=20)
    ap.add_argument("--screenshots", type=Path, help="save the biggest map zoomed out and in here")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    import piday_desktop

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="piday-map-scale-"))
    files = []
    for k in range(24):
        path = tmp / f"face{k}.jpg"
        face(k, k % 3, size=(160, 120)).save(path, "JPEG", quality=85)
        files.append(str(path))
    print(f"code: {Path(piday_desktop.__file__).parent}, Qt platform {app.platformName()}, cores {os.cpu_count()}")
    results = [run(app, n, args.shots, files) for n in args.sizes]

    def ms(v: float) -> str:
        return f"{v * 1000:7.1f}"

    base = results[0]
    head = f"{'':34}" + "".join(f"{r['n']:>12,}" for r in results) + (f"{'ratio':>9}" if len(results) > 1 else "")
    print("\n" + head)

    def row(name: str, values: list[float], unit: str = "ms") -> None:
        ratio = f"{values[-1] / values[0]:8.1f}x" if len(values) > 1 and values[0] > 0.05 else ""
        print(f"  {name:<32}" + "".join(f"{v:>10.1f}{unit}" for v in values) + ratio)

    row("restore + thumbnails (s)", [r["restored"] for r in results], " s")
    row("layout -> shown, median", [statistics.median(r["latency"]) * 1000 for r in results])
    row("layout -> shown, max", [max(r["latency"]) * 1000 for r in results])
    for key, name in (("shots_lag", "shots"), ("refit_lag", "refit"), ("zoom_lag", "zoom in/out"),
                      ("search_lag", "search")):
        row(f"UI lag during {name}, p99", [r[key]["p99_ms"] for r in results])
        row(f"UI lag during {name}, max", [r[key]["max_ms"] for r in results])
        row(f"  longest UI CPU stretch", [r[key]["busy_ms"] for r in results])
    row("items in the scene, zoomed out", [r["items_out"] for r in results], "  ")
    row("items in the scene, zoomed in", [r["items_in"] for r in results], "  ")
    print(f"  (ratios: {results[-1]['n']:,} photos against {base['n']:,}, same run)")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
        out, zin = results[-1]["grabs"]
        out.save(str(args.screenshots / "map-20k-out.png"))
        zin.save(str(args.screenshots / "map-20k-in.png"))
        print(f"wrote {args.screenshots}/map-20k-out.png, map-20k-in.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
