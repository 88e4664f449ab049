"""The first start with no config: a short setup instead of an error; and the demo mode."""

from __future__ import annotations

import argparse
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from piday_desktop.core.config import StationConfig, config_path, load_config
from piday_desktop.ui.first_run import DEMO_MODEL, FirstRunDialog, demo_config


@pytest.fixture(autouse=True)
def close_log_file():
    """The commands under test open the log file; leave no handler behind for other tests."""
    from piday_desktop.core.logs import close_logging

    yield
    close_logging()


def save_button(dialog: FirstRunDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_setup_offers_what_this_laptop_has_and_returns_the_choices(qtbot):
    dialog = FirstRunDialog(StationConfig())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.probes_done.is_set, timeout=60_000)
    cameras = [dialog.camera.itemData(i) for i in range(dialog.camera.count())]
    assert cameras[-1] == "pattern" and len(cameras) >= 2  # found cameras (or camera 0) first
    models = [dialog.model.itemData(i) for i in range(dialog.model.count())]
    assert models[0] == "ViT-B-32:laion2b_s34b_b79k" and models[-1] == DEMO_MODEL
    assert "not on this laptop" in dialog.model.itemText(0)  # nothing is cached here
    assert dialog.event.text().startswith("event-") and dialog.atlas_later.isChecked()

    dialog.event.setText("pi-day-2026")
    dialog.camera.setCurrentIndex(dialog.camera.findData("pattern"))
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted
    chosen = dialog.config()
    assert (chosen.event, chosen.camera, chosen.model) == ("pi-day-2026", "pattern", "")  # "" = the default


def test_a_bad_event_name_is_explained_and_not_accepted(qtbot):
    dialog = FirstRunDialog(StationConfig(), probe=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.event.setText("my event/2026")
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "not usable" in dialog.error.text()


def test_demo_mode_is_a_pattern_camera_and_random_weights_in_its_own_event():
    config = demo_config(StationConfig(event="pi-day-2026", camera="1", model="ViT-L-14:openai"))
    assert (config.event, config.camera, config.model) == ("demo", "pattern", DEMO_MODEL)


def _answer_first_dialog(fill) -> None:
    """Once the setup dialog is up (it runs its own exec loop), fill it in like a volunteer."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, FirstRunDialog):
            fill(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


_KEEP: list = []


@pytest.fixture
def station_windows():
    """Every station window the run opens, kept alive until its background model start ends.

    ``run_station`` drops its window when it returns, while the engine thread may still be
    about to post "model ready" to it; the test holds the window until that thread is done.
    """
    from piday_desktop.ui.main_window import StationWindow

    kept: list = []
    before = [w for w in QApplication.topLevelWidgets() if isinstance(w, StationWindow)]

    def grab() -> None:
        kept.extend(w for w in QApplication.topLevelWidgets()
                    if isinstance(w, StationWindow) and w not in kept and w not in before)
        timer.start()

    timer = QTimer()
    timer.setSingleShot(True)
    timer.setInterval(10)
    timer.timeout.connect(grab)
    timer.start()
    yield kept
    timer.stop()
    _KEEP.extend(kept)


def _wait_engine_threads(qtbot) -> None:
    qtbot.waitUntil(lambda: not any(t.name == "piday-engine-start" for t in threading.enumerate()), timeout=60_000)


def station_args(**changes) -> argparse.Namespace:
    base = dict(event=None, camera=None, model=None, device=None, data_dir=None, debug=False, demo=False)
    base.update(changes)
    return argparse.Namespace(**base)


@pytest.fixture
def exit_after_first_paint(monkeypatch):
    monkeypatch.setenv("PIDAY_STARTUP_PROBE", "exit")


def test_first_start_asks_then_opens_the_station_and_saves_the_answers(qtbot, exit_after_first_paint, capfd,
                                                                       station_windows):
    from piday_desktop.ui.app import run_station

    def fill(dialog: FirstRunDialog) -> None:
        dialog.event.setText("first-event")
        dialog.camera.setCurrentIndex(dialog.camera.findData("pattern"))
        dialog.model.setCurrentIndex(dialog.model.findData(DEMO_MODEL))
        save_button(dialog).click()

    assert not config_path().exists()
    _answer_first_dialog(fill)
    assert run_station(station_args()) == 0
    assert len(station_windows) == 1
    _wait_engine_threads(qtbot)
    saved, existed = load_config()
    assert existed and (saved.event, saved.camera, saved.model) == ("first-event", "pattern", DEMO_MODEL)
    assert "PIDAY_WINDOW_SHOWN" in capfd.readouterr().out  # the station window did open


def test_cancelling_the_setup_opens_nothing_and_asks_again_next_time(qtbot):
    from piday_desktop.ui.app import run_station

    _answer_first_dialog(lambda dialog: dialog.reject())
    assert run_station(station_args()) == 0
    assert not config_path().exists()


def test_demo_runs_without_setup_and_leaves_the_settings_alone(qtbot, exit_after_first_paint, tmp_path, capfd,
                                                               station_windows):
    from piday_desktop.ui.app import run_station

    assert run_station(station_args(demo=True, data_dir=str(tmp_path / "data"))) == 0
    assert len(station_windows) == 1
    assert "rehearsal" in station_windows[0].windowTitle() and "Rehearsal" in station_windows[0].idle_page.rehearsal.text()
    _wait_engine_threads(qtbot)
    assert not config_path().exists()
    assert (tmp_path / "data" / "events" / "demo" / "event.sqlite").is_file()
    assert "PIDAY_WINDOW_SHOWN" in capfd.readouterr().out


def test_the_setup_shows_the_flags_and_piday_model_and_saves_what_runs(qtbot, exit_after_first_paint, monkeypatch,
                                                                       station_windows):
    """`piday --camera pattern --event expo` on a fresh laptop (issue 11): the setup offers expo and the
    test pattern (and PIDAY_MODEL), so a plain `piday` the next morning opens the same event."""
    from piday_desktop.ui.app import run_station

    monkeypatch.setenv("PIDAY_MODEL", DEMO_MODEL)
    seen: list = []

    def fill(dialog: FirstRunDialog) -> None:
        seen.append((dialog.event.text(), dialog.camera.currentData(), dialog.model.currentData()))
        save_button(dialog).click()

    _answer_first_dialog(fill)
    assert run_station(station_args(event="expo", camera="pattern")) == 0
    _wait_engine_threads(qtbot)
    assert seen == [("expo", "pattern", DEMO_MODEL)]
    saved, _ = load_config()
    assert (saved.event, saved.camera, saved.model) == ("expo", "pattern", DEMO_MODEL)
    assert station_windows[0].store.event == "expo"


def test_a_camera_folder_from_the_command_line_survives_the_probe(qtbot, tmp_path):
    dialog = FirstRunDialog(StationConfig(camera=str(tmp_path)))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.probes_done.is_set, timeout=60_000)
    assert dialog.config().camera == str(tmp_path)
