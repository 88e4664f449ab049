"""Thumbnails for the map, decoded off the UI thread, newest request first.

Decoding is the one slow step between "the photo is on the map" and "the visitor sees their
face": a JPEG is decoded at reduced size (libjpeg's DCT scaling via ``images.load_rgb``), cropped
to a square and shrunk on a background thread; only the cheap QImage -> QPixmap step happens on
the UI thread. Requests are served last-in-first-out, so a fresh shot jumps ahead of the
backlog a restarted 2,000-photo map is still loading.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtGui import QColor, QImage

from ..core.images import ImageError, load_rgb

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class Thumbnail:
    image: QImage  # square RGB; may be made into a QPixmap on the UI thread only
    colour: QColor  # mean colour: what a thumbnail too small to see is drawn as


def thumbnail_side(n_points: int) -> int:
    """Pixels per thumbnail: sharp on a few hundred photos, bounded memory at 20,000 (40 px: 6 KB each)."""
    if n_points <= 3000:
        return 96
    if n_points <= 8000:
        return 64
    return 40


def decode_square(path: str, side: int) -> tuple[np.ndarray, tuple[int, int, int]]:
    """(side, side, 3) uint8 centre crop of a photo, and its mean colour. Any thread."""
    img = load_rgb(path, min_side=side)
    try:
        w, h = img.size
        s = min(w, h)
        # Faces sit in the upper-middle of a portrait; keep the top of a tall crop.
        top = 0 if h > w else (h - s) // 2
        box = ((w - s) // 2, top, (w - s) // 2 + s, top + s)
        square = img.resize((side, side), Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
        arr = np.asarray(square, dtype=np.uint8)
    finally:
        img.close()
    mean = arr.reshape(-1, 3).mean(axis=0)
    return arr, (int(mean[0]), int(mean[1]), int(mean[2]))


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w, _ = rgb.shape
    data = np.ascontiguousarray(rgb)
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: own the pixels


class ThumbnailLoader:
    """Decode thumbnails on ``workers`` background threads; ``on_done(id, Thumbnail | None)`` via ``post``."""

    def __init__(self, post: Post, on_done: Callable[[str, Thumbnail | None], None], workers: int = 1) -> None:
        self._post = post
        self._on_done = on_done
        self._queue: deque[tuple[str, str, int]] = deque()
        self._queued: set[str] = set()
        self._cond = threading.Condition()
        self._closed = False
        self._busy = 0
        self.decoded = 0
        self.failed = 0
        self._threads = [threading.Thread(target=self._run, name=f"piday-thumbs-{i}", daemon=True)
                         for i in range(workers)]
        for t in self._threads:
            t.start()

    def request(self, photo_id: str, path: str | None, side: int) -> None:
        """Queue a decode; the newest request is served first. Repeated requests are merged."""
        if path is None:
            return
        with self._cond:
            if self._closed or photo_id in self._queued:
                return
            self._queued.add(photo_id)
            self._queue.append((photo_id, path, side))
            self._cond.notify()

    def cancel(self, photo_id: str) -> None:
        with self._cond:
            if photo_id in self._queued:
                self._queued.discard(photo_id)
                self._queue = deque(item for item in self._queue if item[0] != photo_id)

    @property
    def idle(self) -> bool:
        with self._cond:
            return not self._queue and self._busy == 0

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._queued.clear()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._queue:
                    self._cond.wait()
                if self._closed:
                    return
                photo_id, path, side = self._queue.pop()  # LIFO: the newest shot first
                self._queued.discard(photo_id)
                self._busy += 1
            thumb = None
            try:
                rgb, mean = decode_square(path, side)
                thumb = Thumbnail(to_qimage(rgb), QColor(*mean))
                self.decoded += 1
            except (ImageError, OSError, ValueError) as exc:
                self.failed += 1
                log.debug("no thumbnail for %s: %s", photo_id, exc)
            except Exception:  # noqa: BLE001 - a thumbnail is never worth a crash
                self.failed += 1
                log.exception("thumbnail decode failed for %s", photo_id)
            with self._cond:
                self._busy -= 1
                closed = self._closed
            if not closed:
                self._post(lambda i=photo_id, t=thumb: self._on_done(i, t))


class ThumbnailCache:
    """UI-thread side: one decoded thumbnail per photo, shared by every map view.

    Views ask with ``request`` and hear back through ``ready`` callbacks; QPixmaps are made here,
    on the UI thread, once per photo however many views show it.
    """

    def __init__(self, post: Post, workers: int = 1) -> None:
        from PySide6.QtGui import QPixmap

        self._pixmap = QPixmap
        self._items: dict[str, tuple[object, QColor]] = {}
        self._listeners: list[Callable[[str, object, QColor], None]] = []
        self.side = 96
        self.loader = ThumbnailLoader(post, self._done, workers=workers)

    def listen(self, fn: Callable[[str, object, QColor], None]) -> None:
        self._listeners.append(fn)

    def unlisten(self, fn: Callable[[str, object, QColor], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, photo_id: str):
        """(QPixmap, mean colour) if decoded, else None."""
        return self._items.get(photo_id)

    def request(self, photo_id: str, path: str | None) -> None:
        if photo_id not in self._items:
            self.loader.request(photo_id, path, self.side)

    def forget(self, photo_id: str) -> None:
        self._items.pop(photo_id, None)
        self.loader.cancel(photo_id)

    def _done(self, photo_id: str, thumb: Thumbnail | None) -> None:
        if thumb is None:
            return
        pixmap = self._pixmap.fromImage(thumb.image)
        self._items[photo_id] = (pixmap, thumb.colour)
        for fn in list(self._listeners):
            fn(photo_id, pixmap, thumb.colour)

    def close(self) -> None:
        self.loader.close()
