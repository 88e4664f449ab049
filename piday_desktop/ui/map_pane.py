"""The map pane: the live map with its search box, its hint line and the photo card.

Used twice: beside the preview in the station window, and filling the full-screen map window on
a second monitor (``scale`` enlarges the type). Both panes show the same :class:`LiveMap`, so a
search or a click on one shows on the other.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..projection.live_map import Highlight
from ..projection.map_controller import MapController
from .i18n import plural, translate
from .map_card import MapCard
from .map_thumbs import Post, ThumbnailCache
from .map_view import MapView
from .pages import TOUCH_PX

SEARCH_DELAY_MS = 350


class SearchBox(QLineEdit):
    """Esc clears the search; Enter and Esc hand the keyboard back to the station (``finished``)."""

    finished = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.finished.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finished.emit()
            return
        super().keyPressEvent(event)


class MapPane(QWidget):
    """Search box + hint line above the map view; the card floats over the view's right side.

    ``full_screen_requested`` when the Full screen button is pressed; ``search_finished`` when the search
    box hands the keyboard back.
    """

    full_screen_requested = Signal()
    search_finished = Signal()

    def __init__(self, controller: MapController, thumbs: ThumbnailCache, post: Post,
                 parent: QWidget | None = None, *, scale: float = 1.0, full_screen_button: bool = True) -> None:
        super().__init__(parent)
        self.controller = controller
        self.live = controller.map
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(int(10 * scale), int(8 * scale), int(10 * scale), int(4 * scale))
        self.search = SearchBox()
        self.search.setPlaceholderText(translate("MapPane", "Search: glasses, a red hat, P-017"))  # whole at 1366 px wide
        self.search.setClearButtonEnabled(True)
        self.search.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.search.setStyleSheet(
            f"QLineEdit {{ background: #262a36; border: 1px solid #454b5e; border-radius: {int(15 * scale)}px;"
            f" padding: {int(5 * scale)}px {int(12 * scale)}px; font-size: {int(15 * scale)}px; color: #f2f2f2; }}"
        )
        bar.addWidget(self.search, stretch=1)
        self.whole = QPushButton(translate("MapPane", "Whole map"))
        self.whole.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.whole.setToolTip(translate("MapPane", "Show the whole map again (double-click empty space does the same)"))
        bar.addWidget(self.whole)
        self.full = QPushButton(translate("MapPane", "Full screen"))
        self.full.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.full.setToolTip(translate("MapPane", "Open the map full screen, on a second monitor if there is one (F2)"))
        self.full.setVisible(full_screen_button)
        bar.addWidget(self.full)
        for target in (self.search, self.whole, self.full):  # fingers on a touch screen
            target.setMinimumHeight(int(TOUCH_PX * scale))
        layout.addLayout(bar)
        self.hint = QLabel("")
        self.hint.setStyleSheet(f"color: #c8cce0; font-size: {int(13 * scale)}px; padding: 0 {int(14 * scale)}px;")
        layout.addWidget(self.hint)
        self.view = MapView(self.live, thumbs, post, self)
        layout.addWidget(self.view, stretch=1)
        self.card = MapCard(thumbs, post, self, scale=scale)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(lambda: controller.search(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.finished.connect(self._search_now)
        self.whole.clicked.connect(self.view.follow)
        self.full.clicked.connect(self.full_screen_requested.emit)
        self.card.select_requested.connect(self.live.select)
        self._connections = [
            (self.live.selection_changed, self._selection),
            (self.live.highlight_changed, self._highlight),
            (controller.search_state, self._search_state),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        self._selection(self.live.selection)

    def start_over(self) -> None:
        """A new visitor starts on the whole map: no card, no search, no zoom left by the last one."""
        self._debounce.stop()
        if self.search.text():
            self.search.clear()
            self._debounce.stop()  # clear() restarted it
        if self.live.highlight is not None:
            self.controller.search("")
        self.view.follow()  # closes the card (selection) and frames the whole map

    def _search_now(self) -> None:
        self._debounce.stop()
        self.controller.search(self.search.text())
        self.search_finished.emit()

    def _selection(self, sel) -> None:
        self.card.show_selection(sel)
        self._place_card()
        self.view.reserved_right = self.card.width() + 24 if sel is not None else 0
        if sel is not None:
            self.view.fit()  # frame the photo and its look-alikes beside the card

    def _highlight(self, hl: Highlight | None) -> None:
        if hl is None:
            self.hint.setText("")
            return
        n = len(hl.ranked)
        if hl.kind == "participant":
            self.hint.setText(plural(n, translate("MapPane", "{query}: {n} photo"), translate("MapPane", "{query}: {n} photos"),
                                     query=hl.query) if n
                              else translate("MapPane", "No photos of {query} yet").format(query=hl.query))
        elif hl.kind == "cluster":
            self.hint.setText(plural(n, translate("MapPane", "The “{query}” group: {n} photo"),
                                     translate("MapPane", "The “{query}” group: {n} photos"), query=hl.query))
        else:
            self.hint.setText(plural(n, translate("MapPane", "The best match for “{query}”"),
                                     translate("MapPane", "The {n} best matches for “{query}”"), query=hl.query)
                              if n else translate("MapPane", "Nothing on the map yet"))

    def _search_state(self, text: str, state: str) -> None:
        if state == "searching":
            self.hint.setText(translate("MapPane", "Looking for “{text}”…").format(text=text))
        elif state == "no model":
            self.hint.setText(translate("MapPane", "Word search starts once the model has loaded; participant codes work now"))

    def _place_card(self) -> None:
        if not self.card.isVisible():
            return
        self.card.adjustSize()
        geo = self.view.geometry()
        margin = 12
        self.card.move(QPoint(geo.right() - self.card.width() - margin, geo.top() + margin))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_card()

    def detach(self) -> None:
        """Stop listening to the model and the controller (before the pane goes away)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self.view.detach()
        self.card.close_loader()
