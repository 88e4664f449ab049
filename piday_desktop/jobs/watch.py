"""``piday watch``: import and embed photos as a tethering tool drops them into a folder.

The same code as ``piday import`` does the work (``jobs.scan.item_for`` applies the folder
rule to each file, ``jobs.intake.ingest`` validates, hashes, deduplicates and stores it,
``jobs.embed.embed_missing`` embeds it), so a watched folder and an imported one end up
identical in the catalogue; only the trigger differs (``capture.hotfolder`` says when a file
is complete). Files already in the folder at start are taken too: a restart catches up on
what arrived meanwhile, and what was stored before is recognised by its SHA-256.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..capture.hotfolder import DEFAULT_SETTLE_S, HotFolder
from ..core.store import Consent, EventStore
from .embed import embed_missing
from .intake import ingest
from .scan import ScanResult, item_for


@dataclass
class WatchCounts:
    """Everything the watch did so far; kept on the job so an interrupted run still reports it."""

    imported: int = 0
    already: int = 0
    duplicates: int = 0
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason), intake and embedding
    participants: set[str] = field(default_factory=set)
    embed_seconds: float = 0.0
    last: list[str] = field(default_factory=list)  # files of the latest batch, as shown to the user

    @property
    def images_per_s(self) -> float:
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0


class FolderWatchJob:
    """Watches ``folder`` until ``stop`` is set (or KeyboardInterrupt), storing into ``store``.

    ``engine`` (an ``EmbeddingEngine``) embeds each batch right after it is stored; without it
    photos are only stored. ``on_started(hot)`` runs once the folder is watched, ``on_batch(counts)``
    after every batch; both on the calling thread.
    """

    def __init__(self, store: EventStore, folder: str | Path, *, engine=None, consent: Consent = Consent(),
                 settle_s: float = DEFAULT_SETTLE_S, polling: bool | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_batch: Callable[[WatchCounts], None] | None = None,
                 on_started: Callable[[HotFolder], None] | None = None) -> None:
        self.store = store
        self.folder = Path(folder).expanduser()
        self.engine = engine
        self.consent = consent
        self.on_batch = on_batch
        self.on_started = on_started
        self.counts = WatchCounts()
        self.stop = threading.Event()
        self.hot = HotFolder(self.folder, settle_s=settle_s, polling=polling, clock=clock)
        self.started = threading.Event()  # set once the folder is being watched

    def request_stop(self) -> None:
        """Thread-safe: finish the batch in hand, then return from ``run``."""
        self.stop.set()
        self.hot.wake()

    def run(self) -> WatchCounts:
        self.hot.start()
        self.started.set()
        if self.on_started is not None:
            self.on_started(self.hot)
        try:
            while not self.stop.is_set():
                files = self.hot.poll()
                if files:
                    self._batch(files)
                    continue
                # Pending files need a second look once they may have settled; otherwise
                # sleep until the observer reports something (or the periodic rescan is due).
                self.hot.wait(0.25 if self.hot.has_pending else 1.0)
        finally:
            self.hot.stop()
        return self.counts

    def _batch(self, files: list[Path]) -> None:
        counts = self.counts
        root = self.folder.resolve()
        items = [item for item in (item_for(root, path) for path in files) if item is not None]
        if not items:
            return
        intake = ingest(self.store, ScanResult(root=root, items=items), consent=self.consent)
        counts.imported += intake.imported
        counts.already += intake.already
        counts.duplicates += len(intake.duplicates)
        counts.skipped += intake.skipped
        counts.participants |= intake.participants
        counts.last = [item.display for item in items]
        if self.engine is not None and intake.imported:
            embedded = embed_missing(self.store, self.engine)
            counts.embedded += embedded.embedded
            counts.embed_seconds += embedded.seconds
            counts.skipped += embedded.failed
        if self.on_batch is not None:
            self.on_batch(counts)
