"""Several stations at one event: station ids keep participant codes apart (A-017, B-017), and
`piday merge` folds one station's event into another without doubling anything."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from atlas_emulator.harness import atlas_env, emulator  # noqa: F401
from atlas_event import MODEL, make_event
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_SKIPPED
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


# --- piday merge ---------------------------------------------------------------------------------


def merge(capsys, into: Path, other: Path, *extra: str) -> tuple[int, str]:
    from piday_desktop.cli import main

    code = main(["merge", str(other), "--event", "ev", "--data-dir", str(into), *extra])
    return code, capsys.readouterr().err


def test_merging_station_b_into_a_takes_every_photo_once_with_its_vectors_and_lays_the_map_out_again(tmp_path, capsys):
    a = make_event(tmp_path / "a", participants=4, photos_each=2, seed=1, station_id="A")
    b = make_event(tmp_path / "b", participants=3, photos_each=2, seed=2, station_id="B")
    a.store.set_layout(MODEL, [(p.id, 1.0, 2.0) for p in a.store.photos()])
    b_photos = {p.id: p for p in b.store.photos()}
    b.store.close()

    code, out = merge(capsys, tmp_path / "a", tmp_path / "b")  # B's data folder: its one event is found

    assert code == 0, out
    assert "3 participant(s) and 6 photo(s) added" in out and "6 vector(s) of test-model:none reused" in out
    store = a.store
    assert [p.code for p in store.participants()] == ["A-001", "A-002", "A-003", "A-004", "B-001", "B-002", "B-003"]
    for photo_id, theirs in b_photos.items():
        mine = store.photo(photo_id)
        assert mine.sha256 == theirs.sha256 and mine.participant_code == theirs.participant_code
        assert hashlib.sha256(store.photo_path(mine).read_bytes()).hexdigest() == theirs.sha256
    photos, _, xy = store.vectors(MODEL)
    assert len(photos) == 14 and np.isnan(xy).all()  # one layout for all, made afresh

    again, out = merge(capsys, tmp_path / "a", tmp_path / "b" / "events" / "ev")  # the event folder itself
    assert again == 0 and "0 participant(s) and 0 photo(s) added, 6 photo(s) already here" in out
    assert len(store.photos()) == 14


def test_two_stations_without_ids_keep_their_visitors_apart_and_say_which_codes_changed(tmp_path, capsys):
    a = make_event(tmp_path / "a", participants=2, photos_each=1, seed=1)
    b = make_event(tmp_path / "b", participants=2, photos_each=1, seed=2)
    theirs = {p.id: (p.code, p.consent) for p in b.store.participants()}
    b.store.close()

    code, out = merge(capsys, tmp_path / "a", tmp_path / "b")

    assert code == 0
    assert "their P-001 is P-003" in out and "their P-002 is P-004" in out
    by_id = {p.id: p for p in a.store.participants()}
    assert len(by_id) == 4
    for pid, (old, consent) in theirs.items():
        assert by_id[pid].consent == consent and by_id[pid].code != old


def test_a_missing_file_at_the_other_station_is_listed_and_the_rest_is_merged(tmp_path, capsys):
    a = make_event(tmp_path / "a", participants=1, photos_each=1, seed=1, station_id="A")
    b = make_event(tmp_path / "b", participants=2, photos_each=2, seed=2, station_id="B")
    gone = b.store.photos()[0]
    b.store.photo_path(gone).unlink()
    b.store.close()

    code, out = merge(capsys, tmp_path / "a", tmp_path / "b")

    assert code == EXIT_SKIPPED
    assert f"left out {gone.id}: its file cannot be read" in out
    assert len(a.store.photos()) == 1 + 3


def test_merge_refuses_what_is_not_another_event_with_a_clear_message(tmp_path, capsys):
    make_event(tmp_path / "a", participants=1, photos_each=1).store.close()
    (tmp_path / "empty").mkdir()
    code, out = merge(capsys, tmp_path / "a", tmp_path / "empty")
    assert code == EXIT_NOT_FOUND and "holds no event" in out
    code, out = merge(capsys, tmp_path / "a", tmp_path / "a" / "events" / "ev")
    assert code == EXIT_NOT_FOUND and "this event's own folder" in out
    code, out = merge(capsys, tmp_path / "a", tmp_path / "nowhere")
    assert code == EXIT_NOT_FOUND and "is not a folder" in out


# --- two stations, one Atlas dataset ---------------------------------------------------------------


def test_two_stations_upload_to_one_dataset_at_once_then_merge_and_nothing_goes_up_twice(atlas_env, tmp_path, capsys):
    import random
    import threading

    from piday_desktop.atlas import outbox
    from piday_desktop.atlas.engine import UploadEngine
    from test_atlas_upload import FAST, drain

    emu = atlas_env.emulator
    a = make_event(tmp_path / "a", participants=6, photos_each=2, seed=1, station_id="A")
    b = make_event(tmp_path / "b", participants=6, photos_each=2, seed=2, station_id="B")
    engines = [UploadEngine(ev.store, FAST, rng=random.Random(k)) for k, ev in enumerate((a, b))]
    errors: list[BaseException] = []

    def run(engine: UploadEngine) -> None:
        try:
            drain(engine)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    (dataset,) = emu.datasets()
    assert sorted(dataset.ids) == sorted(a.consented | b.consented), "both stations' photos, each once"
    b.store.close()
    sent_before = len(emu.log.entries("arrow"))

    code, out = merge(capsys, tmp_path / "a", tmp_path / "b")
    assert code == 0 and f"Atlas: {len(b.consented)} photo(s) already on the shared map" in out
    drain(UploadEngine(a.store, FAST, rng=random.Random(3)))

    (dataset,) = emu.datasets()
    assert sorted(dataset.ids) == sorted(a.consented | b.consented)
    assert len(emu.log.entries("arrow")) == sent_before, "the merged photos were not sent again"
    assert outbox.counts(a.store)["uploaded"] == len(a.consented | b.consented)
