"""Arrow helpers for the ingest endpoint: read a shard as the client writes it, and store its schema.

The client sends an Arrow IPC *file* (Feather v2, zstd) whose schema metadata ``project_id`` is the
only place the dataset is named, and it reads the stored schema back as base64 of an IPC-serialized
schema (ATLAS_PROTOCOL.md §2 and §5). Kept apart from the service so the byte formats live in one place.
"""

from __future__ import annotations

import base64
from typing import Optional

import numpy as np
import pyarrow as pa
from pyarrow import ipc

EMBEDDINGS = "_embeddings"


class ShardError(ValueError):
    """The body is not a readable Arrow IPC file."""


def read_shard(body: bytes) -> pa.Table:
    """Decode the raw POST body (zstd-compressed Feather v2) into a table, metadata included."""
    try:
        return ipc.open_file(pa.BufferReader(body)).read_all()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise ShardError(f"Could not read Arrow IPC file: {exc}") from exc


def shard_project_id(table: pa.Table) -> Optional[str]:
    """The dataset id the client put in the schema metadata, or None."""
    meta = table.schema.metadata or {}
    raw = meta.get(b"project_id")
    return raw.decode("utf-8", "replace") if raw is not None else None


def strip_metadata(table: pa.Table) -> pa.Table:
    """The table without schema metadata, as the service stores it."""
    return table.replace_schema_metadata(None)


def schema_to_base64(schema: pa.Schema) -> str:
    """Encode a schema the way meta ``schema`` carries it: base64 of the IPC-serialized schema."""
    return base64.b64encode(schema.remove_metadata().serialize().to_pybytes()).decode("ascii")


def embeddings_matrix(table: pa.Table) -> Optional[np.ndarray]:
    """The ``_embeddings`` column as an (n, d) array in its stored dtype (float16 unless 2-D float32)."""
    if EMBEDDINGS not in table.column_names:
        return None
    column = table.column(EMBEDDINGS).combine_chunks()
    if not pa.types.is_fixed_size_list(column.type):
        return np.array(column.to_pylist())
    width = column.type.list_size
    flat = column.flatten().to_numpy(zero_copy_only=False)
    return flat.reshape(len(column), width)


def metadata_rows(table: pa.Table) -> list[dict]:
    """Rows as dicts without the embeddings (what ``data/get`` returns)."""
    cols = [c for c in table.column_names if c != EMBEDDINGS]
    return table.select(cols).to_pylist()
