"""The station's first start, and its demo mode: two ways to open without a prepared config.

First start (no ``config.toml`` yet): a short setup asks the four things a volunteer must decide
(event name, camera, model, Atlas login now or later) instead of opening on defaults that
cannot work (camera 0 on a laptop whose webcam is 1, a model not on the laptop). Nothing slow
runs on the UI thread: cameras are probed and the model cache is read on background threads,
and their answers fill the lists when they arrive.

Demo (``piday --demo``): the test-pattern camera and seeded random weights under the event
``demo``, so a volunteer can rehearse the whole visit anywhere; the saved settings are untouched.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QRadioButton,
    QVBoxLayout, QWidget,
)

from ..core.config import StationConfig
from ..core.paths import InvalidEventName, validate_event_name
from .i18n import translate

log = logging.getLogger(__name__)

DEMO_EVENT = "demo"
DEMO_MODEL = "piday-tiny:none"  # random weights that still spread photos apart on the map
DEFAULT_MODEL_TEXT = "ViT-B-32:laion2b_s34b_b79k"


def demo_config(config: StationConfig) -> StationConfig:
    """The settings of a rehearsal: test pattern, random-weights model, its own event."""
    return replace(config, event=DEMO_EVENT, camera="pattern", model=DEMO_MODEL, device="auto")


def suggested_event_name(today: date | None = None) -> str:
    return f"event-{(today or date.today()):%Y-%m-%d}"


def _model_label(row: dict) -> str:
    if row["default"]:
        where = (translate("FirstRun", "default, on this laptop") if row["cached"]
                 else translate("FirstRun", "default, not on this laptop yet: see `piday doctor`"))
    else:
        where = (translate("FirstRun", "on this laptop") if row["cached"]
                 else translate("FirstRun", "not on this laptop yet: see `piday doctor`"))
    return f"{row['model']} ({where})"


def demo_model_label() -> str:
    return translate("FirstRun", "{model} (rehearsal: random weights, no download)").format(model=DEMO_MODEL)


class _Relay(QObject):
    """Carries the worker threads' answers to the dialog (queued signals).

    The threads hold only this child object, never the dialog: a thread that outlived the
    dialog would otherwise drop the last reference to it and destroy a widget off the UI thread.
    Owned by the dialog on the C++ side, it dies with it; a late answer is then simply dropped.
    """

    cameras_found = Signal(list)  # [(spec, description)]
    models_found = Signal(list)  # [(model, description)]
    login_done = Signal(str)  # "" on success, else the reason


def _emit(signal, value) -> None:
    try:
        signal.emit(value)
    except RuntimeError:  # the dialog (and its relay) is gone: nobody waits for the answer
        pass


def camera_choices() -> list[tuple[str, str]]:
    """(spec, label) for every camera that opens. Blocking (probes devices): off the UI thread.
    The station's settings offer the same list."""
    from ..capture import list_cameras

    return [(str(c.index), translate("FirstRun", "Camera {camera}").format(camera=c)) for c in list_cameras()]


def _probe_cameras(relay: _Relay) -> None:
    try:
        found = camera_choices()
    except Exception as exc:  # noqa: BLE001 - no list, the defaults stay
        log.warning("first run: camera probe failed: %s", exc)
        found = []
    _emit(relay.cameras_found, found)


def model_choices() -> list[tuple[str, str]]:
    """(model, label) for every model usable offline here, then the default if it is not.

    Blocking (a child process imports open_clip and reads the caches, so the window's own
    interpreter never imports torch): call it off the UI thread. The station's settings can
    offer the same list.
    """
    from ..core.elsewhere import run_elsewhere
    from ..embedding.models import model_catalogue

    rows = [r for r in run_elsewhere(model_catalogue, timeout=120) if r["tag"] and (r["cached"] or r["default"])]
    rows.sort(key=lambda r: (not r["cached"], not r["default"], r["model"]))
    return [(r["model"], _model_label(r)) for r in rows]


def _read_models(relay: _Relay) -> None:
    try:
        found = model_choices()
    except Exception as exc:  # noqa: BLE001
        log.warning("first run: model list failed: %s", exc)
        found = []
    _emit(relay.models_found, found)


def _login(relay: _Relay, key: str) -> None:
    try:
        from ..atlas.client import login

        login(key)
        problem = ""
    except Exception as exc:  # noqa: BLE001 - shown to the volunteer, who can choose "Later"
        problem = str(exc) or type(exc).__name__
    _emit(relay.login_done, problem)


class FirstRunDialog(QDialog):
    """Event, camera, model and Atlas: the first start's questions, with safe defaults."""

    def __init__(self, config: StationConfig, parent: QWidget | None = None, probe: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("FirstRun", "Set up this station"))
        self.setMinimumWidth(640)
        self._original = config
        self.probes_done = threading.Event() if probe else None
        self._pending_probes = 2
        form = QFormLayout()
        self.event = QLineEdit(config.event if config.event != StationConfig.event else suggested_event_name())
        self.event.setToolTip(translate("FirstRun", "Letters, digits, '.', '_' or '-': one folder of photos per event"))
        self.camera = QComboBox()
        self.camera.addItem(translate("FirstRun", "Camera 0 (looking for cameras…)"), "0")
        self.camera.addItem(translate("FirstRun", "Test pattern (no camera needed)"), "pattern")
        self._select(self.camera, config.camera,
                     translate("FirstRun", "{camera} (from the command line)").format(camera=config.camera))
        self.model = QComboBox()
        self.model.addItem(translate("FirstRun", "{model} (default; checking this laptop…)").format(
            model=DEFAULT_MODEL_TEXT), DEFAULT_MODEL_TEXT)
        self.model.addItem(demo_model_label(), DEMO_MODEL)
        self._select(self.model, config.model or DEFAULT_MODEL_TEXT,
                     translate("FirstRun", "{model} (asked for at this start)").format(model=config.model))
        self.atlas_later = QRadioButton(translate("FirstRun", "Later (photos stay on this laptop until someone logs in)"))
        self.atlas_now = QRadioButton(translate("FirstRun", "Log in now with an API key:"))
        self.atlas_later.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.atlas_later)
        group.addButton(self.atlas_now)
        self.atlas_key = QLineEdit()
        self.atlas_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.atlas_key.setPlaceholderText("nk-…")
        self.atlas_key.setEnabled(False)
        self.atlas_now.toggled.connect(self.atlas_key.setEnabled)
        form.addRow(translate("FirstRun", "Event name"), self.event)
        form.addRow(translate("FirstRun", "Camera"), self.camera)
        form.addRow(translate("FirstRun", "Model"), self.model)
        form.addRow("Nomic Atlas", self.atlas_later)
        form.addRow("", self.atlas_now)
        form.addRow("", self.atlas_key)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff6b6b")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(translate("FirstRun", "Start the station"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(translate("FirstRun", "Welcome! A few choices before the first visitor. All of them can be "
                                 "changed later in Settings; `piday doctor` checks the laptop is ready."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._relay = _Relay(self)
        self._relay.cameras_found.connect(self._show_cameras)
        self._relay.models_found.connect(self._show_models)
        self._relay.login_done.connect(self._login_finished)
        if probe:
            for work, name in ((_probe_cameras, "cameras"), (_read_models, "models")):
                threading.Thread(target=work, args=(self._relay,), name=f"piday-first-run-{name}", daemon=True).start()

    @staticmethod
    def _select(combo: QComboBox, value: str, label: str) -> None:
        """Choose ``value`` (what this start was asked for), adding it first if it is not listed."""
        index = combo.findData(value)
        if index < 0:
            combo.insertItem(0, label, value)
            index = 0
        combo.setCurrentIndex(index)

    # --- background answers -----------------------------------------------------------------

    def _probe_finished(self) -> None:
        self._pending_probes -= 1
        if self._pending_probes == 0 and self.probes_done is not None:
            self.probes_done.set()

    def _show_cameras(self, found: list) -> None:
        current, label = self.camera.currentData(), self.camera.currentText()
        self.camera.clear()
        for spec, description in found:
            self.camera.addItem(description, spec)
        if not found:
            self.camera.addItem(translate("FirstRun", "Camera 0 (none found: plug the webcam in)"), "0")
        self.camera.addItem(translate("FirstRun", "Test pattern (no camera needed)"), "pattern")
        if current == "0" and found:
            self.camera.setCurrentIndex(0)  # "camera 0" was only the placeholder: the first found
        else:
            self._select(self.camera, current, label)
        self._probe_finished()

    def _show_models(self, found: list) -> None:
        current, label = self.model.currentData(), self.model.currentText()
        if found:
            self.model.clear()
            for model, description in found:
                self.model.addItem(description, model)
            self.model.addItem(demo_model_label(), DEMO_MODEL)
            if current == DEFAULT_MODEL_TEXT:
                self.model.setCurrentIndex(0)  # nothing asked for: the best model this laptop has
            else:
                self._select(self.model, current, label)
        self._probe_finished()

    # --- answers -----------------------------------------------------------------------------

    def config(self) -> StationConfig:
        """The settings chosen (the model is stored empty when it is the default)."""
        model = str(self.model.currentData() or "")
        return replace(self._original, event=self.event.text().strip(), camera=str(self.camera.currentData() or "0"),
                       model="" if model == DEFAULT_MODEL_TEXT else model).validated()

    def _accept(self) -> None:
        try:
            validate_event_name(self.event.text().strip())
        except InvalidEventName as exc:
            self.error.setText(str(exc))
            return
        key = self.atlas_key.text().strip()
        if not self.atlas_now.isChecked() or not key:
            self.accept()
            return
        from ..core.logs import keep_out

        keep_out(key)
        self.error.setText(translate("FirstRun", "Logging in to Atlas…"))
        self.buttons.setEnabled(False)
        threading.Thread(target=_login, args=(self._relay, key), name="piday-first-run-login", daemon=True).start()

    def _login_finished(self, problem: str) -> None:
        self.buttons.setEnabled(True)
        if problem:
            self.error.setText(translate("FirstRun", "Atlas login failed: {problem}. Try again, or choose Later.")
                               .format(problem=problem))
            return
        log.info("first run: Atlas login stored")
        self.accept()


def run_first_run(config: StationConfig, parent: QWidget | None = None) -> StationConfig | None:
    """Show the setup; the chosen settings, or None if the volunteer cancelled."""
    dialog = FirstRunDialog(config, parent)
    if not dialog.exec():
        log.info("first run: setup cancelled")
        return None
    chosen = dialog.config()
    log.info("first run: event %s, camera %s, model %s", chosen.event, chosen.camera, chosen.model or "default")
    return chosen
