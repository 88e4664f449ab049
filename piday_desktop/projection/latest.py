"""Newest-wins background work: while one item runs, only the latest of those put meanwhile waits.

The map's feed, cluster naming and search each own one: a burst of photos (or of keystrokes)
costs one run for the burst, not one per item, and nothing queues up behind a slow run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Latest:
    """Run ``fn(item)`` on its own thread for the newest item only; older waiting items are dropped."""

    def __init__(self, name: str, fn: Callable[[object], None]) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._fn = fn
        self._lock = threading.Lock()
        self._item: object = None
        self._has = False
        self._scheduled = False

    def put(self, item: object) -> None:
        with self._lock:
            self._item, self._has = item, True
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._executor.submit(self._run)
        except RuntimeError:  # executor shut down: closing
            pass

    def close(self) -> None:
        """Drop what waits; a run in progress finishes on its own (daemon-like, never joined)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._has:
                    self._scheduled = False
                    return
                item, self._item, self._has = self._item, None, False
            try:
                self._fn(item)
            except Exception:  # noqa: BLE001
                log.exception("map background job failed")
