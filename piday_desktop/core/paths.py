"""Where piday keeps things on disk.

Everything hangs off one data directory so a volunteer can back up (or wipe) an event by
copying one folder. ``--data-dir`` / ``PIDAY_DATA_DIR`` override the platform default so
tests, benchmarks and a second station on one laptop never touch the real data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

APP_NAME = "piday"
APP_AUTHOR = "piday"

# Event names become directory names, so they are restricted to a safe, portable alphabet.
_EVENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class InvalidEventName(ValueError):
    """The event name cannot be used as a directory name on every platform."""


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The root data directory: explicit override, then ``PIDAY_DATA_DIR``, then platformdirs."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("PIDAY_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def cache_dir() -> Path:
    """Caches that can be rebuilt (numba JIT, thumbnails); never holds anything precious."""
    env = os.environ.get("PIDAY_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    env = os.environ.get("PIDAY_CONFIG_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    env = os.environ.get("PIDAY_LOG_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def validate_event_name(name: str) -> str:
    if not _EVENT_NAME.match(name or ""):
        raise InvalidEventName(
            f"event name {name!r} is not usable: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. pi-day-2026)"
        )
    return name


def events_root(root: Path) -> Path:
    return root / "events"


def event_dir(root: Path, event: str) -> Path:
    """One folder per event: ``event.sqlite`` plus ``photos/<participant-uuid>/<photo-uuid>.<ext>``."""
    return events_root(root) / validate_event_name(event)


def list_events(root: Path) -> list[str]:
    base = events_root(root)
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "event.sqlite").is_file())
