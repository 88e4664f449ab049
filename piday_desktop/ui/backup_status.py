"""The live backup in the station window: one status-bar entry ("Backup up to date", "3 behind",
"target missing"), attached without the window knowing about backups (as ``atlas_panel`` does).

The job runs on its own thread; its status changes are posted to the UI thread through the
window's invoker, and a kept photo nudges the job so the copy follows within seconds.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from ..jobs.backup_job import FAILING, MISSING, STARTING, UP_TO_DATE, BackupJob, BackupStatus
from .i18n import translate

_COLOURS = {UP_TO_DATE: "#8bd17c", MISSING: "#ff6b6b", FAILING: "#ff6b6b"}


def backup_line(status: BackupStatus) -> str:
    """:attr:`BackupStatus.text` in the station's language (a failure's reason as the system gave it)."""
    if status.state == UP_TO_DATE:
        return translate("Backup", "Backup up to date")
    if status.state == MISSING:
        return (translate("Backup", "Backup target missing ({n} behind)").format(n=status.behind) if status.behind
                else translate("Backup", "Backup target missing"))
    if status.state == FAILING:
        return translate("Backup", "Backup failing: {reason}").format(reason=status.reason)
    if status.state == STARTING:
        return translate("Backup", "Backup starting…")
    return translate("Backup", "Backup {n} behind").format(n=status.behind)


def attach_backup(window, job: BackupJob) -> QLabel:
    """Add the backup's status label to ``window``'s status bar and keep it current."""
    label = QLabel()
    window.statusBar().addPermanentWidget(label)
    window.backup_status = label

    def show(status: BackupStatus) -> None:
        label.setText(backup_line(status))
        label.setStyleSheet(f"color: {_COLOURS.get(status.state, '#ffd866')}")
        tip = translate("Backup", "Backup folder: {folder}").format(folder=status.target)
        if status.reason:
            tip += f"\n{status.reason}"
        label.setToolTip(tip)

    job.on_status = lambda status: window.invoker.post(lambda: show(status))
    # The keep is committed on the writer thread just after this intent: look a moment later.
    window.flow.requests.keep.connect(lambda *_: QTimer.singleShot(300, job.kick))
    show(job.status)
    return label
