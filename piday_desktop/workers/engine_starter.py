"""Starting the embedding engine without ever stalling the window.

Importing torch and open_clip takes seconds, and loading weights more: both happen on a
background thread, so the station is on screen at once in a "model loading…" state. Photos
taken meanwhile are stored as usual and embedded as soon as the engine is ready. Then what
start-up built is exempted from garbage collection (``settle_heap``).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Exempt every object that exists now (torch, open_clip, the model) from garbage collection.

    A full collection walks every tracked object while holding the GIL: with ViT-B-32 loaded that
    is ~690,000 objects and ~350 ms on a 2-core laptop, a frozen window whenever one fell due (a
    20,000-photo map's refit, allocating 20,000 tuples, made one due: the UI lagged ~320 ms).
    ``gc.freeze`` moves them to a generation the collector never walks (no collection first: that
    would be the very stall); what is created later is collected as before.
    """
    gc.freeze()


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
            engine = EmbeddingEngine(load_model(spec, device=device))
        except Exception as exc:  # the station keeps capturing without vectors
            log.warning("embedding engine unavailable: %s", exc)
            on_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        settle_heap()
        on_ready(engine)

    thread = threading.Thread(target=work, name="piday-engine-start", daemon=True)
    thread.start()
    return thread
