"""Several stations at one event: station ids keep participant codes apart (A-017, B-017), and
`piday merge` folds one station's event into another without doubling anything."""

from __future__ import annotations

import numpy as np

from piday_desktop.core.codes import code_key, matches
from piday_desktop.core.config import StationConfig
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.projection.live_map import LiveMap
from station_drive import open_window, visit
from test_live_map import photo, unit


def test_each_station_numbers_its_own_visitors_and_codes_never_collide(tmp_path):
    store = EventStore.open(tmp_path, "ev")
    made = [store.create_participant(station_id=s).code for s in ("A", "A", "B", "", "b", "A")]
    assert made == ["A-001", "A-002", "B-001", "P-001", "B-002", "A-003"]
    assert sorted(made, key=code_key)[:3] == ["A-001", "B-001", "P-001"]


def test_a_typed_number_finds_every_station_s_visitor_and_a_letter_only_that_station_s():
    assert matches("17", "A-017") and matches("17", "B-017") and matches("p17", "P-017")
    assert matches("b17", "B-017") and matches("B-017", "B-017")
    assert not matches("b17", "A-017") and not matches("18", "A-017")
    live = LiveMap("m:none")
    photos = [photo(0, "A-001"), photo(1, "B-001"), photo(2, "A-002")]
    live.reset(photos, unit(np.random.default_rng(0), 3), np.zeros((3, 2)))
    assert live.match_text("1").ids == {photos[0].id, photos[1].id}
    assert live.match_text("b1").ids == {photos[1].id} and live.match_text("b1").query == "B-001"
    assert live.match_text("c1").ids == frozenset()  # a code nobody has: everything dims


def test_a_station_id_in_the_config_is_one_capital_letter_or_none():
    assert StationConfig(station_id="b").validated().station_id == "B"
    assert StationConfig(station_id="AB").validated().station_id == ""
    assert StationConfig(station_id="7").validated().station_id == ""


def test_station_b_hands_out_b_codes_from_its_settings(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=1, station_id="B")
    visit(qtbot, win, shots=1)
    win.controller.wait_idle()
    assert [p.code for p in store.participants()] == ["B-001"]
