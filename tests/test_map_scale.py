"""The map view at 20,000 photos (offscreen Qt, no model): squares far out, thumbnails close up.

What a visitor would notice on a big event's map, without a stopwatch: every photo is drawn,
yet the scene holds a bounded number of items; zooming into a group shows its thumbnails;
a new photo still grows in and is painted; a participant code still lights their photos and
dims the rest; a click on a square opens that photo.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor

from imagefactory import jpeg
from piday_desktop.core.store import Photo
from piday_desktop.projection.live_map import LiveMap
from piday_desktop.ui.map_items import HIGHLIGHT, THUMB, PhotoItem, participant_colour
from piday_desktop.ui.map_thumbs import ThumbnailCache
from piday_desktop.ui.map_view import ITEM_BUDGET, MapView
from piday_desktop.workers.invoker import UiInvoker

N = 20_000
SIDE = 142  # photos on a grid, a little apart: the declutter has nothing to do (fast)
DIM = 8
PER = 5


def photo(i: int) -> Photo:
    part = i // PER
    return Photo(f"id{i:05d}", f"pid{part}", f"P-{part + 1:04d}", i % PER + 1, f"{i:064x}", None, "jpg",
                 1, 1, 1, None, "t", "kept")


def grid(n: int) -> np.ndarray:
    k = np.arange(n)
    return np.stack([k % SIDE, k // SIDE], axis=1) * (1.9 / SIDE) - 0.95


@pytest.fixture
def big(qtbot, tmp_path):
    """A 20,000-photo map; the photos near the middle have files (their thumbnails can be decoded)."""
    invoker = UiInvoker()
    live = LiveMap("m")
    xy = grid(N)
    files = [str(jpeg(tmp_path / f"f{k}.jpg", size=(96, 72), seed=k)) for k in range(4)]
    middle = np.flatnonzero(np.abs(xy).max(axis=1) < 0.12)
    paths: list[str | None] = [None] * N
    for k, i in enumerate(middle):
        paths[i] = files[k % len(files)]
    vectors = np.random.default_rng(0).normal(size=(N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    live.reset([photo(i) for i in range(N)], vectors, xy, paths)
    thumbs = ThumbnailCache(invoker.post)
    view = MapView(live, thumbs, invoker.post)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: view.photo_count == N and view.declutter_idle and not view.animating, timeout=60_000)
    qtbot.waitUntil(lambda: view.items_settled, timeout=10_000)
    yield view, {f"id{i:05d}" for i in middle}
    view.detach()
    thumbs.close()


def pixels_near(image, point: QPoint, reach: int = 1) -> list[QColor]:
    return [image.pixelColor(point.x() + dx, point.y() + dy)
            for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)]


def close(a: QColor, b: QColor, tol: int = 12) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= tol


def drawn_in(view: MapView, image, pid: str, colour: QColor) -> bool:
    return any(close(c, colour) for c in pixels_near(image, view.mapFromScene(view.scene_pos(pid))))


def test_zoomed_out_every_photo_is_drawn_by_a_bounded_scene(qtbot, big):
    view, middle = big
    photo_items = [it for it in view.scene().items() if isinstance(it, PhotoItem)]
    assert view.items_ == {} and photo_items == []  # squares, not 20,000 items
    assert len(view.scene().items()) < 10  # the squares' item, the marker, the lines
    image = view.viewport().grab().toImage()
    rng = np.random.default_rng(1)
    for i in rng.choice(N, 30, replace=False):
        pid = f"id{i:05d}"
        if pid in middle:
            continue  # drawn in its thumbnail's mean colour
        assert drawn_in(view, image, pid, participant_colour(photo(int(i)).participant_code)), pid

    # A new photo grows in as an item of its own and is painted; still a bounded scene.
    shown = []
    view.point_shown.connect(lambda pid, t: shown.append(pid))
    live = view.live
    live.add(Photo("new", "pnew", "P-9999", 1, "f" * 64, None, "jpg", 1, 1, 1, None, "t", "kept"),
             np.ones(DIM, np.float32) / np.sqrt(DIM))
    live.apply_layout(["new"], np.array([[0.3, 0.3]]), "placed")
    assert "new" in view.items_ and view.photo_count == N + 1
    qtbot.waitUntil(lambda: shown == ["new"], timeout=10_000)
    assert view.items_["new"].newest and len(view.scene().items()) < 12


def test_a_participant_code_lights_their_squares_and_dims_the_rest(qtbot, big):
    view, _ = big
    live = view.live
    before = view.viewport().grab().toImage()
    live.search_text("P-0100")
    lit = {p.id for p in live.photos if p.participant_code == "P-0100"}
    assert {pid for pid, _ in live.highlight.ranked} == lit and len(lit) == PER
    qtbot.waitUntil(lambda: all(drawn_in(view, view.viewport().grab().toImage(), pid, HIGHLIGHT) for pid in lit),
                    timeout=5_000)
    after = view.viewport().grab().toImage()
    other = "id12345"
    was = max(c.value() for c in pixels_near(before, view.mapFromScene(view.scene_pos(other)), 0))
    now = max(c.value() for c in pixels_near(after, view.mapFromScene(view.scene_pos(other)), 0))
    assert now < was * 0.5  # dimmed
    assert view.items_ == {}
    live.clear_highlight()
    qtbot.waitUntil(lambda: drawn_in(view, view.viewport().grab().toImage(), other,
                                     participant_colour(photo(12345).participant_code)), timeout=5_000)


def test_zooming_in_shows_thumbnails_of_what_is_seen_and_zooming_out_drops_them(qtbot, big):
    view, middle = big
    view.camera.touched()  # a visitor's zoom
    view.camera.apply(48 / THUMB, QPointF(0, 0))  # thumbnails 48 px wide, on the middle
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    in_view = {pid for pid in view.dots.ids if seen.contains(view.scene_pos(pid))}
    assert 20 < len(in_view) and in_view <= middle
    qtbot.waitUntil(lambda: in_view <= set(view.items_), timeout=10_000)
    assert len(view.items_) <= ITEM_BUDGET
    qtbot.waitUntil(lambda: all(view.items_[pid].pixmap is not None for pid in in_view), timeout=20_000)
    view.viewport().grab()  # paints the thumbnails without error
    view.follow()  # back to the whole map
    qtbot.waitUntil(lambda: not view.animating and len(view.items_) == 0, timeout=10_000)


def test_a_click_on_a_square_opens_that_photo(qtbot, big):
    view, _ = big
    pid = "id07777"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(view.scene_pos(pid)))
    sel = view.live.selection
    assert sel is not None and sel.id == pid
    assert view.items_[pid].selected_ and all(view.items_[n.id].neighbour for n in sel.neighbours)
    assert len(view.items_) <= 1 + len(sel.neighbours) + ITEM_BUDGET


def test_repaints_that_change_nothing_blit_the_squares_and_a_change_is_never_missed(qtbot, big):
    """The marker pulses 30 times a second over the map: those repaints must not stamp 20,000
    squares again each time; yet a row changed by any path shows at the next paint."""
    view, middle = big
    vp = view.viewport()
    vp.repaint()
    item = view._dots_item
    painted, stamped = item.painted, item.stamped
    for k in range(20):  # marker-sized repaints, and whole ones, with nothing changed
        vp.repaint(QRect(300 + k, 250, 140, 130)) if k % 4 else vp.repaint()
    assert item.painted == painted + 20 and item.stamped == stamped

    pid = next(p for p in view.dots.ids if p not in middle)
    where = view.mapFromScene(view.scene_pos(pid))
    green = QColor(0, 255, 0)
    view.dots.colour[view.dots.index[pid]] = 0xFF00FF00  # no update() asked for: the rows tell
    vp.repaint(QRect(where.x() - 20, where.y() - 20, 40, 40))
    assert item.stamped == stamped + 1
    assert drawn_in(view, vp.grab().toImage(), pid, green)

    # A photo with an item of its own (here: a clicked one) is not drawn as a square: its
    # thumbnail arriving changes its row, yet nothing needs stamping again.
    clicked = "id07777"
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=view.mapFromScene(view.scene_pos(clicked)))
    assert clicked in view.items_
    vp.repaint()
    stamped = item.stamped
    view.dots.colour[view.dots.index[clicked]] = 0xFF123456
    vp.repaint(QRect(300, 250, 140, 130))
    vp.repaint()
    assert item.stamped == stamped


def test_once_the_model_is_loaded_start_up_objects_are_left_out_of_garbage_collection(qtbot):
    """A full collection over torch's ~690,000 objects froze the window ~350 ms now and then
    (core/heap.py); the map controller does the same once a restored map's rows are in."""
    import gc
    import threading

    from piday_desktop.workers.engine_starter import start_engine_in_background

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    ready = threading.Event()
    engines = []
    start_engine_in_background("piday-tiny:none", "cpu", on_ready=lambda e: (engines.append(e), ready.set()),
                               on_error=lambda msg: ready.set())
    assert ready.wait(120) and engines, "the tiny model did not load"
    try:
        assert gc.get_freeze_count() > 10_000  # the modules, the model
    finally:
        engines[0].close()
        gc.unfreeze()
