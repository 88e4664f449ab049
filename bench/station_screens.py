"""Screenshots of every station page at 1366x768, the most common laptop screen (issue 11).

    xvfb-run -a -s "-screen 0 1366x768x24" python bench/station_screens.py --out docs/screenshots

A small demo event (bench/faces.py visitors, the tiny random-weights model) and the real
station window fitted to the screen as `piday` opens it, driven with the keyboard; saves
station-<page>.png for idle, consent, countdown, review, done, failsafe, no camera, model
missing and the settings dialog.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map_demo import build_demo_event, settle, wait  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=14)
    ap.add_argument("--shots", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="piday-station-screens-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())
    store, engine = build_demo_event(tmp / "data", args.participants, args.shots, "piday-tiny:none", event="expo")

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.main_window import StationWindow
    from piday_desktop.ui.screen_fit import show_fitted, widgets_outside
    from piday_desktop.ui.settings_dialog import SettingsDialog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = StationWindow(store, StationConfig(event="expo", countdown_s=3.0, shots_per_visitor=3, key_debounce_s=0),
                        map_refit=False)
    show_fitted(win)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    def shot(name: str, widget=None) -> None:
        settle(app, 0.8)
        outside = widgets_outside(win)
        (widget or win).grab().save(str(out / f"station-{name}.png"))
        print(f"station-{name}.png  window {win.width()}x{win.height()}  outside: {outside or 'none'}")

    win.camera.start(str(tmp / "no-such-camera.mp4"))
    assert wait(app, lambda: win.camera.state == "failed", 10)
    QTest.keyClick(win, Qt.Key.Key_Space)  # refused: no picture
    win.engine_failed("ViT-B-32:laion2b_s34b_b79k is not on this laptop (no network to fetch it)")
    shot("idle-problems")
    win.camera.start(TestPatternSource((1280, 720), fps=30))
    assert wait(app, lambda: win.camera.state == "live", 10)
    assert wait(app, lambda: len(win.map.map) == args.participants * args.shots, 60)
    win.attach_engine(engine)
    assert wait(app, lambda: win.thumbs.loader.idle and len(win.thumbs) == len(win.map.map), 120)
    shot("idle")
    QTest.keyClick(win, Qt.Key.Key_Space)
    QTest.keyClicks(win.consent_page.nickname, "Ada")
    shot("consent")
    QTest.keyClick(win, Qt.Key.Key_Return)
    assert wait(app, lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, 10)
    shot("preview")
    QTest.keyClick(win, Qt.Key.Key_Space)
    settle(app, 0.6)
    shot("countdown")
    assert wait(app, lambda: win.flow.stage is Stage.REVIEW, 10)
    shot("review")
    QTest.keyClick(win, Qt.Key.Key_Return)
    QTest.keyClick(win, Qt.Key.Key_Return)  # finish after one photo
    assert wait(app, lambda: win.flow.stage is Stage.DONE, 10)
    shot("done")
    QTest.keyClick(win, Qt.Key.Key_Return)
    win.flow.start()
    win.flow.give_consent(win.consent_page.consent())
    win.flow.fail("The disk is full: the last photo could not be saved.",
                  "Photos already kept are safe. Free some disk space (or switch to another event on a bigger "
                  "disk), then press Enter.")
    shot("failsafe")
    QTest.keyClick(win, Qt.Key.Key_Return)
    dialog = SettingsDialog(win.config, [("0", "Camera 0 (1280x720)")], win, check=lambda: None,
                            one_off={"event": "expo"}, import_model=lambda: None)
    dialog.show()
    settle(app, 0.8)
    dialog.grab().save(str(out / "station-settings.png"))
    print(f"station-settings.png  {dialog.width()}x{dialog.height()}")
    dialog.close()
    win.close()
    engine.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
