"""The map view's camera: eased zoom and pan to a target, wheel zoom about the cursor.

A kiosk camera: it frames the whole map (or the clicked photo and its look-alikes) and glides
there whenever that changes; once a visitor pans or zooms it stays put, and ``IDLE_S`` seconds
after the last touch it takes over again, so the next visitor never finds the map lost in a corner.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsView

from .map_items import THUMB

DURATION_S = 0.7
IDLE_S = 40.0


def ease_in_out(t: float) -> float:
    return 4 * t * t * t if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


class Camera:
    def __init__(self, view: QGraphicsView) -> None:
        self.view = view
        self.following = True
        self.last_touch = 0.0
        self._move: tuple[float, QPointF, float, QPointF, float] | None = None

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
        target = self._move[3:] if self._move is not None else (self.centre(), self.scale)
        if abs(scale / target[1] - 1) < 0.02 and (centre - target[0]).manhattanLength() * scale < 4:
            return  # already there (or on the way): a repaint of a big map is not free
        if not animate or not self.view.isVisible():
            self._move = None
            self.apply(scale, centre)
            return
        self._move = (time.perf_counter(), self.centre(), self.scale, centre, scale)

    def apply(self, scale: float, centre: QPointF) -> None:
        self.view.setTransform(QTransform.fromScale(scale, scale))
        self.view.centerOn(centre)

    def step(self, now: float) -> bool:
        """Advance an eased move; False once there is none."""
        if self._move is None:
            return False
        t0, c0, s0, c1, s1 = self._move
        t = min(1.0, (now - t0) / DURATION_S)
        e = ease_in_out(t)
        # Zoom geometrically: equal time, equal zoom factor, which reads as steady motion.
        scale = s0 * (s1 / s0) ** e if s0 > 0 and s1 > 0 else s1
        self.apply(scale, c0 + (c1 - c0) * e)
        if t >= 1.0:
            self._move = None
        return True

    def touched(self) -> None:
        """The visitor panned or zoomed: stop following for now."""
        self.following = False
        self._move = None
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
