"""What the map draws: photo thumbnails, the "you are here" marker, cluster names, neighbour lines.

Plain ``QGraphicsItem`` subclasses (no QObject per item) so a few thousand photos stay cheap.
Items hold no logic: the view sets their state and the animator moves them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ..core.codes import code_key

#: Side of a thumbnail in scene units (the view scales the map's spread, not the thumbnails).
THUMB = 64.0
FRAME = 4.0
HIGHLIGHT = QColor(255, 214, 10)
MARKER = QColor(255, 80, 110)


def participant_colour(code: str) -> QColor:
    """A stable, distinct colour per participant: hues a golden angle apart by participant number."""
    kind, number, rest = code_key(code)
    seed = number if kind == 0 else sum(map(ord, rest))
    return QColor.fromHsvF((seed * 0.381966) % 1.0, 0.62, 0.98)


def framed_thumbnail(pixmap: QPixmap, frame: QColor) -> QPixmap:
    """A thumbnail in its rounded frame, as one pixmap at the thumbnail's resolution."""
    scale = pixmap.width() / (THUMB - 2 * FRAME)
    side = max(1, round(THUMB * scale))
    out = QPixmap(side, side)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    p.scale(side / THUMB, side / THUMB)
    rect = QRectF(0, 0, THUMB, THUMB)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(frame)
    p.drawRoundedRect(rect, 7.0, 7.0)
    inner = rect.adjusted(FRAME, FRAME, -FRAME, -FRAME)
    clip = QPainterPath()
    clip.addRoundedRect(inner, 5.0, 5.0)
    p.setClipPath(clip)
    p.drawPixmap(inner, pixmap, QRectF(pixmap.rect()))
    p.end()
    return out


class PhotoItem(QGraphicsItem):
    """One photo: a square thumbnail in a frame of its participant's colour.

    Drawn as a plain colour square when smaller than a few pixels on screen (a 20,000-photo map
    zoomed out), so painting the whole map stays fast.
    """

    def __init__(self, photo_id: str, code: str, shot: int, path: str | None) -> None:
        super().__init__()
        self.photo_id, self.code, self.shot, self.path = photo_id, code, shot, path
        self.colour = participant_colour(code)
        self.fill = QColor(self.colour).darker(160)
        self.pixmap: QPixmap | None = None
        self._framed: tuple[int, QPixmap] | None = None  # (frame colour, the framed thumbnail)
        self.newest = False
        self.lit = False  # a search match
        self.selected_ = False
        self.neighbour = False
        self.hovered = False
        self.shown_at: float | None = None  # perf_counter of the first paint (the bench reads it)
        self.on_first_paint = None
        self.setZValue(1.0)
        # No item cache: a camera glide changes the zoom every frame, and a device cache is then
        # painted and blitted each frame (twice the work); a still repaint (the marker's pulse) is
        # over a bounded number of items (see map_view's level of detail).

    def set_thumbnail(self, pixmap: QPixmap, mean: QColor) -> None:
        self.pixmap = pixmap
        self._framed = None
        self.fill = mean
        self.update()

    def restyle(self) -> None:
        z = 1.0
        if self.newest:
            z = 2.0
        if self.lit or self.neighbour:
            z = 3.0
        if self.selected_:
            z = 4.0
        if self.hovered:
            z = 5.0
        self.setZValue(z)
        self.update()

    _PAD = 10.0
    _RECT = QRectF(-THUMB / 2 - _PAD, -THUMB / 2 - _PAD, THUMB + 2 * _PAD, THUMB + 2 * _PAD)
    _RECT_CAPTION = QRectF(-THUMB / 2 - _PAD, -THUMB / 2 - _PAD, THUMB + 2 * _PAD, THUMB + 2 * _PAD + 26.0)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt naming)
        # Called very often by Qt: return prebuilt rectangles (room for the code when enlarged).
        return self._RECT_CAPTION if self.hovered or self.selected_ else self._RECT

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.shown_at is None and self.on_first_paint is not None:
            self.on_first_paint(self)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(-THUMB / 2, -THUMB / 2, THUMB, THUMB)
        if THUMB * lod < 7:
            painter.fillRect(rect, self.fill if self.pixmap is not None else self.colour)
            if self.lit or self.newest:
                painter.fillRect(rect.adjusted(-THUMB * 0.3, -THUMB * 0.3, THUMB * 0.3, THUMB * 0.3),
                                 HIGHLIGHT if self.lit else self.colour)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = 7.0
        if self.newest or self.lit or self.selected_:
            glow = QColor(HIGHLIGHT if self.lit else self.colour)
            for width, alpha in ((16.0, 40), (10.0, 70), (6.0, 110)):
                glow.setAlpha(alpha)
                painter.setPen(QPen(glow, width))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect, radius, radius)
        frame = HIGHLIGHT if self.lit else self.colour
        on_screen = THUMB * lod * self.scale()
        if self.pixmap is not None and on_screen <= self.pixmap.width() * 1.6:
            # The usual case, every frame of a camera glide over hundreds of photos: one blit of
            # the framed thumbnail, drawn once (the frame, the rounded clip and the photo were four
            # antialiased fills and a clip path per photo per frame). Closer up, vectors stay sharp.
            if self._framed is None or self._framed[0] != frame.rgb():
                self._framed = (frame.rgb(), framed_thumbnail(self.pixmap, frame))
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, on_screen < 120)
            painter.drawPixmap(rect, self._framed[1], QRectF(self._framed[1].rect()))
            if self.hovered or self.selected_:
                self._caption(painter, rect)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(frame))
        painter.drawRoundedRect(rect, radius, radius)
        inner = rect.adjusted(FRAME, FRAME, -FRAME, -FRAME)
        clip = QPainterPath()
        clip.addRoundedRect(inner, radius - 2, radius - 2)
        painter.save()
        painter.setClipPath(clip)
        if self.pixmap is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, THUMB * lod * self.scale() < 120)
            painter.drawPixmap(inner, self.pixmap, QRectF(self.pixmap.rect()))
        else:
            painter.fillRect(inner, self.fill)
        painter.restore()
        if self.hovered or self.selected_:
            self._caption(painter, rect)

    def _caption(self, painter: QPainter, rect: QRectF) -> None:
        font = QFont()
        font.setPixelSize(11)
        font.setBold(True)
        painter.setFont(font)
        text = f"{self.code} · {self.shot}"
        width = QFontMetricsF(font).horizontalAdvance(text) + 10
        box = QRectF(-width / 2, rect.bottom() + 4, width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class MarkerItem(QGraphicsItem):
    """The live "you are here" marker: a pulsing pin that keeps its size on screen at any zoom.

    It keeps its size by an item scale of 1 / the view's zoom (set by the view), not by
    ``ItemIgnoresTransformations``: the pulse repaints it 30 times a second, and an item that
    ignores transformations makes Qt repaint far more than its own small rectangle (measured: the
    event loop lagged 65 ms per frame on a 20,000-photo map).
    """

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(10.0)
        self.phase = 0.0
        self.text = "you are here"

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-70, -90, 140, 130)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pulse = 0.5 + 0.5 * math.sin(self.phase)
        ring = QColor(MARKER)
        ring.setAlpha(int(60 + 100 * (1 - pulse)))
        painter.setPen(QPen(ring, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = 14 + 16 * pulse
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setPen(QPen(QColor(255, 255, 255), 3))
        painter.setBrush(MARKER)
        painter.drawEllipse(QPointF(0, 0), 10, 10)
        font = QFont()
        font.setPixelSize(15)
        font.setBold(True)
        painter.setFont(font)
        width = QFontMetricsF(font).horizontalAdvance(self.text) + 20
        box = QRectF(-width / 2, -62, width, 26)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(MARKER)
        painter.drawRoundedRect(box, 13, 13)
        tip = QPainterPath(QPointF(-7, box.bottom() - 1))
        tip.lineTo(7, box.bottom() - 1)
        tip.lineTo(0, box.bottom() + 9)
        painter.drawPath(tip)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.text)


class ClusterLabelItem(QGraphicsItem):
    """A group's name, written on the map at a constant size on screen."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(6.0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._font = QFont()
        self._font.setPixelSize(17)
        self._font.setBold(True)
        self._font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 104)
        w = QFontMetricsF(self._font).horizontalAdvance(name) + 26
        self._box = QRectF(-w / 2, -15, w, 30)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._box.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 90), 1))
        painter.setBrush(QColor(16, 18, 28, 200))
        painter.drawRoundedRect(self._box, 15, 15)
        painter.setFont(self._font)
        painter.setPen(QColor(240, 240, 250))
        painter.drawText(self._box, Qt.AlignmentFlag.AlignCenter, self.name)


class LinksItem(QGraphicsItem):
    """Lines from the selected photo to its nearest neighbours."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._lines: list[tuple[QPointF, QPointF]] = []
        self._rect = QRectF()

    def set_lines(self, lines: list[tuple[QPointF, QPointF]]) -> None:
        self.prepareGeometryChange()
        self._lines = lines
        rect = QRectF()
        for a, b in lines:
            rect = rect.united(QRectF(a, b).normalized())
        self._rect = rect.adjusted(-6, -6, 6, 6)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255, 150), 2.5)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        for a, b in self._lines:
            painter.drawLine(a, b)
