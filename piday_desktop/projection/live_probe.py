"""The live "you are here" probe: where would the person in front of the camera land on the map?

While a visitor stands in the preview, one thread takes the newest camera frame a few times a
second, embeds it with the station's engine and places the vector on the map with the same
placement new photos get. It never queues frames: one frame is in flight at a time and frames
that arrive meanwhile are simply not looked at.

It must never slow a shot. Three rules see to that:

* it only submits when the engine has nothing else outstanding (a shot being embedded, or a
  photo taken before the model was ready), and never with priority;
* the station holds it (``hold``) just before and during the shutter, so no probe frame is in
  the model when the shot arrives;
* its rate adapts to the measured embedding time so that it keeps the model busy at most
  ``max_duty`` of the time: with ViT-B-32 on a 2-core CPU (~0.15 s a frame) that is about 2 Hz,
  with a GPU it runs at ``rate_hz``.

Plain ``threading``; the caller marshals ``on_marker`` to its own thread. The loop runs on an
``executor`` (default: its own thread) and measures time with ``clock``; each look at a frame is
one :meth:`LiveProbe.tick`, which tests drive directly with their own clock.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

#: Frames are shrunk to this shorter side before embedding (CLIP sees 224 px anyway).
PROBE_SIDE = 256


@dataclass
class ProbeStats:
    embedded: int = 0  # frames embedded and placed
    skipped_busy: int = 0  # ticks skipped because the engine had other work
    failed: int = 0
    latency_s: float = 0.0  # smoothed time from frame to vector
    interval_s: float = 0.0  # current time between frames


def encode_frame(frame: np.ndarray, side: int = PROBE_SIDE) -> bytes:
    """A small JPEG of an RGB frame: cheap to hand to the engine's ordinary decode path."""
    img = Image.fromarray(np.ascontiguousarray(frame), "RGB")
    short = min(img.size)
    if short > side:
        scale = side / short
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                         Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


class LiveProbe:
    """Embeds the live preview now and then and reports where it would land.

    ``on_marker(session, xy)`` is called on the probe's thread with the session number current
    when the frame was taken; the receiver drops it if the session has changed since (the
    visitor left) — see :attr:`session`.
    """

    def __init__(
        self,
        grab: Callable[[], np.ndarray | None],
        engine: Callable[[], object | None],
        place: Callable[[np.ndarray], tuple[float, float] | None],
        on_marker: Callable[[int, tuple[float, float] | None], None],
        *,
        rate_hz: float = 4.0,
        max_duty: float = 0.3,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        executor: Executor | None = None,
    ) -> None:
        """
        :param clock: what latency and the time between frames are measured with.
        :param executor: where the loop runs (it holds one worker for the probe's life);
            default a thread of its own, shut down by :meth:`close`.
        """
        self._grab = grab
        self._engine = engine
        self._place = place
        self._on_marker = on_marker
        self._clock = clock
        self.min_interval = 1.0 / rate_hz
        self.max_duty = max_duty
        self.timeout_s = timeout_s
        self.stats = ProbeStats(interval_s=self.min_interval)
        self._cond = threading.Condition()
        self._active = False
        self._held = False
        self._closed = False
        self._session = 0
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="piday-live-probe")
        self._loop_thread: threading.Thread | None = None
        self._running: Future = self._executor.submit(self._loop)

    # -- control (any thread) ----------------------------------------------------------------

    @property
    def session(self) -> int:
        return self._session

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        """Someone is (True) or is no longer (False) in front of the camera. Each start is a new session."""
        with self._cond:
            if active == self._active:
                return
            self._active = active
            if active:
                self._session += 1
            self._cond.notify_all()

    @property
    def held(self) -> bool:
        """Paused (the shutter, or the visitor looking at their photo): the marker stays put."""
        return self._held

    def hold(self, held: bool) -> None:
        """Stop submitting frames for now (the shutter is about to fire); the marker stays."""
        with self._cond:
            self._held = held
            self._cond.notify_all()

    def close(self) -> None:
        """Stop; waits (up to 2 s) for a frame in flight unless called from the probe's loop."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if threading.current_thread() is not self._loop_thread:
            try:
                self._running.result(2.0)
            except Exception:  # noqa: BLE001 - timed out or never ran: nothing more to stop
                pass
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # -- probe thread ------------------------------------------------------------------------

    def tick(self) -> float | None:
        """One look at the newest frame if someone is there; seconds until the next look.

        None when there is nothing to do (nobody there, held, closed). After a frame the wait
        keeps the model busy at most ``max_duty`` of the time (latency * (1 - d) / d); after
        a skipped look (engine busy or loading, no frame, a failure) it is 0.1 s.
        """
        with self._cond:
            if self._closed or not self._active or self._held:
                return None
            session = self._session
        started = self._clock()
        try:
            done = self._probe_once(session)
        except Exception:  # noqa: BLE001 - a probe failure must never reach the station
            log.exception("live probe failed")
            self.stats.failed += 1
            done = False
        if not done:
            return 0.1
        interval = max(self.min_interval, self.stats.latency_s / self.max_duty)
        self.stats.interval_s = interval
        return max(0.0, started + interval - self._clock())

    def _loop(self) -> None:
        self._loop_thread = threading.current_thread()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or (self._active and not self._held))
                if self._closed:
                    return
            delay = self.tick()
            if delay:
                with self._cond:
                    self._cond.wait_for(lambda: self._closed, timeout=delay)

    def _probe_once(self, session: int) -> bool:
        engine = self._engine()
        if engine is None or not getattr(engine, "ready", False):
            return False
        if engine.queue_length > 0:  # a shot (or a backlog) is being embedded: stay out of its way
            self.stats.skipped_busy += 1
            return False
        frame = self._grab()
        if frame is None:
            return False
        t0 = self._clock()
        try:
            future = engine.submit(encode_frame(frame))
        except RuntimeError:  # the engine is closing (the station is shutting down)
            return False
        try:
            vector = future.result(timeout=self.timeout_s)
        except Exception:  # noqa: BLE001 - closed engine, timeout, bad frame: just skip it
            future.cancel()
            self.stats.failed += 1
            return False
        latency = self._clock() - t0
        s = self.stats
        s.latency_s = latency if s.embedded == 0 else 0.7 * s.latency_s + 0.3 * latency
        s.embedded += 1
        with self._cond:
            still_here = self._active and self._session == session and not self._closed
        if still_here:
            self._on_marker(session, self._place(vector))
        return True
