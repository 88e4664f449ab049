"""The visitor flow as an explicit state machine, with a failsafe state.

idle -> consent -> preview -> countdown -> review -> (preview ... ) -> done -> idle
                                   any state -> failsafe -> idle

The machine holds no I/O: it decides, and announces its decisions as intents (``requests``)
that a controller carries out off the UI thread (create the participant, capture and store a
photo, keep or discard it, finish). The controller reports back with ``participant_ready``,
``photo_stored`` and ``fail``. Keeping the decisions pure makes every transition testable
without a window, a camera or a disk, and gives one place that says what each key does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ..core.events import Signal
from ..core.consent import Consent, may_keep
from ..core.i18n import QT_TRANSLATE_NOOP

# What the flow says is English marked for translation (core/i18n.py); the window shows it translated.
NO_PICTURE = QT_TRANSLATE_NOOP("VisitorFlow", "The camera gives no picture, so no visit can start. "
                               "Choose another camera or the test pattern below.")
REMOTE_SHUTTER = QT_TRANSLATE_NOOP("VisitorFlow", "Take the photo with the camera: it appears here by itself.")
NO_VISIT_FOR_FILE = QT_TRANSLATE_NOOP("VisitorFlow", "A photo came from the camera while nobody was being "
                                      "photographed: not stored (it stays in the hot folder). Start a visit first.")
NO_PHOTOS_TAKEN = QT_TRANSLATE_NOOP("VisitorFlow", "No photos were taken or saved. Thank you for visiting!")


class Stage(str, Enum):
    IDLE = "idle"  # attract screen
    CONSENT = "consent"  # new participant: nickname and consent choices
    PREVIEW = "preview"  # live mirrored preview, ready to shoot
    COUNTDOWN = "countdown"
    CAPTURING = "capturing"  # shutter fired, waiting for the photo to be stored
    REVIEW = "review"  # the photo big on screen: keep / retake / delete
    DONE = "done"  # thanks (and the QR code, later)
    FAILSAFE = "failsafe"  # what happened / what to do; back to idle on dismiss


class Key(str, Enum):
    SHOOT = "shoot"  # Space
    ACCEPT = "accept"  # Enter: keep / finish / confirm
    RETAKE = "retake"  # Backspace
    DELETE = "delete"  # Delete
    CANCEL = "cancel"  # Esc


@dataclass(frozen=True)
class FlowSettings:
    shots_per_visitor: int = 3
    countdown_s: float = 3.0
    #: A key press this soon after the last one acted on is a bounce (or a nervous double
    #: press) and is ignored, like pibooth's debounce: one press, one step.
    debounce_s: float = 0.3


@dataclass(frozen=True)
class Failure:
    what: str  # what happened, in words a volunteer understands
    todo: str  # what to do about it


@dataclass
class Visit:
    """The participant being photographed now."""

    consent: Consent
    nickname: str | None = None
    participant_id: str | None = None
    code: str | None = None
    kept: list[str] = field(default_factory=list)  # photo ids
    under_review: str | None = None  # photo id stored but not yet kept


class Requests:
    """Intents the controller carries out. Each is a signal so views may listen as well."""

    def __init__(self) -> None:
        self.create_participant = Signal("create_participant")  # (Visit)
        self.capture = Signal("capture")  # (Visit)
        self.capture_file = Signal("capture_file")  # (Visit, path): a tethered camera's file is the shot
        self.keep = Signal("keep")  # (photo_id)
        self.discard = Signal("discard")  # (photo_id)
        self.finish = Signal("finish")  # (Visit)


class VisitorFlow:
    def __init__(self, settings: FlowSettings = FlowSettings(), clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self.stage = Stage.IDLE
        self.visit: Visit | None = None
        self.failure: Failure | None = None
        self.notice: str | None = None  # a short message for the idle screen
        self._countdown_started: float | None = None
        self._last_press: float | None = None
        #: Whether the camera gives a picture now (the view keeps it true). No visit starts
        #: without one: a visitor would give consent and count down on black for nothing.
        self.camera_live = True
        #: The camera has its own shutter (a tethered camera's hot folder): its files are the
        #: shots (:meth:`file_arrived`), so Space does not shoot the preview a second time.
        self.remote_shutter = False
        self.changed = Signal("changed")  # (Stage)
        self.requests = Requests()

    # --- helpers -----------------------------------------------------------------------

    def _go(self, stage: Stage) -> None:
        self.stage = stage
        self.changed.emit(stage)

    @property
    def shots_left(self) -> int:
        return 0 if self.visit is None else max(0, self.settings.shots_per_visitor - len(self.visit.kept))

    def countdown_remaining(self) -> float:
        if self.stage is not Stage.COUNTDOWN or self._countdown_started is None:
            return 0.0
        return max(0.0, self.settings.countdown_s - (self._clock() - self._countdown_started))

    @property
    def would_drop_photo(self) -> bool:
        """Esc now would throw away a photo the visitor has not decided on: ask first."""
        return self.visit is not None and self.visit.under_review is not None

    # --- visitor actions ---------------------------------------------------------------

    def start(self) -> None:
        if self.stage not in (Stage.IDLE, Stage.DONE):
            return
        self.visit = None
        if not self.camera_live:
            self.notice = NO_PICTURE
            self._go(Stage.IDLE)
            return
        self.notice = None
        self._go(Stage.CONSENT)

    def give_consent(self, consent: Consent, nickname: str | None = None) -> None:
        if self.stage is not Stage.CONSENT:
            return
        if not may_keep(consent):
            self.visit = None
            self.notice = NO_PHOTOS_TAKEN
            self._go(Stage.IDLE)
            return
        self.visit = Visit(consent=consent, nickname=(nickname or "").strip() or None)
        self.requests.create_participant.emit(self.visit)
        self._go(Stage.PREVIEW)

    def resume(self, participant_id: str, code: str, consent: Consent, kept: list[str],
               under_review: str | None, nickname: str | None = None) -> None:
        """Go on with a visit a crash or a close left open: back to the photo under review, or
        to the preview for the shots still to take (done if none are left)."""
        if self.stage is not Stage.IDLE:
            return
        self.visit = Visit(consent=consent, nickname=nickname, participant_id=participant_id, code=code,
                           kept=list(kept), under_review=under_review)
        self.notice = None
        if under_review is not None:
            self._go(Stage.REVIEW)
        elif self.shots_left > 0:
            self._go(Stage.PREVIEW)
        else:
            self.requests.finish.emit(self.visit)
            self._go(Stage.DONE)

    def participant_ready(self, participant_id: str, code: str) -> None:
        if self.visit is not None:
            self.visit.participant_id, self.visit.code = participant_id, code
            self.changed.emit(self.stage)

    def shoot(self) -> None:
        if self.stage is Stage.PREVIEW and self.remote_shutter:
            self.notice = REMOTE_SHUTTER
            self.changed.emit(self.stage)
            return
        if self.stage is Stage.PREVIEW and self.shots_left > 0:
            self.notice = None
            self._countdown_started = self._clock()
            self._go(Stage.COUNTDOWN)

    def file_arrived(self, path: str) -> bool:
        """A tethered camera's photo landed in the hot folder: the visitor's next shot, as if the
        shutter had fired here (no countdown: the photographer chose the moment), then review.

        False when nobody is being photographed (idle, consent, review, done): the file is not
        stored by the station and stays in the hot folder, and the view says so.
        """
        if self.stage not in (Stage.PREVIEW, Stage.COUNTDOWN) or self.visit is None or self.shots_left <= 0:
            return False
        self._countdown_started, self.notice = None, None
        self._go(Stage.CAPTURING)
        self.requests.capture_file.emit(self.visit, path)
        return True

    def shot_refused(self, why: str) -> None:
        """The shot could not be stored for a reason the visitor can shoot again for (the same
        file twice): back to the preview with the reason, nothing lost, the visit goes on."""
        if self.stage is Stage.CAPTURING:
            self.notice = why
            self._go(Stage.PREVIEW)

    def tick(self) -> None:
        """Called by the view's timer; fires the shutter when the countdown ends."""
        if self.stage is Stage.COUNTDOWN and self.countdown_remaining() <= 0:
            self._countdown_started = None
            self._go(Stage.CAPTURING)
            self.requests.capture.emit(self.visit)

    def photo_stored(self, photo_id: str) -> None:
        if self.stage is Stage.CAPTURING and self.visit is not None:
            self.visit.under_review = photo_id
            self._go(Stage.REVIEW)

    def keep(self) -> None:
        if self.stage is Stage.REVIEW and self.visit and self.visit.under_review:
            photo_id, self.visit.under_review = self.visit.under_review, None
            self.visit.kept.append(photo_id)
            self.requests.keep.emit(photo_id)
            if self.shots_left == 0:
                self.finish()
            else:
                self._go(Stage.PREVIEW)

    def retake(self) -> None:
        if self.stage is Stage.REVIEW and self._discard_review():
            self._countdown_started = self._clock()
            self._go(Stage.COUNTDOWN)

    def delete(self) -> None:
        if self.stage is Stage.REVIEW and self._discard_review():
            self._go(Stage.PREVIEW)

    @property
    def can_finish(self) -> bool:
        """Finishing needs a photo: a visit is never ended with none by a stray Enter."""
        return self.visit is not None and bool(self.visit.kept or self.visit.under_review)

    def finish(self) -> None:
        if self.visit is not None and self.stage in (Stage.PREVIEW, Stage.REVIEW) and self.can_finish:
            if self.visit.under_review:
                self.keep()  # Enter on a photo under review keeps it, then finishes
                if self.stage is Stage.DONE:
                    return
            self.requests.finish.emit(self.visit)
            self._go(Stage.DONE)

    def cancel(self) -> None:
        """Esc: back to idle. Kept photos stay; a photo under review is dropped (the view asks first)."""
        if self.stage in (Stage.IDLE, Stage.FAILSAFE):
            self.dismiss_failure()
            return
        self._discard_review()
        if self.visit is not None and self.visit.kept and self.stage in (Stage.PREVIEW, Stage.REVIEW):
            self.requests.finish.emit(self.visit)  # photos were kept: they get their thank-you page
            self._countdown_started = None
            self._go(Stage.DONE)
            return
        if self.visit is not None:
            # Always: the controller closes the row in write order, even if it is not created yet.
            self.requests.finish.emit(self.visit)
        self.visit, self._countdown_started = None, None
        self._go(Stage.IDLE)

    def take_press(self) -> bool:
        """Whether a key press now is a new press (True, and it is recorded) or a bounce.

        Views call it for keys they handle themselves (Enter on the consent page) so every
        station key shares one debounce."""
        now = self._clock()
        if self._last_press is not None and now - self._last_press < self.settings.debounce_s:
            return False
        self._last_press = now
        return True

    def press(self, key: Key) -> None:
        """The keyboard (or a foot pedal): one place that says what each key does in each stage.

        Enter in the preview finishes only once a photo is kept; presses closer together than
        ``debounce_s`` count once."""
        actions = {
            Key.SHOOT: {Stage.IDLE: self.start, Stage.DONE: self.start, Stage.PREVIEW: self.shoot},
            Key.ACCEPT: {Stage.REVIEW: self.keep, Stage.PREVIEW: self.finish, Stage.DONE: self.reset,
                         Stage.FAILSAFE: self.dismiss_failure, Stage.IDLE: self.start},
            Key.RETAKE: {Stage.REVIEW: self.retake},
            Key.DELETE: {Stage.REVIEW: self.delete},
            Key.CANCEL: {s: self.cancel for s in Stage},
        }
        action = actions[key].get(self.stage)
        if action is None or (key is Key.ACCEPT and self.stage is Stage.PREVIEW and not self.can_finish):
            return
        if self.take_press():
            action()

    def reset(self) -> None:
        self.visit = None
        self._go(Stage.IDLE)

    # --- failsafe ----------------------------------------------------------------------

    def fail(self, what: str, todo: str) -> None:
        """Anything unexpected lands here. Kept photos are already safe; nothing is dropped."""
        self.failure = Failure(what, todo)
        if self.visit is not None:
            # A photo under review is kept rather than lost: the visitor can delete it later.
            if self.visit.under_review:
                self.visit.kept.append(self.visit.under_review)
                self.requests.keep.emit(self.visit.under_review)
                self.visit.under_review = None
            self.requests.finish.emit(self.visit)
        self.visit, self._countdown_started = None, None
        self._go(Stage.FAILSAFE)

    def dismiss_failure(self) -> None:
        if self.stage is Stage.FAILSAFE:
            self.failure = None
            self._go(Stage.IDLE)

    def _discard_review(self) -> bool:
        if self.visit is None or self.visit.under_review is None:
            return False
        photo_id, self.visit.under_review = self.visit.under_review, None
        self.requests.discard.emit(photo_id)
        return True
