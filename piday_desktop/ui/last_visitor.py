"""The last visitor's photo on the start page (opt-in), the way photo booths invite the next one.

Only a visitor who agreed to show their photo in public is shown (``core.consent``, audience
PUBLIC: the start page faces everyone walking by), with their code, never their nickname. The
choice is checked again whenever the start page comes back, so a visitor forgotten or whose
consent was narrowed meanwhile disappears from it. Reading the rows and decoding the photo run
on a reader thread; only the finished, small QImage reaches the UI thread.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..core import consent
from ..core.store import EventStore, ParticipantNotFound
from ..station.visitor_flow import Stage
from .i18n import translate

log = logging.getLogger(__name__)

THUMB_PX = 220


def showable_photo(store: EventStore, participant_id: str) -> tuple[str, str] | None:
    """(code, photo path) of the participant's last kept photo if they may be shown to everyone."""
    try:
        participant = store.participant(participant_id)
    except ParticipantNotFound:
        return None
    kept = store.photos(participant.code)
    if not kept or consent.shown(participant, "kept", consent.Audience.PUBLIC) is not consent.Visibility.PICTURE:
        return None
    return participant.code, str(store.photo_path(kept[-1]))


class LastVisitor(QObject):
    """Keeps the start page's "our last visitor" picture true (see the module docstring)."""

    def __init__(self, window, enabled: bool) -> None:
        super().__init__(window)
        self.window = window
        self.enabled = enabled
        self.participant_id: str | None = None
        self.code: str | None = None  # the visitor shown now (None: nobody)
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piday-last-visitor")
        self.box = QWidget()
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel("")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setStyleSheet("color: #aab")
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        self.box.hide()
        idle = window.idle_page.layout()
        idle.insertWidget(idle.indexOf(window.idle_page.pitch) + 1, self.box, alignment=Qt.AlignmentFlag.AlignHCenter)
        window.controller.participant_finished.connect(self._finished)
        window.flow.changed.connect(self._stage)

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._check()

    def close(self) -> None:
        self._reader.shutdown(wait=True)

    def _finished(self, participant_id: str) -> None:
        self.participant_id = participant_id
        self._check()

    def _stage(self, stage: Stage) -> None:
        if stage is Stage.IDLE:
            self._check()  # consent may have changed, or the visitor been forgotten, meanwhile

    def _check(self) -> None:
        if not self.enabled or self.participant_id is None:
            self._show(None)
            return
        store, pid, post = self.window.store, self.participant_id, self.window.invoker.post

        def read() -> None:
            try:
                found = showable_photo(store, pid)
                image = None
                if found is not None:
                    image = QImage(found[1])
                    if image.isNull():
                        found = None
                    else:
                        image = image.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)
            except Exception:  # noqa: BLE001 - a nicety: never worth a failsafe
                log.debug("last visitor: could not read", exc_info=True)
                found, image = None, None
            post(lambda: self._show(None if found is None else (found[0], image)))
        try:
            self._reader.submit(read)
        except RuntimeError:  # closing
            pass

    def _show(self, shown: tuple[str, QImage] | None) -> None:
        if shown is None:
            self.code = None
            self.picture.clear()
            self.box.hide()
            return
        self.code, image = shown
        # Shown as the review showed it (mirrored unless it was saved mirrored already).
        if self.window.capture_page.preview.mirror_still:
            image = image.flipped(Qt.Orientation.Horizontal)
        self.picture.setPixmap(QPixmap.fromImage(image))
        self.caption.setText(translate("LastVisitor", "Our last visitor, {code}").format(code=self.code))
        self.box.show()
