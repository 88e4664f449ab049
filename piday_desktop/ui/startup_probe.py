"""When is the station window really on screen? Its first paint, logged and optionally printed.

The start-up promise (window within 2 s, torch later) is only worth something if it is measured
where a volunteer sees it: ``bench/startup.py`` starts fresh processes with
``PIDAY_STARTUP_PROBE=1`` and reads the line printed here at the first paint; ``=exit`` also
closes the window right after, for smoke tests of a bundle.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

ENV = "PIDAY_STARTUP_PROBE"
LINE = "PIDAY_WINDOW_SHOWN"  # followed by the wall-clock time (time.time()) of the first paint


class FirstPaint(QObject):
    """Watches ``window`` for its first paint; reports once, then removes itself."""

    def __init__(self, window: QWidget, started: float) -> None:
        super().__init__(window)
        self._window = window
        self._started = started
        self._seen = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            # Report after this paint has been drawn and flushed, not before.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        self._window.removeEventFilter(self)
        now = time.time()
        since_process = process_age()
        log.info("window on screen %.2f s after the process started (%.2f s after the station set-up began)",
                 since_process if since_process is not None else float("nan"), time.perf_counter() - self._started)
        mode = os.environ.get(ENV, "").strip().lower()
        if mode:
            print(f"{LINE} {now:.6f}", file=sys.stdout, flush=True)
        if mode == "exit":
            self._window.close()


def process_age() -> float | None:
    """Seconds since this process started (Linux: from /proc; elsewhere None)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(float(line.split()[1]) for line in fh if line.startswith("btime"))
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return None
    return max(time.time() - started, 0.0)


def watch_first_paint(window: QWidget, started: float) -> FirstPaint:
    """Log (and print when ``PIDAY_STARTUP_PROBE`` is set) the window's first paint."""
    return FirstPaint(window, started)
