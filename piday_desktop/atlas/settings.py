"""The knobs of the Atlas upload, in one frozen value.

Defaults suit an exhibition (a bad minute of venue Wi-Fi costs a few retries, a dead service is
retried every few minutes, never given up on). Tests pass tiny backoffs and deadlines so the
whole fault matrix runs in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AtlasSettings:
    """What to upload where, and how patiently.

    - ``dataset``: the Atlas dataset name (``name`` or ``org/name``); default: the event's name.
    - ``model_id``: whose vectors go up; default: the one recorded at the first upload, else the
      event's most used model. A dataset holds one embedding size, so it never changes mid-event.
    - ``share_nicknames``: the event shows nicknames of visitors who agreed. Fixed when the
      dataset is created (its columns are fixed by the first upload).
    - ``deadline_s``: the most any one request may take (the client has no timeout at all).
    - ``backoff_base_s`` / ``backoff_cap_s``: retry delays double from base up to cap, jittered.
    - ``batch_size``: photos per upload (one Arrow shard; the client splits at 5,000 anyway).
    - ``map_min_points``: build the first map once this many photos are on Atlas.
    - ``map_growth``: rebuild the map when the count grew by this fraction since the last one
      (None: build once; later points still go up, the map is refreshed by ``piday upload``).
    - ``map_min_interval_s``: never rebuild the map more often than this.
    - ``map_retry_s``: after Atlas refused a map (too few photos), ask again only once more photos
      are up or this long has passed.
    - ``map_final_growth``: ``piday upload`` (``final_map``) builds a new map only when the photos
      on Atlas grew by this fraction since the last one (every map stays: the client cannot
      delete one).
    - ``slug_attempts``: after a rebuild's delete, how often to try to get the dataset's name back
      before moving to a new name (the service may hold it; the link then changes, and says so).
    - ``idle_poll_s``: how often an idle uploader looks for newly finished visitors by itself.
    - ``thumbnail_px``: longest side of the thumbnail sent with "show my photo" consent (our-vectors
      mode; "nomic embeds" mode sends 512 px, what the client itself sends at most).
    - ``vector_thumbnails``: in our-vectors mode, send thumbnails beside the vectors (default off:
      Nomic does not support images on a map of custom embeddings, see ``atlas.modes``). An
      event's own choice (``piday upload --vector-thumbnails``, stored in its database) wins.
    """

    dataset: str | None = None
    model_id: str | None = None
    share_nicknames: bool = False
    deadline_s: float = 60.0
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    batch_size: int = 200
    map_min_points: int = 20
    map_growth: float | None = 0.5
    map_min_interval_s: float = 120.0
    map_retry_s: float = 600.0
    map_final_growth: float = 0.1
    slug_attempts: int = 3
    idle_poll_s: float = 5.0
    thumbnail_px: int = 384
    vector_thumbnails: bool = False
    is_public: bool = True

    def with_(self, **changes: object) -> "AtlasSettings":
        """A copy with some fields changed (ignoring ``None`` values, handy for CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
