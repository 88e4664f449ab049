"""``piday atlas selftest``: what the configured Atlas service really does, checked the day before.

Several things the station relies on cannot be read from the client or Nomic's docs (ATLAS_PROTOCOL.md
§6-7): whether a map of our own vectors shows thumbnails, whether the name of a deleted dataset is
free again at once, how soon uploaded ids read back, whether a map is built and how fast. So this
makes a throwaway dataset in each mode with a few random vectors and thumbnails, through the same
:class:`~piday_desktop.atlas.client.AtlasClient` the uploader uses, checks each capability, deletes
everything it made, and gives a verdict per capability with what the station does about it.

Nothing of any visitor is involved: the rows are random (codes ``T-000``...), the thumbnails are
noise. Verdicts: ``ok`` True (works), False (does not: the station's fallback is named), None (cannot
be seen through the client: what to look at by hand).
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from . import modes
from .client import AtlasClient, AtlasError, slugify
from .payload import GROUP_FIELD, ID_FIELD, Batch, Item

ROWS = 24  # above the 20 datums the service has asked for before it maps
DIM = 32


@dataclass(frozen=True)
class Verdict:
    mode: str
    capability: str
    ok: bool | None
    found: str
    action: str

    def line(self) -> str:
        mark = {True: "OK ", False: "NO ", None: "?? "}[self.ok]
        return f"[{mark}] {self.mode:<12} {self.capability}: {self.found}\n{'':18}station: {self.action}"


@dataclass
class Report:
    verdicts: list[Verdict] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # datasets it could not delete (ids)

    def add(self, *args) -> None:
        self.verdicts.append(Verdict(*args))

    def text(self) -> str:
        lines = [v.line() for v in self.verdicts]
        if self.leftovers:
            lines.append(f"could not delete test dataset(s) {', '.join(self.leftovers)}: delete them on the website")
        return "\n".join(lines)


def _noise_jpeg(rng: np.random.Generator, px: int = 64) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (px, px, 3), dtype=np.uint8), "RGB").save(buf, "JPEG", quality=70)
    return buf.getvalue()


def _batch(mode: str, rng: np.random.Generator) -> Batch:
    items, thumbs = [], {}
    taken = datetime.now(timezone.utc)
    for k in range(ROWS):
        photo_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        vector = None
        if mode == modes.VECTORS:
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
        row = {ID_FIELD: photo_id, "participant": f"T-{k:03d}", "shot": 1, "taken": taken,
               "model": modes.VISION_MODEL if mode == modes.NOMIC else "selftest-random",
               GROUP_FIELD: ("test group a", "test group b")[k % 2]}
        items.append(Item(photo_id, row, vector, True))
        thumbs[photo_id] = _noise_jpeg(rng)
    return Batch(items, thumbs)


class SelfTest:
    """One run; ``clock`` and ``sleep`` are injectable, polls start at 50 ms and slow to ``poll_s``."""

    def __init__(self, deadline_s: float = 60.0, *, client_factory: Callable[[float], AtlasClient] = AtlasClient,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 poll_s: float = 1.0, wait_s: float = 120.0, seed: int | None = None) -> None:
        self.deadline_s = deadline_s
        self._factory = client_factory
        self._clock, self._sleep = clock, sleep
        self.poll_s, self.wait_s = poll_s, wait_s
        self._rng = np.random.default_rng(seed)

    def run(self, which: tuple[str, ...] = modes.MODES) -> Report:
        report = Report()
        client = self._factory(self.deadline_s)
        try:
            org = client.check_key()
        except AtlasError as exc:
            report.add("-", "sign in", False, exc.reason, "nothing can be uploaded until this works")
            return report
        report.add("-", "sign in", True, f"key accepted (organization {org})", "uploads as this organization")
        for mode in which:
            self._one(client, mode, report)
        return report

    def _wait(self, what: Callable[[], bool]) -> float | None:
        """Seconds until ``what()`` is true, polling every ``poll_s``; None after ``wait_s``."""
        start = self._clock()
        pause = min(0.05, self.poll_s)
        while True:
            if what():
                return self._clock() - start
            if self._clock() - start >= self.wait_s:
                return None
            self._sleep(pause)
            pause = min(self.poll_s, pause * 2)  # quick at first, then every poll_s

    def _one(self, client: AtlasClient, mode: str, report: Report) -> None:
        name = f"piday-selftest-{'vectors' if mode == modes.VECTORS else 'nomic'}-{self._rng.bytes(3).hex()}"
        made: list[str] = []
        try:
            info = client.open_dataset(name, None, description="piday selftest: throwaway, deleted at once")
            made.append(info.id)
            batch = _batch(mode, self._rng)
            hashes = client.send_thumbnails(batch)
            client.send_rows(batch, hashes)
            ids = batch.ids
            seen: set[str] = set()

            def all_back() -> bool:
                seen.update(client.present_ids([i for i in ids if i not in seen]))
                return len(seen) == len(ids)

            lag = self._wait(all_back)
            if lag is None:
                report.add(mode, "ids read back", False, f"{len(seen)} of {len(ids)} after {self.wait_s:.0f} s",
                           "rows not seen stay queued and are sent again (a duplicate is refused by the service)")
            else:
                report.add(mode, "ids read back", True, f"all {len(ids)} after {lag:.1f} s",
                           "counts a photo as uploaded only once its id reads back")
            self._thumbnails(client, mode, batch, hashes, report)
            self._map(client, mode, name, report)
            self._row_delete(client, mode, ids[:1], report)
            self._slug(client, mode, name, info, made, report)
        except AtlasError as exc:
            report.add(mode, "test run", False, exc.reason, "fix this first: the station meets the same error")
        finally:
            for dataset_id in made:
                try:
                    client.remove_dataset(dataset_id)
                    if client.dataset_status(dataset_id) != "gone":
                        report.leftovers.append(dataset_id)
                except AtlasError:
                    report.leftovers.append(dataset_id)

    def _thumbnails(self, client: AtlasClient, mode: str, batch: Batch, hashes: dict[str, str],
                    report: Report) -> None:
        stored = len(hashes) == len(batch.ids)
        rows = client._call("reading rows back", client._ds.get_data, batch.ids[:5])  # noqa: SLF001 (own client)
        kept = bool(rows) and all(r.get("_blob_hash") == hashes.get(r.get(ID_FIELD)) for r in rows)
        found = f"{len(hashes)} of {len(batch.ids)} stored; rows {'keep' if kept else 'lost'} their image hash"
        if mode == modes.NOMIC:
            report.add(mode, "images on the map", stored and kept,
                       found + ("; the service embeds them (the documented image path)" if stored and kept else ""),
                       "images and text search on the map" if stored and kept
                       else "switch to vectors mode: this service did not keep the images")
        else:
            report.add(mode, "thumbnails shown", None if stored and kept else False,
                       found + ("; whether a map of our own vectors shows them cannot be seen through the client"
                                if stored and kept else ""),
                       "sends no thumbnails in vectors mode: open the test map link below, and only if it showed "
                       "pictures use `piday upload --vector-thumbnails`; for pictures for sure: --mode nomic-embeds")

    def _map(self, client: AtlasClient, mode: str, name: str, report: Report) -> None:
        start = self._clock()
        try:
            client.build_map(f"{name} map", mode)
        except AtlasError as exc:
            report.add(mode, "map link", False, f"map refused: {exc.reason}",
                       "the link opens the dataset page, which says the map comes once more photos are up")
            return
        took = self._wait(lambda: (client.map_stage() or "").lower() in ("completed", "done"))
        link = client.info().dataset_link
        if took is None:
            report.add(mode, "map link", False, f"map not ready after {self.wait_s:.0f} s ({link})",
                       "the link opens the dataset page meanwhile; builds take longer on this service")
        else:
            report.add(mode, "map link", True, f"map ready {self._clock() - start:.1f} s after asking: {link}",
                       "the QR code opens this page (with the map, or saying it is being built)")

    def _row_delete(self, client: AtlasClient, mode: str, ids: list[str], report: Report) -> None:
        refused = client.delete_rows(ids)
        if refused is None and not client.present_ids(ids):
            report.add(mode, "row delete", True, "a single row was deleted",
                       "still rebuilds the dataset on forget (the client pinned here has no row delete)")
        else:
            report.add(mode, "row delete", False, refused or "the row is still there",
                       "forget deletes and rebuilds the dataset under the same name, map at once")

    def _slug(self, client: AtlasClient, mode: str, name: str, info, made: list[str], report: Report) -> None:
        client.remove_dataset(info.id)
        gone = client.dataset_status(info.id) == "gone"
        if gone:
            made.remove(info.id)
        try:
            again = client.open_dataset(name, None, description="piday selftest: throwaway, deleted at once")
        except AtlasError as exc:
            report.add(mode, "name free after delete", False, f"the name was refused: {exc.reason}",
                       "a forget retries the name a few times, then moves the event to a new name and says so")
            return
        made.append(again.id)
        if again.slug == slugify(name) and again.id != info.id:
            report.add(mode, "name free after delete", True, "the same link right after the delete",
                       "a forget keeps the link and QR codes")
        else:
            report.add(mode, "name free after delete", False,
                       f"got {again.slug!r} instead" if again.id != info.id else "the old dataset is still there",
                       "a forget retries the name a few times, then moves the event to a new name and says so")
