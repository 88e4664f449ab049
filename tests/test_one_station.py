"""A second `piday` on an event whose station already runs brings that window forward instead of
opening a second station on the same webcam and event (ui/one_station.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QDir, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from piday_desktop.cli.common import EXIT_ALREADY_OPEN
from piday_desktop.core.locks import lock, try_acquire
from piday_desktop.ui.one_station import LOCK_NAME, claim_station, second_start, server_name
from station_run import REPO, station_env, station_on_screen, what_it_left

KNOCK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from piday_desktop.ui.one_station import knock
    app = QCoreApplication([])
    print("answered" if knock(Path(sys.argv[1])) else "no answer")
""")


def knocking(event_dir: Path) -> subprocess.Popen:
    """Another process knocking, as a second start does (the answer comes from this one's loop)."""
    return subprocess.Popen([sys.executable, "-c", KNOCK, str(event_dir)], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={"PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"})


def test_a_second_piday_brings_the_running_station_forward_and_opens_nothing(tmp_path):
    first, err_file = station_on_screen(tmp_path)
    try:
        second = subprocess.run([sys.executable, "-m", "piday_desktop"], env=station_env(tmp_path), cwd=REPO,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr[-2000:]
        assert "already open; its window is in front now" in second.stderr
        assert "PIDAY_WINDOW_SHOWN" not in second.stdout  # no second window was made
        assert first.poll() is None  # the first station runs on, and was asked forward
        log = (tmp_path / "log" / "piday.log").read_text()
        assert "this window brought to the front" in log
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=60) == 130, what_it_left(tmp_path)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        err_file.close()
    again = claim_station(tmp_path / "data" / "ev")  # closed: the event can be claimed again
    assert again is not None
    again.release()


def test_the_claim_answers_a_knock_even_after_a_crashed_station_left_its_socket(qtbot, tmp_path):
    stale = Path(QDir.tempPath()) / server_name(tmp_path)  # what a killed station leaves behind
    stale.write_text("")
    try:
        claim = claim_station(tmp_path)
        assert claim is not None
        assert claim_station(tmp_path) is None  # held: a second claim, even in this process, fails
        forward: list[bool] = []
        claim.bring_forward = lambda: forward.append(True)
        knocker = knocking(tmp_path)
        qtbot.waitUntil(lambda: claim.knocks == 1, timeout=30_000)
        assert knocker.communicate(timeout=30)[0].strip() == "answered"
        assert forward == [True]
        claim.release()
        assert knocking(tmp_path).communicate(timeout=30)[0].strip() == "no answer"
    finally:
        stale.unlink(missing_ok=True)


def test_a_station_that_does_not_answer_gets_a_dialog_saying_what_to_do(qtbot, tmp_path):
    held = lock(tmp_path / LOCK_NAME)  # another station holds the event, and is frozen (no socket)
    assert try_acquire(held)
    shown: list[str] = []

    def close_the_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    closer = QTimer()
    closer.timeout.connect(close_the_dialog)
    closer.start(20)
    try:
        assert second_start("pi-day", tmp_path, timeout_ms=500) == EXIT_ALREADY_OPEN == 9
    finally:
        closer.stop()
        held.release(force=True)
    assert len(shown) == 1 and "pi-day" in shown[0] and "already open" in shown[0]
    assert "every photo it saved is kept" in shown[0]
