"""Starting the station's embedding engine without ever stalling the window.

Importing torch and open_clip takes seconds, and loading weights more, and on a thread of the
station's own process both held the GIL long enough to freeze the preview (0.75 s, issue 11
item 13). So the model runs in a process of its own (``embedding/engine_process.py``): the
window's interpreter never imports torch. The station is on screen at once in a "model
loading…" state; photos taken meanwhile are stored as usual and embedded as soon as the engine
is ready. Then what start-up built is exempted from garbage collection (``core.heap.settle``),
in each process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..core.heap import settle
from ..embedding.engine_process import EngineProcess

log = logging.getLogger(__name__)

STATION_CPU_BATCH = 16


def start_engine_in_background(
    model: str, device: str, on_ready: Callable[[object], None], on_error: Callable[[str], None],
    on_exit: Callable[[str], None] | None = None,
) -> EngineProcess:
    """Start the model's process; ``on_ready(engine)`` once it is loaded, or ``on_error(msg)``.

    ``on_exit(reason)`` if the process dies later (the station starts another). The callbacks run
    on a background thread: wrap them with ``UiInvoker.post``.
    """

    def ready(engine: EngineProcess) -> None:
        settle()  # the window's modules and rows so far stay all day: never walk them again
        on_ready(engine)

    def failed(reason: str) -> None:
        log.warning("embedding engine unavailable: %s", reason)
        on_error(reason.splitlines()[0] if reason else "unknown error")

    # A visitor's shot waits at most for the batch already running when it arrives (a backlog
    # after a restart or a model import): on a CPU, one of 16 (~0.4 s for ViT-B-32) rather than
    # the bulk default of 32. A GPU keeps the engine's own default.
    return EngineProcess(model, device, cpu_batch=STATION_CPU_BATCH,
                         on_ready=ready, on_error=failed, on_exit=on_exit)
