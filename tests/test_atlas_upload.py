"""The upload engine with the real nomic 3.9.0 client against the Atlas emulator.

The central promise: whatever the service and the network do, the map ends up holding every
consented photo exactly once and nothing else, and nothing a visitor did not agree to ever
appears in any request the service receives.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from atlas_emulator import AtlasEmulator
from atlas_emulator.harness import ClientEnv, atlas_env, emulator, wait_for  # noqa: F401
from atlas_event import MODEL, Event, make_event
from piday_desktop.atlas import groups, modes, outbox, payload, state
from piday_desktop.atlas.engine import UploadEngine
from piday_desktop.atlas.settings import AtlasSettings
from piday_desktop.core.store import EventStore

FAST = AtlasSettings(deadline_s=0.6, backoff_base_s=0.02, backoff_cap_s=0.3, map_min_points=20,
                     map_min_interval_s=0.0, batch_size=16, idle_poll_s=0.2, vector_thumbnails=True)

SHARD_FAULTS = ["500", "502", "503", "504", "id_conflict", "lock_held", "org_limit", "status_201", "drop", "slow",
                "hang", "warning"]
ANY_FAULTS = ["500", "502", "503", "504", "drop", "hang", "slow", "wrong_key", "warning"]


def drain(engine: UploadEngine, timeout: float = 60.0, final_map: bool = False) -> None:
    """Step until everything is on Atlas; the waits are the engine's own backoff, not synchronisation."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = engine.step(final_map=final_map)
        if not result.worked and engine.done(final_map):
            return
        if not result.worked:
            time.sleep(min(result.wait, 0.2))
    raise AssertionError(f"not drained within {timeout} s: {engine.status().text()}")


def storm(emu: AtlasEmulator, p_shard: float = 0.35, p_any: float = 0.12) -> None:
    """Every fault kind at least once, then all of them at random (seeded by the emulator).

    First each shard fault once on successive shards and each general fault once on successive
    requests (count=1 rules fire in the order added), then random faults on shards, before and
    after processing, and on any request.
    """
    for kind in SHARD_FAULTS:
        emu.faults.add("arrow", kind, delay=0.3, timeout=1.0)
    for kind in ("drop", "hang"):
        emu.faults.add("arrow", kind, phase="after", timeout=1.0)
    for kind in ANY_FAULTS:
        emu.faults.add("*", kind, delay=0.2, timeout=1.0)
    emu.faults.add("arrow", SHARD_FAULTS, probability=p_shard, delay=0.3, timeout=1.0)
    emu.faults.add("arrow", ["drop", "hang", "slow"], probability=0.15, phase="after", delay=0.3, timeout=1.0)
    emu.faults.add("*", ANY_FAULTS, probability=p_any, delay=0.2, timeout=1.0)


def assert_exactly_the_consented(emu: AtlasEmulator, ev: Event) -> None:
    (dataset,) = emu.datasets()
    ids = dataset.ids
    assert len(ids) == len(set(ids)), "a photo was stored twice"
    assert set(ids) == ev.consented
    rows = {r["id"]: r for r in dataset.rows()}
    for photo_id in ev.consented:
        blob = rows[photo_id]["_blob_hash"]
        if photo_id in ev.with_photo:
            assert blob in emu.blobs, "a photo-consented row must point at its stored thumbnail"
        else:
            assert blob == payload.NO_BLOB


def carries(entry, text: str) -> bool:
    """True if a request carried ``text``: in its decoded content, or raw unless it is a compressed shard."""
    return any(text in t for t in entry.texts()) or (entry.endpoint != "arrow" and text.encode() in entry.body)


def assert_nothing_private_left(emu: AtlasEmulator, ev: Event, data_dir: Path) -> None:
    """No request at all (answered, refused, dropped or hung) carried anything it should not."""
    store = ev.store
    for photo_id in ev.private:
        assert emu.log.find(photo_id) == [], "a photo without map consent reached the service"
    private_codes = {store.photo(p).participant_code for p in ev.private}
    for code in private_codes:
        # Decoded text only: in zstd-compressed shards short codes like "P-033" can be spelled by
        # chance out of other codes' bytes ("P-0" + "33..."), which is not a leak.
        assert not [e for e in emu.log.entries() if carries(e, code)], f"{code} (no map consent) appeared in a request"
    for text in ev.nicknames + ev.labels + ev.original_names + [str(data_dir), str(store.directory), "IMG_SECRET"]:
        assert emu.log.find(text) == [], f"{text!r} appeared in a request"
    # Thumbnails: every blob part ever sent belongs to a visitor who agreed to show their photo.
    bodies = [e.body for e in emu.log.entries("blobs")]
    assert bodies, "the photo-consented visitors' thumbnails were never sent"
    for photo_id in ev.consented - ev.with_photo:
        thumb = payload.thumbnail(store, store.photo(photo_id), FAST.thumbnail_px)
        assert not any(thumb in body for body in bodies), "a thumbnail left without photo consent"
    sent_parts = sum(e.blob_count for e in emu.log.entries("blobs"))
    assert sent_parts >= len(ev.with_photo)


def test_happy_path_uploads_each_consented_photo_once_and_builds_the_map(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=12)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))

    drain(engine)

    assert_exactly_the_consented(emu, ev)
    assert_nothing_private_left(emu, ev, tmp_path / "data")
    (dataset,) = emu.datasets()
    assert dataset.slug == "ev" and dataset.unique_id_field == "id" and dataset.modality == "embedding"
    assert dataset.meta()["project_fields"] == ["id", "participant", "shot", "taken", "model", "group", "_blob_hash"]
    assert len(dataset.indices) == 1, "one map once enough points exist"
    status = engine.status()
    assert status.state == "uploaded" and status.uploaded == len(ev.consented) == 36
    assert status.map_link == "https://atlas.nomic.ai/data/piday-test/ev"
    assert outbox.counts(ev.store) == {"queued": 0, "sending": 0, "failing": 0, "uploaded": 36}
    # Requests per photo stay small: one shard, one read-back per batch.
    assert len(emu.log.entries("arrow")) == len(emu.log.entries("data_get")) == 3


def test_the_shared_map_gets_the_station_s_group_names_as_topic_labels(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=12)
    store = ev.store
    consented = sorted(ev.consented)
    # The live map named two groups (names from the label vocabulary); the rest is in none yet.
    named = {p: "glasses" for p in consented[:10]} | {p: "red hat" for p in consented[10:20]}
    assert groups.record(store, named) == 20
    engine = UploadEngine(store, FAST, rng=random.Random(0))

    drain(engine)

    (dataset,) = emu.datasets()
    rows = {r["id"]: r for r in dataset.rows()}
    assert {p: rows[p]["group"] for p in named} == named
    assert {rows[p]["group"] for p in consented[20:]} == {groups.NO_GROUP}
    (index,) = dataset.indices
    assert index.topic_label_field == payload.GROUP_FIELD
    assert set(index.topic_labels) == {"glasses", "red hat", groups.NO_GROUP}
    assert_nothing_private_left(emu, ev, tmp_path / "data")


def test_our_vectors_mode_sends_no_thumbnail_until_the_service_is_known_to_show_them(atlas_env: ClientEnv,
                                                                                    tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=8)
    drain(UploadEngine(ev.store, AtlasSettings(**{**FAST.__dict__, "vector_thumbnails": False})))
    (dataset,) = emu.datasets()
    assert set(dataset.ids) == ev.consented and dataset.modality == "embedding"
    assert emu.log.entries("blobs") == [] and emu.blobs == {}
    assert {r["_blob_hash"] for r in dataset.rows()} == {payload.NO_BLOB}, "the column is there for later"


def test_nomic_embeds_mode_sends_only_photos_that_may_be_shown_for_the_service_to_embed(atlas_env: ClientEnv,
                                                                                       tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=12)
    store = ev.store
    assert modes.choose(store, modes.NOMIC) is False, "nothing on Atlas yet: no rebuild"
    engine = UploadEngine(store, FAST, rng=random.Random(0))

    drain(engine, final_map=True)

    (dataset,) = emu.datasets()
    assert dataset.modality == "image" and "_embeddings" not in dataset.table().column_names
    assert sorted(dataset.ids) == sorted(ev.with_photo), "map-only visitors are not on an image map"
    rows = {r["id"]: r for r in dataset.rows()}
    assert all(rows[p]["_blob_hash"] in emu.blobs for p in ev.with_photo)
    assert {r["model"] for r in rows.values()} == {modes.VISION_MODEL}
    (index,) = dataset.indices
    assert index.model == modes.VISION_MODEL and index.indexed_field == "_blob_hash"
    assert index.text_search and index.topic_label_field == payload.GROUP_FIELD
    for photo_id in ev.consented - ev.with_photo:  # map consent, but not their photo
        assert emu.log.find(photo_id) == [], "a photo without consent to show it reached the service"
    assert engine.status().uploaded == len(ev.with_photo)
    assert outbox.kept_not_public(store) == len(ev.private) + len(ev.consented - ev.with_photo)


def test_switching_mode_rebuilds_the_dataset_in_the_new_mode_under_the_same_name(atlas_env: ClientEnv,
                                                                                 tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=12)
    store = ev.store
    drain(UploadEngine(store, FAST, rng=random.Random(0)))
    old = emu.datasets()[0].id

    assert modes.choose(store, "nomic-embeds") is True
    assert modes.choose(store, "nomic") is False, "the same mode again changes nothing"
    drain(UploadEngine(store, FAST, rng=random.Random(1)), final_map=True)

    (dataset,) = emu.datasets()
    assert dataset.id != old and dataset.slug == "ev" and dataset.modality == "image"
    assert sorted(dataset.ids) == sorted(ev.with_photo)
    with pytest.raises(modes.UnknownMode, match="vectors or nomic-embeds"):
        modes.choose(store, "pictures")


def test_group_names_are_replaced_whole_and_leave_with_their_photo(tmp_path: Path) -> None:
    ev = make_event(tmp_path / "data", participants=4)
    store = ev.store
    ids = sorted(ev.consented)
    groups.record(store, {ids[0]: "glasses", ids[1]: "glasses", "not-a-photo": "x"})
    groups.record(store, {ids[1]: "red hat", ids[2]: "red hat"})  # a renaming replaces every name
    assert groups.lookup(store, ids) == {ids[1]: "red hat", ids[2]: "red hat"}
    store.delete_photo(ids[1])
    assert groups.lookup(store, ids) == {ids[2]: "red hat"}

    class C:  # the live map's Cluster: a name and photo ids
        def __init__(self, name, ids):
            self.name, self.ids = name, ids
    assert groups.from_clusters([C("  two\n words ", ("a",)), C("", ("b",))]) == {"a": "two words"}


def test_map_waits_for_enough_points_and_is_refreshed_as_the_event_grows(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    settings = AtlasSettings(**{**FAST.__dict__, "map_min_points": 10, "map_growth": 0.5})
    ev = make_event(tmp_path / "data", participants=4, finished=False)
    store = ev.store
    engine = UploadEngine(store, settings, rng=random.Random(0))
    drain(engine)
    assert emu.datasets() == [], "nothing is sent before a visit is finished"

    codes = [p.code for p in store.participants()]
    for code in codes[:3]:  # P-002 and P-003 consented: 8 photos, under the threshold
        store.set_participant_state(code, "finished")
    drain(engine)
    assert emu.datasets()[0].count == 8 and emu.datasets()[0].indices == []

    make_event(tmp_path / "data", participants=8, seed=1).store.close()  # 8 more visitors, 24 photos
    drain(engine)
    dataset = emu.datasets()[0]
    assert dataset.count == 32 and len(dataset.indices) == 1

    store.set_participant_state(codes[3], "finished")  # +4: below 50 % growth, no new map
    drain(engine)
    assert dataset.count == 36 and len(dataset.indices) == 1
    assert state.get(store, "map_count") == "32"

    make_event(tmp_path / "data", participants=8, seed=2).store.close()  # 60 >= 32 * 1.5: refreshed
    drain(engine)
    assert dataset.count == 60 and len(dataset.indices) == 2
    assert state.get(store, "map_count") == "60"


def test_every_fault_at_random_still_ends_with_each_consented_photo_exactly_once(emulator: AtlasEmulator,
                                                                                 tmp_path: Path) -> None:
    emu = emulator
    emu.faults.seed(20260314)
    with ClientEnv(emu, tmp_path / "home"):
        ev = make_event(tmp_path / "data")  # 40 participants x 4 photos, mixed consent
        storm(emu)
        engine = UploadEngine(ev.store, FAST, rng=random.Random(1))

        drain(engine)

    fired = {kind for e in emu.log.entries() if (kind := e.fault)}
    assert set(SHARD_FAULTS) | set(ANY_FAULTS) <= fired, f"the storm was too calm: {fired}"
    assert any(e.outcome == "processed-dropped" for e in emu.log.entries("arrow")), "stored, reply lost"
    assert_exactly_the_consented(emu, ev)
    assert_nothing_private_left(emu, ev, tmp_path / "data")


def test_kill_mid_upload_and_restart_resumes_without_duplicates(emulator: AtlasEmulator, tmp_path: Path) -> None:
    emu = emulator
    emu.faults.seed(7)
    data = tmp_path / "data"
    with ClientEnv(emu, tmp_path / "home"):
        ev = make_event(data)
        # The third shard is stored, then its reply never comes: the station dies waiting for it.
        emu.faults.add("arrow", "hang", skip=2, phase="after")
        patient = AtlasSettings(**{**FAST.__dict__, "deadline_s": 30.0})
        doomed = UploadEngine(ev.store, patient, rng=random.Random(2))
        died: list[BaseException] = []

        def station() -> None:
            try:
                drain(doomed, timeout=60)
            except BaseException as exc:  # the "kill": its database is gone from under it
                died.append(exc)

        first_life = threading.Thread(target=station, daemon=True)
        first_life.start()
        wait_for(lambda: emu.faults.hanging == 1, timeout=10)
        ev.store.close()  # kill: the first process can write nothing more

        store = EventStore.open(data, "ev")  # restart from the same database
        in_doubt = outbox.counts(store)["sending"]
        assert in_doubt == 16, "the shard in flight is recorded as sent, outcome unknown"
        stored_before = emu.datasets()[0].count
        storm(emu)
        engine = UploadEngine(store, FAST, rng=random.Random(3))
        drain(engine)
        emu.faults.clear()
        emu.faults.release_hangs()  # the dead process's request finally completes
        first_life.join(10)

    assert died, "the first life should have ended with its database closed"
    assert stored_before >= 48, "the rows of the hung shard were stored before the kill"
    ev.store = store
    assert_exactly_the_consented(emu, ev)
    assert_nothing_private_left(emu, ev, data)


def test_a_shard_dropped_while_the_client_says_success_is_sent_again(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=4)
    emu.faults.add("arrow", "500")  # {"detail": ...}: the client logs "Upload succeeded."
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))

    engine.step()  # create + thumbnails + shard (dropped) + read-back
    status = engine.status()
    assert status.state == "failing" and status.failing == 12
    assert "did not store it" in status.reason

    drain(engine)
    assert_exactly_the_consented(emu, ev)
    assert [e.status for e in emu.log.entries("arrow")] == [500, 200]


def test_photos_without_a_vector_wait_without_counting_as_failures(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=4, embed=False)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    engine.step()
    assert engine.status().state == "waiting" and "embedding" in engine.status().reason
    assert emu.log.entries("arrow") == []

    photos = ev.store.photos()
    import numpy as np

    ev.store.put_embeddings([(p.id, np.ones(8, np.float32) / np.sqrt(8)) for p in photos], model_id=MODEL, device="cpu")
    drain(engine)
    assert_exactly_the_consented(emu, ev)
    assert ev.store.query("SELECT MAX(attempts) FROM atlas_outbox")[0][0] == 1


def test_a_duplicate_dataset_made_by_a_failed_lookup_is_removed(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    emu.config.duplicate_create = "suffix"
    ev = make_event(tmp_path / "data", participants=2)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    drain(engine)
    state.set_many(ev.store, dataset_id=None)  # as if the id had been lost: found again by name
    emu.faults.add("lookup", "500")  # the client then believes the dataset is missing and makes "ev-2"

    engine = UploadEngine(ev.store, FAST, rng=random.Random(1))
    with pytest.raises(Exception):
        engine._connect(state.get_all(ev.store))
    assert [d.slug for d in emu.datasets()] == ["ev"], "the stray duplicate is deleted again"
    assert engine._connect(state.get_all(ev.store)).slug == "ev"


# --- the link never dies ----------------------------------------------------------------------


def forget_one(ev: Event, code: str, rebuild: bool = True) -> set[str]:
    from piday_desktop.atlas import erase

    gone = {p.id for p in ev.store.photos(code)}
    assert erase.forget_participant(ev.store, code).rebuild is rebuild
    return gone


def test_a_forget_rebuilds_in_one_go_and_the_link_stays(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=12)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    drain(engine)
    link = engine.status().map_link
    assert link == "https://atlas.nomic.ai/data/piday-test/ev"
    emu.log.clear()

    gone = forget_one(ev, "P-003")
    drain(engine)

    (dataset,) = emu.datasets()
    assert set(dataset.ids) == ev.consented - gone and len(dataset.indices) == 1
    assert engine.status().map_link == link and engine.status().note is None
    # Without its map only from the delete to the new map's request: one create, every photo in
    # one shard, then the map at once (below map_min_points too: the event had a map).
    flow = [e.endpoint for e in emu.log.entries() if e.endpoint in ("remove", "create", "arrow", "index_create")]
    assert flow == ["remove", "create", "arrow", "index_create"]
    assert emu.log.entries("arrow")[0].num_rows == len(ev.consented - gone)
    assert emu.dataset(dataset.id).meta()["description"].endswith("come back in a few minutes.")


def test_a_rebuild_below_the_service_s_minimum_says_waiting_and_does_not_loop(atlas_env: ClientEnv,
                                                                            tmp_path: Path) -> None:
    emu = atlas_env.emulator
    ev = make_event(tmp_path / "data", participants=8)  # 24 photos on the map
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    drain(engine)
    forget_one(ev, "P-003")
    forget_one(ev, "P-006", rebuild=False)  # 16 left: Atlas maps from 20 (the rebuild is queued already)

    drain(engine, final_map=True)
    drain(engine, final_map=True)  # and again: still no second attempt

    status = engine.status()
    assert status.state == "uploaded" and status.uploaded == 16 and not status.rebuilding
    assert "waiting for more visitors" in status.note and "waiting for more visitors" in status.text()
    new = emu.datasets()[0]
    assert new.indices == [] and len([e for e in emu.log.entries("index_create") if e.status == 400]) == 1
    assert status.map_link == "https://atlas.nomic.ai/data/piday-test/ev", "the page opens, saying so"


@pytest.mark.parametrize("policy", ["suffix", "conflict"])
def test_a_slug_the_service_keeps_after_delete_never_loops(atlas_env: ClientEnv, tmp_path: Path, policy: str) -> None:
    emu = atlas_env.emulator
    emu.config.duplicate_create = policy
    emu.config.slug_hold_s = None  # the old name never comes back
    ev = make_event(tmp_path / "data", participants=12)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    drain(engine)
    gone = forget_one(ev, "P-002")

    drain(engine)

    (dataset,) = emu.datasets()
    assert dataset.slug.startswith("ev-") and set(dataset.ids) == ev.consented - gone
    creates = emu.log.entries("create")
    assert len(creates) <= 2 + FAST.slug_attempts, "a few tries, then a new name: no create-delete loop"
    status = engine.status()
    assert status.map_link == f"https://atlas.nomic.ai/data/piday-test/{dataset.slug}"
    assert "the map moved to" in status.note and len(dataset.indices) == 1
    drain(engine)
    assert len(emu.log.entries("create")) == len(creates), "settled: nothing more to try"


def test_a_slug_held_briefly_comes_back_and_the_link_stays(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    emu.config.duplicate_create = "suffix"
    emu.config.slug_hold_s = None
    ev = make_event(tmp_path / "data", participants=12)
    engine = UploadEngine(ev.store, FAST, rng=random.Random(0))
    drain(engine)
    forget_one(ev, "P-002")
    engine.step()  # removes the old dataset
    engine.step()  # the service hands out ev-2: removed again, retried later
    assert [d.slug for d in emu.datasets()] == []
    emu.store.release_slugs()  # the service finished deleting

    drain(engine)
    (dataset,) = emu.datasets()
    assert dataset.slug == "ev" and engine.status().note is None


def test_maps_are_rebuilt_only_when_the_data_changed_enough(atlas_env: ClientEnv, tmp_path: Path) -> None:
    emu = atlas_env.emulator
    settings = AtlasSettings(**{**FAST.__dict__, "map_growth": None})
    data = tmp_path / "data"
    ev = make_event(data, participants=12)  # 36 photos
    engine = UploadEngine(ev.store, settings, rng=random.Random(0))
    drain(engine, final_map=True)
    drain(engine, final_map=True)
    assert len(emu.datasets()[0].indices) == 1, "nothing changed: no second map"

    make_event(data, participants=1, seed=5).store.close()  # P-001 of seed 5 has no map consent
    make_event(data, participants=2, seed=6).store.close()  # +4 photos: 11 % more
    drain(engine, final_map=True)
    assert len(emu.datasets()[0].indices) == 2
