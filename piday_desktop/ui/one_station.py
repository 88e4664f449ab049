"""One station window per event on this laptop: a second `piday` brings the first to the front.

Why: a volunteer who double-clicks the icon again (the window was behind the slides, or on the
other screen) used to get a second station on the same event, fighting the first for the webcam
and numbering visitors in two windows at once, without a word. Now the first station holds an
OS lock in the event's folder (``station.lock``: the kernel drops it if the station dies, so a
crash never leaves the event "open") and listens on a local socket; a second start finds the
lock taken, asks the first over the socket to come forward, says so and exits. Headless
commands (`piday import`, `export`, the map window) never take this lock: they run beside it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock
from PySide6.QtCore import QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from ..core.locks import lock, release_and_remove, try_acquire

log = logging.getLogger(__name__)

LOCK_NAME = "station.lock"
RAISE = b"raise\n"
RAISED = b"ok\n"
ANSWER_MS = 5000  # the first station may still be starting (camera, model process)


def server_name(event_dir: Path) -> str:
    """The local socket's name for an event folder: short (a Unix socket path has ~100 bytes),
    the same for both processes, different per event and per user's data folder."""
    digest = hashlib.sha1(str(Path(event_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return f"piday-station-{digest}"


class StationClaim(QObject):
    """Proof that this process runs the event's station; answers a second start's knock by
    calling ``bring_forward`` (on the UI thread, from the socket's signals: nothing blocks)."""

    def __init__(self, event_dir: Path, held: FileLock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._held = held
        self.bring_forward: Callable[[], None] | None = None
        self.knocks = 0
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = server_name(event_dir)
        if not self._server.listen(name):
            QLocalServer.removeServer(name)  # left by a station that crashed: we hold the lock, it is stale
            if not self._server.listen(name):
                log.warning("a second start cannot reach this station (%s): it will only be told it is open",
                            self._server.errorString())
        self._server.newConnection.connect(self._on_knock)

    def _on_knock(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._answer(s))
            sock.disconnected.connect(sock.deleteLater)

    def _answer(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            return
        if bytes(sock.readLine()) == RAISE:
            self.knocks += 1
            log.info("a second start of the station for this event: this window brought to the front")
            if self.bring_forward is not None:
                self.bring_forward()
            sock.write(RAISED)
            sock.flush()
        sock.disconnectFromServer()

    def release(self) -> None:
        self._server.close()
        release_and_remove(self._held)


def claim_station(event_dir: Path) -> StationClaim | None:
    """This event's station, claimed for this process; None when another one holds it."""
    held = lock(Path(event_dir) / LOCK_NAME)
    if not try_acquire(held):
        return None
    return StationClaim(event_dir, held)


def knock(event_dir: Path, timeout_ms: int = ANSWER_MS) -> bool:
    """Ask the event's running station to come to the front; whether it answered. Called before
    this process has any window, so waiting here blocks no one's UI."""
    sock = QLocalSocket()
    sock.connectToServer(server_name(event_dir))
    if not sock.waitForConnected(min(timeout_ms, 2000)):
        return False
    sock.write(RAISE)
    sock.flush()
    answered = False
    while sock.waitForReadyRead(timeout_ms):
        if sock.canReadLine():
            answered = bytes(sock.readLine()) == RAISED
            break
    sock.abort()
    return answered


def second_start(event: str, event_dir: Path, timeout_ms: int = ANSWER_MS) -> int:
    """What a start does when the event's station already runs: bring it forward and say so
    (exit 0: the station is on screen, as asked); if it does not answer, a dialog that says where
    it is and what to do (exit 9, `EXIT_ALREADY_OPEN` of cli/common.py). Nothing is opened twice."""
    import sys

    if knock(event_dir, timeout_ms):
        log.info("station for %s already open in another process: brought it to the front", event)
        print(f"piday: the station for event {event!r} is already open; its window is in front now.",
              file=sys.stderr)
        return 0
    log.info("station for %s already open in another process, which did not answer", event)
    from PySide6.QtWidgets import QMessageBox

    from .i18n import translate

    text = translate("OneStation", "The station for event \u201c{event}\u201d is already open on this laptop, "
                     "but its window did not come forward.\n\nLook for it behind other windows or on another "
                     "screen. If it is frozen, close it (or end piday in the task manager) and start "
                     "piday again: every photo it saved is kept.").format(event=event)
    print(f"piday: {text}", file=sys.stderr)
    QMessageBox.warning(None, translate("OneStation", "Station already open"), text)
    return 9


def bring_to_front(window: QWidget) -> None:
    """Un-minimise, raise and focus the window (the window manager may only flash it)."""
    window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
