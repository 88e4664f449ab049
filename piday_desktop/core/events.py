"""A minimal signal for plain-Python models, so models stay free of Qt.

Views subscribe with ``connect``; the Qt layer re-emits onto the UI thread where needed.
A failing subscriber is logged and does not stop the others: one broken widget must not
stop a photo from being recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Signal:
    def __init__(self, name: str = "signal") -> None:
        self.name = name
        self._slots: list[Callable[..., Any]] = []
        self._lock = threading.Lock()

    def connect(self, slot: Callable[..., Any]) -> Callable[..., Any]:
        with self._lock:
            if slot not in self._slots:
                self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable[..., Any]) -> None:
        with self._lock:
            if slot in self._slots:
                self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        with self._lock:
            slots = list(self._slots)
        for slot in slots:
            try:
                slot(*args)
            except Exception:
                log.exception("subscriber %r of %s failed", slot, self.name)
