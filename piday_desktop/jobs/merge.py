"""Folding another station's event (its folder, or a backup of it) into this one: `piday merge`.

Several stations at one event each keep their own event folder (codes ``A-017``, ``B-017``).
At the end of the day (or any time) the organiser merges them into one event for the report,
the export and the shared map. What a merge promises:

- no photo twice: a photo whose bytes (SHA-256) are here already is skipped, so merging the
  same folder twice, or a backup of an event already merged, changes nothing;
- participants stay distinct: each keeps its id, consent and visit state; a code this event
  already gave someone else gets the next free code of that station (listed in the result);
- vectors come along (same photo, same model id: no re-embedding), and the map is laid out
  again for every model whose vectors arrived, since positions of two layouts do not mix;
- nothing goes to Atlas twice: the other station's upload state comes with its photos when it
  uploaded to the same dataset (``atlas/adopt.py``).

The other catalogue is read from a snapshot (SQLite's online backup API), so the other station
may still be running; its folder is never written. Each photo's file is checked against its
SHA-256 before it is taken in; a missing or damaged one is listed and left out.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atlas.adopt import AdoptResult, adopt_upload_state
from ..core import opening, paths
from ..core.store import EventStore
from .backup import snapshot_catalogue


class MergeError(Exception):
    """The other folder cannot be merged; ``str(err)`` says what to do."""


@dataclass
class MergeResult:
    participants_added: int = 0
    participants_known: int = 0
    photos_added: int = 0
    photos_known: int = 0  # the same bytes were here already
    vectors: dict[str, int] = field(default_factory=dict)  # model id -> vectors taken in
    recoded: list[tuple[str, str]] = field(default_factory=list)  # (their code, code here)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (photo id, why left out)
    atlas: AdoptResult | None = None


def find_other_event(other: Path, event: str | None) -> tuple[Path, str]:
    """The other event's folder and name from what the organiser typed.

    ``other`` may be an event folder (holding ``event.sqlite``), a data folder or a backup
    target (holding ``events/<name>/``); with several events there, ``event`` picks one (by
    default the one named like this event).
    """
    other = other.expanduser()
    if not other.is_dir():
        raise MergeError(f"{other} is not a folder: give another station's event folder, data folder or backup folder")
    if (other / opening.DB_NAME).is_file():
        return other, other.name
    names = paths.list_events(other)
    if not names:
        raise MergeError(f"{other} holds no event (no {opening.DB_NAME}, no events/ folder): give another "
                         "station's event folder, data folder or backup folder")
    if event in names:
        return paths.event_dir(other, event), event
    if len(names) == 1:
        return paths.event_dir(other, names[0]), names[0]
    raise MergeError(f"{other} holds several events ({', '.join(names)}): choose one with --from-event NAME")


def merge_event(store: EventStore, other_dir: Path, *, other_name: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> MergeResult:
    """Take everything of the event at ``other_dir`` into ``store`` (see the module docstring)."""
    other_dir = other_dir.resolve()
    if other_dir == store.directory.resolve():
        raise MergeError("that is this event's own folder: give the other station's folder")
    name = other_name or other_dir.name
    with tempfile.TemporaryDirectory(prefix="piday-merge-") as tmp:
        snap_dir = paths.event_dir(Path(tmp), name)
        snap_dir.mkdir(parents=True)
        try:
            snapshot_catalogue(other_dir / opening.DB_NAME, snap_dir / opening.DB_NAME)
        except Exception as exc:  # sqlite3.DatabaseError and friends: not a catalogue we can read
            raise MergeError(f"cannot read the other event's catalogue {other_dir / opening.DB_NAME}: {exc}") from None
        try:
            other = EventStore.open(Path(tmp), name, create=False)
        except opening.EventDatabaseUnusable as exc:
            raise MergeError(f"the other event's catalogue is not usable: {exc}") from None
        try:
            return _merge(store, other, other_dir, progress)
        finally:
            other.close()
            shutil.rmtree(snap_dir, ignore_errors=True)


def _merge(store: EventStore, other: EventStore, other_dir: Path,
           progress: Callable[[int, int], None] | None) -> MergeResult:
    result = MergeResult()
    people = {}
    for theirs in other.participants():
        mine, added = store.adopt_participant(theirs, other.finished_at(theirs.id))
        people[theirs.id] = mine
        if added:
            result.participants_added += 1
            if mine.code != theirs.code:
                result.recoded.append((theirs.code, mine.code))
        else:
            result.participants_known += 1
    photos = other.photos(include_review=True)
    fields = other.photo_fields()
    taken: list[str] = []
    for done, photo in enumerate(photos, 1):
        # A photo the other event recorded in place (import --in-place) is read from under its
        # root there and becomes this event's own copy; its fields (import --metadata) come along.
        source = (other.photo_path(photo) if photo.in_place
                  else other_dir / "photos" / photo.participant_id / f"{photo.id}.{photo.ext}")
        try:
            data = source.read_bytes()
        except OSError as exc:
            result.problems.append((photo.id, f"its file cannot be read ({exc.strerror or exc})"))
            continue
        try:
            adopted = store.adopt_photo(photo, people[photo.participant_id], data)
        except ValueError as exc:
            result.problems.append((photo.id, str(exc)))
            continue
        if adopted is None:
            result.photos_known += 1
        else:
            result.photos_added += 1
            taken.append(photo.id)
            if photo.id in fields:
                store.set_photo_fields(photo.id, fields[photo.id])
        if progress is not None:
            progress(done, len(photos))
    for model_id in other.embedded_models():
        found, matrix, _ = other.vectors(model_id, taken)
        if found:
            result.vectors[model_id] = store.put_embeddings(
                zip((p.id for p in found), matrix), model_id=model_id, device="merged")
            store.clear_layout(model_id)
    result.atlas = adopt_upload_state(store, other, taken, [p.id for p in people.values()])
    return result
