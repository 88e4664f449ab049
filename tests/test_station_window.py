"""The real station window, offscreen, driven like a volunteer with the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt

from piday_desktop.capture import TestPatternSource
from piday_desktop.core.config import StationConfig
from piday_desktop.core.store import EventStore
from piday_desktop.station.visitor_flow import Stage
from piday_desktop.ui.main_window import StationWindow


@pytest.fixture
def window(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", countdown_s=0.2, shots_per_visitor=3, key_debounce_s=0))
    qtbot.addWidget(win)
    win.show()
    win.camera.start(TestPatternSource((640, 480), fps=30))
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    yield win
    win.close()
    store.close()


def key(qtbot, win, k) -> None:
    qtbot.keyClick(win, k)


def shoot_and_wait_review(qtbot, win) -> None:
    key(qtbot, win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)


def test_a_whole_participant_by_keyboard(qtbot, window):
    win = window
    key(qtbot, win, Qt.Key.Key_Space)
    assert win.stack.currentWidget() is win.consent_page
    qtbot.keyClicks(win.consent_page.nickname, "Ada")
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code == "P-001", timeout=5_000)
    assert win.stack.currentWidget() is win.capture_page
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Backspace)  # retake
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    key(qtbot, win, Qt.Key.Key_Return)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.DONE and win.stack.currentWidget() is win.done_page
    win.controller.wait_idle()
    photos = win.store.photos("P-001")
    assert len(photos) == 3
    assert sorted(p.name for p in win.store.photos_dir.rglob("*.jpg")) == sorted(f"{p.id}.jpg" for p in photos)
    assert "3 photos kept" in win.done_page.detail.text()


def test_refused_consent_saves_nothing(qtbot, window):
    win = window
    key(qtbot, win, Qt.Key.Key_Space)
    win.consent_page.local.setChecked(False)
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.IDLE and "No photos" in win.idle_page.notice.text()
    win.controller.wait_idle()
    assert win.store.participants() == []


def test_camera_crash_mid_visit_shows_failsafe_and_keeps_photos(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", countdown_s=0.1, key_debounce_s=0))
    qtbot.addWidget(win)
    win.show()
    source = TestPatternSource((320, 240), fps=30)
    win.camera.start(source)
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    win.camera.start(TestPatternSource((320, 240), fps=30, crash_after=2))
    qtbot.waitUntil(lambda: win.flow.stage is Stage.FAILSAFE, timeout=10_000)
    assert win.stack.currentWidget() is win.failsafe_page
    assert "camera" in win.failsafe_page.what.text().lower()
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.IDLE
    win.controller.wait_idle()
    assert len(store.photos("P-001")) == 1
    win.close()
    store.close()


def test_photos_taken_before_the_model_is_ready_are_embedded_when_it_is(qtbot, window):
    """The window works while the model loads; kept photos get their vectors once it is ready."""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model

    win = window
    assert "Model loading" in win.status_labels["embedding"].text()
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    engine = EmbeddingEngine(load_model(ModelSpec.parse("piday-tiny:none"), device="cpu"))
    win.attach_engine(engine)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.DONE
    qtbot.waitUntil(lambda: win.store.embedded_models().get("piday-tiny:none") == 3, timeout=30_000)
    win.controller.wait_idle()
    assert len(win.store.photos("P-001")) == 3
    assert "CPU" in win.status_labels["embedding"].text()


def test_event_loop_keeps_running_during_a_burst_of_shots_with_embedding(qtbot, window):
    """The lag probe ticks all through a burst: frames, JPEG encoding, fsyncs and inference
    all happen off the UI thread. (Its figures are reported by bench/ui_latency.py.)"""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model

    win = window
    win.attach_engine(EmbeddingEngine(load_model(ModelSpec.parse("piday-tiny:none"), device="cpu")))
    win.lag_probe.reset()
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    for _ in range(3):
        shoot_and_wait_review(qtbot, win)
        key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.store.embedded_models().get("piday-tiny:none") == 3, timeout=30_000)
    stats = win.lag_probe.stats()
    assert stats["ticks"] > 20  # the loop kept turning the whole time


def test_visits_left_open_by_a_crash_are_offered_and_finished_keeping_photos(qtbot, tmp_path):
    from piday_desktop.core.store import Consent

    store = EventStore.open(tmp_path, "ev")
    p = store.create_participant(consent=Consent())
    store.add_photo(p, b"jpeg-bytes-1", sha256="1" * 64, fmt="JPEG", width=1, height=1)
    store.add_photo(p, b"jpeg-bytes-2", sha256="2" * 64, fmt="JPEG", width=1, height=1, state="review")
    win = StationWindow(store, StationConfig(event="ev"))
    qtbot.addWidget(win)
    win.show()
    assert win.idle_page.finish_open.isVisible() and "P-001 (2 photos)" in win.idle_page.recovery.text()
    qtbot.mouseClick(win.idle_page.finish_open, Qt.MouseButton.LeftButton)
    assert store.participant("P-001").state == "finished"
    assert len(store.photos("P-001")) == 2
    assert not win.idle_page.finish_open.isVisible()
    win.close()
    store.close()


def test_settings_apply_at_once_and_are_saved(qtbot, window, monkeypatch):
    from piday_desktop.core.config import load_config
    from piday_desktop.ui.settings_dialog import SettingsDialog

    win = window

    def fill_and_save(dialog: SettingsDialog) -> int:
        dialog.shots.setValue(5)
        dialog.countdown.setValue(1.5)
        dialog.event.setText("other-event")
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", fill_and_save)
    win.open_settings()
    assert win.flow.settings.shots_per_visitor == 5 and win.flow.settings.countdown_s == 1.5
    assert "Restart piday" in win.idle_page.notice.text()
    saved, existed = load_config()
    assert existed and saved.shots_per_visitor == 5 and saved.event == "other-event"


def test_missing_camera_at_start_says_so_and_offers_the_test_pattern(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev"))
    qtbot.addWidget(win)
    win.show()
    win.camera.start(str(tmp_path / "no-such-camera.mp4"))
    qtbot.waitUntil(lambda: win.camera.state == "failed", timeout=5_000)
    assert "Camera:" in win.idle_page.notice.text() and win.idle_page.use_pattern.isVisible()
    qtbot.mouseClick(win.idle_page.use_pattern, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    assert not win.idle_page.use_pattern.isVisible() and win.idle_page.notice.text() == ""
    win.close()
    store.close()


def test_unplugged_camera_shows_reconnecting_and_recovers(qtbot, tmp_path):
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev"))
    qtbot.addWidget(win)
    win.show()
    source = TestPatternSource((320, 240), fps=30)
    win.camera.start(source)
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    source.unplug()
    qtbot.waitUntil(lambda: "reconnecting" in win.capture_page.preview.banner, timeout=10_000)
    source.replug()
    qtbot.waitUntil(lambda: win.camera.state == "live" and win.capture_page.preview.banner == "", timeout=15_000)
    win.close()
    store.close()


def test_settings_offer_the_readiness_check(qtbot, window):
    from piday_desktop.ui.settings_dialog import SettingsDialog

    opened: list[bool] = []
    dialog = SettingsDialog(window.config, [], window, check=lambda: opened.append(True))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.check, Qt.MouseButton.LeftButton)
    assert opened == [True] and dialog.logs.text() == "Open log folder"


def test_settings_list_models_saying_which_work_offline(qtbot, window):
    from piday_desktop.ui.first_run import model_choices
    from piday_desktop.ui.settings_dialog import SettingsDialog

    choices = model_choices()  # what the station computes in the background
    dialog = SettingsDialog(window.config, [], window, models=choices)
    qtbot.addWidget(dialog)
    labels = [dialog.model.itemText(i) for i in range(dialog.model.count())]
    assert any("ViT-B-32:laion2b_s34b_b79k" in label for label in labels)
    dialog.model.setEditText("piday-tiny:none")
    assert dialog.config().model == "piday-tiny:none"


class Clock:
    """The window's injected clock: the key debounce and the countdown read it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def send_key(win, k, autorepeat: bool = False) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(win, QKeyEvent(QEvent.Type.KeyPress, k, Qt.KeyboardModifier.NoModifier, "", autorepeat))


def test_a_held_or_bouncing_enter_is_one_press_not_dozens_of_visits(qtbot, tmp_path):
    """Holding Enter on the idle page for 2 s (auto-repeat at 30/s), then a bouncing key:
    one step each, no empty visits, nothing counted, nothing left open (issue 11)."""
    store = EventStore.open(tmp_path, "ev")
    clock = Clock()
    win = StationWindow(store, StationConfig(event="ev", key_debounce_s=0.3), clock=clock, map_refit=False)
    qtbot.addWidget(win)
    win.show()
    win.camera.start(TestPatternSource((320, 240), fps=30))
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    send_key(win, Qt.Key.Key_Return)
    for _ in range(60):
        clock.now += 1 / 30
        send_key(win, Qt.Key.Key_Return, autorepeat=True)
    assert win.flow.stage is Stage.CONSENT
    send_key(win, Qt.Key.Key_Escape)  # back to idle
    assert win.flow.stage is Stage.IDLE
    clock.now += 1.0
    for _ in range(6):  # a bouncing pedal: six presses 40 ms apart
        send_key(win, Qt.Key.Key_Space)
        clock.now += 0.04
    assert win.flow.stage is Stage.CONSENT and win.stack.currentWidget() is win.consent_page
    win.controller.wait_idle()
    assert store.participants() == []
    with qtbot.waitSignal(win.status_read, timeout=5_000):
        win.refresh_status()
    assert "0 visitors" in win.status_labels["today"].text()
    win.close()
    store.close()


def test_enter_twice_on_consent_never_ends_a_visit_with_no_photo(qtbot, window):
    win = window
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    key(qtbot, win, Qt.Key.Key_Return)  # the second Enter lands in the preview
    assert win.flow.stage is Stage.PREVIEW and not win.capture_page.finish.isVisible()
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.capture_page.finish.isVisible()
    key(qtbot, win, Qt.Key.Key_Return)  # now Finish means what it says
    assert win.flow.stage is Stage.DONE and "1 photo kept" in win.done_page.detail.text()
    win.controller.wait_idle()
    assert win.store.participant("P-001").state == "finished"


def test_settings_never_save_this_starts_flags(qtbot, tmp_path, monkeypatch):
    """`piday --event expo --camera pattern` once: changing the countdown in Settings saves the
    countdown, not expo and the pattern (issue 11)."""
    from piday_desktop.core.config import load_config, save_config
    from piday_desktop.ui.settings_dialog import SettingsDialog

    saved = StationConfig(event="main-event", camera="1")
    save_config(saved)
    store = EventStore.open(tmp_path, "expo")
    win = StationWindow(store, StationConfig(event="expo", camera="pattern"), saved_config=saved, map_refit=False)
    qtbot.addWidget(win)
    texts: list[str] = []

    def change_countdown(dialog: SettingsDialog) -> int:
        texts.append(dialog.one_off.text())
        dialog.countdown.setValue(1.5)
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", change_countdown)
    win.open_settings()
    assert "event expo" in texts[0] and "camera pattern" in texts[0]
    now, _ = load_config()
    assert (now.event, now.camera, now.countdown_s) == ("main-event", "1", 1.5)
    assert win.flow.settings.countdown_s == 1.5
    win.close()
    store.close()


def test_no_visit_starts_without_a_camera_picture_and_the_fix_is_one_click(qtbot, tmp_path):
    """`--camera 7` (no such camera): Space does not start a visit that would count down on black;
    the idle page says why and offers the other sources (issue 11)."""
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", key_debounce_s=0), map_refit=False)
    qtbot.addWidget(win)
    win.show()
    win.camera.start(str(tmp_path / "no-such-camera.mp4"))
    qtbot.waitUntil(lambda: win.camera.state == "failed", timeout=5_000)
    reason = win.idle_page.notice.text()
    assert "no-such-camera.mp4" in reason
    key(qtbot, win, Qt.Key.Key_Space)
    qtbot.mouseClick(win.idle_page.start, Qt.MouseButton.LeftButton)
    refused = win.idle_page.notice.text()
    assert win.flow.stage is Stage.IDLE and "without a picture" in refused
    assert "no-such-camera.mp4" in refused  # the refusal keeps the camera's own reason in view
    assert win.idle_page.use_pattern.isVisible() and win.idle_page.choose_camera.isVisible()
    qtbot.mouseClick(win.idle_page.use_pattern, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    assert win.idle_page.notice.text() == ""
    key(qtbot, win, Qt.Key.Key_Space)
    assert win.flow.stage is Stage.CONSENT
    win.controller.wait_idle()
    assert store.participants() == []  # the refused starts used no code
    win.close()
    store.close()


def test_the_preview_banner_is_whole_on_a_narrow_preview(qtbot):
    from PySide6.QtGui import QFontMetrics

    from piday_desktop.ui.preview import BANNER_FLAGS, PreviewWidget

    preview = PreviewWidget()
    qtbot.addWidget(preview)
    preview.resize(420, 320)
    text = "The camera could not be opened: camera 7 is not connected or is used by another program"
    preview.set_banner(text)
    band = preview.banner_band()
    inner = band.adjusted(12, 12, -12, -12).toRect()
    needed = QFontMetrics(preview.banner_font()).boundingRect(inner, BANNER_FLAGS, text)
    assert needed.width() <= inner.width() and needed.height() <= inner.height() + 1
    assert band.height() < preview.height()


def test_an_unavailable_model_is_said_plainly_with_its_fix_and_photos_join_the_map_later(qtbot, window, tmp_path):
    """The model cannot load (issue 11): the start page says why and how to fix it, the done page
    does not promise the map, and once a model loads (no restart) the photos are embedded."""
    win = window
    assert not win.map_pane.view.waiting_for_model
    win.start_engine("ViT-B-32:" + str(tmp_path / "missing.pt"))
    qtbot.waitUntil(lambda: win.model_state.startswith("unavailable"), timeout=60_000)
    assert win.map_pane.view.waiting_for_model  # the empty map no longer says "your photo starts the map"
    text = win.idle_page.model_state.text()
    assert "not available" in text and "missing.pt" in text and "import a model file" in text
    assert win.idle_page.import_model.isVisible()
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    key(qtbot, win, Qt.Key.Key_Return)
    assert "join the map as soon as" in win.done_page.detail.text()
    key(qtbot, win, Qt.Key.Key_Return)
    win.start_engine("piday-tiny:none")  # what an imported model file leads to, without a restart
    qtbot.waitUntil(lambda: win.store.embedded_models().get("piday-tiny:none") == 1, timeout=60_000)
    assert not win.idle_page.import_model.isVisible() and not win.idle_page.model_state.isVisible()
    assert not win.map_pane.view.waiting_for_model


def test_a_bad_model_file_is_explained_on_the_start_page(qtbot, window, tmp_path):
    bad = tmp_path / "usb" / "vitb32.pidaymodel"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip at all")
    window.import_model_file(bad)
    qtbot.waitUntil(lambda: "not imported" in window.idle_page.model_state.text(), timeout=10_000)
    assert str(bad) in window.idle_page.model_state.text() and window.idle_page.import_model.isVisible()


def test_an_interrupted_visit_can_be_resumed_and_closing_mid_visit_asks(qtbot, tmp_path, monkeypatch):
    """A visit left open (a crash, a close) is resumed on the photo the visitor had not decided
    on; the volunteer's close mid-visit asks first (issue 11)."""
    import numpy as np
    from PySide6.QtWidgets import QMessageBox

    import imagefactory as f
    from piday_desktop.core.store import Consent
    from piday_desktop.station.controller import encode_jpeg

    store = EventStore.open(tmp_path, "ev")
    p = store.create_participant(consent=Consent())
    for i, state in enumerate(("kept", "review")):
        data = encode_jpeg(np.asarray(f.picture((320, 240), seed=i)), str(i))
        store.add_photo(p, data, sha256=str(i) * 64, fmt="JPEG", width=320, height=240, state=state)
    win = StationWindow(store, StationConfig(event="ev", shots_per_visitor=3, countdown_s=0.1, key_debounce_s=0),
                        map_refit=False)
    qtbot.addWidget(win)
    win.show()
    win.camera.start(TestPatternSource((320, 240), fps=30))
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    assert win.idle_page.resume_open.isVisible() and "P-001" in win.idle_page.resume_open.text()
    qtbot.mouseClick(win.idle_page.resume_open, Qt.MouseButton.LeftButton)
    assert win.flow.stage is Stage.REVIEW and win.flow.visit.code == "P-001"
    assert "keep this photo" in win.capture_page.caption.text() and not win.idle_page.resume_open.isVisible()
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.No)
    assert not win.confirm_close() and asked == ["A visit is in progress"]
    key(qtbot, win, Qt.Key.Key_Return)  # keep the undecided photo
    shoot_and_wait_review(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.DONE and "3 photos kept" in win.done_page.detail.text()
    assert win.confirm_close()  # nobody mid-visit: no question
    win.controller.wait_idle()
    assert store.participant("P-001").state == "finished" and len(store.photos("P-001")) == 3
    win.close()
    store.close()


def test_you_are_here_stays_put_while_the_visitor_looks_at_their_photo(qtbot, window):
    """The live probe (the map's "you are here") pauses from the shutter until the photo is kept
    or retaken: the marker does not wander while the visitor decides."""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model

    win = window
    win.attach_engine(EmbeddingEngine(load_model(ModelSpec.parse("piday-tiny:none"), device="cpu")))
    key(qtbot, win, Qt.Key.Key_Space)
    key(qtbot, win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit.code is not None, timeout=5_000)
    probe = win.map.probe
    assert probe.active and not probe.held
    shoot_and_wait_review(qtbot, win)
    qtbot.waitUntil(lambda: probe.held, timeout=5_000)
    key(qtbot, win, Qt.Key.Key_Return)  # keep: back to the preview, the marker follows again
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW and not probe.held, timeout=5_000)


def test_a_held_key_sent_as_release_press_pairs_is_still_one_press(qtbot, window):
    """Found under Xvfb: an X server without detectable auto-repeat sends a held Enter as
    release + press pairs with the same timestamp, most of them not flagged as repeats, so one
    held Enter started a visit *and* gave consent. A press a few ms after its own release is a
    repeat; a person's second press (hundreds of ms later) still counts."""
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    win = window
    clock_now = [5000]

    def send(kind, ms: int) -> None:
        event = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "")
        event.setTimestamp(ms)
        QApplication.sendEvent(win, event)

    send(QEvent.Type.KeyPress, clock_now[0])  # Enter goes down: the visit starts
    assert win.flow.stage is Stage.CONSENT
    t = clock_now[0] + 660  # the X server's repeat delay, then pairs 40 ms apart, for 1.5 s
    while t < clock_now[0] + 1500:
        send(QEvent.Type.KeyRelease, t)
        send(QEvent.Type.KeyPress, t)
        t += 40
    send(QEvent.Type.KeyRelease, t)
    assert win.flow.stage is Stage.CONSENT  # held Enter never gave consent
    send(QEvent.Type.KeyPress, t + 400)  # the visitor presses Enter on purpose
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW, timeout=5_000)


def test_the_nickname_hint_is_whole_at_1366x768(qtbot, tmp_path):
    """Under Xvfb at 1366x768 the hint read "Nickname (optional, stays on this la…": the part that
    tells a visitor where the name goes was the part cut off (issue 11, item 14)."""
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", key_debounce_s=0), map_refit=False)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.camera.start(TestPatternSource((640, 480), fps=30))
    qtbot.waitUntil(lambda: win.camera.state == "live", timeout=10_000)
    key(qtbot, win, Qt.Key.Key_Space)
    nickname = win.consent_page.nickname
    qtbot.waitUntil(lambda: nickname.isVisible() and nickname.placeholder_fits(), timeout=3_000)
    assert "laptop" in nickname.placeholderText() and nickname.font().pointSizeF() >= 14
    win.close()
    store.close()


def test_leaving_full_screen_returns_to_the_maximised_window(qtbot, tmp_path):
    """Under openbox at 1366x768 F11 twice left a screen-sized, un-maximised window whose title
    bar was above the screen (showNormal); it must come back as it opened: maximised."""
    store = EventStore.open(tmp_path, "ev")
    win = StationWindow(store, StationConfig(event="ev", key_debounce_s=0), map_refit=False)
    qtbot.addWidget(win)
    win.showMaximized()
    qtbot.waitUntil(lambda: win.isMaximized(), timeout=3_000)
    key(qtbot, win, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: win.isFullScreen(), timeout=3_000)
    key(qtbot, win, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not win.isFullScreen(), timeout=3_000)
    assert win.isMaximized()
    win.close()
    store.close()
