"""Starting the embedding engine without ever stalling the window.

Importing torch and open_clip takes seconds, and loading weights more: both happen on a
background thread, so the station is on screen at once in a "model loading…" state. Photos
taken meanwhile are stored as usual and embedded as soon as the engine is ready. Then what
start-up built is exempted from garbage collection (``core.heap.settle``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..core.heap import settle

log = logging.getLogger(__name__)

STATION_CPU_BATCH = 16


def start_engine_in_background(
    model: str, device: str, on_ready: Callable[[object], None], on_error: Callable[[str], None],
) -> threading.Thread:
    """Build an engine on a thread; ``on_ready(engine)`` once the model is loaded, or ``on_error(msg)``.

    Both callbacks run on the background thread: wrap them with ``UiInvoker.post``.
    """

    def work() -> None:
        try:
            from ..embedding.engine import EmbeddingEngine
            from ..embedding.models import DEFAULT_MODEL, ModelSpec, load_model

            spec = ModelSpec.parse(model or DEFAULT_MODEL)
            loaded = load_model(spec, device=device)
            # A visitor's shot waits at most for the batch already running when it arrives (a
            # backlog after a restart or a model import): on a CPU, one of 16 (~0.4 s for
            # ViT-B-32) rather than the bulk default of 32.
            engine = EmbeddingEngine(loaded, max_batch=STATION_CPU_BATCH if loaded.device == "cpu" else None)
        except Exception as exc:  # the station keeps capturing without vectors
            log.warning("embedding engine unavailable: %s", exc)
            on_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        settle()  # torch, open_clip and the model stay all day: never walk them again
        on_ready(engine)

    thread = threading.Thread(target=work, name="piday-engine-start", daemon=True)
    thread.start()
    return thread
