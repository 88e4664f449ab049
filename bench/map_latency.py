"""Shutter -> point on the live map, in the real station window, at 200, 2,000 and 20,000 photos.

    xvfb-run -a python bench/map_latency.py [--sizes 200 2000 20000] [--shots 20]
    (or QT_QPA_PLATFORM=offscreen; painting happens either way)

For each size the event is seeded (200: cartoon visitors embedded for real; larger: synthetic
clustered 512-d vectors, the photo files hard links to a few cartoon JPEGs, rows written in one
transaction: a bench shortcut) with a stored layout, then the station window opens on it exactly
as after a restart (map restored from the store, umap warmed up, ViT-B-32 with random weights on
the CPU in a process of its own as the station runs it (``--engine thread``: in the window's
process), test-pattern camera, live probe running). A visitor then takes ``--shots`` photos;
for each the clock runs from the shutter (the capture request) to the first paint of its
thumbnail on the map, with the steps in between:

* saved    - JPEG encoded, fsynced, row committed (writer thread);
* embedded - vector from the engine, stored (inference thread, then writer);
* laid out - the layout worker's result arrives on the UI thread;
* shown    - the view first paints the new photo.

Then the layout update alone: ``LayoutWorker`` request -> result for one new photo at the same
size (median / p95), and one background UMAP refit.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from faces import face  # noqa: E402
from layout_update import clustered, summary  # noqa: E402  (the same synthetic data and figures)

MODEL = "ViT-B-32:none"


def seed_event(root: Path, n: int, engine) -> "EventStore":  # noqa: F821
    """An event of n embedded, laid-out photos, as a station would have stored it."""
    from piday_desktop.core.store import Consent, EventStore, utcnow
    from piday_desktop.projection import LayoutModel

    store = EventStore.open(root, f"bench{n}")
    per = 5
    if n <= 500:  # real pictures, really embedded
        photos = []
        for p in range(n // per):
            part = store.create_participant(consent=Consent(True, True, True))
            for s in range(per):
                buf = io.BytesIO()
                face(p, s).save(buf, "JPEG", quality=90)
                data = buf.getvalue()
                photos.append(store.add_photo(part, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG",
                                              width=640, height=480))
        vectors = np.stack([f.result() for f in [engine.submit(store.photo_path(ph)) for ph in photos]])
        store.put_embeddings(zip([ph.id for ph in photos], vectors), model_id=MODEL, device="cpu")
    else:  # synthetic vectors; files are hard links to a few cartoon JPEGs (bench shortcut)
        import uuid

        sources = []
        for k in range(20):
            path = root / f"face{k}.jpg"
            face(k, 0).save(path, "JPEG", quality=90)
            sources.append(path)
        vectors = clustered(n, 512, seed=n)
        now = utcnow()
        parts, rows, embs = [], [], []
        for p in range(n // per):
            pid = str(uuid.uuid4())
            parts.append((pid, f"P-{p + 1:03d}", 1, 1, 1, "station", "finished", now, now))
            for s in range(per):
                i = p * per + s
                photo_id = str(uuid.uuid4())
                dest = store.photos_dir / pid / f"{photo_id}.jpg"
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.link(sources[i % len(sources)], dest)
                rows.append((photo_id, pid, s + 1, f"{i:064x}", "jpg", dest.stat().st_size, 640, 480, now, "kept"))
                embs.append((photo_id, MODEL, 512, vectors[i].astype("<f4").tobytes(), "cpu", now))
        with store.transaction() as c:  # one transaction for the lot: seeding only
            c.executemany("INSERT INTO participants(id, code, consent_local, consent_map, consent_photo, source, "
                          "state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", parts)
            c.executemany("INSERT INTO photos(id, participant_id, shot, sha256, ext, size_bytes, width, height, "
                          "imported_at, state) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            c.executemany("INSERT INTO embeddings(photo_id, model_id, dim, vector, device, created_at) "
                          "VALUES (?,?,?,?,?,?)", embs)
    stored, matrix, _ = store.vectors(MODEL)
    layout = LayoutModel().update([p.id for p in stored], matrix)
    store.set_layout(MODEL, [(i, x, y) for i, (x, y) in zip(layout.ids, layout.positions)])
    return store


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)


def wait(app, predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def shutter_to_map(app, store, engine, shots: int) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.main_window import StationWindow

    win = StationWindow(store, StationConfig(event=store.event, countdown_s=1.0, shots_per_visitor=20, key_debounce_s=0))
    win.resize(1280, 800)
    win.show()
    win.camera.start(TestPatternSource((1280, 720), fps=30))
    n0 = len(store.vectors(MODEL)[0])
    t0 = time.perf_counter()
    assert wait(app, lambda: win.map_pane.view.photo_count == n0, 300), "map did not restore"
    restored = time.perf_counter() - t0
    win.attach_engine(engine)
    assert wait(app, lambda: win.thumbs.loader.idle and win.camera.state == "live", 600)
    pump(app, 2.0)
    marks: dict[str, dict[str, float]] = {}
    pending: list[float] = []
    c = win.controller
    win.flow.requests.capture.connect(lambda _v: pending.append(time.perf_counter()))
    c.photo_saved.connect(lambda ph: marks.setdefault(ph.id, {}).update(shutter=pending.pop(0), saved=time.perf_counter()))
    c.photo_embedded.connect(lambda pid, _v: marks.setdefault(pid, {}).update(embedded=time.perf_counter()))
    win.map.layout_applied.connect(
        lambda res, change, at: [marks.setdefault(p.id, {}).update(laid_out=at) for p in change.added])
    win.map_pane.view.point_shown.connect(lambda pid, t: marks.setdefault(pid, {}).update(shown=t))
    QTest.keyClick(win, Qt.Key.Key_Space)
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert wait(app, lambda: win.flow.stage is Stage.PREVIEW, 10)
    pump(app, 1.0)
    win.lag_probe.reset()
    for _ in range(shots):
        QTest.keyClick(win, Qt.Key.Key_Space)
        assert wait(app, lambda: win.flow.stage is Stage.REVIEW, 20)
        pid = win.flow.visit.under_review
        assert wait(app, lambda: "shown" in marks.get(pid, {}), 30), "photo never shown"
        QTest.keyClick(win, Qt.Key.Key_Return)
        pump(app, 0.5)
    lag = win.lag_probe.stats()
    probe = win.map.probe.stats
    win.close()
    done = [m for m in marks.values() if {"shutter", "saved", "embedded", "laid_out", "shown"} <= m.keys()]
    return {
        "restored_s": restored,
        "total": [m["shown"] - m["shutter"] for m in done],
        "saved": [m["saved"] - m["shutter"] for m in done],
        "embedded": [m["embedded"] - m["saved"] for m in done],
        "laid_out": [m["laid_out"] - m["embedded"] for m in done],
        "shown": [m["shown"] - m["laid_out"] for m in done],
        "lag": lag, "probe_interval": probe.interval_s, "probe_latency": probe.latency_s,
    }


def layout_alone(n: int, repeats: int, refit: bool) -> dict:
    """LayoutWorker round trip for one new photo on an n-photo map, and one UMAP refit."""
    import threading

    from piday_desktop.projection import LayoutModel, LayoutWorker

    x = clustered(n + repeats, 512, seed=7)
    ids = [f"p{i}" for i in range(n + repeats)]
    model = LayoutModel()
    model.update(ids[:n], x[:n])
    got = threading.Event()
    worker = LayoutWorker(lambda r: got.set(), model=model, refit=False)
    times = []
    for k in range(repeats):
        got.clear()
        t = time.perf_counter()
        worker.request(ids[: n + k + 1], x[: n + k + 1])
        got.wait(60)
        times.append(time.perf_counter() - t)
    worker.close()
    out = {"place": times}
    if refit:
        t = time.perf_counter()
        model.refit_now()  # first UMAP fit (from PCA)
        out["first_fit"] = time.perf_counter() - t
        model.update(ids, x)
        t = time.perf_counter()
        model.refit_now()  # a warm refit after new photos
        out["refit"] = time.perf_counter() - t
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    ap.add_argument("--shots", type=int, default=20)
    ap.add_argument("--refit-max", type=int, default=20000, help="largest size to time a UMAP refit at")
    ap.add_argument("--engine", choices=("process", "thread"), default="process",
                    help="process: the model in a process of its own, as the station runs it; thread: the "
                    "engine in the window's process (as before issue 11's item 13)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="piday-map-bench-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())
    from PySide6.QtWidgets import QApplication

    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model
    from piday_desktop.projection import warm_up

    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(f"cores: {os.cpu_count()}, model {MODEL} on CPU ({args.engine}), Qt platform {app.platformName()}")
    warm_up().ready.wait(300)
    if args.engine == "process":  # as the station runs it (workers/engine_starter.py)
        from piday_desktop.embedding.engine_process import EngineProcess
        from piday_desktop.workers.engine_starter import STATION_CPU_BATCH

        shared = EngineProcess(MODEL, "cpu", cpu_batch=STATION_CPU_BATCH)
        shared.wait_ready(600)
    else:
        model = load_model(ModelSpec.parse(MODEL), device="cpu")
    from piday_desktop.core.heap import settle

    settle()  # as the station's engine starter does once the model is loaded
    for n in args.sizes:
        engine = shared if args.engine == "process" else EmbeddingEngine(model)
        store = seed_event(tmp / f"data{n}", n, engine)
        r = shutter_to_map(app, store, engine, args.shots)
        store.close()
        print(f"\n{n} photos (map restored and drawn in {r['restored_s']:.1f} s):")
        print(f"  shutter -> on the map  {summary(r['total'])}   ({len(r['total'])} shots)")
        print("    each (ms):", " ".join(f"{v * 1000:.0f}" for v in r["total"]))
        for step in ("saved", "embedded", "laid_out", "shown"):
            print(f"    {step:<10} {summary(r[step])}")
        lag = r["lag"]
        print(f"  UI event-loop lag during the shots: median {lag['median_ms']:.1f} ms, p99 {lag['p99_ms']:.1f} ms, max {lag['max_ms']:.1f} ms")
        print(f"  live probe: every {r['probe_interval']:.2f} s, {r['probe_latency'] * 1000:.0f} ms per frame")
        lay = layout_alone(n, 20, refit=n <= args.refit_max)
        print(f"  layout alone (one new photo, worker round trip) {summary(lay['place'])}")
        if "refit" in lay:
            print(f"  UMAP first fit {lay['first_fit']:.1f} s, warm refit {lay['refit']:.1f} s (background)")
    if args.engine == "process":
        shared.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
