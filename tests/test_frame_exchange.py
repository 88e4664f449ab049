"""The newest-frame slot between the capture thread and the UI, without Qt.

What the station's preview relies on: a busy UI gets the newest frame, never a backlog, and
at most one wake-up is pending; switching or stopping interrupts the source being read.
Sources are the real test pattern (its interrupt is the real one).
"""

from __future__ import annotations

import threading

import numpy as np

from piday_desktop.capture import Frame, TestPatternSource
from piday_desktop.capture.frame_exchange import FrameExchange


def frame(number: int) -> Frame:
    return Frame.capture(np.zeros((2, 2, 3), np.uint8), number)


def in_thread(fn):
    """Run ``fn`` on another thread (as the capture thread would); returns (thread, results)."""
    results: list = []
    thread = threading.Thread(target=lambda: results.append(fn()), daemon=True)
    thread.start()
    return thread, results


def test_a_slow_consumer_gets_the_newest_frame_and_one_wake_up():
    exchange = FrameExchange()
    wakes = [exchange.publish(frame(n)) for n in range(5)]
    assert wakes == [True, False, False, False, False]  # one wake-up queued, however many frames
    assert exchange.peek().number == 4  # the shot looks without consuming the wake-up
    assert exchange.publish(frame(5)) is False
    assert exchange.take().number == 5  # the newest, not the first of a backlog
    assert exchange.publish(frame(6)) is True  # taken: the next frame wakes the consumer again
    assert exchange.captured == 7


def test_a_lost_source_leaves_no_frame_for_a_shot():
    exchange = FrameExchange()
    exchange.publish(frame(0))
    exchange.clear_latest()
    assert exchange.peek() is None and exchange.take() is None


def test_the_capture_thread_waits_for_a_source_and_ends_on_stop():
    exchange = FrameExchange()
    source = TestPatternSource((32, 32), fps=None)
    thread, got = in_thread(exchange.wait_for_source)
    exchange.hand_over(source)
    thread.join(5)
    assert got == [source] and exchange.current is source and not exchange.should_leave()

    thread, got = in_thread(exchange.wait_for_source)  # the source played out; wait again
    exchange.request_stop()
    thread.join(5)
    assert got == [None] and exchange.current is None


def test_switching_interrupts_the_source_being_read():
    exchange = FrameExchange()
    first, second = TestPatternSource((32, 32), fps=None), TestPatternSource((32, 32), fps=None)
    exchange.hand_over(first)
    assert exchange.wait_for_source() is first and not first.interrupted
    exchange.hand_over(second)
    assert first.interrupted and exchange.should_leave()  # the read loop leaves the first one
    assert exchange.wait_for_source() is second and not exchange.should_leave()
    exchange.request_stop()
    assert second.interrupted and exchange.should_leave()


def test_a_source_opened_after_stop_was_asked_is_interrupted_at_once():
    exchange = FrameExchange()
    source = TestPatternSource((32, 32), fps=None)
    exchange.hand_over(source)
    assert exchange.wait_for_source() is source
    exchange.request_stop()
    wrapper = TestPatternSource((32, 32), fps=None)  # e.g. the reconnect wrapper, set afterwards
    exchange.set_current(wrapper)
    assert wrapper.interrupted
