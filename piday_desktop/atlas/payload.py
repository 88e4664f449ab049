"""What of a visitor leaves this laptop for Atlas, built by the one consent rule (``core.consent``).

Everything the uploader sends (rows, vectors, thumbnails) is built here, from the database as it
is *now*, so a consent changed a second ago is honoured even for photos queued long before.

- Without "public map" consent nothing is built at all (the photo is refused, whatever queued it).
- Always sent: the photo's UUID, the embedding, and anonymous fields: participant code, shot
  number, when it was taken, the model, and the name of the group the station's map puts it in
  (``group``, from the label vocabulary: the text Atlas names the shared map's topics from).
- A thumbnail only with "show my photo" consent, re-encoded (no EXIF: no GPS, no camera serial).
- In "nomic embeds" mode (``atlas.modes``) no vector: the thumbnail is the datum the service
  embeds, so only visitors who agreed to show their photo are sent at all.
- The nickname only when the event shows nicknames *and* the visitor agreed; never a label, an
  original file name or any path.

The client module receives a :class:`Batch` and sends exactly its rows, vectors and thumbnails.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from ..core import images
from . import groups, modes
from ..core.store import EventStore, Photo
from ..core.consent import PUBLIC_PICTURE_SQL

ID_FIELD = "id"
#: The text column Atlas names the map's topics from (``topic_label_field``); in every first
#: upload, because the first shard fixes the dataset's columns for good.
GROUP_FIELD = "group"
NO_BLOB = "null"  # what the client itself stores for a missing value (ATLAS_PROTOCOL.md §6)
THUMBNAIL_QUALITY = 82


@dataclass(frozen=True)
class Item:
    """One photo cleared to go, with what it may carry."""

    photo_id: str
    row: dict
    vector: np.ndarray | None  # None in "nomic embeds" mode: the service embeds the photo
    wants_thumbnail: bool


@dataclass(frozen=True)
class Batch:
    """What one upload may send. ``refused`` (no consent) and ``waiting`` (no vector yet) say why not."""

    items: list[Item]
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # photo id -> JPEG, consented and not yet sent
    refused: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [i.photo_id for i in self.items]

    def rows(self, blob_hashes: dict[str, str]) -> list[dict]:
        """Rows to send; ``_blob_hash`` is a hash only where the visitor agreed to show the photo."""
        out = []
        for item in self.items:
            row = dict(item.row)
            row["_blob_hash"] = blob_hashes.get(item.photo_id, NO_BLOB) if item.wants_thumbnail else NO_BLOB
            out.append(row)
        return out

    def embeddings(self) -> np.ndarray | None:
        """Our vectors, or None when the service embeds the photos ("nomic embeds" mode)."""
        if any(i.vector is None for i in self.items):
            return None
        return np.stack([i.vector for i in self.items]).astype(np.float32) if self.items else np.zeros((0, 0), np.float32)

    def only(self, photo_ids: Sequence[str]) -> "Batch":
        """The part of this batch for ``photo_ids`` (e.g. those whose thumbnails are on the service)."""
        keep = set(photo_ids)
        return Batch([i for i in self.items if i.photo_id in keep],
                     {p: t for p, t in self.thumbnails.items() if p in keep})


def _taken(photo: Photo) -> datetime:
    text = (photo.taken_at or photo.imported_at).replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.fromisoformat(photo.imported_at.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def thumbnail(store: EventStore, photo: Photo, max_px: int) -> bytes:
    """A small upright JPEG of the photo, without any metadata."""
    img = images.load_rgb(store.photo_source(photo), min_side=max_px)
    try:
        img.thumbnail((max_px, max_px))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=THUMBNAIL_QUALITY)  # no exif= argument: nothing carried over
        return buf.getvalue()
    finally:
        img.close()


def gather(
    store: EventStore, photo_ids: Sequence[str], *, model_id: str | None, share_nicknames: bool,
    blob_hashes: dict[str, str], thumbnail_px: int = 384, mode: str = modes.VECTORS, thumbnails: bool = True,
) -> Batch:
    """Build what may be sent for ``photo_ids`` right now, checking consent photo by photo.

    ``mode`` (``atlas.modes``): ``vectors`` sends our vector per photo, and a thumbnail only
    where ``thumbnails`` (the service is known to show them) and the visitor agreed to show it;
    ``nomic-embeds`` sends no vector: the photo itself goes up, for the service to embed, so
    only photos the consent rule may show in public are cleared at all.
    """
    nomic = mode == modes.NOMIC
    wanted = list(dict.fromkeys(photo_ids))
    marks = ",".join("?" * len(wanted)) or "NULL"
    rows = store.query(
        f"SELECT p.id, {PUBLIC_PICTURE_SQL}, pt.nickname, "
        f"EXISTS (SELECT 1 FROM atlas_nickname_ok n WHERE n.participant_id=pt.id) "
        f"FROM photos p JOIN participants pt ON pt.id=p.participant_id "
        f"WHERE p.id IN ({marks}) AND {modes.eligible_sql(mode)}", wanted)
    cleared = {r[0]: (bool(r[1]), r[2], bool(r[3])) for r in rows}
    why = "no consent to show the photo in public (or visit not finished)" if nomic else \
        "no public-map consent (or visit not finished)"
    refused = {p: why for p in wanted if p not in cleared}
    if nomic:
        vectors = {}
        photos = {p: store.photo(p) for p in cleared}
    else:
        assert model_id is not None, "our-vectors mode needs the model whose vectors go up"
        vectors = store.photo_vectors(model_id, list(cleared)) if cleared else {}
        photos = {p: v.photo for p, v in vectors.items()}
    names = groups.lookup(store, list(cleared)) if cleared else {}
    items, thumbs, waiting, broken = [], {}, {}, {}
    for photo_id in wanted:
        if photo_id in refused:
            continue
        if photo_id not in photos:
            waiting[photo_id] = f"waiting for its embedding ({model_id})"
            continue
        photo = photos[photo_id]
        vector = None if nomic else vectors[photo_id].vector
        show_photo, nickname, nickname_ok = cleared[photo_id]
        if vector is not None and not np.all(np.isfinite(vector)):
            broken[photo_id] = "its embedding is not finite"
            continue
        row = {ID_FIELD: photo.id, "participant": photo.participant_code, "shot": photo.shot,
               "taken": _taken(photo), "model": modes.VISION_MODEL if nomic else model_id,
               GROUP_FIELD: names.get(photo_id, groups.NO_GROUP)}
        if share_nicknames:
            row["nickname"] = nickname if (nickname_ok and nickname) else None
        send_photo = show_photo and (nomic or thumbnails)
        if send_photo and photo_id not in blob_hashes:
            try:
                thumbs[photo_id] = thumbnail(store, photo, thumbnail_px)
            except (OSError, images.ImageError) as exc:
                broken[photo_id] = f"its photo file cannot be read ({exc})"
                continue
        items.append(Item(photo_id, row, vector, send_photo))
    return Batch(items, thumbs, refused, waiting, broken)
