"""The SHA-256 of a file, streamed: the identity of a photo's bytes (dedupe, check, backup
verification) and of a weights file (model ids, model transfer). One definition, so every
place that compares digests reads files the same way and in bounded memory."""

from __future__ import annotations

import hashlib
import os

CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()
