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
- The queues and who goes next (priority photos, the batch-fill window, the low-priority
  lane for work nobody waits for) live in :mod:`.scheduler`, with an injectable clock.
- One inference thread owns the model (loads it too, when given a loader, so the window can
  appear first) and runs batches of up to ``max_batch``. A batch that is not full waits for the
  photos already submitted to be decoded into it (:meth:`EmbeddingEngine.submit_many` hands an
  import's photos over at once, so the engine knows how many are coming): bulk runs send full
  batches while the decoders fill the next one. A single station photo (``priority``) goes
  through alone at once, never waiting for a batch to fill.
- ``torch.inference_mode`` throughout; results are float32, L2-normalised, shape ``(dim,)``.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from piday_desktop.core.images import ImageError, ImageSource

from .models import LoadedModel
from .pixels import PixelPipeline
from .scheduler import Clock, Scheduler, TextJob

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

    @property
    def mean_batch(self) -> float:
        """Photos per model call so far (0 before the first)."""
        return self.images / self.batches if self.batches else 0.0


def default_max_batch(device: str) -> int:
    """The batch size the model runs best at, when the caller does not choose one.

    CPU: 32, the batch at which bench/embed_throughput.py's model-alone bound peaks for
    ViT-B-32 with bfloat16 weights on the project's 2-core AVX-512 machine (issue 15; an
    earlier measurement on an idle machine had favoured 16: the two are within noise of each
    other there, and 32 halves the per-batch overheads). GPU: 64, not measured here; GPUs want
    large batches.
    """
    return 32 if device == "cpu" else 64


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


class EngineSurface:
    """What the station and the jobs read of an engine, in one place for both kinds: the
    in-process :class:`EmbeddingEngine` and the station's :class:`~.engine_process.EngineProcess`.
    Each provides ``wait_ready()`` (an object with ``model_id``, ``device`` and ``dim``) and ``close()``.
    """

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

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmbeddingEngine(EngineSurface):
    """One inference thread owns the model; decoding and preprocessing on a thread pool;
    dynamic batching. Who goes next is the :class:`~.scheduler.Scheduler`'s business.

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
        max_batch: "int | Callable[[str], int | None] | None" = None,
        decode_workers: int | None = None,
        prefetch: int | None = None,
        batch_wait: float = 1.0,
        torch_threads: int | None = None,
        jpeg_decode: str = "auto",
        clock: Clock = time.monotonic,
    ) -> None:
        """
        :param max_batch: the largest batch the model gets (whatever is decoded, up to this);
            default :func:`default_max_batch` for the model's device. A function of the device
            (``"cpu"``, ``"cuda"``...) chooses once the model is loaded (the station: 16 on a
            CPU, the default elsewhere); returning None means the default.
        :param decode_workers: decode threads; default :func:`default_decode_workers`.
        :param prefetch: images decoded or being decoded ahead of the model (memory bound);
            default ``2 * max_batch``.
        :param batch_wait: the longest a batch that is not full waits (on ``clock``) for photos
            already submitted (queued or being decoded) to fill it. The wait ends as soon as the
            batch is full or nothing more is coming, so this only bounds a stalled decode; a
            lone photo never waits, a priority photo neither. Bigger batches run the model more
            efficiently, and while the model waits the decoders have the cores to themselves.
            0 runs whatever is decoded at once.
        :param torch_threads: if given, ``torch.set_num_threads`` for the inference thread.
        :param jpeg_decode: ``"auto"``: JPEGs decoded per batch on the GPU (nvJPEG, see
            :mod:`.tensor_pixels`) when the model runs on CUDA, by PIL on the decode threads
            otherwise; ``"tensor"``: the batched decoder on the model's device whatever it is
            (how its reference test runs on a CPU); ``"pil"``: always the decode threads.
        :param clock: what the batch-fill window is measured with (tests pass their own).
        """
        if jpeg_decode not in ("auto", "tensor", "pil"):
            raise ValueError(f"jpeg_decode must be auto, tensor or pil, not {jpeg_decode!r}")
        self._jpeg_decode = jpeg_decode
        if isinstance(max_batch, int) and max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        if prefetch is not None and prefetch < 1:
            raise ValueError("prefetch must be >= 1")
        self._loader: Callable[[], LoadedModel] = (
            (lambda: model) if isinstance(model, LoadedModel) else model  # type: ignore[assignment]
        )
        self._requested_batch = max_batch
        self._requested_prefetch = prefetch
        self._decode_workers = decode_workers
        self._torch_threads = torch_threads
        self._queue = Scheduler(batch_wait=batch_wait, clock=clock)
        # Provisional until the model (and so the device) is known; see _load.
        self._queue.max_batch = int(max_batch if isinstance(max_batch, int) else 32)
        self._queue.prefetch = int(prefetch or 2 * self._queue.max_batch)
        self._stats_lock = threading.Lock()
        self._stats = EngineStats()

        self._loaded = threading.Event()
        self._model: LoadedModel | None = None
        self._pipeline: PixelPipeline | None = None
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
        with self._queue.cond:
            if self._queue.closing:
                raise RuntimeError("embedding engine is closed")
            if self._load_error is not None:
                future.set_exception(self._load_error)
                return future
            self._queue.add_photo(source, future, priority)
        return future

    def submit_many(self, sources: list[ImageSource], *, priority: bool = False) -> list[cf.Future]:
        """:meth:`submit` for many photos at once (an import): one future each, in order.

        Queued together, so the first batch already knows how many photos are coming and fills
        up instead of starting with whatever happened to be decoded first.
        """
        futures: list[cf.Future] = [cf.Future() for _ in sources]
        with self._queue.cond:
            if self._queue.closing:
                raise RuntimeError("embedding engine is closed")
            if self._load_error is not None:
                for future in futures:
                    future.set_exception(self._load_error)
                return futures
            self._queue.add_photos(list(zip(sources, futures)), priority)
        return futures

    def encode_text(self, texts: list[str], *, background: bool = False) -> np.ndarray:
        """Embed texts on the inference thread (the model has one owner); blocks until done.

        Search text (the default) goes before photos. With ``background`` the job waits in the
        low-priority lane until no photo is queued, decoding or decoded, so work nobody is
        waiting for (naming the map's groups) never delays a visitor's shot; keep such jobs
        small (one prompt), a shot arriving meanwhile waits for the one in the model.

        Waits for the model if it is still loading; raises the load error if loading failed.
        Returns float32, L2-normalised, shape ``(len(texts), dim)``.
        """
        if threading.current_thread() is self._thread:  # e.g. from a future's done-callback
            return self._require_model().encode_text(list(texts))
        return self.submit_text(texts, background=background).result()

    def submit_text(self, texts: list[str], *, background: bool = False) -> cf.Future:
        """:meth:`encode_text` without blocking: the future's result is the text vectors.

        Raises the load error if loading failed, RuntimeError after :meth:`close`.
        """
        future: cf.Future = cf.Future()
        with self._queue.cond:
            if self._queue.closing:
                raise RuntimeError("embedding engine is closed")
            if self._load_error is not None:
                raise self._load_error
            self._queue.add_text(TextJob(list(texts), future, background))
        return future

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
    def max_batch(self) -> int:
        """The largest batch the model is given (the device default is known once loaded)."""
        return self._queue.max_batch

    @property
    def queue_length(self) -> int:
        """Photos submitted whose futures are not done yet (never blocks)."""
        return self._queue.unfinished_photos()

    @property
    def stats(self) -> EngineStats:
        """A snapshot of the engine's counters (never blocks)."""
        with self._stats_lock:
            return self._stats

    def close(self, cancel_pending: bool = True, *, wait: bool = True) -> None:
        """Stop the engine; idempotent. ``wait=False`` does the waiting on a thread of its own.

        With ``cancel_pending`` (default) queued photos are cancelled and only the batch in
        progress is waited for; if the model is still loading, the loader is not interrupted
        and the (daemon) inference thread exits once it returns. With ``cancel_pending=False``
        everything submitted is embedded first (waiting for the model to load if need be).
        """
        with self._queue.cond:
            first = not self._queue.closing
            to_cancel = self._queue.close(cancel_pending)
        for fut in to_cancel:
            fut.cancel()
        if not first:
            return
        if not wait:
            threading.Thread(target=self._wind_down, args=(cancel_pending,), name="piday-engine-close",
                             daemon=True).start()
            return
        self._wind_down(cancel_pending)

    def _wind_down(self, cancel_pending: bool) -> None:
        loading = not self._loaded.is_set()
        if threading.current_thread() is not self._thread and not (cancel_pending and loading):
            self._thread.join()
        pool = self._pool
        if pool is not None:
            # From a done-callback on a decode thread, waiting for the pool would wait for itself.
            on_decode_thread = threading.current_thread().name.startswith(_DECODE_THREAD)
            pool.shutdown(wait=not on_decode_thread, cancel_futures=True)

    # ------------------------------------------------------------------ internals

    def _count(self, **add: float) -> None:
        with self._stats_lock:
            s = self._stats
            self._stats = replace(s, **{k: getattr(s, k) + v for k, v in add.items()})

    def _require_model(self) -> LoadedModel:
        if self._load_error is not None:
            raise self._load_error
        if self._model is None:
            raise RuntimeError("the embedding engine was closed before its model loaded")
        return self._model

    def _spawn_decode(self) -> None:
        self._pool.submit(self._decode_next)  # type: ignore[union-attr]

    def _decode_next(self) -> None:
        """Decode thread: file to pixels for the photo at the head of the queue, if any is left."""
        taken = self._queue.take_photo()
        if taken is None:
            return
        source, future = taken
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
        self._count(decode_seconds=time.perf_counter() - start, failed=int(error is not None))
        self._queue.decoded(future, None if error is not None else pixels)
        if error is not None:
            settle_future(future, error=error)

    def _run(self) -> None:
        """Inference thread: load the model, then serve text jobs and image batches."""
        try:
            self._load()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the futures
            with self._queue.cond:  # submit checks the error under this lock, then queues
                self._load_error = exc
                futures = self._queue.fail_all()
            self._loaded.set()
            for fut in futures:
                settle_future(fut, error=exc)
            return
        try:
            while (job := self._queue.next_job()) is not None:
                if isinstance(job, TextJob):
                    if job.future.done():
                        continue
                    try:
                        settle_future(job.future, result=self._model.encode_text(job.texts))  # type: ignore[union-attr]
                    except Exception as exc:
                        settle_future(job.future, error=exc)
                else:
                    self._run_batch(job.items)
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
        requested = self._requested_batch
        if callable(requested):
            requested = requested(model.device)
        max_batch = int(requested or default_max_batch(model.device))
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self._model = model
        self._pipeline = self._make_pipeline(model)
        self._pool = cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=_DECODE_THREAD)
        self._count(load_seconds=time.perf_counter() - start)
        self._loaded.set()
        self._queue.start(self._spawn_decode, max_batch, int(self._requested_prefetch or 2 * max_batch))
        log.info(
            "embedding model %s ready on %s (%s) in %.1f s, %d decode threads",
            model.model_id, model.device, model.dtype, time.perf_counter() - start, workers,
        )

    def _make_pipeline(self, model: LoadedModel) -> PixelPipeline:
        on_gpu = str(model.device).startswith("cuda")
        if self._jpeg_decode == "tensor" or (self._jpeg_decode == "auto" and on_gpu):
            from .tensor_pixels import TensorJpegPipeline

            pipeline = TensorJpegPipeline(model.preprocess, model.image_size, decode_device=model.device)
            if pipeline.active:
                log.info("JPEGs are decoded per batch on %s", model.device)
                return pipeline
        return PixelPipeline(model.preprocess, model.image_size)

    def _run_batch(self, batch: list[tuple[Any, cf.Future]]) -> None:
        live = [(pixels, fut) for pixels, fut in batch if not fut.done()]
        if not live:
            return
        model = self._model
        assert model is not None and self._pipeline is not None
        start = time.perf_counter()
        try:
            x, errors = self._pipeline.batch_checked([p for p, _ in live], model.device)
            if errors:  # photos the batched decoder and PIL both refuse fail alone
                for i, error in errors.items():
                    settle_future(live[i][1], error=error)
                self._count(failed=len(errors))
                live = [item for i, item in enumerate(live) if i not in errors]
                if not live:
                    return
            vectors = model.encode_pixels(x)
        except Exception as exc:  # e.g. out of GPU memory: fail this batch, keep serving
            log.error("embedding batch of %d failed: %s", len(live), exc)
            self._count(failed=len(live))
            for _, fut in live:
                settle_future(fut, error=exc)
            return
        elapsed = time.perf_counter() - start
        with self._stats_lock:
            s = self._stats
            self._stats = replace(
                s,
                images=s.images + len(live),
                batches=s.batches + 1,
                largest_batch=max(s.largest_batch, len(live)),
                seconds=s.seconds + elapsed,
            )
        for i, (_, fut) in enumerate(live):
            settle_future(fut, result=vectors[i].copy())


def settle_future(future: cf.Future, *, result: Any = None, error: BaseException | None = None) -> None:
    """Complete a future unless it was cancelled meanwhile (a race we accept and ignore)."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except cf.InvalidStateError:
        pass
