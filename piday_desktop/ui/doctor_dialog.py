"""The station's "Check" button: `piday doctor` in a window, and "Open log folder".

The checks run in a child process, waited for on a thread (torch, a speed test and the map
warm-up take seconds; in the station's own process they would freeze its preview), and
each line appears as soon as it is known. The station passes its live camera so the check does
not try to open a device the station is using.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..doctor import Check, DoctorOptions, Report, run_checks
from .i18n import plural, translate

_COLOURS = {"OK": "#4caf50", "WARN": "#ffb300", "FAIL": "#ff5252"}


def log_folder() -> Path:
    """The log folder, created if needed (so "Open" always shows a folder)."""
    from ..core.paths import log_dir

    path = log_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_log_folder() -> bool:
    """Show the log folder in the system's file manager; False if none could be started."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_folder())))


def options_for_station(event_dir: Path, config, camera_state: str, camera_description: str) -> DoctorOptions:
    """The checks as the running station needs them: its data folder, model and device, and its
    live camera described rather than re-opened (``event_dir`` is ``EventStore.directory``)."""
    import os

    live = f"{camera_description or config.camera} ({camera_state})"
    return DoctorOptions(data_dir=event_dir.parent.parent, model=config.model or os.environ.get("PIDAY_MODEL", ""),
                         device=config.device, camera=config.camera,
                         camera_in_use=live if camera_state == "live" else None,
                         event=event_dir.name, backup_dir=config.backup_dir, station_id=config.station_id)


class _Relay(QObject):
    """The worker's answers; owned by the dialog so the worker never holds the dialog itself."""

    line = Signal(object)  # Check
    finished = Signal(object)  # Report


def _work(relay: _Relay, options: DoctorOptions) -> None:
    def emit(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the dialog was closed meanwhile
            pass

    from ..core.elsewhere import run_elsewhere_streaming

    # In a child process: the checks import torch and run a speed test, which on a thread of the
    # station's process would freeze its preview (the GIL) and leave torch loaded in it all day.
    try:
        report = run_elsewhere_streaming(run_checks, options, on_item=lambda check: emit(relay.line, check))
    except Exception as exc:  # noqa: BLE001 - said in the window, never a silent hang
        failed = Check("doctor", "FAIL", f"the checks could not run: {type(exc).__name__}: {exc}",
                       "run `piday doctor` in a terminal to see more")
        emit(relay.line, failed)
        report = Report([failed], None)
    emit(relay.finished, report)


class DoctorDialog(QDialog):
    """Runs the readiness checks once when shown; ``report`` holds the result when done."""

    def __init__(self, options: DoctorOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Doctor", "Is this laptop ready?"))
        self.resize(760, 520)
        self.options = options
        self.report: Report | None = None
        self.checks: list[Check] = []
        self.done = threading.Event()
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.summary = QLabel(translate("Doctor", "Checking… (about 10-30 s)"))
        self.open_logs = QPushButton(translate("Doctor", "Open log folder"))
        self.open_logs.clicked.connect(open_log_folder)
        close = QPushButton(translate("Doctor", "Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_logs)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, stretch=1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self._relay = _Relay(self)
        self._relay.line.connect(self._add, Qt.ConnectionType.QueuedConnection)
        self._relay.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        threading.Thread(target=_work, args=(self._relay, options), name="piday-doctor", daemon=True).start()

    def _add(self, check: Check) -> None:
        self.checks.append(check)
        colour = _COLOURS.get(check.status, "#ffffff")
        fix = (f"<br><span style='color:#bbbbbb'>&nbsp;&nbsp;{translate('Doctor', 'fix:')} {_html(check.fix)}</span>"
               if check.fix else "")
        self.view.append(f"<p><b style='color:{colour}'>{check.status}</b> <b>{_html(check.name)}</b>: "
                         f"{_html(check.summary)}{fix}</p>")

    def _finished(self, report: Report) -> None:
        self.report = report
        failures = sum(c.status == "FAIL" for c in report.checks)
        warnings = sum(c.status == "WARN" for c in report.checks)
        verdict = (plural(failures, translate("Doctor", "Not ready: {n} problem to fix"),
                          translate("Doctor", "Not ready: {n} problems to fix")) if failures
                   else translate("Doctor", "Ready for the event"))
        self.summary.setText(plural(warnings, translate("Doctor", "{verdict}, {n} warning. Log: {log}"),
                                    translate("Doctor", "{verdict}, {n} warnings. Log: {log}"),
                                    verdict=verdict, log=report.log_file))
        self.done.set()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
