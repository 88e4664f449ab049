"""How things move on the map: eased glides and size changes on Qt's animation clock.

New photos grow into place (``OutBack``: a small overshoot reads as "arrived"), moved photos
glide (``InOutCubic``: a refit can move many at once, and a jump would lose the visitor's eye),
hover and selection change a photo's size. Each is a ``QVariantAnimation`` with a
``QEasingCurve``; every running animation in the process is stepped by Qt's one animation
timer, so nothing here keeps its own clock or ticks while nothing moves.

Photo items are ``QGraphicsItem``s, not ``QObject``s, so the animations set them through
``valueChanged`` instead of a ``QPropertyAnimation`` on a property.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractAnimation, QEasingCurve, QObject, QPointF, QVariantAnimation
from PySide6.QtWidgets import QGraphicsItem

APPEAR_MS = 450
MOVE_MS = 800
HOVER_MS = 140
APPEAR_FROM = 0.25

GLIDE = QEasingCurve.Type.InOutCubic
ARRIVE = QEasingCurve.Type.OutBack


def animation(parent: QObject, start: object, end: object, ms: int, curve: QEasingCurve.Type,
              on_value: Callable[[object], None]) -> QVariantAnimation:
    """A started ``QVariantAnimation`` from ``start`` to ``end`` that calls ``on_value`` each frame."""
    anim = QVariantAnimation(parent)
    anim.setStartValue(start)
    anim.setEndValue(end)
    anim.setDuration(ms)
    anim.setEasingCurve(QEasingCurve(curve))
    anim.valueChanged.connect(on_value)
    anim.start(QAbstractAnimation.DeletionPolicy.DeleteWhenStopped)
    return anim


class Motion(QObject):
    """The running glides and size changes of the map's items, one of each per item at most.

    A new move of an item replaces its running move (from where it is now); a size change
    leaves a running move alone, and the other way round.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._moves: dict[QGraphicsItem, QVariantAnimation] = {}
        self._sizes: dict[QGraphicsItem, QVariantAnimation] = {}
        self._appearing: set[QGraphicsItem] = set()

    @property
    def active(self) -> bool:
        """True while anything moves or changes size."""
        return bool(self._moves or self._sizes)

    def busy(self, item: QGraphicsItem) -> bool:
        """True while ``item`` moves or changes size."""
        return item in self._moves or item in self._sizes

    def appearing(self, item: QGraphicsItem) -> bool:
        """True while a new photo is still growing into place."""
        return item in self._appearing

    def appear(self, item: QGraphicsItem) -> None:
        """A new photo grows from a quarter of its size into place."""
        item.setScale(APPEAR_FROM)
        self._appearing.add(item)
        self._size(item, APPEAR_FROM, 1.0, APPEAR_MS, ARRIVE)

    def move(self, item: QGraphicsItem, target: QPointF) -> None:
        """Glide ``item`` from where it is to ``target``."""
        self._stop(self._moves, item)
        anim = animation(self, item.pos(), target, MOVE_MS, GLIDE, item.setPos)
        anim.finished.connect(lambda: self._done(self._moves, item, anim))
        self._moves[item] = anim

    def resize(self, item: QGraphicsItem, scale: float) -> None:
        """Ease ``item`` to ``scale`` (hover, selection)."""
        self._size(item, item.scale(), scale, HOVER_MS, GLIDE)

    def stop_move(self, item: QGraphicsItem) -> None:
        """Stop ``item``'s glide where it is (the caller puts it somewhere else at once)."""
        self._stop(self._moves, item)

    def stop(self, item: QGraphicsItem) -> None:
        """Forget ``item`` (it left the map); it stays where and as large as it is now."""
        self._stop(self._moves, item)
        self._stop(self._sizes, item)

    def _size(self, item: QGraphicsItem, start: float, end: float, ms: int, curve: QEasingCurve.Type) -> None:
        self._stop(self._sizes, item)
        anim = animation(self, float(start), float(end), ms, curve, item.setScale)
        anim.finished.connect(lambda: self._done(self._sizes, item, anim))
        self._sizes[item] = anim

    def _stop(self, running: dict[QGraphicsItem, QVariantAnimation], item: QGraphicsItem) -> None:
        anim = running.pop(item, None)
        if anim is not None:
            if running is self._sizes:
                self._appearing.discard(item)
            anim.stop()  # deletes it (DeleteWhenStopped); finished is not emitted by stop()

    def _done(self, running: dict[QGraphicsItem, QVariantAnimation], item: QGraphicsItem,
              anim: QVariantAnimation) -> None:
        if running.get(item) is anim:
            del running[item]
            if running is self._sizes:
                self._appearing.discard(item)
