"""One step at a time: the upload logic, synchronous, Qt-free and asyncio-free.

The station's asyncio :class:`~piday_desktop.atlas.uploader.Uploader` and ``piday upload`` both
call :meth:`UploadEngine.step` in a loop (the station from an executor thread). A step does at
most one unit of network work, in this order of priority:

1. delete datasets queued for a rebuild (erasure), and confirm they are gone;
2. verify rows whose outcome is unknown (sent before a crash or a timeout);
3. send one batch of due photos: thumbnails first (only with photo consent), then the rows, then
   ask the service which ids it now holds; only those count as uploaded;
4. build the map once enough photos are up, and again as the event grows;

and reports what it did. Every call to Atlas is bounded by a deadline, so a step always ends.
Failures of the service (offline, wrong key, 5xx, hangs) pause the whole uploader with backoff;
failures of particular photos only delay those photos.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core.store import EventStore
from . import modes, outbox, payload, state
from .client import AtlasClient, AtlasError, DatasetInfo, slugify
from .settings import AtlasSettings
from .status import UploadStatus

log = logging.getLogger(__name__)

NOT_STORED = "Atlas did not store it although the client reported success"
CONNECTION_KINDS = ("timeout", "offline", "key_refused", "no_key")


@dataclass(frozen=True)
class StepResult:
    """``worked``: call again at once. Otherwise wait ``wait`` seconds (or until woken)."""

    worked: bool
    wait: float = 0.0


class UploadEngine:
    """The upload of one event. Use from one thread at a time (the uploader serialises calls)."""

    def __init__(
        self, store: EventStore, settings: AtlasSettings | None = None, *,
        client_factory: Callable[[float], AtlasClient] = AtlasClient,
        rng: random.Random | None = None, clock: Callable[[], float] = time.time,
        on_status: Callable[[UploadStatus], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or AtlasSettings()
        self._client_factory = client_factory
        self._client: AtlasClient | None = None
        self._rng = rng or random.Random()
        self._clock = clock
        self.on_status = on_status
        self._blocked_until = 0.0
        self._failures = 0
        self._error: AtlasError | None = None
        self._waiting: str | None = None
        self._busy = False

    # --- public ---------------------------------------------------------------------------

    @property
    def client(self) -> AtlasClient:
        if self._client is None:
            self._client = self._client_factory(self.settings.deadline_s)
        return self._client

    def retry_now(self) -> None:
        """Forget every backoff: the next step tries at once (the "Retry now" button)."""
        self._blocked_until = 0.0
        self._failures = 0
        if self._client is not None:
            self._client.reset()  # pick up a new key or a network that came back
        outbox.retry_now(self.store)

    def status(self) -> UploadStatus:
        """The status right now, from the database and the last step's outcome."""
        counts = outbox.counts(self.store)
        values = state.get_all(self.store)
        queued = counts["queued"] + counts["failing"]
        rebuilding = bool(values.get("rebuild_started_at"))
        last_rebuild = float(values["last_rebuild_s"]) if values.get("last_rebuild_s") else None
        note = None
        if values.get("link_moved_from"):
            note = (f"the map moved to {values.get('map_link')} (Atlas kept the old name after the rebuild): "
                    "QR codes shown before open the old address")
        elif values.get("map_refused_count") and not values.get("map_count"):
            note = f"no map yet: waiting for more visitors (Atlas did not map {values['map_refused_count']} photos)"
        common = dict(queued=queued, sending=counts["sending"], failing=counts["failing"],
                      uploaded=counts["uploaded"], map_link=values.get("map_link"), rebuilding=rebuilding,
                      last_rebuild_s=last_rebuild, note=note)
        if self._busy:
            return UploadStatus("uploading", **common)
        if self._error is not None:
            return UploadStatus("failing", reason=self._error.reason, retry_at=self._blocked_until, **common)
        if counts["failing"]:
            next_at = outbox.next_due(self.store)
            return UploadStatus("failing", reason=outbox.last_error(self.store) or "retrying", retry_at=next_at, **common)
        if self._waiting and (queued or counts["sending"]):
            return UploadStatus("waiting", reason=self._waiting, **common)
        if queued or counts["sending"] or values.get("remove_datasets"):
            return UploadStatus("queued", **common)
        return UploadStatus("uploaded" if counts["uploaded"] else "idle", **common)

    def step(self, *, final_map: bool = False) -> StepResult:
        """Do the next unit of work (see the module docstring). Never raises for Atlas trouble."""
        now = self._clock()
        outbox.sweep(self.store)
        if now < self._blocked_until:
            return StepResult(False, self._blocked_until - now)
        values = state.get_all(self.store)
        try:
            if state.json_list(values, "remove_datasets"):
                self._work(lambda: self._remove_old(values))
                return StepResult(True)
            unsure = outbox.unsure(self.store, max(self.settings.batch_size, 500))
            if unsure:
                self._work(lambda: self._verify(values, unsure))
                return StepResult(True)
            # A rebuild sends everyone in one go: the event is without its map until it is done.
            limit = max(self.settings.batch_size, 1000) if values.get("rebuild_started_at") else self.settings.batch_size
            due = outbox.due(self.store, now, limit)
            if due:
                self._work(lambda: self._send(values, due))
                return StepResult(True)
            if self._map_due(values, final_map):
                self._work(lambda: self._build_map(values))
                return StepResult(True)
        except AtlasError as exc:
            self._fail(exc)
            return StepResult(False, max(0.0, self._blocked_until - self._clock()))
        self._finish_rebuild(values)
        nxt = outbox.next_due(self.store)
        wait = self.settings.idle_poll_s if nxt is None else min(self.settings.idle_poll_s, max(0.0, nxt - self._clock()))
        self._notify()
        return StepResult(False, wait)

    def done(self, final_map: bool = False) -> bool:
        """Settled, and no map build is due (with ``final_map``: the map shows every photo)."""
        return self.settled() and not self._map_due(state.get_all(self.store), final_map)

    def settled(self) -> bool:
        """Nothing left to do now: every allowed photo is verified on Atlas and no rebuild is pending."""
        counts = outbox.counts(self.store)
        values = state.get_all(self.store)
        return not (counts["queued"] or counts["sending"] or counts["failing"] or values.get("remove_datasets"))

    # --- steps ----------------------------------------------------------------------------

    def _work(self, job: Callable[[], None]) -> None:
        self._busy = True
        self._notify()
        try:
            job()
        finally:
            self._busy = False
        self._succeeded()
        self._notify()

    def _connect(self, values: dict[str, str]) -> DatasetInfo:
        """The open dataset: ours by id, else found or created by name (recorded at once)."""
        dataset_id = values.get("dataset_id")
        client = self.client
        if dataset_id and client.open_id == dataset_id:
            return client.info()
        name = self._dataset_name(values)
        if dataset_id:
            try:
                info = client.open_dataset(name, dataset_id)
            except AtlasError as exc:
                if exc.kind == "gone":  # deleted on the website: everything goes up again
                    state.rebuild(self.store, "the dataset was deleted on Atlas")
                raise
        else:
            # After deleting the old dataset for a rebuild, its slug may not be free again at once
            # (unconfirmed): the service may refuse the name or hand out another slug. Both are
            # retried with backoff, a few times; then the event moves to a new name for good,
            # rather than creating and deleting datasets forever.
            rebuilding = bool(values.get("rebuild_started_at")) and bool(state.json_list(values, "deleted_datasets"))
            tries = int(values.get("slug_attempts") or 0)
            try:
                info = client.open_dataset(name, None, is_public=self.settings.is_public,
                                           description=self._description(values))
            except AtlasError as exc:
                if rebuilding and exc.kind == "server" and "could not create" in exc.reason:
                    self._slug_refused(values, tries, name, None)
                raise
            if info.slug != slugify(name.split("/")[-1]):
                if rebuilding and tries + 1 >= self.settings.slug_attempts and info.total == 0:
                    log.warning("Atlas gave the rebuilt dataset the slug %s: the link moves", info.slug)
                    state.set_many(self.store, link_moved_from=values.get("map_link"), slug_attempts=None)
                else:
                    # The client's lookup failed and it created a second dataset (or the old slug is
                    # still held): remove that one.
                    if info.total == 0:
                        client.remove_dataset(info.id)
                    if rebuilding:
                        self._slug_refused(values, tries, name, info)
                    raise AtlasError("server", "Atlas did not find the event's dataset and made a duplicate; "
                                               "removed it, will retry")
            if info.id in state.json_list(values, "deleted_datasets"):
                raise AtlasError("server", "Atlas is still deleting the old dataset; will retry")
            state.set_many(self.store, dataset_id=info.id, dataset_name=name, dataset_slug=info.slug,
                           org_slug=info.org_slug, dataset_link=info.dataset_link, map_link=info.dataset_link,
                           share_nicknames=int(self.settings.share_nicknames), mode=self._mode(values),
                           slug_attempts=None)
        return info

    def _slug_refused(self, values: dict[str, str], tries: int, name: str, info: DatasetInfo | None) -> None:
        """The old slug is not ours again yet: count it; past ``slug_attempts`` use a new name."""
        tries += 1
        if tries < self.settings.slug_attempts:
            state.set_many(self.store, slug_attempts=tries)
            return
        base, _, last = name.rpartition("/")
        stem, dash, number = last.rpartition("-")
        fresh = f"{stem}-{int(number) + 1}" if dash and number.isdigit() and stem else f"{last}-2"
        fresh = f"{base}/{fresh}" if base else fresh
        log.warning("Atlas does not give the name %s back after the rebuild; using %s", name, fresh)
        state.set_many(self.store, dataset_name=fresh, link_moved_from=values.get("map_link"), slug_attempts=None)

    def _description(self, values: dict[str, str]) -> str:
        """What the dataset's page says: true whether the map is there, being built, or waiting."""
        mode = self._mode(values)
        how = ("placed by likeness with the station's own vectors" if mode == modes.VECTORS
               else "embedded by Nomic Embed Vision (search the map with words)")
        return (f"Photos of the visitors of {self.store.event} who agreed to be on this map, {how}. "
                f"The map appears once about {self.settings.map_min_points} photos are up and is rebuilt "
                "when a visitor asks to be removed; if no map shows, it is being built: come back in a few minutes.")

    def _dataset_name(self, values: dict[str, str]) -> str:
        return values.get("dataset_name") or self.settings.dataset or self.store.event

    def _share_nicknames(self, values: dict[str, str]) -> bool:
        # Fixed when the dataset was created: its columns cannot change afterwards.
        if "share_nicknames" in values:
            return values["share_nicknames"] == "1"
        return self.settings.share_nicknames

    def _model_id(self, values: dict[str, str]) -> str | None:
        if values.get("model_id"):
            return values["model_id"]
        if self.settings.model_id:
            return self.settings.model_id
        models = self.store.embedded_models()
        return next(iter(models), None)

    def _mode(self, values: dict[str, str]) -> str:
        return modes.of_values(values)

    def _vector_thumbnails(self, values: dict[str, str]) -> bool:
        # Thumbnails beside our vectors only where the service is known to show them (modes).
        if "vector_thumbnails" in values:
            return values["vector_thumbnails"] == "1"
        return self.settings.vector_thumbnails

    def _send(self, values: dict[str, str], due: list[str]) -> None:
        s = self.settings
        now = self._clock()
        mode = self._mode(values)
        model_id = self._model_id(values) if mode == modes.VECTORS else None
        if model_id is None and mode == modes.VECTORS:
            outbox.postpone(self.store, due, now + s.idle_poll_s, "waiting for embeddings")
            self._waiting = "photos wait for their embeddings"
            return
        self._connect(values)
        values = state.get_all(self.store)  # a dataset just created fixed its nickname column
        info = self.client.refresh()
        if info.locked:
            outbox.postpone(self.store, due, now + max(s.backoff_base_s, 0.2), "Atlas is building the map")
            self._waiting = "Atlas is building the map"
            return
        hashes = outbox.blob_hashes(self.store, due)
        nomic = mode == modes.NOMIC
        batch = payload.gather(self.store, due, model_id=model_id, share_nicknames=self._share_nicknames(values),
                               blob_hashes=hashes, mode=mode, thumbnails=self._vector_thumbnails(values),
                               thumbnail_px=modes.NOMIC_IMAGE_PX if nomic else s.thumbnail_px)
        if batch.waiting:
            outbox.postpone(self.store, list(batch.waiting), now + s.idle_poll_s, next(iter(batch.waiting.values())))
            self._waiting = "some photos wait for their embeddings"
        if batch.broken:
            for photo_id, reason in batch.broken.items():
                outbox.mark_failed(self.store, [photo_id], reason, base=s.backoff_base_s, cap=s.backoff_cap_s,
                                   rng=self._rng, count_attempt=True)
        service_error: AtlasError | None = None
        if batch.thumbnails:
            try:
                new = self.client.send_thumbnails(batch)
            except AtlasError as exc:
                new, service_error = getattr(exc, "partial", {}), exc
            outbox.set_blob_hashes(self.store, new)
            hashes.update(new)
        ready = [i for i in batch.items if not i.wants_thumbnail or i.photo_id in hashes]
        not_ready = [i.photo_id for i in batch.items if i not in ready]
        if not_ready:
            outbox.mark_failed(self.store, not_ready, service_error.reason if service_error else "thumbnail not sent",
                               base=s.backoff_base_s, cap=s.backoff_cap_s, rng=self._rng, count_attempt=True)
        if not ready:
            if service_error:
                raise service_error
            return
        send = batch.only([i.photo_id for i in ready])
        if model_id and not values.get("model_id"):
            state.set_many(self.store, model_id=model_id)
        outbox.mark_sending(self.store, send.ids, info.id)
        self._notify()  # "uploading", with these photos in flight
        try:
            self.client.send_rows(send, hashes)
        except AtlasError as exc:
            if exc.kind in CONNECTION_KINDS:
                raise  # the outcome is unknown: the rows stay "sending" and are verified first
            service_error = exc
        present = self.client.present_ids(send.ids)  # raises if Atlas cannot be asked: rows stay "sending"
        outbox.mark_uploaded(self.store, present, info.id)
        missing = [p for p in send.ids if p not in present]
        if missing:
            reason = service_error.reason if service_error else NOT_STORED
            outbox.mark_failed(self.store, missing, reason, base=s.backoff_base_s, cap=s.backoff_cap_s,
                               rng=self._rng, dataset_id=info.id)
        self._waiting = None if not batch.waiting else self._waiting
        if service_error is not None and service_error.kind != "rejected":
            raise service_error

    def _verify(self, values: dict[str, str], unsure: list[tuple[str, str]]) -> None:
        s = self.settings
        info = self._connect(values)
        current = [p for p, d in unsure if d == info.id]
        present = self.client.present_ids(current) if current else set()
        outbox.mark_uploaded(self.store, present, info.id)
        missing = [p for p in current if p not in present]
        if missing:
            outbox.mark_failed(self.store, missing, "not on Atlas after an interrupted upload", base=s.backoff_base_s,
                               cap=s.backoff_cap_s, rng=self._rng, dataset_id=info.id)
        stale = [p for p, d in unsure if d != info.id]
        if stale:  # sent to a dataset that is no longer ours: send again
            outbox.requeue(self.store, stale)

    def _remove_old(self, values: dict[str, str]) -> None:
        pending = state.json_list(values, "remove_datasets")
        deleted = state.json_list(values, "deleted_datasets")
        client = self.client
        for dataset_id in list(pending):
            if client.dataset_status(dataset_id) == "present":
                client.remove_dataset(dataset_id)
                if client.dataset_status(dataset_id) != "gone":
                    raise AtlasError("server", "Atlas has not deleted the old dataset yet; will retry")
            pending.remove(dataset_id)
            deleted.append(dataset_id)
            state.set_many(self.store, remove_datasets=json.dumps(pending) if pending else None,
                           deleted_datasets=json.dumps(deleted[-20:]))

    def _map_due(self, values: dict[str, str], final: bool) -> bool:
        s = self.settings
        uploaded = outbox.counts(self.store)["uploaded"]
        built = int(values.get("map_count") or 0)
        if uploaded == 0 or uploaded == built:
            return False
        refused = int(values.get("map_refused_count") or 0)
        if refused and uploaded <= refused and self._clock() - float(values.get("map_refused_at") or 0) < s.map_retry_s:
            return False  # Atlas would not map this many: wait for more visitors (or a while)
        if built == 0:
            # A rebuilt dataset (forget, mode switch) gets its map at once: the event had one.
            return uploaded >= s.map_min_points or final or bool(values.get("rebuild_started_at"))
        if final:  # only when the data changed enough: every map stays, the client cannot delete one
            return uploaded - built >= max(1, math.ceil(built * s.map_final_growth))
        if s.map_growth is None or uploaded < built * (1 + s.map_growth):
            return False
        return self._clock() - float(values.get("map_built_at") or 0) >= s.map_min_interval_s

    def _build_map(self, values: dict[str, str]) -> None:
        info = self._connect(values)
        uploaded = outbox.counts(self.store)["uploaded"]
        name = self._dataset_name(values)
        try:
            link = self.client.build_map(f"{name.split('/')[-1]} map", self._mode(values))
        except AtlasError as exc:
            if exc.kind not in ("error", "rejected"):
                raise
            # The service refused this map (e.g. too few datums: it has asked for at least 20).
            # Not retried until more photos are up, or map_retry_s passed (in case it was a
            # passing fault worded like a refusal): never a loop of refused builds.
            state.set_many(self.store, map_refused_count=uploaded, map_refused_at=f"{self._clock():.3f}",
                           map_refused_reason=exc.reason[:300])
            log.info("Atlas refused a map of %d photos: %s", uploaded, exc.reason)
            return
        # The link stays the dataset's page (set when the dataset was made): it opens whether the
        # map is ready, being built or waiting for more visitors; ``link`` (…/map) is its map.
        state.set_many(self.store, map_count=uploaded, map_built_at=f"{self._clock():.3f}",
                       map_link=values.get("map_link") or info.dataset_link, map_refused_count=None,
                       map_refused_at=None, map_refused_reason=None)

    def _finish_rebuild(self, values: dict[str, str]) -> None:
        started = values.get("rebuild_started_at")
        if not started or not self.settled():
            return
        uploaded = outbox.counts(self.store)["uploaded"]
        refused = int(values.get("map_refused_count") or 0) >= uploaded
        if uploaded and int(values.get("map_count") or 0) != uploaded and not refused:
            return  # the map is rebuilt too before the erasure counts as done
        state.set_many(self.store, last_rebuild_s=f"{self._clock() - float(started):.3f}",
                       rebuild_started_at=None, rebuild_reason=None)

    # --- outcome bookkeeping --------------------------------------------------------------

    def _succeeded(self) -> None:
        self._failures = 0
        self._error = None

    def _fail(self, error: AtlasError) -> None:
        s = self.settings
        self._failures += 1
        if error.kind == "locked":
            delay = max(s.backoff_base_s, 0.2)
            self._waiting, self._error = error.reason, None
        else:
            delay = outbox.backoff_delay(self._failures, s.backoff_base_s, s.backoff_cap_s, self._rng)
            self._error = error
        self._blocked_until = self._clock() + delay
        log.info("Atlas upload paused %.1f s: %s", delay, error.reason)
        self._notify()

    def _notify(self) -> None:
        if self.on_status is not None:
            try:
                self.on_status(self.status())
            except Exception:  # a broken listener must not stop uploads
                log.exception("status listener failed")
