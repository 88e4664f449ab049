"""Driving the real station window as a volunteer does: open it on a live camera, run a visit.

Shared by the map and station-day tests so a change to the visitor flow's keys is made once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from piday_desktop.capture import TestPatternSource
from piday_desktop.core.config import StationConfig
from piday_desktop.station.visitor_flow import Stage
from piday_desktop.ui.main_window import StationWindow


def open_window(qtbot, store, shots: int = 3, size: tuple[int, int] = (1280, 800), open_printer=None,
                **config) -> StationWindow:
    """The real station window on a test-pattern camera, live, with no key debounce (``config``:
    more StationConfig fields; ``open_printer``: the souvenir cards' printer lookup)."""
    settings = StationConfig(event="ev", countdown_s=0.1, shots_per_visitor=shots, key_debounce_s=0, **config)
    win = StationWindow(store, settings, map_refit=False, open_printer=open_printer)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    win.camera.start(TestPatternSource((640, 480), fps=30))
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    return win


def visit(qtbot, win, shots: int, leave: bool = True, nickname: str = "") -> None:
    """A visitor: consent, ``shots`` photos kept, finish (``leave``: and Enter for the next visitor)."""
    qtbot.keyClick(win, Qt.Key.Key_Space)
    if nickname:
        qtbot.keyClicks(win.consent_page.nickname, nickname)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code is not None, timeout=5_000)
    for _ in range(shots):
        qtbot.keyClick(win, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
        qtbot.keyClick(win, Qt.Key.Key_Return)
    if win.flow.stage is Stage.PREVIEW:  # fewer shots than the station asks for: finish now
        qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    if leave:
        qtbot.keyClick(win, Qt.Key.Key_Return)  # next visitor
