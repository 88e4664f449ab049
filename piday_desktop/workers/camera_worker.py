"""Runs a camera source on its own thread and hands the UI only the newest frame.

Why the design is what it is
----------------------------
A webcam delivers 30 frames a second whether or not the UI keeps up. If each frame were sent
as a queued signal, a UI thread that is busy for half a second (a layout redraw, a burst of
shots) would find 15 stale frames queued, then spend its next half second painting the past:
the preview lags and memory grows. So frames never travel through the event queue:

* The capture thread writes each frame into a single **latest-frame slot** (overwriting the
  previous one: an undelivered frame is simply dropped), and sets a **pending flag**.
* Only when the flag was clear does it post a wake-up signal (carrying no frame) to the UI
  thread. So at most one wake-up is ever queued, however slow the UI is.
* On the UI thread the wake-up clears the flag, takes whatever frame is newest *now*, and emits
  ``frame_ready(frame)`` there (synchronously to connected slots). A slow consumer therefore
  gets fewer, always-current frames; nothing piles up.

The same slot serves ``capture_still()``: the shot is the newest full-resolution frame exactly
as the source delivered it. Sources never mirror; the preview mirrors its own copy (frames are
read-only, so nobody can mirror the shared array in place).

Threading: ``CameraWorker`` lives on the UI thread; a ``_CaptureLoop`` QObject is moved into a
QThread and runs a blocking read loop there. The two share a ``FrameExchange`` (one lock,
Qt-free, in ``capture/frame_exchange.py``). Sources are wrapped in ``ReconnectingSource`` so
an unplugged camera reports ``lost`` → ``reconnecting`` → ``live`` without a restart. ``stop()`` interrupts the source (waking any
frame-rate or backoff wait) and waits a bounded time, so it never holds the UI for long.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from ..capture import (
    CameraSource,
    CameraState,
    CameraUnavailable,
    CaptureError,
    Frame,
    ReconnectingSource,
    open_source,
)
from ..capture.frame_exchange import FrameExchange
from ..capture.watch_source import WatchFolderSource

log = logging.getLogger(__name__)

_QUEUED = Qt.ConnectionType.QueuedConnection


# Threads whose source did not stop in time (a hung driver): kept referenced until they end,
# because destroying a running QThread aborts the program.
_lingering: list[tuple[QThread, QObject]] = []


class _CaptureLoop(QObject):
    """The blocking read loop, run on the capture thread. Signals carry the loop's generation
    so the UI ignores anything a stopped loop still had in flight."""

    frame_waiting = Signal(int)
    status = Signal(int, str, str)  # generation, CameraState value, human detail
    source_opened = Signal(int, str)  # generation, description once open

    def __init__(self, exchange: FrameExchange, generation: int, reconnect: dict | None) -> None:
        super().__init__()
        self.exchange = exchange
        self.generation = generation
        self.reconnect = reconnect  # ReconnectingSource options, or None for no reconnect
        self.state: CameraState | None = None

    def _status(self, state: CameraState, detail: str = "") -> None:
        self.state = state
        self.status.emit(self.generation, state.value, detail)

    def _on_source_state(self, state: CameraState, detail: str) -> None:
        if state is CameraState.LOST:
            self.exchange.clear_latest()  # no still may come from before the loss
        self._status(state, detail)

    @Slot()
    def run(self) -> None:
        try:
            while True:
                source = self.exchange.wait_for_source()
                if source is None:
                    break
                self._play(source)
        except Exception:  # the loop itself must never die silently
            log.exception("camera loop crashed")
            self._status(CameraState.FAILED, "The camera thread stopped unexpectedly")
        finally:
            self.exchange.clear_latest()
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())  # so the UI thread can delete it cleanly
            thread = QThread.currentThread()
            thread.quit()  # direct call: a queued quit would wait for the UI's event loop

    def _wrap(self, source: CameraSource) -> CameraSource:
        if self.reconnect is None:
            return source
        if isinstance(source, ReconnectingSource):
            # Keep the caller's own listener (once: the same source may be handed over again).
            own = getattr(source, "_caller_on_state", source.on_state)
            source._caller_on_state = own  # type: ignore[attr-defined]

            def both(state: CameraState, detail: str) -> None:
                if own is not None:
                    own(state, detail)
                self._on_source_state(state, detail)

            source.on_state = both
            return source
        return ReconnectingSource(source, on_state=self._on_source_state, **self.reconnect)

    def _play(self, given: CameraSource) -> None:
        exchange = self.exchange
        source = self._wrap(given)
        exchange.set_current(source)  # interrupts must reach the wrapper's waits too
        self._status(CameraState.STARTING, given.description)
        try:
            try:
                source.open()
            except CameraUnavailable as exc:
                self._status(CameraState.FAILED, str(exc))
                return
            except Exception as exc:
                log.exception("opening %s failed", given.description)
                self._status(CameraState.FAILED, f"{given.description} could not start: {exc}")
                return
            self.source_opened.emit(self.generation, source.description)
            while not exchange.should_leave():
                frame = source.read()
                if frame is None:
                    if not exchange.should_leave():
                        self._status(CameraState.ENDED, f"{source.description} has ended")
                    return
                if self.state is not CameraState.LIVE:
                    self._status(CameraState.LIVE, source.description)
                if exchange.publish(frame):
                    self.frame_waiting.emit(self.generation)
        except CaptureError as exc:
            self._status(CameraState.FAILED, str(exc))
        except Exception as exc:
            log.exception("reading %s failed", given.description)
            self._status(CameraState.FAILED, f"Camera error: {exc}")
        finally:
            exchange.clear_latest()
            try:
                source.close()
            except Exception:
                log.exception("closing %s failed", given.description)


class CameraWorker(QObject):
    """The UI's handle on the camera: start/switch/stop a source, newest frames by signal.

    Signals (all emitted on the thread this object lives on, the UI thread):
      frame_ready(Frame)   newest frame; frames the UI was too busy for are dropped, not queued
      state_changed(str)   a ``CameraState`` value: starting, live, lost, reconnecting,
                           failed, ended, stopped (only on change)
      message(str)         a line for the status bar ("Camera 0 stopped sending pictures",
                           "attempt 3, in 2.0 s")
      error(str)           why the camera failed (with state ``failed``): show it, offer others
      source_changed(str)  the source's description once it is open, e.g. "Camera 0 (1280x720)"

    A source handed to the worker belongs to the capture thread until the worker lets go of it
    (stop or switch); only ``interrupt()`` and a test pattern's ``unplug()``/``replug()`` may
    be called on it meanwhile.
    """

    frame_ready = Signal(object)
    state_changed = Signal(str)
    message = Signal(str)
    error = Signal(str)
    source_changed = Signal(str)
    file_arrived = Signal(str)  # a hot folder's new file (path), on the UI thread: the shot itself

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        reconnect: bool = True,
        initial_delay: float = 0.5,
        max_delay: float = 5.0,
        max_attempts: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._reconnect = (
            {"initial_delay": initial_delay, "max_delay": max_delay, "max_attempts": max_attempts}
            if reconnect
            else None
        )
        self._exchange: FrameExchange | None = None
        self._thread: QThread | None = None
        self._loop: _CaptureLoop | None = None
        self._generation = 0
        self._state = CameraState.STOPPED.value
        self._source: CameraSource | None = None
        self._description = ""
        self.frames_delivered = 0
        app = QCoreApplication.instance()
        if app is not None:
            # A QThread destroyed while running aborts the process: stop before Qt tears down.
            app.aboutToQuit.connect(self._on_about_to_quit)

    # --- public API ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def source(self) -> CameraSource | None:
        """The source last handed over (as given, not the reconnect wrapper)."""
        return self._source

    @property
    def description(self) -> str:
        return self._description or (self._source.description if self._source else "")

    @property
    def remote_shutter(self) -> bool:
        """The camera shoots by itself (a tethered camera's hot folder): its files are the shots."""
        return isinstance(self._source, WatchFolderSource)

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def frames_captured(self) -> int:
        """Frames the source produced since start(); minus ``frames_delivered`` = dropped."""
        return self._exchange.captured if self._exchange else 0

    def start(self, source: CameraSource | str) -> None:
        """Start capturing from ``source`` (or a ``--camera`` spec); switches if running.

        Never raises for a bad source: a spec naming a missing file reports ``failed`` and
        ``error(reason)`` like a missing camera does, so the UI has one path for both.
        """
        if isinstance(source, str):
            try:
                source = open_source(source)
            except CameraUnavailable as exc:
                self._set_state(CameraState.FAILED.value)
                self.message.emit(str(exc))
                self.error.emit(str(exc))
                return
        self._source = source
        self._description = ""
        if isinstance(source, WatchFolderSource):
            # Called on the capture thread; the signal queues it to the UI thread.
            source.on_file = lambda path: self.file_arrived.emit(str(path))
        if self._thread is None:
            self._spawn()
        assert self._exchange is not None
        self._exchange.hand_over(source)

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop capturing and close the source. Waits at most ``timeout`` seconds for the
        capture thread (a read in progress finishes first: one frame interval for a working
        camera). Returns False if it had to leave a hung thread to finish on its own."""
        thread, loop, exchange = self._thread, self._loop, self._exchange
        self._thread = self._loop = None
        finished = True
        if exchange is not None:
            exchange.request_stop()
        if thread is not None:
            finished = thread.wait(max(0, int(timeout * 1000)))
            if not finished:
                log.warning("camera thread did not stop within %.1f s; leaving it to finish", timeout)
                _lingering[:] = [(t, o) for t, o in _lingering if not t.isFinished()]
                _lingering.append((thread, loop))
        self._generation += 1  # anything the old loop still has in flight is now ignored
        self._set_state(CameraState.STOPPED.value)
        return finished

    def latest_frame(self) -> Frame | None:
        """The newest frame from the source (None when not live)."""
        return self._exchange.peek() if self._exchange else None

    def capture_still(self, max_age: float = 1.0) -> Frame | None:
        """The shot: the newest frame, full resolution and un-mirrored, as the source gave it.

        Returns None when there is no frame younger than ``max_age`` seconds (camera not live,
        lost, or frozen), so a shutter press never saves a stale picture. Non-blocking.
        """
        frame = self.latest_frame()
        if frame is None or time.monotonic() - frame.timestamp > max_age:
            return None
        return frame

    # --- internals ----------------------------------------------------------------------------

    def _spawn(self) -> None:
        self._generation += 1
        self._exchange = FrameExchange()
        self.frames_delivered = 0
        thread = QThread()
        thread.setObjectName("camera")
        loop = _CaptureLoop(self._exchange, self._generation, self._reconnect)
        loop.moveToThread(thread)
        thread.started.connect(loop.run)
        loop.frame_waiting.connect(self._on_frame_waiting, _QUEUED)
        loop.status.connect(self._on_status, _QUEUED)
        loop.source_opened.connect(self._on_source_opened, _QUEUED)
        self._thread, self._loop = thread, loop
        thread.start()

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    @Slot()
    def _on_about_to_quit(self) -> None:
        self.stop()

    @Slot(int)
    def _on_frame_waiting(self, generation: int) -> None:
        if generation != self._generation or self._exchange is None:
            return
        frame = self._exchange.take()
        if frame is not None:
            self.frames_delivered += 1
            self.frame_ready.emit(frame)

    @Slot(int, str, str)
    def _on_status(self, generation: int, state: str, detail: str) -> None:
        if generation != self._generation:
            return
        self._set_state(state)
        if detail:
            self.message.emit(detail)
        if state == CameraState.FAILED.value:
            self.error.emit(detail)

    @Slot(int, str)
    def _on_source_opened(self, generation: int, description: str) -> None:
        if generation != self._generation:
            return
        self._description = description
        self.source_changed.emit(description)
