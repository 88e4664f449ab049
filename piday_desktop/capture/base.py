"""The one interface every camera source speaks, and the errors it can raise.

The capture station, the importer and the tests all take frames from a ``CameraSource``; which
kind it is (a webcam, a video file, a folder of photos, the test pattern) is decided once, by
``open_source``. Keeping the interface this small is what lets the test pattern stand in for a
webcam everywhere, including the failure paths (unplug, replug, crash).

No Qt here: the Qt glue lives in ``piday_desktop.workers.camera_worker``.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

import numpy as np


class CaptureError(Exception):
    """Base class for camera problems; ``str(err)`` is a sentence a volunteer can act on."""


class CameraUnavailable(CaptureError):
    """The source cannot be opened: no such camera, file or folder, or nothing decodable in it.

    Raised by ``open()`` (and by ``open_source`` for a path that does not exist). The window
    shows the reason and offers the other sources.
    """


class CameraLost(CaptureError):
    """A source that was delivering frames stopped (camera unplugged, driver gave up).

    Distinct from ``CameraUnavailable`` so the UI can say "camera lost, reconnecting…" and
    ``ReconnectingSource`` can try to reopen it, rather than treating it as a setup error.
    """


class CameraState(str, Enum):
    """What the preview should say about the camera. Values are the plain strings the worker
    emits, so ``state == "live"`` and ``state == CameraState.LIVE`` both hold."""

    STARTING = "starting"  # opening the source (a webcam can take seconds)
    LIVE = "live"  # frames are arriving
    LOST = "lost"  # it stopped delivering; reconnecting follows
    RECONNECTING = "reconnecting"  # trying to reopen it, with backoff
    FAILED = "failed"  # could not open, or gave up; pick another source
    ENDED = "ended"  # a non-looping file or folder played to its end
    STOPPED = "stopped"  # the worker was stopped on purpose

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture from a source.

    ``image`` is uint8 RGB, shape (height, width, 3), C-contiguous and read-only: the same frame
    is shared between the capture thread, the preview and the shot, so nobody may draw on it or
    mirror it in place (the preview mirrors a copy; the saved shot stays un-mirrored).
    ``timestamp`` is ``time.monotonic()`` when the frame was taken; ``number`` counts frames from
    0 per source (``ReconnectingSource`` keeps counting across reconnects).
    """

    image: np.ndarray
    timestamp: float
    number: int

    @classmethod
    def capture(cls, image: np.ndarray, number: int, timestamp: float | None = None) -> "Frame":
        """Wrap a freshly decoded RGB array: check it, make it contiguous and read-only."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected uint8 HxWx3 RGB, got {image.dtype} {image.shape}")
        image = np.ascontiguousarray(image)
        image.flags.writeable = False
        return cls(image, time.monotonic() if timestamp is None else timestamp, number)

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def resolution(self) -> tuple[int, int]:
        """(width, height), the order cameras and Qt use."""
        return (self.width, self.height)


class CameraSource(ABC):
    """A camera, or something that pretends to be one.

    Life cycle: ``open()`` → ``read()`` … → ``close()``; ``open()`` may be called again after
    ``close()`` (that is how reconnecting works). A source is used from one thread at a time
    (the camera worker's); only ``interrupt()`` and a test pattern's ``unplug()``/``replug()``
    may be called from another thread.

    ``read()`` blocks until the next frame is due (a webcam waits for the sensor; files and the
    pattern wait to keep their frame rate) and returns it, or ``None`` when there will be no
    more frames (a non-looping file played out, or the source was interrupted while waiting).
    It raises ``CameraLost`` when a working source stops delivering.
    """

    def __init__(self) -> None:
        # Set by interrupt(): wakes any paced wait so a stopping worker is not held up by a
        # slow frame rate or a reconnect backoff. Cleared by open().
        self._wake = threading.Event()

    @property
    @abstractmethod
    def description(self) -> str:
        """Human-readable name for the status bar, e.g. "Camera 0 (1280x720)"."""

    @property
    @abstractmethod
    def resolution(self) -> tuple[int, int] | None:
        """(width, height) actually delivered, or None before the first frame is known."""

    @property
    @abstractmethod
    def is_open(self) -> bool:
        """Whether ``read()`` may be called."""

    @abstractmethod
    def open(self) -> None:
        """Acquire the device or file; raises ``CameraUnavailable`` with a reason if it can't."""

    @abstractmethod
    def read(self) -> Frame | None:
        """The next frame (see the class docstring for blocking and ``None``)."""

    @abstractmethod
    def close(self) -> None:
        """Release the device or file; safe to call twice or on a source never opened."""

    def interrupt(self) -> None:
        """Thread-safe: make a waiting ``read()`` return promptly, and stop pacing until the
        next ``open()``. The camera worker calls this when it stops or switches source."""
        self._wake.set()

    @property
    def interrupted(self) -> bool:
        return self._wake.is_set()

    def _reset_interrupt(self) -> None:
        self._wake.clear()

    def __enter__(self) -> "CameraSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description!r}>"
