"""When the station cannot open its event (a damaged or too-new database): say so in a window.

A volunteer starts piday from the bundle's icon, so a message in a terminal would never be
seen: the station would just not appear. This dialog shows the whole reason (what happened,
that nothing was changed, how to restore), and offers to carry on with another event so the
stand keeps working while someone restores the damaged one.
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from ..core.paths import InvalidEventName, validate_event_name
from .i18n import translate


def ask_what_to_do(event: str, reason: str, parent: QWidget | None = None) -> str | None:
    """The event to open instead (the volunteer's choice), or None to quit."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(translate("DamagedEvent", "piday cannot open the event"))
    box.setText(translate("DamagedEvent", "The event \u201c{event}\u201d cannot be opened.").format(event=event))
    box.setInformativeText(reason)
    other = box.addButton(translate("DamagedEvent", "Use another event…"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(translate("DamagedEvent", "Quit"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not other:
        return None
    name, ok = QInputDialog.getText(parent, translate("DamagedEvent", "Another event"),
                                    translate("DamagedEvent", "Name of the event to use today (e.g. pi-day-2026-b):"),
                                    QLineEdit.EchoMode.Normal, f"{event}-b")
    while ok:
        try:
            return validate_event_name(name.strip())
        except InvalidEventName as exc:
            name, ok = QInputDialog.getText(parent, translate("DamagedEvent", "Another event"), str(exc),
                                        QLineEdit.EchoMode.Normal, name)
    return None
