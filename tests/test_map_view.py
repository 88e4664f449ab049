"""The live map in the real station window (offscreen), with the tiny CLIP model and the pattern camera."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from piday_desktop.core.store import EventStore
from piday_desktop.station.visitor_flow import Stage
from piday_desktop.ui.map_view import DIM
from station_drive import open_window, visit

MODEL = "piday-tiny:none"


@pytest.fixture(scope="module")
def tiny_model():
    from piday_desktop.embedding.models import ModelSpec, load_model

    return load_model(ModelSpec.parse(MODEL), device="cpu")


@pytest.fixture
def engine(tiny_model):
    """A fresh engine per test (closing a station window closes its engine); the model is shared."""
    from piday_desktop.embedding.engine import EmbeddingEngine

    eng = EmbeddingEngine(tiny_model)
    yield eng
    eng.close()


@pytest.fixture
def window(qtbot, tmp_path, engine):
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store)
    win.attach_engine(engine)
    yield win
    win.close()
    store.close()


def click_photo(qtbot, view, photo_id: str) -> None:
    item = view.items_[photo_id]
    qtbot.waitUntil(lambda: not view.animating, timeout=5_000)
    pos = view.mapFromScene(item.pos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_empty_map_invites_and_photos_taken_appear_on_it(qtbot, window):
    win = window
    view = win.map_pane.view
    assert view.items_ == {} and len(win.map.map) == 0  # the empty state draws the invitation
    win.map_pane.grab()  # paints without error
    shown = []
    view.point_shown.connect(lambda pid, t: shown.append(pid))
    visit(qtbot, win, 3)
    qtbot.waitUntil(lambda: len(view.items_) == 3 and len(shown) == 3, timeout=30_000)
    photos = win.store.photos("P-001")
    assert set(view.items_) == {p.id for p in photos} == set(shown)
    assert all(item.newest for item in view.items_.values())  # the newest visitor glows
    visit(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(view.items_) == 5, timeout=30_000)
    win.controller.wait_idle()  # the last "keep" is committed
    newest = {i for i, item in view.items_.items() if item.newest}
    assert newest == {p.id for p in win.store.photos("P-002")}
    qtbot.waitUntil(lambda: all(it.pixmap is not None for it in view.items_.values()), timeout=10_000)
    # The stored layout follows the map.
    win.map.flush()
    _, _, xy = win.store.vectors(MODEL)
    assert np.isfinite(xy).all()


def test_a_retaken_photo_leaves_the_map(qtbot, window):
    win = window
    view = win.map_pane.view
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    first = win.flow.visit.under_review
    qtbot.waitUntil(lambda: first in view.items_, timeout=30_000)
    qtbot.keyClick(win, Qt.Key.Key_Backspace)  # retake: the first photo is deleted
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW and win.flow.visit.under_review != first, timeout=10_000)
    qtbot.waitUntil(lambda: first not in view.items_ and len(view.items_) == 1, timeout=30_000)


def test_clicking_a_photo_shows_its_neighbours_and_clicking_away_closes(qtbot, window):
    win = window
    view, card = win.map_pane.view, win.map_pane.card
    visit(qtbot, win, 3)
    visit(qtbot, win, 3)
    qtbot.waitUntil(lambda: len(view.items_) == 6, timeout=30_000)
    target = win.store.photos("P-002")[0].id
    click_photo(qtbot, view, target)
    qtbot.waitUntil(lambda: card.isVisible(), timeout=5_000)
    sel = win.map.map.selection
    assert sel.id == target and card.title.text().endswith("P-002 · photo 1")
    photos, matrix, _ = win.store.vectors(MODEL)
    row = [p.id for p in photos].index(target)
    scores = matrix.astype(np.float64) @ matrix[row].astype(np.float64)
    scores[row] = -np.inf
    expected = [photos[r].id for r in np.argsort(-scores, kind="stable")[:5]]  # brute force
    assert [b.photo_id for b in card.buttons] == expected
    assert view.items_[target].selected_ and all(view.items_[n.id].neighbour for n in sel.neighbours)
    # A look-alike in the card is one click away.
    qtbot.mouseClick(card.buttons[0], Qt.MouseButton.LeftButton)
    assert win.map.map.selection.id == expected[0]
    # Empty space closes the card.
    qtbot.waitUntil(lambda: not view.animating, timeout=5_000)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport().rect().topLeft() + QPoint(3, 3))
    qtbot.waitUntil(lambda: not card.isVisible(), timeout=5_000)
    assert win.map.map.selection is None and all(it.opacity() == 1.0 for it in view.items_.values())


def test_a_search_lights_up_the_expected_photo_and_clearing_restores(qtbot, window, engine):
    win = window
    pane = win.map_pane
    view = pane.view
    for _ in range(3):
        visit(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(view.items_) == 6, timeout=30_000)
    # Words: the photo whose vector is closest to the text encoder's, brute force.
    photos, matrix, _ = win.store.vectors(MODEL)
    query = "a person wearing a red hat"
    best = photos[int(np.argmax(matrix @ engine.encode_text([query])[0]))].id
    qtbot.mouseClick(pane.search, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(pane.search, query)
    qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.map.map.highlight is not None and win.map.map.highlight.kind == "text", timeout=10_000)
    assert win.map.map.highlight.ranked[0][0] == best and view.items_[best].lit
    assert win.hasFocus() or not pane.search.hasFocus()  # Enter handed the keys back to the station
    lit = {i for i, it in view.items_.items() if it.lit}
    assert all(view.items_[i].opacity() == (1.0 if i in lit else DIM) for i in view.items_)
    assert "best matches" in pane.hint.text()
    # A participant code needs no model at all.
    pane.search.setText("P-002")
    qtbot.waitUntil(lambda: win.map.map.highlight is not None and win.map.map.highlight.kind == "participant",
                    timeout=5_000)
    assert {i for i, it in view.items_.items() if it.lit} == {p.id for p in win.store.photos("P-002")}
    # Esc clears: everything back to normal.
    qtbot.mouseClick(pane.search, Qt.MouseButton.LeftButton)
    qtbot.keyClick(pane.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.map.map.highlight is None, timeout=5_000)
    assert all(it.opacity() == 1.0 and not it.lit for it in view.items_.values()) and pane.hint.text() == ""


def test_the_live_marker_appears_with_the_pattern_camera_and_goes_away(qtbot, window):
    win = window
    view = win.map_pane.view
    visit(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(view.items_) == 2, timeout=30_000)
    assert not view.marker_visible
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW, timeout=5_000)
    qtbot.waitUntil(lambda: view.marker_visible, timeout=15_000)
    assert win.map.map.marker is not None and win.map.probe.stats.embedded >= 1
    qtbot.keyClick(win, Qt.Key.Key_Escape)  # the visitor leaves
    qtbot.waitUntil(lambda: win.flow.stage is Stage.IDLE, timeout=5_000)
    assert not view.marker_visible and win.map.map.marker is None
    embedded = win.map.probe.stats.embedded
    qtbot.wait(400)
    assert win.map.probe.stats.embedded <= embedded + 1  # at most the frame already in flight
    assert not view.marker_visible


def test_a_restarted_station_shows_the_same_map_before_the_model_loads(qtbot, tmp_path, engine):
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store)
    win.attach_engine(engine)
    visit(qtbot, win, 3)
    visit(qtbot, win, 3)
    view = win.map_pane.view
    qtbot.waitUntil(lambda: len(view.items_) == 6, timeout=30_000)
    qtbot.waitUntil(lambda: win.map.wait_idle(1) and not view.animating, timeout=10_000)
    before = {i: tuple(p) for i, p in zip(win.map.map.ids, win.map.map.positions)}
    win.close()
    win2 = open_window(qtbot, store)  # no engine attached: the model is still "loading"
    view2 = win2.map_pane.view
    qtbot.waitUntil(lambda: len(view2.items_) == 6, timeout=10_000)
    after = {i: tuple(p) for i, p in zip(win2.map.map.ids, win2.map.map.positions)}
    assert after.keys() == before.keys()
    assert max(abs(after[i][0] - before[i][0]) + abs(after[i][1] - before[i][1]) for i in before) < 1e-5
    win2.close()
    store.close()


def test_the_full_screen_map_shows_the_same_map_and_closes_with_esc(qtbot, window):
    win = window
    visit(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(win.map_pane.view.items_) == 2, timeout=30_000)
    qtbot.keyClick(win, Qt.Key.Key_F2)
    mw = win.map_window
    assert mw is not None
    qtbot.waitUntil(lambda: mw.isVisible(), timeout=5_000)
    assert set(mw.pane.view.items_) == set(win.map_pane.view.items_)
    win.map.search("P-001")
    assert all(it.lit for it in mw.pane.view.items_.values())
    qtbot.keyClick(mw, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.map_window is None, timeout=5_000)
    visit(qtbot, win, 1)  # the station window still works and its map still grows
    qtbot.waitUntil(lambda: len(win.map_pane.view.items_) == 3, timeout=30_000)
