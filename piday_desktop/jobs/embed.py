"""Embedding every stored photo that has no vector for the current model.

Feeds the engine with a bounded number of photos in flight, handed over together
(``submit_many``) so its batches fill (enough to keep them full, few enough that memory stays
flat for 10,000 photos) and commits vectors in small
transactions as they arrive. An interruption therefore loses at most the vectors of the
last moment, never a committed one, and the next run picks up exactly the photos still missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field

import numpy as np

from ..core.images import ImageError
from ..core.locks import lock as file_lock, try_acquire
from ..core.opening import embed_lock_path
from ..core.store import EventStore, Photo

ProgressFn = Callable[[int, int], None]
COMMIT_EVERY = 32
COMMIT_SECONDS = 1.0


@dataclass
class EmbedResult:
    embedded: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (photo description, reason)
    seconds: float = 0.0

    @property
    def images_per_s(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def _describe(photo: Photo) -> str:
    return f"{photo.participant_code} {photo.original_name or photo.id}"


def embed_missing(
    store: EventStore, engine, *, progress: ProgressFn | None = None, in_flight: int | None = None,
    result: EmbedResult | None = None, on_wait: Callable[[], None] | None = None,
) -> EmbedResult:
    """Embed what is missing for ``engine.model_id``; KeyboardInterrupt keeps what finished.

    ``engine`` is an :class:`~piday_desktop.embedding.engine.EmbeddingEngine`; asking it for
    ``model_id`` waits for the model to load (and raises if it cannot). ``result``, when given,
    holds the counts of what was committed even if this raises (Ctrl-C, a full disk).
    ``on_wait`` is called once if another process is embedding this event with this model:
    this one waits for it (Ctrl-C-able), then embeds only what is still missing.
    """
    model_id, device = engine.model_id, engine.device
    result = result if result is not None else EmbedResult()
    with embedding_turn(store, model_id, on_wait):
        return _embed_locked(store, engine, model_id, device, progress, in_flight, result)


@contextmanager
def embedding_turn(store: EventStore, model_id: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold this event's embed lock for ``model_id`` (local engine or Ray alike).

    One embedder per event and model at a time, across processes: two imports side by side
    would otherwise both embed the photos that were missing when each began. ``on_wait`` is
    called once if another holds it; the wait that follows is Ctrl-C-able.
    """
    lock = file_lock(embed_lock_path(store.directory, model_id))
    if not try_acquire(lock):
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _embed_locked(store: EventStore, engine, model_id: str, device: str, progress: ProgressFn | None,
                  in_flight: int | None, result: EmbedResult) -> EmbedResult:
    todo = store.photos_missing_embedding(model_id)
    total = len(todo)
    if progress:
        progress(0, total)
    if not todo:
        return result
    limit = in_flight or max(64, 4 * getattr(engine, "max_batch", 32))
    pending: dict[Future, Photo] = {}
    ready: list[tuple[str, np.ndarray]] = []
    last_commit = time.monotonic()
    started = time.perf_counter()
    queue = iter(todo)
    done = 0

    def flush() -> None:
        nonlocal last_commit
        if ready:
            store.put_embeddings(ready, model_id=model_id, device=device)
            result.embedded += len(ready)
            ready.clear()
        last_commit = time.monotonic()

    try:
        exhausted = False
        while pending or not exhausted:
            batch: list[Photo] = []
            while not exhausted and len(pending) + len(batch) < limit:
                photo = next(queue, None)
                if photo is None:
                    exhausted = True
                    break
                batch.append(photo)
            if batch:
                # Handed over together: the engine's batches fill up to its batch size instead
                # of starting with whatever was decoded first (issue 15).
                sources = [store.photo_source(p) for p in batch]
                many = getattr(engine, "submit_many", None)
                futures = many(sources) if many is not None else [engine.submit(s) for s in sources]
                pending.update(zip(futures, batch))
            if not pending:
                break
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                photo = pending.pop(fut)
                try:
                    ready.append((photo.id, fut.result()))
                except ImageError as exc:
                    result.failed.append((_describe(photo), str(exc)))
                done += 1
            if len(ready) >= COMMIT_EVERY or time.monotonic() - last_commit > COMMIT_SECONDS:
                flush()
            if progress and finished:
                progress(done, total)
    finally:
        for fut in pending:
            fut.cancel()
        # Vectors that finished are worth keeping even when we were interrupted; the
        # interruption itself must not be swallowed by a failure to save them.
        try:
            flush()
        finally:
            result.seconds = time.perf_counter() - started
    return result
