"""The visitor flow state machine alone: every transition, no window, no camera, no disk."""

from __future__ import annotations

from piday_desktop.core.store import Consent
from piday_desktop.station.visitor_flow import FlowSettings, Key, Stage, VisitorFlow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recorder(flow: VisitorFlow) -> list[tuple]:
    log: list[tuple] = []
    r = flow.requests
    r.create_participant.connect(lambda v: log.append(("create", v.nickname)))
    r.capture.connect(lambda v: log.append(("capture",)))
    r.keep.connect(lambda pid: log.append(("keep", pid)))
    r.discard.connect(lambda pid: log.append(("discard", pid)))
    r.finish.connect(lambda v: log.append(("finish", tuple(v.kept))))
    return log


def shoot(flow: VisitorFlow, clock: Clock, photo_id: str) -> None:
    flow.press(Key.SHOOT)
    assert flow.stage is Stage.COUNTDOWN
    clock.now += 1.0
    flow.tick()
    assert flow.stage is Stage.COUNTDOWN and 1.9 < flow.countdown_remaining() <= 2.0
    clock.now += 2.0
    flow.tick()
    assert flow.stage is Stage.CAPTURING
    flow.photo_stored(photo_id)
    assert flow.stage is Stage.REVIEW


def test_whole_visit_three_shots_with_a_retake():
    clock = Clock()
    flow = VisitorFlow(FlowSettings(shots_per_visitor=3, countdown_s=3, debounce_s=0), clock=clock)
    log = recorder(flow)
    flow.press(Key.SHOOT)
    assert flow.stage is Stage.CONSENT
    flow.give_consent(Consent(map=True), nickname="  Ada ")
    flow.participant_ready("uuid-1", "P-001")
    assert flow.stage is Stage.PREVIEW and flow.visit.code == "P-001"
    shoot(flow, clock, "a")
    flow.press(Key.ACCEPT)
    shoot(flow, clock, "b")
    flow.press(Key.RETAKE)  # straight into a new countdown
    assert flow.stage is Stage.COUNTDOWN
    clock.now += 3
    flow.tick()
    flow.photo_stored("c")
    flow.press(Key.ACCEPT)
    shoot(flow, clock, "d")
    flow.press(Key.ACCEPT)  # third kept photo finishes the visit
    assert flow.stage is Stage.DONE
    assert log == [("create", "Ada"), ("capture",), ("keep", "a"), ("capture",), ("discard", "b"), ("capture",),
                   ("keep", "c"), ("capture",), ("keep", "d"), ("finish", ("a", "c", "d"))]
    flow.press(Key.ACCEPT)
    assert flow.stage is Stage.IDLE and flow.visit is None


def test_refused_consent_saves_nothing():
    flow = VisitorFlow()
    log = recorder(flow)
    flow.start()
    flow.give_consent(Consent(local=False))
    assert flow.stage is Stage.IDLE and log == [] and "No photos" in flow.notice


def test_escape_drops_only_the_photo_under_review():
    clock = Clock()
    flow = VisitorFlow(clock=clock)
    log = recorder(flow)
    flow.start()
    flow.give_consent(Consent())
    flow.participant_ready("u", "P-001")
    shoot(flow, clock, "a")
    flow.keep()
    shoot(flow, clock, "b")
    assert flow.would_drop_photo
    flow.press(Key.CANCEL)
    assert flow.stage is Stage.DONE  # a photo was kept: the thank-you page, not straight to the start
    assert ("keep", "a") in log and ("discard", "b") in log and log[-1] == ("finish", ("a",))


def test_enter_in_preview_finishes_early_once_a_photo_is_kept_never_with_none():
    clock = Clock()
    flow = VisitorFlow(FlowSettings(shots_per_visitor=2, debounce_s=0), clock=clock)
    log = recorder(flow)
    flow.start()
    flow.give_consent(Consent())
    flow.press(Key.ACCEPT)  # a second Enter right after consent (issue 11): no empty visit
    flow.participant_ready("u", "P-001")
    assert flow.stage is Stage.PREVIEW and not flow.can_finish
    shoot(flow, clock, "a")
    flow.delete()
    flow.press(Key.ACCEPT)
    flow.finish()  # the button's action refuses too
    assert flow.stage is Stage.PREVIEW and ("finish", ()) not in log
    shoot(flow, clock, "b")
    flow.keep()
    flow.press(Key.ACCEPT)
    assert flow.stage is Stage.DONE and log[-1] == ("finish", ("b",))


def test_presses_closer_than_the_debounce_count_once():
    """A bouncing pedal or a nervous double press: one step, not a visit per bounce."""
    clock = Clock()
    flow = VisitorFlow(FlowSettings(debounce_s=0.3), clock=clock)
    flow.press(Key.SHOOT)
    assert flow.stage is Stage.CONSENT
    clock.now += 0.1
    flow.press(Key.CANCEL)  # a bounce 0.1 s later is ignored
    assert flow.stage is Stage.CONSENT
    assert not flow.take_press()  # and so is a view's own key (Enter on the consent page)
    clock.now += 0.3
    flow.press(Key.CANCEL)
    assert flow.stage is Stage.IDLE


def test_a_visit_ended_before_its_row_exists_is_still_closed():
    """Esc right after consent: the finish intent goes out even without a participant id yet,
    so the controller (in write order) closes the row instead of leaving it open."""
    flow = VisitorFlow(FlowSettings(debounce_s=0))
    log = recorder(flow)
    flow.start()
    flow.give_consent(Consent())
    flow.press(Key.CANCEL)
    assert flow.stage is Stage.IDLE and log == [("create", None), ("finish", ())]


def test_failsafe_keeps_photos_and_returns_to_idle():
    clock = Clock()
    flow = VisitorFlow(clock=clock)
    log = recorder(flow)
    flow.start()
    flow.give_consent(Consent())
    flow.participant_ready("u", "P-001")
    shoot(flow, clock, "a")
    flow.fail("The camera stopped sending pictures.", "Check the cable, then press Enter.")
    assert flow.stage is Stage.FAILSAFE and flow.failure.todo.startswith("Check")
    assert ("keep", "a") in log and ("discard", "a") not in log
    flow.press(Key.ACCEPT)
    assert flow.stage is Stage.IDLE and flow.failure is None


def test_keys_that_mean_nothing_in_a_stage_are_ignored():
    flow = VisitorFlow()
    for key in (Key.RETAKE, Key.DELETE, Key.CANCEL):
        flow.press(key)
        assert flow.stage is Stage.IDLE


def test_a_visit_left_open_is_resumed_where_it_stopped():
    clock = Clock()
    flow = VisitorFlow(FlowSettings(shots_per_visitor=3, debounce_s=0), clock=clock)
    log = recorder(flow)
    flow.resume("u", "P-004", Consent(), kept=["a"], under_review="b")
    assert flow.stage is Stage.REVIEW and flow.visit.code == "P-004" and flow.shots_left == 2
    flow.press(Key.ACCEPT)  # the visitor keeps the photo they had not decided on
    assert flow.stage is Stage.PREVIEW and log == [("keep", "b")]
    shoot(flow, clock, "c")
    flow.press(Key.ACCEPT)
    assert flow.stage is Stage.DONE and log[-1] == ("finish", ("a", "b", "c"))
