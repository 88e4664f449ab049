"""Drawing the souvenir card (``station/souvenir.py`` decides what is on it) and putting it on paper.

One layout, in card units of 0.1 mm on an A6 postcard (148 x 105 mm, landscape), scaled to
whatever it is drawn on: the PNG and the screen (a QImage at 300 dpi), a PDF (QPdfWriter) or a
printer (QPrinter). Every function here may run on a worker thread: Qt allows QPainter on
QImage, QPdfWriter and QPrinter off the GUI thread, and nothing here touches a widget or a
QPixmap. Images are decoded by ``core.images`` (the one definition of "the image": upright RGB).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPainterPath, QPdfWriter, QPen
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from ..atlas import qr
from ..core.images import ImageError, load_rgb
from ..core.souvenir_files import SHOWS_KEY
from ..station.souvenir import PANEL_ASPECT, SouvenirCard
from .i18n import translate

log = logging.getLogger(__name__)

#: The card in its own units (0.1 mm): A6 landscape.
CARD_W, CARD_H = 1480, 1050
#: Pixels of the PNG (300 dpi on A6).
PNG_SIZE = (1748, 1240)
DPI = 300

INK = QColor("#1b1d23")
MUTED = QColor("#5c6270")
ACCENT = QColor("#ff8a3d")  # the visitor's own dots
LOOK = QColor("#2f7de1")  # look-alikes
OTHER = QColor("#b9bec9")
PANEL = QColor("#f1f3f7")

# The layout, card units.
MARGIN = 60
LEFT_W = 520
PHOTO_RECT = QRectF(MARGIN, 170, LEFT_W, 390)
RIGHT_X = MARGIN + LEFT_W + 50
RIGHT_W = CARD_W - MARGIN - RIGHT_X
#: Inside the panel the dots keep clear of its edges (a badge is 40 across) and of the legend below.
DOT_INSET = (30, 30, 30, 70)  # left, top, right, bottom
PANEL_RECT = QRectF(RIGHT_X, 240, RIGHT_W, (RIGHT_W - DOT_INSET[0] - DOT_INSET[2]) / PANEL_ASPECT
                    + DOT_INSET[1] + DOT_INSET[3])
QR_SIDE = 290
QR_RECT = QRectF(CARD_W - MARGIN - QR_SIDE, CARD_H - MARGIN - QR_SIDE, QR_SIDE, QR_SIDE)
TILE = 156


class PrintProblem(Exception):
    """The card could not be printed; the words say why, for the volunteer."""


@dataclass
class CardImages:
    """The pictures a card draws, decoded off the UI thread."""

    photo: QImage | None = None
    lookalikes: dict[int, QImage] = field(default_factory=dict)  # by look-alike number
    qr: QImage | None = None


def _qimage(path: str, side: int) -> QImage | None:
    try:
        img = load_rgb(path, min_side=side)
    except (ImageError, OSError) as exc:
        log.warning("souvenir card: no picture for %s: %s", path, exc)
        return None
    try:
        data = img.tobytes()
        return QImage(data, img.width, img.height, 3 * img.width, QImage.Format.Format_RGB888).copy()
    finally:
        img.close()


def load_images(card: SouvenirCard) -> CardImages:
    """Decode what the card shows (worker thread): the photo, the allowed look-alikes, the QR code."""
    images = CardImages(photo=_qimage(card.photo, 900))
    for look in card.lookalikes:
        if look.picture is not None:
            image = _qimage(look.picture, 300)
            if image is not None:
                images.lookalikes[look.number] = image
    if card.link is not None:
        code = QImage.fromData(qr.png(card.link.url, scale=4), "PNG")
        images.qr = None if code.isNull() else code
    return images


def _font(px: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(1, int(px)))
    font.setBold(bold)
    return font


def _text(p: QPainter, rect: QRectF, text: str, px: float, *, bold: bool = False, colour: QColor = INK,
          align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) -> None:
    """One line: a little smaller when it is too long (a translation can be), elided past that
    (an event or group name can be long)."""
    font = _font(px, bold)
    width = QFontMetricsF(font).horizontalAdvance(text)
    if width > rect.width():
        font = _font(max(px * 0.75, px * rect.width() / width), bold)
    p.setFont(font)
    p.setPen(colour)
    shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    p.drawText(rect, int(align), shown)


def _cover(p: QPainter, image: QImage, rect: QRectF, radius: float = 14) -> None:
    """Draw ``image`` filling ``rect`` (cropped to its proportions), rounded corners."""
    iw, ih = image.width(), image.height()
    scale = max(rect.width() / iw, rect.height() / ih)
    sw, sh = rect.width() / scale, rect.height() / scale
    source = QRectF((iw - sw) / 2, (ih - sh) / 2, sw, sh)
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    p.save()
    p.setClipPath(path)
    p.drawImage(rect, image, source)
    p.restore()


def paint_card(p: QPainter, target: QRectF, card: SouvenirCard, images: CardImages) -> None:
    """Draw the card into ``target`` (device coordinates), centred, keeping its proportions."""
    scale = min(target.width() / CARD_W, target.height() / CARD_H)
    p.save()
    p.translate(target.x() + (target.width() - CARD_W * scale) / 2, target.y() + (target.height() - CARD_H * scale) / 2)
    p.scale(scale, scale)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.fillRect(QRectF(0, 0, CARD_W, CARD_H), QColor("white"))
    p.fillRect(QRectF(0, 0, CARD_W, 18), ACCENT)
    _text(p, QRectF(MARGIN, 50, CARD_W - 2 * MARGIN - 380, 80), card.event, 64, bold=True)
    _text(p, QRectF(CARD_W - MARGIN - 380, 50, 380, 80), card.date, 40, colour=MUTED,
          align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    # Left: the chosen photo, the code, the look-alikes.
    if images.photo is not None:
        _cover(p, images.photo, PHOTO_RECT)
    else:
        p.fillRect(PHOTO_RECT, PANEL)
    _text(p, QRectF(MARGIN, 575, LEFT_W, 90), card.code, 84, bold=True)
    _text(p, QRectF(MARGIN, 690, LEFT_W, 50), translate("Souvenir", "You look most like…") if card.lookalikes else "", 36, colour=MUTED)
    for i, look in enumerate(card.lookalikes):
        rect = QRectF(MARGIN + i * (TILE + 26), 750, TILE, TILE)
        image = images.lookalikes.get(look.number)
        if image is not None:
            _cover(p, image, rect, 10)
        else:  # no agreement to show it publicly: a plain dot, nothing else of them
            path = QPainterPath()
            path.addRoundedRect(rect, 10, 10)
            p.fillPath(path, PANEL)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(LOOK)
            p.drawEllipse(rect.center(), 22, 22)
        _badge(p, QPointF(rect.left() + 24, rect.top() + 24), look.number)
        caption = f"{look.code} · {max(0.0, look.score) * 100:.0f}%" if look.code else f"{max(0.0, look.score) * 100:.0f}%"
        _text(p, QRectF(rect.left(), rect.bottom() + 6, TILE + 20, 40), caption, 28, colour=MUTED)
    # Right: the group, the neighbourhood, the link.
    title = (translate("Souvenir", "You landed in: {group}").format(group=card.group) if card.group
             else translate("Souvenir", "Your place on the map"))
    _text(p, QRectF(RIGHT_X, 165, RIGHT_W, 64), title, 46, bold=True)
    _panel(p, card)
    text_rect = QRectF(RIGHT_X, QR_RECT.top(), QR_RECT.left() - RIGHT_X - 30, QR_SIDE)
    if card.link is not None and images.qr is not None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # sharp modules
        p.drawImage(QR_RECT, images.qr)
        p.restore()
        lines = ((translate("Souvenir", "Scan to find your photos"), translate("Souvenir", "on the event's map"))
                 if card.link.personal else
                 (translate("Souvenir", "Scan to see"), translate("Souvenir", "the event's map")))
        _text(p, QRectF(text_rect.left(), text_rect.top() + 40, text_rect.width(), 56), lines[0], 40, bold=True)
        _text(p, QRectF(text_rect.left(), text_rect.top() + 96, text_rect.width(), 56), lines[1], 40, bold=True)
        _text(p, QRectF(text_rect.left(), text_rect.top() + 170, text_rect.width(), 40), card.link.url, 26, colour=MUTED)
    else:
        _text(p, QRectF(text_rect.left(), text_rect.top() + 60, RIGHT_W, 56),
              translate("Souvenir", "Look for {code} on the map at the stand").format(code=card.code), 40, bold=True)
    if not card.on_map:
        _text(p, QRectF(text_rect.left(), text_rect.top() + 230, text_rect.width(), 40),
              translate("Souvenir", "Your dot joins the map in a moment."), 28, colour=MUTED)
    p.restore()


def _badge(p: QPainter, centre: QPointF, number: int) -> None:
    p.setPen(QPen(QColor("white"), 4))
    p.setBrush(LOOK)
    p.drawEllipse(centre, 20, 20)
    p.setPen(QColor("white"))
    p.setFont(_font(26, bold=True))
    p.drawText(QRectF(centre.x() - 20, centre.y() - 20, 40, 40), int(Qt.AlignmentFlag.AlignCenter), str(number))


def _panel(p: QPainter, card: SouvenirCard) -> None:
    rect = PANEL_RECT
    path = QPainterPath()
    path.addRoundedRect(rect, 18, 18)
    p.fillPath(path, PANEL)
    if not card.dots:
        _text(p, rect, translate("Souvenir", "Your photos join the map in a moment"), 36, colour=MUTED, align=Qt.AlignmentFlag.AlignCenter)
        return
    p.save()
    p.setClipPath(path)
    area = rect.adjusted(DOT_INSET[0], DOT_INSET[1], -DOT_INSET[2], -DOT_INSET[3])
    for dot in card.dots:
        c = QPointF(area.left() + dot.x * area.width(), area.top() + dot.y * area.height())
        if dot.kind == "other":
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(OTHER)
            p.drawEllipse(c, 9, 9)
        elif dot.kind == "lookalike":
            _badge(p, c, dot.number)
        else:
            r = 26 if dot.kind == "chosen" else 18
            p.setPen(QPen(QColor("white"), 5))
            p.setBrush(ACCENT)
            p.drawEllipse(c, r, r)
            if dot.kind == "chosen":
                p.setPen(QPen(ACCENT, 4))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(c, r + 14, r + 14)
    p.restore()
    x, y = rect.left() + 30, rect.bottom() - 30
    for colour, words in ((ACCENT, translate("Souvenir", "you")), (LOOK, translate("Souvenir", "look-alikes")),
                          (OTHER, translate("Souvenir", "everyone else"))):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QPointF(x, y), 11, 11)
        font = _font(26)
        _text(p, QRectF(x + 20, y - 20, 260, 40), words, 26, colour=MUTED)
        x += 20 + QFontMetricsF(font).horizontalAdvance(words) + 44


def card_image(card: SouvenirCard, images: CardImages, size: tuple[int, int] = PNG_SIZE) -> QImage:
    """The card as a 300 dpi image (the PNG, and what the screen shows scaled down)."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.setDotsPerMeterX(int(DPI / 0.0254))
    image.setDotsPerMeterY(int(DPI / 0.0254))
    image.setText(SHOWS_KEY, " ".join(card.shows))  # into the PNG: `piday forget` finds the cards showing them
    p = QPainter(image)
    try:
        paint_card(p, QRectF(0, 0, size[0], size[1]), card, images)
    finally:
        p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OSError("the card could not be encoded as PNG")
    buf.close()
    return bytes(data.data())


def _a6_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A6), QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0))


def pdf_bytes(card: SouvenirCard, images: CardImages) -> bytes:
    """The card as a one-page A6 PDF, text and dots as vectors."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(DPI)
    writer.setPageLayout(_a6_layout())
    writer.setTitle(f"{card.event} · {card.code}")
    writer.setCreator("piday")
    p = QPainter()
    if not p.begin(writer):
        raise OSError("the card could not be drawn as PDF")
    try:
        paint_card(p, QRectF(0, 0, writer.width(), writer.height()), card, images)
    finally:
        p.end()
    buf.close()
    return bytes(data.data())


def open_printer(name: str) -> QPrinter:
    """The named printer, ready for a card without a dialog; :class:`PrintProblem` if it cannot print."""
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrintProblem(translate("Souvenir", "the printer “{name}” is not connected").format(name=name))
    state = info.state()
    if state in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrintProblem(translate("Souvenir", "the printer “{name}” reports a problem (out of paper? jammed? "
                                     "paused?)").format(name=name))
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def print_card(card: SouvenirCard, images: CardImages, printer: QPrinter) -> None:
    """Print the card on ``printer`` (A6 landscape where the printer has it), no dialog."""
    printer.setDocName(f"{card.event} {card.code}")
    if not printer.setPageLayout(_a6_layout()):
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)  # another paper: fitted onto it
    p = QPainter()
    if not p.begin(printer):
        raise PrintProblem(translate("Souvenir", "the printer did not accept the card (out of paper? switched off?)"))
    try:
        page = printer.pageRect(QPrinter.Unit.DevicePixel)
        paint_card(p, QRectF(0, 0, page.width(), page.height()), card, images)
    finally:
        if not p.end():
            raise PrintProblem(translate("Souvenir", "the printer stopped while printing the card"))
