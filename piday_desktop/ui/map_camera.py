"""The map view's camera: eased zoom and pan to a target (Qt's InOutCubic), wheel zoom about the cursor.

A kiosk camera: it frames the whole map (or the clicked photo and its look-alikes) and glides
there whenever that changes; once a visitor pans or zooms it stays put, and ``IDLE_S`` seconds
after the last touch it takes over again, so the next visitor never finds the map lost in a corner.
"""

from __future__ import annotations

import time

from collections.abc import Callable

from PySide6.QtCore import QAbstractAnimation, QPointF, QRectF, QVariantAnimation
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsView

from .map_items import THUMB
from .map_motion import GLIDE, animation

DURATION_MS = 700
IDLE_S = 40.0


#: A selection is framed at least this many thumbnails wide and high.
FOCUS_MIN_THUMBS = 12


def whole_map_rect(bounds) -> QRectF:
    """What framing the whole map shows: its bounds (map units, None when empty) with room for
    the names above the top row."""
    if bounds is None:
        return QRectF(-THUMB * 3, -THUMB * 3, THUMB * 6, THUMB * 6)
    lo, hi = bounds[0] * THUMB, bounds[1] * THUMB
    return QRectF(QPointF(*lo), QPointF(*hi)).adjusted(-THUMB * 0.8, -THUMB * 1.6, THUMB * 0.8, THUMB * 0.8)


def focus_rect(points: list[QPointF]) -> QRectF | None:
    """What framing a selection shows: the photo and its look-alikes (scene points), never
    closer than a dozen thumbnails across, so the visitor still sees where on the map they are."""
    if not points:
        return None
    xs, ys = [p.x() for p in points], [p.y() for p in points]
    rect = QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys))).adjusted(
        -THUMB * 2, -THUMB * 2.2, THUMB * 2, THUMB * 2)
    side = THUMB * FOCUS_MIN_THUMBS
    if rect.width() < side or rect.height() < side:
        c = rect.center()
        w, h = max(rect.width(), side), max(rect.height(), side)
        rect = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
    return rect


class Camera:
    """``on_arrived`` is called when an eased move ends (the view re-checks its labels then)."""

    def __init__(self, view: QGraphicsView, on_arrived: Callable[[], None] | None = None) -> None:
        self.view = view
        self.following = True
        self.last_touch = 0.0
        self._on_arrived = on_arrived
        self._anim: QVariantAnimation | None = None
        self._move: tuple[QPointF, float, QPointF, float] | None = None  # from, to

    @property
    def moving(self) -> bool:
        return self._move is not None

    @property
    def scale(self) -> float:
        return self.view.transform().m11()

    def centre(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def frame(self, rect: QRectF, *, animate: bool = True, right_margin: int = 0, max_thumb_share: float = 0.25) -> None:
        """Show ``rect`` in the view, leaving ``right_margin`` pixels free on the right (the card).

        Never closer than a thumbnail of ``max_thumb_share`` of the view's shorter side.
        """
        vw = max(1, self.view.viewport().width() - right_margin)
        vh = max(1, self.view.viewport().height())
        scale = min(vw / max(rect.width(), 1e-6), vh / max(rect.height(), 1e-6))
        scale = min(scale, min(vw, vh) * max_thumb_share / THUMB)
        centre = rect.center() + QPointF(right_margin / 2 / scale, 0)
        target = self._move[2:] if self._move is not None else (self.centre(), self.scale)
        if abs(scale / target[1] - 1) < 0.02 and (centre - target[0]).manhattanLength() * scale < 4:
            return  # already there (or on the way): a repaint of a big map is not free
        self.stop()
        if not animate or not self.view.isVisible():
            self.apply(scale, centre)
            return
        self._move = (self.centre(), self.scale, centre, scale)
        self._anim = anim = animation(self.view, 0.0, 1.0, DURATION_MS, GLIDE, self._step)
        anim.finished.connect(lambda: self._arrived(anim))

    def stop(self) -> None:
        """Stop an eased move where it is."""
        anim, self._anim, self._move = self._anim, None, None
        if anim is not None and anim.state() != QAbstractAnimation.State.Stopped:
            anim.stop()

    def apply(self, scale: float, centre: QPointF) -> None:
        self.view.setTransform(QTransform.fromScale(scale, scale))
        self.view.centerOn(centre)

    def _step(self, e: float) -> None:
        if self._move is None:
            return
        c0, s0, c1, s1 = self._move
        # Zoom geometrically: equal time, equal zoom factor, which reads as steady motion.
        scale = s0 * (s1 / s0) ** e if s0 > 0 and s1 > 0 else s1
        self.apply(scale, c0 + (c1 - c0) * e)

    def _arrived(self, anim: QVariantAnimation) -> None:
        if anim is self._anim:
            self._anim = self._move = None
            if self._on_arrived is not None:
                self._on_arrived()

    def touched(self) -> None:
        """The visitor panned or zoomed: stop following for now."""
        self.following = False
        self.stop()
        self.last_touch = time.monotonic()

    def idle(self) -> bool:
        return not self.following and time.monotonic() - self.last_touch > IDLE_S

    def zoom_at(self, pos, factor: float) -> None:
        """Zoom by ``factor`` keeping the scene point under ``pos`` (viewport pixels) in place."""
        self.touched()
        current = self.scale
        side = max(1, min(self.view.viewport().width(), self.view.viewport().height()))
        factor = max(0.01 / current, min(factor, side / 1.5 / THUMB / current))  # whole map .. one face
        anchor = self.view.mapToScene(pos)
        self.view.scale(factor, factor)
        self.view.centerOn(self.centre() + anchor - self.view.mapToScene(pos))
