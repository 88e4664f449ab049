"""Fetching pretrained CLIP weights when we can, and saying clearly when we cannot.

open_clip downloads a tag's weights on first use. At an exhibition that is the wrong moment:
the laptop is often offline, and an HTTP client waiting on a dead network looks like a hang.
So we look in the caches open_clip itself fills (:mod:`weights_location`, no network), load a
cached file directly, and only try the network when the file is missing, after a short
reachability check. Failure is :class:`WeightsUnavailable`, whose message is one line with the fix.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlparse

from .weights_location import cached_weights, tag_config

_TRUE = {"1", "true", "yes", "on"}
PROBE_TIMEOUT_S = 3.0


class WeightsUnavailable(RuntimeError):
    """The chosen pretrained weights are not cached and cannot be downloaded now.

    ``str(err)`` is a single line naming the fix (``piday models fetch`` on a connected
    machine, or a local checkpoint file); the underlying error, if any, is ``__cause__``.
    """

    def __init__(self, model: str, reason: str = "offline?") -> None:
        self.model = model
        self.reason = " ".join(str(reason).split())[:160] or "offline?"
        arch = model.split(":", 1)[0]
        super().__init__(
            f"weights for {model} are not on this machine and cannot be downloaded "
            f"({self.reason}): run `piday models fetch {model}` on a connected machine, "
            f"or use --model {arch}:/path/to/checkpoint"
        )


def offline_reason() -> str | None:
    """Why a download cannot work right now, or None if it is worth trying.

    ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` are honoured (read live, not only at import).
    Otherwise the hub host gets a TCP connect with a short deadline, run on a daemon thread so
    a stuck DNS lookup cannot hold us either. With a proxy configured the probe is skipped:
    the proxy decides, and huggingface_hub has its own timeouts.
    """
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            return f"{var} is set"
    try:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            return "HF_HUB_OFFLINE is set"
        endpoint = constants.ENDPOINT
    except Exception:
        endpoint = "https://huggingface.co"
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    return tcp_probe(host, port, PROBE_TIMEOUT_S)


def tcp_probe(host: str, port: int, timeout: float) -> str | None:
    """None when a TCP connection to ``host:port`` opens within ``timeout``, else why not (never hangs)."""
    import socket

    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except OSError as exc:
            outcome.append(f"cannot reach {host}: {exc.strerror or exc}")

    thread = threading.Thread(target=attempt, name="piday-net-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome:
        return f"cannot reach {host}: no answer within {timeout:g} s"
    return outcome[0]


def download(arch: str, tag: str, model: str) -> Path:
    """Download ``arch:tag`` into open_clip's cache (or find it there); WeightsUnavailable if not."""
    found = cached_weights(arch, tag)
    if found is not None:
        return found
    reason = offline_reason()
    if reason:
        raise WeightsUnavailable(model, reason)
    import open_clip

    try:
        target = open_clip.download_pretrained(tag_config(arch, tag))
    except Exception as exc:  # network errors come in many classes; all mean the same here
        raise WeightsUnavailable(model, _first_line(exc)) from exc
    if not target or not Path(target).is_file():
        raise WeightsUnavailable(model, "download produced no file")
    return Path(target)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
