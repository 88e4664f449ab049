"""`piday doctor`: every line a volunteer can act on, on this machine's real torch, cameras and disk."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import imagefactory as f
from atlas_emulator.harness import ClientEnv, emulator  # noqa: F401 (fixture)
from piday_desktop.cli import main
from piday_desktop.cli.doctor import EXIT_NOT_READY
from piday_desktop.doctor import FAIL, OK, WARN, DoctorOptions, run_checks

TINY = "piday-tiny:none"


@pytest.fixture(autouse=True)
def close_log_file():
    """The commands under test open the log file; leave no handler behind for other tests."""
    from piday_desktop.core.logs import close_logging

    yield
    close_logging()


@pytest.fixture
def no_atlas_login(tmp_path, monkeypatch):
    """The nomic client's credentials folder, empty (it is fixed when nomic is first imported)."""
    import nomic.cli

    monkeypatch.setattr(nomic.cli, "nomic_base_path", tmp_path / "home" / ".nomic")


def options(tmp_path: Path, **changes) -> DoctorOptions:
    base = dict(data_dir=tmp_path / "data", model=TINY, camera="pattern", quick=True, network=False)
    base.update(changes)
    return DoctorOptions(**base)


def by_name(report) -> dict:
    return {c.name: c for c in report.checks}


def test_a_rehearsal_laptop_is_ready_with_warnings(tmp_path, no_atlas_login):
    seen = []
    report = run_checks(options(tmp_path), on_result=seen.append)
    checks = by_name(report)
    assert seen == report.checks  # each line is reported as soon as it is known
    assert [c.name for c in report.checks] == [
        "python", "data folder", "disk", "clock", "torch", "device", "model", "camera", "atlas"]
    assert checks["python"].status == OK and checks["torch"].status == OK
    assert checks["device"].status == OK and checks["device"].details["device"] == "cpu"
    assert checks["data folder"].status == OK and (tmp_path / "data").is_dir()
    assert "room for about" in checks["disk"].summary and checks["disk"].details["photos_room"] > 0
    assert checks["clock"].status == OK
    assert checks["model"].status == WARN and "random weights" in checks["model"].summary
    assert checks["camera"].status == WARN and "test pattern" in checks["camera"].summary
    assert checks["atlas"].status == WARN and "piday atlas login" in checks["atlas"].fix
    assert all(c.fix for c in report.checks if c.status != OK)  # never a problem without its fix
    assert report.ready and report.log_file.endswith("piday.log")


class StepClock:
    """A clock that moves on by ``step`` seconds each time it is read: every reading the doctor
    takes is exact, so the figures it derives are too, whatever the machine is doing."""

    def __init__(self, step: float) -> None:
        self.step, self.now = step, 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_speed_test_reports_its_figures_and_map_warm_up_runs(tmp_path, no_atlas_login):
    step = 1 / 16  # each encode of one photo spans one reading of the clock: 62.5 ms
    report = run_checks(options(tmp_path, quick=False, speed_seconds=0.75, clock=StepClock(step)))
    checks = by_name(report)
    speed = checks["speed"]
    assert speed.status == OK and speed.details["ms_per_photo"] == 62.5 and "62 ms per photo" in speed.summary
    assert 0 < speed.details["photos_per_s"] <= 8 / step  # batches of 8, at most one batch a tick
    assert speed.details["device"] == "cpu"
    assert 0.75 <= speed.seconds <= 0.75 + 12 * step  # it spent its budget, and not much more
    assert checks["live map"].status in (OK, WARN) and Path(checks["live map"].details["numba_cache"]).is_dir()


def test_a_slow_laptop_gets_a_warning_with_the_fix(tmp_path, no_atlas_login):
    speed = by_name(run_checks(options(tmp_path, quick=False, speed_seconds=0.2, clock=StepClock(2.5))))["speed"]
    assert speed.status == WARN and speed.details["ms_per_photo"] == 2500.0
    assert "smaller model" in speed.fix


def test_weights_missing_before_an_offline_event_is_a_fail_with_the_fix(tmp_path, no_atlas_login, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    report = run_checks(options(tmp_path, model="ViT-B-32:laion2b_s34b_b79k"))
    model = by_name(report)["model"]
    assert model.status == FAIL and "not on this laptop" in model.summary
    assert "piday models fetch ViT-B-32:laion2b_s34b_b79k" in model.fix and "piday models import" in model.fix
    assert not report.ready


def test_unwritable_data_folder_and_missing_camera_fail(tmp_path, no_atlas_login):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    report = run_checks(options(tmp_path, data_dir=blocker / "data", camera=str(tmp_path / "gone.mp4")))
    checks = by_name(report)
    assert checks["data folder"].status == FAIL and "--data-dir" in checks["data folder"].fix
    assert checks["camera"].status == FAIL and "No such file" in checks["camera"].summary
    assert checks["disk"].status in (OK, WARN, FAIL)  # measured on the nearest existing folder


def test_a_photo_folder_as_camera_reports_its_resolution(tmp_path, no_atlas_login):
    for i in range(2):
        f.jpeg(tmp_path / "frames" / f"{i}.jpg", seed=i, size=(320, 240))
    camera = by_name(run_checks(options(tmp_path, camera=str(tmp_path / "frames"))))["camera"]
    assert camera.status == OK and camera.details["resolution"] == [320, 240]


def test_clock_that_went_back_is_noticed(tmp_path, no_atlas_login):
    db = tmp_path / "data" / "events" / "ev" / "event.sqlite"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    future = time.time() + 3 * 86400
    os.utime(db, (future, future))
    clock = by_name(run_checks(options(tmp_path)))["clock"]
    assert clock.status == WARN and "went back" in clock.summary and clock.fix


def test_atlas_key_accepted_and_refused(tmp_path, emulator):  # noqa: F811
    with ClientEnv(emulator, tmp_path / "home") as env:
        atlas = by_name(run_checks(options(tmp_path, network=True)))["atlas"]
        assert atlas.status == OK and "accepted" in atlas.summary
        env.write_credentials("nk-this-key-was-revoked-long-ago")
        atlas = by_name(run_checks(options(tmp_path, network=True)))["atlas"]
        assert atlas.status == FAIL and "log in again" in atlas.fix


def test_atlas_unreachable_is_a_warning_not_a_failure(tmp_path, emulator):  # noqa: F811
    with ClientEnv(emulator, tmp_path / "home"):
        emulator.stop()
        atlas = by_name(run_checks(options(tmp_path, network=True)))["atlas"]
    assert atlas.status == WARN and "could not be checked" in atlas.summary


def test_cli_json_and_exit_codes(tmp_path, no_atlas_login, capsys):
    data = tmp_path / "data"
    code = main(["doctor", "--json", "--quick", "--offline", "--camera", "pattern", "--model", TINY,
                 "--data-dir", str(data)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ready"] is True
    assert {c["status"] for c in report["checks"]} <= {OK, WARN}
    assert report["log_file"].endswith("piday.log")

    code = main(["doctor", "--quick", "--offline", "--camera", str(tmp_path / "none.mp4"), "--model", TINY,
                 "--data-dir", str(data)])
    shown = capsys.readouterr().out
    assert code == EXIT_NOT_READY
    assert "FAIL camera" in " ".join(shown.split()) and "fix:" in shown and "not ready" in shown
    assert "log:" in shown


def test_the_stations_check_window_lists_every_line(qtbot, tmp_path, no_atlas_login):
    from piday_desktop.ui.doctor_dialog import DoctorDialog, log_folder

    dialog = DoctorDialog(options(tmp_path, camera_in_use="Test pattern (640x480)"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.done.is_set, timeout=60_000)
    assert [c.name for c in dialog.checks] == [c.name for c in dialog.report.checks]
    camera = next(c for c in dialog.checks if c.name == "camera")
    assert camera.status == OK and "in use by the station" in camera.summary
    text = dialog.view.toPlainText()
    assert "WARN model" in text and "fix:" in text
    assert dialog.summary.text().startswith("Ready for the event") and "piday.log" in dialog.summary.text()
    assert log_folder().is_dir() and log_folder() == Path(dialog.report.log_file).parent


def test_options_for_the_running_station_reuse_its_camera_and_folders(tmp_path):
    from piday_desktop.core.config import StationConfig
    from piday_desktop.ui.doctor_dialog import options_for_station

    config = StationConfig(event="ev", camera="1", model="piday-tiny:none", device="cpu")
    live = options_for_station(tmp_path / "data" / "events" / "ev", config, "live", "Camera 1 (1280x720)")
    assert live.data_dir == tmp_path / "data" and (live.model, live.device) == ("piday-tiny:none", "cpu")
    assert live.camera_in_use == "Camera 1 (1280x720) (live)"
    lost = options_for_station(tmp_path / "data" / "events" / "ev", config, "failed", "Camera 1")
    assert lost.camera_in_use is None and lost.camera == "1"  # not working: probe it for real


# --- the day before: `piday doctor --event E` ------------------------------------------------------


def test_the_event_checks_say_what_the_day_needs_and_what_to_fix(tmp_path, no_atlas_login):
    from piday_desktop.core.store import EventStore

    store = EventStore.open(tmp_path / "data", "ev")
    store.create_participant(station_id="B")  # another station's visitor, merged in
    store.create_participant()
    store.close()
    stick = tmp_path / "stick"
    checks = by_name(run_checks(options(tmp_path, event="ev", backup_dir=str(stick), expected_photos=200)))
    assert checks["event"].status == OK and "2 visitor(s)" in checks["event"].summary
    assert checks["room"].status == OK and "200 more photos" in checks["room"].summary
    assert checks["backup"].status == FAIL and "not there" in checks["backup"].summary and "plug" in checks["backup"].fix
    assert checks["station"].status == WARN and "station(s) B" in checks["station"].summary
    assert "Station id" in checks["station"].fix

    stick.mkdir()
    checks = by_name(run_checks(options(tmp_path, event="ev", backup_dir=str(stick), station_id="A")))
    assert checks["backup"].status == OK and "no backup of this event there yet" in checks["backup"].summary
    assert checks["station"].status == OK and "the next visitor is A-001" in checks["station"].summary


def test_a_day_that_cannot_fit_on_the_disk_fails_and_no_event_or_backup_is_only_a_warning(tmp_path, no_atlas_login):
    checks = by_name(run_checks(options(tmp_path, event="new-day", expected_photos=10**9)))
    assert checks["room"].status == FAIL and "--data-dir" in checks["room"].fix
    assert checks["event"].status == WARN and "creates it" in checks["event"].summary
    assert checks["backup"].status == WARN and "Backup folder" in checks["backup"].fix
    assert "event" not in by_name(run_checks(options(tmp_path)))  # without --event: the laptop only


def test_a_read_only_backup_folder_fails(tmp_path, no_atlas_login):
    if os.geteuid() == 0:
        import subprocess

        stick = tmp_path / "ro"
        stick.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(stick)], check=True)
        try:
            checks = by_name(run_checks(options(tmp_path, event="ev", backup_dir=str(stick))))
        finally:
            subprocess.run(["umount", str(stick)], check=True)
    else:
        pytest.skip("needs root to mount a read-only folder")
    assert checks["backup"].status == FAIL and "not writable" in checks["backup"].summary


def test_cli_doctor_event_prints_the_event_lines(tmp_path, no_atlas_login, capsys, monkeypatch):
    monkeypatch.setenv("PIDAY_CONFIG_DIR", str(tmp_path / "config"))
    code = main(["doctor", "--quick", "--offline", "--camera", "pattern", "--model", TINY, "--event", "ev",
                 "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert code == 0 and "no event 'ev' here yet" in out and "no backup folder set" in out


def test_the_check_window_runs_the_checks_in_another_process_and_survives_its_death(qtbot, tmp_path, no_atlas_login):
    """The station's Check button must not load torch into the station (the preview would
    freeze while it imports): the checks run in a child, their lines streamed as they come, and a
    checking process that dies is an error with its exit code, not a window waiting for ever."""
    import signal

    from piday_desktop.core.elsewhere import run_elsewhere_streaming

    seen: list = []
    report = run_elsewhere_streaming(run_checks, options(tmp_path), on_item=seen.append)
    assert [c.name for c in seen] == [c.name for c in report.checks] and report.ready
    with pytest.raises(RuntimeError, match="stopped .*exit code -9"):
        run_elsewhere_streaming(_kill_self, signal.SIGKILL, on_item=seen.append)


def _kill_self(sig, on_result=None):
    import os

    os.kill(os.getpid(), sig)
