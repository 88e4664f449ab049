"""A demo event of cartoon visitors, and screenshots of the live map (for docs/screenshots/).

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/map_demo.py --out docs/screenshots

Builds an event of ``--participants`` visitors x ``--shots`` photos (bench/faces.py), embeds them
with ``--model`` (default ViT-B-32 with random weights: the real architecture, no download), lays
the map out as the station would have stored it (quick placement + UMAP refit), then opens the
real station window on it and saves:

* ``map-station.png``: the station window mid-visit (test-pattern camera, live marker);
* ``map-fullscreen.png``: the full-screen map window with a photo's look-alikes open;
* ``map-search.png``: the same after a search for a participant code.

With random weights the cluster names are arbitrary (there is no meaning to find); the groups
and the look-alikes are real (pixel similarity survives random weights).
"""

from __future__ import annotations

import argparse
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


def build_demo_event(root: Path, participants: int, shots: int, model: str, event: str = "demo"):
    """Store, embed and lay out a demo event; returns (store, engine)."""
    from piday_desktop.core.store import Consent, EventStore
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model
    from piday_desktop.projection import LayoutModel
    from piday_desktop.projection.map_controller import scale_key

    store = EventStore.open(root, event)
    engine = EmbeddingEngine(load_model(ModelSpec.parse(model), device="cpu"))
    photos = []
    for p in range(participants):
        participant = store.create_participant(consent=Consent(True, True, True))
        for s in range(shots):
            buf = io.BytesIO()
            face(p, s).save(buf, "JPEG", quality=90)
            data = buf.getvalue()
            import hashlib

            photos.append(store.add_photo(participant, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG",
                                          width=640, height=480))
        store.set_participant_state(participant.code, "finished")
    futures = [engine.submit(store.photo_path(ph)) for ph in photos]
    vectors = np.stack([f.result() for f in futures])
    store.put_embeddings(zip([ph.id for ph in photos], vectors), model_id=engine.model_id, device=engine.device)
    stored, matrix, _ = store.vectors(engine.model_id)
    model_ = LayoutModel()
    # Grow the map as the station would: photo by photo, refitting when due.
    ids = [ph.id for ph in stored]
    step = max(1, len(ids) // 20)
    for n in range(step, len(ids) + step, step):
        model_.update(ids[:n], matrix[:n])
        if model_.refit_due():
            model_.refit_now()
    layout = model_.refit_now()
    store.set_layout(engine.model_id, [(i, x, y) for i, (x, y) in zip(layout.ids, layout.positions)])
    store.set_meta(scale_key(engine.model_id), repr(layout.umap_scale))
    return store, engine


def wait(app, predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    return predicate()


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=40)
    ap.add_argument("--shots", type=int, default=5)
    ap.add_argument("--model", default="ViT-B-32:none")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="piday-map-demo-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())
    from piday_desktop.projection import warm_up

    warm_up().ready.wait(300)
    t0 = time.perf_counter()
    store, engine = build_demo_event(tmp / "data", args.participants, args.shots, args.model)
    print(f"demo event: {args.participants * args.shots} photos embedded and laid out in {time.perf_counter() - t0:.0f} s")

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.main_window import StationWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = StationWindow(store, StationConfig(event="demo", countdown_s=3.0, shots_per_visitor=3, key_debounce_s=0))
    win.resize(1500, 860)
    win.show()
    win.camera.start(TestPatternSource((1280, 720), fps=30))
    assert wait(app, lambda: len(win.map.map) == args.participants * args.shots)
    win.attach_engine(engine)
    view = win.map_pane.view
    assert wait(app, lambda: win.thumbs.loader.idle and len(win.thumbs) == len(win.map.map), 120)
    assert wait(app, lambda: bool(win.map.map.clusters), 120), "no cluster names"
    # A visitor in the preview: the live marker shows where they would land.
    QTest.keyClick(win, Qt.Key.Key_Space)
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert wait(app, lambda: win.flow.stage is Stage.PREVIEW and view.marker_visible, 60), "no live marker"
    settle(app, 1.5)
    args.out.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(args.out / "map-station.png"))

    win.toggle_map_window()
    mw = win.map_window
    mw.showNormal()
    mw.resize(1600, 1000)
    settle(app, 1.5)
    pane = mw.pane
    # Click the photo nearest the middle of the biggest group.
    biggest = max(win.map.map.clusters, key=lambda c: len(c.ids))
    item = pane.view.items_[biggest.ids[len(biggest.ids) // 2]]
    QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=pane.view.mapFromScene(item.pos()))
    assert wait(app, lambda: pane.card.isVisible())
    settle(app, 1.5)
    mw.grab().save(str(args.out / "map-fullscreen.png"))
    win.map.map.select(None)
    win.map.search("P-007")
    settle(app, 1.0)
    mw.grab().save(str(args.out / "map-search.png"))
    print(f"wrote {args.out}/map-station.png, map-fullscreen.png, map-search.png")
    mw.close()
    win.close()
    engine.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
