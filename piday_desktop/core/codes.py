"""Participant codes: how the station hands them out and how people type them back.

A station hands out ``P-001``, ``P-002`` …; with a station id (several stations at one event)
station A hands out ``A-001`` and station B ``B-001``, so codes never collide when the events are
merged. The map's search box and its colours read codes back however a volunteer types them
(``P-017``, ``p17``, ``17``; ``b17`` for station B's) and sort them by number (``P-009`` <
``P-010`` < ``P-1000``), not as text.
"""

from __future__ import annotations

import re

DEFAULT_PREFIX = "P"
_CODE = re.compile(r"^\s*([a-z])?\s*-?\s*0*(\d{1,6})\s*$", re.IGNORECASE)
_STATION = re.compile(r"^[A-Z]$")


class InvalidStationId(ValueError):
    """A station id that is not one letter."""


def validate_station_id(station_id: str) -> str:
    """The station id as stored: "" (one station) or one letter A–Z, upper case."""
    s = station_id.strip().upper()
    if s and not _STATION.match(s):
        raise InvalidStationId(
            f"station id {station_id!r} is not one letter: use A, B, C … (or leave it empty for one station)")
    return s


def prefix_for(station_id: str) -> str:
    """The letter this station's codes start with: its id, or P without one."""
    return validate_station_id(station_id) or DEFAULT_PREFIX


def format_code(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def parse_code(text: str) -> tuple[str | None, int] | None:
    """(letter or None when not typed, number) for a typed code; None when it is not a code."""
    m = _CODE.match(text)
    if not m:
        return None
    return (m.group(1).upper() if m.group(1) else None, int(m.group(2)))


def code_number(text: str) -> int | None:
    """The visitor number in a typed code (``"p-07"`` -> 7), None when it is not a code."""
    parsed = parse_code(text)
    return parsed[1] if parsed else None


def code_key(code: str) -> tuple[int, int, str]:
    """Sort key for participant codes: ``P-009`` < ``P-010`` < ``P-1000``, then by station; other codes last."""
    parsed = parse_code(code)
    if parsed is None:
        return (1, 0, code)
    return (0, parsed[1], parsed[0] or "")


def matches(typed: str, code: str) -> bool:
    """Whether a typed code names this participant: ``17`` any station's 17, ``b17`` only B-017."""
    want, have = parse_code(typed), parse_code(code)
    if want is None or have is None or want[1] != have[1]:
        return False
    return want[0] is None or want[0] == have[0]
