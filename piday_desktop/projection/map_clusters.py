"""Naming the live map's groups: when to rename, and the work off the owner thread.

Groups are renamed after each UMAP refit and whenever the map grew by 5 % (at least 3 photos)
since the last naming. The work (text vectors of the vocabulary once per model, then HDBSCAN
and zero-shot names) runs on ``piday-map-work``, newest map wins; the vocabulary goes through
the engine's low-priority lane so no visitor's shot waits behind it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from piday_desktop.projection import clusters as clustering
from piday_desktop.projection.latest import Latest
from piday_desktop.projection.live_map import LiveMap

Post = Callable[[Callable[[], None]], None]


class ClusterNamer:
    """Keeps ``live.clusters`` named; everything but the work runs on the owner thread."""

    def __init__(self, live: LiveMap, post: Post, engine: Callable[[], object | None],
                 vocabulary: Path | None = None) -> None:
        self._map = live
        self._post = post
        self._engine = engine
        self._vocabulary_path = vocabulary
        self._labels: list[clustering.Label] | None = None
        self._text_vectors: dict[str, np.ndarray] = {}
        self._clustered_at = 0
        self._epoch = 0
        self._closed = False
        self._work = Latest("piday-map-work", self._name)

    def labels(self) -> list[clustering.Label]:
        """The vocabulary (read once, on first use)."""
        if self._labels is None:
            self._labels = clustering.load_vocabulary(self._vocabulary_path)
        return self._labels

    def reset(self) -> None:
        """A new map is being loaded: names still being found for the old one are dropped."""
        self._epoch += 1

    def loaded(self) -> None:
        """The new map is in: the next :meth:`maybe` names its groups."""
        self._clustered_at = 0

    def maybe(self, force: bool = False) -> None:
        """Rename the groups if due (``force``: after a UMAP refit or a load)."""
        live = self._map
        n = live.shown_count()
        if n < clustering.MIN_POINTS or self._engine() is None or live.model_id is None:
            if n < clustering.MIN_POINTS:
                live.set_clusters(())
            return
        if not force and n - self._clustered_at < max(3, math.ceil(0.05 * self._clustered_at)):
            return
        self._clustered_at = n
        pos = live.positions
        shown = np.isfinite(pos[:, 0])
        ids = [i for i, s in zip(live.ids, shown) if s]
        vectors = live.matrix[shown] if not shown.all() else live.matrix
        self._work.put((self._epoch, live.model_id, ids, pos[shown], vectors))

    def close(self) -> None:
        self._closed = True
        self._work.close()

    def _name(self, item) -> None:
        epoch, model_id, ids, positions, vectors = item
        engine, labels = self._engine(), self.labels()
        if engine is None or not labels or epoch != self._epoch:
            return
        text = self._text_vectors.get(model_id)
        if text is None:
            # The engine's low-priority lane: the vocabulary is encoded right after start-up,
            # prompt by prompt, and no visitor's shot may wait behind it (measured before the
            # lane: 0.9 s instead of 0.08 s for the first shot on 2 cores with ViT-B-32).
            text = clustering.encode_labels(partial(engine.encode_text, background=True), labels)
            self._text_vectors[model_id] = text
        found = clustering.cluster_map(ids, positions, vectors, labels, text)
        self._post(lambda: self._show(epoch, found))

    def _show(self, epoch: int, found) -> None:
        if epoch == self._epoch and not self._closed:
            present = set(self._map.ids)
            self._map.set_clusters([c for c in found if all(i in present for i in c.ids[:1])])
