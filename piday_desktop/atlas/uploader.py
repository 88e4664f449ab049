"""The station's background upload: an asyncio task around :class:`UploadEngine`.

Why asyncio on the UI thread's loop (qasync) rather than a QThread: waiting (backoff, "until
woken") costs nothing there and needs no locks, while every blocking part, database and network
alike, runs on one worker thread, so engine steps never overlap and the UI thread never
waits on a disk or a socket. A visitor's capture therefore never waits for the network.

The worker is a daemon thread (not a ThreadPoolExecutor, whose threads Python joins at exit):
closing the station never waits for a slow request. Whatever a step was doing is safe: rows
sent but not yet verified are verified at the next start.

Qt-free: status changes go out through :attr:`Uploader.status_changed` (a plain ``Signal``)
on the loop's thread, which is the UI thread under qasync.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from ..core.events import Signal
from . import erase, groups
from .engine import UploadEngine
from .erase import ForgetResult
from .lock import UploaderLock
from .status import UploadStatus

OTHER_UPLOADER = "another piday on this laptop is uploading this event"

log = logging.getLogger(__name__)


class SerialDaemonExecutor(Executor):
    """Runs jobs one after another on a single daemon thread (started on first use)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if not self._started:
                self._thread.start()
                self._started = True
        self._jobs.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._jobs.put(None)
        if wait and self._started:
            self._thread.join()

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 (handed to whoever awaits the future)
                future.set_exception(exc)


class Uploader:
    """Runs ``engine.step()`` until stopped; sleeps between steps until due or woken."""

    def __init__(self, engine: UploadEngine, lock: UploaderLock | None = None) -> None:
        """``lock`` defaults to the event's uploader lock; steps run only while it is held."""
        self.engine = engine
        self.lock = lock if lock is not None else UploaderLock(engine.store.directory)
        self.status_changed = Signal("atlas_status")  # (UploadStatus), on the loop's thread
        self._status = UploadStatus("queued")
        self._executor = SerialDaemonExecutor("piday-atlas")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        engine.on_status = self._from_engine

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "Uploader":
        """Start the task on the running (or current) event loop."""
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = asyncio.get_event_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="piday-atlas-uploader")
        return self

    async def stop(self, timeout: float = 3.0) -> None:
        """Stop after the current step, or leave it behind after ``timeout`` s; nothing queued is lost."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except asyncio.TimeoutError:
                self._task.cancel()
            except Exception:  # the task reports its own errors
                pass
        self._executor.shutdown(wait=False)
        self.lock.release()
        self._publish(UploadStatus("stopped", **_counts(self._status)))

    @property
    def status(self) -> UploadStatus:
        return self._status

    # --- actions (safe from any thread) -----------------------------------------------------

    def wake(self) -> None:
        """Look for work now (a visitor just finished); safe from any thread."""
        if self._loop is None or self._wake is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._wake.set)

    def retry_now(self) -> None:
        """Forget all backoffs and try at once (the status bar's "Retry now")."""
        self._submit(self.engine.retry_now)

    def forget(self, code: str, done: Callable[[ForgetResult | BaseException], None] | None = None) -> None:
        """Erase a visitor locally now and rebuild the map without them in the background."""
        def job() -> None:
            try:
                result: ForgetResult | BaseException = erase.forget_participant(self.engine.store, code)
            except Exception as exc:  # reported to the caller, e.g. "no participant P-099"
                result = exc
            if done is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(done, result)
        self._submit(job)

    def record_groups(self, clusters) -> None:
        """The live map renamed its groups: keep each photo's group name for the next upload.

        ``clusters`` as the live map holds them (name + photo ids); written on the upload
        thread, so the UI thread never waits for the database.
        """
        names = groups.from_clusters(clusters)
        if not names:  # a map being reloaded, or too small to group: keep the last names
            return
        self._submit(lambda: groups.record(self.engine.store, names))

    def _submit(self, job: Callable[[], None]) -> None:
        if self._loop is None:
            job()
            return

        def run() -> None:
            fut = self._loop.run_in_executor(self._executor, job)
            fut.add_done_callback(lambda _f: self.wake())
        self._loop.call_soon_threadsafe(run)

    # --- the task -------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._loop is not None and self._wake is not None
        while not self._stopping:
            if not self.lock.acquire():
                self._publish(UploadStatus("waiting", reason=OTHER_UPLOADER, **_counts(self._status)))
                await self._sleep(self.engine.settings.idle_poll_s)
                continue
            try:
                result = await self._loop.run_in_executor(self._executor, self.engine.step)
            except Exception as exc:  # a bug or the disk: never end the task, report and back off
                log.exception("Atlas upload step failed")
                self._publish(UploadStatus("failing", reason=f"internal error: {type(exc).__name__}: {exc}",
                                           **_counts(self._status)))
                result = None
            if self._stopping:
                break
            if result is not None and result.worked:
                await asyncio.sleep(0)  # let the UI breathe between steps
                continue
            await self._sleep(30.0 if result is None else max(0.0, result.wait))

    async def _sleep(self, seconds: float) -> None:
        """Until ``seconds`` pass or someone calls :meth:`wake`."""
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass
        self._wake.clear()

    def _from_engine(self, status: UploadStatus) -> None:
        """Engine callback, on the executor thread: hop to the loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._status = status
            return
        loop.call_soon_threadsafe(self._publish, status)

    def _publish(self, status: UploadStatus) -> None:
        self._status = status
        self.status_changed.emit(status)


def _counts(status: UploadStatus) -> dict:
    return dict(queued=status.queued, sending=status.sending, failing=status.failing, uploaded=status.uploaded,
                map_link=status.map_link, rebuilding=status.rebuilding, last_rebuild_s=status.last_rebuild_s,
                note=status.note)
