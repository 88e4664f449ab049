"""The outbox's rules, the consent gate's rules and the small parts, mostly without a network."""

from __future__ import annotations

import io
import random
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from atlas_emulator import AtlasEmulator
from atlas_emulator.harness import ClientEnv, emulator  # noqa: F401
from atlas_event import jpeg, make_event
from piday_desktop.atlas import erase, outbox, payload, state
from piday_desktop.atlas.client import KEY_REFUSED, NO_KEY, AtlasError, classify
from piday_desktop.atlas.deadline import DeadlineExceeded, abandoned_calls, call_with_deadline
from piday_desktop.atlas.engine import UploadEngine
from piday_desktop.atlas.lock import UploaderLock
from piday_desktop.atlas.settings import AtlasSettings
from piday_desktop.atlas.status import UploadStatus
from piday_desktop.core.store import Consent, EventStore
from test_atlas_upload import FAST, drain


def as_sent(store: EventStore, photo_ids, dataset_id: str = "ds-1", blob: str | None = None) -> None:
    """Mark rows as sent to a dataset (what the engine records before a request)."""
    outbox.sweep(store)
    state.set_many(store, dataset_id=dataset_id)
    outbox.mark_sending(store, list(photo_ids), dataset_id)
    if blob:
        outbox.set_blob_hashes(store, {p: blob for p in photo_ids})


def test_what_is_eligible(tmp_path: Path) -> None:
    store = EventStore.open(tmp_path, "ev")
    ev = make_event(tmp_path, participants=4, finished=False)  # P-001..P-004, station, open
    assert outbox.sweep(store).enqueued == 0, "visits still open send nothing"
    store.set_participant_state("P-002", "finished")
    store.set_participant_state("P-003", "cancelled")
    imported = store.create_participant(source="import", consent=Consent(map=True), label="folder")
    store.add_photo(imported, jpeg(5), sha256="ab" * 32, fmt="JPEG", width=24, height=24)
    review = store.add_photo(store.participant("P-002"), jpeg(6), sha256="cd" * 32,
                             fmt="JPEG", width=24, height=24, state="review")
    assert outbox.sweep(store).enqueued == 5  # P-002's 4 kept photos + the open import's one
    queued = {r[0] for r in store.query("SELECT photo_id FROM atlas_outbox")}
    assert review.id not in queued and not (queued & ev.private)
    assert {store.photo(p).participant_code for p in queued} == {"P-002", imported.code}


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    rng = random.Random(1)
    delays = [outbox.backoff_delay(n, 2.0, 60.0, rng) for n in range(1, 9)]
    steps = [2, 4, 8, 16, 32, 60, 60, 60]
    assert all(0.5 * s <= d <= s for d, s in zip(delays, steps))
    assert outbox.backoff_delay(3, 2.0, 60.0, draw=1.0) == 8.0 and outbox.backoff_delay(3, 2.0, 60.0, draw=0.0) == 4.0


def test_deadline_returns_raises_and_abandons() -> None:
    assert call_with_deadline(lambda x: x * 2, 1.0, "double", 21) == 42
    with pytest.raises(ZeroDivisionError):
        call_with_deadline(lambda: 1 / 0, 1.0, "divide")
    gate = threading.Event()
    with pytest.raises(DeadlineExceeded, match="stuck call did not answer within 0.10 s"):
        call_with_deadline(gate.wait, 0.1, "stuck call")
    assert not gate.is_set()  # it came back while the call was still stuck
    assert abandoned_calls() >= 1
    gate.set()


@pytest.mark.parametrize(("exc", "kind"), [
    (requests.ConnectionError("reset"), "offline"),
    (DeadlineExceeded("x", 2), "timeout"),
    (Exception("Organization not found: piday-test"), "key_refused"),
    (ValueError("Your authorization token is no longer valid. Run `nomic login` to obtain a new one."), "key_refused"),
    (ValueError("You have not configured your Nomic API token. Run `nomic login` to configure."), "no_key"),
    (Exception("Project is currently indexing and cannot ingest new datums. Try again later."), "locked"),
    (Exception("Cannot contact establish a connection with Nomic services."), "server"),
    (RuntimeError("piday/ev: Atlas is under high load and cannot ingest datums at this time."), "server"),
    (KeyError("Field nickname present in table schema not found in data"), "rejected"),
])
def test_client_errors_become_kinds_with_plain_reasons(exc: BaseException, kind: str) -> None:
    error = classify(exc)
    assert isinstance(error, AtlasError) and error.kind == kind
    if kind == "key_refused":
        assert error.reason == KEY_REFUSED
    if kind == "no_key":
        assert error.reason == NO_KEY


def test_withdrawing_map_consent_after_upload_schedules_a_rebuild(tmp_path: Path) -> None:
    ev = make_event(tmp_path, participants=4)
    store = ev.store
    p2 = [p.id for p in store.photos("P-002")]
    as_sent(store, p2)
    change = erase.change_consent(store, "P-002", Consent())
    assert change.rebuild
    values = state.get_all(store)
    assert state.json_list(values, "remove_datasets") == ["ds-1"] and "dataset_id" not in values
    assert outbox.counts(store)["sending"] == 0, "every remaining row goes up again to the new dataset"
    assert not store.query("SELECT 1 FROM atlas_outbox WHERE photo_id IN (?,?,?,?)", p2)


def test_withdrawing_before_anything_left_needs_no_rebuild(tmp_path: Path) -> None:
    ev = make_event(tmp_path, participants=4)
    outbox.sweep(ev.store)
    change = erase.change_consent(ev.store, "P-003", Consent(map=True))  # photo taken back, nothing sent
    assert not change.rebuild and not state.get(ev.store, "remove_datasets")


def test_taking_back_the_photo_after_its_thumbnail_left_schedules_a_rebuild(tmp_path: Path) -> None:
    ev = make_event(tmp_path, participants=4)
    p3 = [p.id for p in ev.store.photos("P-003")]
    outbox.sweep(ev.store)
    state.set_many(ev.store, dataset_id="ds-1")
    outbox.set_blob_hashes(ev.store, {p3[0]: "hash"})  # only the thumbnail went, not the row
    assert erase.change_consent(ev.store, "P-003", Consent(map=True)).rebuild


def test_deleting_an_uploaded_photo_by_any_path_flags_a_rebuild(tmp_path: Path) -> None:
    ev = make_event(tmp_path, participants=4)
    photo = ev.store.photos("P-002")[0]
    as_sent(ev.store, [photo.id])
    ev.store.delete_photo(photo.id)  # not through erase: the trigger still notices
    assert outbox.sweep(ev.store).rebuild
    assert state.json_list(state.get_all(ev.store), "remove_datasets") == ["ds-1"]


def test_forget_with_nothing_uploaded_only_erases_here(tmp_path: Path) -> None:
    ev = make_event(tmp_path, participants=4)
    folder = ev.store.photos_dir / ev.store.participant("P-002").id
    assert folder.is_dir()
    result = erase.forget_participant(ev.store, "P-002")
    assert (result.photos, result.rebuild) == (4, False)
    assert not folder.exists() and not state.get(ev.store, "remove_datasets")
    assert ev.store.counts()["photos"] == 12


def test_uploader_lock_is_exclusive(tmp_path: Path) -> None:
    first, second = UploaderLock(tmp_path), UploaderLock(tmp_path)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_status_lines() -> None:
    assert UploadStatus("uploaded", uploaded=12).text() == "Atlas: all 12 photos on the map"
    failing = UploadStatus("failing", queued=4, uploaded=8, reason=KEY_REFUSED, retry_at=time.time() + 30)
    assert failing.text().startswith("Atlas: 8 on the map, 4 to upload. Not uploading: the Atlas key was refused")
    assert "retrying in" in failing.text()
    assert "waiting: Atlas is building the map" in UploadStatus("waiting", queued=2, reason="Atlas is building the map").text()


def test_no_key_on_this_laptop_is_said_plainly(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home") as env:
        (env.nomic_dir / "credentials").unlink()
        ev = make_event(tmp_path / "data", participants=2)
        engine = UploadEngine(ev.store, FAST)
        engine.step()
        assert engine.status().reason == NO_KEY
    assert emulator.log.entries() == []


@pytest.mark.parametrize("event_shows_nicknames", [False, True])
def test_nicknames_only_when_the_event_shows_them_and_the_visitor_agreed(
        emulator: AtlasEmulator, tmp_path: Path, event_shows_nicknames: bool) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=4)
        erase.change_consent(ev.store, "P-003", Consent(map=True, photo=True), share_nickname=True)
        settings = AtlasSettings(**{**FAST.__dict__, "share_nicknames": event_shows_nicknames})
        drain(UploadEngine(ev.store, settings))
    rows = {r["participant"]: r for r in emulator.datasets()[0].rows()}
    for name in ("Zebulon01", "Zebulon03"):  # P-002 and P-004 did not agree
        assert emulator.log.find(name) == []
    if event_shows_nicknames:
        assert rows["P-003"]["nickname"] == "Zebulon02" and rows["P-002"]["nickname"] == "null"
    else:
        assert emulator.log.find("Zebulon02") == [] and "nickname" not in rows["P-003"]


def test_thumbnails_carry_no_metadata(tmp_path: Path) -> None:
    store = EventStore.open(tmp_path, "ev")
    p = store.create_participant(consent=Consent(map=True, photo=True))
    img = Image.new("RGB", (1200, 800), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    photo = store.add_photo(p, buf.getvalue(), sha256="ef" * 32, fmt="JPEG", width=1200, height=800)
    thumb = payload.thumbnail(store, photo, 384)
    out = Image.open(io.BytesIO(thumb))
    assert max(out.size) == 384 and not out.getexif() and b"SecretCameraMaker" not in thumb
