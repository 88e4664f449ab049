"""Bulk runs send full batches; the station's priority photo goes alone, at once (issue 15 item 3).

No wall clock: the engine measures its batch-fill bound with an injected clock. A *ticking*
clock (every look costs 5 ms of pretend time) stands for a machine where decoding is slow: a
batch that waited for time rather than for decodes would run part-full after a few looks. A
*frozen* clock never ends a wait, so a photo that waited for a batch to fill would wait for ever.
A photo whose file is a named pipe stays "being decoded" until the test writes to it.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np
import pytest

import imagefactory as factory
from piday_desktop.core.images import ImageError
from piday_desktop.embedding.engine import EmbeddingEngine
from piday_desktop.embedding.models import TINY_ARCH, LoadedModel, ModelSpec, load_model

RESULT_TIMEOUT = 120
BATCH = 32


class TickingClock:
    """Each reading is ``step`` seconds later than the one before (thread-safe)."""

    def __init__(self, step: float) -> None:
        self.step, self.now, self.lock = step, 0.0, threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            self.now += self.step
            return self.now


@pytest.fixture(scope="module")
def tiny() -> LoadedModel:
    return load_model(ModelSpec.parse(f"{TINY_ARCH}:none"), device="cpu")


@pytest.fixture(scope="module")
def jpegs(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("bulk")
    return [factory.jpeg(d / f"{i:03d}.jpg", size=(160, 120), seed=i) for i in range(160)]


@pytest.mark.parametrize("n", [160, 70])
def test_bulk_photos_go_in_full_batches(tiny, jpegs, n):
    paths = jpegs[:n]
    with EmbeddingEngine(tiny, max_batch=BATCH, clock=TickingClock(0.005)) as eng:
        futures = eng.submit_many(paths)
        vectors = np.stack([f.result(timeout=RESULT_TIMEOUT) for f in futures])
        stats = eng.stats
    assert vectors.shape == (n, tiny.dim) and len({v.tobytes() for v in vectors}) == n
    assert stats.images == n and stats.largest_batch == BATCH
    # Every batch full but the last: the fewest model calls there can be.
    assert stats.batches == math.ceil(n / BATCH)
    assert stats.mean_batch == n / math.ceil(n / BATCH) >= (BATCH if n % BATCH == 0 else 0.7 * BATCH)


def test_vectors_come_back_in_the_order_submitted(tiny, jpegs):
    paths = jpegs[:40]
    with EmbeddingEngine(tiny, max_batch=BATCH) as eng:
        together = [f.result(timeout=RESULT_TIMEOUT) for f in eng.submit_many(paths)]
        alone = [eng.submit(p).result(timeout=RESULT_TIMEOUT) for p in paths[:3]]
    for a, b in zip(together[:3], alone):
        assert float(np.dot(a, b)) > 0.9999


def test_a_lone_photo_does_not_wait_for_a_batch(tiny, jpegs):
    with EmbeddingEngine(tiny, max_batch=BATCH, clock=lambda: 0.0) as eng:
        vec = eng.submit_many([jpegs[0]])[0].result(timeout=RESULT_TIMEOUT)
        assert eng.stats.batches == 1 and eng.stats.largest_batch == 1
    assert vec.shape == (tiny.dim,)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_priority_photo_goes_alone_while_a_bulk_batch_waits_to_fill(tiny, jpegs, tmp_path):
    slow = tmp_path / "slow.jpg"  # a photo still arriving: its decode blocks until we write it
    os.mkfifo(slow)
    bulk_paths = [slow] + jpegs[:5]
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            with open(slow, "wb") as pipe:  # opens once the decoder is reading it
                pipe.write(jpegs[6].read_bytes())

    eng = EmbeddingEngine(tiny, max_batch=BATCH, decode_workers=2, clock=lambda: 0.0)
    try:
        # The first decoder blocks on the pipe; the bulk batch can never fill without it (and
        # the frozen clock never ends its wait), whatever the other decoder has done meanwhile.
        bulk = eng.submit_many(bulk_paths)
        station = eng.submit(jpegs[7], priority=True)
        vec = station.result(timeout=RESULT_TIMEOUT)
        stats = eng.stats
        assert vec.shape == (tiny.dim,)
        assert (stats.batches, stats.images) == (1, 1)  # alone, and first
        assert not any(f.done() for f in bulk)  # the bulk batch is still waiting to fill
        release()
        done = []
        for fut in bulk:
            try:
                done.append(fut.result(timeout=RESULT_TIMEOUT))
            except ImageError:  # a pipe may not decode as a file does; it still came through
                pass
        assert len(done) >= 5
        after = eng.stats
        assert after.batches == 2 and after.largest_batch == len(done)
    finally:
        if not released:
            try:
                fd = os.open(slow, os.O_WRONLY | os.O_NONBLOCK)  # unblocks a reader, if any
                os.close(fd)
            except OSError:
                pass
        eng.close()


def test_submit_many_fails_like_submit(jpegs):
    from piday_desktop.embedding.models import WeightsUnavailable

    def loader() -> LoadedModel:
        raise WeightsUnavailable("ViT-B-32:laion2b_s34b_b79k")

    eng = EmbeddingEngine(loader)
    with pytest.raises(WeightsUnavailable):
        eng.wait_ready(RESULT_TIMEOUT)
    futures = eng.submit_many(jpegs[:3])
    assert len(futures) == 3
    for fut in futures:
        with pytest.raises(WeightsUnavailable):
            fut.result(timeout=RESULT_TIMEOUT)
    eng.close()
    with pytest.raises(RuntimeError, match="closed"):
        eng.submit_many(jpegs[:1])


def test_the_station_engine_keeps_cpu_batches_small_so_a_shot_never_waits_long(jpegs):
    """The station's engine (workers/engine_starter.py) caps CPU batches at 16: a visitor's shot
    arriving while a backlog is embedded waits for at most one such batch."""
    from piday_desktop.workers.engine_starter import STATION_CPU_BATCH, start_engine_in_background

    ready: list[object] = []
    done = threading.Event()
    start_engine_in_background(f"{TINY_ARCH}:none", "cpu", lambda e: (ready.append(e), done.set()),
                               lambda msg: (ready.append(RuntimeError(msg)), done.set()))
    assert done.wait(120) and not isinstance(ready[0], Exception), ready
    with ready[0] as eng:
        futures = eng.submit_many(jpegs[:64])
        for f in futures:
            f.result(timeout=RESULT_TIMEOUT)
        assert eng.stats.images == 64 and eng.stats.largest_batch <= STATION_CPU_BATCH == 16
