"""The HTTP side of the emulator and its public face, :class:`AtlasEmulator`.

Why the stdlib ``http.server.ThreadingHTTPServer`` and not aiohttp: it needs no extra dependency, a
thread per connection gives the concurrency the client needs (two shard POSTs at once) and makes
"hang this one request" a plain blocking wait, and closing a socket without a reply is trivial.

Per request: read the body, name the endpoint, decode the body, log it, ask the fault plan, then
either answer with the fault, or run the service (with delays/hangs/drops before or after it).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional

from . import routes
from .faults import FLOW_KINDS, REPLY_KINDS, Fault, FaultPlan
from .messages import Reply, Request
from .requestlog import LogEntry, RequestLog
from .service import AtlasService, ServiceConfig
from .state import Dataset, Organization, Store


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: "AtlasEmulator") -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AtlasEmulator/1.0"
    server: _HTTPServer

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.emulator._serve(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence stderr access lines; the request log records everything."""


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class AtlasEmulator:
    """A local Atlas API for the real ``nomic`` client.

    Start with ``with AtlasEmulator() as emu:`` (or ``start()``/``stop()``); point the client at
    ``emu.url`` through ``ATLAS_API_PATH`` (see ``harness.ClientEnv``). Read ``emu.log`` and
    ``emu.dataset(...)``, script faults with ``emu.faults.add(...)``. ``stop()`` then ``start()``
    reopens the same port, so a test can take "the network" down and bring it back.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        config: Optional[ServiceConfig] = None,
        org_slug: str = "piday-test",
        seed: int = 0,
        base_path: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.base_path = base_path.rstrip("/")
        self.config = config or ServiceConfig()
        self.store = Store(Organization(slug=org_slug))
        self.service = AtlasService(self.store, self.config)
        self.faults = FaultPlan(seed)
        self.log = RequestLog()
        self._server: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._stopping = threading.Event()
        self._inflight = 0
        self._inflight_cond = threading.Condition()

    # --- lifecycle ---

    def start(self) -> "AtlasEmulator":
        """Listen (on the same port as before after a stop) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _HTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"atlas-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening, cut off hung/slow requests (their connections close unanswered), wait for handlers."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        with self._inflight_cond:
            while self._inflight and time.monotonic() < deadline:
                self._inflight_cond.wait(0.05)
        self._server = None
        self._thread = None

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self.start()

    @contextmanager
    def offline(self) -> Iterator[None]:
        """The network is down inside the block (connections refused), back up after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def running(self) -> bool:
        """True while listening."""
        return self._server is not None

    @property
    def inflight(self) -> int:
        """Requests being handled right now (hung ones included)."""
        with self._inflight_cond:
            return self._inflight

    def __enter__(self) -> "AtlasEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- addresses and state ---

    @property
    def url(self) -> str:
        """The value for ATLAS_API_PATH (no trailing slash)."""
        return f"http://{self.host}:{self.port}{self.base_path}"

    @property
    def key(self) -> str:
        """A valid API key (the first one, in sorted order)."""
        return sorted(self.config.valid_keys)[0]

    @property
    def org_slug(self) -> str:
        """The organization's slug."""
        return self.store.org.slug

    def datasets(self) -> list[Dataset]:
        """Every dataset, oldest first."""
        return self.store.datasets()

    def dataset(self, ref: str) -> Dataset:
        """A dataset by id, slug or ``org/slug``; KeyError if there is none."""
        slug = ref.split("/", 1)[1] if "/" in ref else ref
        found = self.store.get(ref) or self.store.by_slug(slug)
        if found is None:
            raise KeyError(f"no dataset {ref!r}; have {[d.slug for d in self.datasets()]}")
        return found

    @property
    def blobs(self) -> dict[str, bytes]:
        """Every stored blob by hash."""
        with self.store.lock:
            return dict(self.store.blobs)

    def finish_builds(self) -> None:
        """Complete all running index builds (releases their dataset locks)."""
        self.store.finish_builds()

    # --- request handling ---

    def _serve(self, handler: _Handler) -> None:
        with self._inflight_cond:
            self._inflight += 1
        try:
            self._serve_one(handler)
        finally:
            with self._inflight_cond:
                self._inflight -= 1
                self._inflight_cond.notify_all()

    def _serve_one(self, handler: _Handler) -> None:
        handler.close_connection = True
        request = self._decode(handler)
        token = request.token
        auth = "missing" if token is None else ("valid" if token in self.config.valid_keys else "invalid")
        entry = self.log.begin(request, auth)
        fault = self.faults.pick(request.method, request.path, request.endpoint)
        entry.fault = fault.kind if fault else None
        if fault is not None and fault.kind in REPLY_KINDS:
            self._send(handler, entry, fault.reply(request))
            return
        if fault is not None and fault.phase == "before" and not self._flow(fault):
            self._drop(entry, "dropped")
            return
        reply = self.service.handle(request)
        entry.service_status = reply.status
        if fault is not None and fault.phase == "after" and not self._flow(fault):
            self._drop(entry, "processed-dropped")
            return
        if fault is not None and fault.kind == "status_201" and reply.status == 200:
            reply.status = 201
            if "body" in fault.params:
                reply.body = bytes(fault.params["body"])
                reply.content_type = fault.params.get("content_type")
        if fault is not None and fault.kind == "warning":
            reply.headers["X-AtlasWarning"] = str(fault.params.get("text", "Emulated warning from Atlas."))
        self._send(handler, entry, reply)

    def _decode(self, handler: _Handler) -> Request:
        body = _read_body(handler)
        path, _, query = handler.path.partition("?")
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path) :]
        route = routes.match(handler.command, path)
        request = Request(
            method=handler.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            endpoint=route.endpoint,
            params=route.params,
        )
        self.service.decode(request)
        return request

    def _flow(self, fault: Fault) -> bool:
        """Apply a slow/hang/drop fault; False means: close the connection without answering."""
        if fault.kind not in FLOW_KINDS:
            return True
        if fault.kind == "slow":
            return not self._stopping.wait(float(fault.params.get("delay", 1.0)))
        if fault.kind == "hang":
            limit = fault.params.get("timeout")
            return self.faults.hold(self._stopping, None if limit is None else float(limit))
        return False

    @staticmethod
    def _drop(entry: LogEntry, outcome: str) -> None:
        entry.outcome = outcome
        entry.finished = time.monotonic()

    @staticmethod
    def _send(handler: _Handler, entry: LogEntry, reply: Reply) -> None:
        entry.status = reply.status
        entry.detail = reply.detail
        entry.reply_body = reply.body
        try:
            handler.send_response(reply.status)
            if reply.content_type:
                handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.send_header("Connection", "close")
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
            entry.outcome = "answered"
        except OSError:
            entry.outcome = "client-gone"
        entry.finished = time.monotonic()
