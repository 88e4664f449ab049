"""The one module that imports ``nomic``: a thin, deadline-bound, honest wrapper of the 3.9.0 client.

Why a wrapper (ATLAS_PROTOCOL.md has the details):

- no request of the client has a timeout, so every call here runs under
  :func:`deadline.call_with_deadline` and a stalled service becomes an :class:`AtlasError`;
- the client's errors are misleading (a refused key surfaces as "Organization not found"), so
  they are translated into a few kinds with a sentence a volunteer can act on;
- ``add_data`` reports nothing reliable, so this module never claims an upload worked: callers
  ask :meth:`AtlasClient.present_ids` what the service holds;
- ``add_data`` drops thumbnails when embeddings are given (§6), so thumbnails go through the
  blobs endpoint here, with the client's own URL and credentials, and rows carry ``_blob_hash``.

Data is handed over as a list of dicts (pandas 3 frames make the client fail on large_string).
Only what a :class:`~piday_desktop.atlas.payload.Batch` holds is ever sent.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from . import modes
from .deadline import DeadlineExceeded, call_with_deadline
from .payload import GROUP_FIELD, ID_FIELD, Batch
from .status import KEY_REFUSED, NO_KEY  # noqa: F401  (the reasons only a key fixes, worded once)

T = TypeVar("T")

BLOBS_PER_REQUEST = 40  # what the client itself sends at most (ATLAS_PROTOCOL.md §4)
IDS_PER_LOOKUP = 100


class AtlasError(Exception):
    """A failed Atlas call, with ``kind`` for the uploader and ``reason`` for people.

    Kinds: ``no_key``, ``key_refused``, ``offline`` (cannot connect / connection cut), ``timeout``,
    ``locked`` (a map is being built), ``server`` (5xx, error pages, the client giving up),
    ``gone`` (the dataset no longer exists), ``rejected`` (the service refused this data),
    ``error`` (anything else).
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class DatasetInfo:
    """What the uploader needs to know about the open dataset, from freshly fetched meta."""

    id: str
    slug: str
    org_slug: str
    total: int
    locked: bool
    maps: int
    dataset_link: str
    modality: str | None = None

    @property
    def map_link(self) -> str:
        return self.dataset_link + "/map"


def slugify(name: str) -> str:
    """The dataset slug the client derives from a name (ATLAS_PROTOCOL.md §3, step 1)."""
    text = unicodedata.normalize("NFD", name).lower().replace(" ", "-").replace("_", "-")
    text = re.sub(r"[^a-z0-9-]", "", text)
    return re.sub(r"-+", "-", text)


class _NullBar:
    """Passed as ``pbar`` so the client neither draws tqdm bars nor logs a meaningless "succeeded"."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _nomic_dataset():
    import nomic.dataset

    return nomic.dataset


def classify(exc: BaseException) -> AtlasError:
    """Turn whatever the client (or requests) raised into an :class:`AtlasError`."""
    import requests

    if isinstance(exc, AtlasError):
        return exc
    if isinstance(exc, DeadlineExceeded):
        return AtlasError("timeout", f"Atlas did not answer in time ({exc})")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return AtlasError("offline", "Atlas cannot be reached (network down or connection cut)")
    text = str(exc)
    if "You have not configured your Nomic API token" in text or "Could not find an authorization token" in text:
        return AtlasError("no_key", NO_KEY)
    if "no longer valid" in text or "Organization not found" in text or "Not authenticated" in text:
        return AtlasError("key_refused", KEY_REFUSED)
    if "currently indexing" in text or "lock is held" in text:
        return AtlasError("locked", "Atlas is building the map; uploads wait until it is done")
    if "Cannot contact" in text or "under high load" in text or "Too many upload requests" in text:
        return AtlasError("server", "Atlas is having trouble (server errors); will retry")
    if isinstance(exc, json.JSONDecodeError) or type(exc).__name__ == "JSONDecodeError":
        return AtlasError("server", "Atlas answered with an error page; will retry")
    if "Could not access" in text:
        return AtlasError("server", "Atlas could not be asked about the dataset (server error); will retry")
    if "Failed to create dataset" in text:
        return AtlasError("server", f"Atlas could not create the dataset ({text[:160]})")
    if isinstance(exc, (AssertionError, TypeError, ValueError, KeyError)):
        return AtlasError("rejected", f"the upload was refused before sending ({type(exc).__name__}: {text[:160]})")
    return AtlasError("error", f"{type(exc).__name__}: {text[:200]}")


def _main_org_slug(user: dict) -> str | None:
    """The organization the client itself would pick (``_get_current_users_main_organization``),
    from the user record already fetched, so naming it costs no extra request."""
    orgs = [o for o in user.get("organizations") or [] if isinstance(o, dict)]
    picks = (
        [o for o in orgs if o.get("plan_type") == "enterprise"]
        + [o for o in orgs if user.get("default_organization") and o.get("organization_id") == user.get("default_organization")]
        + [o for o in orgs if o.get("user_id") == user.get("sub") and o.get("access_role") == "OWNER"]
        + [o for o in orgs if o.get("user_id") == user.get("sub")]
    )
    return picks[0].get("slug") if picks else None


class AtlasClient:
    """One connection's worth of client state; cheap to throw away and make again.

    Not thread-safe: the uploader uses it from one thread at a time. Every method either returns
    within about ``deadline_s`` (scaled up for large uploads) or raises :class:`AtlasError`.
    """

    def __init__(self, deadline_s: float = 60.0) -> None:
        self.deadline_s = deadline_s
        self._base: Any = None  # a nomic AtlasClass: the client's URL, headers and web path
        self._ds: Any = None  # the open nomic AtlasDataset
        self.org_slug: str | None = None

    # --- plumbing -------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., T], *args: Any, seconds: float | None = None, **kwargs: Any) -> T:
        try:
            return call_with_deadline(fn, seconds or self.deadline_s, what, *args, **kwargs)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            error = classify(exc)
            # A new key needs new headers; a call still running in the background (timeout) must
            # not share the dataset object with the next one. A refused connection needs neither.
            if error.kind in ("key_refused", "no_key", "timeout"):
                self.reset()
            raise error from exc

    def reset(self) -> None:
        """Forget the connection (after a refused key, a re-login, or a hung call)."""
        self._base = None
        self._ds = None

    def _session_base(self) -> Any:
        if self._base is None:
            base = self._call("Atlas sign-in", _nomic_dataset().AtlasClass)
            user = self._call("Atlas sign-in", base._get_current_user)  # 4xx here: the key was refused
            self.org_slug = _main_org_slug(user)
            self._base = base
        return self._base

    def _request(self, method: str, path: str, **kwargs: Any):
        """A direct request with the client's URL and credentials, and a real timeout."""
        import requests

        base = self._session_base()
        try:
            return requests.request(method, base.atlas_api_path + path, headers=base.header,
                                    timeout=self.deadline_s, **kwargs)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise classify(exc) from exc

    # --- key and datasets -----------------------------------------------------------------

    def check_key(self) -> str:
        """Sign in; returns the organization's slug. Raises ``key_refused`` for a wrong key."""
        self.reset()
        self._session_base()
        return self.org_slug or ""

    def open_dataset(self, name: str, dataset_id: str | None = None, *, is_public: bool = True,
                     description: str = "") -> DatasetInfo:
        """Load our dataset by id, or load-or-create it by name (``name`` or ``org/name``)."""
        self._session_base()
        module = _nomic_dataset()
        if dataset_id:
            try:
                self._ds = self._call("opening the Atlas dataset", module.AtlasDataset, dataset_id=dataset_id)
            except AtlasError as exc:
                if exc.kind in ("error", "rejected", "server") and self.dataset_status(dataset_id) == "gone":
                    raise AtlasError("gone", "the Atlas dataset was deleted on the service") from exc
                raise
        else:
            identifier = name if "/" in name else f"{self.org_slug}/{name}" if self.org_slug else name
            self._ds = self._call("opening the Atlas dataset", module.AtlasDataset, identifier,
                                  unique_id_field=ID_FIELD, is_public=is_public,
                                  description=description or "Photos of an exhibition's visitors, by likeness")
        return self.info()

    @property
    def open_id(self) -> str | None:
        """The id of the open dataset, or None."""
        return None if self._ds is None else self._ds.meta.get("id")

    def info(self) -> DatasetInfo:
        """The open dataset's state from the meta last fetched."""
        ds = self._ds
        meta = ds.meta
        return DatasetInfo(
            id=meta["id"], slug=meta["slug"], org_slug=meta["organization_slug"],
            total=int(meta.get("total_datums_in_project") or 0),
            locked=bool(meta.get("insert_update_delete_lock")),
            maps=sum(len(i.get("projections") or []) for i in meta.get("atlas_indices") or []),
            dataset_link=f"{ds.web_path}/data/{meta['organization_slug']}/{meta['slug']}",
            modality=meta.get("modality"),
        )

    def refresh(self) -> DatasetInfo:
        """Fetch the dataset's meta again (lock, count, maps)."""
        self._require()
        self._call("refreshing the Atlas dataset", self._ds._latest_dataset_state)
        return self.info()

    def dataset_status(self, dataset_id: str) -> str:
        """``present`` or ``gone`` (404); anything else raises."""
        response = self._request("GET", f"/v1/project/{dataset_id}")
        if response.status_code == 200:
            return "present"
        if response.status_code == 404:
            return "gone"
        if response.status_code in (401, 403):
            raise AtlasError("key_refused", KEY_REFUSED)
        raise AtlasError("server", f"Atlas answered {response.status_code} when asked about the dataset")

    def remove_dataset(self, dataset_id: str) -> None:
        """Ask for the dataset's deletion (the client ignores the answer; confirm with dataset_status)."""
        base = self._session_base()
        self._call("deleting the Atlas dataset", base._delete_project_by_id, dataset_id)
        if self._ds is not None and self._ds.meta.get("id") == dataset_id:
            self._ds = None

    # --- data -------------------------------------------------------------------------------

    def send_thumbnails(self, batch: Batch) -> dict[str, str]:
        """Upload the batch's thumbnails (40 per request, as the client does); returns photo id -> hash.

        Only thumbnails the consent gate put in the batch exist to be sent. Stops at the first
        failed request; hashes already received ride on the error as ``AtlasError.partial``.
        """
        self._require()
        done: dict[str, str] = {}
        items = list(batch.thumbnails.items())
        for start in range(0, len(items), BLOBS_PER_REQUEST):
            chunk = items[start:start + BLOBS_PER_REQUEST]
            response = self._request("POST", "/v1/project/data/add/blobs", data={"dataset_id": self._ds.id},
                                     files=[("blobs", jpeg) for _, jpeg in chunk])
            try:
                hashes = response.json()["hashes"] if response.status_code == 200 else None
            except (ValueError, KeyError, TypeError):
                hashes = None
            if not isinstance(hashes, list) or len(hashes) != len(chunk):
                error = AtlasError("server" if response.status_code >= 500 or response.status_code == 200 else "rejected",
                                   f"Atlas refused the thumbnails ({response.status_code})")
                if response.status_code in (401, 403):
                    error = AtlasError("key_refused", KEY_REFUSED)
                error.partial = done  # type: ignore[attr-defined]
                raise error
            done.update({photo_id: str(h) for (photo_id, _), h in zip(chunk, hashes)})
        return done

    def send_rows(self, batch: Batch, blob_hashes: dict[str, str]) -> None:
        """Hand the batch to ``add_data``. Returning says nothing about what was stored."""
        self._require()
        rows = batch.rows(blob_hashes)
        if not rows:
            return
        seconds = self.deadline_s * (1 + len(rows) / 2000)
        # "nomic embeds" mode: no embeddings; the rows carry their images' _blob_hash (sent
        # first by send_thumbnails, as the client's own blob path does), so the client uploads
        # them as data of an image dataset. Never a row without its image: that one could not
        # be mended (no row deletes in 3.9), while the client's path sends rows whose blob failed.
        self._call("uploading to Atlas", self._ds.add_data, rows, embeddings=batch.embeddings(), pbar=_NullBar(),
                   seconds=seconds)

    def present_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the service holds right now (asked, not assumed)."""
        self._require()
        found: set[str] = set()
        ids = list(ids)
        for start in range(0, len(ids), IDS_PER_LOOKUP):
            chunk = ids[start:start + IDS_PER_LOOKUP]
            datums = self._call("checking what Atlas holds", self._ds.get_data, chunk)
            found.update(str(d.get(ID_FIELD)) for d in datums if isinstance(d, dict))
        return found & set(ids)

    def build_map(self, name: str, mode: str = modes.VECTORS) -> str:
        """Ask for a map of everything uploaded; returns its link. Does not wait for the build.

        Topics are labelled from the group-name column (``topic_label_field``), so the shared map
        shows group names; without a text field an embedding map has no topic names at all. In
        "nomic embeds" mode the service embeds the images with Nomic Embed Vision (the client
        would default to the *text* model, ATLAS_PROTOCOL.md §6), which also gives text search.
        """
        self._require()
        from nomic.data_inference import NomicTopicOptions

        topics = NomicTopicOptions(build_topic_model=True, topic_label_field=GROUP_FIELD)
        extra: dict[str, Any] = {}
        if mode == modes.NOMIC:
            extra = dict(indexed_field="_blob_hash", modality="image", embedding_model=modes.VISION_MODEL)
        projection = self._call("building the Atlas map", self._ds.create_index, name=name,
                                topic_model=topics, duplicate_detection=False, seconds=self.deadline_s + 10, **extra)
        if projection is None:
            raise AtlasError("server", "Atlas accepted the map request but no map appeared")
        return projection.map_link

    def map_stage(self) -> str | None:
        """The build stage of the open dataset's newest map (``Completed`` when done), or None."""
        self._require()
        maps = self._call("asking for the Atlas map", lambda: self._ds.maps)
        if not maps:
            return None
        status = self._call("asking for the Atlas map", lambda: maps[-1]._status)
        return str(status.get("index_build_stage") or status.get("job_state") or "") if isinstance(status, dict) else None

    def delete_rows(self, ids: Sequence[str]) -> str | None:
        """Try the client's own row delete; None if it worked, else what stopped it (3.9: refused locally)."""
        self._require()
        try:
            self._call("deleting rows on Atlas", self._ds.delete_data, list(ids))
        except AtlasError as exc:
            return exc.reason
        except DeprecationWarning as exc:
            return f"the client refuses: {exc}"
        return None

    def _require(self) -> None:
        if self._ds is None:
            raise AtlasError("error", "no Atlas dataset is open")


# --- credentials -------------------------------------------------------------------------------


def credentials_path() -> Path:
    """Where the client keeps its key (``$HOME/.nomic/credentials``, fixed when nomic is imported)."""
    import nomic.cli

    return Path(nomic.cli.nomic_base_path) / "credentials"


def login(key: str, deadline_s: float = 30.0) -> Path:
    """Store ``key`` through the client's own ``nomic.login`` and make the file private (0600).

    ``nk-`` keys are stored without any network call; other tokens are exchanged by the client
    over https (under a deadline here). An empty key would make the client call ``exit()``.
    """
    key = key.strip()
    if not key:
        raise AtlasError("no_key", "no key given")
    import nomic

    try:
        call_with_deadline(nomic.login, deadline_s, "Atlas login", key)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = classify(exc)
        if "Could not authorize" in str(exc):
            error = AtlasError("key_refused", KEY_REFUSED)
        raise error from exc
    path = credentials_path()
    if path.exists() and os.name == "posix":
        os.chmod(path, 0o600)
    return path


@contextmanager
def quiet_client_logs() -> Iterator[None]:
    """Silence the client's loguru output (shard errors, "Upload succeeded") for a CLI run."""
    from loguru import logger

    logger.disable("nomic")
    try:
        yield
    finally:
        logger.enable("nomic")
