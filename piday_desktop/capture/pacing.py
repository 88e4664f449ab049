"""Fixed-rate pacing for sources that have no clock of their own (files, the test pattern).

A webcam paces itself: ``read()`` waits for the sensor. A video file or a folder of photos
would otherwise be read as fast as the CPU allows, so they wait for their frame's due time.
The wait is on an ``Event`` so ``interrupt()`` ends it at once, and a consumer that falls
behind never causes a burst of catch-up frames (the schedule re-anchors to "now").

Time comes from a ``PaceClock`` (the monotonic clock unless one is injected), so tests check
the schedule by reading the waits a source asked for instead of timing it.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class PaceClock(Protocol):
    """Where a pacer reads the time and waits."""

    def now(self) -> float:
        """Seconds on a clock that never goes back."""

    def wait(self, wake: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds``; True at once when ``wake`` is (or becomes) set."""


class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``Event.wait``, which an interrupt ends early."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, wake: threading.Event, seconds: float) -> bool:
        return wake.wait(seconds)


MONOTONIC = MonotonicClock()


class Pacer:
    """Waits until the next frame of a ``fps`` schedule is due; ``fps=None`` never waits."""

    def __init__(self, fps: float | None, wake: threading.Event, clock: PaceClock = MONOTONIC) -> None:
        if fps is not None and not fps > 0:
            raise ValueError(f"fps must be positive or None, got {fps!r}")
        self.fps = fps
        self._wake = wake
        self._clock = clock
        self._next: float | None = None

    def reset(self) -> None:
        """Start a new schedule: the next ``wait()`` returns immediately."""
        self._next = None

    def wait(self) -> None:
        """Block until the next frame is due (or the source is interrupted)."""
        if self.fps is None:
            return
        now = self._clock.now()
        if self._next is None:
            self._next = now
        delay = self._next - now
        if delay > 0:
            self._clock.wait(self._wake, delay)
        # Late by more than a frame (slow decode, busy machine)? Re-anchor instead of bursting.
        self._next = max(self._next + 1.0 / self.fps, self._clock.now())
