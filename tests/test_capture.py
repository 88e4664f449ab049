"""Camera sources, without Qt: what each source delivers, and how each one fails."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import imagefactory
from piday_desktop.capture import (
    CameraLost,
    CameraState,
    CameraUnavailable,
    Frame,
    ImageFolderSource,
    OpenCVCamera,
    ReconnectingSource,
    TestPatternSource,
    VideoFileSource,
    list_cameras,
    open_source,
)
from piday_desktop.capture.opencv_camera import preferred_backends

# --- helpers --------------------------------------------------------------------------------

COLOURS = [(250, 0, 0), (0, 250, 0), (0, 0, 250), (250, 250, 0)]


def solid_png(path: Path, rgb: tuple[int, int, int], size=(40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, rgb).save(path, "PNG")
    return path


def mean_rgb(frame: Frame) -> np.ndarray:
    return frame.image.reshape(-1, 3).mean(axis=0)


def write_clip(path: Path, colours_rgb, size=(64, 48), fps=50.0) -> Path:
    """A short MJPG AVI, one solid colour per frame."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for rgb in colours_rgb:
        writer.write(np.full((size[1], size[0], 3), rgb[::-1], np.uint8))  # OpenCV wants BGR
    writer.release()
    return path


def read_n(source, n):
    return [source.read() for _ in range(n)]


class StepClock:
    """Pacing time that passes only when a source waits: each wait is recorded, never slept.
    A wait whose event is already set (an interrupt) returns at once and takes no time."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def wait(self, wake: threading.Event, seconds: float) -> bool:
        if wake.is_set():
            return True
        self.waits.append(seconds)
        self.t += seconds
        return False


# --- frames ---------------------------------------------------------------------------------


def test_frame_is_read_only_rgb():
    frame = Frame.capture(np.zeros((4, 6, 3), np.uint8), 7)
    assert frame.resolution == (6, 4) and frame.number == 7
    assert frame.timestamp <= time.monotonic()
    with pytest.raises(ValueError):
        frame.image[0, 0, 0] = 1
    with pytest.raises(ValueError):
        Frame.capture(np.zeros((4, 6), np.uint8), 0)


# --- test pattern ---------------------------------------------------------------------------


def test_pattern_has_requested_size_and_moves():
    with TestPatternSource((320, 240), fps=None) as source:
        frames = read_n(source, 3)
    assert [f.number for f in frames] == [0, 1, 2]
    for f in frames:
        assert f.image.shape == (240, 320, 3) and f.image.dtype == np.uint8
    assert not np.array_equal(frames[0].image, frames[1].image)
    assert frames[0].timestamp <= frames[1].timestamp <= frames[2].timestamp
    assert source.description == "Test pattern (320x240)"


def test_pattern_is_deterministic_without_clock():
    a = TestPatternSource((160, 120), fps=None, clock=False)
    b = TestPatternSource((160, 120), fps=None, clock=False)
    with a, b:
        fa, fb = read_n(a, 5), read_n(b, 5)
    assert all(np.array_equal(x.image, y.image) for x, y in zip(fa, fb))


def test_pattern_keeps_its_frame_rate_without_bursting_after_a_slow_consumer():
    clock = StepClock()
    with TestPatternSource((64, 48), fps=50, pace_clock=clock) as source:
        read_n(source, 6)
        assert clock.waits == pytest.approx([1 / 50] * 5)  # the first frame is due at once
        clock.t += 1.0  # the consumer was busy for 50 frame times
        read_n(source, 3)
    # The schedule re-anchors to now: the late frame and the one due now come at once, then it
    # is back on 50 fps, not a burst of the 50 frames missed.
    assert clock.waits[5:] == pytest.approx([1 / 50])


def test_pattern_interrupt_ends_the_wait_for_a_slow_frame():
    clock = StepClock()
    with TestPatternSource((64, 48), fps=0.2, pace_clock=clock) as slow:  # one frame every 5 s
        slow.read()
        slow.interrupt()
        assert slow.read() is not None
    assert clock.waits == [] and clock.t == 1000.0  # no time passed waiting
    # The real clock: a reader waiting 100 s for its frame is released by interrupt().
    with TestPatternSource((64, 48), fps=0.01) as slower:
        slower.read()
        reader = threading.Thread(target=slower.read, daemon=True)
        reader.start()
        slower.interrupt()
        reader.join(10)
        assert not reader.is_alive()


def test_pattern_unplug_raises_lost_then_open_fails_until_replug():
    source = TestPatternSource((64, 48), fps=None, unplug_after=3)
    source.open()
    assert len(read_n(source, 3)) == 3
    with pytest.raises(CameraLost):
        source.read()
    source.close()
    with pytest.raises(CameraUnavailable, match="unplugged"):
        source.open()
    source.replug()
    source.open()
    assert source.read().number == 0
    assert len(read_n(source, 5)) == 5  # unplug_after is one-shot
    source.close()


def test_pattern_injected_crash_is_an_unexpected_error():
    with TestPatternSource((64, 48), fps=None, crash_after=2) as source:
        read_n(source, 2)
        with pytest.raises(RuntimeError, match="injected"):
            source.read()


# --- image folder ---------------------------------------------------------------------------


def test_image_folder_plays_in_name_order_and_loops(tmp_path):
    # Natural order: img1, img2, img10 (not img1, img10, img2).
    for name, colour in [("img10.png", COLOURS[2]), ("img2.png", COLOURS[1]), ("IMG1.png", COLOURS[0])]:
        solid_png(tmp_path / name, colour)
    (tmp_path / "notes.txt").write_text("not a photo")
    with ImageFolderSource(tmp_path, fps=None) as source:
        frames = read_n(source, 5)
        assert source.current_file.name == "img2.png"
    got = [tuple(int(round(v)) for v in mean_rgb(f)) for f in frames]
    assert got == [COLOURS[0], COLOURS[1], COLOURS[2], COLOURS[0], COLOURS[1]]
    assert [f.number for f in frames] == [0, 1, 2, 3, 4]
    assert source.resolution == (40, 30)


def test_image_folder_without_loop_ends(tmp_path):
    solid_png(tmp_path / "a.png", COLOURS[0])
    solid_png(tmp_path / "b.png", COLOURS[1])
    with ImageFolderSource(tmp_path, fps=None, loop=False) as source:
        assert read_n(source, 2)[1] is not None
        assert source.read() is None


def test_image_folder_skips_unreadable_files(tmp_path):
    solid_png(tmp_path / "b_good.png", COLOURS[1])
    imagefactory.text_named_png(tmp_path / "a_text.png")
    imagefactory.truncated_jpeg(tmp_path / "c_truncated.jpg")
    imagefactory.empty_file(tmp_path / "d_empty.jpg")
    solid_png(tmp_path / "e_good.png", COLOURS[3])
    with ImageFolderSource(tmp_path, fps=None) as source:
        frames = read_n(source, 4)
    got = [tuple(int(round(v)) for v in mean_rgb(f)) for f in frames]
    assert got == [COLOURS[1], COLOURS[3], COLOURS[1], COLOURS[3]]
    assert {p.name for p in source.skipped} == {"a_text.png", "c_truncated.jpg", "d_empty.jpg"}


def test_image_folder_applies_exif_orientation(tmp_path):
    upright = imagefactory.exif_rotated_jpeg(tmp_path / "phone.jpg", size=(240, 320))
    with ImageFolderSource(tmp_path, fps=None) as source:
        frame = source.read()
    assert frame.resolution == upright.size == (240, 320)  # portrait, as displayed
    diff = np.abs(frame.image.astype(int) - np.asarray(upright, dtype=int)).mean()
    assert diff < 8, diff  # JPEG noise only; a sideways picture differs by far more


def test_image_folder_with_nothing_readable_is_unavailable(tmp_path):
    with pytest.raises(CameraUnavailable, match="No readable photos"):
        ImageFolderSource(tmp_path).open()
    imagefactory.text_named_png(tmp_path / "x.png")
    with pytest.raises(CameraUnavailable, match="1 unreadable"):
        ImageFolderSource(tmp_path).open()
    with pytest.raises(CameraUnavailable, match="not found"):
        ImageFolderSource(tmp_path / "missing").open()


# --- video file -----------------------------------------------------------------------------


def test_video_file_plays_its_frames_in_order(tmp_path):
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 40)]
    clip = write_clip(tmp_path / "clip.avi", colours)
    with VideoFileSource(clip, loop=False, realtime=False) as source:
        frames = read_n(source, 4)
        assert source.read() is None
    assert source.description == "Video file clip.avi"
    assert source.fps == pytest.approx(50.0)
    assert [f.number for f in frames] == [0, 1, 2, 3]
    for frame, expected in zip(frames, colours):
        assert frame.resolution == (64, 48)
        assert np.abs(mean_rgb(frame) - expected).max() < 12  # RGB, not BGR (MJPG is lossy)


def test_video_file_loops_and_keeps_its_frame_rate(tmp_path):
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    clip = write_clip(tmp_path / "clip.avi", colours, fps=40.0)
    clock = StepClock()
    with VideoFileSource(clip, pace_clock=clock) as source:
        frames = read_n(source, 7)
    assert clock.waits == pytest.approx([1 / 40] * 6)  # the file's own rate, across the loop
    assert [f.number for f in frames] == list(range(7))
    firsts = [mean_rgb(frames[i]) for i in (0, 3, 6)]
    assert all(np.abs(m - colours[0]).max() < 12 for m in firsts)


def test_image_folder_plays_at_its_frame_rate(tmp_path):
    solid_png(tmp_path / "a.png", COLOURS[0])
    clock = StepClock()
    with ImageFolderSource(tmp_path, fps=4, pace_clock=clock) as source:
        read_n(source, 3)
    assert clock.waits == pytest.approx([0.25, 0.25])


def test_video_file_that_is_not_a_video_is_unavailable(tmp_path):
    bogus = tmp_path / "bogus.avi"
    bogus.write_bytes(b"\x00" * 100)
    with pytest.raises(CameraUnavailable, match="bogus.avi"):
        VideoFileSource(bogus).open()


# --- spec parsing ---------------------------------------------------------------------------


def test_open_source_parses_each_kind(tmp_path):
    clip = write_clip(tmp_path / "clip.avi", [(1, 2, 3)])
    photos = tmp_path / "photos"
    solid_png(photos / "a.png", COLOURS[0])

    camera = open_source("0")
    assert isinstance(camera, OpenCVCamera) and camera.device == 0
    assert isinstance(open_source(2), OpenCVCamera) and open_source(2).device == 2
    pattern = open_source("Pattern", resolution=(320, 240))
    assert isinstance(pattern, TestPatternSource) and pattern.resolution == (320, 240)
    assert isinstance(open_source(str(photos)), ImageFolderSource)
    assert isinstance(open_source(str(clip)), VideoFileSource)
    assert not camera.is_open  # built, not opened


@pytest.mark.parametrize("spec", ["missing/clip.mp4", "nothing-here.avi", "./gone"])
def test_open_source_missing_path_is_a_clear_error(tmp_path, monkeypatch, spec):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CameraUnavailable, match="No such file or folder"):
        open_source(spec)


def test_open_source_empty_spec_is_a_clear_error():
    with pytest.raises(CameraUnavailable, match="No camera given"):
        open_source("  ")


# --- real cameras (this machine has none) ---------------------------------------------------

needs_no_camera = pytest.mark.skipif(
    bool(list_cameras(1)), reason="a camera is attached at index 0"
)


@needs_no_camera
def test_missing_webcam_is_unavailable_with_the_reason_and_quietly(capfd):
    # Quick because only V4L2 is tried on Linux (GStreamer can stall for seconds on a missing
    # device): the backend choice is what is checked, not a stopwatch.
    assert preferred_backends("linux") == [cv2.CAP_V4L2]
    with pytest.raises(CameraUnavailable) as info:
        OpenCVCamera(0, (1280, 720)).open()
    message = str(info.value)
    assert "index 0" in message and "plugged in" in message
    assert "WARN" not in capfd.readouterr().err


def test_list_cameras_is_quiet(capfd):
    cameras = list_cameras(max_index=5)
    assert all(0 <= c.index < 5 for c in cameras)
    assert "WARN" not in capfd.readouterr().err


# --- reconnecting ---------------------------------------------------------------------------


def test_reconnecting_source_recovers_after_replug():
    pattern = TestPatternSource((64, 48), fps=None, unplug_after=3)
    events: list[tuple[CameraState, str]] = []

    def on_state(state, detail):
        events.append((state, detail))
        attempts = sum(1 for s, _ in events if s is CameraState.RECONNECTING)
        if attempts == 2:  # a person plugs the cable back in while we retry
            pattern.replug()

    source = ReconnectingSource(pattern, initial_delay=0.01, max_delay=0.05, on_state=on_state)
    with source:
        frames = read_n(source, 6)
    assert [f.number for f in frames] == list(range(6))  # numbering carries on
    assert [s for s, _ in events] == [
        CameraState.LOST,
        CameraState.RECONNECTING,
        CameraState.RECONNECTING,
        CameraState.LIVE,
    ]
    assert "unplugged" in events[0][1]
    assert pattern.open_count == 2 and source.reconnects == 1


def test_reconnecting_source_gives_up_after_max_attempts():
    pattern = TestPatternSource((64, 48), fps=None, unplug_after=1)
    source = ReconnectingSource(pattern, initial_delay=0.0, max_delay=0.0, max_attempts=3)
    source.open()
    source.read()
    with pytest.raises(CameraUnavailable, match="after 3 attempts"):
        source.read()
    source.close()


def test_reconnecting_source_stops_waiting_when_interrupted():
    pattern = TestPatternSource((64, 48), fps=None, unplug_after=0)
    waiting = threading.Event()
    source = ReconnectingSource(
        pattern,
        initial_delay=30.0,
        max_delay=30.0,
        on_state=lambda state, detail: state is CameraState.RECONNECTING and waiting.set(),
    )
    result: list[object] = []
    source.open()
    reader = threading.Thread(target=lambda: result.append(source.read()))
    reader.start()
    assert waiting.wait(5)
    source.interrupt()
    reader.join(10)  # the backoff is 30 s: only the interrupt can end the read this soon
    assert not reader.is_alive() and result == [None]
    source.close()
