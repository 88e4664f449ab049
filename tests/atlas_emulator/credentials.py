"""Write a ``nomic`` credentials file without importing pytest or nomic (shared by harness and CLI).

An ``nk-`` token with ``expires: null`` is what ``nomic login nk-...`` stores; with it the client never
tries a token refresh, which would go over https to the real service whatever ATLAS_API_PATH says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional


def write_credentials(
    nomic_dir: Path,
    token: str,
    tenant: str = "production",
    frontend_domain: Optional[str] = None,
) -> Path:
    """Write ``nomic_dir/credentials``; ``tenant="enterprise"`` adds a fake frontend/api domain."""
    creds: dict[str, Any] = {"refresh_token": None, "token": token, "tenant": tenant, "expires": None}
    if tenant == "enterprise":
        domain = frontend_domain or "atlas.emulator.invalid"
        creds.update(frontend_domain=domain, api_domain=f"api.{domain}")
    nomic_dir.mkdir(parents=True, exist_ok=True)
    path = nomic_dir / "credentials"
    path.write_text(json.dumps(creds))
    return path
