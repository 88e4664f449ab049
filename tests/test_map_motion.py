"""How photos move on the map view (offscreen Qt, no model): growing in, gliding, hovering."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF

from piday_desktop.core.store import Photo
from piday_desktop.projection.live_map import LiveMap
from piday_desktop.ui.map_items import THUMB
from piday_desktop.ui.map_thumbs import ThumbnailCache
from piday_desktop.ui.map_view import HOVER_SCALE, MapView
from piday_desktop.workers.invoker import UiInvoker

DIM = 16


def photo(i: int) -> Photo:
    return Photo(f"id{i:05d}", f"pid{i}", f"P-{i:03d}", 1, f"{i:064x}", None, "jpg", 1, 1, 1, None, "t", "kept")


@pytest.fixture
def view(qtbot):
    invoker = UiInvoker()
    live = LiveMap("m")
    thumbs = ThumbnailCache(invoker.post)
    v = MapView(live, thumbs, invoker.post)
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    yield v
    v.detach()


def scene_spot(view: MapView, pid: str) -> QPointF:
    x, y = view.display.shown[pid]
    return QPointF(float(x) * THUMB, float(y) * THUMB)


def test_new_photos_grow_into_place_and_moved_photos_glide(qtbot, view):
    live = view.live
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, DIM)).astype(np.float32)
    for i in range(3):
        live.add(photo(i), vectors[i])
    live.apply_layout([f"id{i:05d}" for i in range(3)], np.array([[-0.5, 0], [0, 0.5], [0.5, 0]]), "placed")
    items = [view.items_[f"id{i:05d}"] for i in range(3)]
    assert all(it.scale() == pytest.approx(0.25) for it in items) and view.animating  # small at first
    qtbot.waitUntil(lambda: not view.animating and all(it.shown_at is not None for it in items), timeout=10_000)
    assert all(it.scale() == pytest.approx(1.0) for it in items)  # ... then full size

    start = items[0].pos()
    live.apply_layout([items[0].photo_id], np.array([[-0.5, -0.9]]), "umap")
    target = scene_spot(view, items[0].photo_id)
    assert (target - start).manhattanLength() > THUMB * 0.5
    assert view.animating and (items[0].pos() - target).manhattanLength() > 1  # not a jump
    qtbot.waitUntil(lambda: not view.animating, timeout=10_000)
    assert (items[0].pos() - target).manhattanLength() < 1e-3  # arrived exactly


def test_hover_enlarges_a_photo_and_leaving_shrinks_it_back(qtbot, view):
    live = view.live
    live.add(photo(0), np.ones(DIM, np.float32))
    live.apply_layout(["id00000"], np.zeros((1, 2)), "placed")
    item = view.items_["id00000"]
    qtbot.waitUntil(lambda: not view.animating, timeout=10_000)
    qtbot.mouseMove(view.viewport(), view.mapFromScene(item.pos()))
    qtbot.waitUntil(lambda: item.hovered and not view.animating, timeout=10_000)
    assert item.scale() == pytest.approx(HOVER_SCALE)
    qtbot.mouseMove(view.viewport(), view.viewport().rect().topLeft() + QPoint(2, 2))
    qtbot.waitUntil(lambda: not item.hovered, timeout=10_000)
    qtbot.waitUntil(lambda: not view.animating, timeout=10_000)
    assert item.scale() == pytest.approx(1.0)
