"""Asking for the kiosk PIN (station/kiosk.py) before a guarded action."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..station.kiosk import pin_matches
from .i18n import translate


def prompt(action: str) -> str:
    """The sentence asking for the PIN before ``action`` ("open Settings", "quit piday", "leave full screen")."""
    sentences = {
        "open Settings": translate("PinPrompt", "Enter the station's PIN to open Settings."),
        "quit piday": translate("PinPrompt", "Enter the station's PIN to quit piday."),
        "leave full screen": translate("PinPrompt", "Enter the station's PIN to leave full screen."),
    }
    return sentences.get(action) or translate("PinPrompt", "Enter the station's PIN.")


class PinDialog(QDialog):
    """The PIN prompt; accepted only with the right PIN (a wrong one says so and clears)."""

    def __init__(self, stored: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("PinPrompt", "Station locked"))
        self._stored = stored
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setPlaceholderText(translate("PinPrompt", "PIN"))
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ff6b6b")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt(action)))
        layout.addWidget(self.pin)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if pin_matches(self.pin.text(), self._stored):
            self.accept()
        else:
            self.error.setText(translate("PinPrompt", "Wrong PIN"))
            self.pin.clear()


def unlocked(parent: QWidget, stored: str, action: str) -> bool:
    """True when there is no PIN, or the volunteer typed it."""
    if not stored:
        return True
    return PinDialog(stored, action, parent).exec() == QDialog.DialogCode.Accepted
