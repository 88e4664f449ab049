"""Silence OpenCV's own logging while we probe devices and files.

OpenCV prints ``[ WARN:0@0.005] ... can't open camera by index`` to stderr for every missing
device. Probing five indices for ``piday doctor`` or the settings dialog would fill the
volunteer's terminal with noise that looks like errors, so probes run with OpenCV's log level
lowered to ERROR. The level is process-wide, so nested and concurrent users are counted and the
previous level is restored only when the last one leaves.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

# Read by the Media Foundation backend when it first starts: without it, opening a webcam on
# Windows can take many seconds. Harmless elsewhere; a user's own setting wins.
os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")

import cv2  # noqa: E402  (after the environment it reads)

_lock = threading.Lock()
_depth = 0
_saved_level: int | None = None


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Within the block, OpenCV logs errors only (no warnings about missing devices)."""
    global _depth, _saved_level
    logging = cv2.utils.logging
    with _lock:
        if _depth == 0:
            _saved_level = logging.getLogLevel()
            if _saved_level > logging.LOG_LEVEL_ERROR:
                logging.setLogLevel(logging.LOG_LEVEL_ERROR)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved_level is not None:
                logging.setLogLevel(_saved_level)
                _saved_level = None
