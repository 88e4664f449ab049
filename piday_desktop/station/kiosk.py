"""The kiosk lock: an optional PIN before Settings, quitting and leaving full screen.

A station left running all day at a stand is within reach of every visitor; the PIN keeps a
curious child from closing it or changing the event. Only a salted PBKDF2 hash is kept (in the
config file), so the file never holds the PIN itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

_ITERATIONS = 50_000  # ~25 ms here: unnoticeable at a prompt, slow for guessing from a stolen config
_PIN = re.compile(r"^\d{4,8}$")


class InvalidPin(ValueError):
    """A PIN that is not 4 to 8 digits."""


def check_pin_format(pin: str) -> str:
    if not _PIN.match(pin):
        raise InvalidPin("the PIN must be 4 to 8 digits")
    return pin


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The stored form: ``pbkdf2$ITERATIONS$SALT$HASH`` (hex)."""
    check_pin_format(pin)
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _ITERATIONS)
    return f"pbkdf2${_ITERATIONS}${salt.hex()}${digest.hex()}"


def is_pin_hash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) == 4 and parts[0] == "pbkdf2" and parts[1].isdigit()


def pin_matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from (no stored PIN: always True)."""
    if not stored:
        return True
    if not is_pin_hash(stored):
        return False
    _, iterations, salt, digest = stored.split("$")
    try:
        candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(candidate.hex(), digest)
    except ValueError:
        return False
