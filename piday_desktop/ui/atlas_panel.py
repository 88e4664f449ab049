"""The Atlas upload in the station window: a status-bar widget, the map's QR code, a "Show map" panel.

The widgets only display an :class:`~piday_desktop.atlas.status.UploadStatus` and call the
uploader's thread-safe actions (``retry_now``, ``forget``); all work happens in the uploader.
:func:`attach_atlas` embeds them in a :class:`~piday_desktop.ui.main_window.StationWindow`
without the window knowing about Atlas.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, QTimer, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from ..atlas import qr
from ..atlas.client import AtlasError, login
from ..atlas.erase import ForgetResult
from ..atlas.status import NO_KEY, UploadStatus
from ..atlas.uploader import Uploader
from ..core.i18n import QT_TRANSLATE_NOOP
from .i18n import plural, tr_text, translate

NO_MAP_YET = QT_TRANSLATE_NOOP("Atlas", "The online map opens once enough visitors have joined it.")


def status_line(status: UploadStatus) -> str:
    """:meth:`UploadStatus.text` in the station's language (the reason stays as the service gave it)."""
    counts = translate("Atlas", "{n} on the map").format(n=status.uploaded)
    if status.pending:
        counts = translate("Atlas", "{counts}, {pending} to upload").format(counts=counts, pending=status.pending)
    if status.rebuilding:
        counts = translate("Atlas", "{counts} (rebuilding the map without an erased visitor)").format(counts=counts)
    reason = status.reason or ""
    if status.state == "failing":
        wait = status.retry_in()
        if wait and wait >= 1:
            return translate("Atlas", "Atlas: {counts}. Not uploading: {reason}; retrying in {seconds} s").format(
                counts=counts, reason=reason, seconds=f"{wait:.0f}")
        return translate("Atlas", "Atlas: {counts}. Not uploading: {reason}; retrying").format(
            counts=counts, reason=reason)
    if status.state == "waiting":
        return translate("Atlas", "Atlas: {counts}; waiting: {reason}").format(counts=counts, reason=reason)
    if status.state == "uploading":
        return translate("Atlas", "Atlas: uploading… {counts}").format(counts=counts)
    if status.state == "uploaded":
        done = (plural(status.uploaded, translate("Atlas", "Atlas: {n} photo on the map"),
                       translate("Atlas", "Atlas: all {n} photos on the map")) if status.uploaded
                else translate("Atlas", "Atlas: up to date"))
        return f"{done}; {status.note}" if status.note else done
    if status.state == "idle":
        return translate("Atlas", "Atlas: nothing to upload yet")
    if status.state == "stopped":
        return translate("Atlas", "Atlas: stopped ({counts})").format(counts=counts)
    return translate("Atlas", "Atlas: {counts}").format(counts=counts)


def status_short(status: UploadStatus) -> str:
    """What fits in the status bar, in the station's language (the tooltip has :func:`status_line`)."""
    if status.needs_key:
        return (translate("Atlas", "Atlas: not set up on this laptop (no key)") if status.reason == NO_KEY
                else translate("Atlas", "Atlas: the key was refused"))
    if status.state == "failing":
        wait = status.retry_in()
        if wait and wait >= 1:
            text = translate("Atlas", "Atlas: {n} on the map, {pending} waiting; retrying in {seconds} s")
        else:
            text = translate("Atlas", "Atlas: {n} on the map, {pending} waiting; retrying")
        if not status.pending:
            text = (translate("Atlas", "Atlas: {n} on the map; retrying in {seconds} s") if wait and wait >= 1
                    else translate("Atlas", "Atlas: {n} on the map; retrying"))
        return text.format(n=status.uploaded, pending=status.pending, seconds=f"{wait or 0:.0f}")
    if status.state == "waiting":  # the reason ("another piday on this laptop is uploading…") is in the tooltip
        return translate("Atlas", "Atlas: {n} on the map; waiting").format(n=status.uploaded)
    return status_line(status)


def status_caption(status: UploadStatus) -> str:
    """The thank-you page's line about the online map while there is no link, in the station's language."""
    if status.needs_key:
        return translate("Atlas", "The online map is not set up on this laptop: your photos stay here.")
    if status.state == "failing":
        return translate("Atlas", "The online map cannot be reached right now: your photos wait here and go up "
                                  "by themselves.")
    if status.note:
        return translate("Atlas", "The online map: {note}.").format(note=status.note)
    return translate("Atlas", "The online map opens once the first photos are up.")


class MapQrWidget(QWidget):
    """The QR code of the public map with its link underneath, or a line saying it is not there yet."""

    def __init__(self, size: int = 220, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_px = size
        self.link: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.code = QLabel()
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(tr_text(NO_MAP_YET))
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)
        self.code.hide()

    def set_status(self, status: UploadStatus) -> None:
        """The link's QR code, or (no link yet) what is true about the online map right now."""
        self.set_link(status.map_link, why=status_caption(status))

    def set_link(self, link: str | None, why: str = NO_MAP_YET) -> None:
        if not link:
            self.link = None
            self.code.clear()
            self.code.hide()
            self.caption.setText(tr_text(why))
            return
        if link == self.link:
            return
        self.link = link
        pixmap = QPixmap()
        pixmap.loadFromData(qr.png(link, scale=8), "PNG")
        self.code.setPixmap(pixmap.scaled(self.size_px, self.size_px, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))  # sharp modules
        self.code.show()
        self.caption.setText(translate("Atlas", "Scan to see the map: {link}").format(link=link))


class MapDialog(QDialog):
    """"Show map": a large QR code for visitors, and erasure for a visitor who asks (confirmed first)."""

    def __init__(self, uploader: Uploader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Atlas", "The online map"))
        self.uploader = uploader
        layout = QVBoxLayout(self)
        self.qr = MapQrWidget(size=420)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        self.forget_button = QPushButton(translate("Atlas", "Forget a visitor…"))
        self.close_button = QPushButton(translate("Atlas", "Close"))
        self.forget_button.clicked.connect(self.ask_forget)
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.forget_button)
        row.addStretch()
        row.addWidget(self.close_button)
        for widget in (self.qr, self.status, self.message):
            layout.addWidget(widget)
        layout.addLayout(row)
        self.show_status(uploader.status)

    def show_status(self, status: UploadStatus) -> None:
        self.qr.set_status(status)
        self.status.setText(status_line(status))  # the whole reason, however long

    def ask_forget(self) -> None:
        code, ok = QInputDialog.getText(self, translate("Atlas", "Forget a visitor"),
                                        translate("Atlas", "Participant code (e.g. P-017):"))
        code = code.strip().upper()
        if ok and code and self.confirm_forget(code):
            self.forget(code)

    def confirm_forget(self, code: str) -> bool:
        answer = QMessageBox.question(
            self, translate("Atlas", "Forget a visitor"),
            translate("Atlas", "Erase {code}'s photos from this laptop and from the online map? This cannot be "
                      "undone.").format(code=code),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def forget(self, code: str) -> None:
        """Erase (already confirmed); the result shows in the dialog."""
        self.message.setText(translate("Atlas", "Erasing {code}…").format(code=code))
        self.uploader.forget(code, self._forgotten)

    def _forgotten(self, result: ForgetResult | BaseException) -> None:
        if isinstance(result, BaseException):
            self.message.setText(translate("Atlas", "Not erased: {reason}").format(reason=result))
        elif result.rebuild:
            self.message.setText(plural(
                result.photos, translate("Atlas", "{code} erased here ({n} photo). The online map is being rebuilt "
                                         "without it; the status bar shows when it is done."),
                translate("Atlas", "{code} erased here ({n} photos). The online map is being rebuilt without them; "
                          "the status bar shows when it is done."), code=result.code))
        else:
            self.message.setText(plural(
                result.photos, translate("Atlas", "{code} erased here ({n} photo); nothing of theirs was online."),
                translate("Atlas", "{code} erased here ({n} photos); nothing of theirs was online."), code=result.code))


class LoginDialog(QDialog):
    """The Atlas key entered from the window (what `piday atlas login` does), checked off the UI
    thread; once stored, the uploader tries again at once."""

    saved = Signal(str)  # the credentials file, once the key is stored
    failed = Signal(str)  # why not

    def __init__(self, uploader: Uploader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Atlas", "Nomic Atlas key"))
        self.uploader = uploader
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(translate("Atlas", "nk-…  (from atlas.nomic.ai → your organisation → API keys)"))
        self.message = QLabel(translate("Atlas", "The key is stored for this laptop's user only; it never goes into logs "
                                               "or exports."))
        self.message.setWordWrap(True)
        self.save = QPushButton(translate("Atlas", "Save key"))
        self.save.setDefault(True)
        self.save.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(translate("Atlas", "Paste the Atlas API key of the organisation that holds the event's map:")))
        layout.addWidget(self.key)
        layout.addWidget(self.message)
        layout.addWidget(self.save)
        self.saved.connect(self._saved)
        self.failed.connect(self._failed)

    def submit(self) -> None:
        key = self.key.text().strip()
        if not key:
            self.message.setText(translate("Atlas", "Paste a key first."))
            return
        self.save.setEnabled(False)
        self.message.setText(translate("Atlas", "Checking the key…"))

        def work() -> None:  # nk- keys are stored at once; other tokens are exchanged over https
            try:
                path = login(key)
            except AtlasError as exc:
                self.failed.emit(exc.reason)
            except Exception as exc:  # noqa: BLE001 - the dialog says it, the station goes on
                self.failed.emit(f"{type(exc).__name__}: {exc}")
            else:
                self.saved.emit(str(path))
        threading.Thread(target=work, name="piday-atlas-login", daemon=True).start()

    def _saved(self, _path: str) -> None:
        self.key.clear()
        self.save.setEnabled(True)
        self.message.setText(translate("Atlas", "Key saved. Uploading starts now."))
        self.uploader.retry_now()

    def _failed(self, why: str) -> None:
        self.save.setEnabled(True)
        self.message.setText(translate("Atlas", "Not saved: {reason}").format(reason=why))


class AtlasStatusWidget(QWidget):
    """Status-bar entry: one line of status, "Retry now" while failing, "Show map"."""

    status_shown = Signal(object)  # (UploadStatus), after the widget shows it

    def __init__(self, uploader: Uploader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.uploader = uploader
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.retry = QPushButton(translate("Atlas", "Retry now"))
        self.login = QPushButton(translate("Atlas", "Enter Atlas key…"))
        self.show_map = QPushButton(translate("Atlas", "Show map"))
        self.retry.clicked.connect(uploader.retry_now)
        self.login.clicked.connect(self.open_login)
        self.show_map.clicked.connect(self.open_map)
        for widget in (self.label, self.retry, self.login, self.show_map):
            layout.addWidget(widget)
        for b in (self.retry, self.login, self.show_map):  # clicked or touched: Space and Enter stay the station's
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dialog: MapDialog | None = None
        self.login_dialog: LoginDialog | None = None
        self.shown = uploader.status
        self.set_status(uploader.status)

    def set_status(self, status: UploadStatus) -> None:
        self.shown = status
        self.label.setText(status_short(status))  # short enough for the status bar; the tooltip has it all
        self.label.setToolTip(status_line(status))
        self.retry.setVisible(status.state == "failing" and not status.needs_key)  # a retry cannot fix a key
        self.login.setVisible(status.needs_key)
        if self.dialog is not None:
            self.dialog.show_status(status)
        self.status_shown.emit(status)

    def open_login(self) -> "LoginDialog":
        if self.login_dialog is None:
            self.login_dialog = LoginDialog(self.uploader, self.window())
        self.login_dialog.show()
        self.login_dialog.raise_()
        return self.login_dialog

    def open_map(self) -> MapDialog:
        if self.dialog is None:
            self.dialog = MapDialog(self.uploader, self.window())
        self.dialog.show_status(self.shown)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


def attach_atlas(window, uploader: Uploader) -> AtlasStatusWidget:
    """Put the upload into a StationWindow: status bar entry, QR on the done page, wake on finish.

    Status updates arrive on the loop's thread (the UI thread under qasync); from any other
    thread they are posted through the window's invoker.
    """
    widget = AtlasStatusWidget(uploader)
    window.statusBar().addPermanentWidget(widget)
    done_qr = MapQrWidget(size=200)
    layout = window.done_page.layout()
    layout.insertWidget(layout.indexOf(window.done_page.next), done_qr, alignment=Qt.AlignmentFlag.AlignHCenter)
    window.atlas_status = widget
    window.atlas_qr = done_qr

    def show(status: UploadStatus) -> None:
        widget.set_status(status)
        done_qr.set_status(status)
        souvenirs = getattr(window, "souvenirs", None)
        if souvenirs is not None:  # the souvenir card's QR: the whole Atlas map (no link to one point)
            souvenirs.atlas_link = status.map_link

    def on_status(status: UploadStatus) -> None:
        if QThread.currentThread() is widget.thread():
            show(status)
        else:
            window.invoker.post(lambda: show(status))

    uploader.status_changed.connect(on_status)
    show(uploader.status)
    live = getattr(getattr(window, "map", None), "map", None)  # the live map's groups name the Atlas topics
    if live is not None:
        live.clusters_changed.connect(uploader.record_groups)
    finished = getattr(window.controller, "participant_finished", None)
    if finished is not None:  # exact: fires once the "finished" row is committed
        finished.connect(lambda *_: uploader.wake())
    else:  # the finish row is written on the controller's writer thread right after this intent
        window.flow.requests.finish.connect(lambda *_: QTimer.singleShot(500, uploader.wake))
    return widget
