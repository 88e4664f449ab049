"""The batching embedding engine: photos in, unit vectors out, for the station and the importer.

Shape (see docs/architecture.md, "Threads"):

- ``submit`` only records the request and returns a :class:`concurrent.futures.Future`, so the
  UI thread never blocks on it.
- A small pool of decode threads turns files into model-sized pixels: JPEGs are decoded at
  reduced DCT scale (``load_rgb(min_side=image_size)``), then open_clip's own resize and crop
  run on the PIL image. The last two steps of open_clip's transform (to-tensor and normalise)
  are done per batch on the inference thread instead: same arithmetic, same numbers, but no
  torch calls (and their intra-op thread teams) on the decode threads, and 4x fewer bytes to
  move to a GPU. Measured on 640x480 JPEGs: 2.4 instead of 3.3 ms of decode-thread time per
  photo.
- Decoding is bounded: at most ``prefetch`` images are being decoded or waiting decoded, so an
  import of 10,000 photos of 6000x4000 holds a few dozen small arrays, never the whole folder.
- One inference thread owns the model (loads it too, when given a loader, so the window can
  appear first) and batches whatever is decoded, up to ``max_batch``, at once: a single station
  photo goes through alone with no waiting for a batch to fill, while during an import the
  decoders fill the next batch while the model runs the current one.
- ``torch.inference_mode`` throughout; results are float32, L2-normalised, shape ``(dim,)``.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from piday_desktop.core.images import ImageError, ImageSource, load_rgb

from .models import LoadedModel

log = logging.getLogger(__name__)
_DECODE_THREAD = "piday-decode"


@dataclass(frozen=True)
class EngineStats:
    """Counters since the engine started (a snapshot; read ``engine.stats`` again for fresh ones).

    ``seconds`` is time the model spent on image batches; ``decode_seconds`` is summed over
    the decode threads (it can exceed wall time, they run in parallel).
    """

    images: int = 0
    failed: int = 0
    batches: int = 0
    largest_batch: int = 0
    seconds: float = 0.0
    decode_seconds: float = 0.0
    load_seconds: float = 0.0

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0


class _PixelPipeline:
    """open_clip's eval transform split in two: PIL steps on decode threads, arithmetic per batch.

    open_clip's transform is ``Compose([Resize, CenterCrop, MaybeConvertMode, MaybeToTensor,
    Normalize])``. Everything before the to-tensor step runs on the decode threads; the
    to-tensor division and the normalisation run on the whole batch, which gives the same
    numbers. A transform of any other shape is applied whole on the decode threads.
    """

    def __init__(self, preprocess: Any, image_size: int) -> None:
        self.preprocess = preprocess
        self.min_side = image_size
        self.pil_steps: list[Any] | None = None
        self.mean = self.std = None
        steps = list(getattr(preprocess, "transforms", []) or [])
        if len(steps) >= 2:
            to_tensor, normalize = steps[-2], steps[-1]
            if type(to_tensor).__name__ in ("ToTensor", "MaybeToTensor") and hasattr(normalize, "mean"):
                self.pil_steps = steps[:-2]
                self.mean = tuple(float(v) for v in normalize.mean)
                self.std = tuple(float(v) for v in normalize.std)

    def decode(self, source: ImageSource) -> Any:
        """File to model input: uint8 HxWx3 array (split pipeline) or float tensor (whole)."""
        img = load_rgb(source, min_side=self.min_side)
        try:
            if self.pil_steps is None:
                return self.preprocess(img)
            out = img
            for step in self.pil_steps:
                out = step(out)
            if out.mode != "RGB":
                out = out.convert("RGB")
            return np.asarray(out)
        finally:
            img.close()

    def batch(self, items: list[Any], device: str) -> Any:
        """Stack decoded items into one float32 (N, 3, H, W) tensor on ``device``."""
        import torch

        if self.pil_steps is None:
            return torch.stack(items).to(device)
        pixels = torch.from_numpy(np.stack(items)).to(device)  # uint8 moves 4x cheaper
        x = pixels.permute(0, 3, 1, 2).to(torch.float32).div_(255.0)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
        return x.sub_(mean).div_(std)


def default_max_batch(device: str) -> int:
    """The batch size the model runs best at, when the caller does not choose one.

    CPU: 16. Measured for ViT-B-32 with bfloat16 weights on a 2-core AVX-512 machine: batch 16
    ran at 80-87 img/s, batch 32 at 66-76 img/s (the activations of 32 images outgrow the
    caches) and batch 8 at 74-85. GPU: 64, not measured here; GPUs want large batches.
    """
    return 16 if device == "cpu" else 64


def default_decode_workers(device: str) -> int:
    """Decode threads: on a GPU enough to keep it fed; on the CPU half the cores, at least 2.

    On the CPU decoding and the model share the cores, and the total work is fixed, so the
    decoders only need to be enough to fill the model's idle moments and to keep up when
    decoding is the larger share (12 MP photos). Measured on a 2-core AVX-512 machine with
    torch's default two intra-op threads (bench/embed_throughput.py): 2 decode threads beat 1
    (phone photos ~47 vs ~42 img/s), 3 were no better, and lowering the decoders' priority
    did not help. Larger CPUs are extrapolated, not measured. On a GPU the model is fast and
    decoding is the bottleneck, so use every core.
    """
    cores = os.cpu_count() or 2
    if device == "cpu":
        return max(2, cores // 2)
    return max(2, min(32, cores))


class EmbeddingEngine:
    """One inference thread owns the model; decoding and preprocessing on a thread pool;
    dynamic batching.

    ``model`` is a :class:`LoadedModel` or a zero-argument loader returning one. A loader runs
    on the inference thread, so constructing the engine never blocks; photos submitted meanwhile
    wait and are embedded when it is ready. If the loader raises, every pending and later
    future (and ``encode_text``) fails with that exception.

    Futures are completed on the inference or decode threads, and their done-callbacks run
    there: keep callbacks short (post a Qt signal, set an event). Futures can be cancelled
    until their result is set; cancelled work is skipped.
    """

    def __init__(
        self,
        model: "LoadedModel | Callable[[], LoadedModel]",
        *,
        max_batch: int | None = None,
        decode_workers: int | None = None,
        prefetch: int | None = None,
        batch_wait: float = 0.05,
        torch_threads: int | None = None,
    ) -> None:
        """
        :param max_batch: the largest batch the model gets (whatever is decoded, up to this);
            default :func:`default_max_batch` for the model's device.
        :param decode_workers: decode threads; default :func:`default_decode_workers`.
        :param prefetch: images decoded or being decoded ahead of the model (memory bound);
            default ``2 * max_batch``.
        :param batch_wait: when some photos are decoded and more are being decoded right now,
            wait up to this many seconds for those to fill the batch (only then: a lone photo
            never waits). Bigger batches run the model more efficiently, and while the model
            waits the decoders have the cores to themselves.
        :param torch_threads: if given, ``torch.set_num_threads`` for the inference thread.
        """
        if max_batch is not None and max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        if prefetch is not None and prefetch < 1:
            raise ValueError("prefetch must be >= 1")
        self._loader: Callable[[], LoadedModel] = (
            (lambda: model) if isinstance(model, LoadedModel) else model  # type: ignore[assignment]
        )
        self._requested_batch = max_batch
        self._requested_prefetch = prefetch
        # Provisional until the model (and so the device) is known; see _load.
        self._max_batch = int(max_batch or 32)
        self._prefetch = int(prefetch or 2 * self._max_batch)
        self._decode_workers = decode_workers
        self._batch_wait = max(0.0, float(batch_wait))
        self._torch_threads = torch_threads

        self._cond = threading.Condition(threading.RLock())
        self._pending: deque[tuple[ImageSource, cf.Future]] = deque()
        self._ready: deque[tuple[Any, cf.Future]] = deque()
        self._text_jobs: deque[tuple[list[str], cf.Future]] = deque()
        self._queued = 0  # decode tasks handed to the pool that have not picked a photo yet
        self._decoding: set[cf.Future] = set()  # futures whose photo a decode thread holds
        self._urgent: set[cf.Future] = set()  # priority photos not yet in a batch
        self._outstanding: set[cf.Future] = set()  # submitted photos, pruned when done
        self._closing = False  # no new work accepted
        self._stopped = False  # inference thread should exit now
        self._stats = EngineStats()
        self._fill_deadline: float | None = None

        self._loaded = threading.Event()
        self._model: LoadedModel | None = None
        self._pipeline: _PixelPipeline | None = None
        self._pool: cf.ThreadPoolExecutor | None = None
        self._load_error: BaseException | None = None

        self._thread = threading.Thread(target=self._run, name="piday-inference", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ public API

    def submit(self, source: ImageSource, *, priority: bool = False) -> cf.Future:
        """Queue one photo; the future's result is its float32 unit vector, shape ``(dim,)``.

        Bad images fail their own future with :class:`ImageError` and nothing else. With
        ``priority`` the photo goes ahead of everything queued (the station's photo during a
        background import). Raises RuntimeError after :meth:`close`.
        """
        future: cf.Future = cf.Future()
        with self._cond:
            if self._closing:
                raise RuntimeError("embedding engine is closed")
            if self._load_error is not None:
                future.set_exception(self._load_error)
                return future
            self._outstanding.add(future)
            future.add_done_callback(self._on_done)
            if priority:
                self._urgent.add(future)
                self._pending.appendleft((source, future))
            else:
                self._pending.append((source, future))
            self._dispatch()
        return future

    def embed_iter(
        self, sources: Iterable[ImageSource], max_in_flight: int | None = None
    ) -> Iterator[tuple[ImageSource, cf.Future]]:
        """Embed many photos in order with a bounded number in flight (the importer's loop).

        Yields ``(source, future)`` with the future already done, in input order; call
        ``future.result()`` (raises ImageError for a bad file). At most ``max_in_flight``
        (default ``4 * max_batch``) are submitted ahead. Closing the generator early (an
        exception, Ctrl-C, ``break``) cancels what it had submitted.
        """
        window = max(1, max_in_flight or 4 * self._max_batch)
        queue: deque[tuple[ImageSource, cf.Future]] = deque()
        it = iter(sources)
        exhausted = False
        try:
            while True:
                while not exhausted and len(queue) < window:
                    try:
                        src = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    queue.append((src, self.submit(src)))
                if not queue:
                    return
                src, fut = queue.popleft()
                cf.wait([fut])
                yield src, fut
        finally:
            for _, fut in queue:
                fut.cancel()

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """Embed texts on the inference thread (the model has one owner); blocks until done.

        Waits for the model if it is still loading; raises the load error if loading failed.
        Returns float32, L2-normalised, shape ``(len(texts), dim)``.
        """
        if threading.current_thread() is self._thread:  # e.g. from a future's done-callback
            return self._require_model().encode_text(list(texts))
        future: cf.Future = cf.Future()
        with self._cond:
            if self._closing:
                raise RuntimeError("embedding engine is closed")
            if self._load_error is not None:
                raise self._load_error
            self._text_jobs.append((list(texts), future))
            self._cond.notify_all()
        return future.result()

    def wait_ready(self, timeout: float | None = None) -> LoadedModel:
        """Block until the model is loaded and return it; raise its load error if it failed.

        TimeoutError if ``timeout`` seconds pass first.
        """
        if not self._loaded.wait(timeout):
            raise TimeoutError("the embedding model is still loading")
        return self._require_model()

    @property
    def ready(self) -> bool:
        """True once the model is loaded (never blocks; False while loading or after failure)."""
        return self._loaded.is_set() and self._model is not None

    @property
    def load_error(self) -> BaseException | None:
        """The loader's exception, if loading failed (never blocks)."""
        return self._load_error

    @property
    def model_id(self) -> str:
        """The loaded model's id; blocks until loaded, raises the load error if loading failed."""
        return self.wait_ready().model_id

    @property
    def device(self) -> str:
        """Device the model runs on; blocks until loaded (see :attr:`model_id`)."""
        return self.wait_ready().device

    @property
    def dim(self) -> int:
        """Vector length; blocks until loaded (see :attr:`model_id`)."""
        return self.wait_ready().dim

    @property
    def max_batch(self) -> int:
        """The largest batch the model is given (the device default is known once loaded)."""
        return self._max_batch

    @property
    def queue_length(self) -> int:
        """Photos submitted whose futures are not done yet (never blocks)."""
        with self._cond:
            # done() turns true before done-callbacks run: count that, not the callbacks.
            return sum(1 for f in self._outstanding if not f.done())

    @property
    def stats(self) -> EngineStats:
        """A snapshot of the engine's counters (never blocks)."""
        with self._cond:
            return replace(self._stats)

    def close(self, cancel_pending: bool = True) -> None:
        """Stop the engine; idempotent.

        With ``cancel_pending`` (default) queued photos are cancelled and only the batch in
        progress is waited for; if the model is still loading, the loader is not interrupted
        and the (daemon) inference thread exits once it returns. With ``cancel_pending=False``
        everything submitted is embedded first (waiting for the model to load if need be).
        """
        with self._cond:
            first = not self._closing
            self._closing = True
            to_cancel: list[cf.Future] = []
            if cancel_pending:
                to_cancel = [f for _, f in self._pending] + [f for _, f in self._ready]
                to_cancel += list(self._decoding) + [f for _, f in self._text_jobs]
                self._pending.clear()
                self._ready.clear()
                self._text_jobs.clear()
                self._stopped = True
            self._cond.notify_all()
        for fut in to_cancel:
            fut.cancel()
        if not first:
            return
        loading = not self._loaded.is_set()
        if threading.current_thread() is not self._thread and not (cancel_pending and loading):
            self._thread.join()
        pool = self._pool
        if pool is not None:
            # From a done-callback on a decode thread, waiting for the pool would wait for itself.
            on_decode_thread = threading.current_thread().name.startswith(_DECODE_THREAD)
            pool.shutdown(wait=not on_decode_thread, cancel_futures=True)

    def __enter__(self) -> "EmbeddingEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _on_done(self, future: cf.Future) -> None:
        with self._cond:
            self._outstanding.discard(future)

    def _require_model(self) -> LoadedModel:
        if self._load_error is not None:
            raise self._load_error
        if self._model is None:
            raise RuntimeError("the embedding engine was closed before its model loaded")
        return self._model

    def _dispatch(self) -> None:
        """Start decode tasks while the prefetch bound allows (lock held).

        A task picks its photo from the head of the queue only when a decode thread runs it,
        so a priority photo submitted later still goes next. A priority photo at the head may
        exceed the bound by one task rather than wait for a slot.
        """
        if self._pipeline is None or self._pool is None or self._stopped:
            return
        while (
            len(self._pending) > self._queued
            and self._queued + len(self._decoding) + len(self._ready) < self._prefetch
        ):
            self._queued += 1
            self._pool.submit(self._decode_next)
        if self._pending and self._queued == 0 and self._pending[0][1] in self._urgent:
            self._queued += 1
            self._pool.submit(self._decode_next)

    def _decode_next(self) -> None:
        """Decode thread: take the photo at the head of the queue, if any is left."""
        with self._cond:
            self._queued -= 1
            while self._pending and not self._stopped:
                source, future = self._pending.popleft()
                if not future.done():
                    self._decoding.add(future)
                    break
                self._urgent.discard(future)  # cancelled while queued
            else:
                self._cond.notify_all()  # a closing engine may be waiting for this task
                return
        self._decode(source, future)

    def _decode(self, source: ImageSource, future: cf.Future) -> None:
        """File to pixels; a bad file fails only its own future."""
        start = time.perf_counter()
        pixels = None
        error: BaseException | None = None
        if not future.done():
            try:
                pixels = self._pipeline.decode(source)  # type: ignore[union-attr]
            except ImageError as exc:
                error = exc
            except Exception as exc:  # a file Pillow chokes on in a way images.py did not map
                log.warning("unexpected error decoding %r", source, exc_info=True)
                error = ImageError(f"cannot decode image ({type(exc).__name__}: {exc})")
                error.__cause__ = exc
        elapsed = time.perf_counter() - start
        with self._cond:
            self._decoding.discard(future)
            self._stats = replace(self._stats, decode_seconds=self._stats.decode_seconds + elapsed)
            if error is None and pixels is not None and not self._stopped:
                if future in self._urgent:
                    self._ready.appendleft((pixels, future))  # ahead of a decoded backlog
                else:
                    self._ready.append((pixels, future))
            else:
                self._urgent.discard(future)
                self._dispatch()
                if error is not None:
                    self._stats = replace(self._stats, failed=self._stats.failed + 1)
            self._cond.notify_all()  # a batch may be waiting for this photo either way
        if error is not None:
            _settle(future, error=error)

    def _run(self) -> None:
        """Inference thread: load the model, then serve text jobs and image batches."""
        try:
            self._load()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the futures
            self._fail_all(exc)
            return
        try:
            while True:
                job = self._next_job()
                if job is None:
                    break
                kind, payload = job
                if kind == "text":
                    texts, future = payload
                    if future.done():
                        continue
                    try:
                        _settle(future, result=self._model.encode_text(texts))  # type: ignore[union-attr]
                    except Exception as exc:
                        _settle(future, error=exc)
                else:
                    self._run_batch(payload)
        finally:
            self._loaded.set()

    def _load(self) -> None:
        start = time.perf_counter()
        if self._torch_threads:
            import torch

            torch.set_num_threads(int(self._torch_threads))
        model = self._loader()
        if not isinstance(model, LoadedModel):
            raise TypeError(f"model loader returned {type(model).__name__}, not LoadedModel")
        workers = self._decode_workers or default_decode_workers(model.device)
        with self._cond:
            self._max_batch = int(self._requested_batch or default_max_batch(model.device))
            self._prefetch = int(self._requested_prefetch or 2 * self._max_batch)
            self._model = model
            self._pipeline = _PixelPipeline(model.preprocess, model.image_size)
            self._pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_DECODE_THREAD)
            self._stats = replace(self._stats, load_seconds=time.perf_counter() - start)
            self._loaded.set()
            self._dispatch()
            self._cond.notify_all()
        log.info(
            "embedding model %s ready on %s (%s) in %.1f s, %d decode threads",
            model.model_id, model.device, model.dtype, time.perf_counter() - start, workers,
        )

    def _fail_all(self, exc: BaseException) -> None:
        with self._cond:
            self._load_error = exc
            futures = [f for _, f in self._pending] + [f for _, f in self._text_jobs]
            self._pending.clear()
            self._text_jobs.clear()
            self._loaded.set()
            self._cond.notify_all()
        for fut in futures:
            _settle(fut, error=exc)

    def _next_job(self) -> tuple[str, Any] | None:
        """Wait for work; None when the engine should stop."""
        with self._cond:
            while True:
                if self._stopped:
                    return None
                if self._text_jobs:
                    return "text", self._text_jobs.popleft()
                if self._ready and self._batch_is_worth_waiting_for():
                    continue
                if self._ready:
                    batch = []
                    while self._ready and len(batch) < self._max_batch:
                        batch.append(self._ready.popleft())
                        self._urgent.discard(batch[-1][1])
                    self._dispatch()  # refill the decoders while this batch runs
                    return "batch", batch
                if self._closing and not self._pending and not self._decoding and not self._queued:
                    return None
                self._cond.wait()

    def _batch_is_worth_waiting_for(self) -> bool:
        """Wait (lock held) while photos in the decoders could still fill this batch.

        Returns True after a wait, so the caller re-checks everything (stop, text jobs);
        False when the batch should run now: full, nothing more coming, or waited long enough.
        """
        want = min(self._max_batch, len(self._ready) + len(self._decoding) + self._queued)
        urgent = self._ready[0][1] in self._urgent  # a waiting visitor: run now
        if len(self._ready) >= want or self._batch_wait <= 0 or urgent:
            self._fill_deadline = None
            return False
        now = time.monotonic()
        if self._fill_deadline is None:
            self._fill_deadline = now + self._batch_wait
        if now >= self._fill_deadline:
            self._fill_deadline = None
            return False
        self._cond.wait(self._fill_deadline - now)
        return True

    def _run_batch(self, batch: list[tuple[Any, cf.Future]]) -> None:
        live = [(pixels, fut) for pixels, fut in batch if not fut.done()]
        if not live:
            return
        model = self._model
        assert model is not None and self._pipeline is not None
        start = time.perf_counter()
        try:
            x = self._pipeline.batch([p for p, _ in live], model.device)
            vectors = model.encode_pixels(x)
        except Exception as exc:  # e.g. out of GPU memory: fail this batch, keep serving
            log.error("embedding batch of %d failed: %s", len(live), exc)
            with self._cond:
                self._stats = replace(self._stats, failed=self._stats.failed + len(live))
            for _, fut in live:
                _settle(fut, error=exc)
            return
        elapsed = time.perf_counter() - start
        with self._cond:
            s = self._stats
            self._stats = replace(
                s,
                images=s.images + len(live),
                batches=s.batches + 1,
                largest_batch=max(s.largest_batch, len(live)),
                seconds=s.seconds + elapsed,
            )
        for i, (_, fut) in enumerate(live):
            _settle(fut, result=vectors[i].copy())


def _settle(future: cf.Future, *, result: Any = None, error: BaseException | None = None) -> None:
    """Complete a future unless it was cancelled meanwhile (a race we accept and ignore)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except cf.InvalidStateError:
        pass
