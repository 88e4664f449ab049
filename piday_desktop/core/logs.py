"""The station's log file: one line per meaningful event, rotated, with no secrets and no nicknames.

When something goes wrong at a venue, the log is what a volunteer sends to whoever can help, so
it lives in the platform log folder (``piday doctor`` prints where; the station has "Open log
folder"), is bounded in size (a few rotated megabytes), and never holds what must not leave the
laptop: API keys and tokens are masked by pattern, and nicknames (or any other value the code
marks with :func:`keep_out`) are masked wherever they appear, tracebacks included.

Our own loggers (``piday_desktop.*``) write from INFO up; libraries only from WARNING up, so
the file stays a readable story of the day rather than a dump.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import paths

LOG_NAME = "piday.log"
CRASH_NAME = "crash.log"
CRASH_MAX_BYTES = 1_000_000
MAX_BYTES = 1_000_000
BACKUPS = 5
OUR_LOGGER = "piday_desktop"
MASK = "[hidden]"

# key=value, key: value and "key": "value" forms of credentials, and bare token shapes.
_SECRET_PATTERNS = [
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\bnk-[A-Za-z0-9_-]{6,}"),
    re.compile(r"(?i)(\"?\b(?:api[_-]?key|token|access[_-]?token|refresh[_-]?token|password|secret|authorization)"
               r"\b\"?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;}]+)"),
    re.compile(r"(?i)(\"?\b(?:nickname|nick)\b\"?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;}]+)"),
]

_kept_out: set[str] = set()
_kept_out_lock = threading.Lock()
_MAX_KEPT_OUT = 10_000


def log_file() -> Path:
    """The current log file (older ones are ``piday.log.1`` … ``.5`` beside it)."""
    return paths.log_dir() / LOG_NAME


def crash_file() -> Path:
    """Where a hard crash's stacks go (:func:`record_crashes`), beside the log."""
    return paths.log_dir() / CRASH_NAME


def keep_out(value: str | None) -> None:
    """Never write ``value`` (a nickname, a typed key) to the log, whoever logs it.

    Values shorter than 2 characters are ignored: masking every "a" would ruin the log.
    """
    if value is None:
        return
    value = value.strip()
    if len(value) < 2:
        return
    with _kept_out_lock:
        if len(_kept_out) < _MAX_KEPT_OUT:
            _kept_out.add(value)


def scrub(text: str) -> str:
    """``text`` with credentials and kept-out values replaced by ``[hidden]``."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:  # keep the key ("token=", "Bearer "), hide the value
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        else:
            text = pattern.sub(MASK, text)
    with _kept_out_lock:
        values = sorted(_kept_out, key=len, reverse=True)  # longest first: "Ada Lovelace" before "Ada"
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class ScrubbingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the whole line, traceback included."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class _OursFromInfo(logging.Filter):
    """piday's own records from INFO, everyone else's from WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == OUR_LOGGER or record.name.startswith(OUR_LOGGER + "."):
            return True
        return record.levelno >= logging.WARNING


_handler: RotatingFileHandler | None = None
_previous_level: int | None = None
_setup_lock = threading.Lock()


def setup_logging(debug: bool = False) -> Path | None:
    """Send log records to the rotating file; idempotent. Returns the file, or None if unwritable.

    An unwritable log folder never stops the station: it runs without a file and says so once
    on stderr (``piday doctor`` reports it too).
    """
    global _handler
    with _setup_lock:
        path = log_file()
        if _handler is not None and Path(_handler.baseFilename) == path:
            return path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                                          delay=False)
        except OSError as exc:
            logging.getLogger(__name__).warning("no log file (%s): %s", path, exc.strerror or exc)
            return None
        handler.setLevel(logging.DEBUG if debug else logging.INFO)
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_OursFromInfo())
        root = logging.getLogger()
        if _handler is not None:
            root.removeHandler(_handler)
            _handler.close()
        # The console set up before us (basicConfig) keeps showing warnings only, as before,
        # although our own loggers now pass INFO on to the file.
        for existing in root.handlers:
            if (type(existing) is logging.StreamHandler and existing.stream in (sys.stderr, sys.stdout)
                    and existing.level == logging.NOTSET and not debug):
                existing.setLevel(max(root.level, logging.WARNING))
        root.addHandler(handler)
        ours = logging.getLogger(OUR_LOGGER)
        global _previous_level
        if _previous_level is None:
            _previous_level = ours.level
        if ours.level == logging.NOTSET or ours.level > logging.INFO:
            ours.setLevel(logging.DEBUG if debug else logging.INFO)
        _handler = handler
        return path


_crash_file = None


def record_crashes() -> Path | None:
    """Have a hard crash (a segfault in Qt, torch or a driver: no Python exception, no log line)
    leave every thread's Python stack in ``crash.log`` beside the log, so the volunteer has
    something to send. ``faulthandler`` writes only file, function and line names: no values, so
    nothing to scrub. Each start appends a dated line; a file over 1 MB starts afresh.
    Returns the file, or None if the log folder is unwritable (the station runs on) or crash
    stacks already go somewhere (``python -X faulthandler``, or pytest when a test runs the
    station in pytest's process): whoever enabled that chose where they go."""
    import faulthandler
    import os
    import time

    global _crash_file
    if faulthandler.is_enabled():
        return None
    path = crash_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "w" if path.exists() and path.stat().st_size > CRASH_MAX_BYTES else "a"
        handle = open(path, mode, encoding="utf-8")
        handle.write(f"-- piday pid {os.getpid()} started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        handle.flush()
    except OSError:
        return None
    faulthandler.enable(file=handle, all_threads=True)
    if _crash_file is not None:
        _crash_file.close()
    _crash_file = handle  # kept open: faulthandler writes to its descriptor at the crash
    return path


def recorded_crashes() -> list[str]:
    """The starts in ``crash.log`` that ended in a hard crash, oldest first, as their dated
    "-- piday pid N started …" lines (``piday doctor`` reports them)."""
    try:
        text = crash_file().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    crashed, start = [], None
    for line in text.splitlines():
        if line.startswith("-- piday pid "):
            start = line[3:]
        elif line.startswith("Fatal Python error") and start is not None:
            crashed.append(start)
            start = None
    return crashed


def close_logging() -> None:
    """Detach and close the file handler (tests, and a clean exit)."""
    global _handler, _previous_level
    with _setup_lock:
        if _handler is not None:
            logging.getLogger().removeHandler(_handler)
            _handler.close()
            _handler = None
        if _previous_level is not None:
            logging.getLogger(OUR_LOGGER).setLevel(_previous_level)
            _previous_level = None
