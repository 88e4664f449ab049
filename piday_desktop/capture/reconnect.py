"""Keep a source running through unplug/replug: the "camera lost, reconnecting…" behaviour.

A webcam's USB cable gets kicked at a busy stand. ``ReconnectingSource`` wraps any source;
when it raises ``CameraLost`` the wrapper closes it, reports ``lost``, then reopens it with
exponential backoff (reporting ``reconnecting`` each attempt) until it delivers again
(``live``), all inside ``read()`` on the capture thread. The program never restarts and the
frame numbers carry on, so the consumer sees one continuous stream with a gap.

Waits are interruptible: ``interrupt()`` (from the thread stopping the worker) ends a backoff
at once and ``read()`` returns ``None``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from .base import CameraLost, CameraSource, CameraState, CameraUnavailable, Frame

log = logging.getLogger(__name__)

StateCallback = Callable[[CameraState, str], None]


class ReconnectingSource(CameraSource):
    """Wraps ``inner``; survives ``CameraLost`` by reopening it.

    ``on_state(state, detail)`` is called from the reading thread on LOST, each RECONNECTING
    attempt, and LIVE once frames flow again; it may be set after construction (the camera
    worker does). With ``max_attempts`` the wrapper gives up by raising ``CameraUnavailable``;
    the default is to keep trying forever, as a camera may be replugged minutes later.
    """

    def __init__(
        self,
        inner: CameraSource,
        *,
        initial_delay: float = 0.5,
        max_delay: float = 5.0,
        factor: float = 2.0,
        max_attempts: int | None = None,
        on_state: StateCallback | None = None,
    ) -> None:
        super().__init__()
        if initial_delay < 0 or max_delay < initial_delay or factor < 1:
            raise ValueError("need 0 <= initial_delay <= max_delay and factor >= 1")
        self.inner = inner
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.factor = factor
        self.max_attempts = max_attempts
        self.on_state = on_state
        self._lost = False
        self._number = 0
        self.reconnects = 0  # how many times it came back

    @property
    def description(self) -> str:
        return self.inner.description

    @property
    def resolution(self) -> tuple[int, int] | None:
        return self.inner.resolution

    @property
    def is_open(self) -> bool:
        return self.inner.is_open or self._lost

    @property
    def lost(self) -> bool:
        return self._lost

    def _notify(self, state: CameraState, detail: str) -> None:
        if self.on_state is not None:
            try:
                self.on_state(state, detail)
            except Exception:  # a broken listener must not kill the capture thread
                log.exception("camera state callback failed")

    def open(self) -> None:
        """Open the inner source; a camera missing at start raises ``CameraUnavailable``
        (the window says so and offers other sources) rather than retrying silently."""
        self._reset_interrupt()
        self._lost = False
        self._number = 0
        self.inner.open()

    def interrupt(self) -> None:
        super().interrupt()
        self.inner.interrupt()

    def _reconnect(self) -> bool:
        """Reopen with backoff; False when interrupted. Raises CameraUnavailable on giving up."""
        delay = self.initial_delay
        attempt = 0
        last_reason = ""
        while True:
            attempt += 1
            if self.max_attempts is not None and attempt > self.max_attempts:
                raise CameraUnavailable(
                    f"{self.description} did not come back after {self.max_attempts} attempts"
                    + (f" ({last_reason})" if last_reason else "")
                )
            self._notify(CameraState.RECONNECTING, f"attempt {attempt}, in {delay:.1f} s")
            if self._wake.wait(delay):
                return False
            try:
                self.inner.open()
            except CameraUnavailable as exc:
                last_reason = str(exc)
                log.info("reconnect attempt %d failed: %s", attempt, exc)
                delay = min(delay * self.factor, self.max_delay)
                continue
            if self._wake.is_set():  # stopped while the device was opening
                return False
            return True

    def read(self) -> Frame | None:
        while True:
            if self.interrupted:
                return None
            reconnected = False
            if self._lost:
                if not self._reconnect():
                    return None
                self._lost = False
                reconnected = True
            try:
                frame = self.inner.read()
            except CameraLost as exc:
                self._lost = True
                try:
                    self.inner.close()
                except Exception:
                    log.exception("closing a lost camera failed")
                log.warning("%s", exc)
                self._notify(CameraState.LOST, str(exc))
                continue
            if frame is None:
                return None
            if reconnected:
                self.reconnects += 1
                self._notify(CameraState.LIVE, f"{self.description} is back")
            frame = dataclasses.replace(frame, number=self._number)
            self._number += 1
            return frame

    def close(self) -> None:
        self._lost = False
        self.inner.close()
