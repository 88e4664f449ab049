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

    def short(self) -> str:
        """What fits in the status bar beside other entries; :meth:`text` has the whole reason."""
        if self.needs_key:
            return ("Atlas: not set up on this laptop (no key)" if self.reason == NO_KEY
                    else "Atlas: the key was refused")
        if self.state == "failing":
            wait = self.retry_in()
            queued = f", {self.pending} waiting" if self.pending else ""
            return f"Atlas: {self.uploaded} on the map{queued}; retrying" + (f" in {wait:.0f} s" if wait and wait >= 1 else "")
        return self.text()

    def caption(self) -> str:
        """What the thank-you page says about the online map when there is no link to show yet."""
        if self.needs_key:
            return "The online map is not set up on this laptop: your photos stay here."
        if self.state == "failing":
            return "The online map cannot be reached right now: your photos wait here and go up by themselves."
        if self.note:
            return f"The online map: {self.note}."
        return "The online map opens once the first photos are up."

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
