"""The map's search box: a participant code or group name at once, else a CLIP text search.

Codes and names are looked up on the owner thread (no model needed); free text is encoded on
``piday-map-search``, newest query wins, and a result is dropped when a newer query (or a
cleared box, or a reloaded map) came meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from piday_desktop.core.events import Signal
from piday_desktop.projection.latest import Latest
from piday_desktop.projection.live_map import LiveMap

Post = Callable[[Callable[[], None]], None]


class MapSearch:
    """``search(text)`` on the owner thread; ``state`` says how it went, for the hint line."""

    def __init__(self, live: LiveMap, post: Post, engine: Callable[[], object | None]) -> None:
        self._map = live
        self._post = post
        self._engine = engine
        self._seq = 0
        self._epoch = 0
        self._closed = False
        self._work = Latest("piday-map-search", self._encode)
        #: (text, state): "searching", "done", "no model".
        self.state = Signal("search_state")

    def reset(self) -> None:
        """A new map was loaded: a search still encoding for the old one is dropped."""
        self._epoch += 1

    def search(self, text: str) -> None:
        self._seq += 1
        text = text.strip()
        if not text:
            self._map.clear_highlight()
            self.state.emit("", "done")
            return
        if self._map.search_text(text) is not None:
            self.state.emit(text, "done")
            return
        engine = self._engine()
        if engine is None:
            self.state.emit(text, "no model")
            return
        self.state.emit(text, "searching")
        self._work.put((self._seq, self._epoch, text, engine))

    def close(self) -> None:
        self._closed = True
        self._work.close()

    def _encode(self, item) -> None:
        seq, epoch, text, engine = item
        if seq != self._seq:
            return
        vec = engine.encode_text([text])[0]
        self._post(lambda: self._found(seq, epoch, text, vec))

    def _found(self, seq: int, epoch: int, text: str, vec: np.ndarray) -> None:
        if seq != self._seq or epoch != self._epoch or self._closed:
            return  # a newer query (or a cleared box) won
        if self._map.matrix.shape[1:] != vec.shape:
            return
        self._map.highlight_vector(text, vec)
        self.state.emit(text, "done")
