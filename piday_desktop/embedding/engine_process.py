"""The embedding engine in a process of its own, for the station (issue 11, item 13).

Why a process: importing torch and open_clip holds the GIL for long stretches (torch's ``_C``
initialisation ~0.4 s at a time, open_clip's import ~1 s), so on a background *thread* the
station's preview still froze for up to 0.75 s while the model loaded. In a child process the
window's interpreter never imports torch at all: no stall, ~0.5 GB less in the UI process, and a
crash in the model (out of memory, a driver fault) no longer takes the station down with it.

:class:`EngineProcess` has the surface of :class:`~.engine.EmbeddingEngine` the station uses
(``submit``, ``submit_many``, ``submit_text``, ``encode_text``, ``ready``, ``model_id``,
``device``, ``dim``, ``queue_length``, ``stats``, ``close``). Photos go by path (or bytes for the
live probe's small JPEGs); vectors come back as float32 arrays. The child runs an ordinary
``EmbeddingEngine`` (its scheduler decides who goes next, as in process) and sends its log
records to the parent's log.

Protocol over one ``multiprocessing`` pipe (pickled tuples):

- parent -> child: ``("photo", id, source, priority)``, ``("photos", [(id, source)], priority)``,
  ``("text", id, texts, background)``, ``("cancel", id)``, ``("close", cancel_pending)``;
- child -> parent: ``("ready", info)``, ``("failed", error)``, ``("ok", id, value, stats)``,
  ``("error", id, error, stats)``, ``("log", level, name, message)``, ``("closed",)``.

Sends from the UI thread only enqueue (a writer thread owns the pipe's sending end), so the UI
thread never blocks on a full pipe. If the child dies, every unfinished future fails with
:class:`EngineProcessDied` and ``on_exit`` is called with the reason, so the station can start
another one; if the parent dies, the child sees the pipe close and exits.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import itertools
import logging
import multiprocessing
import multiprocessing.util  # noqa: F401 - its exit hook must be registered before ours
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.images import ImageError, VerifiedFile
from .engine import EngineStats, EngineSurface, settle_future  # torch-free at import, like everything here

log = logging.getLogger(__name__)

#: How long ``close`` waits for the child to finish its batch and exit before killing it.
CLOSE_WAIT_S = 5.0


#: Set when this interpreter exits: multiprocessing then ends our (daemon) children itself, which
#: is no crash to report. Registered after multiprocessing's own exit hook, so it runs first.
_exiting = threading.Event()
atexit.register(_exiting.set)  # multiprocessing.util (imported above) registered its hook first


class EngineProcessDied(RuntimeError):
    """The model's process stopped without being asked to (killed, out of memory, a crash)."""


@dataclass(frozen=True)
class EngineInfo:
    """What the child reports once its model is loaded."""

    model_id: str
    device: str
    dim: int
    dtype: str
    max_batch: int
    pid: int


def _wire_error(exc: BaseException) -> tuple[str, str]:
    """An exception as (kind, message): user-facing reasons survive, odd types never break pickling."""
    kind = "image" if isinstance(exc, ImageError) else "closed" if isinstance(exc, cf.CancelledError) else "other"
    return kind, str(exc) or type(exc).__name__


def _from_wire(error: tuple[str, str]) -> BaseException:
    kind, message = error
    if kind == "image":
        return ImageError(message)
    if kind == "closed":
        return cf.CancelledError(message)
    return RuntimeError(message)


class EngineProcess(EngineSurface):
    """The parent's side: futures for requests answered by the child's ``EmbeddingEngine``.

    ``cpu_batch`` caps the batch when the model runs on the CPU (see ``EmbeddingEngine``'s
    ``max_batch``). Constructing it starts the child and returns at once; ``on_ready(self)`` runs (on a reader
    thread) once the model is loaded, ``on_error(reason)`` if it cannot load, and
    ``on_exit(reason)`` if the child stops later without being closed. Wrap callbacks that touch
    Qt with ``UiInvoker.post``.
    """

    def __init__(
        self,
        model: str,
        device: str = "auto",
        *,
        cpu_batch: int | None = None,
        on_ready: Callable[["EngineProcess"], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_exit: Callable[[str], None] | None = None,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._process = ctx.Process(target=_child_main, args=(child_conn, model, device, cpu_batch),
                                    name="piday-engine", daemon=True)
        self._on_ready, self._on_error, self._on_exit = on_ready, on_error, on_exit
        self._lock = threading.Lock()
        self._futures: dict[int, cf.Future] = {}
        self._photo_ids: set[int] = set()
        self._ids = itertools.count(1)
        self._outgoing: queue.SimpleQueue = queue.SimpleQueue()
        self._loaded = threading.Event()
        self._info: EngineInfo | None = None
        self._load_error: BaseException | None = None
        self._stats = EngineStats()
        self._closing = False
        self._gone = threading.Event()  # set by the reader once the child has exited
        self._process.start()
        child_conn.close()  # the child's end lives in the child: EOF here once it is gone
        threading.Thread(target=self._send_loop, name="piday-engine-send", daemon=True).start()
        threading.Thread(target=self._read_loop, name="piday-engine-read", daemon=True).start()

    # ------------------------------------------------------------------ the engine's surface

    def submit(self, source: Any, *, priority: bool = False) -> cf.Future:
        """Queue one photo (a path, bytes or a ``VerifiedFile``); the future's result is its vector."""
        return self.submit_many([source], priority=priority)[0]

    def submit_many(self, sources: list[Any], *, priority: bool = False) -> list[cf.Future]:
        """Queue photos together, one future each, in order (the child's batches know how many come)."""
        items, futures = [], []
        with self._lock:
            error = self._load_error
            if error is None:
                self._check_open()
            for source in sources:
                if not isinstance(source, (bytes, str, os.PathLike, VerifiedFile)):
                    source = source.read()  # an open file: its bytes cross the pipe
                fid, future = self._new_future(photo=True)
                items.append((fid, source))
                futures.append(future)
        if error is not None:  # outside the lock: done-callbacks take it
            for future in futures:
                settle_future(future, error=error)
        elif items:
            self._outgoing.put(("photos", items, priority))
        return futures

    def submit_text(self, texts: list[str], *, background: bool = False) -> cf.Future:
        """Text vectors, shape ``(len(texts), dim)``, as a future (see ``EmbeddingEngine.encode_text``)."""
        with self._lock:
            if self._load_error is not None:
                raise self._load_error
            self._check_open()
            fid, future = self._new_future(photo=False)
        self._outgoing.put(("text", fid, list(texts), background))
        return future

    def encode_text(self, texts: list[str], *, background: bool = False) -> np.ndarray:
        """Blocks until the child has encoded the texts (never call it on the UI thread)."""
        return self.submit_text(texts, background=background).result()

    def wait_ready(self, timeout: float | None = None) -> EngineInfo:
        """Block until the model is loaded; raise its load error if it failed."""
        if not self._loaded.wait(timeout):
            raise TimeoutError("the embedding model is still loading")
        if self._info is None:
            raise self._load_error or RuntimeError("the embedding engine was closed before its model loaded")
        return self._info

    @property
    def ready(self) -> bool:
        return self._info is not None and self._load_error is None

    @property
    def load_error(self) -> BaseException | None:
        return self._load_error

    @property
    def max_batch(self) -> int:
        return self._info.max_batch if self._info is not None else 32

    @property
    def pid(self) -> int | None:
        """The child's process id (tests kill it to prove the station recovers)."""
        return self._process.pid

    @property
    def queue_length(self) -> int:
        """Photos submitted whose futures are not done yet (never blocks)."""
        with self._lock:
            return len(self._photo_ids)

    @property
    def stats(self) -> EngineStats:
        """The child's counters as of its last answer."""
        return self._stats

    def close(self, cancel_pending: bool = True, *, wait: bool = True) -> None:
        """Stop the child; idempotent. Waits at most ``CLOSE_WAIT_S`` for it, then kills it.

        With ``cancel_pending`` unfinished futures are cancelled; without, the child embeds
        everything submitted first (and this waits for that). With ``wait=False`` the waiting
        (and a kill) happen on a thread of their own: for the UI thread replacing a model.
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
            pending = list(self._futures.values()) if cancel_pending else []
        self._outgoing.put(("close", cancel_pending))
        for future in pending:
            future.cancel()
        if wait:
            self._reap(cancel_pending)
        else:
            threading.Thread(target=self._reap, args=(cancel_pending,), name="piday-engine-reap", daemon=True).start()

    def _reap(self, cancel_pending: bool) -> None:
        # Only the reader thread joins the process (two threads joining one process race in
        # waitpid); it is done once the child has closed its end of the pipe and exited.
        if not self._gone.wait(CLOSE_WAIT_S if cancel_pending else None):
            log.warning("the embedding process did not stop within %.0f s: killing it", CLOSE_WAIT_S)
            self._process.kill()
            self._gone.wait(CLOSE_WAIT_S)  # the reader then ends the sending thread too

    # ------------------------------------------------------------------ internals

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("embedding engine is closed")

    def _new_future(self, *, photo: bool) -> tuple[int, cf.Future]:
        fid = next(self._ids)
        future: cf.Future = cf.Future()
        self._futures[fid] = future
        if photo:
            self._photo_ids.add(fid)
        future.add_done_callback(lambda f, fid=fid: self._forget(fid, f.cancelled()))
        return fid, future

    def _forget(self, fid: int, cancelled: bool) -> None:
        with self._lock:
            self._futures.pop(fid, None)
            self._photo_ids.discard(fid)
            closing = self._closing
        if cancelled and not closing:
            self._outgoing.put(("cancel", fid))

    def _send_loop(self) -> None:
        while (message := self._outgoing.get()) is not None:
            try:
                self._conn.send(message)
            except (OSError, EOFError, BrokenPipeError):
                return  # the child is gone: the reader reports it
            except Exception as exc:  # noqa: BLE001 - an unpicklable source fails its own futures
                self._fail_message(message, RuntimeError(f"cannot hand this to the model: {exc}"))

    def _fail_message(self, message: tuple, error: BaseException) -> None:
        ids = [fid for fid, _ in message[1]] if message[0] == "photos" else [message[1]]
        for fid in ids:
            with self._lock:
                future = self._futures.get(fid)
            if future is not None:
                settle_future(future, error=error)

    def _read_loop(self) -> None:
        closed_cleanly = False
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind in ("ok", "error"):
                _, fid, value, stats = message
                self._stats = stats
                with self._lock:
                    future = self._futures.get(fid)
                if future is not None:
                    if kind == "ok":
                        settle_future(future, result=value)
                    else:
                        settle_future(future, error=_from_wire(value))
            elif kind == "log":
                _, level, name, text = message
                logging.getLogger(name).log(level, "%s", text)
            elif kind == "ready":
                self._info = message[1]
                self._loaded.set()
                if self._on_ready is not None:
                    self._on_ready(self)
            elif kind == "failed":
                self._load_error = _from_wire(message[1])
                self._loaded.set()
                if self._on_error is not None:
                    self._on_error(str(self._load_error))
            elif kind == "closed":
                closed_cleanly = True
        self._conn.close()
        self._process.join()  # its end of the pipe is closed: it has exited or is about to
        self._gone.set()
        self._ended(closed_cleanly)

    def _ended(self, closed_cleanly: bool) -> None:
        """The pipe closed: fail what is left; tell the owner if nobody asked the child to stop."""
        self._outgoing.put(None)  # the sending thread ends too
        code = self._process.exitcode
        with self._lock:
            asked = self._closing
            self._closing = True
            left = list(self._futures.values())
        reason = f"the model's process stopped unexpectedly (exit code {code})"
        failed_load = self._load_error is not None  # already reported; the child had nothing to serve
        error = self._load_error or EngineProcessDied(reason)
        for future in left:
            settle_future(future, error=error)
        quiet = asked or closed_cleanly or failed_load or _exiting.is_set()
        if not self._loaded.is_set():  # died while loading
            self._load_error = error
            self._loaded.set()
            if not quiet and self._on_error is not None:
                self._on_error(reason)
        elif not quiet:
            log.error("%s; %d request(s) failed", reason, len(left))
            if self._on_exit is not None:
                self._on_exit(reason)


# ---------------------------------------------------------------------- the child


class _PipeLogHandler(logging.Handler):
    """The child's log records go to the parent's log, one line each."""

    def __init__(self, send: Callable[[tuple], None]) -> None:
        super().__init__(logging.INFO)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            self._send(("log", record.levelno, record.name, text))
        except Exception:  # noqa: BLE001 - logging must never take the engine down
            pass


def _child_main(conn: Any, model: str, device: str, cpu_batch: int | None) -> None:
    """The child: an ordinary EmbeddingEngine, fed from the pipe, answering on it."""
    import signal

    # Ctrl-C in the terminal reaches the whole process group: the station decides (it closes the
    # model through the pipe); a child dying of it first would look like a crash to restart.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock:
            try:
                conn.send(message)
            except (OSError, EOFError, BrokenPipeError):
                pass  # the parent is gone; the main loop exits on its next recv

    root = logging.getLogger()
    root.handlers[:] = [_PipeLogHandler(send)]
    root.setLevel(logging.INFO)

    from ..core.heap import settle
    from .engine import EmbeddingEngine
    from .models import DEFAULT_MODEL, ModelSpec, load_model

    # Parsing is part of loading: a bad spec (a weights file that is not there) is a load error
    # the station shows, not a child that dies before it could say why.
    engine = EmbeddingEngine(lambda: load_model(ModelSpec.parse(model or DEFAULT_MODEL), device=device),
                             max_batch=lambda dev: cpu_batch if dev == "cpu" else None)
    futures: dict[int, cf.Future] = {}
    futures_lock = threading.Lock()

    def report_ready() -> None:
        try:
            loaded = engine.wait_ready()
        except BaseException as exc:  # noqa: BLE001 - every load failure is a message
            send(("failed", _wire_error(exc)))
            conn.close()
            os._exit(0)  # nothing to serve: the parent fails later requests itself
        settle()  # torch, open_clip and the model stay all day: never walk them again
        send(("ready", EngineInfo(loaded.model_id, loaded.device, loaded.dim, str(loaded.dtype),
                                  engine.max_batch, os.getpid())))

    threading.Thread(target=report_ready, name="piday-engine-ready", daemon=True).start()

    def answer(fid: int, future: cf.Future) -> None:
        with futures_lock:
            futures.pop(fid, None)
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            send(("error", fid, _wire_error(error), engine.stats))
        else:
            send(("ok", fid, future.result(), engine.stats))

    def track(fid: int, future: cf.Future) -> None:
        with futures_lock:
            futures[fid] = future
        future.add_done_callback(lambda f, fid=fid: answer(fid, f))

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent died: nobody wants the answers
            os._exit(0)
        kind = message[0]
        try:
            if kind == "photos":
                _, items, priority = message
                for (fid, _), future in zip(items, engine.submit_many([s for _, s in items], priority=priority)):
                    track(fid, future)
            elif kind == "text":
                _, fid, texts, background = message
                try:
                    track(fid, engine.submit_text(texts, background=background))
                except BaseException as exc:  # noqa: BLE001 - load error: the request's own answer
                    send(("error", fid, _wire_error(exc), engine.stats))
            elif kind == "cancel":
                with futures_lock:
                    future = futures.get(message[1])
                if future is not None:
                    future.cancel()
            elif kind == "close":
                engine.close(cancel_pending=message[1])
                send(("closed",))
                conn.close()
                os._exit(0)  # a loader still importing torch is not waited for
        except RuntimeError as exc:  # the engine closed under a request
            log.warning("request %s refused: %s", kind, exc)
