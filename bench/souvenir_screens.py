"""Screenshots of the souvenir card and of the station on a portrait screen (issue 17).

    QT_QPA_PLATFORM=offscreen python bench/souvenir_screens.py --out docs/screenshots

A demo event (bench/faces.py visitors, the tiny random-weights model; a third each kept locally
only, on the public map as a point, and with their photo), then the real station window: one
visit at 1366x768 (the done page with its card) and one at 1080x1920, a totem (preview and done
page). Saves souvenir-card.png (the card as saved in the event, 300 dpi A6), station-done-card.png,
station-portrait-preview.png and station-portrait-done.png, and prints each touch target under
48 px and each widget outside the window (none expected).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map_demo import build_demo_event, settle, wait  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=24)
    ap.add_argument("--shots", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="piday-souvenir-screens-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())
    store, engine = build_demo_event(tmp / "data", args.participants, args.shots, "piday-tiny:none",
                                     event="pi-day-2026")
    from piday_desktop.core.consent import Consent

    for i, p in enumerate(store.participants()):  # a third each: local only, a point, with the photo
        store.set_consent(p.code, [Consent(), Consent(map=True), Consent(map=True, photo=True)][i % 3])

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.main_window import StationWindow
    from piday_desktop.ui.screen_fit import small_targets, widgets_outside

    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = StationConfig(event="pi-day-2026", countdown_s=0.5, shots_per_visitor=2, key_debounce_s=0,
                           map_url="https://example.org/pi-day-2026/map.html")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    def shot(win, name: str) -> None:
        settle(app, 0.8)
        win.grab().save(str(out / f"{name}.png"))
        print(f"{name}.png  window {win.width()}x{win.height()}  small targets: {small_targets(win) or 'none'}"
              f"  outside: {widgets_outside(win) or 'none'}")

    def one_visit(win, name_preview: str | None, name_done: str) -> None:
        QTest.keyClick(win, Qt.Key.Key_Space)
        QTest.keyClick(win, Qt.Key.Key_Return)
        assert wait(app, lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, 10)
        if name_preview:
            shot(win, name_preview)
        for _ in range(2):
            QTest.keyClick(win, Qt.Key.Key_Space)
            assert wait(app, lambda: win.flow.stage is Stage.REVIEW, 10)
            QTest.keyClick(win, Qt.Key.Key_Return)
        assert wait(app, lambda: win.flow.stage is Stage.DONE, 10)
        current = win.souvenirs.current
        assert wait(app, lambda: current.made is not None and current.made.card.on_map and current.saved, 60)
        assert wait(app, lambda: (store.directory / "souvenirs" / f"{current.made.card.file_stem}.png").is_file(), 30)
        shot(win, name_done)

    for size, preview, done in (((1366, 768), None, "station-done-card"),
                                ((1080, 1920), "station-portrait-preview", "station-portrait-done")):
        win = StationWindow(store, config, map_refit=False)
        win.resize(*size)
        win.show()
        win.camera.start(TestPatternSource((1280, 720), fps=30))
        assert wait(app, lambda: win.camera.state == "live", 10)
        if engine is None:  # the first window's close closed the first engine
            from piday_desktop.embedding.engine import EmbeddingEngine
            from piday_desktop.embedding.models import ModelSpec, load_model

            engine = EmbeddingEngine(load_model(ModelSpec.parse("piday-tiny:none"), device="cpu"))
        win.attach_engine(engine)
        assert wait(app, lambda: win.thumbs.loader.idle and len(win.thumbs) == len(win.map.map), 120)
        one_visit(win, preview, done)
        if done == "station-done-card":
            code = win.souvenirs.current.made.card.file_stem
            shutil.copyfile(store.directory / "souvenirs" / f"{code}.png", out / "souvenir-card.png")
            print(f"souvenir-card.png  from {code}.png; files: "
                  f"{sorted(p.name for p in (store.directory / 'souvenirs').iterdir())}")
        QTest.keyClick(win, Qt.Key.Key_Return)
        win.close()
        engine = None
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
