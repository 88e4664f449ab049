"""Measuring whether the UI thread ever stalls, from inside the event loop itself.

A timer asks to run every ``interval_ms``; how late each tick fires is exactly how long the
event loop was busy with something else. The station runs one all day (cheap: one timer) so
`piday` can log stalls, and the tests and `bench/ui_latency.py` read its figures.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer


class LagProbe(QObject):
    def __init__(self, interval_ms: int = 10, keep: int = 100_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self._keep = keep
        self.lags_ms: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self.lags_ms.clear()
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lags_ms.append(max(0.0, (now - self._last - self.interval) * 1000))
            if len(self.lags_ms) > self._keep:
                del self.lags_ms[: len(self.lags_ms) - self._keep]
        self._last = now

    def stats(self) -> dict[str, float]:
        if not self.lags_ms:
            return {"ticks": 0, "max_ms": 0.0, "p99_ms": 0.0, "median_ms": 0.0}
        arr = np.asarray(self.lags_ms)
        return {"ticks": len(arr), "max_ms": float(arr.max()), "p99_ms": float(np.percentile(arr, 99)),
                "median_ms": float(np.median(arr))}
