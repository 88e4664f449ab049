"""Ranking an event's photos against a query vector: the one code path for CLI and map search.

At exhibition scale (thousands of photos) a dense numpy dot product over L2-normalised vectors
is exact and takes microseconds, so there is no index to build or keep in sync. Past
``ANN_THRESHOLD`` vectors (an archive) :func:`search_event` asks the approximate index beside the
catalogue (``core/vector_index.py``) for candidates and re-scores them exactly.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import photo_fields
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
#: A metadata field written ``meta.KEY`` (needed when KEY is also one of WHERE_FIELDS).
META_PREFIX = "meta."
_WHERE_RE = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(!=|=|~|<|>|\s+in\s+)\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)
_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    photo: Photo
    score: float  # cosine similarity, -1..1


@dataclass(frozen=True)
class Where:
    """One condition: ``=`` exact or shell glob (``P-00*``), ``!=`` its negation, ``in (a, b)``,
    ``<`` / ``>`` (numbers for ``shot``, text order otherwise: ISO times sort), ``~`` substring,
    ignoring case. :meth:`matches` and :meth:`sql` are the same test, in Python and in SQL.

    ``meta``: the field is one of the photo's own fields (``import --metadata``). A list field
    (``tags``) passes ``=``, ``in``, ``~``, ``<``, ``>`` when any of its values does, and ``!=``
    when none equals; a photo without the field passes only ``!=``. ``=`` and ``in`` also match
    numerically (``rating = 4`` finds 4 and 4.0), ``<`` / ``>`` compare numbers when the value
    given is a number, text otherwise.
    """

    field: str
    pattern: str
    op: str = "="
    values: tuple[str, ...] = ()
    meta: bool = False

    def matches(self, photo: Photo, fields: Mapping[str, object] | None = None) -> bool:
        """Whether ``photo`` passes; ``fields`` is the photo's own fields (for a ``meta`` condition)."""
        if self.meta:
            elements = photo_fields.texts((fields or {}).get(self.field))
            if self.op == "!=":
                return not any(self._element_equal(text, num) for text, num in elements)
            return any(self._element_passes(text, num) for text, num in elements)
        value = WHERE_FIELDS[self.field](photo)
        if self.op in ("=", "!="):
            equal = self._text_equal(value)
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

    def _text_equal(self, value: str) -> bool:
        return fnmatch.fnmatchcase(value, self.pattern) if self._is_glob else value == self.pattern

    def _element_equal(self, text: str, num: float | None) -> bool:
        number = photo_fields.as_number(self.pattern)
        return self._text_equal(text) or (number is not None and num is not None and num == number)

    def _element_passes(self, text: str, num: float | None) -> bool:
        if self.op == "=":
            return self._element_equal(text, num)
        if self.op == "in":
            numbers = {n for n in map(photo_fields.as_number, self.values) if n is not None}
            return text in self.values or (num is not None and num in numbers)
        if self.op == "~":
            return self.pattern.lower() in text.lower()
        number = photo_fields.as_number(self.pattern)
        if number is not None:
            return num is not None and (num < number if self.op == "<" else num > number)
        return text < self.pattern if self.op == "<" else text > self.pattern

    def sql(self) -> tuple[str, list]:
        """The same test as a SQL condition (SQLite GLOB is case-sensitive, like fnmatchcase)."""
        if self.meta:
            return self._meta_sql()
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

    def _meta_sql(self) -> tuple[str, list]:
        number = photo_fields.as_number(self.pattern)
        if self.op in ("=", "!="):
            test = "f.value GLOB ?" if self._is_glob else "f.value = ?"
            args: list = [self.pattern.replace("[!", "[^") if self._is_glob else self.pattern]
            if number is not None:
                test, args = f"({test} OR f.num = ?)", args + [number]
        elif self.op == "in":
            numbers = [n for n in map(photo_fields.as_number, self.values) if n is not None]
            test, args = f"f.value IN ({','.join('?' * len(self.values))})", list(self.values)
            if numbers:
                test, args = f"({test} OR f.num IN ({','.join('?' * len(numbers))}))", args + numbers
        elif self.op == "~":
            test, args = "instr(lower(f.value), lower(?)) > 0", [self.pattern]
        elif number is not None:
            test, args = f"f.num {self.op} ?", [number]
        else:
            test, args = f"f.value {self.op} ?", [self.pattern]
        # An uncorrelated set (computed once from the (key, value) index), not EXISTS per photo:
        # the planner would drive a correlated EXISTS through that index too, a scan per photo.
        having = f"p.id IN (SELECT f.photo_id FROM photo_fields f WHERE f.key = ? AND {test})"
        return (f"NOT ({having})" if self.op == "!=" else having), [self.field, *args]


def where_sql(where: Sequence[Where]) -> tuple[str, list]:
    """Every condition as one SQL condition over ``p.`` / ``pt.`` (AND), with its arguments."""
    clauses = [w.sql() for w in where]
    return " AND ".join(f"({c})" for c, _ in clauses) or "1=1", [arg for _, args in clauses for arg in args]


def _split_and(expr: str) -> list[str]:
    """``theme = sea AND tags ~ boat`` -> two conditions; AND inside quotes or brackets is text."""
    parts, start, depth, quote, i = [], 0, 0, "", 0
    while i < len(expr):
        ch = expr[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch.isspace():
            match = _AND_RE.match(expr, i)
            if match:
                parts.append(expr[start:i])
                start = i = match.end()
                continue
        i += 1
    parts.append(expr[start:])
    return parts


def parse_where(expressions: Sequence[str], fields: Collection[str] | None = None) -> list[Where]:
    """``participant=P-003``, ``shot>2``, ``format in (jpg, png)``, ``name~beach``,
    ``theme = sea AND tags ~ boat``; every condition of every expression combined with AND.

    ``fields``: the event's own field names (``EventStore.field_keys``); a name that is neither
    a photo field nor one of them is refused, so a typo cannot match every photo (``!=``) or none.
    ``meta.KEY`` names the event's field KEY even where KEY is also a photo field (``meta.name``).
    """
    filters = []
    known = set(fields or ())
    for whole in expressions:
        for expr in _split_and(whole):
            filters.append(_parse_one(expr, whole, known, fields is not None))
    return filters


def _parse_one(expr: str, whole: str, known: set[str], checked: bool) -> Where:
    match = _WHERE_RE.match(expr)
    if not match or not match.group(3):
        joined = " (conditions are joined with AND: quote a value that contains the word)" if expr != whole else ""
        raise ValueError(f"--where {expr.strip()!r}: expected FIELD OP VALUE with OP one of "
                         f"{' '.join(OPERATORS)}, e.g. participant=P-003 or shot>2{joined}")
    raw, op, value = match.group(1), match.group(2).strip().lower(), match.group(3)
    key = raw.lower()
    meta = False
    if key.startswith(META_PREFIX) or (key not in WHERE_FIELDS and raw in known):
        meta, key = True, raw[len(META_PREFIX):] if key.startswith(META_PREFIX) else raw
        if checked and key not in known:
            has = (f"its fields: {_names(known)}" if known
                   else "it has no fields of its own: `piday import DIR --metadata FILE` adds them")
            raise ValueError(f"--where {expr.strip()!r}: this event has no field {key!r} ({has})")
    elif key not in WHERE_FIELDS:
        own = f", or this event's fields: {_names(known)}" if known else ""
        raise ValueError(f"--where {expr.strip()!r}: unknown field {raw!r} (use {', '.join(WHERE_FIELDS)}{own})")
    values: tuple[str, ...] = ()
    if op == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise ValueError(f"--where {expr.strip()!r}: `in` takes a list in brackets, e.g. format in (jpg, png)")
        values = tuple(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
        if not values:
            raise ValueError(f"--where {expr.strip()!r}: the list in brackets is empty")
    elif op in ("<", ">") and not meta and key in NUMERIC_FIELDS:
        try:
            float(value)
        except ValueError:
            raise ValueError(f"--where {expr.strip()!r}: {key} compares with a number") from None
    return Where(key, value.strip("'\"") if op != "in" else value, op, values, meta)


def _names(known: set[str]) -> str:
    names = sorted(known)
    return ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def rank(
    query: np.ndarray, photos: Sequence[Photo], matrix: np.ndarray, *, k: int = 10,
    where: Sequence[Where] = (), exclude_ids: Sequence[str] = (), fields: Mapping[str, Mapping] | None = None,
) -> list[Hit]:
    """Top-``k`` photos by cosine to ``query`` among those passing every filter (``fields``:
    photo id -> its own fields, for conditions on them)."""
    if len(photos) == 0 or k <= 0:
        return []
    q = np.asarray(query, dtype=np.float32).ravel()
    if q.shape[0] != matrix.shape[1]:
        raise ValueError(f"query has {q.shape[0]} dimensions, the event's vectors have {matrix.shape[1]}")
    q = q / (np.linalg.norm(q) or 1.0)
    excluded = set(exclude_ids)
    fields = fields or {}
    keep = np.array([p.id not in excluded and all(w.matches(p, fields.get(p.id)) for w in where) for p in photos],
                    dtype=bool)
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
    exact = index is None and store.vector_count(model_id) < ann_threshold
    if exact and not any(w.meta for w in where):
        photos, matrix, _ = store.vectors(model_id)
        return rank(query, photos, matrix, k=k, where=where, exclude_ids=exclude_ids)
    from .vector_index import VectorIndex, rescored

    allowed = None
    if where:
        # Conditions on the photos' own fields are answered by SQL (an index of the field rows),
        # at any size: the allowed vectors are then ranked exactly when few enough.
        allowed = store.vector_keys(model_id, *where_sql(where))
        if exact or allowed.shape[0] <= EXACT_FILTERED_LIMIT:
            photos, matrix = store.vectors_by_key(model_id, allowed)
            return rank(query, photos, matrix, k=k, exclude_ids=exclude_ids) if photos else []
    index = index or VectorIndex.open(store, model_id)
    if index.info.dim != np.asarray(query).size:
        raise ValueError(f"query has {np.asarray(query).size} dimensions, the event's vectors have {index.info.dim}")
    excluded = set(exclude_ids)
    keys = index.candidates(query, max(100, 10 * (k + len(excluded))), allowed)
    hits = [Hit(p, s) for p, s in rescored(store, model_id, query, keys) if p.id not in excluded]
    return hits[:k]
