"""The layout worker: lays out only the newest set of points, off the caller's thread.

Threading model (plain ``threading``, no Qt; the Qt layer marshals the callback to the UI thread):

* ``request(ids, vectors)`` may be called from any thread, as often as wanted; it only stores the
  set as "pending" (replacing any older pending set) and returns at once. That is the coalescing:
  ten photos embedded during one layout produce one more layout, not ten.
* One daemon thread, ``piday-layout``, owns the ``LayoutModel``. It takes the newest pending set,
  runs the quick update (milliseconds), and calls ``on_result`` with a ``LayoutResult``. It is the
  only thread that ever calls ``on_result``, so results arrive in order, each with a larger
  ``version`` than the last: a stale result can never follow a newer one.
* When the model says a refit is due (and umap's warm-up is done), a second daemon thread,
  ``piday-layout-refit``, runs the UMAP fit on a snapshot. Its result goes back through the layout
  thread, which aligns it to the map as it is by then and delivers it as a new version. At most one
  refit runs at a time; photos keep being placed quickly meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.layout import Layout, LayoutModel, RefitJob, RefitResult
from piday_desktop.projection.warmup import WarmUp, warm_up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LayoutResult:
    """A delivered map. ``version`` grows with every delivery; ``request`` is the number
    ``request()`` returned for the newest set this map contains (a refit of an unchanged set
    delivers a new version with the same request number). ``seconds`` is the work that produced it.
    """

    version: int
    request: int
    layout: Layout
    seconds: float

    @property
    def kind(self) -> str:
        return self.layout.method


@dataclass
class WorkerStats:
    requests: int = 0
    layouts: int = 0  # quick updates actually computed (requests minus coalesced ones)
    refits: int = 0
    refit_failures: int = 0
    delivered: int = 0


class LayoutWorker:
    """Coalescing background layout for the live map. See the module docstring for threads."""

    def __init__(
        self,
        on_result: Callable[[LayoutResult], None],
        *,
        model: LayoutModel | None = None,
        config: LayoutConfig | None = None,
        warm: WarmUp | None = None,
        refit: bool = True,
    ) -> None:
        """``warm``: the warm-up handle to wait for before the first refit (default: start the
        process-wide one). ``refit=False`` keeps the quick layouts only (tests, slow machines).
        """
        self._on_result = on_result
        self._model = model or LayoutModel(config)
        self._refit_enabled = refit
        self._warm = warm if warm is not None else (warm_up() if refit else None)
        self._cond = threading.Condition()
        self._pending: tuple[int, list[str], np.ndarray] | None = None
        self._refit_done: RefitResult | None = None
        self._refit_running = False
        self._poke = False  # "look again": warm-up finished or a refit failed
        self._closing = False
        self._busy = False
        self._request_seq = 0
        self._version = 0
        self._current_request = 0
        self._retry_at_len = 0  # after a failed refit, wait for this many points before retrying
        self.stats = WorkerStats()
        self.last_error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="piday-layout", daemon=True)
        self._thread.start()
        if self._warm is not None:
            self._warm.add_done_callback(lambda _w: self._wake())

    # -- public API (any thread) --------------------------------------------------------------

    def request(self, ids: Sequence[str], vectors: np.ndarray) -> int:
        """Ask for a layout of exactly this set; returns its request number. Never blocks on work.

        The arrays are copied, so the caller may reuse its buffers.
        """
        ids = list(ids)
        vectors = np.array(vectors, dtype=np.float32, copy=True)
        with self._cond:
            if self._closing:
                raise RuntimeError("layout worker is closed")
            self._request_seq += 1
            self.stats.requests += 1
            self._pending = (self._request_seq, ids, vectors)
            self._cond.notify_all()
            return self._request_seq

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no request is pending, nothing is being laid out and no refit runs.

        For headless tools and tests; the UI never calls it. Returns False on timeout. A refit that
        is due but waits for umap's warm-up does not count as running.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._busy or self._refit_running or self._refit_done is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop the layout thread; a refit still running is abandoned (it is a daemon thread)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def model(self) -> LayoutModel:
        """The model, for reading by the owner thread only after ``close()`` or ``wait_idle()``."""
        return self._model

    # -- layout thread ------------------------------------------------------------------------

    def _wake(self) -> None:
        with self._cond:
            self._poke = True
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not (self._closing or self._pending or self._refit_done or self._poke):
                    self._cond.wait()
                if self._closing:
                    return
                pending, self._pending = self._pending, None
                done, self._refit_done = self._refit_done, None
                self._poke = False
                self._busy = True
            try:
                if done is not None:
                    # With a newer set waiting, its delivery will carry the refit too.
                    self._adopt(done, deliver=pending is None)
                if pending is not None:
                    self._update(*pending)
                self._maybe_start_refit()
            except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad request
                log.exception("layout failed")
                self.last_error = exc
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _update(self, request: int, ids: list[str], vectors: np.ndarray) -> None:
        t0 = time.perf_counter()
        layout = self._model.update(ids, vectors)
        self.stats.layouts += 1
        self._current_request = request
        self._deliver(layout, time.perf_counter() - t0)

    def _adopt(self, result: RefitResult, *, deliver: bool) -> None:
        t0 = time.perf_counter()
        layout = self._model.adopt(result)
        if deliver:
            self._deliver(layout, result.seconds + time.perf_counter() - t0)

    def _deliver(self, layout: Layout, seconds: float) -> None:
        self._version += 1
        self.stats.delivered += 1
        try:
            self._on_result(LayoutResult(self._version, self._current_request, layout, seconds))
        except Exception:  # noqa: BLE001 - a faulty receiver must not stop the layouts
            log.exception("layout result callback failed")

    def _maybe_start_refit(self) -> None:
        if not self._refit_enabled or self._refit_running or not self._model.refit_due():
            return
        if len(self._model) < self._retry_at_len:
            return
        if self._warm is not None and not self._warm.ready.is_set():
            return  # the warm-up's done-callback pokes us
        if self._warm is not None and self._warm.error is not None:
            return  # no umap: the map stays on quick layouts
        job = self._model.refit_job()
        if job is None:
            return
        with self._cond:
            self._refit_running = True
        threading.Thread(target=self._run_refit, args=(job,), name="piday-layout-refit", daemon=True).start()

    def _run_refit(self, job: RefitJob) -> None:
        try:
            result = job.run()
        except Exception as exc:  # noqa: BLE001
            log.exception("UMAP refit failed; keeping the quick layout")
            self.last_error = exc
            with self._cond:
                self.stats.refit_failures += 1
                self._retry_at_len = len(job.ids) + job.config.refit_min_new
                self._refit_running = False
                self._cond.notify_all()
            return
        with self._cond:
            self.stats.refits += 1
            self._refit_done = result
            self._refit_running = False
            self._cond.notify_all()
