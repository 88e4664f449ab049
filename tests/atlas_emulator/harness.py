"""Run the real ``nomic`` client against an emulator: credentials, environment, outer timeouts.

Credentials: ``nomic.cli`` computes ``nomic_base_path = Path.home() / ".nomic"`` once, when nomic is
first imported, and a test process imports nomic once. Setting ``HOME`` per test is therefore not
enough, so :class:`ClientEnv` both sets ``HOME`` to a temporary directory (the tile cache path is
expanded from ``~`` at call time) and patches ``nomic.cli.nomic_base_path`` to ``$HOME/.nomic``,
which every credentials read and write goes through (``get_api_credentials``, ``login``). It writes
``{"token": "nk-...", "expires": null, "tenant": "production", "refresh_token": null}`` so the client
never tries a token refresh over https.

Timeouts: no request of the client has a timeout, so every client call goes through
:func:`run_with_timeout` (a daemon worker thread); a hung call fails the test with
:class:`ClientTimeout` and the worker ends when the emulator stops and drops its connection.

Client logs: nomic logs through loguru, which pytest's caplog does not see; ClientEnv adds a sink and
keeps ``(level, message)`` pairs in ``env.client_log``.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

import pytest

from .credentials import write_credentials
from .server import AtlasEmulator

T = TypeVar("T")

_ENV_KEYS = ("HOME", "ATLAS_API_PATH", "NO_PROXY", "no_proxy")


class ClientTimeout(AssertionError):
    """A client call did not return within the outer deadline (the client itself never times out).

    ``worker`` is the thread still running the call: it ends once the emulator stops (the emulator
    closes hung connections, and the client raises ConnectionError in that thread).
    """

    def __init__(self, message: str, worker: threading.Thread) -> None:
        super().__init__(message)
        self.worker = worker


def run_with_timeout(fn: Callable[..., T], *args: Any, timeout: float = 30.0, **kwargs: Any) -> T:
    """Call ``fn`` in a daemon thread; return its result, re-raise its exception, or raise ClientTimeout."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 (handed back to the caller)
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"client-call-{getattr(fn, '__name__', 'fn')}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ClientTimeout(f"{getattr(fn, '__qualname__', fn)} did not return within {timeout:.1f} s", worker)
    if "error" in box:
        raise box["error"]
    return box["result"]


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Poll until ``predicate()`` is truthy and return it; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class ClientEnv:
    """Environment for one test's client calls; use as a context manager (restores everything on exit).

    ``tenant="enterprise"`` with a fake ``frontend_domain`` makes printed map links tell themselves
    apart from real ones; the default production tenant gives ``https://atlas.nomic.ai/...`` links.
    """

    def __init__(
        self,
        emulator: AtlasEmulator,
        home: Path,
        key: Optional[str] = None,
        tenant: str = "production",
        frontend_domain: Optional[str] = None,
        timeout: float = 30.0,
    ) -> None:
        self.emulator = emulator
        self.home = Path(home)
        self.key = key or emulator.key
        self.tenant = tenant
        self.frontend_domain = frontend_domain
        self.timeout = timeout
        self.client_log: list[tuple[str, str]] = []
        self._saved_env: dict[str, Optional[str]] = {}
        self._saved_base: Optional[Path] = None
        self._sink_id: Optional[int] = None

    @property
    def nomic_dir(self) -> Path:
        """Where the credentials live for this environment."""
        return self.home / ".nomic"

    def __enter__(self) -> "ClientEnv":
        self._saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        original_base = Path.home() / ".nomic"
        self.home.mkdir(parents=True, exist_ok=True)
        os.environ["HOME"] = str(self.home)
        os.environ["ATLAS_API_PATH"] = self.emulator.url
        no_proxy = ",".join(filter(None, ["127.0.0.1", "localhost", self._saved_env.get("NO_PROXY")]))
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = no_proxy
        self.write_credentials()
        imported_before = "nomic.cli" in sys.modules
        cli = importlib.import_module("nomic.cli")
        # If nomic is first imported here, its path already points into this temp HOME; restore to
        # what a plain import would have computed instead.
        self._saved_base = cli.nomic_base_path if imported_before else original_base
        cli.nomic_base_path = self.nomic_dir
        from loguru import logger

        self._sink_id = logger.add(self._collect, level="DEBUG", format="{message}")
        return self

    def __exit__(self, *exc: Any) -> None:
        from loguru import logger

        if self._sink_id is not None:
            logger.remove(self._sink_id)
        if self._saved_base is not None:
            importlib.import_module("nomic.cli").nomic_base_path = self._saved_base
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _collect(self, message: Any) -> None:
        record = message.record
        self.client_log.append((record["level"].name, record["message"]))

    def write_credentials(self, key: Optional[str] = None) -> Path:
        """(Re)write the credentials file, e.g. to switch to a wrong key mid-test."""
        if key is not None:
            self.key = key
        return write_credentials(self.nomic_dir, self.key, self.tenant, self.frontend_domain)

    def call(self, fn: Callable[..., T], *args: Any, timeout: Optional[float] = None, **kwargs: Any) -> T:
        """Run a client call under the outer deadline (default ``self.timeout``)."""
        return run_with_timeout(fn, *args, timeout=timeout or self.timeout, **kwargs)

    def dataset(self, identifier: str, timeout: Optional[float] = None, **kwargs: Any) -> Any:
        """``nomic.AtlasDataset(identifier, **kwargs)`` under the deadline."""
        from nomic import AtlasDataset

        return self.call(AtlasDataset, identifier, timeout=timeout, **kwargs)

    def logged(self, text: str, level: Optional[str] = None) -> bool:
        """True if the client logged a message containing ``text`` (at ``level`` if given)."""
        return any(text in msg and (level is None or lvl == level) for lvl, msg in self.client_log)


@pytest.fixture
def emulator() -> Iterator[AtlasEmulator]:
    """A running emulator on a free port, stopped after the test."""
    emu = AtlasEmulator().start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def atlas_env(emulator: AtlasEmulator, tmp_path: Path) -> Iterator[ClientEnv]:
    """A client environment (temp HOME, credentials, ATLAS_API_PATH) bound to ``emulator``."""
    with ClientEnv(emulator, tmp_path / "home") as env:
        yield env
