"""Making, saving and printing souvenir cards off the UI thread.

Two threads of their own: ``piday-souvenir`` reads the store, composes the card
(``station.souvenir``), decodes its pictures, draws it and writes the PNG and PDF;
``piday-print`` prints. A printer that hangs, is missing or out of paper therefore only holds
later prints: the next visitor's card is still drawn and shown, and the visit flow never waits
for either thread. Results come back through ``post`` (the window's invoker).

The count of printed cards is kept in the event database (meta ``souvenir.printed``), so it
survives a restart and belongs to the event.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter

from ..core.durable import write_durably
from ..core.events import Signal
from ..core.souvenir_files import FOLDER
from ..core.store import EventStore
from ..station.souvenir import MapSnapshot, SouvenirCard, compose
from .i18n import long_date, translate
from .souvenir_card import CardImages, PrintProblem, card_image, load_images, open_printer, pdf_bytes, png_bytes, print_card

log = logging.getLogger(__name__)

PRINTED_KEY = "souvenir.printed"
#: The card shown on the done page is drawn this wide (the PNG is 1748 px).
PREVIEW_WIDTH = 1000


class DaemonWorker:
    """One daemon thread running submitted jobs in order. Unlike a ThreadPoolExecutor's thread it
    is never joined at exit, so a print stuck in a printer driver cannot keep the station from
    closing."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()

    def submit(self, fn: Callable[[], object]) -> Future:
        fut: Future = Future()

        def job() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn())
            except BaseException as exc:  # handed to whoever holds the future
                fut.set_exception(exc)
        self._jobs.put(job)
        return fut

    def stop(self) -> None:
        self._jobs.put(None)


@dataclass(frozen=True)
class CardRequest:
    participant_id: str
    kept: tuple[str, ...]
    chosen: str | None
    snapshot: MapSnapshot
    map_url: str = ""
    atlas_link: str | None = None


@dataclass(frozen=True)
class MadeCard:
    card: SouvenirCard
    images: CardImages
    image: QImage  # full size (the PNG)
    preview: QImage  # PREVIEW_WIDTH wide, for the screen


def visit_date(created_at: str) -> str:
    """The visit's local date, written out ("14 March 2026")."""
    try:
        when = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone()
    except ValueError:
        when = datetime.now().astimezone()
    return long_date(QDate(when.year, when.month, when.day))  # in the station's language


class CardService:
    """``open_printer(name) -> QPrinter`` is Qt's printer lookup; tests hand in a PDF printer."""

    def __init__(self, store: EventStore, post: Callable[[Callable[[], None]], None],
                 open_printer: Callable[[str], QPrinter] = open_printer) -> None:
        self.store = store
        self._post = post
        self._open_printer = open_printer
        self._cards = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piday-souvenir")
        self._printer = DaemonWorker("piday-print")
        self.printed: int | None = None  # None until read from the event
        self.printing = 0  # cards handed to the print thread, not yet done
        self.problem: str | None = None  # the last print's problem, until one succeeds
        self.changed = Signal("changed")  # () on the UI thread: printed / printing / problem changed
        self.closed = False
        self._printer.submit(self._load_count)

    @property
    def folder(self) -> Path:
        return self.store.directory / FOLDER

    # -- the card (piday-souvenir) --------------------------------------------------------

    def make(self, request: CardRequest, then: Callable[[MadeCard | str], None], save: bool) -> Future | None:
        """Compose and draw the card; with ``save``, also write its PNG and PDF into the event.
        ``then`` gets the card, or a sentence saying why there is none."""
        if self.closed:
            return None
        def job() -> MadeCard | str:
            try:
                made = self._make(request)
                if save and not isinstance(made, str):
                    self._save(made)
                return made
            except Exception as exc:  # a card is a souvenir: never a failsafe, never a crash
                log.exception("souvenir card failed")
                return translate("Souvenir", "The card could not be made ({error}).").format(
                    error=f"{type(exc).__name__}: {exc}")
        fut = self._cards.submit(job)
        fut.add_done_callback(lambda f: None if f.cancelled() else self._post(lambda: then(f.result())))
        return fut

    def _make(self, request: CardRequest) -> MadeCard | str:
        store = self.store
        visits = {p.id: p for p in store.participants()}
        visitor = visits.get(request.participant_id)
        if visitor is None:
            return translate("Souvenir", "This visit is no longer in the event.")

        def fresh(photo_id: str):
            try:
                return store.photo(photo_id)
            except LookupError:  # deleted since
                return None

        own = [ph for ph in map(fresh, request.kept) if ph is not None and ph.state == "kept"]
        if not own:
            return translate("Souvenir", "No kept photo for a card.")

        def state(photo_id: str) -> str | None:
            ph = fresh(photo_id)
            return None if ph is None else ph.state

        card = compose(visitor, own, request.chosen, request.snapshot, visits, state,
                       lambda ph: str(store.photo_path(ph)), event=store.event,
                       date=visit_date(visitor.created_at), map_url=request.map_url, atlas_link=request.atlas_link)
        images = load_images(card)
        image = card_image(card, images)
        preview = image.scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
        return MadeCard(card, images, image, preview)

    def _save(self, made: MadeCard) -> tuple[Path, Path]:
        stem = made.card.file_stem  # the participant code: no name ever goes into a path
        png, pdf = self.folder / f"{stem}.png", self.folder / f"{stem}.pdf"
        write_durably(png, png_bytes(made.image))
        write_durably(pdf, pdf_bytes(made.card, made.images))
        return png, pdf

    def save(self, made: MadeCard, then: Callable[[str], None] | None = None) -> Future | None:
        """Write the card's PNG and PDF into the event folder (``then``: a sentence for the screen)."""
        if self.closed:
            return None
        def job() -> str:
            try:
                png, _pdf = self._save(made)
                return translate("Souvenir", "Card saved in the event folder as {name}.png and .pdf.").format(
                    name=png.stem)
            except OSError as exc:
                log.warning("souvenir card not saved: %s", exc)
                return translate("Souvenir", "The card could not be saved: {error}").format(error=exc)
        fut = self._cards.submit(job)
        if then is not None:
            fut.add_done_callback(lambda f: self._post(lambda: then(f.result())))
        return fut

    # -- printing (piday-print) -----------------------------------------------------------

    def print(self, made: MadeCard, printer_name: str,
              then: Callable[[str | None], None] | None = None) -> Future | None:
        """Print the card on ``printer_name``, no dialog. On any problem the card is saved as
        PNG and PDF instead and ``then`` gets the problem in words (None: printed)."""
        if self.closed:
            return None
        self.printing += 1
        self.changed.emit()

        def job() -> str | None:
            try:
                printer = self._open_printer(printer_name)
                print_card(made.card, made.images, printer)
            except PrintProblem as exc:
                problem = str(exc)
            except Exception as exc:  # a printer driver's error: said, never a crash
                log.exception("printing a souvenir card failed")
                problem = translate("Souvenir", "printing failed ({error})").format(error=f"{type(exc).__name__}: {exc}")
            else:
                count = int(self.store.get_meta(PRINTED_KEY, "0") or 0) + 1
                self.store.set_meta(PRINTED_KEY, str(count))
                return None
            log.warning("souvenir card %s not printed: %s", made.card.code, problem)
            try:
                self._save(made)
                problem += translate("Souvenir", "; the card is saved in the event folder")
            except OSError as exc:
                problem += translate("Souvenir", "; the card could not be saved either ({error})").format(error=exc)
            return problem

        def done(f: Future) -> None:
            if f.cancelled():  # the station closed first
                return
            try:
                problem = f.result()
                count = None if problem is not None else int(self.store.get_meta(PRINTED_KEY, "0") or 0)
            except Exception as exc:  # the store closed under a late print
                log.warning("souvenir print result lost: %s", exc)
                return

            def show() -> None:
                self.printing -= 1
                self.problem = problem
                if count is not None:
                    self.printed = count
                self.changed.emit()
                if then is not None:
                    then(problem)
            self._post(show)
        fut = self._printer.submit(job)
        fut.add_done_callback(done)
        return fut

    def _load_count(self) -> None:
        count = int(self.store.get_meta(PRINTED_KEY, "0") or 0)

        def show() -> None:
            self.printed = count
            self.changed.emit()
        self._post(show)

    def status_text(self, printer_name: str) -> str:
        """One line for the status bar."""
        if not printer_name:
            return translate("Souvenir", "Cards: saved to the event folder (no printer)")
        if self.problem:
            return translate("Souvenir", "Printer: {problem}").format(problem=self.problem.split(";")[0])
        printed = "…" if self.printed is None else str(self.printed)
        if self.printing:
            return translate("Souvenir", "Cards printed: {printed}, {printing} printing").format(
                printed=printed, printing=self.printing)
        return translate("Souvenir", "Cards printed: {printed}").format(printed=printed)

    def wait_idle(self) -> None:
        """Block until queued cards and prints are done (tests and shutdown)."""
        self._cards.submit(lambda: None).result()
        self._printer.submit(lambda: None).result()

    def close(self) -> None:
        """Let a card being drawn finish; a print stuck in a driver is not waited for."""
        self.closed = True
        self._cards.shutdown(wait=True)
        self._printer.stop()
