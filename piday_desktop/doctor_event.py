"""`piday doctor --event E`: the day-before checks of one event, beyond the laptop itself.

The laptop checks (doctor.py) say whether piday runs here; these say whether *this event* will
get through the day: its catalogue opens, the disk holds the photos expected, the backup folder
is there, writable and roomy, and the station id fits the event (several stations must each
have their own letter). Each returns a :class:`~piday_desktop.doctor.Check` with the fix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .doctor_types import FAIL, OK, WARN, Check, average_photo_bytes as _average_photo_bytes

if TYPE_CHECKING:
    from .doctor_types import _Context


def event_check(ctx: "_Context") -> Check | None:
    """The event opens, and what it holds (the expected load is measured against it)."""
    from .core.opening import EventDatabaseUnusable
    from .core.store import EventNotFound, EventStore

    o = ctx.options
    if not o.event:
        return None
    try:
        with EventStore.open(o.data_dir, o.event, create=False) as store:
            counts = store.counts()
            codes = [p.code for p in store.participants()]
    except EventNotFound:
        ctx.event_codes = []
        return Check("event", WARN, f"no event {o.event!r} here yet: the station creates it at the first start",
                     "check the event name in Settings (a typo starts a second, empty event)",
                     {"event": o.event})
    except EventDatabaseUnusable as exc:
        return Check("event", FAIL, f"event {o.event!r} cannot be opened: {exc}",
                     f"run `piday check --event {o.event} --repair`, or restore it from the backup folder")
    ctx.event_codes = codes
    return Check("event", OK, f"{o.event}: {counts['participants']} visitor(s), {counts['photos']} photo(s) so far",
                 details={"event": o.event, **counts})


def room_check(ctx: "_Context") -> Check | None:
    """Room on the data disk for the photos still expected today."""
    from .core.durable import free_bytes

    o = ctx.options
    if not o.event:
        return None
    average, _ = _average_photo_bytes(o.data_dir)
    need = o.expected_photos * average * 2  # the photo and its headroom (WAL, thumbnails, logs)
    free = free_bytes(o.data_dir)
    found = (f"{o.expected_photos:,} more photos need about {need / 1e9:.1f} GB; {free / 1e9:.1f} GB free")
    details = {"expected_photos": o.expected_photos, "need_bytes": need, "free_bytes": free}
    if free < need:
        return Check("room", FAIL, found, "free space on this disk, or put the data folder on a bigger one "
                     "(--data-dir); or lower --expect-photos if fewer visitors are expected", details)
    if free < 2 * need:
        return Check("room", WARN, found, "free some space to be safe", details)
    return Check("room", OK, found, details=details)


def backup_check(ctx: "_Context") -> Check | None:
    """The live backup folder: set, present, writable, room for the event, how far behind."""
    from .core import paths
    from .core.durable import free_bytes, used_bytes
    from .jobs.backup import read_manifest

    o = ctx.options
    if not o.event:
        return None
    if not o.backup_dir:
        return Check("backup", WARN, "no backup folder set: a lost or broken laptop loses the day's photos",
                     "plug in a USB stick (or choose a network folder) and set it in Settings → Backup folder")
    target = Path(o.backup_dir).expanduser()
    details: dict = {"target": str(target)}
    if not target.is_dir():
        return Check("backup", FAIL, f"the backup folder {target} is not there (stick not plugged in?)",
                     "plug the stick in (or mount the share), or choose another folder in Settings", details)
    probe = target / f".piday-doctor-{os.getpid()}"
    try:
        probe.write_bytes(b"piday doctor write test\n")
        probe.unlink()
    except OSError as exc:
        return Check("backup", FAIL, f"the backup folder {target} is not writable ({exc.strerror or exc})",
                     "unlock the stick (write-protect switch) or fix the folder's permissions", details)
    event_dir = paths.event_dir(o.data_dir, o.event)
    used = used_bytes(event_dir)
    average, _ = _average_photo_bytes(o.data_dir)
    need = used + o.expected_photos * average
    free = free_bytes(target)
    details.update(free_bytes=free, need_bytes=need)
    manifest = read_manifest(target, o.event)
    when = f"; last backup {manifest.get('backed_up_at', '?')}" if manifest else "; no backup of this event there yet"
    found = f"{target}: {free / 1e9:.1f} GB free for about {need / 1e9:.1f} GB{when}"
    if free < need:
        return Check("backup", FAIL, found, "use a bigger stick or free space on it", details)
    return Check("backup", OK, found, details=details)


def station_check(ctx: "_Context") -> Check | None:
    """The station id against the codes the event already holds."""
    from .core.codes import InvalidStationId, format_code, parse_code, prefix_for

    o = ctx.options
    if not o.event:
        return None
    try:
        prefix = prefix_for(o.station_id)
    except InvalidStationId as exc:
        return Check("station", FAIL, str(exc), "set one letter in Settings → Station id")
    codes = getattr(ctx, "event_codes", None) or []
    letters = {parsed[0] for parsed in map(parse_code, codes) if parsed and parsed[0]}
    mine = [parsed[1] for parsed in map(parse_code, codes) if parsed and parsed[0] == prefix]
    upcoming = format_code(prefix, max(mine, default=0) + 1)
    others = sorted(letters - {prefix})
    details = {"station_id": o.station_id, "next_code": upcoming, "other_stations": others}
    if not o.station_id and others:
        return Check("station", WARN, f"no station id, but the event holds codes of station(s) {', '.join(others)}",
                     "when several laptops run this event, give each its own letter in Settings → Station id",
                     details)
    name = f"station {o.station_id}" if o.station_id else "one station (no id)"
    return Check("station", OK, f"{name}: the next visitor is {upcoming}", details=details)
