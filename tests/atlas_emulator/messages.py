"""Request/reply value types and the error bodies the real service sends.

The phrases matter: the client decides what a failed shard means by substring tests on the decoded
body (ATLAS_PROTOCOL.md §4). Real app errors are JSON *objects* ``{"detail": ...}`` (nomic issue #73
shows ``{'detail': 'Insert failed due to ID conflict. Conflicting IDs: set()'}``), which the client's
checks cannot match; the bare-string style exists only to exercise the client's other branches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import pyarrow as pa

ID_CONFLICT_PHRASE = "Insert failed due to ID conflict"
LOCK_HELD_PHRASE = "Project transaction lock is held"
ORG_LIMIT_PHRASE = "more datums exceeds your organization limit"

# Status codes the real service uses for these are not documented; these are our choices.
ID_CONFLICT_STATUS = 409
LOCK_HELD_STATUS = 409
ORG_LIMIT_STATUS = 403
WRONG_KEY_STATUS = 401
WRONG_KEY_DETAIL = "Could not validate credentials"


@dataclass
class Request:
    """One decoded request, as the service and the fault plan see it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    endpoint: str
    params: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    table: Optional[pa.Table] = None
    row_ids: list[Any] = field(default_factory=list)
    decode_error: Optional[str] = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def token(self) -> Optional[str]:
        """The bearer token, or None when the header is missing or not a bearer header."""
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token if scheme.lower() == "bearer" and token else None


@dataclass
class Reply:
    """What the server writes back; ``headers`` are extra headers besides the content ones."""

    status: int
    body: bytes = b""
    content_type: Optional[str] = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def detail(self) -> Optional[str]:
        """The ``detail`` text of a JSON error body (or the bare JSON string), if any."""
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None
        if isinstance(value, dict):
            detail = value.get("detail")
            return detail if isinstance(detail, str) else None
        return value if isinstance(value, str) else None


def json_reply(status: int, payload: Any) -> Reply:
    """A JSON reply with ``payload`` serialized."""
    return Reply(status, json.dumps(payload, default=str).encode("utf-8"))


def detail_reply(status: int, text: str, style: str = "object") -> Reply:
    """An error reply: ``{"detail": text}`` (the real style) or, with style="string", the bare JSON string."""
    if style == "object":
        return json_reply(status, {"detail": text})
    if style == "string":
        return json_reply(status, text)
    raise ValueError(f"unknown error body style {style!r}")


def id_conflict_text(ids: Iterable[Any]) -> str:
    """The conflict message, listing ids the way the service does (a Python set repr, sorted here)."""
    listed = sorted({repr(i) for i in ids})
    return f"{ID_CONFLICT_PHRASE}. Conflicting IDs: " + ("{" + ", ".join(listed) + "}" if listed else "set()")


def lock_held_text() -> str:
    """The lock-held message."""
    return f"{LOCK_HELD_PHRASE}. Try again once the current operation has finished."


def org_limit_text(adding: int, limit: int) -> str:
    """The organization-limit message."""
    return f"Adding {adding} {ORG_LIMIT_PHRASE} of {limit} datums."


GATEWAY_PAGES = {
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def gateway_page(status: int) -> Reply:
    """An HTML error page as a reverse proxy in front of the API sends it (not JSON)."""
    title = f"{status} {GATEWAY_PAGES.get(status, 'Error')}"
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status, html.encode("ascii"), "text/html")
