"""The uploader's small durable memory: which Atlas dataset is ours, the map, pending rebuilds.

Kept in the event database (table ``atlas_state``, migration 2) so a restart, a second command
or a crash mid-rebuild picks up exactly where things stood. Values are text; helpers convert.

Keys: ``dataset_id`` (the dataset rows are sent to; empty until one is created or loaded),
``dataset_name``, ``dataset_slug``, ``org_slug``, ``dataset_link``, ``map_link``, ``map_count``
(photos on Atlas when the map was last built), ``map_built_at``, ``model_id``,
``share_nicknames`` (fixed when the dataset is created), ``remove_datasets`` and
``deleted_datasets`` (JSON lists: datasets to delete for a rebuild, and those confirmed gone),
``erased_since_upload`` (set by a trigger when something that may be on Atlas is deleted),
``rebuild_started_at``, ``rebuild_reason``, ``last_rebuild_s``, ``map_refused_count`` /
``map_refused_at`` / ``map_refused_reason`` (Atlas would not build a map of that many photos).
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `piday --help` builds the parser without the store
    from ..core.store import EventStore

REBUILD_RESET_SQL = (
    "UPDATE atlas_outbox SET state='queued', attempts=0, last_error=NULL, next_attempt_at=0, "
    "blob_hash=NULL, dataset_id=NULL, uploaded_at=NULL"
)
_RESET_KEYS = ("map_count", "map_built_at", "share_nicknames", "map_refused_count", "map_refused_at",
               "map_refused_reason")  # the new dataset decides these afresh


def get_all(store: EventStore) -> dict[str, str]:
    """Every key at once (one query; the uploader reads this at each step)."""
    return {k: v for k, v in store.query("SELECT key, value FROM atlas_state") if v is not None}


def get(store: EventStore, key: str, default: str | None = None) -> str | None:
    """One value, or ``default``."""
    rows = store.query("SELECT value FROM atlas_state WHERE key=?", (key,))
    return rows[0][0] if rows and rows[0][0] is not None else default


def put(conn: sqlite3.Connection, key: str, value: object | None) -> None:
    """Set (or with None, delete) a key; call inside ``store.transaction()``."""
    if value is None:
        conn.execute("DELETE FROM atlas_state WHERE key=?", (key,))
    else:
        conn.execute("INSERT INTO atlas_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                     "SET value=excluded.value", (key, str(value)))


def set_many(store: EventStore, **values: object | None) -> None:
    """Set several keys in one transaction."""
    with store.transaction() as conn:
        for key, value in values.items():
            put(conn, key, value)


def json_list(values: dict[str, str], key: str) -> list[str]:
    """A JSON list value (empty when missing or unreadable)."""
    try:
        items = json.loads(values.get(key) or "[]")
    except ValueError:
        return []
    return [str(i) for i in items] if isinstance(items, list) else []


def schedule_rebuild(conn: sqlite3.Connection, reason: str) -> bool:
    """Queue the current dataset for deletion and every photo for a fresh upload; call in a transaction.

    Why delete and re-create under the same name rather than a new dataset: the map link (and the
    QR codes visitors already scanned) stay valid. Returns True if a dataset was queued for deletion.
    """
    values = {k: v for k, v in conn.execute("SELECT key, value FROM atlas_state") if v is not None}
    current = values.get("dataset_id")
    pending = json_list(values, "remove_datasets")
    if current and current not in pending:
        pending.append(current)
    put(conn, "remove_datasets", json.dumps(pending) if pending else None)
    put(conn, "dataset_id", None)
    for key in _RESET_KEYS:
        put(conn, key, None)
    put(conn, "erased_since_upload", None)
    if "rebuild_started_at" not in values:
        put(conn, "rebuild_started_at", f"{time.time():.3f}")
    put(conn, "rebuild_reason", reason)
    conn.execute(REBUILD_RESET_SQL)
    return bool(current)


def rebuild(store: EventStore, reason: str) -> bool:
    """:func:`schedule_rebuild` in a transaction of its own."""
    with store.transaction() as conn:
        return schedule_rebuild(conn, reason)
