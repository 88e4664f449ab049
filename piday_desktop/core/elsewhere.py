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
