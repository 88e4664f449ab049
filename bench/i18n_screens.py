"""Screenshots of the station in each shipped language at 1366x768 (issue 17, translations).

    xvfb-run -a -s "-screen 0 1366x768x24" python bench/i18n_screens.py --out docs/screenshots

A small demo event (bench/faces.py visitors, the tiny random-weights model), then for English,
German, French and Spanish the real station window as `piday` opens it with that language
installed (`ui/i18n.install_language`, what `language = "de"` in the config does), driven with
the keyboard: saves station-consent-<lang>.png (the consent page, its default text translated)
and station-done-<lang>.png (the thank-you page with the souvenir card), and prints any widget
that does not fit the window.
"""

from __future__ import annotations

import argparse
import faulthandler
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
    ap.add_argument("--languages", default="en,de,fr,es")
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = ap.parse_args()
    faulthandler.dump_traceback_later(600, exit=True)  # a hang says where, and ends
    tmp = Path(tempfile.mkdtemp(prefix="piday-i18n-screens-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())
    store, engine = build_demo_event(tmp / "data", args.participants, args.shots, "piday-tiny:none", event="expo")

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.i18n import install_language
    from piday_desktop.ui.main_window import StationWindow
    from piday_desktop.ui.screen_fit import show_fitted, widgets_outside

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for language in args.languages.split(","):
        assert install_language(language) == language
        win = StationWindow(store, StationConfig(event="expo", countdown_s=0.5, shots_per_visitor=1, key_debounce_s=0,
                                                 language=language), map_refit=False)
        show_fitted(win)
        win.camera.start(TestPatternSource((1280, 720), fps=30))
        assert wait(app, lambda: win.camera.state == "live", 10)
        assert wait(app, lambda: len(win.map.map) >= args.participants * args.shots, 60)
        win.attach_engine(engine)
        assert wait(app, lambda: win.thumbs.loader.idle and len(win.thumbs) == len(win.map.map), 120)
        wait(app, lambda: bool(win.map.map.clusters), 60)  # group names on the map and the card

        def shot(name: str) -> None:
            settle(app, 0.8)
            win.grab().save(str(out / f"station-{name}-{language}.png"))
            print(f"station-{name}-{language}.png  window {win.width()}x{win.height()}  "
                  f"outside: {widgets_outside(win) or 'none'}")
        QTest.keyClick(win, Qt.Key.Key_Space)
        QTest.keyClicks(win.consent_page.nickname, "Ada")
        shot("consent")
        QTest.keyClick(win, Qt.Key.Key_Return)
        assert wait(app, lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, 10)
        QTest.keyClick(win, Qt.Key.Key_Space)
        assert wait(app, lambda: win.flow.stage is Stage.REVIEW, 10)
        QTest.keyClick(win, Qt.Key.Key_Return)  # keep: the last photo, so the visit is done
        assert wait(app, lambda: win.flow.stage is Stage.DONE, 10)
        assert wait(app, lambda: win.done_page.card.has_card and "…" not in win.done_page.card_status.text(), 30)
        made = lambda: win.souvenirs.current.made if win.souvenirs.current else None  # noqa: E731
        wait(app, lambda: made() is not None and bool(made().card.dots), 20)  # the visitor's dots drawn
        shot("done")
        QTest.keyClick(win, Qt.Key.Key_Return)
        win.controller.engine = None  # the next language's window uses the same engine: not closed with this one
        win.close()
        settle(app, 0.2)
    install_language("en")
    engine.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
