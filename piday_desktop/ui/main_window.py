"""The station window: a view of the visitor flow, the camera and the station's status.

It owns no logic of its own: keys and buttons become ``VisitorFlow`` actions, the flow's
stage picks the page, and the controller does the I/O on its writer thread. Everything slow
(camera reads, JPEG encoding, fsync, torch start-up, inference) happens elsewhere, so the
event loop only ever paints and dispatches.

The live map sits beside the pages (``MapPane``), fed by a ``MapController`` from the station
controller's photo signals; F2 (or the pane's Full screen button) opens a full-screen map window for a
second monitor. While a visitor is in front of the camera the map's live probe shows where they
would land; it is held just before and during the shutter so it never delays a shot.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QMainWindow, QMessageBox, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from ..core.config import StationConfig
from ..core.durable import free_bytes
from ..station.controller import StationController
from ..core.store import EventStore, Photo
from ..station.counters import Counters, read_counters, reset_counters
from ..station.visitor_flow import NO_PICTURE, NO_VISIT_FOR_FILE, REMOTE_SHUTTER, FlowSettings, Key, Stage, VisitorFlow
from ..projection.map_controller import MapController
from ..workers.camera_worker import CameraWorker
from ..workers.invoker import UiInvoker
from .lag_probe import LagProbe
from .map_pane import MapPane
from .map_thumbs import ThumbnailCache
from .i18n import consent_text, locale, plural, tr_text, translate
from .pages import ConsentPage, DonePage, FailsafePage, IdlePage, big_label, button
from .last_visitor import LastVisitor
from .pin_prompt import unlocked
from .preview import PreviewWidget
from .souvenirs import Souvenirs

log = logging.getLogger(__name__)

#: Stages in which someone stands in front of the camera (the live marker is shown).
VISITOR_STAGES = (Stage.PREVIEW, Stage.COUNTDOWN, Stage.CAPTURING, Stage.REVIEW)
#: A press this soon after the same key's release is the system's repeat, not a person (ms).
REPEAT_GAP_MS = 15
#: The live probe pauses this long before the shutter, so no probe frame is in the model then.
PROBE_HOLD_S = 0.6
#: How often a model process that died is started again before the start page reports it.
ENGINE_RESTARTS = 3
#: On a portrait screen the pages (preview, consent, card) take this share of the height, the map the rest.
PORTRAIT_PAGES = 0.56

KEYS = {
    Qt.Key.Key_Space: Key.SHOOT,
    Qt.Key.Key_Return: Key.ACCEPT,
    Qt.Key.Key_Enter: Key.ACCEPT,
    Qt.Key.Key_Backspace: Key.RETAKE,
    Qt.Key.Key_Delete: Key.DELETE,
    Qt.Key.Key_Escape: Key.CANCEL,
}


def photos(n: int) -> str:
    return plural(n, translate("StationWindow", "{n} photo"), translate("StationWindow", "{n} photos"))


def camera_state(state: str) -> str:
    """The camera's state word for the status bar."""
    words = {"live": translate("StationWindow", "live"), "starting": translate("StationWindow", "starting"),
             "lost": translate("StationWindow", "lost"), "reconnecting": translate("StationWindow", "reconnecting"),
             "failed": translate("StationWindow", "failed"), "ended": translate("StationWindow", "ended"),
             "stopped": translate("StationWindow", "stopped")}
    return words.get(state, state)


def flow_settings(config: StationConfig) -> FlowSettings:
    return FlowSettings(config.shots_per_visitor, config.countdown_s, config.key_debounce_s)


class CapturePage(QWidget):
    """Preview, countdown and review share one page so the picture never jumps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.preview = PreviewWidget()
        layout.addWidget(self.preview, stretch=1)
        self.caption = big_label("", 20)
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        # Two-line labels: four of them fit the page's column on a 1366 px screen, uncut.
        self.cancel = button(translate("StationWindow", "Cancel\nEsc"), 16)
        self.retake = button(translate("StationWindow", "Retake\nBackspace"), 16)
        self.delete = button(translate("StationWindow", "Delete\nDel"), 16)
        self.keep = button(translate("StationWindow", "Keep\nEnter"), 16)
        self.shoot = button(translate("StationWindow", "Take photo\nSpace"), 16)
        self.finish = button(translate("StationWindow", "Finish\nEnter"), 16)
        for b in (self.cancel, self.retake, self.delete, self.keep, self.shoot, self.finish):
            row.addWidget(b)
        layout.addLayout(row)
        self.set_mode(reviewing=False, counting=False)

    def set_mode(self, reviewing: bool, counting: bool, can_finish: bool = True) -> None:
        """Finish is offered only once a photo is kept: a visit never ends empty by accident."""
        for b in (self.retake, self.delete, self.keep):
            b.setVisible(reviewing)
        for b in (self.shoot, self.finish):
            b.setVisible(not reviewing)
            b.setEnabled(not counting)
        self.finish.setVisible(not reviewing and can_finish)


class StationWindow(QMainWindow):
    closing = Signal()
    status_read = Signal()  # the status bar's counts and free space were read and shown

    def __init__(self, store: EventStore, config: StationConfig, camera: CameraWorker | None = None,
                 *, map_refit: bool = True, clock: Callable[[], float] = time.monotonic,
                 saved_config: StationConfig | None | object = ..., open_printer=None) -> None:
        """``map_refit=False`` keeps the map on its quick layouts (no UMAP refits, no umap warm-up):
        for tests and very slow machines. ``clock`` drives the countdown and the key debounce.
        ``saved_config`` is the config file's content, which may differ from ``config`` by this
        start's flags; Settings saves only what the volunteer changes onto it (None: never save,
        as in the demo). Left out, it is ``config``. ``open_printer(name) -> QPrinter`` finds the
        souvenir cards' printer (Qt's printer list unless given: tests hand in a PDF printer)."""
        super().__init__()
        self.setWindowTitle(f"piday — {store.event}")
        self.config = config
        self.saved_config: StationConfig | None = config if saved_config is ... else saved_config
        self.store = store
        self.invoker = UiInvoker(self)
        self.flow = VisitorFlow(flow_settings(config), clock=clock)
        self.camera = camera or CameraWorker(self)
        self.flow.camera_live = self.camera.state == "live"
        self.controller = StationController(store, self.flow, self._grab, post=self.invoker.post,
                                          station_id=config.station_id)
        self.model_state = "loading"  # loading | ready | unavailable: <reason>
        self._engine_model = ""
        self._engine_deaths = 0
        self._starting_engine: object | None = None  # the latest start_engine's engine
        self.map = MapController(store, self.invoker.post, refit=map_refit)
        self.thumbs = ThumbnailCache(self.invoker.post)
        self.map_window = None
        self._probe_held = False
        self._released_at: dict[int, int] = {}  # key -> its last release's event timestamp (ms)
        self._split_pinned = False
        self._camera_notice = False  # the idle page's notice is about the camera (cleared once it is live)
        self._camera_reason = ""  # the camera's last reason for having no picture (until it is live)
        self._build()
        self._wire()
        self.souvenirs = Souvenirs(self, open_printer)
        self.last_visitor = LastVisitor(self, config.show_last_visitor)
        self.souvenirs.service.changed.connect(self._show_card_status)
        self._tick = QTimer(self)
        self._tick.setInterval(40)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self._status_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piday-status")
        self._status_reading = False
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        self.lag_probe = LagProbe(parent=self)
        self.lag_probe.start()
        self._show_stage(self.flow.stage)
        self._show_model_state()
        self.refresh_status()
        self._cameras: list[tuple[str, str]] = []
        self._models: list[tuple[str, str]] = []
        self._printers: list[str] = []
        self._show_interrupted()
        self.map.open()  # the stored map appears before the model has loaded
        if map_refit:
            QTimer.singleShot(1500, self._warm_up_umap)

    # --- construction ------------------------------------------------------------------

    def _build(self) -> None:
        self.stack = QStackedWidget()
        self.idle_page = IdlePage()
        self.consent_page = ConsentPage(consent_text(self.config))
        self.capture_page = CapturePage()
        self.capture_page.preview.framing_guide = self.config.framing_guide
        self._apply_save_as_seen(self.config.save_as_seen)
        self.done_page = DonePage()
        self.failsafe_page = FailsafePage()
        for page in (self.idle_page, self.consent_page, self.capture_page, self.done_page, self.failsafe_page):
            self.stack.addWidget(page)
        self.map_pane = MapPane(self.map, self.thumbs, self.invoker.post)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.map_pane)
        self.splitter.setStretchFactor(0, 9)
        self.splitter.setStretchFactor(1, 11)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.status_labels = {name: QLabel() for name in ("today", "embedding", "camera", "disk", "cards")}
        for label in self.status_labels.values():
            self.statusBar().addPermanentWidget(label)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("QMainWindow, QWidget { background: #1b1d23; color: #f2f2f2; }"
                           "QPushButton { background: #3a3f4b; border-radius: 8px; padding: 6px 18px; }"
                           "QPushButton:hover { background: #4a5060; }"
                           "QPushButton:disabled { background: #2a2d35; color: #6c7080; }"
                           "QLineEdit { background: #2a2d35; border: 1px solid #555; padding: 6px; }"
                           "QCheckBox::indicator { width: 26px; height: 26px; border: 2px solid #c8c8c8;"
                           " border-radius: 5px; background: #2a2d35; }"
                           "QCheckBox::indicator:checked { background: #4caf50; border-color: #4caf50; }"
                           "QCheckBox:disabled { color: #777; }"
                           "QCheckBox::indicator:disabled { border-color: #555; }")

    def _pin_page_width(self) -> None:
        """The pages' column is as wide as its widest page in any mode, from the start, so a
        page or button row appearing (the review buttons) never pushes the map aside."""
        cp = self.capture_page
        widths = []
        for reviewing in (False, True):
            cp.set_mode(reviewing, counting=False)
            widths.append(cp.minimumSizeHint().width())
        cp.set_mode(False, counting=False)
        pages = (self.idle_page, self.consent_page, self.done_page, self.failsafe_page)
        self.stack.setMinimumWidth(max(widths + [p.minimumSizeHint().width() for p in pages]))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._split_pinned:  # fixed proportions from now on, not re-derived from size hints
            self._split_pinned = True
            self._pin_page_width()  # now: the style sheet (button padding) is applied
            self._orient(force=True)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self._split_pinned:
            self._orient()

    @property
    def portrait(self) -> bool:
        return self.height() > self.width()

    def _orient(self, force: bool = False) -> None:
        """A portrait screen (a totem) gets the map below the preview, a landscape one beside it.
        Proportions are set when the orientation changes; a resize within one keeps them."""
        want = Qt.Orientation.Vertical if self.portrait else Qt.Orientation.Horizontal
        if not force and self.splitter.orientation() == want:
            return
        self.splitter.setOrientation(want)
        if want is Qt.Orientation.Vertical:
            total = self.splitter.height() or self.height()
            first = int(total * PORTRAIT_PAGES)
        else:
            total = self.splitter.width() or self.width()
            first = max(self.stack.minimumWidth(), int(total * 0.45))
        self.splitter.setSizes([first, max(1, total - first)])

    def _wire(self) -> None:
        f, c = self.flow, self.controller
        f.changed.connect(self._show_stage)
        f.requests.capture.connect(lambda _visit: self.capture_page.preview.flash())
        c.photo_saved.connect(self._show_review)
        c.photo_saved.connect(self.map.photo_saved)
        c.photo_embedded.connect(self.map.add_vector)
        c.photo_removed.connect(self.map.remove)
        f.changed.connect(self._visitor_presence)
        self.map_pane.search_finished.connect(self.setFocus)
        self.map_pane.search.installEventFilter(self)  # station keys reach the station during a visit
        self.map_pane.full_screen_requested.connect(self.toggle_map_window)
        self.idle_page.start_clicked.connect(f.start)
        self.idle_page.settings_clicked.connect(self.open_settings)
        self.idle_page.choose_camera.clicked.connect(self.open_settings)
        self.idle_page.use_pattern.clicked.connect(lambda: self.camera.start("pattern"))
        self.idle_page.finish_open_clicked.connect(self.finish_interrupted)
        self.idle_page.resume_open.clicked.connect(self.resume_interrupted)
        self.idle_page.import_model.clicked.connect(lambda: self.import_model_file())
        self.consent_page.accepted.connect(lambda consent, nick: f.give_consent(consent, nick))
        self.consent_page.declined.connect(f.cancel)
        cp = self.capture_page
        cp.cancel.clicked.connect(lambda: self.press(Key.CANCEL))
        cp.retake.clicked.connect(f.retake)
        cp.delete.clicked.connect(f.delete)
        cp.keep.clicked.connect(f.keep)
        cp.shoot.clicked.connect(f.shoot)
        cp.finish.clicked.connect(f.finish)
        self.done_page.next_clicked.connect(f.reset)
        self.failsafe_page.dismissed.connect(f.dismiss_failure)
        self.camera.frame_ready.connect(lambda frame: cp.preview.show_frame(frame.image))
        self.camera.state_changed.connect(self._camera_state)
        self.camera.error.connect(self._camera_error)
        self.camera.file_arrived.connect(self._camera_file)

    # --- recovery and settings ---------------------------------------------------------

    def _show_interrupted(self) -> None:
        """Offer the visits a crash left open; one with no photo is no visit and is closed quietly."""
        summaries = []
        for p in self.store.open_participants():
            if self.flow.visit is not None and self.flow.visit.participant_id == p.id:
                continue  # the visit going on now
            found = self.store.photos(p.code, include_review=True)
            if not found:
                self.controller.close_visit(p.id, "cancelled")
                continue
            summaries.append(f"{p.code} ({photos(len(found))})")
        self.idle_page.show_interrupted(summaries)

    def resume_interrupted(self) -> None:
        """Go on with the newest visit a crash left open: its kept photos count, and a photo it
        had under review is shown again for the visitor to decide on."""
        open_visits = [p for p in self.store.open_participants()
                       if self.store.photos(p.code, include_review=True)]
        if not open_visits or self.flow.stage is not Stage.IDLE:
            return
        p = open_visits[-1]
        photos = self.store.photos(p.code, include_review=True)
        kept = [ph.id for ph in photos if ph.state == "kept"]
        review = [ph for ph in photos if ph.state == "review"]
        for extra in review[:-1]:  # only one photo can be on screen: older undecided ones are kept
            self.store.set_photo_state(extra.id, "kept")
            kept.append(extra.id)
        self.flow.resume(p.id, p.code, p.consent, kept, review[-1].id if review else None, p.nickname)
        if review:
            self._show_review(review[-1])
        self._show_interrupted()

    def finish_interrupted(self) -> None:
        """Close visits left open by a crash: every stored photo is kept (the visitor saw it taken)."""
        for p in self.store.open_participants():
            for photo in self.store.photos(p.code, include_review=True):
                if photo.state == "review":
                    self.store.set_photo_state(photo.id, "kept")
            kept = self.store.photos(p.code)
            self.store.set_participant_state(p.code, "finished" if kept else "cancelled")
        self._show_interrupted()

    def probe_cameras_in_background(self) -> None:
        """Device probing can take seconds per camera: never on the UI thread."""
        import threading

        from .first_run import camera_choices, model_choices

        invoker = self.invoker  # the thread holds the invoker, never the window itself

        def work() -> None:
            found = camera_choices()
            invoker.post(lambda: setattr(invoker.parent(), "_cameras", found))
            try:  # which models work offline, for the settings (asked of a child process: it imports torch)
                models = model_choices()
            except Exception as exc:  # the list is a convenience; typing a model still works
                log.warning("model list unavailable: %s", exc)
                return
            invoker.post(lambda: setattr(invoker.parent(), "_models", models))

        def printers() -> None:  # asks CUPS / the spooler, which can take a while on a network
            from PySide6.QtPrintSupport import QPrinterInfo

            try:
                names = list(QPrinterInfo.availablePrinterNames())
            except Exception as exc:  # the list is a convenience; typing a printer name still works
                log.warning("printer list unavailable: %s", exc)
                return
            invoker.post(lambda: setattr(invoker.parent(), "_printers", names))
        threading.Thread(target=work, name="piday-camera-probe", daemon=True).start()
        threading.Thread(target=printers, name="piday-printer-probe", daemon=True).start()

    def open_check(self) -> None:
        """The readiness checks of `piday doctor`, for the station's own setup."""
        from .doctor_dialog import DoctorDialog, options_for_station

        DoctorDialog(options_for_station(self.store.directory, self.config, self.camera.state,
                                         self.camera.description), self).exec()

    def open_settings(self) -> None:
        from ..core.config import save_config
        from .settings_dialog import SettingsDialog

        if not unlocked(self, self.config.kiosk_pin, "open Settings"):
            return
        dialog = SettingsDialog(self.config, self._cameras, self, check=self.open_check, models=self._models,
                                one_off=self.one_off_settings(), import_model=self.import_model_file,
                                printers=self._printers, cards=self.souvenirs.status_text)
        self.read_counters(dialog.show_counters)
        dialog.reset_counters.clicked.connect(lambda: self.read_counters(dialog.show_counters, reset=True))
        if not dialog.exec():
            return
        new = dialog.config()
        restart = dialog.needs_restart()
        to_save = self.settings_to_save(new)
        if to_save is not None:
            save_config(to_save)
            self.saved_config = to_save
        if new.camera != self.config.camera:
            self.camera.start(new.camera)
        self.flow.settings = flow_settings(new)
        self.consent_page.text.setText(consent_text(new))
        self.capture_page.preview.framing_guide = new.framing_guide
        self._apply_save_as_seen(new.save_as_seen)
        self.last_visitor.set_enabled(new.show_last_visitor)
        self.controller.station_id = new.station_id  # from the next visitor on
        self.config = new
        self._show_card_status()
        if restart:
            self.idle_page.notice.setText(translate("StationWindow", "Saved. Restart piday to switch event, model, "
                                                    "device, backup folder or language."))

    def mark_rehearsal(self) -> None:
        """`piday --demo`: say so on the window, so nobody mistakes it for the event."""
        self.setWindowTitle(f"piday — {self.store.event} (rehearsal: demo mode)")
        self.idle_page.rehearsal.setText(translate("StationWindow", "Rehearsal (demo mode): test pattern camera, "
                                                   "random-weights model; nothing here changes the saved settings."))
        self.idle_page.rehearsal.show()

    def one_off_settings(self) -> dict[str, str]:
        """Settings this start runs with that the config file does not hold (command-line flags)."""
        if self.saved_config is None:
            return {"demo": "a rehearsal: nothing is saved"}
        return {f.name: str(getattr(self.config, f.name)) for f in fields(StationConfig)
                if getattr(self.config, f.name) != getattr(self.saved_config, f.name)}

    def settings_to_save(self, new: StationConfig) -> StationConfig | None:
        """The config file after Settings: the saved values, changed only where the volunteer
        changed something, so one-off flags (``--event expo``) never end up saved silently."""
        if self.saved_config is None:
            return None
        changed = {f.name: getattr(new, f.name) for f in fields(StationConfig)
                   if getattr(new, f.name) != getattr(self.config, f.name)}
        return replace(self.saved_config, **changed)

    # --- engine ------------------------------------------------------------------------

    def start_engine(self, model: str) -> None:
        """Start the model's process (again after a model file was imported: no restart).

        Only the latest start counts: an earlier one still loading (the volunteer imported a
        model meanwhile) is closed when it reports, never attached over the newer model.
        """
        import weakref

        from ..workers.engine_starter import start_engine_in_background

        self.model_state = "loading"
        self._show_model_state()
        # The reader thread holds only a weak reference: if it reports after the station closed,
        # it must not be the last owner of the window (Qt objects die on their own thread).
        window_ref = weakref.ref(self)
        started: list[object] = []

        def post_to_window(action, stale=lambda: None) -> None:
            """Run ``action(win)`` on the UI thread if this is still the latest start, else ``stale()``."""
            win = window_ref()
            if win is None or not win.invoker.post(lambda: action(win) if win._starting_engine in started else stale()):
                stale()  # the window (or its Qt side) is already gone: the station is closing

        def ready(engine) -> None:
            post_to_window(lambda win: win.attach_engine(engine), stale=lambda: engine.close(wait=False))

        self._engine_model = model
        self._starting_engine = start_engine_in_background(
            model, self.config.device,
            on_ready=ready,
            on_error=lambda msg: post_to_window(lambda win: win.engine_failed(msg)),
            on_exit=lambda msg: post_to_window(lambda win: win.engine_lost(msg)))
        started.append(self._starting_engine)

    def import_model_file(self, archive: Path | None = None) -> None:
        """The fix for a missing model: verify and install a .pidaymodel file, then load it."""
        from .model_import import ask_model_file, import_in_background

        archive = archive or ask_model_file(self)
        if archive is None:
            return
        self.idle_page.show_model_state(translate("StationWindow", "Importing {name}… (checking every byte; capture "
                                                  "goes on)").format(name=archive.name), False)
        import_in_background(archive, self.invoker.post, self._model_imported)

    def _model_imported(self, model: str | None, reason: str) -> None:
        if model is None:
            self.idle_page.show_model_state(translate("StationWindow", "The model file was not imported: {reason}")
                                            .format(reason=tr_text(reason)), problem=True)
            return
        if model != (self.config.model or ""):
            self.config = replace(self.config, model=model)
            if self.saved_config is not None:  # the volunteer chose this model: keep it for tomorrow
                from ..core.config import save_config

                self.saved_config = replace(self.saved_config, model=model)
                save_config(self.saved_config)
        self.start_engine(model)

    def _show_model_state(self) -> None:
        """The idle page says what the model is doing, and when it cannot load, why and the fix."""
        self.map_pane.view.set_waiting_for_model(self.model_state.startswith("unavailable"))
        if self.model_state == "loading":
            self.idle_page.show_model_state(translate("StationWindow", "Starting the map's model… photos can be taken "
                                                      "already."), problem=False)
        elif self.model_state == "ready":
            self.idle_page.show_model_state("", problem=False)
        else:
            reason = self.model_state.removeprefix("unavailable: ")
            self.idle_page.show_model_state(translate(
                "StationWindow", "The map's model is not available: {reason}. Photos are still kept, and join the map "
                "as soon as a model is there. Fix: import a model file (made with `piday models export`), here or in "
                "Settings; no restart needed.").format(reason=reason), problem=True)

    def attach_engine(self, engine) -> None:
        """The embedding engine is ready: embed what was taken meanwhile, and everything new."""
        old = self.controller.engine
        if old is not None and old is not engine:  # a model file was imported: the old model goes
            old.close(wait=False)  # its wait (and a kill) on a thread of its own
        self.controller.engine = engine
        self.model_state = "ready"
        self.map.attach_engine(engine)
        self.map.start_probe(self._live_frame)
        self._visitor_presence(self.flow.stage)
        n = self.controller.resume_embedding()
        log.info("embedding engine ready on %s; %d photo(s) queued", engine.device, n)
        self._show_model_state()
        self.refresh_status()

    def engine_lost(self, reason: str) -> None:
        """The model's process died after it was ready (out of memory, a driver crash, killed):
        start another, so the station goes on mapping without the volunteer; photos whose vectors
        were lost are embedded again once it is ready (``resume_embedding``). After
        ``ENGINE_RESTARTS`` deaths in one day the start page says so instead of looping."""
        dead = self.controller.engine
        self.controller.engine = None
        self.map.engine = None
        if dead is not None:
            dead.close(wait=False)
        self._engine_deaths += 1
        if self._engine_deaths > ENGINE_RESTARTS:
            self.engine_failed(translate("StationWindow", "{reason}, {n} times; see the log").format(
                reason=reason, n=self._engine_deaths))
            return
        log.warning("%s: starting it again (%d of %d)", reason, self._engine_deaths, ENGINE_RESTARTS)
        self.start_engine(self._engine_model)

    def engine_failed(self, reason: str) -> None:
        self.model_state = f"unavailable: {reason}"
        self._show_model_state()
        self.refresh_status()

    # --- camera ------------------------------------------------------------------------

    def _live_frame(self):
        """The live probe's frame (any thread): the newest preview frame, if fresh."""
        frame = self.camera.capture_still(max_age=0.5)
        return None if frame is None else frame.image

    def _grab(self):
        frame = self.camera.capture_still()
        return None if frame is None else frame.image

    def _camera_state(self, state: str) -> None:
        lost = translate("StationWindow", "Camera lost, reconnecting…")
        messages = {"lost": lost, "reconnecting": lost, "starting": translate("StationWindow", "Starting the camera…"),
                    "failed": translate("StationWindow", "No camera picture"),
                    "ended": translate("StationWindow", "The video ended")}
        self.capture_page.preview.set_banner(messages.get(state, ""))
        self.flow.camera_live = state == "live"
        self.flow.remote_shutter = self.camera.remote_shutter
        self.capture_page.preview.mirror = not self.camera.remote_shutter  # a selfie mirror, not a camera's view
        self.idle_page.show_camera_choice(state not in ("live", "starting"))
        if state == "live":
            self._camera_reason = ""
        if state == "live" and self._camera_notice:
            self.idle_page.notice.setText("")
        self.refresh_status()

    def _apply_save_as_seen(self, on: bool) -> None:
        """Mirrored shots are shown as they are; shots as the camera sees them are mirrored on
        screen like the preview, so the visitor never sees themselves flip at review."""
        self.controller.save_as_seen = on
        self.capture_page.preview.mirror_still = not on

    def _camera_file(self, path: str) -> None:
        """A tethered camera's photo: the visitor's next shot, or (nobody being photographed)
        a notice that it was not stored."""
        if self.flow.file_arrived(path):
            self.capture_page.preview.flash()
            return
        if self.flow.stage in (Stage.IDLE, Stage.DONE):
            self.idle_page.notice.setText(tr_text(NO_VISIT_FOR_FILE))
        elif self.flow.stage is Stage.REVIEW:
            self.capture_page.caption.setText(self.capture_page.caption.text() + "\n" + translate(
                "StationWindow", "Keep or retake this photo first: the new one from the camera was not stored."))

    def _camera_error(self, text: str) -> None:
        self.camera_message(text)
        if self.flow.stage in (Stage.PREVIEW, Stage.COUNTDOWN, Stage.CAPTURING, Stage.REVIEW):
            self.flow.fail(translate("StationWindow", "The camera stopped: {error}").format(error=tr_text(text)),
                           translate("StationWindow", "Photos already kept are safe. Check the camera (or pick "
                                     "another in Settings), then press Enter."))

    def unexpected_error(self, exc: BaseException) -> None:
        """Last line of defence: any uncaught exception shows the failsafe instead of crashing."""
        log.error("unexpected error", exc_info=exc)
        self.flow.fail(translate("StationWindow", "Something unexpected went wrong ({error}).")
                       .format(error=f"{type(exc).__name__}: {exc}"),
                       translate("StationWindow", "Photos already kept are safe. Press Enter to continue."))

    def camera_message(self, text: str) -> None:
        text = tr_text(text)
        self._camera_reason = text.rstrip(".")
        self.capture_page.preview.set_banner(text)
        self.idle_page.notice.setText(translate("StationWindow", "Camera: {error}. Choose another camera or the test "
                                                "pattern below.").format(error=self._camera_reason))
        self._camera_notice = True

    def _idle_notice(self, notice: str) -> str:
        """The start page's notice: a refused Space keeps the camera's own reason in view."""
        if notice == NO_PICTURE and self._camera_reason:
            return translate("StationWindow", "No visit can start without a picture. Camera: {error}. Choose another "
                             "camera or the test pattern below.").format(error=self._camera_reason)
        return tr_text(notice)

    # --- stage -> page -----------------------------------------------------------------

    def _show_stage(self, stage: Stage) -> None:
        f = self.flow
        if stage is not Stage.DONE:
            self.souvenirs.leave()  # a card still being drawn or printed finishes in the background
        if stage is Stage.IDLE:
            self.idle_page.notice.setText(self._idle_notice(f.notice))
            self._camera_notice = f.notice == NO_PICTURE
            self.stack.setCurrentWidget(self.idle_page)
        elif stage is Stage.CONSENT:
            self.map_pane.start_over()  # each visit starts on the whole map
            self.consent_page.reset()
            self.stack.setCurrentWidget(self.consent_page)
            self.consent_page.nickname.setFocus()
        elif stage in (Stage.PREVIEW, Stage.COUNTDOWN, Stage.CAPTURING, Stage.REVIEW):
            self.stack.setCurrentWidget(self.capture_page)
            self.setFocus()
            if stage is not Stage.REVIEW:
                self.capture_page.preview.show_still(None)
            self.capture_page.set_mode(stage is Stage.REVIEW, stage in (Stage.COUNTDOWN, Stage.CAPTURING),
                                       f.can_finish)
            self._caption()
        elif stage is Stage.DONE:
            self.done_page.show_visit(f.visit.code if f.visit else None, len(f.visit.kept) if f.visit else 0,
                                      on_map=self.model_state == "ready")
            self.souvenirs.visit_done(f.visit)
            self.stack.setCurrentWidget(self.done_page)
            self.setFocus()
        elif stage is Stage.FAILSAFE and f.failure:
            self.failsafe_page.show_failure(tr_text(f.failure.what), tr_text(f.failure.todo))
            self.stack.setCurrentWidget(self.failsafe_page)
            self.setFocus()

    def _caption(self) -> None:
        f = self.flow
        if f.visit is None:
            return
        who = f.visit.code or "…"
        if f.stage is Stage.REVIEW:
            text = translate("StationWindow", "{code}: keep this photo?").format(code=who)
        else:
            n = len(f.visit.kept)
            text = translate("StationWindow", "{code}: photo {number} of {total}").format(
                code=who, number=n + 1, total=f.settings.shots_per_visitor)
            if f.remote_shutter and f.stage is Stage.PREVIEW:
                text += "\n" + tr_text(f.notice or REMOTE_SHUTTER)
            elif f.notice and f.stage is Stage.PREVIEW:
                text += "\n" + tr_text(f.notice)
        self.capture_page.caption.setText(text)

    def _show_review(self, photo: Photo) -> None:
        if self.flow.remote_shutter:
            # The preview already shows this file, decoded (and scaled) off the UI thread by
            # the hot-folder source; decoding a 24 MP original here would freeze the window.
            self.capture_page.preview.show_still(None)
            self._caption()
            return
        pixmap = QPixmap(str(self.store.photo_path(photo)))
        self.capture_page.preview.show_still(pixmap if not pixmap.isNull() else None)
        self._caption()

    # --- live map ----------------------------------------------------------------------

    def _warm_up_umap(self) -> None:
        """umap's import and JIT, in the background, once the window is on screen."""
        from ..projection import warm_up

        warm_up()

    def _visitor_presence(self, stage: Stage) -> None:
        self.map.visitor_present(stage in VISITOR_STAGES)

    def _hold_probe(self) -> None:
        remaining = self.flow.countdown_remaining()
        # Held from just before the shutter until the visitor has decided on the photo: the
        # "you are here" marker stays where the shot landed instead of wandering during review.
        held = (self.flow.stage in (Stage.CAPTURING, Stage.REVIEW)
                or (self.flow.stage is Stage.COUNTDOWN and remaining < PROBE_HOLD_S))
        if held != self._probe_held:
            self._probe_held = held
            self.map.hold_probe(held)

    def toggle_map_window(self) -> None:
        """The full-screen map for a second monitor (F2)."""
        from .map_window import MapWindow

        if self.map_window is not None:
            self.map_window.close()
            return
        self.map_window = MapWindow(self.map, self.thumbs, self.invoker.post, f"piday map — {self.store.event}")
        self.map_window.closed.connect(self._map_window_closed)
        self.map_window.show_on_best_screen()

    def _map_window_closed(self) -> None:
        self.map_window = None
        self.activateWindow()
        self.setFocus()

    def _on_tick(self) -> None:
        self.flow.tick()
        self._hold_probe()
        preview = self.capture_page.preview
        remaining = self.flow.countdown_remaining()
        preview.set_overlay(str(int(remaining) + 1) if self.flow.stage is Stage.COUNTDOWN and remaining > 0 else "")
        if preview.flashing or self.flow.stage is Stage.COUNTDOWN:
            preview.update()

    # --- keys --------------------------------------------------------------------------

    def press(self, key: Key) -> None:
        f = self.flow
        if key is Key.CANCEL and f.would_drop_photo:
            answer = QMessageBox.question(self, translate("StationWindow", "Drop this photo?"),
                                          translate("StationWindow", "The photo on screen has not been kept. "
                                                    "Drop it and stop?"))
            if answer != QMessageBox.StandardButton.Yes:
                return
        if key is Key.ACCEPT and f.stage is Stage.CONSENT:
            if f.take_press():  # the same debounce as every other station key
                self.consent_page.submit()
            return
        f.press(key)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        """During a visit the search box never swallows a station key (Space typed as a space
        instead of shooting): the key goes to the station and the keyboard comes back to it."""
        if (watched is self.map_pane.search and event.type() == QEvent.Type.KeyPress
                and self.flow.stage is not Stage.IDLE and KEYS.get(Qt.Key(event.key())) is not None):
            self.setFocus()
            self.keyPressEvent(event)
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        if event.key() == Qt.Key.Key_F11:
            # The full-screen bit only: leaving full screen returns to the maximised window the
            # station opened as (showNormal left a screen-sized window with its title bar above
            # the screen under openbox, and no way to get it back but F11 again).
            state = self.windowState()
            if not self.isFullScreen():
                self.setWindowState(state | Qt.WindowState.WindowFullScreen)
            elif unlocked(self, self.config.kiosk_pin, "leave full screen"):
                self.setWindowState(state & ~Qt.WindowState.WindowFullScreen)
            return
        if event.key() == Qt.Key.Key_F2:
            self.toggle_map_window()
            return
        if event.key() == Qt.Key.Key_P and self.flow.stage is Stage.DONE:
            if not self._repeated(event) and self.flow.take_press():
                self.souvenirs.print_now()
            return
        key = KEYS.get(Qt.Key(event.key()))
        if key is None:
            super().keyPressEvent(event)
            return
        if self._repeated(event):  # a held key is one press, not one visit per repeat
            return
        self.press(key)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        self._released_at[event.key()] = event.timestamp()
        super().keyReleaseEvent(event)

    def _repeated(self, event: QKeyEvent) -> bool:
        """Whether a press is the system repeating a held key. Qt flags most repeats, but an X
        server without detectable auto-repeat (Xvfb, some kiosks) sends a held key as release +
        press pairs with the same timestamp, many unflagged: such a press, within a few ms of
        the key's own release, is a repeat too. A person lifting and pressing again takes far
        longer."""
        if event.isAutoRepeat():
            return True
        released = self._released_at.get(event.key())
        if not released or not event.timestamp():  # synthesized events carry no time: Qt's flag only
            return False
        return 0 <= event.timestamp() - released < REPEAT_GAP_MS

    # --- status bar --------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Update the status bar; the counts (SQL) and free space (a disk call) are read on a
        reader thread and shown when they come back, so the UI thread never waits on the disk."""
        labels = self.status_labels
        engine = self.controller.engine
        if self.model_state == "ready" and engine is not None:
            labels["embedding"].setText(translate("StationWindow", "Embedding: {queued} queued on {device}").format(
                queued=self.controller.embedding_queue, device=engine.device.upper()))
        elif self.model_state == "loading":
            labels["embedding"].setText(translate("StationWindow", "Model loading…"))
        else:
            labels["embedding"].setText(translate("StationWindow", "Model not available (see the start page)"))
        labels["camera"].setText(translate("StationWindow", "Camera: {state}").format(state=camera_state(self.camera.state)))
        self._show_card_status()
        if self._status_reading:
            return  # the previous read is still out (a slow disk): never pile reads up
        self._status_reading = True
        store, directory, post = self.store, self.store.directory, self.invoker.post

        def read() -> None:
            try:
                today, free = store.today_counts(), free_bytes(directory)
            except Exception:  # a closed store at shutdown, a vanished disk: try again next tick
                log.debug("status read failed", exc_info=True)
                post(lambda: setattr(self, "_status_reading", False))
                return
            post(lambda: self._show_status(today, free))
        try:
            self._status_reader.submit(read)
        except RuntimeError:  # closing: the reader is shut down
            self._status_reading = False

    def read_counters(self, show: Callable[[Counters], None], *, reset: bool = False) -> None:
        """Read (after a reset, if asked) the station's counters off the UI thread; ``show`` gets them."""
        store, post = self.store, self.invoker.post

        def read() -> None:
            if reset:
                reset_counters(store)
            counters = read_counters(store)

            def deliver() -> None:
                try:
                    show(counters)
                except RuntimeError:  # the dialog was closed meanwhile
                    pass
            post(deliver)
        self._status_reader.submit(read)

    def _show_status(self, today: dict[str, int], free: int) -> None:
        self._status_reading = False
        labels = self.status_labels
        labels["today"].setText(translate("StationWindow", "Today: {visitors}, {photos}").format(
            visitors=plural(today["participants"], translate("StationWindow", "{n} visitor"),
                            translate("StationWindow", "{n} visitors")), photos=photos(today["photos"])))
        labels["disk"].setText(translate("StationWindow", "Disk: {gb} GB free").format(
            gb=locale().toString(free / 1e9, "f", 1)))
        self.status_read.emit()

    def _show_card_status(self) -> None:
        """Cards printed, or the printer's problem: the volunteer sees it, the visitor is never held."""
        label = self.status_labels["cards"]
        label.setText(self.souvenirs.status_text())
        label.setVisible(self.souvenirs.on)
        problem = bool(self.config.printer and self.souvenirs.service.problem)
        label.setStyleSheet("color: #ffd866" if problem else "")

    def visit_in_progress(self) -> bool:
        """Someone is between Start and the thank-you page."""
        return self.flow.stage in (Stage.CONSENT, *VISITOR_STAGES)

    def confirm_close(self) -> bool:
        """Closing mid-visit asks first (the visit can be resumed at the next start)."""
        if not self.visit_in_progress():
            return True
        answer = QMessageBox.question(
            self, translate("StationWindow", "A visit is in progress"),
            translate("StationWindow", "A visitor is in the middle of their visit. Close piday anyway? Their kept "
                      "photos are safe, and the visit can be resumed at the next start."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if event.spontaneous() and not (unlocked(self, self.config.kiosk_pin, "quit piday")
                                        and self.confirm_close()):  # the volunteer's close, not the program's
            event.ignore()
            return
        self._tick.stop()
        self._status_timer.stop()
        self._status_reader.shutdown(wait=True)  # before the store it reads is closed
        self.last_visitor.close()
        self.camera.stop()
        if self.map_window is not None:
            self.map_window.close()
        self.map_pane.detach()
        self.map.close()  # positions not yet saved are written first
        self.thumbs.close()
        self.souvenirs.close()  # a card being drawn is finished; a print stuck in a driver is not waited for
        if self.controller.engine is not None:
            self.controller.engine.close()  # unfinished vectors are redone at the next start
        if self._starting_engine is not None and self._starting_engine is not self.controller.engine:
            self._starting_engine.close()  # a model still loading
        self.controller.close()  # every queued write finishes first
        self.closing.emit()
        super().closeEvent(event)
