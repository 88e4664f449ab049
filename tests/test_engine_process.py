"""The station's model runs in a process of its own (issue 11, item 13).

Why it matters to a volunteer: on a thread of the station's process, torch's import held the
GIL and froze the preview for up to 0.75 s while the model loaded. The clock-free proof is that
the station's own interpreter never imports torch, while photos still come back embedded; and a
model process that dies (out of memory, killed) is replaced without the volunteer, with the
photo taken meanwhile still reaching the map.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

import imagefactory as factory
from station_run import REPO, TINY, station_on_screen, what_it_left
from piday_desktop.core.config import StationConfig
from piday_desktop.core.images import ImageError
from piday_desktop.core.store import EventStore
from piday_desktop.embedding.engine import EmbeddingEngine
from piday_desktop.embedding.engine_process import EngineProcess, EngineProcessDied
from piday_desktop.embedding.models import ModelSpec, load_model

TIMEOUT = 60


def started(model: str = TINY, **kw) -> EngineProcess:
    ready = threading.Event()
    errors: list[str] = []
    engine = EngineProcess(model, "cpu", on_ready=lambda _e: ready.set(),
                           on_error=lambda m: (errors.append(m), ready.set()), **kw)
    assert ready.wait(TIMEOUT), "the model process did not answer"
    assert not errors, errors
    return engine


def test_the_model_process_gives_the_same_vectors_and_reasons_as_the_engine(tmp_path):
    photos = [factory.jpeg(tmp_path / f"{i}.jpg", size=(160, 120), seed=i) for i in range(5)]
    bad = factory.truncated_jpeg(tmp_path / "bad.jpg")
    with EmbeddingEngine(load_model(ModelSpec.parse(TINY), device="cpu")) as local:
        expected = [f.result(TIMEOUT) for f in local.submit_many(photos)]
        expected_text = local.encode_text(["a red circle", "two people"])
    with started(cpu_batch=16) as remote:
        assert remote.model_id == TINY and remote.device == "cpu" and remote.max_batch == 16
        got = [f.result(TIMEOUT) for f in remote.submit_many(photos)]
        from_bytes = remote.submit(photos[0].read_bytes()).result(TIMEOUT)
        text = remote.encode_text(["a red circle", "two people"])
        with pytest.raises(ImageError) as err:
            remote.submit(bad, priority=True).result(TIMEOUT)
        assert remote.stats.images == 6 and remote.queue_length == 0
    for a, b in zip(expected, got):
        assert a.dtype == b.dtype == np.float32 and np.allclose(a, b, atol=1e-6)
    assert np.allclose(from_bytes, expected[0], atol=1e-6)
    assert text.shape == expected_text.shape and np.allclose(text, expected_text, atol=1e-6)
    assert "truncated" in str(err.value) or "cannot" in str(err.value)  # the reason, not a pickling error
    with pytest.raises(RuntimeError, match="closed"):
        remote.submit(photos[0])


def test_a_model_that_cannot_load_says_why_and_fails_its_requests(tmp_path):
    missing = tmp_path / "weights.pt"
    reasons: list[str] = []
    done = threading.Event()
    engine = EngineProcess(f"ViT-B-32:{missing}", "cpu", on_ready=lambda _e: done.set(),
                           on_error=lambda m: (reasons.append(m), done.set()))
    try:
        assert done.wait(TIMEOUT)
        assert reasons and "weights.pt" in reasons[0]
        with pytest.raises(Exception, match="weights.pt"):
            engine.submit(factory.jpeg(tmp_path / "a.jpg")).result(TIMEOUT)
    finally:
        engine.close()


def test_a_killed_model_process_fails_what_was_waiting_and_says_so(tmp_path):
    lost: list[str] = []
    gone = threading.Event()
    engine = started(on_exit=lambda m: (lost.append(m), gone.set()))
    os.kill(engine.pid, signal.SIGKILL)
    assert gone.wait(TIMEOUT)
    assert "stopped unexpectedly" in lost[0] and "-9" in lost[0]
    with pytest.raises(RuntimeError):
        engine.submit(factory.jpeg(tmp_path / "a.jpg"))
    engine.close()  # closing a dead engine is harmless


def test_closing_while_the_model_still_loads_stops_the_process_and_reports_nothing():
    events: list[str] = []
    engine = EngineProcess(TINY, "cpu", on_ready=lambda _e: events.append("ready"),
                           on_error=events.append, on_exit=events.append)
    engine.close()
    assert engine._process.exitcode is not None  # noqa: SLF001 - the process is really gone
    assert events in ([], ["ready"])  # never an error or an "unexpected" exit for a close


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on a pidfd (Linux)")
def test_the_model_process_ends_when_the_station_dies(tmp_path):
    """A station killed by the OS must not leave its model (hundreds of MB) running all day."""
    script = textwrap.dedent(f"""
        import os, sys, threading
        from piday_desktop.embedding.engine_process import EngineProcess
        ready = threading.Event()
        e = EngineProcess({TINY!r}, "cpu", on_ready=lambda _e: ready.set(), on_error=lambda m: ready.set())
        ready.wait(120)
        print(e.pid, flush=True)
        os._exit(0)  # the station dies without closing anything
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    pid = int(out.stdout.split()[0])

    try:
        fd = os.pidfd_open(pid)  # readable once the process has ended (a zombie counts as ended)
    except ProcessLookupError:
        return  # already gone
    try:
        readable, _, _ = select.select([fd], [], [], 30)
    finally:
        os.close(fd)
    assert readable, "the model process outlived the station"


def test_the_station_never_imports_torch_and_still_maps_photos(tmp_path):
    """The real window, the real start-up path (``start_engine``), in a fresh interpreter."""
    script = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication
        from piday_desktop.core.config import StationConfig
        from piday_desktop.core.store import EventStore
        from piday_desktop.ui.main_window import StationWindow
        app = QApplication([])
        from pathlib import Path
        store = EventStore.open(Path({str(tmp_path / "data")!r}), "ev")
        win = StationWindow(store, StationConfig(event="ev"))
        win.show()
        win.probe_cameras_in_background()  # the Settings' model list too (it needs open_clip)
        win.start_engine({TINY!r})
        loop = QEventLoop(); t = QTimer()
        t.timeout.connect(lambda: win.model_state != "loading" and win._models and loop.quit())
        t.start(20); QTimer.singleShot(120_000, loop.quit); loop.exec()
        assert win._models, "the Settings' model list never came"
        engine = win.controller.engine
        vec = engine.submit({str(factory.jpeg(tmp_path / "a.jpg"))!r}, priority=True).result(60)
        print("state", win.model_state, "dim", vec.shape[0], "torch", "torch" in sys.modules,
              "open_clip", "open_clip" in sys.modules, flush=True)
        win.close(); store.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "state ready" in out.stdout and "torch False" in out.stdout and "open_clip False" in out.stdout, out.stdout


def test_the_station_replaces_a_dead_model_and_maps_the_photo_taken_meanwhile(qtbot, tmp_path):
    from piday_desktop.capture import TestPatternSource
    from piday_desktop.station.visitor_flow import Stage
    from piday_desktop.ui.main_window import StationWindow

    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", countdown_s=0.2, shots_per_visitor=3, key_debounce_s=0),
                        map_refit=False)
    qtbot.addWidget(win)
    win.show()
    try:
        win.camera.start(TestPatternSource((640, 480), fps=30))
        win.start_engine(TINY)
        qtbot.waitUntil(lambda: win.model_state == "ready", timeout=TIMEOUT * 1000)
        first = win.controller.engine
        os.kill(first.pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: win.controller.engine is not first, timeout=TIMEOUT * 1000)
        # A visitor's shot while the new model loads: stored now, embedded once it is there.
        qtbot.keyClick(win, Qt.Key.Key_Space)
        qtbot.keyClick(win, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code is not None, timeout=5_000)
        qtbot.keyClick(win, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
        qtbot.keyClick(win, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: store.embedded_models().get(TINY) == 1, timeout=TIMEOUT * 1000)
        assert win.model_state == "ready" and win.controller.engine.pid != first.pid
        assert win.flow.stage is not Stage.FAILSAFE
    finally:
        win.close()
        store.close()


def test_a_model_that_keeps_dying_is_reported_on_the_start_page_not_restarted_for_ever(qtbot, tmp_path, monkeypatch):
    import piday_desktop.ui.main_window as main_window
    from piday_desktop.ui.main_window import StationWindow

    monkeypatch.setattr(main_window, "ENGINE_RESTARTS", 0)  # the first death is already one too many
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", key_debounce_s=0), map_refit=False)
    qtbot.addWidget(win)
    win.show()
    try:
        win.start_engine(TINY)
        qtbot.waitUntil(lambda: win.model_state == "ready", timeout=TIMEOUT * 1000)
        os.kill(win.controller.engine.pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: win.model_state.startswith("unavailable"), timeout=TIMEOUT * 1000)
        assert win.controller.engine is None
        text = win.idle_page.model_state.text()
        assert "stopped unexpectedly" in text and "see the log" in text and win.idle_page.import_model.isVisible()
    finally:
        win.close()
        store.close()


def test_ctrl_c_in_the_terminal_is_the_stations_to_handle_not_the_models():
    """SIGINT reaches the whole process group; the model's process must not die of it (the
    station would take that for a crash and start another while it is closing)."""
    lost: list[str] = []
    engine = started(on_exit=lost.append)
    try:
        os.kill(engine.pid, signal.SIGINT)
        vec = engine.encode_text(["still here"])  # answered after the signal: it was ignored
        assert vec.shape[0] == 1 and not lost
    finally:
        engine.close()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(c) for c in text)
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or not hasattr(os, "pidfd_open"), reason="Linux /proc, pidfd")
def test_ctrl_c_in_the_terminal_closes_the_station_and_its_model(tmp_path):
    """`piday` started from a terminal, then Ctrl-C: the station closes as a program close does
    (exit 130, the CLI's code for Ctrl-C) and leaves no model process behind. Before, the
    KeyboardInterrupt landed in a Qt slot, printed a traceback, and the station went on."""
    proc, err_file = station_on_screen(tmp_path)
    try:
        fds = {}
        for child in _children(proc.pid):  # the model's process (and multiprocessing's tracker)
            try:
                fds[child] = os.pidfd_open(child)
            except ProcessLookupError:
                pass
        assert fds, "the station started no model process"
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        err_file.close()
        left = what_it_left(tmp_path)  # a hard crash at close shows its stacks here
        assert code == 130, left
        assert "Traceback" not in left, left
        for child, fd in fds.items():
            readable, _, _ = select.select([fd], [], [], 30)
            assert readable, f"process {child} outlived the station"
            os.close(fd)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err_file.close()


@pytest.mark.skipif(not hasattr(signal, "SIGSEGV") or sys.platform == "win32", reason="POSIX signals")
def test_a_hard_crash_leaves_its_stacks_for_the_volunteer_to_send(tmp_path, monkeypatch):
    """A segfault (in Qt, torch, a driver) raises no Python exception and writes no log line: the
    window is just gone. The station records every thread's stack in crash.log beside the log,
    and `piday doctor` says there was a crash and what to send."""
    from piday_desktop.doctor import WARN, DoctorOptions, run_checks

    proc, err_file = station_on_screen(tmp_path)
    try:
        proc.send_signal(signal.SIGSEGV)
        assert proc.wait(timeout=60) == -signal.SIGSEGV
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err_file.close()
    crash = (tmp_path / "log" / "crash.log").read_text()
    assert "Fatal Python error: Segmentation fault" in crash
    assert "run_station" in crash  # the UI thread's stack, where it was when it died
    monkeypatch.setenv("PIDAY_LOG_DIR", str(tmp_path / "log"))
    report = run_checks(DoctorOptions(data_dir=tmp_path / "data", model=TINY, camera="pattern", quick=True,
                                      network=False))
    crashes = {c.name: c for c in report.checks}["crashes"]
    assert crashes.status == WARN and "crashed 1 time(s)" in crashes.summary
    assert "crash.log" in crashes.fix
