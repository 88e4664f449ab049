"""Who the embedding engine serves next: photos to decode, decoded photos to batch, text jobs.

The engine's threads (callers, decode threads, the inference thread) meet here under one
condition. The rules, in order of precedence:

1. a text job (search) runs as soon as the inference thread is free;
2. a priority photo (the station's) goes ahead of everything queued or decoded and runs at
   once, in a batch of the priority photos alone: it never waits for a batch to fill, nor
   rides with a bulk batch;
3. otherwise decoded photos run as one batch of ``max_batch``, and a batch that is not full
   waits for the photos already submitted (queued or being decoded) to fill it: a bulk run
   (an import hands its photos over with ``add_photos``) sends full batches, the last one
   excepted. It never waits for photos not submitted yet, so a lone photo goes at once. The
   wait ends with each decode (no timer); ``batch_wait`` seconds of the injected ``clock``
   only bound it, against a decode that stalls;
4. a **background** text job (the cluster vocabulary, encoded prompt by prompt) runs only when
   no photo at all is queued, decoding or decoded: a visitor's shot waits at most for the one
   background job already in the model, never for the rest of the lane.

Decoding is bounded: at most ``prefetch`` photos are queued to the decode pool, decoding or
decoded, so a large import never holds more than a few dozen arrays.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from piday_desktop.core.images import ImageSource

Clock = Callable[[], float]


@dataclass(frozen=True)
class Batch:
    """Decoded photos for one model call: ``(pixels, future)`` pairs."""

    items: list[tuple[Any, cf.Future]]


@dataclass(frozen=True)
class TextJob:
    """Texts to encode; ``background`` jobs came through the low-priority lane."""

    texts: list[str]
    future: cf.Future
    background: bool = False


class Scheduler:
    """The engine's queues and the one condition guarding them.

    ``spawn`` (set by :meth:`start` once the model and the decode pool exist) hands a decode
    task to the pool; each task calls :meth:`take_photo`, so a priority photo submitted after
    the task was spawned still goes first.
    """

    def __init__(self, *, batch_wait: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.clock = clock
        self.batch_wait = max(0.0, float(batch_wait))
        self.max_batch = 32
        self.prefetch = 64
        self._spawn: Callable[[], None] | None = None
        self._pending: deque[tuple[ImageSource, cf.Future]] = deque()  # not yet picked to decode
        self._ready: deque[tuple[Any, cf.Future]] = deque()  # decoded, waiting for the model
        self._text: deque[TextJob] = deque()
        self._background: deque[TextJob] = deque()
        self._spawned = 0  # decode tasks handed to the pool that have not picked a photo yet
        self._decoding: set[cf.Future] = set()
        self._urgent: set[cf.Future] = set()  # priority photos not yet in a batch
        self._outstanding: set[cf.Future] = set()  # submitted photos whose futures are not done
        self._fill_deadline: float | None = None
        self.closing = False  # no new work accepted
        self.stopped = False  # the inference thread should exit now

    # -- callers ------------------------------------------------------------------------------

    def start(self, spawn: Callable[[], None], max_batch: int, prefetch: int) -> None:
        """The model is loaded: decode tasks can be spawned from now on."""
        with self.cond:
            self._spawn, self.max_batch, self.prefetch = spawn, max_batch, prefetch
            self._dispatch()
            self.cond.notify_all()

    def add_photo(self, source: ImageSource, future: cf.Future, priority: bool) -> None:
        self.add_photos([(source, future)], priority)

    def add_photos(self, items: list[tuple[ImageSource, cf.Future]], priority: bool = False) -> None:
        """Queue photos at once: the batches know how many are coming before any is decoded."""
        with self.cond:
            for source, future in items:
                self._outstanding.add(future)
                if priority:
                    self._urgent.add(future)
            if priority:
                self._pending.extendleft(reversed(items))
            else:
                self._pending.extend(items)
            self._dispatch()
            self.cond.notify_all()  # a batch waiting to fill counts these now
        for _, future in items:
            future.add_done_callback(self._forget)

    def add_text(self, job: TextJob) -> None:
        with self.cond:
            (self._background if job.background else self._text).append(job)
            self.cond.notify_all()

    def unfinished_photos(self) -> int:
        """Photos submitted whose futures are not done yet."""
        with self.cond:
            # done() turns true before done-callbacks run: count that, not the callbacks.
            return sum(1 for f in self._outstanding if not f.done())

    def close(self, cancel_pending: bool) -> list[cf.Future]:
        """Stop accepting work; with ``cancel_pending`` also drop everything queued.

        Returns the futures to cancel (outside the lock: their callbacks may call back in).
        """
        with self.cond:
            self.closing = True
            dropped: list[cf.Future] = []
            if cancel_pending:
                dropped = [f for _, f in self._pending] + [f for _, f in self._ready]
                dropped += list(self._decoding)
                dropped += [j.future for j in (*self._text, *self._background)]
                self._pending.clear()
                self._ready.clear()
                self._text.clear()
                self._background.clear()
                self.stopped = True
            self.cond.notify_all()
            return dropped

    def fail_all(self) -> list[cf.Future]:
        """The model could not load: every queued future, to fail with that error."""
        with self.cond:
            futures = [f for _, f in self._pending] + [j.future for j in (*self._text, *self._background)]
            self._pending.clear()
            self._text.clear()
            self._background.clear()
            self.cond.notify_all()
            return futures

    # -- decode threads -----------------------------------------------------------------------

    def take_photo(self) -> tuple[ImageSource, cf.Future] | None:
        """A decode task starts: the photo at the head of the queue, or None if none is left."""
        with self.cond:
            self._spawned -= 1
            while self._pending and not self.stopped:
                source, future = self._pending.popleft()
                if not future.done():
                    self._decoding.add(future)
                    return source, future
                self._urgent.discard(future)  # cancelled while queued
            self.cond.notify_all()  # a closing engine may be waiting for this task
            return None

    def decoded(self, future: cf.Future, pixels: Any | None) -> None:
        """A decode finished: ``pixels`` go to the model, or None (failed or cancelled)."""
        with self.cond:
            self._decoding.discard(future)
            if pixels is not None and not self.stopped:
                if future in self._urgent:
                    self._ready.appendleft((pixels, future))  # ahead of a decoded backlog
                else:
                    self._ready.append((pixels, future))
            else:
                self._urgent.discard(future)
                self._dispatch()
            self.cond.notify_all()  # a batch may be waiting for this photo either way

    # -- the inference thread -----------------------------------------------------------------

    def next_job(self) -> Batch | TextJob | None:
        """Block until there is work; None when the engine should stop."""
        with self.cond:
            while True:
                if self.stopped:
                    return None
                if self._text:
                    return self._text.popleft()
                if self._ready and self._worth_waiting():
                    continue
                if self._ready:
                    items = []
                    # Priority photos sit at the head of the ready queue and go alone.
                    urgent = self._ready[0][1] in self._urgent
                    while self._ready and len(items) < self.max_batch:
                        if urgent and self._ready[0][1] not in self._urgent:
                            break
                        items.append(self._ready.popleft())
                        self._urgent.discard(items[-1][1])
                    self._dispatch()  # refill the decoders while this batch runs
                    return Batch(items)
                if self._background and not self._photos_waiting():
                    return self._background.popleft()
                if self.closing and not self._photos_waiting() and not self._background:
                    return None
                self.cond.wait()

    # -- internals (lock held) ------------------------------------------------------------------

    def _forget(self, future: cf.Future) -> None:
        with self.cond:
            self._outstanding.discard(future)
            self.cond.notify_all()  # the background lane may be free now

    def _photos_waiting(self) -> bool:
        return bool(self._pending or self._ready or self._decoding or self._spawned)

    def _dispatch(self) -> None:
        """Spawn decode tasks while the prefetch bound allows.

        A priority photo at the head may exceed the bound by one task rather than wait for a slot.
        """
        if self._spawn is None or self.stopped:
            return
        while (
            len(self._pending) > self._spawned
            and self._spawned + len(self._decoding) + len(self._ready) < self.prefetch
        ):
            self._spawned += 1
            self._spawn()
        if self._pending and self._spawned == 0 and self._pending[0][1] in self._urgent:
            self._spawned += 1
            self._spawn()

    def fill_target(self) -> int:
        """The batch the next run waits for: full, or every photo submitted, whichever is less.

        Photos still queued count (they are decoded next), up to the prefetch bound (more
        than that cannot be decoded ahead at once); photos not submitted yet do not.
        """
        coming = len(self._pending) + len(self._decoding) + self._spawned
        return max(1, min(self.max_batch, self.prefetch, len(self._ready) + coming))

    def _worth_waiting(self) -> bool:
        """Wait while photos already submitted could still fill this batch.

        Returns True after a wait, so the caller re-checks everything (stop, text jobs);
        False when the batch should run now: full, nothing more coming, urgent, or waited enough.
        """
        want = self.fill_target()
        urgent = self._ready[0][1] in self._urgent  # a waiting visitor: run now
        if len(self._ready) >= want or self.batch_wait <= 0 or urgent:
            self._fill_deadline = None
            return False
        now = self.clock()
        if self._fill_deadline is None:
            self._fill_deadline = now + self.batch_wait
        if now >= self._fill_deadline:
            self._fill_deadline = None
            return False
        self.cond.wait(self._fill_deadline - now)
        return True
