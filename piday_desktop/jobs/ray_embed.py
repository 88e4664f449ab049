"""`piday embed --engine ray`: the driver of a Ray Data pipeline that embeds what is missing.

The only module that imports ray (an optional extra: ``pip install "piday-desktop[ray]"``).

    photos still missing a vector for the model     (this process: the catalogue)
      -> DecodeStage, CPU tasks                      (file -> pixels, the local engine's code)
      -> EmbedStage, an actor pool                   (one model per actor; a GPU each when asked)
      -> blocks of vectors streamed back             (committed here, one transaction a block)
         or, with ``out``, Parquet shards written by the actors (`piday import-vectors`)

Resumable: only photos without a vector (or, with ``out``, without one in the shards already
there) are dispatched, and each block is committed as it arrives, so a killed run loses at most
the blocks in flight. KeyboardInterrupt stops the pipeline and keeps what was committed.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.store import EventStore, Photo
from .embed import EmbedResult, ProgressFn, _describe, embedding_turn

INSTALL_HINT = 'pip install "piday-desktop[ray]"'
DECODE_BLOCK = 32  # photos per decode task: enough to amortise a task, small enough to spread
# Memory a decode task reserves: its process holds ~500 MB (unpickling open_clip's transform
# imports torchvision), and a 50 MP PNG (the largest non-JPEG images.py decodes) is ~150 MB of
# RGB plus its resized copy. Differing from the actors' request, it also keeps Ray Data from
# fusing decoding into the actors: decode tasks run beside the model, on other cores.
DECODE_MEMORY = 1024 * 1024 * 1024
CPU_BATCH = 64  # photos per model call on a CPU actor (run in chunks of the device's best size)
GPU_BATCH = 256  # ... on a GPU actor: large batches are what a GPU is for
log = logging.getLogger(__name__)


class RayUnavailable(RuntimeError):
    """Ray is not installed here; the message says how to get it."""


class RayJobError(RuntimeError):
    """The cluster could not be reached or the pipeline failed (one line); ``kind`` says which."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind  # "connect", "resources", "model" or "failed"


@dataclass
class RayOptions:
    address: str | None = None  # None: a local Ray on this machine; "auto"; "ray://HOST:10001"
    workers: int | None = None  # actors in the pool; default: one per GPU (or 1 without GPUs)
    gpus_per_worker: float | None = None  # default: 1 when the cluster has GPUs, else 0
    cpus_per_worker: float = 1.0  # for an actor without a GPU: the model's threads
    device: str = "auto"  # what each actor loads the model on (auto: the GPU Ray gave it, if any)
    out: str | None = None  # write Parquet shards here instead of committing
    photos_at: str | None = None  # where workers find the event's photos folder (path or URI)
    decode_block: int = DECODE_BLOCK
    batch_size: int | None = None  # photos per actor call; default CPU_BATCH / GPU_BATCH
    relay: bool | None = None  # run the pipeline in an actor on the cluster (default: for ray://)


@dataclass
class WorkerStats:
    """One actor's share of a run, from the rows it returned (its own clock, so no skew)."""

    images: int = 0
    model_seconds: float = 0.0  # the model's own time (to-tensor, normalise, forward)
    batches: dict[float, int] = field(default_factory=dict)  # when a batch finished (worker's time.time()) -> photos

    @property
    def model_rate(self) -> float:
        return self.images / self.model_seconds if self.model_seconds > 0 else 0.0

    @property
    def steady_rate(self) -> float:
        """Photos per second after its first batch: decode feeding and Ray's hand-offs included,
        its start (process, torch import, model load) not. 0 with fewer than two batches."""
        if len(self.batches) < 2:
            return 0.0
        first, last = min(self.batches), max(self.batches)
        return (self.images - self.batches[first]) / (last - first)


@dataclass
class RayEmbedResult(EmbedResult):
    dispatched: int = 0  # photos sent to the cluster (those missing a vector)
    written: int = 0  # vectors written as shards (``out``)
    workers: int = 0
    gpus_per_worker: float = 0.0
    device: str = ""
    per_worker: dict[str, WorkerStats] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.embedded + self.written


def import_ray(address: str | None = None):
    """``ray`` and ``ray.data``, or RayUnavailable with the install command.

    For a ``ray://`` address, call this before anything imports ray: Ray reads the token
    authentication mode once, when it is imported (see :func:`_client_token_auth`).
    """
    if (address or "").startswith("ray://"):
        _client_token_auth()
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RayUnavailable(f"the Ray engine needs Ray, which is not installed here: {INSTALL_HINT}") from exc
    return ray


def embed_on_ray(
    store: EventStore, spec: Any, options: RayOptions | None = None, *, progress: ProgressFn | None = None,
    result: RayEmbedResult | None = None, on_wait: Callable[[], None] | None = None,
    on_started: Callable[[RayEmbedResult], None] | None = None,
) -> RayEmbedResult:
    """Embed what ``spec`` (a ModelSpec) lacks on Ray; KeyboardInterrupt keeps what finished.

    Uses the Ray session this process already has (``ray.init`` done by the caller), else
    connects to ``options.address``, else starts a local Ray and shuts it down afterwards.
    ``result`` holds what was committed even if this raises. ``on_started`` is called once the
    cluster is reached and the plan (workers, GPUs) is known.
    """
    options = options or RayOptions()
    result = result if result is not None else RayEmbedResult()
    ray = import_ray(options.address)
    model_id = spec.model_id
    with embedding_turn(store, model_id, on_wait):
        todo = store.photos_missing_embedding(model_id)
        if options.out is not None:
            from .vector_shards import shard_ids

            written = shard_ids(options.out, model_id)
            todo = [p for p in todo if p.id not in written]
        result.dispatched = len(todo)
        if progress:
            progress(0, len(todo))
        if not todo:
            return result
        started_here = _connect(ray, options)
        before = store.vector_count(model_id)
        try:
            _run(ray, store, spec, model_id, todo, options, result, progress, on_started)
        finally:
            if options.out is None:
                # Counted from the catalogue: a Ctrl-C landing between a block's commit and the
                # count would otherwise under-report what is kept (we hold the model's embed lock).
                result.embedded = store.vector_count(model_id) - before
            if started_here:
                ray.shutdown()
    return result


def _connect(ray, options: RayOptions) -> bool:
    """Join or start Ray; True if this call started it (and so shuts it down)."""
    if ray.is_initialized():
        return False
    # Ray's own chatter (token notices, C++ core-worker lines, Ray Data's execution logs) would
    # interleave with our progress bar; its errors still reach us as exceptions.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # (it then says so once, on one line)
    kwargs: dict[str, Any] = dict(logging_level=logging.ERROR, log_to_driver=False, include_dashboard=False)
    if options.address:
        # The cluster's workers import piday from what this driver ships (open_clip and torch
        # must be in the cluster's image; see docs/ray.md).
        import piday_desktop

        kwargs.pop("include_dashboard")
        kwargs["runtime_env"] = {"py_modules": [str(Path(piday_desktop.__file__).parent)]}
        try:
            ray.init(address=options.address, **kwargs)
        except Exception as exc:  # ConnectionError, a Ray Client handshake failure, a bad address
            raise RayJobError(f"cannot reach a Ray cluster at {options.address}: {_first_line(exc)}",
                              "connect") from None
        return True
    ray.init(address="local", **kwargs)  # a new one even if this machine runs a cluster: --address auto joins that
    return True


def _client_token_auth() -> None:
    """Send this machine's Ray token through Ray Client, as ``ray.init("auto")`` does by itself.

    Ray 2.60 clusters use token authentication by default; the Ray Client only sends the token
    with RAY_AUTH_MODE=token, read when ray is imported. When the user has one (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or
    ~/.ray/auth_token, e.g. from `ray get-auth-token`) and did not choose a mode, use it.
    """
    if "RAY_AUTH_MODE" in os.environ:
        return
    path = os.environ.get("RAY_AUTH_TOKEN_PATH") or str(Path.home() / ".ray" / "auth_token")
    if os.environ.get("RAY_AUTH_TOKEN") or Path(path).is_file():
        os.environ["RAY_AUTH_MODE"] = "token"


def _plan(ray, options: RayOptions, todo: int) -> tuple[int, float, int]:
    """(actors, GPUs per actor, photos per actor call) for ``todo`` photos on this cluster."""
    resources = ray.cluster_resources()
    gpus = float(resources.get("GPU", 0))
    gpw = options.gpus_per_worker
    if gpw is None:
        gpw = 1.0 if gpus >= 1 else 0.0
    if gpw > 0 and gpus < gpw:
        raise RayJobError(f"--gpus-per-worker {gpw:g} but the Ray cluster has {gpus:g} GPU(s)", "resources")
    # Every actor holds its CPUs for the whole run (a GPU actor one, for feeding its GPU), and
    # the decode tasks need at least one more: actors holding every CPU would wait forever for
    # pixels no task can be scheduled to decode.
    cpus = float(resources.get("CPU", 0))
    actor_cpus = options.cpus_per_worker if gpw == 0 else 1.0
    room = int((cpus - 1) // actor_cpus)
    workers = options.workers or (max(1, int(gpus // gpw)) if gpw > 0 else 1)
    if workers > room:
        if room < 1 or options.workers:
            raise RayJobError(
                f"{workers} worker(s) of {actor_cpus:g} CPU need {workers * actor_cpus + 1:g} CPUs (one more for "
                f"decoding); the Ray cluster has {cpus:g}" + (f": use --workers {room} or fewer" if room >= 1 else ""),
                "resources")
        workers = room
    batch = options.batch_size or (GPU_BATCH if gpw > 0 else CPU_BATCH)
    # No point loading a model on more actors than there are batches to give them.
    workers = max(1, min(workers, math.ceil(todo / batch)))
    return workers, gpw, batch


@dataclass(frozen=True)
class _Plan:
    """Everything the pipeline needs, picklable: the relay builds it on the cluster."""

    items: list[dict[str, str]]
    pipeline: Any  # PixelPipeline
    spec: Any
    model_id: str
    options: RayOptions
    workers: int
    gpus_per_worker: float
    batch: int


def _blocks(ray, plan: _Plan) -> Iterator[dict[str, np.ndarray]]:
    """The Ray Data pipeline's output blocks as they finish; closing this stops the pipeline."""
    from .ray_stages import DecodeStage, EmbedStage

    options = plan.options
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its notices would break our progress bar
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours is the rich bar; Ray's would interleave with it
    context.print_on_execution_start = False
    ds = ray.data.from_items(plan.items, override_num_blocks=max(1, math.ceil(len(plan.items) / options.decode_block)))
    ds = ds.map_batches(DecodeStage(plan.pipeline, options.photos_at), batch_size=options.decode_block,
                        batch_format="numpy", num_cpus=1, memory=DECODE_MEMORY)
    gpw = plan.gpus_per_worker
    embed_args: dict[str, Any] = dict(num_gpus=gpw, num_cpus=1) if gpw > 0 else dict(num_cpus=options.cpus_per_worker)
    ds = ds.map_batches(
        EmbedStage, batch_size=plan.batch, batch_format="numpy",
        fn_constructor_kwargs=dict(spec=plan.spec, model_id=plan.model_id, pipeline=plan.pipeline,
                                   device=options.device, out=options.out),
        compute=ray.data.ActorPoolStrategy(size=plan.workers), **embed_args,
    )
    batches = ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=1)
    try:
        yield from batches
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # stops the streaming executor: no more tasks are started


_END = "end"


class PipelineRelay:
    """Runs the pipeline on the cluster for a driver connected through Ray Client (``ray://``).

    Ray Data's streaming executor cannot run through Ray Client (it needs a full core worker),
    nor can a streaming generator be read through it; so an actor on the cluster iterates the
    pipeline on a thread and hands finished blocks over in lists, a few blocks deep (enough to
    keep the pipeline busy while the driver commits, little enough to bound memory).
    """

    def __init__(self, plan: _Plan, depth: int = 4) -> None:
        import queue
        import threading

        import ray

        self._queue: Any = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, args=(ray, plan), name="piday-ray-relay", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _pump(self, ray, plan: _Plan) -> None:
        blocks = _blocks(ray, plan)
        try:
            for block in blocks:
                if not self._put(block):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the driver by take()
            self._error = exc
        finally:
            blocks.close()
            self._put(_END)

    def take(self, wait: float = 1.0) -> tuple[list[dict[str, np.ndarray]], bool]:
        """(blocks finished since the last call, whether the pipeline is done); raises its error."""
        import queue

        items = []
        try:
            items.append(self._queue.get(timeout=wait))
            while True:
                items.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        finished = any(isinstance(i, str) and i == _END for i in items)
        if finished and self._error is not None:
            raise self._error
        return [i for i in items if not isinstance(i, str)], finished

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _relayed(ray, plan: _Plan) -> Iterator[dict[str, np.ndarray]]:
    relay = ray.remote(num_cpus=0, max_concurrency=2)(PipelineRelay).remote(plan)
    try:
        while True:
            blocks, finished = ray.get(relay.take.remote())
            yield from blocks
            if finished:
                return
    finally:
        try:
            ray.get(relay.stop.remote(), timeout=60)
        except Exception:  # already gone, or the interrupt is more important than a clean stop
            pass
        ray.kill(relay)


def _run(ray, store: EventStore, spec, model_id: str, todo: list[Photo], options: RayOptions,
         result: RayEmbedResult, progress: ProgressFn | None, on_started) -> None:
    import time

    from ..embedding.models import load_preprocess
    from ..embedding.pixels import PixelPipeline

    workers, gpw, batch = _plan(ray, options, len(todo))
    result.workers, result.gpus_per_worker = workers, gpw
    if on_started is not None:
        on_started(result)
    by_id = {p.id: p for p in todo}
    plan = _Plan(
        # An in-place photo (import --in-place) carries its recorded SHA-256 and size: the worker
        # decodes it only if the file still is that photo, as the local engine does.
        items=[{"photo_id": p.id, "path": _worker_path(store, p, options.photos_at),
                "sha256": p.sha256 if p.in_place else "", "size": int(p.size_bytes)} for p in todo],
        pipeline=PixelPipeline(*load_preprocess(spec)), spec=spec, model_id=model_id, options=options,
        workers=workers, gpus_per_worker=gpw, batch=batch,
    )
    relay = options.relay if options.relay is not None else (options.address or "").startswith("ray://")
    started = time.perf_counter()
    done = 0
    blocks = _relayed(ray, plan) if relay else _blocks(ray, plan)
    try:
        for block in blocks:
            done += _take(store, model_id, block, by_id, options, result)
            if progress:
                progress(done, len(todo))
    except (KeyboardInterrupt, RayJobError):
        raise
    except Exception as exc:
        raise _job_error(ray, exc) from exc
    finally:
        blocks.close()
        result.seconds = time.perf_counter() - started


def _take(store: EventStore, model_id: str, block: dict[str, np.ndarray], by_id: dict[str, Photo],
          options: RayOptions, result: RayEmbedResult) -> int:
    """Commit one block of results (one transaction); returns how many photos it settled."""
    ids = [str(i) for i in block["photo_id"]]
    ok = np.asarray(block["ok"], dtype=bool)
    devices = [str(d) for d in block["device"]]
    for i in np.flatnonzero(~ok):
        photo = by_id.get(ids[i])
        result.failed.append((_describe(photo) if photo else ids[i], str(block["error"][i])))
    for worker, secs, at, good in zip(block["worker"], block["model_seconds"], block["finished_at"], ok):
        if good:
            stats = result.per_worker.setdefault(str(worker), WorkerStats())
            stats.images += 1
            stats.model_seconds += float(secs)
            stats.batches[float(at)] = stats.batches.get(float(at), 0) + 1
    if ok.any():
        result.device = devices[int(np.flatnonzero(ok)[0])]
    if options.out is not None:
        result.written += int(ok.sum())
        return len(ids)
    vectors = np.asarray(block["vector"], dtype=np.float32)
    for device in sorted({devices[i] for i in np.flatnonzero(ok)}):
        rows = [(ids[i], vectors[i]) for i in np.flatnonzero(ok) if devices[i] == device]
        result.embedded += store.put_embeddings(rows, model_id=model_id, device=device)
    return len(ids)


def _worker_path(store: EventStore, photo: Photo, photos_at: str | None) -> str:
    path = store.photo_path(photo)
    if photos_at is None:
        return str(path)
    try:
        return path.relative_to(store.photos_dir).as_posix()
    except ValueError:
        raise RayJobError(f"photo {photo.id} is not in the event's photos folder, so --photos-at cannot "
                          "say where a worker finds it", "failed") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _job_error(ray, exc: BaseException) -> RayJobError:
    """A failure inside the pipeline as one line: the worker's own exception when there is one."""
    from ..embedding.models import ModelLoadError, WeightsUnavailable

    cause: BaseException | None = exc
    seen = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (ModelLoadError, WeightsUnavailable)):
            return RayJobError(f"a Ray worker cannot load the model: {_first_line(cause)}", "model")
        inner = getattr(cause, "cause", None)  # ray.exceptions.RayTaskError carries the worker's
        cause = inner if isinstance(inner, BaseException) else cause.__cause__
    text = _first_line(exc)
    for marker in ("ModelLoadError", "WeightsUnavailable"):
        if marker in str(exc):
            tail = str(exc).split(marker, 1)[1].lstrip(": ").splitlines()[0]
            return RayJobError(f"a Ray worker cannot load the model: {tail}", "model")
    return RayJobError(f"the Ray pipeline failed: {text}", "failed")


def cluster_summary(result: RayEmbedResult) -> str:
    """``2 workers, 1 GPU each`` / ``1 worker on CPU``: what the run asked the cluster for."""
    n = result.workers
    where = f", {result.gpus_per_worker:g} GPU each" if result.gpus_per_worker else " on CPU"
    return f"{n} worker{'s' if n != 1 else ''}{where}"
