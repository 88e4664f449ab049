"""What every source backed by ``cv2.VideoCapture`` shares: colour conversion, numbering, close.

The webcam and the video file differ in how they open and how they read; turning a decoded
OpenCV image into a numbered RGB ``Frame`` and releasing the capture is the same for both, so
it lives here once.
"""

from __future__ import annotations

import cv2
import numpy as np

from .base import CameraSource, Frame


def bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV decodes BGR (or grey, or BGRA); the rest of the program speaks RGB."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class OpenCVCaptureSource(CameraSource):
    """Base for sources reading a ``cv2.VideoCapture``; subclasses open it and fetch images."""

    def __init__(self) -> None:
        super().__init__()
        self._cap: cv2.VideoCapture | None = None
        self._pending: np.ndarray | None = None  # first image, decoded by open() as a check
        self._number = 0
        self._size: tuple[int, int] | None = None

    @property
    def resolution(self) -> tuple[int, int] | None:
        """What actually arrives, read from the frames themselves."""
        return self._size

    @property
    def is_open(self) -> bool:
        return self._cap is not None

    def _frame(self, image: np.ndarray) -> Frame:
        """Number an OpenCV image as the next RGB frame and remember its size."""
        frame = Frame.capture(bgr_to_rgb(image), self._number)
        self._number += 1
        self._size = frame.resolution
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self._pending = None
