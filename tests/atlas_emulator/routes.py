"""Map a request path to one endpoint name, so faults, the log and the service all speak the same names.

The client's GET paths under ``/v1/project/`` are ambiguous (``{uuid}`` vs ``{org}/{slug}`` vs
``index/job/...``), so the literal prefixes are matched before the patterns, as the real router must
(ATLAS_PROTOCOL.md §2, "Route matching").
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

ENDPOINTS: tuple[str, ...] = (
    "user",
    "organization",
    "lookup",
    "create",
    "meta",
    "arrow",
    "blobs",
    "index_create",
    "index_job",
    "progress",
    "data_get",
    "remove",
    "emulator_state",
    "unknown",
)

_POST_ROUTES = {
    "/v1/project/create": "create",
    "/v1/project/data/add/arrow": "arrow",
    "/v1/project/data/add/blobs": "blobs",
    "/v1/project/index/create": "index_create",
    "/v1/project/data/get": "data_get",
    "/v1/project/remove": "remove",
}

_GET_PATTERNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"^/v1/user$"), "user", ()),
    (re.compile(r"^/_emulator/state$"), "emulator_state", ()),
    (re.compile(r"^/v1/organization/([^/]+)$"), "organization", ("org_slug",)),
    (re.compile(r"^/v1/project/index/job/progress/([^/]+)$"), "progress", ("index_id",)),
    (re.compile(r"^/v1/project/index/job/([^/]+)$"), "index_job", ("job_id",)),
    (re.compile(r"^/v1/project/([^/]+)/([^/]+)$"), "lookup", ("org_slug", "slug")),
    (re.compile(r"^/v1/project/([^/]+)$"), "meta", ("project_id",)),
)


@dataclass(frozen=True)
class Route:
    """The endpoint a request hit and the path parameters it carried."""

    endpoint: str
    params: dict[str, str] = field(default_factory=dict)


def is_uuid(text: str) -> bool:
    """True if ``text`` parses as a UUID (the client accepts any UUID form for a project id)."""
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def match(method: str, path: str) -> Route:
    """Name the endpoint for ``method path`` (path without the query string and base prefix)."""
    if method == "POST":
        name = _POST_ROUTES.get(path)
        return Route(name) if name else Route("unknown")
    if method != "GET":
        return Route("unknown")
    for pattern, name, keys in _GET_PATTERNS:
        m = pattern.match(path)
        if m:
            if name == "meta" and not is_uuid(m.group(1)):
                return Route("unknown")
            return Route(name, dict(zip(keys, m.groups())))
    return Route("unknown")
