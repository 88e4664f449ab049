"""Deadlines for calls that have none: every request of the ``nomic`` client can block forever.

The client passes no timeout to ``requests`` (ATLAS_PROTOCOL.md §1), so a stalled service would
hold the uploader for good. A blocking call therefore runs on its own *daemon* thread and the
caller waits at most ``seconds`` for it. On expiry the call is abandoned, not killed (Python
cannot kill a thread): the thread ends when its socket is finally closed, and being a daemon it
never keeps the process from exiting (a ThreadPoolExecutor thread would, at interpreter exit).

Abandoned calls are counted so the status can say how many are still stuck.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_abandoned_lock = threading.Lock()
_abandoned: set[threading.Thread] = set()


class DeadlineExceeded(TimeoutError):
    """The call did not return in time; it may still complete later in the background."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not answer within {seconds:.0f} s" if seconds >= 1
                         else f"{what} did not answer within {seconds:.2f} s")
        self.what = what
        self.seconds = seconds


def call_with_deadline(fn: Callable[..., T], seconds: float, what: str, *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` and return its result, re-raise its error, or raise DeadlineExceeded."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 (handed to the waiting caller)
            box["error"] = exc
        finally:
            done.set()
            with _abandoned_lock:
                _abandoned.discard(threading.current_thread())

    worker = threading.Thread(target=target, name=f"atlas-call:{what}", daemon=True)
    worker.start()
    if not done.wait(seconds):
        with _abandoned_lock:
            if worker.is_alive():
                _abandoned.add(worker)
        raise DeadlineExceeded(what, seconds)
    if "error" in box:
        raise box["error"]
    return box["result"]


def abandoned_calls() -> int:
    """How many timed-out calls are still blocked in the background right now."""
    with _abandoned_lock:
        return sum(1 for t in _abandoned if t.is_alive())
