"""Per-photo fields from an archive's own records: tags, description, theme, prompt, any value.

Why rows (``photo_fields``: photo, key, position, value) and not one JSON column: ``--where``
must filter on them in SQL (the indexed search filters a million rows), a list such as ``tags``
must match on any of its elements, and an export needs each key's type across the event. The
values keep their source's type (``kind``): a JSON number stays a number in a Parquet export,
a CSV cell stays text; ``num`` holds the value as a number whenever it reads as one, so
``--where "rating > 3"`` works for both.

This module only validates and converts; :class:`~.store.EventStore` reads and writes the rows.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: A field name: letters, digits, ``_`` and ``-``, starting with a letter or ``_`` (no dots:
#: ``meta.KEY`` in ``--where`` names a field whose name is also a photo field).
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
MAX_TEXT = 100_000  # characters in one value: a long prompt fits, a pasted file does not
MAX_LIST = 1_000  # values in one list
KINDS = ("text", "number", "bool")

Scalar = str | int | float | bool
Value = Scalar | list[Scalar]


class FieldError(ValueError):
    """A value that cannot be stored as a photo field; ``str(err)`` says which and why."""


@dataclass(frozen=True)
class Cell:
    """One stored value: its kind, its text and (when it reads as one) its number."""

    kind: str
    text: str
    num: float | None


def as_number(text: str) -> float | None:
    """``text`` as a finite number, or None (``"3"``, ``"-2.5"``, ``"1e3"``; not ``"nan"``)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _cell(key: str, value: Any) -> Cell:
    if isinstance(value, bool):
        return Cell("bool", "true" if value else "false", None)
    if isinstance(value, int):
        return Cell("number", str(value), float(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(f"field {key!r}: {value} is not a number that can be stored")
        return Cell("number", repr(value), value)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise FieldError(f"field {key!r}: a value of {len(value)} characters (at most {MAX_TEXT})")
        return Cell("text", value, as_number(value))
    if isinstance(value, dict):
        raise FieldError(f"field {key!r}: nested objects are not supported (use text, numbers or a list of them)")
    raise FieldError(f"field {key!r}: cannot store a {type(value).__name__}")


def check_key(key: Any) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise FieldError(f"field name {key!r}: use letters, digits, _ and - (at most 64, starting with a letter)")
    return key


def cells(key: str, value: Any) -> tuple[bool, list[Cell]]:
    """(is a list, the cells) for one field's value; raises :class:`FieldError` for what cannot be stored."""
    check_key(key)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST:
            raise FieldError(f"field {key!r}: a list of {len(value)} values (at most {MAX_LIST})")
        if any(isinstance(v, (list, tuple, dict)) for v in value):
            raise FieldError(f"field {key!r}: lists of lists or objects are not supported")
        if any(v is None for v in value):
            raise FieldError(f"field {key!r}: null inside a list")
        return True, [_cell(key, v) for v in value]
    return False, [_cell(key, value)]


def validate(fields: Mapping[str, Any]) -> dict[str, Value | None]:
    """The fields as they will be stored (None: remove the field); raises :class:`FieldError`."""
    out: dict[str, Value | None] = {}
    for key, value in fields.items():
        if value is None:
            check_key(key)
            out[key] = None
            continue
        cells(key, value)
        out[key] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def write(conn: sqlite3.Connection, photo_id: str, fields: Mapping[str, Any]) -> None:
    """Replace these keys' values of one photo (inside the caller's transaction); None removes a key.

    Keys not named are left as they are, so a second metadata file can add fields.
    """
    rows = []
    for key, value in fields.items():
        conn.execute("DELETE FROM photo_fields WHERE photo_id=? AND key=?", (photo_id, key))
        if value is None:
            check_key(key)
            continue
        is_list, found = cells(key, value)
        rows += [(photo_id, key, pos, int(is_list), c.kind, c.text, c.num) for pos, c in enumerate(found)]
    conn.executemany("INSERT INTO photo_fields(photo_id, key, pos, is_list, kind, value, num) "
                     "VALUES (?,?,?,?,?,?,?)", rows)


def _python(kind: str, text: str) -> Scalar:
    if kind == "number":
        number = float(text)
        return int(text) if re.fullmatch(r"-?\d+", text) else number
    if kind == "bool":
        return text == "true"
    return text


def assemble(rows: Iterable[Sequence]) -> dict[str, dict[str, Value]]:
    """{photo id: {key: value}} from ``(photo_id, key, pos, is_list, kind, value)`` rows in
    (photo, key, pos) order; a list field gives a list, a scalar its value."""
    out: dict[str, dict[str, Value]] = {}
    for photo_id, key, _pos, is_list, kind, text in rows:
        fields = out.setdefault(photo_id, {})
        value = _python(kind, text)
        if is_list:
            fields.setdefault(key, []).append(value)  # type: ignore[union-attr]
        else:
            fields[key] = value
    return out


def texts(value: Value | None) -> list[tuple[str, float | None]]:
    """(text, number) of each element of a value, the way --where sees it (an absent field: none)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        cell = _cell("field", v)
        out.append((cell.text, cell.num))
    return out


@dataclass(frozen=True)
class KeyInfo:
    """What an event holds under one key: for the export's column type."""

    key: str
    kinds: frozenset[str]
    is_list: bool
    integral: bool  # every number is a whole number

    @property
    def column_kind(self) -> str:
        """``int``, ``float``, ``bool`` or ``text`` (mixed kinds are written as text)."""
        if self.kinds == {"number"}:
            return "int" if self.integral else "float"
        if self.kinds == {"bool"}:
            return "bool"
        return "text"
