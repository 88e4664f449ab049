"""The station's full-screen pages other than the camera: idle, consent, done, failsafe.

Large type, one decision per page, every action a button as well as a key. Buttons never take
keyboard focus, so Space and Enter always reach the window's key handling (a foot pedal
sends the same keys).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from ..core.consent import Consent
from .i18n import plural, translate


def big_label(text: str = "", size: float = 28, bold: bool = False) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(size)
    font.setBold(bold)
    label.setFont(font)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


#: The smallest side of anything a finger must hit (touch screens, a totem): 48 px, as Android's
#: and Apple's guidelines ask (about 9 mm).
TOUCH_PX = 48


def button(text: str, size: float = 18) -> QPushButton:
    b = QPushButton(text)
    font = QFont(b.font())
    font.setPointSizeF(size)
    b.setFont(font)
    b.setMinimumHeight(max(TOUCH_PX, int(size * 3)))
    b.setMinimumWidth(TOUCH_PX)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return b


class WholePlaceholderEdit(QLineEdit):
    """A line edit whose placeholder is never cut off: its font shrinks (to ``min_pt`` at most)
    until the hint fits the width it has. The hint says what happens to what is typed ("stays on
    this laptop"): cut at 1366x768 it lost exactly that part."""

    def __init__(self, point_size: float = 18, min_pt: float = 11) -> None:
        super().__init__()
        self._point_size, self._min_pt = point_size, min_pt
        font = QFont(self.font())
        font.setPointSizeF(point_size)
        self.setFont(font)

    def placeholder_fits(self) -> bool:
        room = self._text_room()
        return QFontMetrics(self.font()).horizontalAdvance(self.placeholderText()) <= room

    def _text_room(self) -> int:
        margins = self.textMargins()
        return self.contentsRect().width() - margins.left() - margins.right() - 12  # the frame's own padding

    def sizeHint(self):  # noqa: N802 - wide enough for the whole hint at full size, where there is room
        hint = super().sizeHint()
        font = QFont(self.font())
        font.setPointSizeF(self._point_size)
        margins = self.textMargins()
        hint.setWidth(max(hint.width(), QFontMetrics(font).horizontalAdvance(self.placeholderText())
                          + margins.left() + margins.right() + 24))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def setPlaceholderText(self, text: str) -> None:  # noqa: N802
        super().setPlaceholderText(text)
        self._fit()

    def _fit(self) -> None:
        font = QFont(self.font())
        size = self._point_size
        font.setPointSizeF(size)
        room = self._text_room()
        while size > self._min_pt and QFontMetrics(font).horizontalAdvance(self.placeholderText()) > room:
            size -= 0.5
            font.setPointSizeF(size)
        if font.pointSizeF() != self.font().pointSizeF():
            self.setFont(font)


class IdlePage(QWidget):
    start_clicked = Signal()
    settings_clicked = Signal()
    finish_open_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.rehearsal = big_label("", 14)
        self.rehearsal.setStyleSheet("color: #1b1d23; background: #ffd866; border-radius: 6px; padding: 4px;")
        self.rehearsal.hide()
        layout.addWidget(self.rehearsal)
        layout.addStretch(2)
        self.title = big_label(translate("Pages", "Where do you land?"), 44, bold=True)
        self.pitch = big_label(translate("Pages", "Get your photo taken and see it join everyone's map."), 24)
        layout.addWidget(self.title)
        layout.addWidget(self.pitch)
        # What the volunteer must read takes the room of the welcome while a problem is shown.
        self._problems: set[str] = set()
        self.notice = big_label("", 18)
        self.notice.setStyleSheet("color: #ffd866")
        layout.addWidget(self.notice)
        # Shown when the camera cannot be opened: the other sources are one click away.
        self.camera_row = QHBoxLayout()
        self.use_pattern = button(translate("Pages", "Use the test pattern"), 14)
        self.choose_camera = button(translate("Pages", "Choose a camera…"), 14)
        self.camera_row.addStretch()
        self.camera_row.addWidget(self.use_pattern)
        self.camera_row.addWidget(self.choose_camera)
        self.camera_row.addStretch()
        layout.addLayout(self.camera_row)
        self.show_camera_choice(False)
        # The model state, said plainly: loading at start-up, or why it is missing and the fix.
        self.model_state = big_label("", 15)
        self.model_state.setStyleSheet("color: #c8cce0")
        layout.addWidget(self.model_state)
        self.import_model = button(translate("Pages", "Import a model file…"), 14)
        layout.addWidget(self.import_model, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.show_model_state("", problem=False)
        layout.addStretch(1)
        self.start = button(translate("Pages", "Start  (Space)"), 24)
        self.start.clicked.connect(self.start_clicked)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.start)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch(2)
        # Visits a crash or power cut left open: the volunteer finishes them with one click.
        self.recovery = QLabel("")
        self.recovery.setWordWrap(True)
        self.recovery.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.recovery.setStyleSheet("color: #ffd866")
        self.finish_open = button(translate("Pages", "Finish interrupted visits"), 14)
        self.finish_open.clicked.connect(self.finish_open_clicked)
        self.resume_open = button(translate("Pages", "Resume the last one"), 14)
        layout.addWidget(self.recovery)
        recovery_row = QHBoxLayout()
        recovery_row.addStretch()
        recovery_row.addWidget(self.resume_open)
        recovery_row.addWidget(self.finish_open)
        recovery_row.addStretch()
        layout.addLayout(recovery_row)
        self.show_interrupted([])
        self.settings = button(translate("Pages", "Settings…"), 12)
        self.settings.clicked.connect(self.settings_clicked)
        layout.addWidget(self.settings, alignment=Qt.AlignmentFlag.AlignRight)

    def show_camera_choice(self, visible: bool) -> None:
        self.use_pattern.setVisible(visible)
        self.choose_camera.setVisible(visible)
        self._problem("camera", visible)

    def show_model_state(self, text: str, problem: bool) -> None:
        """``problem``: the model cannot load; the import button (the fix) is shown with it."""
        self.model_state.setText(text)
        self.model_state.setStyleSheet(f"color: {'#ffd866' if problem else '#c8cce0'}")
        self.model_state.setVisible(bool(text))
        self.import_model.setVisible(problem)
        self._problem("model", problem)

    def show_interrupted(self, summaries: list[str]) -> None:
        self.recovery.setText(translate("Pages", "Interrupted visits from before the restart: {visits}. "
                                        "Their photos are safe.").format(visits="; ".join(summaries))
                              if summaries else "")
        self.recovery.setVisible(bool(summaries))
        self.finish_open.setVisible(bool(summaries))
        self.resume_open.setVisible(bool(summaries))
        if summaries:
            self.resume_open.setText(translate("Pages", "Resume {code}").format(code=summaries[-1].split(' ')[0]))
        self._problem("interrupted", bool(summaries))

    def _problem(self, kind: str, shown: bool) -> None:
        """Keep the welcome short while any problem is shown, so its reason and fix are read whole
        on a 1366x768 laptop (a camera and a model problem together are ten lines)."""
        self._problems.discard(kind)
        if shown:
            self._problems.add(kind)
        compact = bool(self._problems)
        self.pitch.setVisible(not compact)
        font = QFont(self.title.font())
        font.setPointSizeF(28 if compact else 44)
        self.title.setFont(font)


class ConsentPage(QWidget):
    """Nickname and the three consent choices; each level needs the one before it."""

    accepted = Signal(object, str)  # (Consent, nickname)
    declined = Signal()

    def __init__(self, consent_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(big_label(translate("Pages", "Before we start"), 36, bold=True))
        self.text = big_label(consent_text, 18)
        layout.addWidget(self.text)
        self.local = QCheckBox(translate("Pages", "Keep my photos for this event's map here"))
        self.map = QCheckBox(translate("Pages", "Put my photos' position (not the photos)\non the public online map"))
        self.photo = QCheckBox(translate("Pages", "Also show my photos on the public online map"))
        for box in (self.local, self.map, self.photo):
            font = QFont(box.font())
            font.setPointSizeF(18)
            box.setFont(font)
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.setMinimumHeight(TOUCH_PX)  # the whole line is the target, not just the box
            layout.addWidget(box, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.local.toggled.connect(self._sync)
        self.map.toggled.connect(self._sync)
        self.nickname = WholePlaceholderEdit(18)
        self.nickname.setPlaceholderText(translate("Pages", "Nickname (optional, stays on this laptop)"))
        self.nickname.setMaxLength(40)
        self.nickname.setMinimumHeight(TOUCH_PX)
        self.nickname.setMinimumWidth(480)
        self.nickname.setMaximumWidth(640)
        layout.addWidget(self.nickname, alignment=Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        self.decline = button(translate("Pages", "No thanks  (Esc)"))
        self.accept = button(translate("Pages", "Continue  (Enter)"))
        self.decline.clicked.connect(self.declined)
        self.accept.clicked.connect(self.submit)
        row.addStretch()
        row.addWidget(self.decline)
        row.addWidget(self.accept)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch(1)
        self.reset()

    def reset(self) -> None:
        self.local.setChecked(True)
        self.map.setChecked(False)
        self.photo.setChecked(False)
        self.nickname.clear()
        self._sync()

    def _sync(self) -> None:
        if not self.local.isChecked():
            self.map.setChecked(False)
        if not self.map.isChecked():
            self.photo.setChecked(False)
        self.map.setEnabled(self.local.isChecked())
        self.photo.setEnabled(self.map.isChecked())

    def consent(self) -> Consent:
        return Consent(self.local.isChecked(), self.map.isChecked(), self.photo.isChecked())

    def submit(self) -> None:
        self.accepted.emit(self.consent(), self.nickname.text())


class CardView(QWidget):
    """The souvenir card, scaled to fit the room it is given, proportions kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.setMinimumSize(240, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self._pixmap = None if image is None or image.isNull() else QPixmap.fromImage(image)
        self.update()

    @property
    def has_card(self) -> bool:
        return self._pixmap is not None

    def card_rect(self) -> QRectF:
        """Where the card is drawn inside the widget."""
        if self._pixmap is None:
            return QRectF()
        pw, ph = self._pixmap.width(), self._pixmap.height()
        s = min(self.width() / pw, self.height() / ph)
        w, h = pw * s, ph * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._pixmap is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawPixmap(self.card_rect(), self._pixmap, QRectF(self._pixmap.rect()))
        p.end()


class DonePage(QWidget):
    """Thank you, and the souvenir card when the station makes one (``ui/souvenirs.py``)."""

    next_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.title = big_label(translate("Pages", "Thank you!"), 44, bold=True)
        self.detail = big_label("", 22)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        self.card = CardView()
        self.card.hide()
        layout.addWidget(self.card, stretch=40)  # the card takes the room; the gaps around it shrink
        self.card_status = big_label("", 15)
        self.card_status.setStyleSheet("color: #c8cce0")
        self.card_status.hide()
        layout.addWidget(self.card_status)
        self.card_row = QHBoxLayout()
        self.other_photo = button(translate("Pages", "Another photo"), 16)
        self.print_card = button(translate("Pages", "Print my card  (P)"), 16)
        self.card_row.addStretch()
        self.card_row.addWidget(self.other_photo)
        self.card_row.addWidget(self.print_card)
        self.card_row.addStretch()
        layout.addLayout(self.card_row)
        layout.addStretch(1)
        self.next = button(translate("Pages", "Next visitor  (Enter)"), 22)
        self.next.clicked.connect(self.next_clicked)
        layout.addWidget(self.next, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.show_card(False)

    def show_visit(self, code: str | None, kept: int, on_map: bool = True) -> None:
        """``on_map``: whether the photos reach the map now (False while the model is missing)."""
        self.title.setText(translate("Pages", "Thank you, {code}!").format(code=code) if code
                           else translate("Pages", "Thank you!"))
        if not kept:
            self.detail.setText(translate("Pages", "No photos were kept."))
        elif on_map:
            self.detail.setText(plural(kept, translate("Pages", "{n} photo kept. Look for yourself on the map."),
                                       translate("Pages", "{n} photos kept. Look for yourself on the map.")))
        else:
            self.detail.setText(plural(kept, translate("Pages", "{n} photo kept. It will join the map as soon as "
                                                       "the station's model is ready."),
                                       translate("Pages", "{n} photos kept. They join the map as soon as the "
                                                 "station's model is ready.")))

    def show_card(self, shown: bool, image: QImage | None = None, status: str = "", *, can_print: bool = False,
                  can_switch: bool = False, print_label: str | None = None) -> None:
        """The card (or its place while it is drawn), a line about it, and its two buttons."""
        self.card.setVisible(shown)
        if shown:
            self.card.set_image(image)
        self.card_status.setText(status)
        self.card_status.setVisible(shown and bool(status))
        self.other_photo.setVisible(shown and can_switch)
        self.print_card.setVisible(shown and can_print)
        self.print_card.setText(print_label or translate("Pages", "Print my card  (P)"))
        font = QFont(self.title.font())
        font.setPointSizeF(30 if shown else 44)  # the card takes the room of the big thank-you
        self.title.setFont(font)
        font = QFont(self.detail.font())
        font.setPointSizeF(16 if shown else 22)
        self.detail.setFont(font)


class FailsafePage(QWidget):
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(big_label(translate("Pages", "Something needs attention"), 36, bold=True))
        self.what = big_label("", 22)
        self.todo = big_label("", 20)
        self.todo.setStyleSheet("color: #ffd866")
        layout.addWidget(self.what)
        layout.addWidget(self.todo)
        layout.addStretch(1)
        self.ok = button(translate("Pages", "OK, back to start  (Enter)"), 22)
        self.ok.clicked.connect(self.dismissed)
        layout.addWidget(self.ok, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def show_failure(self, what: str, todo: str) -> None:
        self.what.setText(what)
        self.todo.setText(todo)
