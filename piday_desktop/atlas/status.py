"""What the station's status bar and ``piday upload`` say about the upload, as a plain value."""

from __future__ import annotations

import time
from dataclasses import dataclass

# The client's reasons that only a key fixes (kept in sync by tests/test_atlas_panel.py).
NO_KEY = "no Atlas key on this laptop: run `piday atlas login`"
KEY_REFUSED = "the Atlas key was refused"


@dataclass(frozen=True)
class UploadStatus:
    """A snapshot of the upload.

    ``state``: ``idle`` (nothing may go up), ``queued``, ``uploading``, ``uploaded`` (everything
    allowed is on Atlas), ``waiting`` (not a fault: a map build holds the dataset, vectors not
    ready), ``failing`` (with ``reason``; retried by itself at ``retry_at``), ``stopped``.
    Counts are photos: ``queued`` includes those waiting to be retried (``failing`` of them).
    """

    state: str
    queued: int = 0
    sending: int = 0
    failing: int = 0
    uploaded: int = 0
    reason: str | None = None
    retry_at: float | None = None
    map_link: str | None = None
    rebuilding: bool = False
    last_rebuild_s: float | None = None
    note: str | None = None  # about the map: waiting for more visitors, or its link moved

    @property
    def pending(self) -> int:
        """Photos not yet seen on Atlas."""
        return self.queued + self.sending

    def retry_in(self, now: float | None = None) -> float | None:
        if self.retry_at is None:
            return None
        return max(0.0, self.retry_at - (time.time() if now is None else now))

    @property
    def needs_key(self) -> bool:
        """Nothing goes up until someone enters a (new) key: retrying cannot help."""
        return self.state == "failing" and self.reason in (NO_KEY, KEY_REFUSED)

    def text(self) -> str:
        """One line for a status bar."""
        counts = f"{self.uploaded} on the map"
        if self.pending:
            counts += f", {self.pending} to upload"
        rebuild = " (rebuilding the map without an erased visitor)" if self.rebuilding else ""
        if self.state == "failing":
            wait = self.retry_in()
            retry = f"; retrying in {wait:.0f} s" if wait and wait >= 1 else "; retrying"
            return f"Atlas: {counts}{rebuild}. Not uploading: {self.reason}{retry}"
        if self.state == "waiting":
            return f"Atlas: {counts}{rebuild}; waiting: {self.reason}"
        if self.state == "uploading":
            return f"Atlas: uploading… {counts}{rebuild}"
        if self.state == "uploaded":
            done = f"Atlas: all {self.uploaded} photos on the map" if self.uploaded else "Atlas: up to date"
            return f"{done}; {self.note}" if self.note else done
        if self.state == "idle":
            return "Atlas: nothing to upload yet"
        if self.state == "stopped":
            return f"Atlas: stopped ({counts})"
        return f"Atlas: {counts}{rebuild}"
