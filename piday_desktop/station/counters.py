"""The station's counters, like a photo booth's: visitors, photos taken, kept, deleted, retakes.

Read from the catalogue (kept photos, participants, and the ``removals`` table the triggers
fill), never counted in memory, so a restart or a crash loses no count and two windows agree.
A volunteer can reset them (Settings → Reset counters), e.g. at the start of each day: the reset
only records when, in the event's ``meta``, so nothing is deleted and the report still counts
the whole event.

Reads only: callers run :func:`read_counters` off the UI thread (it is SQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.i18n import QT_TRANSLATE_NOOP
from ..core.store import EventStore, utcnow

RESET_KEY = "station.counters_reset_at"


@dataclass(frozen=True)
class Counters:
    since: str | None  # when they were last reset (UTC ISO), None: since the event began
    visitors: int  # visitors with at least one kept photo
    taken: int  # every shot: kept, retaken and deleted
    kept: int
    retakes: int  # shots discarded at review
    deleted: int  # kept photos removed later (a visitor asked, forget)

    def lines(self) -> list[str]:
        """How Settings shows them."""
        return [QT_TRANSLATE_NOOP("Counters", "Visitors: {n}").fill(n=self.visitors),
                QT_TRANSLATE_NOOP("Counters", "Photos taken: {n}").fill(n=self.taken),
                QT_TRANSLATE_NOOP("Counters", "Kept: {n}").fill(n=self.kept),
                QT_TRANSLATE_NOOP("Counters", "Retakes: {n}").fill(n=self.retakes),
                QT_TRANSLATE_NOOP("Counters", "Deleted: {n}").fill(n=self.deleted)]


def read_counters(store: EventStore) -> Counters:
    """The counters since the last reset (or since the event began)."""
    since = store.get_meta(RESET_KEY)
    after = since or ""
    counted = store.counts_since(after)  # the status bar's "today" counts, from another moment
    visitors, kept = counted["participants"], counted["photos"]
    removed = dict(store.query("SELECT what, COUNT(*) FROM removals WHERE removed_at >= ? GROUP BY what", (after,)))
    retakes, deleted = removed.get("retake", 0), removed.get("photo", 0)
    return Counters(since, visitors, kept + retakes + deleted, kept, retakes, deleted)


def reset_counters(store: EventStore) -> str:
    """Start counting from now; returns the reset time. Nothing is deleted."""
    now = utcnow()
    store.set_meta(RESET_KEY, now)
    return now
