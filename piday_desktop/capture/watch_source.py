"""``--camera watch:DIR``: a tethered camera (or a phone's photo sync) as the station's camera.

Each complete new file in the hot folder (see ``hotfolder``) becomes the frame the station
shows and shoots; until the first one arrives the preview shows a "waiting for the camera"
card. The last picture is delivered again a few times a second, because the station's shutter
takes the newest *fresh* frame (a still older than a second is refused as stale).

Huge camera files are scaled to ``max_side`` for the station (a 24 MP frame re-delivered
twice a second would make the preview mirror 70 MB copies); ``piday watch`` imports the
original files untouched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..core.images import ImageError, load_rgb
from .base import CameraLost, CameraSource, CameraUnavailable, Frame
from .hotfolder import DEFAULT_SETTLE_S, HotFolder

log = logging.getLogger(__name__)

WATCH_PREFIX = "watch:"
WAITING_TEXT = "Waiting for the camera..."


def waiting_card(folder: Path, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """The frame shown before the first photo arrives: what is happening, and where."""
    img = Image.new("RGB", size, (34, 38, 46))
    draw = ImageDraw.Draw(img)
    try:
        big, small = ImageFont.load_default(size=56), ImageFont.load_default(size=26)
    except TypeError:  # Pillow without FreeType sizes
        big = small = ImageFont.load_default()
    lines = [(WAITING_TEXT, big, (235, 235, 235)),
             (f"Take a photo with the tethered camera; it appears here from {folder.name or folder}",
              small, (170, 178, 190))]
    y = size[1] // 2 - 60
    for text, font, colour in lines:
        width = draw.textlength(text, font=font)
        draw.text(((size[0] - width) / 2, y), text, font=font, fill=colour)
        y += 90
    return np.asarray(img)


class WatchFolderSource(CameraSource):
    """A camera whose shots are the photos a tethering tool drops into ``folder``.

    ``files_received`` counts the photos shown; ``current_file`` is the last one (None while
    waiting); ``on_file(path)`` is called on the capture thread for each new photo, which is
    what a station that turns every file into the next shot hooks into. Files that cannot be
    decoded are kept in ``skipped`` (path -> reason) and the previous picture stays.
    """

    def __init__(self, folder: str | Path, *, fps: float = 2.0, settle_s: float = DEFAULT_SETTLE_S,
                 max_side: int = 2560, polling: bool | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_file: Callable[[Path], None] | None = None) -> None:
        super().__init__()
        self.folder = Path(folder).expanduser()
        self.interval = 1.0 / fps
        self.settle_s = settle_s
        self.max_side = max_side
        self.polling = polling
        self.clock = clock
        self.on_file = on_file
        self._hot: HotFolder | None = None
        self._image: np.ndarray | None = None
        self._size: tuple[int, int] | None = None
        self._number = 0
        self._next_due = 0.0
        self.current_file: Path | None = None
        self.files_received = 0
        self.skipped: dict[Path, str] = {}

    @property
    def description(self) -> str:
        return f"Hot folder {self.folder.name or self.folder}"

    @property
    def resolution(self) -> tuple[int, int] | None:
        return self._size

    @property
    def is_open(self) -> bool:
        return self._hot is not None

    @property
    def waiting(self) -> bool:
        """No photo has arrived since the source opened: the preview shows the waiting card."""
        return self.current_file is None

    def open(self) -> None:
        self.close()
        if not self.folder.is_dir():
            raise CameraUnavailable(f"Hot folder not found: {self.folder} (create it, or point the "
                                    "tethering software and the camera setting at the same folder)")
        hot = HotFolder(self.folder, settle_s=self.settle_s, polling=self.polling, only_new=True, clock=self.clock)
        try:
            hot.start()
        except OSError as exc:
            raise CameraUnavailable(f"Cannot watch {self.folder}: {exc}") from None
        self._hot = hot
        self._reset_interrupt()
        if self._image is None:
            self._image = waiting_card(self.folder)
            self._image.flags.writeable = False
        self._next_due = 0.0

    def interrupt(self) -> None:
        super().interrupt()
        if self._hot is not None:
            self._hot.wake()

    def _load(self, path: Path) -> np.ndarray | None:
        try:
            img = load_rgb(path)
        except (ImageError, OSError) as exc:
            log.warning("hot folder: skipping %s: %s", path, exc)
            self.skipped[path] = str(exc)
            return None
        if max(img.size) > self.max_side:
            img.thumbnail((self.max_side, self.max_side), Image.Resampling.LANCZOS)
        array = np.ascontiguousarray(np.asarray(img))
        array.flags.writeable = False
        return array

    def read(self) -> Frame | None:
        hot = self._hot
        if hot is None:
            raise RuntimeError("read() on a closed source; call open() first")
        while not self.interrupted:
            if not self.folder.is_dir():
                raise CameraLost(f"The hot folder {self.folder} is gone (network drive or card removed?)")
            for path in hot.poll():
                image = self._load(path)
                if image is None:
                    continue
                self._image, self.current_file = image, path
                self.files_received += 1
                if self.on_file is not None:
                    try:
                        self.on_file(path)
                    except Exception:  # a listener must not stop the camera
                        log.exception("hot folder on_file callback failed")
                self._next_due = 0.0  # show it now
            now = time.monotonic()
            if now >= self._next_due:
                self._next_due = now + self.interval
                return self._frame()
            hot.wait(min(self._next_due - now, 0.2))
        return None

    def _frame(self) -> Frame:
        assert self._image is not None
        frame = Frame(self._image, time.monotonic(), self._number)
        self._number += 1
        self._size = frame.resolution
        return frame

    def close(self) -> None:
        hot, self._hot = self._hot, None
        if hot is not None:
            hot.stop()
