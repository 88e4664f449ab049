"""The live preview: the newest camera frame, mirrored like a mirror, with overlays.

Only the newest frame is kept (the camera worker already drops frames the UI was too busy
for), and painting converts it once per repaint. The mirror is a paint transform: the frame
itself, and the photo saved from it, stay un-mirrored.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

FLASH_MS = 250
BANNER_MARGIN = 12
BANNER_FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap


class PreviewWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._frame: np.ndarray | None = None
        self._still: QPixmap | None = None  # the photo under review, shown instead of live video
        self._overlay_text = ""  # countdown digits or a camera message
        self._banner = ""
        self.framing_guide = True
        self.mirror = True
        self.mirror_still = True  # False when the shot was saved mirrored already (save as seen)
        self._flash = QElapsedTimer()

    # --- inputs ------------------------------------------------------------------------

    def show_frame(self, image: np.ndarray) -> None:
        self._frame = image
        if self._still is None:
            self.update()

    def show_still(self, pixmap: QPixmap | None) -> None:
        self._still = pixmap
        self.update()

    def set_overlay(self, text: str) -> None:
        if text != self._overlay_text:
            self._overlay_text = text
            self.update()

    def set_banner(self, text: str) -> None:
        if text != self._banner:
            self._banner = text
            self.update()

    @property
    def banner(self) -> str:
        return self._banner

    def flash(self) -> None:
        self._flash.start()
        self.update()

    @property
    def flashing(self) -> bool:
        return self._flash.isValid() and self._flash.elapsed() < FLASH_MS

    def banner_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(min(22.0, max(13.0, self.height() / 26)))
        return font

    def banner_band(self) -> QRectF:
        """The band at the bottom that holds the whole banner, wrapped onto as many lines as it needs."""
        inner = QRect(0, 0, max(1, self.width() - 2 * BANNER_MARGIN), self.height())
        text = QFontMetrics(self.banner_font()).boundingRect(inner, BANNER_FLAGS, self._banner)
        h = min(self.height(), text.height() + 2 * BANNER_MARGIN)
        return QRectF(0, self.height() - h, self.width(), h)

    # --- painting ----------------------------------------------------------------------

    def _target(self, w: int, h: int) -> QRectF:
        scale = min(self.width() / w, self.height() / h)
        tw, th = w * scale, h * scale
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#111"))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._still is not None:
            # Shown as the preview was (mirrored), so visitors do not see themselves flip; the
            # saved photo stays as the camera sees it.
            target = self._target(self._still.width(), self._still.height())
            p.save()
            if self.mirror and self.mirror_still:
                p.translate(target.center().x() * 2, 0)
                p.scale(-1, 1)
            p.drawPixmap(target, self._still, QRectF(self._still.rect()))
            p.restore()
        elif self._frame is not None:
            h, w, _ = self._frame.shape
            img = QImage(self._frame.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            target = self._target(w, h)
            p.save()
            if self.mirror:
                p.translate(target.center().x() * 2, 0)
                p.scale(-1, 1)
            p.drawImage(target, img)
            p.restore()
            if self.framing_guide:
                pen = QPen(QColor(255, 255, 255, 110), 4, Qt.PenStyle.DashLine)
                p.setPen(pen)
                gw, gh = target.width() * 0.34, target.height() * 0.62
                p.drawEllipse(QRectF(target.center().x() - gw / 2, target.center().y() - gh / 2, gw, gh))
        if self._overlay_text:
            p.setPen(QColor("white"))
            font = QFont(self.font())
            font.setPointSizeF(max(24.0, self.height() / 5))
            font.setBold(True)
            p.setFont(font)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._overlay_text)
        if self._banner:
            p.setFont(self.banner_font())
            band = self.banner_band()
            p.fillRect(band, QColor(0, 0, 0, 170))
            p.setPen(QColor("#ffd866"))
            p.drawText(band.adjusted(BANNER_MARGIN, BANNER_MARGIN, -BANNER_MARGIN, -BANNER_MARGIN),
                       BANNER_FLAGS, self._banner)
        if self.flashing:
            alpha = int(255 * (1 - self._flash.elapsed() / FLASH_MS))
            p.fillRect(self.rect(), QColor(255, 255, 255, max(0, alpha)))
        p.end()
