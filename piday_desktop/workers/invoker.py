"""Running a callable on the UI thread from any thread.

Plain-Python models and the station controller report results from worker threads; widgets
may only be touched on the UI thread. A queued Qt signal carrying the callable is the
standard, lock-free way to hop threads.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot


class UiInvoker(QObject):
    """Create on the UI thread; ``post(fn)`` from anywhere runs ``fn()`` there, in order."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], None]) -> bool:
        """Queue ``fn`` for the UI thread; False (and dropped) if the UI is already gone.

        A worker that finishes after the station closed (the Settings' model list arrives from
        its child process a few seconds after a Ctrl-C) must not die with "Signal source has
        been deleted": there is nothing left to update. A caller holding something the UI was
        to take over (a model's process) learns from the False that it must release it itself.
        """
        try:
            self._call.emit(fn)
        except RuntimeError:  # the invoker's Qt object was deleted with its window
            return False
        return True

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()
