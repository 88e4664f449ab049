"""The asyncio uploader as the station runs it: faults at start give a clear status, the event
loop (the UI thread under qasync) never stalls, capturing goes on, and the queue drains by
itself once the fault clears (or at once with "Retry now").
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from atlas_emulator import AtlasEmulator
from atlas_emulator.harness import ClientEnv, emulator  # noqa: F401
from atlas_event import jpeg, make_event
from piday_desktop.atlas.client import KEY_REFUSED
from piday_desktop.atlas.engine import UploadEngine
from piday_desktop.atlas.lock import UploaderLock
from piday_desktop.atlas.settings import AtlasSettings
from piday_desktop.atlas.status import UploadStatus
from piday_desktop.atlas.uploader import OTHER_UPLOADER, Uploader
from piday_desktop.core.store import Consent, EventStore

FAST = AtlasSettings(deadline_s=0.5, backoff_base_s=0.05, backoff_cap_s=0.3, map_min_points=1000, idle_poll_s=0.2,
                     vector_thumbnails=True)


async def until(uploader: Uploader, predicate: Callable[[UploadStatus], bool], timeout: float = 20.0) -> UploadStatus:
    """Wait for a status the uploader publishes (an event, not a sleep)."""
    if predicate(uploader.status):
        return uploader.status
    seen: list[UploadStatus] = []
    event = asyncio.Event()

    def on(status: UploadStatus) -> None:
        if predicate(status):
            seen.append(status)
            event.set()

    uploader.status_changed.connect(on)
    try:
        await asyncio.wait_for(event.wait(), timeout)
    finally:
        uploader.status_changed.disconnect(on)
    return seen[0]


class HangWatch:
    """Counts the loop's turns while the emulator holds a request the uploader still waits on.

    If the upload ran on the loop thread, the loop could not turn while a request is held and the
    client has not given up: this count would stay 0 however fast the machine (no clock in it).
    """

    def __init__(self, emulator: AtlasEmulator, uploader: Uploader) -> None:
        self.turns = 0
        self._emulator, self._uploader = emulator, uploader
        self._reached = asyncio.Event()
        self._handle: asyncio.Handle | None = None

    def start(self, wanted: int) -> "HangWatch":
        loop = asyncio.get_running_loop()

        def turn() -> None:
            if self._emulator.faults.hanging > 0 and self._uploader.status.state != "failing":
                self.turns += 1
                if self.turns >= wanted:
                    self._reached.set()
            self._handle = loop.call_soon(turn)

        self._handle = loop.call_soon(turn)
        return self

    async def reached(self, timeout: float = 20.0) -> None:
        await asyncio.wait_for(self._reached.wait(), timeout)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


def capture(store: EventStore, seed: int) -> float:
    """What the station's writer does for one shot; returns how long it took."""
    started = time.perf_counter()
    p = store.create_participant(consent=Consent(map=True))
    data = jpeg(900_000 + seed)
    store.add_photo(p, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG", width=24, height=24)
    return time.perf_counter() - started


def test_uploads_in_the_background_and_reports_progress(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=8)
        states: list[str] = []

        async def main() -> UploadStatus:
            uploader = Uploader(UploadEngine(ev.store, FAST))
            uploader.status_changed.connect(lambda s: states.append(s.state))
            uploader.start()
            done = await until(uploader, lambda s: s.state == "uploaded")
            await uploader.stop()
            return done

        done = asyncio.run(main())
    assert done.uploaded == len(ev.consented) == 24
    assert "uploading" in states and states[-1] == "stopped"
    assert sorted(emulator.datasets()[0].ids) == sorted(ev.consented)


def test_wrong_key_is_named_and_retry_now_drains_after_login(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home", key="nk-this-key-is-wrong") as env:
        ev = make_event(tmp_path / "data", participants=4)
        patient = replace(FAST, backoff_base_s=60.0, backoff_cap_s=600.0)  # only "Retry now" can hurry it

        async def main() -> tuple[UploadStatus, UploadStatus, float]:
            uploader = Uploader(UploadEngine(ev.store, patient)).start()
            failing = await until(uploader, lambda s: s.state == "failing")
            took = await asyncio.get_running_loop().run_in_executor(None, capture, ev.store, 1)
            env.write_credentials(emulator.key)  # `piday atlas login` with the right key
            uploader.retry_now()
            done = await until(uploader, lambda s: s.state == "uploaded", timeout=10)
            await uploader.stop()
            return failing, done, took

        failing, done, took = asyncio.run(main())
    assert failing.reason == KEY_REFUSED
    assert "Organization not found" not in failing.text()
    assert failing.retry_in() and failing.retry_in() > 20
    assert "the Atlas key was refused" in failing.text()
    assert took < 1.0, "capturing never waits for the uploader"
    assert done.uploaded == 12


def test_network_down_at_start_then_the_queue_drains_by_itself(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=4)

        async def main() -> tuple[UploadStatus, UploadStatus]:
            emulator.stop()  # the venue Wi-Fi is down when the station starts
            uploader = Uploader(UploadEngine(ev.store, FAST)).start()
            failing = await until(uploader, lambda s: s.state == "failing")
            emulator.start()
            done = await until(uploader, lambda s: s.state == "uploaded")
            await uploader.stop()
            return failing, done

        failing, done = asyncio.run(main())
    assert "cannot be reached" in failing.reason and failing.pending == 12
    assert done.uploaded == 12 and sorted(emulator.datasets()[0].ids) == sorted(ev.consented)


def test_a_hanging_service_never_stalls_the_loop_and_drains_once_it_answers(emulator: AtlasEmulator,
                                                                             tmp_path: Path) -> None:
    """A request that never answers: the loop keeps turning while it is held, shots are stored
    meanwhile, the status says so once the deadline passes, and the queue drains on release."""
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=4)
        emulator.faults.add("*", "hang", count=None)  # every request hangs until released
        patient = replace(FAST, deadline_s=30.0)  # the client waits on the held request

        async def main() -> tuple[int, list[float], UploadStatus]:
            uploader = Uploader(UploadEngine(ev.store, patient)).start()
            watch = HangWatch(emulator, uploader).start(wanted=50)
            await watch.reached()
            loop = asyncio.get_running_loop()
            takes = [await loop.run_in_executor(None, capture, ev.store, k) for k in range(3)]
            held = emulator.faults.hanging
            watch.stop()
            emulator.faults.clear()
            emulator.faults.release_hangs()
            done = await until(uploader, lambda s: s.state == "uploaded")
            await uploader.stop()
            return held, takes, done

        held, takes, done = asyncio.run(main())
    assert held >= 1  # the shots were stored while the upload was still held
    assert len(takes) == 3 and done.uploaded == 12  # the new visits are still open


def test_a_request_past_its_deadline_is_reported_and_retried_once_the_service_answers(emulator: AtlasEmulator,
                                                                                      tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=4)
        emulator.faults.add("*", "hang", count=None)

        async def main() -> tuple[UploadStatus, UploadStatus]:
            uploader = Uploader(UploadEngine(ev.store, FAST)).start()
            failing = await until(uploader, lambda s: s.state == "failing")
            emulator.faults.clear()
            emulator.faults.release_hangs()
            done = await until(uploader, lambda s: s.state == "uploaded")
            await uploader.stop()
            return failing, done

        failing, done = asyncio.run(main())
    assert "did not answer" in failing.reason
    assert done.uploaded == 12


def test_one_uploader_per_event_across_processes(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=2)
        other = UploaderLock(ev.store.directory)  # e.g. `piday upload` running in another terminal
        assert other.acquire()

        async def main() -> tuple[UploadStatus, UploadStatus]:
            uploader = Uploader(UploadEngine(ev.store, FAST)).start()
            waiting = await until(uploader, lambda s: s.state == "waiting")
            other.release()
            done = await until(uploader, lambda s: s.state == "uploaded")
            await uploader.stop()
            return waiting, done

        waiting, done = asyncio.run(main())
    assert waiting.reason == OTHER_UPLOADER
    assert done.uploaded == 4


def test_forget_from_the_station_rebuilds_without_the_visitor(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=4)  # P-002..P-004 consented, 12 photos
        gone = {p.id for p in ev.store.photos("P-003")}

        async def main() -> tuple[object, UploadStatus]:
            uploader = Uploader(UploadEngine(ev.store, FAST)).start()
            await until(uploader, lambda s: s.state == "uploaded")
            result: asyncio.Future = asyncio.get_running_loop().create_future()
            uploader.forget("P-003", result.set_result)
            forgot = await result
            done = await until(uploader, lambda s: s.state == "uploaded" and not s.rebuilding
                               and s.last_rebuild_s is not None)
            await uploader.stop()
            return forgot, done

        forgot, done = asyncio.run(main())
    assert forgot.rebuild and forgot.photos == 4
    (dataset,) = emulator.datasets()
    assert set(dataset.ids) == ev.consented - gone and len(dataset.ids) == 8
    assert done.uploaded == 8


def test_closing_the_station_never_waits_for_a_hung_request(emulator: AtlasEmulator, tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=2)
        emulator.faults.add("arrow", "hang")
        patient = replace(FAST, deadline_s=30.0)

        async def main() -> int:
            uploader = Uploader(UploadEngine(ev.store, patient)).start()
            await until(uploader, lambda s: s.state == "uploading" and s.sending == 4)
            await uploader.stop(timeout=0.2)
            return emulator.faults.hanging  # still held when stop() came back

        held = asyncio.run(main())
        emulator.faults.release_hangs()
    assert held == 1
    assert ev.store.query("SELECT COUNT(*) FROM atlas_outbox WHERE state IN ('sending','uploaded')")[0][0] == 4
