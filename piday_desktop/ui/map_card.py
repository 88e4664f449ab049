"""The card a click opens: the photo large, its participant code, and "you look most like ...".

Shows the map's :class:`Selection` (computed by the model from the whole event). The photo is
first shown from its map thumbnail, then replaced by a sharper decode from a background thread.
Clicking a look-alike selects it, so a visitor can walk from face to face.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ..projection.live_map import Selection
from .i18n import translate
from .map_items import participant_colour
from .map_thumbs import Post, Thumbnail, ThumbnailCache, ThumbnailLoader

CARD_PHOTO = 300


class MapCard(QFrame):
    """Overlay card; ``select_requested(photo_id or None)`` when a look-alike or × is clicked."""

    select_requested = Signal(object)

    def __init__(self, thumbs: ThumbnailCache, post: Post, parent: QWidget | None = None, scale: float = 1.0) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        self._scale = scale
        self._selection: Selection | None = None
        self._sharp = ThumbnailLoader(post, self._sharp_done)
        self.setObjectName("mapCard")
        self.setStyleSheet(
            "#mapCard { background: rgba(16, 18, 28, 235); border: 1px solid rgba(255,255,255,60);"
            " border-radius: 16px; }"
            "QLabel { background: transparent; color: #f2f2f2; }"
            "QToolButton { background: transparent; border: none; color: #f2f2f2; }"
            "QToolButton:hover { background: rgba(255,255,255,30); border-radius: 8px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(int(14 * scale), int(10 * scale), int(14 * scale), int(14 * scale))
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet(f"font-size: {int(20 * scale)}px; font-weight: bold;")
        top.addWidget(self.title, stretch=1)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setStyleSheet(f"font-size: {int(24 * scale)}px;")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.setMinimumSize(48, 48)  # a finger's width (pages.TOUCH_PX)
        self.close_button.clicked.connect(lambda: self.select_requested.emit(None))
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.photo = QLabel()
        side = int(CARD_PHOTO * scale)
        self.photo.setFixedSize(side, side)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.photo, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.caption = QLabel(translate("MapCard", "You look most like…"))
        self.caption.setStyleSheet(f"font-size: {int(15 * scale)}px; color: #c8cce0; margin-top: 6px;")
        layout.addWidget(self.caption)
        self.grid = QGridLayout()
        self.grid.setSpacing(int(4 * scale))
        layout.addLayout(self.grid)
        self.buttons: list[QToolButton] = []
        self.hide()

    @property
    def selection(self) -> Selection | None:
        return self._selection

    def show_selection(self, sel: Selection | None) -> None:
        self._selection = sel
        if sel is None:
            self.hide()
            return
        colour = participant_colour(sel.participant_code).name()
        self.title.setText(f"<span style='color:{colour}'>●</span> " + translate("MapCard", "{code} · photo {shot}").format(
            code=sel.participant_code, shot=sel.shot))
        self._set_photo(sel.id)
        self._sharp.request(sel.id, sel.path, int(CARD_PHOTO * self._scale))
        for b in self.buttons:
            self.grid.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        per_row = 5
        thumb = int(52 * self._scale)
        for k, nb in enumerate(sel.neighbours):
            b = QToolButton()
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            b.setIconSize(QSize(thumb, thumb))
            cached = self.thumbs.get(nb.id)
            if cached is not None:
                b.setIcon(QIcon(cached[0]))
            else:
                b.setIcon(QIcon(self._swatch(nb.participant_code, thumb)))
            b.setText(f"{nb.participant_code}\n{max(0.0, nb.score) * 100:.0f}%")
            b.setStyleSheet(f"font-size: {int(11 * self._scale)}px;")
            b.setToolTip(translate("MapCard", "{code}, photo {shot}: cosine similarity {score}").format(
                code=nb.participant_code, shot=nb.shot, score=f"{nb.score:.3f}"))
            b.clicked.connect(lambda _=False, i=nb.id: self.select_requested.emit(i))
            b.photo_id = nb.id
            self.grid.addWidget(b, k // per_row, k % per_row)
            self.buttons.append(b)
        self.caption.setVisible(bool(sel.neighbours))
        self.adjustSize()
        self.show()
        self.raise_()

    @staticmethod
    def _swatch(code: str, side: int) -> QPixmap:
        pm = QPixmap(side, side)
        pm.fill(QColor(participant_colour(code)).darker(150))
        return pm

    def _set_photo(self, photo_id: str) -> None:
        side = self.photo.width()
        cached = self.thumbs.get(photo_id)
        if cached is not None:
            self.photo.setPixmap(cached[0].scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))
        else:
            self.photo.setPixmap(self._swatch(self._selection.participant_code, side))

    def _sharp_done(self, photo_id: str, thumb: Thumbnail | None) -> None:
        if thumb is None or self._selection is None or self._selection.id != photo_id:
            return
        side = self.photo.width()
        self.photo.setPixmap(QPixmap.fromImage(thumb.image).scaled(
            side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def close_loader(self) -> None:
        self._sharp.close()
