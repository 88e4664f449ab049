"""The durable upload outbox: one row per photo that is allowed onto the public map.

Why a table and not a queue in memory: the laptop may crash, the network may be down all day,
and the event database already survives power cuts. Rows move

    queued --send--> sending --seen on Atlas--> uploaded
                        |  \\--not seen--> failing --(backoff with jitter)--> due again
                        \\-- outcome unknown (crash, timeout) stays "sending": verified first next time

A photo is "uploaded" only once the service has been asked for its id and answered with it;
the client's word (``add_data`` returns nothing and logs "Upload succeeded" over dropped shards)
counts for nothing.

What is eligible is derived from the database every time (:func:`sweep`), by the one consent
rule (``core.consent.PUBLIC_SQL``, or ``PUBLIC_PICTURE_SQL`` in "nomic embeds" mode, where the
photo itself is the datum): kept photos of visitors who agreed to the public map, once
their visit is finished (or, for imports, not cancelled). Finishing a visit therefore needs no separate "enqueue" write to be lost in a
crash, and a consent withdrawn later takes the photos back out (and, if they may already have
left, flags a rebuild: see ``state.schedule_rebuild``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core import consent
from ..core.store import PHOTO_FROM, EventStore, utcnow
from . import modes, state

STATES = ("queued", "sending", "failing", "uploaded")

#: What may be on the public map in "our vectors" mode: the one rule, from core.consent (aliases
#: p, pt); "nomic embeds" mode takes only photos that may be shown (``modes.eligible_sql``).
ELIGIBLE_SQL = consent.PUBLIC_SQL
# Something of this row may be on the service: it was sent to a dataset, or its thumbnail was.
MAY_HAVE_LEFT_SQL = "(o.dataset_id IS NOT NULL OR o.blob_hash IS NOT NULL)"
_FROM = "atlas_outbox o JOIN photos p ON p.id=o.photo_id JOIN participants pt ON pt.id=p.participant_id"


def backoff_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None,
                  draw: float | None = None) -> float:
    """Seconds until the next try after ``attempts`` failures: doubling from ``base`` to ``cap``, jittered.

    The jitter (50-100 % of the step) keeps stations, or a station and a CLI, from retrying in
    lock-step against a service that is just coming back. ``draw`` reuses one random draw for a
    whole batch, so its photos stay together instead of trickling back one by one.
    """
    step = min(cap, base * (2 ** max(0, attempts - 1)))
    return step * (0.5 + 0.5 * ((rng or random).random() if draw is None else draw))


@dataclass(frozen=True)
class SweepResult:
    enqueued: int
    withdrawn: int
    rebuild: bool


def sweep(store: EventStore) -> SweepResult:
    """Bring the outbox in line with consent: enqueue what may go, withdraw what may not.

    Runs in one transaction. A withdrawn row that may already be on Atlas (or a photo consent
    taken back after its thumbnail left) makes the trigger or this function flag a rebuild.
    """
    now = utcnow()
    with store.transaction() as conn:
        eligible = modes.eligible_sql(modes.mode_in(conn))
        enqueued = conn.execute(
            "INSERT OR IGNORE INTO atlas_outbox(photo_id, state, enqueued_at, next_attempt_at) "
            f"SELECT p.id, 'queued', ?, 0 FROM photos p JOIN participants pt ON pt.id=p.participant_id "
            f"WHERE {eligible} AND NOT EXISTS (SELECT 1 FROM atlas_outbox o WHERE o.photo_id=p.id)",
            (now,),
        ).rowcount
        blob_withdrawn = conn.execute(
            f"SELECT COUNT(*) FROM {_FROM} WHERE o.blob_hash IS NOT NULL AND NOT {consent.PUBLIC_PICTURE_SQL}"
        ).fetchone()[0]
        # Deleting a row that may have left fires the atlas_outbox_erased trigger.
        withdrawn = conn.execute(
            "DELETE FROM atlas_outbox WHERE photo_id IN (SELECT o.photo_id FROM "
            f"{_FROM} WHERE NOT ({eligible}))"
        ).rowcount
        erased = conn.execute("SELECT value FROM atlas_state WHERE key='erased_since_upload'").fetchone()
        rebuild = bool(blob_withdrawn) or bool(erased and int(erased[0] or 0))
        if rebuild:
            state.schedule_rebuild(conn, "a visitor's consent was withdrawn or their photos were deleted")
    return SweepResult(enqueued, withdrawn, rebuild)


def due(store: EventStore, now: float, limit: int) -> list[str]:
    """Photo ids waiting to be sent whose retry time has come, oldest first."""
    rows = store.query(
        "SELECT photo_id FROM atlas_outbox WHERE state IN ('queued','failing') AND next_attempt_at<=? "
        "ORDER BY next_attempt_at, enqueued_at, photo_id LIMIT ?", (now, limit))
    return [r[0] for r in rows]


def unsure(store: EventStore, limit: int) -> list[tuple[str, str]]:
    """(photo id, dataset id) of rows sent whose outcome is not known yet (timeout, crash)."""
    return [(r[0], r[1]) for r in store.query(
        "SELECT photo_id, dataset_id FROM atlas_outbox WHERE state='sending' ORDER BY photo_id LIMIT ?", (limit,))]


def next_due(store: EventStore) -> float | None:
    """The earliest retry time of anything still to send, or None when nothing is."""
    return store.scalar("SELECT MIN(next_attempt_at) FROM atlas_outbox WHERE state IN ('queued','failing')")


def mark_sending(store: EventStore, photo_ids: Sequence[str], dataset_id: str) -> None:
    """Committed *before* the request: after a crash these rows are verified, not blindly resent."""
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE atlas_outbox SET state='sending', attempts=attempts+1, dataset_id=? "
            "WHERE photo_id=? AND state IN ('queued','failing')", [(dataset_id, p) for p in photo_ids])


def requeue(store: EventStore, photo_ids: Iterable[str]) -> None:
    """Rows sent to a dataset that is no longer ours: queue them again for the current one."""
    with store.transaction() as conn:
        conn.executemany("UPDATE atlas_outbox SET state='queued', dataset_id=NULL, next_attempt_at=0 "
                         "WHERE photo_id=? AND state='sending'", [(p,) for p in photo_ids])


def mark_uploaded(store: EventStore, photo_ids: Iterable[str], dataset_id: str) -> int:
    """The service showed these ids in ``dataset_id``; a row reset by a rebuild meanwhile is left alone."""
    now = utcnow()
    with store.transaction() as conn:
        return sum(conn.execute(
            "UPDATE atlas_outbox SET state='uploaded', last_error=NULL, uploaded_at=? "
            "WHERE photo_id=? AND state='sending' AND dataset_id=?", (now, p, dataset_id)).rowcount
            for p in photo_ids)


def mark_failed(
    store: EventStore, photo_ids: Iterable[str], error: str, *, base: float, cap: float,
    rng: random.Random | None = None, count_attempt: bool = False, dataset_id: str | None = None,
) -> None:
    """Schedule another try with backoff; rows already sent keep their dataset (they may be there).

    ``count_attempt`` is for failures before anything was sent (mark_sending counts the others).
    With ``dataset_id``, only rows sent to that dataset are touched (a rebuild may have reset them).
    """
    now = time.time()
    draw = (rng or random).random()
    with store.transaction() as conn:
        for photo_id in photo_ids:
            row = conn.execute("SELECT attempts, state, dataset_id FROM atlas_outbox WHERE photo_id=?",
                               (photo_id,)).fetchone()
            if row is None or row[1] == "uploaded" or (dataset_id is not None and row[2] != dataset_id):
                continue
            attempts = row[0] + (1 if count_attempt else 0)
            conn.execute(
                "UPDATE atlas_outbox SET state='failing', attempts=?, last_error=?, next_attempt_at=? "
                "WHERE photo_id=?", (attempts, error, now + backoff_delay(attempts, base, cap, draw=draw), photo_id))


def postpone(store: EventStore, photo_ids: Iterable[str], until: float, reason: str) -> None:
    """Not a failure (e.g. the photo has no vector yet): look again later, attempts unchanged."""
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE atlas_outbox SET next_attempt_at=?, last_error=? WHERE photo_id=? AND state IN ('queued','failing')",
            [(until, reason, p) for p in photo_ids])


def set_blob_hashes(store: EventStore, hashes: dict[str, str]) -> None:
    """Remember thumbnails already on the service, so a retry never sends them twice."""
    with store.transaction() as conn:
        conn.executemany("UPDATE atlas_outbox SET blob_hash=? WHERE photo_id=?",
                         [(h, p) for p, h in hashes.items()])


def blob_hashes(store: EventStore, photo_ids: Sequence[str]) -> dict[str, str]:
    """Known thumbnail hashes of these photos."""
    wanted = set(photo_ids)
    return {p: h for p, h in store.query(
        "SELECT photo_id, blob_hash FROM atlas_outbox WHERE blob_hash IS NOT NULL") if p in wanted}


def retry_now(store: EventStore) -> int:
    """Make everything waiting due at once (the "Retry now" button); returns how many rows."""
    with store.transaction() as conn:
        return conn.execute(
            "UPDATE atlas_outbox SET next_attempt_at=0 WHERE state IN ('queued','failing')").rowcount


def counts(store: EventStore) -> dict[str, int]:
    """Rows per state (every state present, zero when empty)."""
    found = dict(store.query("SELECT state, COUNT(*) FROM atlas_outbox GROUP BY state"))
    return {s: int(found.get(s, 0)) for s in STATES}


def last_error(store: EventStore) -> str | None:
    """The most recent failure reason among rows still waiting."""
    rows = store.query(
        "SELECT last_error FROM atlas_outbox WHERE state='failing' AND last_error IS NOT NULL "
        "ORDER BY next_attempt_at DESC LIMIT 1")
    return rows[0][0] if rows else None


def waiting_for_vectors(store: EventStore) -> int:
    """Rows postponed because their photo has no vector for the dataset's model yet."""
    return store.scalar("SELECT COUNT(*) FROM atlas_outbox WHERE state IN ('queued','failing') "
                        "AND last_error LIKE 'waiting for%'")


def kept_not_public(store: EventStore) -> int:
    """Kept photos the consent rule keeps off this event's map (no public-map consent, visit
    open, or, in "nomic embeds" mode, no consent to show the photo)."""
    eligible = modes.eligible_sql(modes.current(store))
    return store.scalar(f"SELECT COUNT(*) FROM {PHOTO_FROM} WHERE p.state='kept' AND NOT {eligible}")


def uploaded_visitors(store: EventStore) -> int:
    """Visitors with at least one photo seen on Atlas."""
    return store.scalar("SELECT COUNT(DISTINCT p.participant_id) FROM atlas_outbox o JOIN photos p ON p.id=o.photo_id "
                        "WHERE o.state='uploaded'")
