"""The doctor's vocabulary: a check's line, what to check, the report, and what checks share.

Apart from doctor.py so the laptop checks (doctor.py) and the event checks (doctor_event.py)
both use it without importing each other.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

OK, WARN, FAIL = "OK", "WARN", "FAIL"
# A station JPEG (1280x720..1920x1080 at quality 92) is 0.3-0.9 MB; assume the larger when the
# data folder has no photos to measure yet.
DEFAULT_PHOTO_BYTES = 900_000
DISK_FAIL_BYTES = 1_000_000_000
DISK_WARN_BYTES = 5_000_000_000
SLOW_PHOTO_S = 2.0  # a visitor waiting longer than this for their dot on the map notices
EARLIEST_SANE = datetime(2025, 1, 1, tzinfo=timezone.utc)
CLOCK_SKEW_WARN_S = 300.0


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: str
    summary: str
    fix: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class DoctorOptions:
    """What to check. ``camera_in_use``: the station's live camera description (skip probing)."""

    data_dir: Path
    model: str
    device: str = "auto"
    camera: str = "0"
    speed_seconds: float = 3.0
    quick: bool = False
    network: bool = True
    camera_in_use: str | None = None
    # With an event (`piday doctor --event E`, the station's Check button): the day-before checks
    # of doctor_event.py, for this many more photos, this backup folder and this station id.
    event: str | None = None
    expected_photos: int = 1000
    backup_dir: str = ""
    station_id: str = ""
    # What the durations (each line's seconds, the speed test's budget and figures) are measured
    # with; tests inject a clock that steps, so the figures are exact and no test times anything.
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False, compare=False)


@dataclass
class Report:
    checks: list[Check]
    log_file: str | None

    @property
    def ready(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    def to_json(self) -> str:
        return json.dumps({"ready": self.ready, "log_file": self.log_file,
                           "checks": [asdict(c) for c in self.checks]}, indent=2, default=str)


class _Context:
    """What later checks need from earlier ones (torch imported, the model spec, the network)."""

    def __init__(self, options: DoctorOptions) -> None:
        self.options = options
        self.torch_ok = False
        self.device: str | None = None
        self.spec: Any = None
        self.weights_ok = False
        self.network: bool | None = None
        self.clock = options.clock
        self.event_codes: list[str] = []  # the event's participant codes (station check)


def average_photo_bytes(root: Path, limit: int = 300) -> tuple[int, int]:
    """(average size, photos sampled) of the photos already in the data folder."""
    total = seen = 0
    base = root / "events"
    if base.is_dir():
        for event in base.iterdir():
            photos = event / "photos"
            if not photos.is_dir():
                continue
            for path in photos.rglob("*"):
                if path.is_file():
                    total += path.stat().st_size
                    seen += 1
                    if seen >= limit:
                        return total // seen, seen
    return (total // seen, seen) if seen else (DEFAULT_PHOTO_BYTES, 0)
