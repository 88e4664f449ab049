"""The emulated Atlas API: one handler per endpoint of the upload/map flow, HTTP-free.

Input is a decoded :class:`Request`, output a :class:`Reply`; the server module does the sockets and
the fault plan. Behaviour follows ATLAS_PROTOCOL.md §2 and §5. Where the real service's choice is not
known, the choice made here is documented on :class:`ServiceConfig` or the handler.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import arrow_codec, messages
from .messages import Reply, Request, detail_reply, json_reply
from .multipart import MultipartError, parse_form
from .state import AtlasIndexRecord, Dataset, Store


def pa_is_text(arrow_type: Any) -> bool:
    """A string column (what topic labels can be written from)."""
    import pyarrow as pa

    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)

DEFAULT_KEY = "nk-emulator-test-key"


@dataclass
class ServiceConfig:
    """Behaviour switches of the emulated service.

    - ``valid_keys``: bearer tokens accepted; any other gets 401 ``{"detail": ...}`` on every endpoint,
      which the client turns into "Organization not found: <org>" (or, without an org in the
      identifier, "Your authorization token is no longer valid").
    - ``build_seconds``: how long an index build holds the dataset lock; None = until
      ``Store.finish_builds()``.
    - ``datum_limit``: organization-wide row cap (None = none); exceeding it answers the org-limit detail.
    - ``duplicate_create``: what POST /v1/project/create does for an existing slug. ``"conflict"``
      (default) answers 409 ``{"detail": "... already exists ..."}``, so the client raises
      "Failed to create dataset: {...}"; ``"suffix"`` creates ``slug-2`` (a duplicate dataset).
    - ``fresh_modality``: ``modality`` of a new dataset before its first shard (None is what lets
      embedding uploads through; "text" reproduces the client's refusal).
    - ``error_style``: ``"object"`` (real) or ``"string"`` for the lock-held/org-limit/ID-conflict
      rejections the rules themselves produce.
    - ``min_map_datums``: the fewest rows an index (map) is built from; fewer answers 400 (nomic
      issue #144: the service asked for at least 20; the current threshold is unconfirmed, so 20
      is the cautious model). None: no minimum.
    - ``slug_hold_s``: after a dataset is removed its slug stays taken for this long (None: for
      good); a create for it meanwhile behaves like one for an existing slug (``duplicate_create``).
      0 (default): free at once. Whether the real service frees it at once is unconfirmed.
    """

    valid_keys: set[str] = field(default_factory=lambda: {DEFAULT_KEY})
    build_seconds: Optional[float] = 0.05
    datum_limit: Optional[int] = None
    duplicate_create: str = "conflict"
    fresh_modality: Optional[str] = None
    error_style: str = "object"
    min_map_datums: Optional[int] = 20
    slug_hold_s: Optional[float] = 0.0

VISION_MODELS = ("nomic-embed-vision-v1", "nomic-embed-vision-v1.5")
TEXT_MODELS = ("nomic-embed-text-v1", "nomic-embed-text-v1.5", "gte-multilingual-base")


def slugify(name: str) -> str:
    """The dataset slug, normalised like the client does (NFD, lower, '-' for space/_, [a-z0-9-])."""
    text = unicodedata.normalize("NFD", name).lower().replace(" ", "-").replace("_", "-")
    text = re.sub(r"[^a-z0-9-]", "", text)
    return re.sub(r"-+", "-", text)


class AtlasService:
    """Dispatches decoded requests to the endpoint handlers over a :class:`Store`."""

    def __init__(self, store: Store, config: ServiceConfig) -> None:
        self.store = store
        self.config = config
        self._handlers: dict[str, Callable[[Request], Reply]] = {
            "user": self._user,
            "organization": self._organization,
            "lookup": self._lookup,
            "create": self._create,
            "meta": self._meta,
            "arrow": self._arrow,
            "blobs": self._blobs,
            "index_create": self._index_create,
            "index_job": self._index_job,
            "progress": self._progress,
            "data_get": self._data_get,
            "remove": self._remove,
        }

    # --- decoding (done before faults so faults and the log can see the content) ---

    def decode(self, request: Request) -> None:
        """Parse the body according to the endpoint: JSON, Arrow shard or multipart form."""
        try:
            if request.endpoint == "arrow":
                request.table = arrow_codec.read_shard(request.body)
                dataset = self.store.get(arrow_codec.shard_project_id(request.table) or "")
                id_field = dataset.unique_id_field if dataset is not None else None
                if id_field and id_field in request.table.column_names:
                    request.row_ids = request.table.column(id_field).to_pylist()
            elif request.endpoint == "blobs":
                request.form, request.files = parse_form(request.headers.get("content-type", ""), request.body)
            elif request.body and "json" in request.headers.get("content-type", ""):
                request.json_body = json.loads(request.body)
        except (arrow_codec.ShardError, MultipartError, ValueError) as exc:
            request.decode_error = str(exc)

    # --- dispatch ---

    def handle(self, request: Request) -> Reply:
        """Answer one request (auth first, like the real API)."""
        if request.endpoint == "emulator_state":
            return json_reply(200, self.summary())
        token = request.token
        if token is None:
            return detail_reply(403, "Not authenticated")
        if token not in self.config.valid_keys:
            return detail_reply(messages.WRONG_KEY_STATUS, messages.WRONG_KEY_DETAIL)
        handler = self._handlers.get(request.endpoint)
        if handler is None:
            return detail_reply(404, "Not Found")
        if request.decode_error is not None:
            return detail_reply(400, request.decode_error)
        return handler(request)

    def summary(self) -> dict[str, Any]:
        """A short JSON view of the state for manual testing (GET /_emulator/state)."""
        return {
            "organization": self.store.org.slug,
            "datasets": [
                {"id": d.id, "slug": d.slug, "total_datums": d.count, "locked": d.locked, "indices": len(d.indices)}
                for d in self.store.datasets()
            ],
            "blobs": len(self.store.blobs),
        }

    # --- user and organization ---

    def _user(self, request: Request) -> Reply:
        org = self.store.org
        return json_reply(
            200,
            {
                "sub": org.user_id,
                "nickname": "emulator",
                "default_organization": org.id,
                "organizations": [
                    {
                        "organization_id": org.id,
                        "slug": org.slug,
                        "nickname": org.slug,
                        "user_id": org.user_id,
                        "access_role": "OWNER",
                        "plan_type": org.plan_type,
                    }
                ],
            },
        )

    def _organization(self, request: Request) -> Reply:
        org = self.store.org
        if request.params["org_slug"] != org.slug:
            return detail_reply(404, "Organization not found")
        return json_reply(200, {"id": org.id, "slug": org.slug, "nickname": org.slug})

    # --- datasets ---

    def _lookup(self, request: Request) -> Reply:
        dataset = None
        if request.params["org_slug"] == self.store.org.slug:
            dataset = self.store.by_slug(request.params["slug"])
        if dataset is None:
            return detail_reply(404, "Project not found")
        return json_reply(200, dataset.meta())

    def _create(self, request: Request) -> Reply:
        body = request.json_body if isinstance(request.json_body, dict) else {}
        name = body.get("project_name")
        if not isinstance(name, str) or not slugify(name):
            return detail_reply(422, "project_name is required")
        if body.get("organization_id") != self.store.org.id:
            return detail_reply(403, "You do not have access to this organization")
        with self.store.lock:
            slug = slugify(name)
            if self.store.slug_taken(slug):
                if self.config.duplicate_create != "suffix":
                    return detail_reply(409, f"A dataset named '{slug}' already exists in '{self.store.org.slug}'.")
                n = 2
                while self.store.slug_taken(f"{slug}-{n}"):
                    n += 1
                slug = f"{slug}-{n}"
            dataset = self.store.create(
                slug,
                project_name=name,
                description=body.get("description") or "",
                unique_id_field=body.get("unique_id_field"),
                is_public=bool(body.get("is_public", True)),
                modality=self.config.fresh_modality,
            )
        return json_reply(201, {"project_id": dataset.id, "slug": dataset.slug, "project_name": name})

    def _meta(self, request: Request) -> Reply:
        dataset = self.store.get(request.params["project_id"])
        if dataset is None:
            return detail_reply(404, "Project not found")
        return json_reply(200, dataset.meta())

    def _remove(self, request: Request) -> Reply:
        body = request.json_body if isinstance(request.json_body, dict) else {}
        if not self.store.remove(str(body.get("project_id")), self.config.slug_hold_s):
            return detail_reply(404, "Project not found")
        return json_reply(200, {"success": True})

    # --- ingest ---

    def _arrow(self, request: Request) -> Reply:
        table = request.table
        assert table is not None
        project_id = arrow_codec.shard_project_id(table)
        if project_id is None:
            return detail_reply(400, "Arrow schema metadata must contain project_id")
        dataset = self.store.get(project_id)
        if dataset is None:
            return detail_reply(404, "Project not found")
        style = self.config.error_style
        with self.store.lock:
            if dataset.locked:
                return detail_reply(messages.LOCK_HELD_STATUS, messages.lock_held_text(), style)
            problem = self._shard_problem(dataset, table)
            if problem is not None:
                return detail_reply(400, problem)
            limit = self.config.datum_limit
            if limit is not None and sum(d.count for d in self.store.datasets()) + table.num_rows > limit:
                return detail_reply(messages.ORG_LIMIT_STATUS, messages.org_limit_text(table.num_rows, limit), style)
            ids = request.row_ids
            conflicts = self._conflicts(dataset, ids)
            if conflicts:
                return detail_reply(messages.ID_CONFLICT_STATUS, messages.id_conflict_text(conflicts), style)
            dataset.append(table, ids)
        return json_reply(200, {"success": True, "datums_added": table.num_rows})

    @staticmethod
    def _shard_problem(dataset: Dataset, table: Any) -> Optional[str]:
        id_field = dataset.unique_id_field
        if id_field is not None:
            if id_field not in table.column_names:
                return f"Upload is missing the unique id field `{id_field}`"
            if table.column(id_field).null_count:
                return f"Unique id field `{id_field}` contains nulls"
        if dataset.schema is not None:
            stored = [(f.name, f.type) for f in dataset.schema]
            sent = [(f.name, f.type) for f in table.schema]
            if stored != sent:
                return f"Upload schema {sent} does not match the dataset schema {stored}"
        return None

    @staticmethod
    def _conflicts(dataset: Dataset, ids: list[Any]) -> list[Any]:
        seen: set[Any] = set()
        conflicts: list[Any] = []
        for row_id in ids:
            if row_id in seen or dataset.has_id(row_id):
                conflicts.append(row_id)
            seen.add(row_id)
        return conflicts

    def _blobs(self, request: Request) -> Reply:
        dataset = self.store.get(request.form.get("dataset_id", ""))
        if dataset is None:
            return detail_reply(404, "Project not found")
        hashes = [self.store.add_blob(dataset, content) for name, content in request.files if name == "blobs"]
        return json_reply(200, {"hashes": hashes})

    # --- indexes ---

    def _index_create(self, request: Request) -> Reply:
        body = request.json_body if isinstance(request.json_body, dict) else {}
        dataset = self.store.get(str(body.get("project_id")))
        if dataset is None:
            return detail_reply(404, "Project not found")
        with self.store.lock:
            if dataset.locked:
                return detail_reply(messages.LOCK_HELD_STATUS, messages.lock_held_text())
            problem = self._index_problem(dataset, body)
            if problem is not None:
                return detail_reply(400, problem)
            label_field, labels = self._topics(dataset, body)
            seconds = self.config.build_seconds
            index = AtlasIndexRecord(
                id=str(uuid.uuid4()),
                name=body.get("index_name"),
                indexed_field=body.get("indexed_field"),
                projection_id=str(uuid.uuid4()),
                job_id=str(uuid.uuid4()),
                ready_at=None if seconds is None else time.monotonic() + seconds,
                request=body,
                model=body.get("model"),
                topic_label_field=label_field,
                topic_labels=labels,
            )
            dataset.indices.append(index)
            self.store.jobs[index.job_id] = (dataset.id, index.id)
        return json_reply(200, {"job_id": index.job_id})

    @staticmethod
    def _hyper(body: dict[str, Any], key: str) -> dict[str, Any]:
        """One of the build template's JSON-encoded-string hyperparameter sets (ATLAS_PROTOCOL.md §3)."""
        raw = body.get(key)
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _index_problem(self, dataset: Dataset, body: dict[str, Any]) -> Optional[str]:
        """Why the service refuses to build this index, or None.

        Modelled refusals (wording ours; the real texts are not documented): too few rows; an
        embedding dataset asked to be embedded again by a model; an image dataset indexed on
        anything but its images, or with a text model; rows pointing at images never uploaded;
        a topic label field that is not a text column of the dataset.
        """
        minimum = self.config.min_map_datums
        if dataset.count == 0:
            return "Cannot build a map of an empty dataset."
        if minimum is not None and dataset.count < minimum:
            return f"A map needs at least {minimum} datums; this dataset has {dataset.count}."
        model, field = body.get("model"), body.get("indexed_field")
        if dataset.modality == "embedding":
            if model is not None or field is not None:
                return ("This dataset holds its own embeddings: it cannot be embedded by a model "
                        f"({model or field}). Upload images without embeddings to have them embedded.")
        elif dataset.modality == "image":
            if field != "_blob_hash":
                return f"An image dataset is indexed on its images (_blob_hash), not {field!r}."
            if model not in VISION_MODELS:
                return f"{model!r} cannot embed images; use one of {list(VISION_MODELS)}."
            stored = set(dataset.blob_hashes)
            missing = sum(1 for r in dataset.rows() if r.get("_blob_hash") not in stored)
            if missing:
                return f"{missing} datums point at no uploaded image."
        elif dataset.modality == "text":
            if model not in TEXT_MODELS:
                return f"{model!r} cannot embed text."
        topics = self._hyper(body, "topic_model_hyperparameters")
        label = topics.get("community_description_target_field")
        if topics.get("build_topic_model") and label is not None:
            schema = dataset.schema
            if schema is None or label not in schema.names or not pa_is_text(schema.field(label).type):
                return f"Topic label field {label!r} is not a text field of this dataset."
        return None

    @staticmethod
    def _topics(dataset: Dataset, body: dict[str, Any]) -> tuple[Optional[str], tuple[str, ...]]:
        """The topic label field and the names the map's topics get from it (its distinct texts here)."""
        topics = AtlasService._hyper(body, "topic_model_hyperparameters")
        label = topics.get("community_description_target_field") if topics.get("build_topic_model") else None
        if label is None:
            return None, ()
        values = {str(r.get(label)) for r in dataset.rows() if r.get(label) not in (None, "null", "")}
        return label, tuple(sorted(values))

    def _index_job(self, request: Request) -> Reply:
        job = self.store.jobs.get(request.params["job_id"])
        index = self.store.find_index(job[1]) if job else None
        if index is None:
            return detail_reply(404, "Job not found")
        state = "Running" if index.building else "Completed"
        return json_reply(200, {"job_id": index.job_id, "index_id": index.id, "job_state": state})

    def _progress(self, request: Request) -> Reply:
        index = self.store.find_index(request.params["index_id"])
        if index is None:
            return detail_reply(404, "Index not found")
        return json_reply(200, {"index_build_stage": index.stage, "job_state": index.stage})

    # --- read back ---

    def _data_get(self, request: Request) -> Reply:
        body = request.json_body if isinstance(request.json_body, dict) else {}
        dataset = self.store.get(str(body.get("project_id")))
        if dataset is None:
            return detail_reply(404, "Project not found")
        ids = body.get("datum_ids") or []
        rows = [row for row in (dataset.row(i) for i in ids) if row is not None]
        return json_reply(200, {"datums": rows})
