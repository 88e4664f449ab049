"""The map alone, full screen, for a second monitor facing the queue.

A second view of the same live map (same photos, search and selection as the station's pane),
with larger type. It opens on the second screen when there is one, else full screen over the
station (F2 or Esc toggles it back).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..projection.map_controller import MapController
from .map_pane import MapPane
from .map_thumbs import Post, ThumbnailCache


class MapWindow(QWidget):
    closed = Signal()

    def __init__(self, controller: MapController, thumbs: ThumbnailCache, post: Post, title: str = "piday map") -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setStyleSheet("QWidget { background: #14161d; color: #f2f2f2; }"
                           "QPushButton { background: #3a3f4b; border-radius: 8px; padding: 6px 14px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pane = MapPane(controller, thumbs, post, self, scale=1.5, full_screen_button=False)
        layout.addWidget(self.pane)

    def show_on_best_screen(self) -> None:
        """Full screen on the second monitor if there is one, else on the current one."""
        screens = QGuiApplication.screens()
        primary = QGuiApplication.primaryScreen()
        others = [s for s in screens if s is not primary]
        screen = others[0] if others else primary
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        self.showFullScreen()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F2):
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.pane.detach()
        self.closed.emit()
        super().closeEvent(event)
