"""The kiosk lock: with a PIN set, Settings, quitting and leaving full screen ask for it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from piday_desktop.core.config import StationConfig, load_config
from piday_desktop.core.store import EventStore
from piday_desktop.station.kiosk import InvalidPin, hash_pin, pin_matches
from piday_desktop.ui.main_window import StationWindow
from piday_desktop.ui.pin_prompt import PinDialog


def test_only_a_hash_is_kept_and_only_the_right_pin_matches():
    stored = hash_pin("2468")
    assert "2468" not in stored and pin_matches("2468", stored)
    assert not pin_matches("2469", stored) and not pin_matches("", stored)
    assert hash_pin("2468") != stored  # salted
    assert pin_matches("anything", "")  # no PIN: never locked
    with pytest.raises(InvalidPin):
        hash_pin("12")
    assert StationConfig(kiosk_pin="garbage").validated().kiosk_pin == ""  # a damaged hash never locks for good


def answer_pin(qtbot, *typed: str, cancel: bool = False) -> list[str]:
    """Type each PIN into the prompt when it appears (a wrong one first, then the right one)."""
    errors: list[str] = []
    answers = list(typed)

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PinDialog):
            QTimer.singleShot(10, step)
            return
        if not answers:
            dialog.reject()
            return
        dialog.pin.setText(answers.pop(0))
        dialog._check()
        errors.append("unlocked" if dialog.result() == PinDialog.DialogCode.Accepted else dialog.error.text())
        if answers or (cancel and dialog.isVisible()):
            QTimer.singleShot(0, step)
    QTimer.singleShot(0, step)
    return errors


def test_a_locked_station_asks_before_settings_quitting_and_leaving_full_screen(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    from piday_desktop.ui.settings_dialog import SettingsDialog

    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", kiosk_pin=hash_pin("2468")), map_refit=False)
    qtbot.addWidget(win)
    win.show()
    opened: list[bool] = []
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: opened.append(True) or 0)

    errors = answer_pin(qtbot, "1111", cancel=True)
    win.open_settings()
    assert errors == ["Wrong PIN"] and opened == []  # wrong, then cancelled: no Settings
    errors = answer_pin(qtbot, "1111", "2468")
    win.open_settings()
    assert errors == ["Wrong PIN", "unlocked"] and opened == [True]

    win.showFullScreen()
    qtbot.waitUntil(win.isFullScreen, timeout=5_000)
    answer_pin(qtbot)  # cancel the prompt
    win.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier))
    assert win.isFullScreen()

    answer_pin(qtbot)  # a visitor clicks the window's close button: asked, cancelled, still open
    attempt = SpontaneousClose()
    win.closeEvent(attempt)
    assert attempt.ignored and win.isVisible()
    win.close()
    store.close()


class SpontaneousClose:
    """A close event as the window manager sends it (``spontaneous()`` is True)."""

    def __init__(self) -> None:
        self.ignored = False

    def spontaneous(self) -> bool:
        return True

    def ignore(self) -> None:
        self.ignored = True


def test_settings_set_change_and_remove_the_pin(qtbot, tmp_path, monkeypatch):
    from piday_desktop.ui.settings_dialog import SettingsDialog

    monkeypatch.setenv("PIDAY_CONFIG_DIR", str(tmp_path / "config"))
    dialog = SettingsDialog(StationConfig(event="ev"), [])
    qtbot.addWidget(dialog)
    dialog.no_pin.setChecked(False)
    dialog.pin.setText("12")
    dialog._accept()
    assert "4 to 8 digits" in dialog.error.text() and dialog.result() == 0
    dialog.pin.setText("13579")
    dialog._accept()
    stored = dialog.config().kiosk_pin
    assert dialog.result() == 1 and pin_matches("13579", stored) and "13579" not in stored

    again = SettingsDialog(StationConfig(event="ev", kiosk_pin=stored), [])
    qtbot.addWidget(again)
    assert again.config().kiosk_pin == stored  # left empty: the PIN stays
    again.no_pin.setChecked(True)
    assert again.config().kiosk_pin == ""
    assert load_config()[0].kiosk_pin == ""  # nothing was saved by the dialog itself
