"""The request log: what really reached the emulated service, for tests to compare with the client's word.

Each entry keeps the request as received (headers without the bearer token, the body size, the
decoded shard or form) and how it ended (status, or "dropped"/"hung", plus the injected fault).
:meth:`RequestLog.find` scans every request for a forbidden string (a nickname, a local path) in the
places a zstd-compressed shard would hide it from a plain byte search.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import pyarrow as pa

from .arrow_codec import EMBEDDINGS, shard_project_id
from .messages import Request

REDACTED_HEADERS = ("authorization",)


@dataclass
class LogEntry:
    """One request and its outcome.

    ``service_status`` is what the service decided (None if a fault answered or cut it off before
    processing); ``status`` is what was actually sent (None when the connection was dropped or hung).
    ``outcome`` is "pending", "answered", "dropped" (cut off unprocessed) or "processed-dropped"
    (stored, but the reply never left: the client saw a failure).
    """

    seq: int
    started: float
    method: str
    path: str
    endpoint: str
    headers: dict[str, str]
    auth: str
    body_size: int
    body: bytes = field(repr=False)
    json_body: Any = None
    table: Optional[pa.Table] = field(default=None, repr=False)
    project_id: Optional[str] = None
    row_ids: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    num_rows: int = 0
    form: dict[str, str] = field(default_factory=dict)
    blob_count: int = 0
    blob_sizes: list[int] = field(default_factory=list)
    fault: Optional[str] = None
    service_status: Optional[int] = None
    status: Optional[int] = None
    outcome: str = "pending"
    detail: Optional[str] = None
    reply_body: bytes = field(default=b"", repr=False)
    finished: Optional[float] = None

    @property
    def accepted(self) -> bool:
        """True if the service processed the request and said 2xx, whether or not the client saw it."""
        return self.service_status is not None and 200 <= self.service_status < 300

    def texts(self) -> Iterator[str]:
        """Every textual piece of the request, decoded: path, headers, JSON, form, shard names and values."""
        yield self.path
        yield from (f"{k}: {v}" for k, v in self.headers.items())
        yield from (f"{k}={v}" for k, v in self.form.items())
        if self.table is not None:
            yield from self.table.column_names
            for key, value in (self.table.schema.metadata or {}).items():
                yield key.decode("utf-8", "replace") + "=" + value.decode("utf-8", "replace")
            for name in self.table.column_names:
                if name != EMBEDDINGS:
                    yield from (str(v) for v in self.table.column(name).to_pylist())

    def contains(self, needle: str) -> bool:
        """True if ``needle`` appears anywhere in the request, decoded text or raw bytes (blobs, JSON)."""
        if any(needle in text for text in self.texts()):
            return True
        return needle.encode("utf-8") in self.body


class RequestLog:
    """Thread-safe, append-only list of :class:`LogEntry`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def begin(self, request: Request, auth: str) -> LogEntry:
        """Record a request as it arrives (before faults), returning its entry to complete later."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in REDACTED_HEADERS}
        table = request.table
        entry = LogEntry(
            seq=0,
            started=time.monotonic(),
            method=request.method,
            path=request.path + (f"?{request.query}" if request.query else ""),
            endpoint=request.endpoint,
            headers=headers,
            auth=auth,
            body_size=len(request.body),
            body=request.body,
            json_body=request.json_body,
            table=table,
            project_id=shard_project_id(table) if table is not None else None,
            row_ids=list(request.row_ids),
            columns=list(table.column_names) if table is not None else [],
            num_rows=table.num_rows if table is not None else 0,
            form=dict(request.form),
            blob_count=sum(1 for name, _ in request.files if name == "blobs"),
            blob_sizes=[len(content) for name, content in request.files if name == "blobs"],
        )
        with self._lock:
            entry.seq = len(self._entries)
            self._entries.append(entry)
        return entry

    def entries(self, endpoint: Optional[str] = None) -> list[LogEntry]:
        """A snapshot of the entries, optionally only one endpoint's."""
        with self._lock:
            items = list(self._entries)
        return [e for e in items if endpoint is None or e.endpoint == endpoint]

    def find(self, needle: str) -> list[LogEntry]:
        """Every request that carried ``needle`` anywhere."""
        return [entry for entry in self.entries() if entry.contains(needle)]

    def clear(self) -> None:
        """Forget all entries."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
