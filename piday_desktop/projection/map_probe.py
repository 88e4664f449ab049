"""The map's end of the live probe: visitor present or not, the marker, the hold at the shutter."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from piday_desktop.projection.live_map import LiveMap
from piday_desktop.projection.live_probe import LiveProbe

Post = Callable[[Callable[[], None]], None]


class MapProbe:
    """Owns the :class:`LiveProbe` (created on demand) and puts its marker on the map.

    Markers come from the probe's thread through ``post``; one for a session that has ended
    (the visitor left) is dropped on the owner thread, so a late frame never brings it back.
    """

    def __init__(self, live: LiveMap, post: Post, engine: Callable[[], object | None]) -> None:
        self._map = live
        self._post = post
        self._engine = engine
        self._closed = False
        self.probe: LiveProbe | None = None

    def start(self, grab: Callable[[], np.ndarray | None], **options) -> LiveProbe:
        """Create the live probe (idle until ``visitor_present(True)``)."""
        if self.probe is None:
            self.probe = LiveProbe(grab, self._engine, self._map.place,
                                   lambda session, xy: self._post(lambda: self._marker(session, xy)),
                                   **options)
        return self.probe

    def visitor_present(self, present: bool) -> None:
        if self.probe is not None:
            self.probe.set_active(present)
        if not present:
            self._map.set_marker(None)

    def hold(self, held: bool) -> None:
        if self.probe is not None:
            self.probe.hold(held)

    def close(self) -> None:
        self._closed = True
        if self.probe is not None:
            self.probe.close()

    def _marker(self, session: int, xy) -> None:
        probe = self.probe
        if probe is not None and probe.active and probe.session == session and not self._closed:
            self._map.set_marker(xy)
