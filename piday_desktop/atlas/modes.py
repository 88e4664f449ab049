"""The two ways an event's photos can be on the shared Atlas map, chosen per event.

- ``vectors`` ("our vectors", the default): our CLIP vectors go up with anonymous fields, so the
  shared map's layout matches the station's. Nomic does not support images beside custom
  embeddings (a maintainer, nomic PR #373: "on our roadmap"; ``map_data`` refuses blobs plus
  embeddings), so thumbnails go up in this mode only where the service is known to show them:
  the event's ``vector_thumbnails`` switch, for after ``piday atlas selftest`` and a look at
  its test map. Everyone with public-map consent is on the map, as a point.
- ``nomic-embeds`` ("Nomic embeds the photos", the event's original plan): the photos go up as
  image blobs and the service embeds them with ``nomic-embed-vision-v1.5``: images on the map
  and text search ("a red hat") for everyone who opens it, but the layout is Nomic's, not the
  station's. A photo *is* the datum here, so only visitors whose consent shows their photo in
  public are on this map (``core.consent``: ``Audience.PUBLIC`` at ``PICTURE``).

The mode is kept per event in ``atlas_state`` (key ``mode``). A dataset holds one kind of data
for good (its first upload fixes the columns and the modality), so switching the mode of an
event already on Atlas rebuilds its dataset in the new mode, under the same name.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from ..core import consent
from . import state

if TYPE_CHECKING:  # annotations only: `piday --help` builds the parser without the store
    from ..core.store import EventStore

VECTORS = "vectors"
NOMIC = "nomic-embeds"
MODES = (VECTORS, NOMIC)
VISION_MODEL = "nomic-embed-vision-v1.5"
#: The client squashes images over 512 px to 512x512; sent at most this size, aspect kept.
NOMIC_IMAGE_PX = 512

DESCRIPTIONS = {
    VECTORS: "our vectors: the station's layout; points for everyone with map consent; "
             "thumbnails only once the service is known to show them",
    NOMIC: "Nomic embeds the photos (nomic-embed-vision-v1.5): images and text search on the map; "
           "only visitors who agreed to show their photo",
}


class UnknownMode(ValueError):
    pass


def check(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES` (a few spellings accepted), else UnknownMode."""
    text = (mode or "").strip().lower().replace("_", "-")
    aliases = {"our-vectors": VECTORS, "vectors": VECTORS, "nomic": NOMIC, "nomic-embeds": NOMIC,
               "nomic-embed": NOMIC, "images": NOMIC}
    if text not in aliases:
        raise UnknownMode(f"unknown Atlas mode {mode!r}: choose {' or '.join(MODES)}")
    return aliases[text]


def of_values(values: dict[str, str], default: str | None = None) -> str:
    """The event's mode from its state (``state.get_all``), else ``default``, else vectors."""
    return values.get("mode") or default or VECTORS


def current(store: EventStore, default: str | None = None) -> str:
    return of_values(state.get_all(store), default)


def eligible_sql(mode: str) -> str:
    """Which photos may be on this mode's map: the consent rule's own SQL (aliases p, pt)."""
    return consent.where_sql(consent.Audience.PUBLIC, picture=mode == NOMIC)


def mode_in(conn: sqlite3.Connection) -> str:
    """The event's mode, inside a transaction."""
    row = conn.execute("SELECT value FROM atlas_state WHERE key='mode'").fetchone()
    return row[0] if row and row[0] else VECTORS


def choose(store: EventStore, mode: str) -> bool:
    """Make ``mode`` the event's mode; True if its dataset is rebuilt for it (it was on Atlas in
    the other mode). Nothing happens when the mode does not change."""
    mode = check(mode)
    with store.transaction() as conn:
        before = mode_in(conn)
        if before == mode:
            return False
        state.put(conn, "mode", mode)
        if conn.execute("SELECT value FROM atlas_state WHERE key='dataset_id'").fetchone() is None:
            return False
        return state.schedule_rebuild(conn, f"the event switched from {before} to {mode} mode")
