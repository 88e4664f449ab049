"""The station window's first size: fitted to the screen it opens on.

A fixed 1280×800 put the buttons and the status bar below the edge of the most common laptop
screens (1366×768, 1280×720) and sat in a corner of a 1920×1080 one. Small screens get the
whole available area (maximised: the window manager keeps its own bars); larger ones 90 % of
it, centred. F11 still toggles full screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QWidget

#: At or below this the station is maximised: every pixel is needed.
SMALL_SCREEN = (1600, 960)


def fitted_geometry(available: QRect) -> tuple[QRect, bool]:
    """(geometry, maximise) for a screen whose usable area is ``available``."""
    if available.width() <= SMALL_SCREEN[0] or available.height() <= SMALL_SCREEN[1]:
        return QRect(available), True
    w, h = int(available.width() * 0.9), int(available.height() * 0.9)
    return QRect(available.x() + (available.width() - w) // 2, available.y() + (available.height() - h) // 2, w, h), False


def show_fitted(window: QWidget) -> None:
    """Show ``window`` fitted to the screen it is on."""
    screen = window.screen()
    if screen is None:
        window.resize(1280, 720)
        window.show()
        return
    geometry, maximise = fitted_geometry(screen.availableGeometry())
    window.setGeometry(geometry)
    window.showMaximized() if maximise else window.show()


def widgets_outside(window: QWidget) -> list[str]:
    """Visible widgets that reach past the window's edges (what a volunteer could not click)."""
    inside = window.rect()
    out = []
    for child in window.findChildren(QWidget):
        if not child.isVisible() or child.window() is not window:
            continue
        top_left = child.mapTo(window, child.rect().topLeft())
        rect = QRect(top_left, child.size())
        if not inside.contains(rect):
            out.append(f"{type(child).__name__} {child.objectName() or ''} {rect.getRect()}".strip())
    return out


#: What a finger taps: buttons (push, tool, check boxes), text fields, drop-down lists.
TOUCH_TARGETS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def small_targets(window: QWidget, px: int = 48) -> list[str]:
    """Visible touch targets of ``window`` narrower or lower than ``px`` (48 px: about 9 mm)."""
    small = []
    for child in window.findChildren(QWidget):
        if not isinstance(child, TOUCH_TARGETS) or not child.isVisible() or child.window() is not window:
            continue
        if isinstance(child.parentWidget(), TOUCH_TARGETS):
            continue  # a part of a field (a line edit's clear button): the field is the target
        if child.width() < px or child.height() < px:
            label = child.text() if isinstance(child, (QAbstractButton, QLineEdit)) else ""
            small.append(f"{type(child).__name__} {label!r} {child.width()}x{child.height()}")
    return small
