"""What the emulated service holds: one organization, its datasets with their stored rows, blobs, indexes.

Tests read this directly to compare what really reached the "service" with what the client claimed.
Everything is guarded by one re-entrant lock shared by the store and its datasets, so an ingest's
uniqueness check and append are atomic even with the client's two concurrent shard POSTs.

Index builds are timed lazily (a build is "running" until its ``ready_at``) rather than with timer
threads: the dataset lock clears by itself and nothing needs cancelling when the emulator stops.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

import numpy as np
import pyarrow as pa

from . import arrow_codec


@dataclass
class Organization:
    """The single organization the emulated user belongs to (as OWNER)."""

    slug: str = "piday-test"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_id: str = field(default_factory=lambda: f"emulator|{uuid.uuid4().hex[:12]}")
    plan_type: str = "free"


@dataclass
class AtlasIndexRecord:
    """One index with its single projection; ``ready_at`` None means "building until finished by hand"."""

    id: str
    name: Optional[str]
    indexed_field: Optional[str]
    projection_id: str
    job_id: str
    ready_at: Optional[float]
    request: dict[str, Any]
    model: Optional[str] = None
    topic_label_field: Optional[str] = None
    topic_labels: tuple[str, ...] = ()

    @property
    def text_search(self) -> bool:
        """Text-to-image search ("a red hat") exists only on maps embedded with Nomic Embed Vision."""
        return bool(self.model and self.model.startswith("nomic-embed-vision"))

    @property
    def building(self) -> bool:
        """True while the emulated build runs."""
        return self.ready_at is None or time.monotonic() < self.ready_at

    @property
    def stage(self) -> str:
        """``index_build_stage`` as the progress endpoint reports it."""
        return "Building" if self.building else "Completed"


class Dataset:
    """A stored dataset. Read methods return copies, safe to call while the server runs."""

    def __init__(
        self,
        lock: threading.RLock,
        org: Organization,
        slug: str,
        project_name: str,
        description: str,
        unique_id_field: Optional[str],
        is_public: bool,
        modality: Optional[str] = None,
    ) -> None:
        self._lock = lock
        self.org = org
        self.id = str(uuid.uuid4())
        self.slug = slug
        self.project_name = project_name
        self.description = description
        self.unique_id_field = unique_id_field
        self.is_public = is_public
        self.modality = modality
        self.created = datetime.now(timezone.utc)
        self.schema: Optional[pa.Schema] = None
        self.project_fields: list[str] = []
        self.lock_override: Optional[bool] = None
        self.indices: list[AtlasIndexRecord] = []
        self.blob_hashes: list[str] = []
        self._shards: list[pa.Table] = []
        self._ids: list[Any] = []
        self._id_set: set[Any] = set()
        self._rows_by_id: dict[Any, dict] = {}
        self._count = 0

    # --- state the service changes (caller holds the lock) ---

    def append(self, table: pa.Table, ids: list[Any]) -> None:
        """Store an accepted shard (metadata stripped); the first one fixes schema and fields."""
        table = arrow_codec.strip_metadata(table)
        if self.schema is None:
            self.schema = table.schema
            self.project_fields = [c for c in table.column_names if c != arrow_codec.EMBEDDINGS]
            if self.modality is None:
                if arrow_codec.EMBEDDINGS in table.column_names:
                    self.modality = "embedding"
                elif "_blob_hash" in table.column_names:
                    self.modality = "image"
                else:
                    self.modality = "text"
        self._shards.append(table)
        self._count += table.num_rows
        if self.unique_id_field is not None:
            self._ids.extend(ids)
            self._id_set.update(ids)
            for row_id, row in zip(ids, arrow_codec.metadata_rows(table)):
                self._rows_by_id[row_id] = row

    def has_id(self, row_id: Any) -> bool:
        """True if a row with this unique id is stored."""
        return row_id in self._id_set

    def set_lock(self, value: Optional[bool]) -> None:
        """Force ``insert_update_delete_lock`` (True: a stuck lock) or, with None, follow the builds again."""
        with self._lock:
            self.lock_override = value

    # --- views for tests ---

    @property
    def locked(self) -> bool:
        """``insert_update_delete_lock``: forced by a test, else true while an index builds."""
        with self._lock:
            if self.lock_override is not None:
                return self.lock_override
            return any(index.building for index in self.indices)

    @property
    def count(self) -> int:
        """``total_datums_in_project``."""
        with self._lock:
            return self._count

    @property
    def ids(self) -> list[Any]:
        """The stored unique ids in insertion order (empty without a unique_id_field)."""
        with self._lock:
            return list(self._ids)

    def table(self) -> Optional[pa.Table]:
        """All stored rows as one table, or None before the first shard."""
        with self._lock:
            if not self._shards:
                return None
            return pa.concat_tables(self._shards)

    def rows(self) -> list[dict]:
        """All stored rows as dicts, without embeddings."""
        table = self.table()
        return arrow_codec.metadata_rows(table) if table is not None else []

    def row(self, row_id: Any) -> Optional[dict]:
        """One row by unique id, without its embedding."""
        with self._lock:
            row = self._rows_by_id.get(row_id)
            return dict(row) if row is not None else None

    def embeddings(self) -> Optional[np.ndarray]:
        """The stored embeddings, (n, d), in insertion order; float16 as the client sends them."""
        table = self.table()
        return arrow_codec.embeddings_matrix(table) if table is not None else None

    def embeddings_by_id(self) -> dict[Any, np.ndarray]:
        """Each stored id's embedding."""
        matrix = self.embeddings()
        if matrix is None:
            return {}
        return dict(zip(self.ids, matrix))

    def meta(self) -> dict[str, Any]:
        """The project meta exactly as GET /v1/project/{id} returns it."""
        with self._lock:
            return {
                "id": self.id,
                "owner": self.org.id,
                "creator": self.org.user_id,
                "organization_id": self.org.id,
                "organization_slug": self.org.slug,
                "organization_name": self.org.slug,
                "project_name": self.project_name,
                "slug": self.slug,
                "description": self.description,
                "is_public": self.is_public,
                "unique_id_field": self.unique_id_field,
                "modality": self.modality,
                "project_fields": list(self.project_fields),
                "total_datums_in_project": self._count,
                "insert_update_delete_lock": self.locked,
                "schema": arrow_codec.schema_to_base64(self.schema) if self.schema is not None else None,
                "atlas_indices": [
                    {
                        "id": index.id,
                        "index_name": index.name,
                        "indexed_field": index.indexed_field,
                        "projections": [{"id": index.projection_id}],
                    }
                    for index in self.indices
                ],
                "created_timestamp": self.created.isoformat(timespec="microseconds"),
                "access_role": "OWNER",
            }


class Store:
    """All datasets and blobs of the emulated organization."""

    def __init__(self, org: Optional[Organization] = None) -> None:
        self.lock = threading.RLock()
        self.org = org or Organization()
        self._datasets: dict[str, Dataset] = {}
        self.blobs: dict[str, bytes] = {}
        self.jobs: dict[str, tuple[str, str]] = {}
        self.held_slugs: dict[str, Optional[float]] = {}  # slug of a removed dataset -> free again at (None: never)

    def create(self, slug: str, **fields: Any) -> Dataset:
        """Create and register a dataset."""
        with self.lock:
            dataset = Dataset(self.lock, self.org, slug, **fields)
            self._datasets[dataset.id] = dataset
            return dataset

    def get(self, dataset_id: str) -> Optional[Dataset]:
        """A dataset by id."""
        with self.lock:
            return self._datasets.get(dataset_id)

    def slug_taken(self, slug: str) -> bool:
        """True if a dataset has this slug, or a removed one's slug is still held."""
        with self.lock:
            if self.by_slug(slug) is not None:
                return True
            until = self.held_slugs.get(slug, 0.0)
            return slug in self.held_slugs and (until is None or time.monotonic() < until)

    def release_slugs(self) -> None:
        """Free every held slug now (the service finished deleting)."""
        with self.lock:
            self.held_slugs.clear()

    def by_slug(self, slug: str) -> Optional[Dataset]:
        """A dataset of the organization by slug."""
        with self.lock:
            return next((d for d in self._datasets.values() if d.slug == slug), None)

    def remove(self, dataset_id: str, hold_s: Optional[float] = 0.0) -> bool:
        """Delete a dataset with its blobs and jobs; its slug stays taken ``hold_s`` seconds (None: for good)."""
        with self.lock:
            dataset = self._datasets.pop(dataset_id, None)
            if dataset is None:
                return False
            if hold_s is None or hold_s > 0:
                self.held_slugs[dataset.slug] = None if hold_s is None else time.monotonic() + hold_s
            for blob_hash in dataset.blob_hashes:
                self.blobs.pop(blob_hash, None)
            self.jobs = {k: v for k, v in self.jobs.items() if v[0] != dataset_id}
            return True

    def datasets(self) -> list[Dataset]:
        """All datasets, oldest first."""
        with self.lock:
            return list(self._datasets.values())

    def find_index(self, index_id: str) -> Optional[AtlasIndexRecord]:
        """An index by id, in any dataset."""
        with self.lock:
            for dataset in self._datasets.values():
                for index in dataset.indices:
                    if index.id == index_id:
                        return index
        return None

    def add_blob(self, dataset: Dataset, content: bytes) -> str:
        """Store one blob and return its hash (sha256 hex here; the real hash format is not documented)."""
        blob_hash = hashlib.sha256(content).hexdigest()
        with self.lock:
            self.blobs[blob_hash] = content
            dataset.blob_hashes.append(blob_hash)
        return blob_hash

    def finish_builds(self) -> None:
        """Complete every running index build now (builds started with build_seconds=None wait for this)."""
        now = time.monotonic()
        with self.lock:
            for dataset in self._datasets.values():
                for index in dataset.indices:
                    if index.building:
                        index.ready_at = now
