"""The map's group names: where each goes, and which to hide where they would overlap.

A name sits just above its group's top row of photos (not on faces), centred on the group's
median photo. Names are placed in scene coordinates but collide on screen, so after each zoom
or pan the view asks again which to show: where two would overlap, the bigger group keeps its
name (zoom in for the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

from ..projection.live_map import Cluster
from .map_items import THUMB, ClusterLabelItem


class ClusterLabels:
    """The label items of one view; ``shown_at(photo_id)`` is where a photo is drawn (or None),
    ``positions(ids)`` the (k, 2) scene positions of those of ``ids`` that are drawn (one numpy
    array: a group of a 20,000-photo map has thousands)."""

    def __init__(self, scene: QGraphicsScene, view: QGraphicsView,
                 shown_at: Callable[[str], QPointF | None],
                 positions: Callable[[Iterable[str]], np.ndarray]) -> None:
        self._scene, self._view, self._shown_at, self._positions = scene, view, shown_at, positions
        self._items: list[ClusterLabelItem] = []

    def set(self, clusters: Iterable[Cluster]) -> None:
        """Replace the names (the model named its groups anew)."""
        for label in self._items:
            self._scene.removeItem(label)
        self._items = []
        for c in clusters:
            label = ClusterLabelItem(c.name)
            label.cluster = c
            self._scene.addItem(label)
            self._items.append(label)
        self.place()

    def place(self) -> None:
        """Each name just above its group's top row of photos (after the photos moved)."""
        for label in self._items:
            pts = self._positions(label.cluster.ids)
            if not len(pts):
                label.setVisible(False)
                continue
            xs = np.sort(pts[:, 0])
            label.setPos(QPointF(float(xs[len(xs) // 2]), float(pts[:, 1].min()) - THUMB * 0.95))
        self.declutter()

    def declutter(self) -> None:
        """Show the names that do not overlap on screen at this zoom, biggest groups first."""
        taken: list[QRectF] = []
        for label in sorted(self._items, key=lambda lb: -len(lb.cluster.ids)):
            if not any(self._shown_at(i) is not None for i in label.cluster.ids):
                continue
            box = label.boundingRect().translated(self._view.mapFromScene(label.pos()).toPointF())
            free = not any(box.intersects(t) for t in taken)
            label.setVisible(free)
            if free:
                taken.append(box)

    @property
    def visible_names(self) -> list[str]:
        return [label.name for label in self._items if label.isVisible()]
