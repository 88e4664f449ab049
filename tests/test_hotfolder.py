"""The hot folder: a tethered camera's files, counted only once complete, as a camera and headless."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import imagefactory as f
from piday_desktop.capture import CameraLost, CameraUnavailable, WatchFolderSource, open_source
from piday_desktop.capture.hotfolder import CompletionTracker, HotFolder, is_temporary
from piday_desktop.jobs.scan import item_for

TINY = "piday-tiny:none"


class Clock:
    """An injected clock: completion depends on time passing, never on the test sleeping."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def jpeg_bytes(seed: int, size=(96, 64)) -> bytes:
    import io

    buf = io.BytesIO()
    f.picture(size, seed).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def drop(path: Path, data: bytes) -> Path:
    """What tethering tools do: write under a temporary name, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def poll_until(hot: HotFolder, clock: Clock | None, want: int, step: float = 0.5, rounds: int = 40) -> list[Path]:
    """Poll (advancing the injected clock) until ``want`` files are complete; waits on the
    observer's own events, so a slow machine only makes it slower, never wrong."""
    found: list[Path] = []
    for _ in range(rounds):
        found += hot.poll()
        if len(found) >= want:
            return found
        if clock is not None:
            clock.now += step
        hot.wait(0.5)
    return found


# --- completion ---------------------------------------------------------------------------


def test_a_growing_file_counts_only_once_its_size_is_stable(tmp_path):
    clock = Clock()
    tracker = CompletionTracker(settle_s=1.0)
    data = jpeg_bytes(1)
    path = tmp_path / "IMG_0001.JPG"
    path.write_bytes(data[:100])  # the camera is still writing it
    tracker.observe(path)
    assert tracker.check(clock()) == []
    clock.now += 5
    with open(path, "ab") as out:
        out.write(data[100:])
    assert tracker.check(clock()) == []  # it grew: the clock starts again
    clock.now += 0.5
    assert tracker.check(clock()) == []  # stable, but not for long enough
    clock.now += 0.6
    assert tracker.check(clock()) == [path]
    clock.now += 5
    tracker.observe(path)
    assert tracker.check(clock()) == [] and tracker.check(clock() + 2) == []  # counted once


def test_empty_and_temporary_files_never_count_and_a_rename_counts_at_once(tmp_path):
    clock = Clock()
    tracker = CompletionTracker(settle_s=1.0)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for name in (".IMG_1.jpg", "~IMG_2.jpg", "IMG_3.jpg.part", "IMG_4.jpg.tmp", "IMG_5.crdownload", "notes.txt"):
        (tmp_path / name).write_bytes(b"xx")
        tracker.observe(tmp_path / name)
        assert is_temporary(tmp_path / name) or name == "notes.txt"
    tracker.observe(empty)
    renamed = drop(tmp_path / "IMG_6.jpg", jpeg_bytes(2))
    tracker.renamed(renamed)
    assert tracker.check(clock()) == [renamed]  # no settle time for a file renamed into place
    clock.now += 10
    assert tracker.check(clock()) == [] and tracker.check(clock() + 10) == []
    empty.write_bytes(jpeg_bytes(3))  # the same name written again: new content counts
    clock.now += 20
    assert tracker.check(clock()) == []
    clock.now += 2
    assert tracker.check(clock()) == [empty]


def test_item_for_applies_the_import_folder_rule(tmp_path):
    root = tmp_path / "hot"
    assert item_for(root, root / "alice" / "a.jpg").participant == "alice"
    assert item_for(root, root / "alice" / "day2" / "b.jpg").participant == "alice"
    loose = item_for(root, root / "c.jpg")
    assert loose.participant == "hot" and loose.display == "c.jpg"
    assert item_for(root, root / ".hidden" / "d.jpg") is None
    assert item_for(root, tmp_path / "elsewhere.jpg") is None


# --- the watcher with real file-system events -----------------------------------------------


@pytest.mark.parametrize("polling", [False, True], ids=["native", "polling"])
def test_hot_folder_reports_renamed_and_settled_files_once(tmp_path, polling):
    clock = Clock()
    root = tmp_path / "hot"
    (root / "alice").mkdir(parents=True)
    old = drop(root / "alice" / "before.jpg", jpeg_bytes(0))
    with HotFolder(root, settle_s=1.0, polling=polling, only_new=True, clock=clock, rescan_s=1e9) as hot:
        assert hot.observer_kind == ("polling" if polling else "native")
        renamed = drop(root / "alice" / "IMG_1.jpg", jpeg_bytes(1))
        # Native events see the rename: complete with the clock standing still. Polling sees only
        # a new file (the temp name lived less than one poll), which then has to settle.
        assert poll_until(hot, clock if polling else None, 1) == [renamed]
        written = root / "bob" / "IMG_2.jpg"  # a new folder, the file written in place: settles
        written.parent.mkdir()
        written.write_bytes(jpeg_bytes(2))
        assert poll_until(hot, clock, 1) == [written]
        clock.now += 10
        assert hot.poll() == []
    assert old not in (renamed, written)


def test_existing_files_are_reported_unless_only_new(tmp_path):
    clock = Clock()
    root = tmp_path / "hot"
    existing = drop(root / "a.jpg", jpeg_bytes(0))
    with HotFolder(root, settle_s=1.0, clock=clock) as hot:
        assert poll_until(hot, clock, 1) == [existing]


# --- the camera source --------------------------------------------------------------------------


def test_watch_source_shows_waiting_card_then_each_new_photo(tmp_path):
    root = tmp_path / "hot"
    root.mkdir()
    seen: list[Path] = []
    source = open_source(f"watch:{root}")
    assert isinstance(source, WatchFolderSource)
    source.on_file = seen.append
    source.settle_s = 0.2
    with source:
        frame = source.read()
        assert source.waiting and frame.resolution == (1280, 720)
        red = root / "IMG_0001.png"
        Image.new("RGB", (80, 60), (250, 0, 0)).save(root / "IMG_0001.png.tmp", "PNG")
        os.replace(root / "IMG_0001.png.tmp", red)
        while source.files_received < 1:
            frame = source.read()
        assert frame.resolution == (80, 60) and frame.image.reshape(-1, 3).mean(0)[0] > 240
        assert seen == [red] and source.current_file == red and not source.waiting
        again = source.read()  # re-delivered (fresh timestamp) so the shutter finds a fresh frame
        assert again.image is frame.image and again.timestamp >= frame.timestamp

        drop(root / "IMG_0002.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")
        blue = root / "IMG_0003.png"
        Image.new("RGB", (80, 60), (0, 0, 250)).save(root / "x.tmp", "PNG")
        os.replace(root / "x.tmp", blue)
        while source.files_received < 2:
            frame = source.read()
        assert frame.image.reshape(-1, 3).mean(0)[2] > 240
        assert list(source.skipped) == [root / "IMG_0002.jpg"] and seen == [red, blue]


def test_watch_source_missing_folder_and_folder_gone(tmp_path):
    with pytest.raises(CameraUnavailable, match="Hot folder not found"):
        open_source(f"watch:{tmp_path / 'nope'}")
    root = tmp_path / "hot"
    root.mkdir()
    source = WatchFolderSource(root)
    source.open()
    source.read()
    root.rename(tmp_path / "away")
    with pytest.raises(CameraLost, match="is gone"):
        source.read()
    source.close()


def test_watch_source_interrupt_wakes_a_waiting_read(tmp_path):
    root = tmp_path / "hot"
    root.mkdir()
    source = WatchFolderSource(root, fps=0.01)
    source.open()
    source.read()  # the waiting card; the next is due in 100 s
    result: list = []
    reader = threading.Thread(target=lambda: result.append(source.read()))
    reader.start()
    source.interrupt()
    reader.join(timeout=10)
    assert not reader.is_alive() and result == [None]
    source.close()


# --- piday watch, a real process ----------------------------------------------------------------


class Lines:
    """stderr of a child, line by line, waited on without sleeping."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.seen: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self._q.put(line)
        self._q.put(None)

    def wait_for(self, text: str, timeout: float = 120) -> str:
        while True:
            try:
                line = self._q.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {timeout} s; got {self.seen}") from None
            if line is None:
                raise AssertionError(f"exited before {text!r}: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line

    def rest(self) -> str:
        self.proc.wait(timeout=60)
        while (line := self._q.get(timeout=10)) is not None:
            self.seen.append(line)
        return "".join(self.seen)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_piday_watch_imports_and_embeds_as_files_arrive_until_ctrl_c(tmp_path):
    data, hot = tmp_path / "data", tmp_path / "hot"
    hot.mkdir()
    drop(hot / "alice" / "before.jpg", jpeg_bytes(0))  # there before the watch starts: taken too
    proc = subprocess.Popen(
        [sys.executable, "-m", "piday_desktop", "watch", str(hot), "--event", "ev", "--model", TINY,
         "--data-dir", str(data), "--settle", "0.3"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, "COLUMNS": "200"})
    lines = Lines(proc)
    try:
        lines.wait_for("watching")
        lines.wait_for("1 imported, 1 embedded")
        drop(hot / "alice" / "IMG_0002.jpg", jpeg_bytes(1))
        lines.wait_for("2 imported, 2 embedded")
        (hot / "bob").mkdir()
        (hot / "bob" / "IMG_0003.jpg").write_bytes(jpeg_bytes(2))  # written in place: settles
        drop(hot / "bob" / "broken.jpg", b"\xff\xd8\xff not a photo")
        drop(hot / "bob" / "IMG_0004.jpg.part", jpeg_bytes(3))  # still a temp name: ignored
        lines.wait_for("3 imported, 3 embedded")
        if "skipped" not in "".join(lines.seen):
            lines.wait_for("skipped")
    finally:
        proc.send_signal(signal.SIGINT)
    text = lines.rest()
    assert proc.returncode == 130, text
    assert "everything stored so far is kept" in text and "broken.jpg" in text
    conn = sqlite3.connect(f"file:{data / 'events' / 'ev' / 'event.sqlite'}?mode=ro", uri=True)
    labels = dict(conn.execute("SELECT label, COUNT(*) FROM photos JOIN participants pt ON pt.id = participant_id "
                               "GROUP BY label"))
    assert labels == {"alice": 2, "bob": 1}
    assert conn.execute("SELECT COUNT(*) FROM embeddings WHERE model_id=?", (TINY,)).fetchone()[0] == 3
    assert conn.execute("SELECT command, imported, embedded, skipped FROM runs").fetchall() == [("watch", 3, 3, 1)]


def test_station_camera_worker_shoots_the_tethered_photo(tmp_path, qtbot):
    """`piday --camera watch:DIR`: the station's camera thread shows and shoots each new file."""
    from piday_desktop.workers.camera_worker import CameraWorker

    root = tmp_path / "hot"
    root.mkdir()
    worker = CameraWorker()
    try:
        worker.start(f"watch:{root}")
        qtbot.waitUntil(lambda: worker.state == "live", timeout=10_000)
        assert worker.capture_still().resolution == (1280, 720)  # "waiting for the camera"
        Image.new("RGB", (80, 60), (0, 250, 0)).save(root / "shot.tmp", "PNG")
        os.replace(root / "shot.tmp", root / "DSC_0001.png")
        qtbot.waitUntil(lambda: (s := worker.capture_still()) is not None and s.resolution == (80, 60),
                        timeout=10_000)
        assert worker.capture_still().image.reshape(-1, 3).mean(0)[1] > 240
    finally:
        worker.stop()


def test_at_the_station_each_camera_file_is_the_next_shot_kept_byte_for_byte(tmp_path, qtbot):
    """The tethered camera's shutter is the station's: a file landing during a visit goes to
    review at once, its original bytes are stored, Space does not shoot the preview again, and
    a file landing with nobody being photographed is not stored, with the reason on screen."""
    import hashlib

    from PySide6.QtCore import Qt

    from piday_desktop.core.config import StationConfig
    from piday_desktop.core.store import EventStore
    from piday_desktop.station.visitor_flow import NO_VISIT_FOR_FILE, REMOTE_SHUTTER, Stage
    from piday_desktop.ui.main_window import StationWindow

    root = tmp_path / "hot"
    root.mkdir()
    store = EventStore.open(tmp_path / "data", "ev")
    win = StationWindow(store, StationConfig(event="ev", shots_per_visitor=2, key_debounce_s=0), map_refit=False)
    qtbot.addWidget(win)
    win.show()
    win.camera.start(f"watch:{root}")
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)

    def land(name: str, data: bytes) -> Path:
        (root / f"{name}.part").write_bytes(data)
        os.replace(root / f"{name}.part", root / name)
        return root / name

    land("early.jpg", jpeg_bytes(40))  # before any visit: shown, never stored
    qtbot.waitUntil(lambda: win.idle_page.notice.text() == NO_VISIT_FOR_FILE, timeout=10_000)
    assert store.photos(include_review=True) == []

    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, timeout=5_000)
    qtbot.keyClick(win, Qt.Key.Key_Space)  # the camera has the shutter
    assert win.flow.stage is Stage.PREVIEW and REMOTE_SHUTTER in win.capture_page.caption.text()

    first = jpeg_bytes(41)
    land("DSC_0001.jpg", first)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    (photo,) = store.photos(include_review=True)
    assert store.photo_path(photo).read_bytes() == first and photo.sha256 == hashlib.sha256(first).hexdigest()
    qtbot.keyClick(win, Qt.Key.Key_Return)  # keep
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW, timeout=5_000)

    land("DSC_0001-copy.jpg", first)  # the sync tool delivers the same photo again
    qtbot.waitUntil(lambda: "stored already" in win.capture_page.caption.text(), timeout=10_000)
    assert win.flow.stage is Stage.PREVIEW and len(store.photos(include_review=True)) == 1

    # A camera tethered in RAW: a real DNG (Bayer mosaic + the camera's JPEG preview) is the shot,
    # stored as that preview, as `piday import` stores RAW files.
    import imagefactory

    from piday_desktop.core.images import raw_preview

    dng = imagefactory.dng(tmp_path / "DSC_0002.DNG", size=(96, 64), preview=(48, 32), seed=5).read_bytes()
    land("DSC_0002.DNG", dng)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    win.controller.wait_idle()
    assert [p.original_name for p in store.photos()] == ["DSC_0001.jpg", "DSC_0002.DNG"]
    raw_shot = store.photos()[1]
    assert store.photo_path(raw_shot).read_bytes() == raw_preview(dng) and raw_shot.ext == "jpg"
    assert (raw_shot.width, raw_shot.height) == (48, 32)
