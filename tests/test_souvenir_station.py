"""The souvenir card at the real station (issue 17): made after the last photo, saved without a
printer, printed without a dialog, never holding the next visitor; the portrait layout and its
touch targets. The real window offscreen, the pattern camera, Qt's own PDF printer."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from piday_desktop.core.store import EventStore
from piday_desktop.station.visitor_flow import Stage
from piday_desktop.ui.souvenir_card import PrintProblem
from station_drive import open_window, visit

MODEL = "piday-tiny:none"


def pdf_pages(path: Path) -> int:
    """Pages of a PDF Qt wrote (its page objects are plain dictionaries)."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def pdf_size_mm(path: Path) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", path.read_bytes())
    return float(box.group(1)) * 25.4 / 72, float(box.group(2)) * 25.4 / 72


class PdfPrinters:
    """Qt's PDF printer as the station's printer: each print is a file; ``hold`` keeps the next
    print waiting inside the printer (a driver that hangs, a printer out of paper)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []
        self.names: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def __call__(self, name: str) -> QPrinter:
        self.names.append(name)
        self.entered.set()
        self.hold.wait()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        path = self.folder / f"print-{len(self.files) + 1}.pdf"
        printer.setOutputFileName(str(path))
        self.files.append(path)
        return printer


@pytest.fixture
def store(tmp_path):
    s = EventStore.open(tmp_path / "data", "ev")
    yield s
    s.close()


def card_shown(win) -> bool:
    return win.done_page.card.isVisible() and win.done_page.card.has_card


def test_a_card_prints_on_a_pdf_printer_as_one_a6_page(qtbot, tmp_path, store):
    """Printing itself, without a window: QPrinter in PDF format gets one A6 landscape page."""
    from imagefactory import add_picture
    from piday_desktop.core.consent import Consent
    from piday_desktop.station.souvenir import MapSnapshot, compose
    from piday_desktop.ui.souvenir_card import load_images, print_card

    p = store.create_participant(consent=Consent())
    photo = add_picture(store, p, size=(640, 480))
    store.set_participant_state(p.code, "finished")
    card = compose(store.participant(p.code), [photo], None, MapSnapshot.empty(), {}, lambda _i: None,
                   lambda ph: str(store.photo_path(ph)), event="ev", date="14 March 2026",
                   map_url="https://example.org/map.html")
    printer = PdfPrinters(tmp_path)("Card printer")
    print_card(card, load_images(card), printer)
    out = tmp_path / "print-1.pdf"
    assert out.is_file() and pdf_pages(out) == 1
    w, h = pdf_size_mm(out)
    assert abs(w - 148) < 1.5 and abs(h - 105) < 1.5


def test_without_a_printer_the_card_is_saved_as_png_and_pdf_in_the_event(qtbot, store):
    win = open_window(qtbot, store, shots=2)
    visit(qtbot, win, 2, leave=False, nickname="Ada Lovelace")
    qtbot.waitUntil(lambda: card_shown(win), timeout=20_000)
    folder = store.directory / "souvenirs"
    qtbot.waitUntil(lambda: (folder / "souvenir-P-001.pdf").is_file(), timeout=20_000)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["souvenir-P-001.pdf", "souvenir-P-001.png"]  # the code, never the name
    assert not any("ada" in n.lower() for n in names)
    assert pdf_pages(folder / "souvenir-P-001.pdf") == 1
    assert not win.done_page.print_card.isVisible()  # nothing to press: it is saved
    qtbot.waitUntil(lambda: "saved" in win.done_page.card_status.text(), timeout=20_000)
    assert win.souvenirs.current.made.card.link is None  # no map published, no Atlas
    assert "scan the code" not in win.done_page.card_status.text()  # the card has no code to scan
    # Another photo: the card is drawn again with it (and saved over the first).
    first = win.souvenirs.current.made.card.photo_id
    qtbot.mouseClick(win.done_page.other_photo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.souvenirs.current.made.card.photo_id != first, timeout=20_000)
    assert win.souvenirs.current.made.card.photo_id in win.flow.visit.kept
    qtbot.keyClick(win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.IDLE and not win.done_page.card.isVisible()
    visit(qtbot, win, 2)  # the next visitor leaves the thank-you page at once: their card is saved anyway
    qtbot.waitUntil(lambda: (folder / "souvenir-P-002.pdf").is_file(), timeout=20_000)
    assert win.souvenirs.current is None and win.souvenirs._visits == {}
    win.close()


def test_cards_print_without_a_dialog_and_are_counted(qtbot, tmp_path, store):
    printers = PdfPrinters(tmp_path)
    win = open_window(qtbot, store, shots=1, open_printer=printers, printer="Card printer")
    visit(qtbot, win, 1, leave=False)
    qtbot.waitUntil(lambda: win.done_page.print_card.isVisible(), timeout=20_000)
    qtbot.mouseClick(win.done_page.print_card, Qt.MouseButton.LeftButton)  # a finger on the touch screen
    qtbot.waitUntil(lambda: win.souvenirs.service.printed == 1, timeout=20_000)
    assert printers.names == ["Card printer"] and pdf_pages(printers.files[0]) == 1
    assert "Printed" in win.done_page.card_status.text()
    assert not win.done_page.print_card.isVisible()  # one card per visit
    assert win.status_labels["cards"].text() == "Cards printed: 1"
    qtbot.keyClick(win, Qt.Key.Key_Return)
    visit(qtbot, win, 1, leave=False)  # the next visitor prints with P (a key for an arcade button)
    qtbot.waitUntil(lambda: win.souvenirs.current is not None and win.souvenirs.current.made is not None,
                    timeout=20_000)
    qtbot.keyClick(win, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: win.souvenirs.service.printed == 2, timeout=20_000)
    assert store.get_meta("souvenir.printed") == "2"  # the count belongs to the event
    assert not (store.directory / "souvenirs").exists()  # printed: no files needed
    win.close()


def test_a_printer_that_hangs_or_is_missing_never_holds_the_next_visitor(qtbot, tmp_path, store):
    printers = PdfPrinters(tmp_path)
    printers.hold.clear()  # the printer takes the card and does not come back
    win = open_window(qtbot, store, shots=1, open_printer=printers, printer="Card printer",
                      print_automatically=True)
    try:
        visit(qtbot, win, 1, leave=False)
        qtbot.waitUntil(printers.entered.is_set, timeout=20_000)  # printed by itself, no button, no dialog
        assert win.souvenirs.service.printing == 1
        qtbot.keyClick(win, Qt.Key.Key_Return)
        visit(qtbot, win, 1, leave=False)  # a whole visit while the first card is stuck in the printer
        qtbot.waitUntil(lambda: card_shown(win) and win.souvenirs.current.made.card.code == "P-002",
                        timeout=20_000)
        assert win.flow.stage is Stage.DONE and win.souvenirs.service.printed == 0
        assert win.status_labels["cards"].text() == "Cards printed: 0, 2 printing"
    finally:
        printers.hold.set()
    qtbot.waitUntil(lambda: win.souvenirs.service.printed == 2, timeout=20_000)
    assert [pdf_pages(f) for f in printers.files] == [1, 1]
    win.close()


def test_a_missing_printer_is_said_and_the_card_saved_instead(qtbot, store):
    def missing(name: str) -> QPrinter:
        raise PrintProblem(f"the printer “{name}” is not connected")

    win = open_window(qtbot, store, shots=1, open_printer=missing, printer="Canon Selphy")
    visit(qtbot, win, 1, leave=False)
    qtbot.waitUntil(lambda: win.done_page.print_card.isVisible(), timeout=20_000)
    qtbot.keyClick(win, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: win.souvenirs.service.problem is not None, timeout=20_000)
    assert "not connected" in win.done_page.card_status.text()
    assert "not connected" in win.status_labels["cards"].text()
    assert (store.directory / "souvenirs" / "souvenir-P-001.png").is_file()
    assert (store.directory / "souvenirs" / "souvenir-P-001.pdf").is_file()
    qtbot.keyClick(win, Qt.Key.Key_Return)
    visit(qtbot, win, 1)  # the next visitor goes through as ever
    win.controller.wait_idle()
    assert win.flow.stage is Stage.IDLE and len(store.photos()) == 2
    win.close()


def test_a_printer_name_qt_does_not_know_is_a_problem_not_a_crash(qtbot, store):
    from piday_desktop.ui.souvenir_card import open_printer

    with pytest.raises(PrintProblem, match="not connected"):
        open_printer("No such printer 4711")


def test_the_volunteer_can_turn_the_card_off(qtbot, store):
    win = open_window(qtbot, store, shots=1, souvenir_card=False)
    visit(qtbot, win, 1, leave=False)
    win.controller.wait_idle()
    win.souvenirs.service.wait_idle()
    assert not win.done_page.card.isVisible() and not win.done_page.print_card.isVisible()
    assert "1 photo kept" in win.done_page.detail.text()
    assert not (store.directory / "souvenirs").exists()
    assert not win.status_labels["cards"].isVisible()
    win.close()


def test_settings_choose_the_printer_once(qtbot):
    from piday_desktop.core.config import StationConfig
    from piday_desktop.ui.settings_dialog import NO_PRINTER, SettingsDialog

    dialog = SettingsDialog(StationConfig(), [], printers=["Canon Selphy", "Office"], cards=lambda: "Cards printed: 3")
    qtbot.addWidget(dialog)
    assert dialog.printer.currentText() == NO_PRINTER and dialog.config().printer == ""
    dialog.printer.setCurrentIndex(dialog.printer.findData("Canon Selphy"))
    dialog.souvenir.setChecked(False)
    dialog.autoprint.setChecked(True)
    dialog.map_url.setText("https://example.org/expo/map.html")
    new = dialog.config()
    assert (new.printer, new.souvenir_card, new.print_automatically, new.map_url) == (
        "Canon Selphy", False, True, "https://example.org/expo/map.html")
    assert dialog.cards.text() == "Cards printed: 3"
    dialog.map_url.setText("expo/map.html")  # not something a phone can open
    dialog._accept()
    assert "web address" in dialog.error.text() and dialog.result() == 0


# --- portrait screens and touch -----------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_model():
    from piday_desktop.embedding.models import ModelSpec, load_model

    return load_model(ModelSpec.parse(MODEL), device="cpu")


def settle() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.sendPostedEvents()
    QApplication.processEvents()


def test_a_portrait_screen_puts_the_map_below_and_every_target_is_finger_sized(qtbot, store, tiny_model):
    """A totem (1080x1920): the map below the preview, every button, box and field at least 48 px
    on each page of a visit, and nothing outside the screen; turned to landscape, the map goes
    back beside the pages."""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.ui.screen_fit import small_targets, widgets_outside

    win = open_window(qtbot, store, shots=2, size=(1080, 1920))
    win.attach_engine(EmbeddingEngine(tiny_model))
    settle()
    assert win.splitter.orientation() is Qt.Orientation.Vertical
    stack, pane = win.stack.geometry(), win.map_pane.geometry()
    assert pane.top() >= stack.bottom() and pane.height() >= 600 and stack.width() == pane.width() == win.splitter.width()

    def check(stage: str) -> None:
        settle()
        assert small_targets(win) == [], stage
        assert widgets_outside(win) == [], stage

    check("idle")
    qtbot.keyClick(win, Qt.Key.Key_Space)
    check("consent")
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.PREVIEW and win.flow.visit.code is not None, timeout=5_000)
    check("preview")
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    check("review")
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    assert win.flow.stage is Stage.DONE
    qtbot.waitUntil(lambda: card_shown(win) and win.souvenirs.current.made.card.on_map, timeout=30_000)
    check("done with the card")
    card = win.done_page.card
    assert card.card_rect().width() >= 900  # the card reads on the totem: most of its width
    win.map.map.select(next(iter(win.map_pane.view.items_)))  # the map's photo card and its buttons
    check("map card")
    win.resize(1920, 1080)
    settle()
    assert win.splitter.orientation() is Qt.Orientation.Horizontal
    assert win.map_pane.geometry().left() >= win.stack.geometry().right()
    win.close()


# --- forgetting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, how", [("lookalike", "forget"), ("lookalike", "consent"), ("visitor", "forget"),
                                      ("visitor", "consent")])
def test_forgetting_a_visitor_removes_every_saved_card_that_shows_them(qtbot, store, who, how):
    """`piday forget P-001` (or taking back "show my photo") removes the saved cards showing
    P-001's photo: their own card when forgotten, other visitors' cards where they are a look-alike."""
    import numpy as np

    from imagefactory import add_picture
    from piday_desktop.atlas.erase import change_consent, forget_participant
    from piday_desktop.core.consent import Consent
    from piday_desktop.core.souvenir_files import shown_codes
    from piday_desktop.station.souvenir import MapSnapshot
    from piday_desktop.ui.souvenir_service import CardRequest, CardService

    people = []
    for seed in (1, 2):
        p = store.create_participant(consent=Consent(map=True, photo=True))
        people.append((p, add_picture(store, p, seed=seed)))
        store.set_participant_state(p.code, "finished")
    (lookalike, their), (me, mine) = people
    alone = store.create_participant(consent=Consent())  # a card that shows nobody else
    alone_photo = add_picture(store, alone, seed=3)
    store.set_participant_state(alone.code, "finished")
    snap = MapSnapshot([their, mine], np.array([[0.0, 0.0], [0.1, 0.0]]),
                       np.array([[1, 0], [0.99, 0.14]], np.float32))
    service = CardService(store, post=lambda fn: fn())
    try:
        made = {}
        for person, photo, on_map in ((me, mine, snap), (lookalike, their, snap),
                                      (alone, alone_photo, MapSnapshot.empty())):
            service.make(CardRequest(person.id, (photo.id,), None, on_map),
                         lambda r, code=person.code: made.__setitem__(code, r), save=True).result()
        service.wait_idle()
    finally:
        service.close()
    folder = store.directory / "souvenirs"
    assert made[me.code].card.shows == (lookalike.code,) and made[lookalike.code].card.shows == (me.code,)
    assert shown_codes(folder / f"souvenir-{me.code}.png") == {lookalike.code}
    assert shown_codes(folder / f"souvenir-{alone.code}.png") == set()
    target = lookalike if who == "lookalike" else me

    def cards(*codes):
        return {f"souvenir-{c}.{ext}" for c in codes for ext in ("png", "pdf")}
    if how == "forget":
        forget_participant(store, target.code)
        # Their own card and the other card (it shows them as a look-alike) are gone.
        assert {p.name for p in folder.iterdir()} == cards(alone.code)
    else:
        change_consent(store, target.code, Consent(map=True))  # no longer "show my photo"
        assert {p.name for p in folder.iterdir()} == cards(alone.code, target.code)  # their own card stays
