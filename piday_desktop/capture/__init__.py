"""Camera sources behind one interface (plain Python, no Qt).

``open_source("0" | "pattern" | PATH | "watch:DIR")`` builds a source; ``ReconnectingSource`` keeps it going
through unplug/replug; ``list_cameras()`` probes devices for settings and ``piday doctor``.
The Qt side (a capture thread, newest-frame-only delivery) is
``piday_desktop.workers.camera_worker``.
"""

from .base import CameraLost, CameraSource, CameraState, CameraUnavailable, CaptureError, Frame
from .files import ImageFolderSource, VideoFileSource
from .opencv_camera import CameraInfo, OpenCVCamera, list_cameras
from .pattern import TestPatternSource
from .reconnect import ReconnectingSource
from .spec import open_source
from .watch_source import WatchFolderSource

__all__ = [
    "CameraInfo",
    "CameraLost",
    "CameraSource",
    "CameraState",
    "CameraUnavailable",
    "CaptureError",
    "Frame",
    "ImageFolderSource",
    "OpenCVCamera",
    "ReconnectingSource",
    "TestPatternSource",
    "VideoFileSource",
    "WatchFolderSource",
    "list_cameras",
    "open_source",
]
