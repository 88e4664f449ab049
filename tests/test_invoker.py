"""Posting results to the UI thread from worker threads, thousands of times (a day at the stand)."""

from __future__ import annotations

import threading

from piday_desktop.workers.invoker import UiInvoker


def test_posts_from_a_thread_all_run_in_order_on_the_ui_thread(qtbot):
    invoker = UiInvoker()
    ran: list[int] = []
    threads: set[int] = set()

    def work() -> None:
        for i in range(3000):  # PySide6 6.12.0 aborted the process after a few hundred of these
            invoker.post(lambda i=i: (ran.append(i), threads.add(threading.get_ident())))

    t = threading.Thread(target=work)
    t.start()
    qtbot.waitUntil(lambda: len(ran) == 3000, timeout=20_000)
    t.join()
    assert ran == list(range(3000))
    assert threads == {threading.get_ident()}


def test_a_worker_posting_after_its_window_is_gone_is_dropped_quietly(qtbot):
    """The Settings' model list can arrive after the station closed: no traceback, nothing run."""
    import threading

    from PySide6.QtWidgets import QWidget

    from piday_desktop.workers.invoker import UiInvoker

    parent = QWidget()
    invoker = UiInvoker(parent)
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(invoker), timeout=3_000)
    ran, errors = [], []

    def worker() -> None:
        try:
            invoker.post(lambda: ran.append(1))
        except Exception as exc:  # noqa: BLE001 - what the test is about
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert errors == [] and ran == []


def _alive(obj) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)
