"""Gather an event's map for ``piday map``: layout, look-alikes, group names, label matches.

Uses the station's own pieces, so the file shows the map the station shows: the stored layout
(computed and stored here if the event was never laid out, e.g. a headless import), the same
decluttered drawing positions, exact cosine neighbours (``projection.knn``: the same cosine
ranking as ``core.search.rank``, for every photo at once), the same cluster naming, and label
matches through ``core.search.rank`` itself, the ``piday search`` code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..atlas import groups as atlas_groups
from ..projection.map_html import HtmlCluster, HtmlMap, HtmlPhoto
from ..core.consent import Audience, Visibility, shown
from ..core.search import rank
from ..core.store import EventStore, Photo
from ..projection import clusters as clustering
from ..projection import knn
from ..projection.declutter import display_positions, prefer_rotation
from ..projection.live_map import search_size

log = logging.getLogger(__name__)

#: Look-alikes listed per photo.
NEIGHBOURS = 5
#: The page is laid out for a landscape screen.
SCREEN_ASPECT = 16 / 9


@dataclass
class MapExportInfo:
    photos: int
    with_thumbnail: int
    computed_layout: bool
    clusters: int
    labels: int


def visible_photos(store: EventStore, photos: Sequence[Photo], public: bool) -> tuple[list[int], list[bool]]:
    """Rows to show and whether each may show its picture, by the one consent rule (``core.consent``).

    Default: the organiser's view (every kept photo). ``public``: what the Atlas map may show:
    visitors who agreed to the public map, once their visit is finished; a picture only for those
    who agreed to show it.
    """
    audience = Audience.PUBLIC if public else Audience.LOCAL
    visits = {p.id: p for p in store.participants()}
    rows, pictures = [], []
    for r, ph in enumerate(photos):
        visit = visits.get(ph.participant_id)
        seen = Visibility.HIDDEN if visit is None else shown(visit, ph.state, audience)
        if seen is Visibility.HIDDEN:
            continue
        rows.append(r)
        pictures.append(seen is Visibility.PICTURE)
    return rows, pictures


def layout_for(store: EventStore, model_id: str, ids: list[str], matrix: np.ndarray, xy: np.ndarray,
               save: bool) -> tuple[np.ndarray, bool]:
    """Stored positions, or (for photos never laid out) the station's layout computed now."""
    if len(ids) == 0 or np.isfinite(xy).all():
        return xy, False
    from ..projection import LayoutModel
    from ..projection.map_controller import scale_key

    known = np.isfinite(xy).all(axis=1)
    if known.any():
        model = LayoutModel.restore([i for i, k in zip(ids, known) if k], matrix[known], xy[known])
    else:
        model = LayoutModel()
    layout = model.update(ids, matrix)
    if model.refit_due():
        layout = model.refit_now()
    if save:
        store.set_layout(model_id, [(i, x, y) for i, (x, y) in zip(layout.ids, layout.positions)])
        if layout.method == "umap":
            store.set_meta(scale_key(model_id), repr(float(layout.umap_scale)))
    return np.asarray(layout.positions, dtype=np.float64), True


def event_map(
    store: EventStore,
    model_id: str,
    *,
    public: bool = False,
    encode_text: Callable[[list[str]], np.ndarray] | None = None,
    labels: Sequence[clustering.Label] = (),
    save_layout: bool = True,
    title: str | None = None,
) -> tuple[HtmlMap, MapExportInfo]:
    """The page's content for one event and model. ``encode_text`` (the CLIP text encoder)
    enables group names and label search; without it the page still searches by participant code."""
    photos_all, matrix_all, xy_all = store.vectors(model_id)
    ids_all = [p.id for p in photos_all]
    xy_all, computed = layout_for(store, model_id, ids_all, matrix_all, xy_all, save_layout)
    rows, pictures = visible_photos(store, photos_all, public)
    photos = [photos_all[r] for r in rows]
    matrix = matrix_all[rows] if rows else np.zeros((0, max(1, matrix_all.shape[1] if matrix_all.ndim == 2 else 1)), np.float32)
    layout = np.asarray(xy_all, dtype=np.float64)[rows] if rows else np.zeros((0, 2))
    n = len(photos)
    shown = display_positions(layout, rotate=prefer_rotation(layout, SCREEN_ASPECT)) if n else np.zeros((0, 2))
    nbs: list[tuple[tuple[int, float], ...]] = [()] * n
    if n >= 2:
        k = min(NEIGHBOURS, n - 1)
        graph = knn.build(np.ascontiguousarray(matrix), k + 1)
        nbs = [tuple((int(j), 1.0 - float(d)) for j, d in zip(graph.indices[i], graph.distances[i]) if j != i)[:k]
               for i in range(n)]
    found: list[HtmlCluster] = []
    label_hits: dict[str, list[int]] = {}
    if encode_text is not None and labels and n:
        text = clustering.encode_labels(encode_text, labels)
        ids = [p.id for p in photos]
        index = {pid: i for i, pid in enumerate(ids)}
        named = clustering.cluster_map(ids, layout, matrix, labels, text)
        for c in named:
            found.append(HtmlCluster(c.name, tuple(index[i] for i in c.ids)))
        if save_layout and not public and named:  # the whole map's names: the report and Atlas use them
            atlas_groups.record(store, atlas_groups.from_clusters(named))
        k = search_size(n)
        for label, vec in zip(labels, text):
            label_hits[label.name] = [index[h.photo.id] for h in rank(vec, photos, matrix, k=k)]
    items = [
        HtmlPhoto(p.id, p.participant_code, p.shot, float(shown[i][0]), float(shown[i][1]),
                  store.photo_path(p) if pictures[i] else None, nbs[i])
        for i, p in enumerate(photos)
    ]
    note = "public view: only visitors who agreed to the shared map, once their visit finished" if public else ""
    doc = HtmlMap(title or f"{store.event}", store.event, model_id,
                  datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"), items, found, label_hits, note)
    info = MapExportInfo(n, sum(1 for i in items if i.path is not None), computed, len(found), len(label_hits))
    return doc, info
