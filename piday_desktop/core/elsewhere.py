"""Run one function in a short-lived process of its own (spawned), and wait for its answer.

For the station: anything that imports torch or open_clip (the model catalogue for Settings,
verifying a model file a volunteer imports) would, on a thread of the window's process, hold the
GIL for a second at a time and freeze the preview, and leave ~0.5 GB of libraries behind. In a
child it costs the window nothing. Blocking: call it off the UI thread. The function and its
arguments must be importable and picklable; its exception comes back as itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_elsewhere(fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """``fn(*args)`` in a fresh spawned process; its result, or its exception raised here."""
    ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result(timeout=timeout)


def run_elsewhere_streaming(fn: Callable[..., T], *args: Any, on_item: Callable[[Any], None],
                            poll_s: float = 0.5) -> T:
    """``fn(*args, on_result=...)`` in a fresh spawned process, each ``on_result(item)`` of the
    child delivered here to ``on_item`` as it comes (the Doctor's lines, one by one); returns
    ``fn``'s result or raises its exception. If the child dies without answering (killed, out of
    memory), RuntimeError says so with its exit code.
    """
    import queue as queue_module

    ctx = multiprocessing.get_context("spawn")
    answers = ctx.Queue()
    child = ctx.Process(target=_streaming_child, args=(answers, fn, args), name="piday-elsewhere", daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, value = answers.get(timeout=poll_s)
            except queue_module.Empty:
                if child.is_alive():
                    continue
                try:  # it has ended: whatever it said before that is in the pipe by now
                    kind, value = answers.get(timeout=poll_s)
                except queue_module.Empty:  # it died without a last word
                    raise RuntimeError(f"the checking process stopped (exit code {child.exitcode})") from None
            if kind == "item":
                on_item(value)
            elif kind == "done":
                return value
            else:
                raise value
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()


def _streaming_child(answers: Any, fn: Callable[..., Any], args: tuple) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the window decides about Ctrl-C
    try:
        result = fn(*args, on_result=lambda item: answers.put(("item", item)))
    except BaseException as exc:  # noqa: BLE001 - every failure is an answer
        import pickle

        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that does not pickle travels as text
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        answers.put(("error", exc))
    else:
        answers.put(("done", result))
    answers.close()
    answers.join_thread()  # everything is in the pipe before the process ends
