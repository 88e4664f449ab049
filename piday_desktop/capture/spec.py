"""``--camera SPEC`` → a camera source: the one place that decides what a spec means.

``0``, ``1``…      an OpenCV device index
``pattern``       the test pattern
a folder          its photos played as frames
``watch:DIR``     a hot folder: each new photo a tethering tool drops there is the picture
a file            a video file
``/dev/video2``   a V4L2 device node (Linux)
anything else     a camera name (Linux: matched against the V4L2 device names)

The source is built, not opened: opening a webcam can take seconds, so the camera worker opens
it on its own thread. What can be checked without touching a device is checked here, so a typo
in a path fails at once with a clear message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .base import CameraSource, CameraUnavailable
from .files import ImageFolderSource, VideoFileSource
from .opencv_camera import OpenCVCamera
from .pattern import TestPatternSource
from .watch_source import WATCH_PREFIX, WatchFolderSource

PATTERN_SPEC = "pattern"


def _looks_like_path(spec: str) -> bool:
    return (
        os.sep in spec
        or (os.altsep is not None and os.altsep in spec)
        or spec.startswith(("~", "."))
        or Path(spec).suffix != ""
    )


def open_source(
    spec: str | int,
    *,
    resolution: tuple[int, int] | None = None,
    fps: float | None = None,
) -> CameraSource:
    """Build the source a ``--camera`` spec names (see the module docstring). Not opened yet.

    ``resolution`` is passed to a webcam (as a request) and to the test pattern; ``fps`` paces
    an image folder and the test pattern. Raises ``CameraUnavailable`` for a path that does not
    exist or an empty spec.
    """
    if isinstance(spec, int):
        return OpenCVCamera(spec, resolution, fps=fps)
    text = spec.strip()
    if not text:
        raise CameraUnavailable("No camera given: use an index (0), a file or folder, or 'pattern'")
    if text.isdigit():
        return OpenCVCamera(int(text), resolution, fps=fps)
    if text.lower().startswith(WATCH_PREFIX):
        folder = Path(text[len(WATCH_PREFIX):].strip()).expanduser()
        if not str(folder) or str(folder) == ".":
            raise CameraUnavailable("watch: needs a folder, e.g. watch:~/Pictures/tethered")
        if not folder.is_dir():
            raise CameraUnavailable(f"Hot folder not found: {folder}")
        return WatchFolderSource(folder)
    if text.lower() == PATTERN_SPEC:
        kwargs = {} if fps is None else {"fps": fps}
        return TestPatternSource(resolution or (1280, 720), **kwargs)

    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, **({} if fps is None else {"fps": fps}))
    if path.is_file():
        return VideoFileSource(path)
    if sys.platform.startswith("linux") and text.startswith("/dev/"):
        if path.is_char_device():
            return OpenCVCamera(text, resolution, fps=fps)
        raise CameraUnavailable(f"No such camera device: {text}")
    if path.exists():
        raise CameraUnavailable(f"Not a video file, photo folder or camera: {text}")
    if _looks_like_path(text):
        raise CameraUnavailable(f"No such file or folder: {path}")
    # A bare word: a camera name where the platform can match one (checked when opened).
    return OpenCVCamera(text, resolution, fps=fps)
