"""The station through a day at a busy stand (issue 11): what one visitor leaves behind must not
trip the next one. The real window offscreen, the tiny CLIP model, the pattern camera."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from piday_desktop.core.store import EventStore
from piday_desktop.station.visitor_flow import Stage
from station_drive import open_window, visit

MODEL = "piday-tiny:none"


@pytest.fixture(scope="module")
def tiny_model():
    from piday_desktop.embedding.models import ModelSpec, load_model

    return load_model(ModelSpec.parse(MODEL), device="cpu")


@pytest.fixture
def window(qtbot, tmp_path, tiny_model):
    from piday_desktop.embedding.engine import EmbeddingEngine

    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=2, size=(1366, 768))
    win.attach_engine(EmbeddingEngine(tiny_model))
    yield win
    win.close()
    store.close()


def settle() -> None:
    """Run the layout requests already posted (they are what would move the splitter)."""
    from PySide6.QtWidgets import QApplication

    QApplication.sendPostedEvents()
    QApplication.processEvents()


def test_each_visit_starts_on_the_whole_map(qtbot, window):
    """The last visitor's card, search and zoom are gone when the next one starts."""
    win = window
    pane, view = win.map_pane, win.map_pane.view
    visit(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(view.items_) == 2, timeout=30_000)
    win.map.map.select(next(iter(view.items_)))
    assert pane.card.isVisible()
    qtbot.mouseClick(pane.search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(pane.search, "P-001")
    qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.map.map.highlight is not None, timeout=5_000)
    view.camera.zoom_at(QPoint(50, 50), 3.0)
    assert not view.camera.following
    qtbot.keyClick(win, Qt.Key.Key_Space)  # the next visitor
    assert win.flow.stage is Stage.CONSENT
    assert not pane.card.isVisible() and win.map.map.selection is None
    assert pane.search.text() == "" and win.map.map.highlight is None
    assert view.camera.following


def test_the_search_box_never_traps_the_station_keys_during_a_visit(qtbot, window):
    win = window
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, timeout=5_000)
    search = win.map_pane.search
    qtbot.mouseClick(search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(search, "hat")
    qtbot.keyClick(search, Qt.Key.Key_Space)  # the visitor wants a photo, not a space
    assert win.flow.stage is Stage.COUNTDOWN and search.text() == "hat"
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    qtbot.keyClick(search, Qt.Key.Key_Return)  # even if the search box still had the focus
    assert win.flow.stage is Stage.PREVIEW and len(win.flow.visit.kept) == 1


def test_no_layout_jump_when_a_shot_appears(qtbot, window):
    """The review page's buttons must not push the splitter: the map keeps its width and place."""
    win = window
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, timeout=5_000)
    settle()
    before = win.splitter.sizes()
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    settle()
    assert win.splitter.sizes() == before
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    settle()
    assert win.splitter.sizes() == before


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720), (1920, 1080)])
def test_the_window_fits_the_screen_it_opens_on(qtbot, window, size):
    """Every button and the status bar inside the screen, on the common laptop screens; a big
    screen gets a centred window, not one in a corner (issue 11)."""
    from PySide6.QtCore import QRect

    from piday_desktop.ui.screen_fit import fitted_geometry, widgets_outside

    available = QRect(0, 0, size[0], size[1] - 40)  # a taskbar
    geometry, maximise = fitted_geometry(available)
    assert available.contains(geometry)
    assert maximise or abs(geometry.center().x() - available.center().x()) <= 1
    win = window
    win.setGeometry(geometry)
    settle()
    assert win.width() <= available.width() and win.height() <= available.height()
    for show in (lambda: None, lambda: qtbot.keyClick(win, Qt.Key.Key_Space), lambda: qtbot.keyClick(win, Qt.Key.Key_Return)):
        show()
        settle()
        assert widgets_outside(win) == [], win.flow.stage


def test_the_photo_under_review_is_shown_as_the_preview_was(qtbot):
    """The preview is a mirror; the review showed the photo un-mirrored, so visitors saw
    themselves flip. Both show the same side now (the saved file is untouched)."""
    import numpy as np
    from PySide6.QtGui import QColor, QImage, QPixmap

    from piday_desktop.ui.preview import PreviewWidget

    frame = np.zeros((240, 320, 3), np.uint8)
    frame[:, :160] = (255, 0, 0)  # the camera's left half is red
    frame[:, 160:] = (0, 0, 255)
    preview = PreviewWidget()
    preview.framing_guide = False
    qtbot.addWidget(preview)
    preview.resize(320, 240)
    preview.show_frame(frame)
    live = preview.grab().toImage().pixelColor(40, 120)
    still = QPixmap.fromImage(QImage(frame.data, 320, 240, 960, QImage.Format.Format_RGB888).copy())
    preview.show_still(still)
    review = preview.grab().toImage().pixelColor(40, 120)
    assert live == review == QColor(0, 0, 255)


def test_a_camera_and_a_model_problem_are_both_whole_on_the_start_page_at_1366x768(qtbot, tmp_path):
    """`piday --camera 7` on a laptop without the model's weights: the start page carries both
    reasons and both fixes; at 1366x768 every line of them is on screen, none clipped."""
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, size=(1366, 728))
    win.camera.start(str(tmp_path / "no-such-camera.mp4"))
    qtbot.waitUntil(lambda: win.camera.state == "failed", timeout=5_000)
    win.engine_failed(
        "weights for ViT-B-32:laion2b_s34b_b79k are not on this machine and cannot be downloaded (cannot "
        "reach huggingface.co: Name or service not known): run `piday models fetch "
        "ViT-B-32:laion2b_s34b_b79k` on a connected machine, or use --model ViT-B-32:/path/to/checkpoint")
    settle()
    page = win.idle_page
    for label in (page.notice, page.model_state):
        assert label.isVisible() and label.text()
        assert label.heightForWidth(label.width()) <= label.height(), label.text()[:40]
    for widget in (page.notice, page.model_state, page.use_pattern, page.import_model, page.start, page.settings):
        bottom = widget.mapTo(win, widget.rect().bottomLeft()).y()
        assert 0 <= widget.mapTo(win, widget.rect().topLeft()).y() and bottom <= win.height(), widget
    win.close()
    store.close()
