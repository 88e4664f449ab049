"""The newest-frame slot that a capture thread and its consumer share (plain Python, no Qt).

A webcam delivers frames whether or not the UI keeps up; queuing each one would make a busy UI
paint the past and grow memory. ``FrameExchange`` keeps only the newest frame and tells the
producer when a wake-up is needed, so a slow consumer gets fewer, always-current frames. The
Qt side (the capture QThread and the UI's signals) is ``piday_desktop.workers.camera_worker``.
"""

from __future__ import annotations

import threading

from .base import CameraSource, Frame


class FrameExchange:
    """Everything the capture thread and the UI thread share, behind one lock.

    The capture thread ``publish``es each frame into a one-frame slot (an undelivered frame is
    overwritten, i.e. dropped) and is told whether to wake the consumer: only when no wake-up
    is pending, so at most one is ever queued however slow the consumer is. The consumer's
    ``take`` clears the pending flag and gets whatever frame is newest then. Sources are handed
    over through the same lock: ``hand_over`` and ``request_stop`` interrupt the source being
    read so the capture thread notices at once, and ``wait_for_source`` blocks it until there
    is something to read or it should end.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.latest: Frame | None = None
        self.pending = False  # a wake-up is queued to the UI and not yet handled
        self.captured = 0  # frames published (delivered + dropped)
        self.next_source: CameraSource | None = None
        self.current: CameraSource | None = None
        self.stopping = False

    # capture thread -------------------------------------------------------------------------

    def publish(self, frame: Frame) -> bool:
        """Put ``frame`` in the slot; True when the UI must be woken (none queued yet)."""
        with self._cond:
            self.latest = frame
            self.captured += 1
            if self.pending:
                return False
            self.pending = True
            return True

    def clear_latest(self) -> None:
        """Empty the slot: no still may come from a source that was lost or closed."""
        with self._cond:
            self.latest = None

    def wait_for_source(self) -> CameraSource | None:
        """Block until a source is handed over (returned) or stop is requested (None)."""
        with self._cond:
            while not self.stopping and self.next_source is None:
                self._cond.wait()
            if self.stopping:
                self.current = None
                return None
            source, self.next_source = self.next_source, None
            self.current = source
            return source

    def set_current(self, source: CameraSource) -> None:
        """Record the source being read (a wrapper may replace the one handed over); interrupt
        it at once if a stop or another source arrived meanwhile."""
        with self._cond:
            self.current = source
            if self.stopping or self.next_source is not None:
                source.interrupt()

    def should_leave(self) -> bool:
        """Stop reading the current source: the worker stops or another source is waiting."""
        with self._cond:
            return self.stopping or self.next_source is not None

    # UI thread ------------------------------------------------------------------------------

    def take(self) -> Frame | None:
        """The newest frame, clearing the pending wake-up (the next publish wakes again)."""
        with self._cond:
            self.pending = False
            return self.latest

    def peek(self) -> Frame | None:
        """The newest frame without touching the wake-up (the shot)."""
        with self._cond:
            return self.latest

    def hand_over(self, source: CameraSource) -> None:
        """Give the capture thread ``source`` to read next, interrupting the current one."""
        with self._cond:
            self.next_source = source
            self._interrupt_current()
            self._cond.notify_all()

    def request_stop(self) -> None:
        """End the capture thread: drop any waiting source, interrupt the current one."""
        with self._cond:
            self.stopping = True
            self.next_source = None
            self._interrupt_current()
            self._cond.notify_all()

    def _interrupt_current(self) -> None:
        if self.current is not None:
            self.current.interrupt()  # thread-safe by contract; wakes paced/backoff waits
