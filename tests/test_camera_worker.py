"""The Qt camera worker: frames by signal, newest-only delivery, reconnect, prompt stop.

Driven with the real test-pattern source and its real fault injection (unplug/replug/crash);
synchronisation is qtbot.waitSignal / waitUntil only.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt creates the app

import numpy as np
import pytest
from PIL import Image

from piday_desktop.capture import Frame, ImageFolderSource, TestPatternSource, list_cameras
from piday_desktop.workers.camera_worker import CameraWorker


@pytest.fixture
def worker(qtbot):
    w = CameraWorker(initial_delay=0.02, max_delay=0.1)
    states: list[str] = []
    w.state_changed.connect(states.append)
    w.states = states  # what the UI would have seen, in order
    yield w
    assert w.stop(timeout=2.0)


def is_state(name):
    return lambda state: state == name


def start_live(qtbot, worker, source):
    with qtbot.waitSignal(worker.state_changed, check_params_cb=is_state("live"), timeout=5000):
        worker.start(source)


def test_frames_arrive_by_signal_and_state_goes_live(qtbot, worker):
    source = TestPatternSource((320, 240), fps=60)
    with qtbot.waitSignal(worker.source_changed, timeout=5000) as opened:
        start_live(qtbot, worker, source)
    assert opened.args == ["Test pattern (320x240)"]
    with qtbot.waitSignal(worker.frame_ready, timeout=5000) as got:
        pass
    frame = got.args[0]
    assert isinstance(frame, Frame) and frame.image.shape == (240, 320, 3)
    assert worker.states[:2] == ["starting", "live"]
    assert worker.state == "live" and worker.description == "Test pattern (320x240)"


def test_slow_consumer_gets_newest_frames_not_a_backlog(qtbot, worker):
    fps = 200
    source = TestPatternSource((160, 120), fps=fps, clock=False)
    delivered: list[tuple[Frame, int, float]] = []

    def slow_ui(frame):
        # What the UI saw (and how far behind the source it was), then 50 ms of "painting".
        delivered.append((frame, worker.frames_captured, time.monotonic() - frame.timestamp))
        time.sleep(0.05)

    worker.frame_ready.connect(slow_ui)
    start_live(qtbot, worker, source)
    qtbot.waitUntil(lambda: len(delivered) >= 12, timeout=10000)
    worker.frame_ready.disconnect(slow_ui)

    numbers = [f.number for f, _, _ in delivered]
    assert numbers == sorted(set(numbers))  # never a repeat, never out of order
    captured = worker.frames_captured
    assert captured >= 3 * len(delivered), (captured, len(delivered))  # most frames dropped
    # Each delivered frame was (nearly) the newest one at delivery, and fresh.
    for frame, captured_then, age in delivered[1:]:
        assert captured_then - 1 - frame.number <= 3
        assert age < 0.1
    # Once the consumer is gone, nothing stale is still queued for it.
    count = worker.frames_delivered
    assert worker.stop(timeout=2.0)
    qtbot.wait(0)  # process whatever is queued
    assert worker.frames_delivered == count


def test_unplug_reports_lost_then_recovers_live(qtbot, worker):
    source = TestPatternSource((160, 120), fps=100)
    start_live(qtbot, worker, source)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=is_state("reconnecting"), timeout=5000):
        source.unplug()
    assert worker.capture_still() is None  # no shot from before the loss
    assert worker.states[-2:] == ["lost", "reconnecting"]
    with qtbot.waitSignal(worker.state_changed, check_params_cb=is_state("live"), timeout=5000):
        source.replug()
    with qtbot.waitSignal(worker.frame_ready, timeout=5000):
        pass
    assert worker.states[-3:] == ["lost", "reconnecting", "live"]
    assert source.open_count == 2


def test_injected_crash_fails_with_error_then_another_source_works(qtbot, worker):
    with qtbot.waitSignal(worker.error, timeout=5000) as failed:
        worker.start(TestPatternSource((160, 120), fps=100, crash_after=3))
    assert "injected" in failed.args[0]
    assert worker.state == "failed"
    start_live(qtbot, worker, TestPatternSource((160, 120), fps=100))


def test_missing_sources_fail_with_a_reason_and_the_worker_stays_usable(qtbot, worker, tmp_path):
    with qtbot.waitSignal(worker.error, timeout=2000) as failed:
        worker.start(str(tmp_path / "missing" / "clip.mp4"))
    assert "No such file or folder" in failed.args[0] and worker.state == "failed"
    if not list_cameras(1):  # this machine has no webcam
        with qtbot.waitSignal(worker.error, timeout=5000) as failed:
            worker.start("0")
        assert "index 0" in failed.args[0]
    start_live(qtbot, worker, "pattern")


def test_switching_source_at_runtime(qtbot, worker):
    first = TestPatternSource((320, 240), fps=60)
    start_live(qtbot, worker, first)
    second = TestPatternSource((160, 120), fps=60)
    with qtbot.waitSignal(worker.source_changed, timeout=5000) as opened:
        worker.start(second)  # start() while running switches
    assert opened.args == ["Test pattern (160x120)"]
    qtbot.waitUntil(lambda: not first.is_open, timeout=5000)
    with qtbot.waitSignal(
        worker.frame_ready, check_params_cb=lambda f: f.resolution == (160, 120), timeout=5000
    ):
        pass


def test_capture_still_is_the_full_resolution_unmirrored_frame(qtbot, worker):
    source = TestPatternSource((640, 360), fps=60, clock=False)
    twin = TestPatternSource((640, 360), clock=False)  # renders the same pictures
    start_live(qtbot, worker, source)
    qtbot.waitSignal(worker.frame_ready, timeout=5000).wait()
    still = worker.capture_still()
    assert still is not None and still.resolution == (640, 360)
    assert np.array_equal(still.image, twin.render(still.number))  # exactly as captured
    assert not still.image.flags.writeable  # nobody can mirror it in place
    worker.stop()
    assert worker.capture_still() is None


def test_non_looping_folder_ends(qtbot, worker, tmp_path):
    for name in ("a.png", "b.png"):
        Image.new("RGB", (32, 24), (10, 200, 30)).save(tmp_path / name)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=is_state("ended"), timeout=5000):
        worker.start(ImageFolderSource(tmp_path, fps=100, loop=False))


@pytest.mark.parametrize("situation", ["slow frame rate", "reconnect backoff"])
def test_stop_returns_promptly(qtbot, situation):
    worker = CameraWorker(initial_delay=30.0, max_delay=30.0)
    source = TestPatternSource((160, 120), fps=0.5)  # one frame every 2 s
    start_live(qtbot, worker, source)
    if situation == "reconnect backoff":
        with qtbot.waitSignal(
            worker.state_changed, check_params_cb=is_state("reconnecting"), timeout=5000
        ):
            source.unplug()
    started = time.monotonic()
    assert worker.stop(timeout=5.0)
    assert time.monotonic() - started < 0.5
    assert worker.state == "stopped" and not source.is_open


def test_many_frames_do_not_drain_pythons_true(qtbot, worker):
    """PySide6 6.12.0's emit() steals a reference to True; unpatched, a few hundred frames
    abort the interpreter ("bool_dealloc"). The worker gives the reference back."""
    import sys

    before = sys.getrefcount(True)
    start_live(qtbot, worker, TestPatternSource((64, 48), fps=1000, clock=False))
    qtbot.waitUntil(lambda: worker.frames_delivered >= 300, timeout=10000)
    assert worker.stop(timeout=2.0)
    assert before - sys.getrefcount(True) < 50
