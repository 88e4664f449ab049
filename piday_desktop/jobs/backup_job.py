"""The station's live backup: every kept photo and the catalogue on the backup disk within seconds.

A daemon thread (no Qt) runs ``backup_event`` rounds whenever the event database changed
(SQLite's ``PRAGMA data_version`` on a connection of its own sees every commit the station
makes) and at least every ``interval`` seconds while something is behind. Capture never waits
for it: the station only reads ``status`` (in memory) or listens to ``on_status``. A target
that disappears (a pulled stick) turns the status into "target missing" and the job simply
tries again each interval; when the folder is back it catches up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.store import EventStore
from .backup import BackupBusy, BackupError, BackupResult, TargetMissing, backup_event

log = logging.getLogger(__name__)

UP_TO_DATE, BEHIND, MISSING, FAILING, STARTING = "up_to_date", "behind", "missing", "failing", "starting"


@dataclass(frozen=True)
class BackupStatus:
    state: str  # starting | up_to_date | behind | missing | failing
    behind: int = 0  # photos of the event not on the target yet
    photos: int = 0  # photos on the target after the last good round
    target: str = ""
    reason: str = ""
    rounds: int = 0  # completed rounds (good or not): lets a caller wait for "the next one"

    @property
    def text(self) -> str:
        """The status-bar line."""
        if self.state == UP_TO_DATE:
            return "Backup up to date"
        if self.state == MISSING:
            return "Backup target missing" + (f" ({self.behind} behind)" if self.behind else "")
        if self.state == FAILING:
            return f"Backup failing: {self.reason}"
        if self.state == STARTING:
            return "Backup starting…"
        return f"Backup {self.behind} behind"


class BackupJob:
    """Keeps ``target`` a copy of ``store``'s event. ``start()`` / ``stop()``; thread-safe reads."""

    def __init__(self, store: EventStore, target: str | Path, *, interval: float = 2.0,
                 on_status: Callable[[BackupStatus], None] | None = None,
                 on_copied: Callable | None = None) -> None:
        self.store = store
        self.target = Path(target).expanduser()
        self.interval = interval
        self.on_status = on_status
        self.on_copied = on_copied  # per photo copied, on the job's thread (tests pull the stick here)
        self._cond = threading.Condition()
        self._status = BackupStatus(STARTING, target=str(self.target))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backed_up: set[str] = set()

    # --- any thread --------------------------------------------------------------------------

    @property
    def status(self) -> BackupStatus:
        with self._cond:
            return self._status

    def kick(self) -> None:
        """Back up now (a photo was just kept) instead of at the next interval."""
        self._wake.set()

    def wait_for(self, predicate: Callable[[BackupStatus], bool], timeout: float) -> BackupStatus:
        """Block until ``predicate(status)`` holds; raises TimeoutError with the last status."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self._status), timeout):
                raise TimeoutError(f"backup status still {self._status}")
            return self._status

    def start(self) -> "BackupJob":
        self._thread = threading.Thread(target=self._run, name="piday-backup", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- the job's thread ----------------------------------------------------------------------

    def _set(self, status: BackupStatus) -> None:
        with self._cond:
            self._status = status
            self._cond.notify_all()
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("backup status listener failed")

    def _behind(self) -> int:
        live = {p.id for p in self.store.photos(include_review=True)}
        return len(live - self._backed_up)

    def _run(self) -> None:
        db = self.store.directory / "event.sqlite"
        monitor = sqlite3.connect(db, check_same_thread=False, timeout=30)
        seen_version: int | None = None
        rounds = 0
        try:
            while not self._stop.is_set():
                version = monitor.execute("PRAGMA data_version").fetchone()[0]
                if version != seen_version or self._status.state != UP_TO_DATE:
                    ok = self._round(rounds + 1)
                    rounds += 1
                    if ok:
                        seen_version = version  # changes during the round show as a newer version
                # A failing round (a bad photo, a read-only share) retries less often than a
                # missing target, which is back the moment the stick is.
                self._wake.wait(self.interval * (10 if self._status.state == FAILING else 1))
                self._wake.clear()
        except Exception as exc:  # the job must never take the station down
            log.exception("backup job stopped")
            self._set(BackupStatus(FAILING, reason=f"stopped: {exc}", target=str(self.target)))
        finally:
            monitor.close()

    def _round(self, number: int) -> bool:
        target = str(self.target)
        try:
            result: BackupResult = backup_event(self.store.directory, self.target, on_copied=self.on_copied,
                                                wait_s=0)
        except BackupBusy:  # `piday backup` is copying right now: its round counts, ours comes next
            log.info("backup: another backup of this event is running; next round later")
            return False
        except TargetMissing as exc:
            log.info("backup: %s", exc)
            self._set(BackupStatus(MISSING, behind=self._behind(), photos=len(self._backed_up), target=target,
                                   reason=str(exc), rounds=number))
            return False
        except (BackupError, OSError) as exc:
            log.warning("backup to %s failed: %s", target, exc)
            self._set(BackupStatus(FAILING, behind=self._behind(), photos=len(self._backed_up), target=target,
                                   reason=str(exc), rounds=number))
            return False
        self._backed_up = result.photo_ids
        behind = self._behind()
        if result.problems:
            item, reason = result.problems[0]
            self._set(BackupStatus(FAILING, behind=behind, photos=len(result.photo_ids), target=target,
                                   reason=f"{len(result.problems)} photo(s) not copied ({reason})", rounds=number))
            return False
        self._set(BackupStatus(UP_TO_DATE if behind == 0 else BEHIND, behind=behind, photos=len(result.photo_ids),
                               target=target, rounds=number))
        return behind == 0
