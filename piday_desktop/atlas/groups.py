"""Group names for the shared map: the station's names for its groups, kept for the upload.

Why: Atlas names the topics of a map from a text column (``topic_label_field``); a dataset of
vectors and codes has none, so the shared map had no group names at all. The station already
names its groups (``projection.clusters``: HDBSCAN on the live map, names from the label
vocabulary, e.g. "glasses"); those names are not personal (they come from the vocabulary file,
never from a nickname, a label or a file name), so each photo's current group name is sent as
the text column :data:`~piday_desktop.atlas.payload.GROUP_FIELD`.

The names are recorded whenever the live map renames its groups (``record``, called by the
station through the uploader) in the Atlas table ``atlas_groups`` (atlas migration 2); a photo
deleted takes its name with it. A photo uploaded before any group was named carries
:data:`NO_GROUP`: rows on Atlas cannot be changed afterwards (``piday upload --rebuild`` sends
the current names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from ..core.store import EventStore, utcnow

#: What a photo in no named group (yet) carries: plain, true, and not "null" (which the client
#: would store for an empty value and Atlas would then offer as a topic name).
NO_GROUP = "no group yet"
MAX_NAME = 80


class Named(Protocol):
    name: str
    ids: Sequence[str]


def from_clusters(clusters: Iterable[Named]) -> dict[str, str]:
    """Photo id -> group name, from the live map's clusters (``projection.live_map.Cluster``)."""
    names: dict[str, str] = {}
    for cluster in clusters:
        name = " ".join(str(cluster.name).split())[:MAX_NAME]
        if name:
            names.update({str(i): name for i in cluster.ids})
    return names


def record(store: EventStore, names: Mapping[str, str]) -> int:
    """Replace the recorded names with ``names`` (photo id -> name); returns the rows written.

    Ids of photos no longer in the store are skipped (a photo deleted while its map was named).
    """
    now = utcnow()
    with store.transaction() as conn:
        conn.execute("DELETE FROM atlas_groups")
        return sum(conn.execute(
            "INSERT INTO atlas_groups(photo_id, name, named_at) SELECT id, ?, ? FROM photos WHERE id=?",
            (name, now, photo_id)).rowcount for photo_id, name in names.items())


def lookup(store: EventStore, photo_ids: Sequence[str]) -> dict[str, str]:
    """The recorded group name of each of ``photo_ids`` that has one."""
    wanted = list(dict.fromkeys(photo_ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(dict(store.query(f"SELECT photo_id, name FROM atlas_groups WHERE photo_id IN ({marks})", chunk)))
    return found
