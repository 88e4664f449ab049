"""Ranking an event's photos against a query vector: the one code path for CLI and map search.

At exhibition scale (thousands of photos) a dense numpy dot product over L2-normalised vectors
is exact and takes microseconds, so there is no index to build or keep in sync. Past
``ANN_THRESHOLD`` vectors (an archive) :func:`search_event` asks the approximate index beside the
catalogue (``core/vector_index.py``) for candidates and re-scores them exactly.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .store import EventStore, Photo

# Past this many vectors `piday search` uses the approximate index instead of a full scan.
ANN_THRESHOLD = 100_000
# With --where, at most this many allowed photos are scanned exactly instead of filtered in the index.
EXACT_FILTERED_LIMIT = 50_000

# --where fields: how each reads a photo, and the same value as SQL over the store's photo (p.)
# and participant (pt.) columns. ``shot`` compares as a number, the rest as text.
WHERE_FIELDS = {
    "participant": lambda p: p.participant_code,
    "name": lambda p: p.original_name or "",
    "shot": lambda p: str(p.shot),
    "id": lambda p: p.id,
    "format": lambda p: p.ext,
    "taken": lambda p: p.taken_at or "",
}
WHERE_COLUMNS = {
    "participant": "pt.code", "name": "COALESCE(p.original_name, '')", "shot": "CAST(p.shot AS TEXT)",
    "id": "p.id", "format": "p.ext", "taken": "COALESCE(p.taken_at, '')",
}
NUMERIC_FIELDS = {"shot": "p.shot"}
OPERATORS = ("=", "!=", "in", "<", ">", "~")
_WHERE_RE = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(!=|=|~|<|>|\s+in\s+)\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Hit:
    photo: Photo
    score: float  # cosine similarity, -1..1


@dataclass(frozen=True)
class Where:
    """One condition: ``=`` exact or shell glob (``P-00*``), ``!=`` its negation, ``in (a, b)``,
    ``<`` / ``>`` (numbers for ``shot``, text order otherwise: ISO times sort), ``~`` substring,
    ignoring case. :meth:`matches` and :meth:`sql` are the same test, in Python and in SQL."""

    field: str
    pattern: str
    op: str = "="
    values: tuple[str, ...] = ()

    def matches(self, photo: Photo) -> bool:
        value = WHERE_FIELDS[self.field](photo)
        if self.op in ("=", "!="):
            equal = fnmatch.fnmatchcase(value, self.pattern) if self._is_glob else value == self.pattern
            return equal if self.op == "=" else not equal
        if self.op == "in":
            return value in self.values
        if self.op == "~":
            return self.pattern.lower() in value.lower()
        if self.field in NUMERIC_FIELDS:
            left, right = float(value), float(self.pattern)
            return left < right if self.op == "<" else left > right
        return value < self.pattern if self.op == "<" else value > self.pattern

    @property
    def _is_glob(self) -> bool:
        return any(c in self.pattern for c in "*?[")

    def sql(self) -> tuple[str, list]:
        """The same test as a SQL condition (SQLite GLOB is case-sensitive, like fnmatchcase)."""
        column = WHERE_COLUMNS[self.field]
        if self.op in ("=", "!="):
            test = (f"{column} GLOB ?", [self.pattern.replace("[!", "[^")]) if self._is_glob else (f"{column} = ?", [self.pattern])
            return test if self.op == "=" else (f"NOT ({test[0]})", test[1])
        if self.op == "in":
            return f"{column} IN ({','.join('?' * len(self.values))})", list(self.values)
        if self.op == "~":
            return f"instr(lower({column}), lower(?)) > 0", [self.pattern]
        if self.field in NUMERIC_FIELDS:
            return f"{NUMERIC_FIELDS[self.field]} {self.op} ?", [float(self.pattern)]
        return f"{column} {self.op} ?", [self.pattern]


def parse_where(expressions: Sequence[str]) -> list[Where]:
    """``participant=P-003``, ``shot>2``, ``format in (jpg, png)``, ``name~beach``; all combined with AND."""
    filters = []
    for expr in expressions:
        match = _WHERE_RE.match(expr)
        if not match or not match.group(3):
            raise ValueError(f"--where {expr!r}: expected FIELD OP VALUE with OP one of "
                             f"{' '.join(OPERATORS)}, e.g. participant=P-003 or shot>2")
        key, op, value = match.group(1).lower(), match.group(2).strip().lower(), match.group(3)
        if key not in WHERE_FIELDS:
            raise ValueError(f"--where {expr!r}: unknown field {key!r} (use {', '.join(WHERE_FIELDS)})")
        values: tuple[str, ...] = ()
        if op == "in":
            if not (value.startswith("(") and value.endswith(")")):
                raise ValueError(f"--where {expr!r}: `in` takes a list in brackets, e.g. format in (jpg, png)")
            values = tuple(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
            if not values:
                raise ValueError(f"--where {expr!r}: the list in brackets is empty")
        elif op in ("<", ">") and key in NUMERIC_FIELDS:
            try:
                float(value)
            except ValueError:
                raise ValueError(f"--where {expr!r}: {key} compares with a number") from None
        filters.append(Where(key, value.strip("'\"") if op != "in" else value, op, values))
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


def search_event(
    store: EventStore, model_id: str, query: np.ndarray, *, k: int = 10, where: Sequence[Where] = (),
    exclude_ids: Sequence[str] = (), ann_threshold: int = ANN_THRESHOLD, index=None,
) -> list[Hit]:
    """Top-``k`` photos of the event for ``query``: exact below ``ann_threshold`` vectors, indexed above.

    Indexed search re-scores every candidate with its float32 vector from the catalogue, so scores
    are exact and only recall is approximate; a selective ``--where`` (few allowed photos) is
    scanned exactly, a broad one is applied inside the index search. ``index``: an already open
    ``VectorIndex`` for several queries in one process (each `piday search` opens it once).
    """
    if k <= 0:
        return []
    if index is None and store.vector_count(model_id) < ann_threshold:
        photos, matrix, _ = store.vectors(model_id)
        return rank(query, photos, matrix, k=k, where=where, exclude_ids=exclude_ids)
    from .vector_index import VectorIndex, rescored

    allowed = None
    if where:
        clauses = [w.sql() for w in where]
        allowed = store.vector_keys(model_id, " AND ".join(c for c, _ in clauses), [arg for _, args in clauses for arg in args])
        if allowed.shape[0] <= EXACT_FILTERED_LIMIT:
            photos, matrix = store.vectors_by_key(model_id, allowed)
            return rank(query, photos, matrix, k=k, exclude_ids=exclude_ids) if photos else []
    index = index or VectorIndex.open(store, model_id)
    if index.info.dim != np.asarray(query).size:
        raise ValueError(f"query has {np.asarray(query).size} dimensions, the event's vectors have {index.info.dim}")
    excluded = set(exclude_ids)
    keys = index.candidates(query, max(100, 10 * (k + len(excluded))), allowed)
    hits = [Hit(p, s) for p, s in rescored(store, model_id, query, keys) if p.id not in excluded]
    return hits[:k]
