"""Ranking an event's photos against a query vector: the one code path for CLI and map search.

At exhibition scale (thousands of photos) a dense numpy dot product over L2-normalised vectors
is exact and takes microseconds, so there is no index to build or keep in sync.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .store import Photo

# --where keys and how each reads a photo; values match exactly or as a shell glob (P-00*).
WHERE_FIELDS = {
    "participant": lambda p: p.participant_code,
    "name": lambda p: p.original_name or "",
    "shot": lambda p: str(p.shot),
    "id": lambda p: p.id,
    "format": lambda p: p.ext,
    "taken": lambda p: p.taken_at or "",
}


@dataclass(frozen=True)
class Hit:
    photo: Photo
    score: float  # cosine similarity, -1..1


@dataclass(frozen=True)
class Where:
    field: str
    pattern: str

    def matches(self, photo: Photo) -> bool:
        value = WHERE_FIELDS[self.field](photo)
        return fnmatch.fnmatchcase(value, self.pattern) if any(c in self.pattern for c in "*?[") else value == self.pattern


def parse_where(expressions: Sequence[str]) -> list[Where]:
    """``participant=P-003`` style filters; several are combined with AND."""
    filters = []
    for expr in expressions:
        key, sep, value = expr.partition("=")
        key = key.strip().lower()
        if not sep or not value:
            raise ValueError(f"--where {expr!r}: expected FIELD=VALUE, e.g. participant=P-003")
        if key not in WHERE_FIELDS:
            raise ValueError(f"--where {expr!r}: unknown field {key!r} (use {', '.join(WHERE_FIELDS)})")
        filters.append(Where(key, value.strip()))
    return filters


def rank(
    query: np.ndarray, photos: Sequence[Photo], matrix: np.ndarray, *, k: int = 10,
    where: Sequence[Where] = (), exclude_ids: Sequence[str] = (),
) -> list[Hit]:
    """Top-``k`` photos by cosine to ``query`` among those passing every filter."""
    if len(photos) == 0 or k <= 0:
        return []
    q = np.asarray(query, dtype=np.float32).ravel()
    if q.shape[0] != matrix.shape[1]:
        raise ValueError(f"query has {q.shape[0]} dimensions, the event's vectors have {matrix.shape[1]}")
    q = q / (np.linalg.norm(q) or 1.0)
    excluded = set(exclude_ids)
    keep = np.array([p.id not in excluded and all(w.matches(p) for w in where) for p in photos], dtype=bool)
    scores = matrix @ q
    scores = np.where(keep, scores, -np.inf)
    n = int(keep.sum())
    k = min(k, n)
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [Hit(photos[i], float(scores[i])) for i in top]
