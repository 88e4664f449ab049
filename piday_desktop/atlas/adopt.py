"""Taking in another station's upload state when its event is merged into this one.

Two stations of one event upload to the same Atlas dataset (found by the event's name). When
station B's event is folded into A's (``piday merge``), a photo B already put on the map must
not go up a second time from A, and one B was still sending must be checked before it is sent
again. So B's outbox rows come along, but only when they point at the dataset A uploads to (or
A has none yet, and then B's dataset becomes A's). Rows for another dataset are left behind: the
photos go up to A's dataset by the usual rule (``outbox.sweep``), and the result says so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..core.store import EventStore
from . import schema as _schema  # noqa: F401  (the atlas tables exist in both events)
from . import state

_DATASET_KEYS = ("dataset_id", "dataset_name", "dataset_slug", "org_slug", "dataset_link", "map_link",
                 "share_nicknames")
_ROW_COLUMNS = "photo_id, state, attempts, last_error, next_attempt_at, blob_hash, dataset_id, enqueued_at, uploaded_at"


@dataclass(frozen=True)
class AdoptResult:
    uploaded: int  # photos already on the shared map: never sent again
    checking: int  # outcome unknown at the other station: verified before any resend
    other_dataset: str | None  # the other station's dataset when it is not ours (its rows stay behind)


def adopt_upload_state(store: EventStore, other: EventStore, photo_ids: Collection[str],
                       participant_ids: Collection[str]) -> AdoptResult:
    """Copy ``other``'s outbox rows for the merged photos into ``store`` when the dataset is shared."""
    mine, theirs = state.get_all(store), state.get_all(other)
    their_id = theirs.get("dataset_id")
    if not their_id:
        return AdoptResult(0, 0, None)
    if mine.get("dataset_id") and mine["dataset_id"] != their_id:
        return AdoptResult(0, 0, their_id)
    wanted = set(photo_ids)
    rows = [r for r in other.query(f"SELECT {_ROW_COLUMNS} FROM atlas_outbox WHERE state IN ('uploaded','sending') "
                                   "AND dataset_id=?", (their_id,)) if r[0] in wanted]
    nick_ok = [r[0] for r in other.query("SELECT participant_id FROM atlas_nickname_ok") if r[0] in set(participant_ids)]
    with store.transaction() as conn:
        if not mine.get("dataset_id"):
            for key in _DATASET_KEYS:
                if key in theirs:
                    state.put(conn, key, theirs[key])
        conn.executemany(
            f"INSERT INTO atlas_outbox({_ROW_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(photo_id) DO UPDATE SET "
            "state=excluded.state, blob_hash=excluded.blob_hash, dataset_id=excluded.dataset_id, "
            "uploaded_at=excluded.uploaded_at WHERE atlas_outbox.state NOT IN ('uploaded','sending')", rows)
        conn.executemany("INSERT OR IGNORE INTO atlas_nickname_ok(participant_id) VALUES (?)", [(p,) for p in nick_ok])
    uploaded = sum(1 for r in rows if r[1] == "uploaded")
    return AdoptResult(uploaded, len(rows) - uploaded, None)
