"""The station's counters (visitors, taken, kept, retakes, deleted): read from the catalogue,
shown in Settings, reset from there without deleting anything."""

from __future__ import annotations

from PySide6.QtCore import Qt

import imagefactory as f
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.station.counters import read_counters, reset_counters
from station_drive import open_window, visit


def test_counters_follow_every_shot_and_a_reset_counts_from_then_on(tmp_path):
    store = EventStore.open(tmp_path, "ev")
    pt = store.create_participant(consent=Consent())
    kept = [f.add_picture(store, pt, seed=s) for s in range(3)]
    store.delete_photo(f.add_picture(store, pt, seed=9, state="review").id)  # a retake
    store.delete_photo(kept[0].id)  # deleted later
    store.create_participant(consent=Consent())  # started, no photo: not a visitor
    c = read_counters(store)
    assert (c.visitors, c.taken, c.kept, c.retakes, c.deleted, c.since) == (1, 4, 2, 1, 1, None)

    reset_counters(store)
    assert read_counters(store).taken == 0 and read_counters(store).visitors == 0
    f.add_picture(store, store.create_participant(consent=Consent()), seed=20)
    c = read_counters(store)
    assert (c.visitors, c.taken, c.kept) == (1, 1, 1) and c.since is not None
    assert len(store.photos()) == 3  # the reset deleted nothing


def test_settings_show_the_counters_and_reset_them(qtbot, tmp_path, monkeypatch):
    from piday_desktop.ui.settings_dialog import SettingsDialog

    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=1)
    visit(qtbot, win, shots=1)
    win.controller.wait_idle()  # the kept photo's row is committed (Settings reads a snapshot)
    seen: list[str] = []

    def look(dialog: SettingsDialog) -> int:
        qtbot.waitUntil(lambda: dialog.counters.text().startswith("Visitors: 1"), timeout=5_000)
        seen.append(dialog.counters.text())
        qtbot.mouseClick(dialog.reset_counters, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.counters.text().startswith("Visitors: 0"), timeout=5_000)
        seen.append(dialog.counters.text())
        return 0

    monkeypatch.setattr(SettingsDialog, "exec", look)
    win.open_settings()
    assert seen[0] == "Visitors: 1, Photos taken: 1, Kept: 1, Retakes: 0, Deleted: 0 this event"
    assert seen[1].startswith("Visitors: 0, Photos taken: 0") and " since " in seen[1]
    assert len(store.photos()) == 1
