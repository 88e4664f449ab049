"""The souvenir card on the station's done page: when it is made, shown, saved and printed.

A visit's card is drawn once its "finished" row is committed (``participant_finished``), again
when the visitor's photos take their place on the map, and when they pick another of their
photos. It counts as complete once every kept photo is on the map, when the map's model is not
there, or after :data:`WAIT_MS` (a slow embedding never holds a card back for long). A complete
card is saved as PNG and PDF in the event folder when no printer is chosen, and printed
automatically when the volunteer asked for that; otherwise the visitor presses Print (or P).

Everything slow happens in :class:`~.souvenir_service.CardService`'s threads; this class only
takes a copy of the live map (on the UI thread, where the map lives) and shows results. The
next visitor never waits: a card still being drawn or printed for the last one finishes in the
background (and is saved if it was never printed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrinter

from ..projection.live_map import LiveMap
from ..station.souvenir import MapSnapshot
from ..station.visitor_flow import Visit
from .i18n import translate
from .souvenir_service import CardRequest, CardService, MadeCard

#: How long a card waits for the visitor's dots on the map before it counts as complete.
WAIT_MS = 8000


def map_snapshot(live: LiveMap) -> MapSnapshot:
    """What the card needs of the live map, copied now (UI thread): photos, positions, vectors
    (the map's rows are copy-on-write, so the matrix view stays valid), group names."""
    return MapSnapshot(live.photos, live.positions, live.matrix, tuple((c.name, c.ids) for c in live.clusters))


@dataclass
class CardVisit:
    participant_id: str
    code: str
    kept: tuple[str, ...]
    chosen: str
    finished: bool = False  # the visit's row is committed as finished
    waited: bool = False  # WAIT_MS passed
    made: MadeCard | None = None
    saved: bool = False
    printed: bool = False  # handed to the printer (one print per visit: paper is finite)
    generation: int = 0
    status: str = ""
    left: bool = False  # the next visitor came
    kept_set: frozenset[str] = field(default=frozenset())


class Souvenirs:
    def __init__(self, window, open_printer: Callable[[str], QPrinter] | None = None) -> None:
        self.win = window
        extra = {"open_printer": open_printer} if open_printer is not None else {}
        self.service = CardService(window.store, window.invoker.post, **extra)
        self.atlas_link: str | None = None
        self.current: CardVisit | None = None
        self._visits: dict[str, CardVisit] = {}  # visits whose card is not finished with yet
        self._wait = QTimer(window)
        self._wait.setSingleShot(True)
        self._wait.setInterval(WAIT_MS)
        self._wait.timeout.connect(self._waited)
        window.controller.participant_finished.connect(self._finished)
        window.map.map.points_added.connect(self._points)
        window.map.map.clusters_changed.connect(self._groups)  # the group names come a little later
        page = window.done_page
        page.other_photo.clicked.connect(self.other_photo)
        page.print_card.clicked.connect(self.print_now)

    @property
    def config(self):
        return self.win.config

    @property
    def on(self) -> bool:
        return bool(self.config.souvenir_card)

    # -- a visit --------------------------------------------------------------------------

    def visit_done(self, visit: Visit | None) -> None:
        """The done page is shown for ``visit``."""
        page = self.win.done_page
        qr = getattr(self.win, "atlas_qr", None)  # attach_atlas's map QR: the card carries its own
        if not self.on or visit is None or not visit.kept or visit.participant_id is None:
            page.show_card(False)
            if qr is not None:
                qr.show()
            return
        if qr is not None:
            qr.hide()
        if self.current is not None and self.current.participant_id == visit.participant_id:
            self._show(self.current)  # the same visit's page again
            return
        v = CardVisit(visit.participant_id, visit.code or "", tuple(visit.kept), visit.kept[-1],
                      kept_set=frozenset(visit.kept))
        self.current = v
        self._visits[v.participant_id] = v
        v.status = translate("Souvenir", "Making your card…")
        self._show(v)
        self._wait.start()

    def leave(self) -> None:
        """The done page is gone (next visitor, Esc): the card finishes in the background."""
        v, self.current = self.current, None
        self._wait.stop()
        if v is None:
            return
        v.left = True
        if v.finished:
            self._settle(v)

    def _settle(self, v: CardVisit) -> None:
        """A visitor who left: save their card if it was neither printed nor saved, then forget it."""
        self._visits.pop(v.participant_id, None)
        if not v.printed and not v.saved:
            v.saved = True
            self.service.make(self._request(v), lambda _r: None, save=True)

    def _finished(self, participant_id: str) -> None:
        v = self._visits.get(participant_id)
        if v is None:
            return
        v.finished = True
        if v.left:
            self._settle(v)
        else:
            self._render(v)

    def _points(self, points) -> None:
        v = self.current
        if v is not None and v.finished and any(p.id in v.kept_set for p in points):
            self._render(v)

    def _groups(self, _clusters) -> None:
        v = self.current
        if v is not None and v.finished and v.made is not None and v.made.card.group is None:
            self._render(v)

    def _waited(self) -> None:
        v = self.current
        if v is not None:
            v.waited = True
            if v.finished:
                self._render(v)

    def complete(self, v: CardVisit) -> bool:
        live = self.win.map.map
        on_map = all((pt := live.point(pid)) is not None and pt.x == pt.x for pid in v.kept)  # NaN: not placed
        return on_map or v.waited or self.win.model_state != "ready"

    def other_photo(self) -> None:
        v = self.current
        if v is None or len(v.kept) < 2:
            return
        v.chosen = v.kept[(v.kept.index(v.chosen) + 1) % len(v.kept)]
        v.saved = False
        if v.finished:
            v.status = translate("Souvenir", "Drawing your card…")
            self._show(v)
            self._render(v)

    # -- drawing, saving, printing --------------------------------------------------------

    def _request(self, v: CardVisit) -> CardRequest:
        return CardRequest(v.participant_id, v.kept, v.chosen, map_snapshot(self.win.map.map),
                           map_url=self.config.map_url, atlas_link=self.atlas_link)

    def _render(self, v: CardVisit) -> None:
        v.generation += 1
        generation, complete = v.generation, self.complete(v)
        save = complete and not self.config.printer
        if save:
            v.saved = True
        self.service.make(self._request(v), lambda result: self._made(v, generation, complete, result), save=save)

    def _made(self, v: CardVisit, generation: int, complete: bool, result: MadeCard | str) -> None:
        if generation != v.generation or v is not self.current:
            return  # a newer drawing is on its way, or the visitor has gone
        if isinstance(result, str):
            v.status = result
            self._show(v)
            return
        v.made = result
        if not self.config.printer:
            if not complete:
                v.status = translate("Souvenir", "Your card (your dots are on their way to the map)…")
            elif result.card.link is None:  # no map published: the card has no code to scan
                v.status = translate("Souvenir", "Your card is saved: ask us for a print.")
            else:
                v.status = translate("Souvenir", "Your card is saved: ask us for a print, or scan the code.")
        elif not v.printed:
            v.status = (translate("Souvenir", "Press Print to take your card home.") if complete
                        else translate("Souvenir", "Your dots are on their way to the map…"))
        self._show(v)
        if complete and self.config.printer and self.config.print_automatically and not v.printed:
            self.print_now()

    def print_now(self) -> None:
        """Print the visitor's card on the chosen printer, without a dialog (once per visit)."""
        v = self.current
        printer = self.config.printer
        if v is None or v.made is None or not printer or v.printed:
            return
        v.printed = True
        v.status = translate("Souvenir", "Printing your card…")
        self._show(v)
        self.service.print(v.made, printer, then=lambda problem: self._printed(v, problem))

    def _printed(self, v: CardVisit, problem: str | None) -> None:
        v.saved = v.saved or problem is not None  # a failed print saves the card instead
        if v is not self.current:
            return
        v.status = (translate("Souvenir", "Printed: take your card from the printer.") if problem is None
                    else translate("Souvenir", "Not printed: {problem}. Please ask a volunteer.").format(problem=problem))
        self._show(v)

    def _show(self, v: CardVisit) -> None:
        if v is not self.current:
            return
        printer = bool(self.config.printer)
        self.win.done_page.show_card(
            True, v.made.preview if v.made is not None else None, v.status,
            can_print=printer and v.made is not None and not v.printed,
            can_switch=len(v.kept) > 1 and not v.printed)

    def status_text(self) -> str:
        return self.service.status_text(self.config.printer) if self.on else ""

    def close(self) -> None:
        self._wait.stop()
        self.service.close()
