"""A moving test pattern that behaves like a webcam, including breaking like one.

It lets the station, its tests and demos run on a machine with no camera. The picture is a
pure function of the frame number (plus an optional wall clock), so tests can predict it; the
moving ball and the frame counter make a frozen preview obvious to a person.

Fault injection is real behaviour of this source, not a mock: ``unplug()`` makes the next
``read()`` raise ``CameraLost`` and every ``open()`` raise ``CameraUnavailable`` until
``replug()``, exactly what a USB webcam pulled out of the laptop does. ``unplug_after`` and
``crash_after`` trigger the same (or an unexpected ``RuntimeError``) after N frames, from the
capture thread itself, so the UI's reconnect and failsafe paths can be driven end to end.
"""

from __future__ import annotations

import math
import threading
import time

import cv2
import numpy as np

from .base import CameraLost, CameraSource, CameraUnavailable, Frame
from .pacing import MONOTONIC, PaceClock, Pacer

# Colour bars (RGB), the classic look of a test signal.
_BARS = np.array(
    [
        (235, 235, 235),
        (235, 235, 16),
        (16, 235, 235),
        (16, 235, 16),
        (235, 16, 235),
        (235, 16, 16),
        (16, 16, 235),
        (40, 40, 40),
    ],
    dtype=np.float32,
)


class TestPatternSource(CameraSource):
    """Colour bars scrolling sideways, a bouncing ball, a frame counter and a clock.

    ``fps=None`` delivers frames as fast as they are read (handy in tests); ``clock=False``
    leaves the wall clock off so a frame depends only on its number. ``pace_clock`` is what the
    frame rate is kept by (tests inject one instead of timing reads).
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        resolution: tuple[int, int] = (1280, 720),
        fps: float | None = 30.0,
        *,
        clock: bool = True,
        unplug_after: int | None = None,
        crash_after: int | None = None,
        pace_clock: PaceClock = MONOTONIC,
    ) -> None:
        super().__init__()
        width, height = (int(v) for v in resolution)
        if width < 16 or height < 16:
            raise ValueError(f"test pattern needs at least 16x16 pixels, got {width}x{height}")
        self._size = (width, height)
        self._pacer = Pacer(fps, self._wake, pace_clock)
        self.clock = clock
        self.unplug_after = unplug_after
        self.crash_after = crash_after
        self._plugged = True
        self._open = False
        self._number = 0
        self.open_count = 0  # successful opens: lets tests see that a reconnect happened
        self._lock = threading.Lock()
        self._base = self._make_base(width, height)

    # --- fault injection (thread-safe) --------------------------------------------------

    def unplug(self) -> None:
        """Behave like a pulled USB cable: reads raise CameraLost, opens fail until replug()."""
        with self._lock:
            self._plugged = False
        self._wake.set()  # a read waiting for its frame time notices at once, as with a camera

    def replug(self) -> None:
        """Plug it back in: the next open() succeeds."""
        with self._lock:
            self._plugged = True

    # --- CameraSource ---------------------------------------------------------------------

    @property
    def description(self) -> str:
        return f"Test pattern ({self._size[0]}x{self._size[1]})"

    @property
    def resolution(self) -> tuple[int, int]:
        return self._size

    @property
    def fps(self) -> float | None:
        return self._pacer.fps

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        with self._lock:
            if not self._plugged:
                raise CameraUnavailable("Test pattern is unplugged (simulated)")
            self._open = True
            self._number = 0
            self.open_count += 1
        self._reset_interrupt()
        self._pacer.reset()

    def read(self) -> Frame | None:
        if not self._open:
            raise RuntimeError("read() on a closed source; call open() first")
        n = self._number
        if self.crash_after is not None and n >= self.crash_after:
            self.crash_after = None  # one-shot
            raise RuntimeError(f"injected test-pattern crash after {n} frames")
        if self.unplug_after is not None and n >= self.unplug_after:
            self.unplug_after = None  # one-shot: after a replug it keeps running
            self.unplug()
        if not self._plugged:
            raise CameraLost("Test pattern was unplugged (simulated)")
        self._pacer.wait()
        if not self._plugged:  # pulled out while we waited for the frame time
            raise CameraLost("Test pattern was unplugged (simulated)")
        image = self.render(n)
        self._number = n + 1
        return Frame.capture(image, n)

    def close(self) -> None:
        self._open = False

    # --- drawing ----------------------------------------------------------------------------

    @staticmethod
    def _make_base(width: int, height: int) -> np.ndarray:
        """Bars across the width, darkening towards the bottom, as one RGB float image."""
        bar_index = (np.arange(width) * len(_BARS)) // width
        row = _BARS[bar_index]  # (w, 3)
        shade = np.linspace(1.0, 0.55, height, dtype=np.float32)[:, None, None]
        return (row[None, :, :] * shade).astype(np.uint8)

    def render(self, number: int) -> np.ndarray:
        """The picture for frame ``number`` (deterministic unless the clock is drawn)."""
        width, height = self._size
        image = np.roll(self._base, (number * max(1, width // 160)) % width, axis=1)
        # A ball bouncing on a Lissajous path: motion is visible even in a still screenshot.
        phase = number / 30.0
        cx = int(width / 2 + (width * 0.35) * math.sin(phase * 1.3))
        cy = int(height / 2 + (height * 0.3) * math.sin(phase * 2.1 + 0.5))
        radius = max(4, min(width, height) // 12)
        cv2.circle(image, (cx, cy), radius, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(image, (cx, cy), radius, (20, 20, 20), max(1, radius // 8), cv2.LINE_AA)

        lines = [f"TEST PATTERN  #{number:06d}"]
        if self.clock:
            now = time.time()
            lines.append(time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}")
        scale = max(0.35, height / 720 * 1.2)
        thickness = max(1, int(round(scale * 2)))
        y = 0
        for text in lines:
            (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
            pad = max(2, th // 3)
            top = y + pad
            cv2.rectangle(image, (pad, top), (pad * 3 + tw, top + th + base + pad * 2), (0, 0, 0), -1)
            cv2.putText(
                image,
                text,
                (pad * 2, top + pad + th),
                cv2.FONT_HERSHEY_SIMPLEX,
                scale,
                (255, 255, 255),
                thickness,
                cv2.LINE_AA,
            )
            y = top + th + base + pad * 2
        return image
