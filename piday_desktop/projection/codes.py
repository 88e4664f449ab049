"""Participant codes as people type them: ``P-017``, ``p17``, ``17`` are the same visitor.

The station hands out ``P-001``, ``P-002`` …; the map's search box and its colours need to read
them back however a volunteer types them, and to sort them by number (``P-009`` < ``P-010`` <
``P-1000``), not as text.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"^\s*p?-?\s*0*(\d{1,6})\s*$", re.IGNORECASE)


def code_number(text: str) -> int | None:
    """The visitor number in a typed code (``"p-07"`` -> 7), None when it is not a code."""
    m = _CODE.match(text)
    return int(m.group(1)) if m else None


def code_key(code: str) -> tuple[int, int, str]:
    """Sort key for participant codes: ``P-009`` < ``P-010`` < ``P-1000``; other codes last."""
    number = code_number(code)
    return (0, number, "") if number is not None else (1, 0, code)
