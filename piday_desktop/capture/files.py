"""Files that stand in for a webcam: a video file, or a folder of photos played as frames.

They make demos and tests reproducible and let an exhibition run from a recorded clip when the
webcam fails. Both keep their own frame rate (a file would otherwise be read as fast as the CPU
allows) and loop by default, as a camera never "ends".
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import cv2
import numpy as np

from ..core.images import ImageError, is_candidate, load_rgb
from .base import CameraLost, CameraSource, CameraUnavailable, Frame
from .cv_capture import OpenCVCaptureSource
from .opencv_quiet import quiet_opencv
from .pacing import MONOTONIC, PaceClock, Pacer

log = logging.getLogger(__name__)

# What a file that reports no usable frame rate (some AVI/MJPG writers write 0) plays at.
DEFAULT_VIDEO_FPS = 25.0


class VideoFileSource(OpenCVCaptureSource):
    """Plays a video file (anything OpenCV's FFmpeg build decodes) as if it were a camera.

    With ``realtime`` it plays at the file's own frame rate (kept by ``pace_clock``); without, as
    fast as it is read.
    """

    def __init__(self, path: str | Path, loop: bool = True, realtime: bool = True, *,
                 pace_clock: PaceClock = MONOTONIC) -> None:
        super().__init__()
        self.path = Path(path)
        self.loop = loop
        self.realtime = realtime
        self._pace_clock = pace_clock
        self._pacer = Pacer(None, self._wake, pace_clock)
        self.fps: float | None = None

    @property
    def description(self) -> str:
        return f"Video file {self.path.name}"

    def _open_capture(self) -> cv2.VideoCapture:
        with quiet_opencv():
            cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(
                f"Cannot play {self.path.name}: not a video format this build can decode, "
                "or the file is damaged"
            )
        return cap

    def open(self) -> None:
        self.close()
        if not self.path.is_file():
            raise CameraUnavailable(f"Video file not found: {self.path}")
        cap = self._open_capture()
        ok, image = cap.read()
        if not ok or image is None:
            cap.release()
            raise CameraUnavailable(f"{self.path.name} contains no frame that can be decoded")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if math.isfinite(fps) and 0 < fps <= 1000 else DEFAULT_VIDEO_FPS
        self._cap = cap
        self._pending = image
        self._number = 0
        self._size = (int(image.shape[1]), int(image.shape[0]))
        self._reset_interrupt()
        self._pacer = Pacer(self.fps if self.realtime else None, self._wake, self._pace_clock)

    def _rewind(self) -> np.ndarray | None:
        """First frame again: seek if the container allows it, else reopen the file."""
        assert self._cap is not None
        if self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0):
            ok, image = self._cap.read()
            if ok and image is not None:
                return image
        self._cap.release()
        self._cap = self._open_capture()
        ok, image = self._cap.read()
        return image if ok else None

    def read(self) -> Frame | None:
        if self._cap is None:
            raise RuntimeError("read() on a closed source; call open() first")
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self._cap.read()
            if not ok or image is None:
                if not self.loop:
                    return None
                try:
                    image = self._rewind()
                except CameraUnavailable as exc:  # the file went away under us
                    raise CameraLost(str(exc)) from None
                if image is None:
                    raise CameraLost(f"{self.path.name} stopped decoding when it looped")
        self._pacer.wait()
        return self._frame(image)


def natural_key(path: Path) -> tuple:
    """Sort key that puts ``img2`` before ``img10`` and ignores case, as file browsers do."""
    parts = re.split(r"(\d+)", path.name.lower())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


class ImageFolderSource(CameraSource):
    """Plays the photos in a folder, in name order, as frames at ``fps``.

    Photos are read upright (EXIF orientation applied) through ``core.images.load_rgb``, the
    same code that imports photos, so what this source shows is what the importer would embed.
    Unreadable files are skipped and remembered in ``skipped`` (path → reason) for the UI. The
    folder is listed again each time playback loops, so photos copied in meanwhile appear.
    """

    def __init__(self, path: str | Path, fps: float = 2.0, loop: bool = True, *,
                 pace_clock: PaceClock = MONOTONIC) -> None:
        super().__init__()
        self.path = Path(path)
        self.loop = loop
        self._pacer = Pacer(fps, self._wake, pace_clock)
        self._files: list[Path] = []
        self._index = 0
        self._number = 0
        self._open = False
        self._pending: np.ndarray | None = None
        self._size: tuple[int, int] | None = None
        self.skipped: dict[Path, str] = {}
        self._bad_stat: dict[Path, tuple[int, int]] = {}  # retry a skipped file once it changes
        self.current_file: Path | None = None  # the file the last frame came from

    @property
    def description(self) -> str:
        return f"Image folder {self.path.name or self.path}"

    @property
    def resolution(self) -> tuple[int, int] | None:
        return self._size

    @property
    def is_open(self) -> bool:
        return self._open

    @staticmethod
    def _stat_key(path: Path) -> tuple[int, int]:
        try:
            st = path.stat()
        except OSError:
            return (-1, -1)
        return (st.st_mtime_ns, st.st_size)

    def _scan(self) -> list[Path]:
        """Candidate photos in name order, minus known-bad files that have not changed since."""
        try:
            entries = [p for p in self.path.iterdir() if is_candidate(p)]
        except OSError as exc:
            raise CameraUnavailable(f"Cannot list folder {self.path}: {exc.strerror or exc}") from None
        entries = [p for p in entries if self._bad_stat.get(p) != self._stat_key(p)]
        return sorted(entries, key=natural_key)

    def _next_image(self) -> np.ndarray | None:
        """Decode the next readable photo; None at the end of a non-looping pass."""
        while True:
            if self._index >= len(self._files):
                if not self.loop:
                    return None
                # Every failure is excluded from the next listing, so this cannot spin.
                self._files = self._scan()
                self._index = 0
                if not self._files:
                    raise CameraLost(f"No readable photos left in {self.path}")
            path = self._files[self._index]
            self._index += 1
            try:
                image = np.asarray(load_rgb(path))
            except (ImageError, OSError) as exc:
                reason = str(exc)
                log.warning("skipping %s: %s", path, reason)
                self.skipped[path] = reason
                self._bad_stat[path] = self._stat_key(path)
                continue
            self.skipped.pop(path, None)
            self._bad_stat.pop(path, None)
            self.current_file = path
            return image

    def open(self) -> None:
        self.close()
        if not self.path.is_dir():
            raise CameraUnavailable(f"Image folder not found: {self.path}")
        self._files = self._scan()
        self._index = 0
        saved_loop, self.loop = self.loop, False  # one pass at most while checking
        try:
            image = self._next_image()
        finally:
            self.loop = saved_loop
        if image is None:
            extra = f" ({len(self.skipped)} unreadable files skipped)" if self.skipped else ""
            raise CameraUnavailable(f"No readable photos in {self.path}{extra}")
        self._pending = image
        self._number = 0
        self._open = True
        self._reset_interrupt()
        self._pacer.reset()

    def read(self) -> Frame | None:
        if not self._open:
            raise RuntimeError("read() on a closed source; call open() first")
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            image = self._next_image()
            if image is None:
                return None
        self._pacer.wait()
        frame = Frame.capture(image, self._number)
        self._number += 1
        self._size = frame.resolution
        return frame

    def close(self) -> None:
        self._open = False
        self._pending = None
