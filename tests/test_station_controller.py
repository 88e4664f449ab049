"""The station's I/O behind the visitor flow, on a real event database (no window)."""

from __future__ import annotations

import errno

import numpy as np
from PIL import Image
import pytest

import imagefactory as f
from piday_desktop.core import durable
from piday_desktop.station.controller import StationController
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.station.visitor_flow import FlowSettings, Key, Stage, VisitorFlow


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def station(tmp_path):
    store = EventStore.open(tmp_path, "ev")
    clock = Clock()
    flow = VisitorFlow(FlowSettings(shots_per_visitor=3, countdown_s=1, debounce_s=0), clock=clock)
    frames = iter(np.asarray(f.picture((320, 240), seed=i)) for i in range(100))
    controller = StationController(store, flow, grab_frame=lambda: next(frames))
    yield store, flow, controller, clock
    controller.close()
    store.close()


def take(flow, controller, clock) -> None:
    flow.press(Key.SHOOT)
    clock.now += 1
    flow.tick()
    controller.wait_idle()
    assert flow.stage is Stage.REVIEW


def test_a_whole_visit_leaves_exactly_the_kept_photos(station):
    store, flow, controller, clock = station
    flow.start()
    flow.give_consent(Consent(map=True), nickname="Ada")
    controller.wait_idle()
    assert flow.visit.code == "P-001"
    take(flow, controller, clock)
    flow.keep()
    take(flow, controller, clock)
    retaken = flow.visit.under_review
    flow.retake()
    clock.now += 1
    flow.tick()
    controller.wait_idle()
    flow.keep()
    take(flow, controller, clock)
    flow.keep()
    controller.wait_idle()
    assert flow.stage is Stage.DONE
    photos = store.photos("P-001")
    assert len(photos) == 3 and retaken not in {p.id for p in photos}
    files = sorted(store.photos_dir.rglob("*.jpg"))
    assert len(files) == 3 and all(store.photo_path(p).is_file() for p in photos)
    p = store.participant("P-001")
    assert p.state == "finished" and p.nickname == "Ada" and p.consent == Consent(map=True)


def test_escape_mid_flow_drops_nothing_kept(station):
    store, flow, controller, clock = station
    flow.start()
    flow.give_consent(Consent())
    controller.wait_idle()
    take(flow, controller, clock)
    flow.keep()
    take(flow, controller, clock)
    flow.press(Key.CANCEL)
    controller.wait_idle()
    assert flow.stage is Stage.DONE and store.participant("P-001").state == "finished"
    assert len(store.photos("P-001")) == 1
    assert len(list(store.photos_dir.rglob("*.jpg"))) == 1


def test_refused_consent_writes_nothing(station):
    store, flow, controller, _ = station
    flow.start()
    flow.give_consent(Consent(local=False))
    controller.wait_idle()
    assert store.participants() == [] and not store.photos_dir.exists()


def test_disk_full_goes_to_failsafe_and_keeps_earlier_photos(station, monkeypatch):
    store, flow, controller, clock = station
    flow.start()
    flow.give_consent(Consent())
    controller.wait_idle()
    take(flow, controller, clock)
    flow.keep()

    def no_space(fd):  # the OS refusing the write, as a full disk does
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable.os, "fsync", no_space)
    flow.press(Key.SHOOT)
    clock.now += 1
    flow.tick()
    controller.wait_idle()
    assert flow.stage is Stage.FAILSAFE and "disk is full" in flow.failure.what
    assert len(store.photos("P-001")) == 1
    flow.press(Key.ACCEPT)
    assert flow.stage is Stage.IDLE


def test_no_frame_goes_to_failsafe(tmp_path):
    with EventStore.open(tmp_path, "ev") as store:
        flow = VisitorFlow(FlowSettings(countdown_s=0, debounce_s=0))
        controller = StationController(store, flow, grab_frame=lambda: None)
        flow.start()
        flow.give_consent(Consent())
        controller.wait_idle()
        flow.shoot()
        flow.tick()
        assert flow.stage is Stage.FAILSAFE and "camera" in flow.failure.what
        controller.close()


CRASH_SCRIPT = r"""
import os, signal, sys
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[2])
import imagefactory as f
from pathlib import Path
from piday_desktop.station.controller import StationController
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.station.visitor_flow import FlowSettings, VisitorFlow

store = EventStore.open(Path(sys.argv[1]), "ev")
flow = VisitorFlow(FlowSettings(countdown_s=0, debounce_s=0))
frames = iter(np.asarray(f.picture((320, 240), seed=i)) for i in range(10))
c = StationController(store, flow, grab_frame=lambda: next(frames))
flow.start(); flow.give_consent(Consent()); c.wait_idle()
flow.shoot(); flow.tick(); c.wait_idle(); flow.keep(); c.wait_idle()
flow.shoot(); flow.tick(); c.wait_idle()           # second photo on screen, under review
print("shown", flush=True)
os.kill(os.getpid(), signal.SIGKILL)             # the laptop dies right now
"""


def test_a_crash_loses_nothing_the_visitor_saw_taken(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "shown" and proc.returncode == -9, proc.stderr
    with EventStore.open(tmp_path, "ev") as store:
        photos = store.photos("P-001", include_review=True)
        assert [p.state for p in photos] == ["kept", "review"]
        for p in photos:
            assert store.photo_path(p).stat().st_size == p.size_bytes
        assert [p.code for p in store.open_participants()] == ["P-001"]


def test_an_unexpected_write_error_goes_to_failsafe_with_its_reason(tmp_path, monkeypatch):
    """Results are posted to run later (as on the UI thread), so the reason must outlive the except."""
    posted: list = []
    with EventStore.open(tmp_path, "ev") as store:
        clock = Clock()
        flow = VisitorFlow(FlowSettings(countdown_s=1, debounce_s=0), clock=clock)
        frames = iter(np.asarray(f.picture((320, 240), seed=i)) for i in range(5))
        controller = StationController(store, flow, grab_frame=lambda: next(frames), post=posted.append)

        def run_posted() -> None:
            controller.wait_idle()
            while posted:
                posted.pop(0)()

        flow.start()
        flow.give_consent(Consent())
        run_posted()

        def refuse(fd):  # an I/O error that is not a full disk
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(durable.os, "fsync", refuse)
        flow.press(Key.SHOOT)
        clock.now += 1
        flow.tick()
        run_posted()
        assert flow.stage is Stage.FAILSAFE
        assert "Input/output error" in flow.failure.what and "kept are safe" in flow.failure.todo
        controller.close()


def test_identical_frames_are_two_kept_photos(tmp_path):
    """A camera that repeats a frame (a rehearsal folder, a frozen webcam): every kept shot is
    kept, whatever its bytes; the second is not refused as a duplicate of the first."""
    with EventStore.open(tmp_path, "ev") as store:
        clock = Clock()
        flow = VisitorFlow(FlowSettings(shots_per_visitor=3, countdown_s=1, debounce_s=0), clock=clock)
        same = np.asarray(f.picture((320, 240), seed=7))
        controller = StationController(store, flow, grab_frame=lambda: same.copy())
        flow.start()
        flow.give_consent(Consent())
        controller.wait_idle()
        for _ in range(3):
            take(flow, controller, clock)
            flow.keep()
        controller.wait_idle()
        assert flow.stage is Stage.DONE and flow.failure is None
        photos = store.photos("P-001")
        assert len(photos) == 3 and len({p.sha256 for p in photos}) == 3
        pixels = [np.asarray(Image.open(store.photo_path(p))) for p in photos]
        assert all(np.array_equal(pixels[0], px) for px in pixels[1:])  # the pixels are untouched
        controller.close()


def test_a_visit_ended_before_its_row_was_written_is_closed_not_left_open(tmp_path):
    """Start, Enter, Esc faster than the writer: the row is closed, never offered as interrupted."""
    import threading

    with EventStore.open(tmp_path, "ev") as store:
        flow = VisitorFlow(FlowSettings(countdown_s=0, debounce_s=0))
        controller = StationController(store, flow, grab_frame=lambda: None)
        gate = threading.Event()
        controller._writer.submit(gate.wait)  # the writer is busy (an fsync) while the visitor leaves
        flow.start()
        flow.give_consent(Consent())
        flow.press(Key.CANCEL)
        gate.set()
        controller.wait_idle()
        assert store.open_participants() == []
        assert store.today_counts()["participants"] == 0  # a visit with no photo is not a visitor
        controller.close()


@pytest.mark.parametrize("as_seen", [False, True])
def test_a_shot_is_saved_as_the_camera_sees_it_or_mirrored_as_the_visitor_saw_it(tmp_path, as_seen):
    """pibooth's choice: text on a T-shirt reads right (as the camera sees it), or the photo looks
    like the mirror the visitor posed in. Left half bright, right half dark: which side is which."""
    frame = np.zeros((120, 160, 3), np.uint8)
    frame[:, :80] = 250
    with EventStore.open(tmp_path, "ev") as store:
        clock = Clock()
        flow = VisitorFlow(FlowSettings(shots_per_visitor=1, countdown_s=1, debounce_s=0), clock=clock)
        controller = StationController(store, flow, grab_frame=lambda: frame.copy())
        controller.save_as_seen = as_seen
        flow.start()
        flow.give_consent(Consent())
        controller.wait_idle()
        take(flow, controller, clock)
        (photo,) = store.photos("P-001", include_review=True)
        saved = np.asarray(Image.open(store.photo_path(photo)).convert("L"), dtype=float)
        left, right = saved[:, :70].mean(), saved[:, 90:].mean()
        assert (left < right) if as_seen else (left > right)
        controller.close()
