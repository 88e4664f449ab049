"""Keeping Python's cycle collector from freezing the window at a big event.

A full collection walks every tracked object while holding the GIL. With ViT-B-32 loaded the
station has ~690,000 of them (torch, open_clip, the model): ~350 ms on a 2-core laptop, a
frozen window whenever one fell due (the UI lag the 20,000-photo map measured, ~320 ms), and a
20,000-photo map adds ~80,000 more (its rows: ~22 ms a pass). They all live until the station
closes. ``settle()`` moves every object that exists now to a generation the collector never
walks (``gc.freeze``), after collecting only the young generations (a full collection first
would be the very stall). Objects are still freed by reference counting; only cyclic garbage
among them would stay, and start-up objects and map rows form little. What is created later
is collected as before.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Exempt every object that exists now from future full collections (see the module doc)."""
    gc.collect(1)  # young garbage goes first (a few thousand objects: about a millisecond)
    gc.freeze()
