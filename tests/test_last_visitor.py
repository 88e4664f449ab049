"""The start page's "our last visitor" photo: opt-in, only with public photo consent, gone once
the consent is narrowed (or the visitor forgotten)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from piday_desktop.atlas.erase import change_consent
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.station.visitor_flow import Stage
from station_drive import open_window


def visit_with(qtbot, win, *, photo: bool) -> None:
    qtbot.keyClick(win, Qt.Key.Key_Space)
    page = win.consent_page
    page.local.setChecked(True)
    page.map.setChecked(photo)
    page.photo.setChecked(photo)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code is not None, timeout=5_000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.IDLE, timeout=5_000)


def test_the_last_visitor_is_shown_only_with_public_photo_consent_and_goes_when_it_is_taken_back(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=1, show_last_visitor=True)
    shown = win.last_visitor

    visit_with(qtbot, win, photo=True)
    qtbot.waitUntil(lambda: shown.box.isVisible(), timeout=5_000)
    assert shown.caption.text() == "Our last visitor, P-001" and not shown.picture.pixmap().isNull()

    visit_with(qtbot, win, photo=False)  # keeps their photos here only: the start page shows nobody
    qtbot.waitUntil(lambda: not shown.box.isVisible(), timeout=5_000)

    visit_with(qtbot, win, photo=True)
    qtbot.waitUntil(lambda: shown.code == "P-003", timeout=5_000)
    change_consent(store, "P-003", Consent(local=True))  # P-003 changes their mind at the stand
    win.flow.start()
    win.flow.cancel()  # the start page comes back: checked again
    qtbot.waitUntil(lambda: not shown.box.isVisible(), timeout=5_000)
    win.close()
    store.close()


def test_off_by_default(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=1)
    visit_with(qtbot, win, photo=True)
    win.controller.wait_idle()
    assert win.last_visitor.code is None and not win.last_visitor.box.isVisible()
    win.close()
    store.close()
