"""Erasure and consent changes, and what they mean for the public map.

nomic 3.9.0 cannot delete single rows (``delete_data`` raises locally), so taking a visitor off
the map means rebuilding the dataset without them: delete it, create it again under the same
name (the map link and every QR code already shown stay valid), upload everyone else again.
The rebuild is queued in the database (``state.schedule_rebuild``) in the same transaction as
the local deletion, so a crash or a dead network at any point only delays it: the uploader
resumes it. If nothing of the visitor ever left the laptop, no rebuild is needed.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.consent import Audience, Consent, Visibility, shown
from ..core.souvenir_files import forget_cards
from ..core.store import EventStore, Photo
from . import outbox, state
from .outbox import MAY_HAVE_LEFT_SQL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForgetResult:
    code: str
    photos: int
    rebuild: bool  # something may have reached Atlas: the dataset is rebuilt without them


def _may_have_left(store: EventStore, participant_id: str, blobs_only: bool = False) -> int:
    condition = "o.blob_hash IS NOT NULL" if blobs_only else MAY_HAVE_LEFT_SQL
    return store.scalar(
        f"SELECT COUNT(*) FROM atlas_outbox o JOIN photos p ON p.id=o.photo_id "
        f"WHERE p.participant_id=? AND {condition}", (participant_id,))


def forget_participant(store: EventStore, code: str) -> ForgetResult:
    """Delete a visitor's photos, vectors, outbox rows and participant row, and their photo folder.

    Deleted rows are overwritten on disk (``secure_delete``) and the WAL is checkpointed, so the
    data does not linger in free pages of the database file.
    """
    participant = store.participant(code)
    photo_count = len(store.photos(participant.code, include_review=True))
    store.enable_secure_delete()
    with store.transaction() as conn:
        left = conn.execute(
            f"SELECT COUNT(*) FROM atlas_outbox o JOIN photos p ON p.id=o.photo_id "
            f"WHERE p.participant_id=? AND {MAY_HAVE_LEFT_SQL}", (participant.id,)).fetchone()[0]
        conn.execute("DELETE FROM photos WHERE participant_id=?", (participant.id,))  # cascades
        conn.execute("DELETE FROM participants WHERE id=?", (participant.id,))
        if participant.label:  # an import folder's name is personal too
            pattern = participant.label.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
            conn.execute("DELETE FROM run_failures WHERE item LIKE ? ESCAPE '\\'", (pattern,))
        if left:
            state.schedule_rebuild(conn, f"{participant.code} asked to be forgotten")
    store.checkpoint()
    folder = store.photos_dir / participant.id
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        log.warning("could not remove every file of %s under %s", participant.code, folder)
    forget_cards(store.directory, participant.code)  # their souvenir card, and cards showing their photo
    return ForgetResult(participant.code, photo_count, bool(left))


@dataclass(frozen=True)
class ForgetPhotosResult:
    photos: int
    rebuild: bool  # something may have reached Atlas: the dataset is rebuilt without them
    kept_files: int  # photos referenced in place (import --in-place): their files are the archive's, left alone


def forget_photos(store: EventStore, photos: Sequence[Photo], reason: str) -> ForgetPhotosResult:
    """Delete these photos, their vectors, fields and outbox rows (``piday forget --where``).

    The same path as :func:`forget_participant`, photo by photo: one transaction, rows overwritten
    on disk (``secure_delete``), the WAL checkpointed, a rebuild scheduled when any of them may
    be on Atlas (the outbox trigger counts them too), then the event's own copies of the files
    removed. A photo recorded in place keeps its file: it belongs to the archive, not the event.
    Participants stay, with whatever photos they have left.
    """
    ids = [p.id for p in photos]
    if not ids:
        return ForgetPhotosResult(0, False, 0)
    files = [store.photo_path(p) for p in photos if not p.in_place]
    store.enable_secure_delete()
    left = 0
    with store.transaction() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            left += conn.execute(f"SELECT COUNT(*) FROM atlas_outbox o WHERE o.photo_id IN ({marks}) "
                                 f"AND {MAY_HAVE_LEFT_SQL}", chunk).fetchone()[0]
            conn.execute(f"DELETE FROM photos WHERE id IN ({marks})", chunk)  # cascades
        if left:
            state.schedule_rebuild(conn, reason)
    store.checkpoint()
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)
    for code in sorted({p.participant_code for p in photos}):  # saved souvenir cards may show them
        forget_cards(store.directory, code)
    return ForgetPhotosResult(len(ids), bool(left), len(ids) - len(files))


@dataclass(frozen=True)
class ConsentChange:
    code: str
    before: Consent
    after: Consent
    rebuild: bool
    note: str | None = None


def change_consent(store: EventStore, code: str, consent: Consent, share_nickname: bool | None = None) -> ConsentChange:
    """Record a new consent (and nickname agreement); withdraw what it no longer allows.

    Narrowing after an upload (map -> none, photo -> map, nickname taken back) rebuilds the
    dataset without what was withdrawn. Widening map -> map+photo after an upload cannot add a
    thumbnail to a row already on Atlas; the note says so (``piday upload --rebuild`` applies it).
    """
    before = store.participant(code)
    store.set_consent(before.code, consent)
    rebuild = False
    if share_nickname is not None:
        with store.transaction() as conn:
            had = conn.execute("SELECT 1 FROM atlas_nickname_ok WHERE participant_id=?", (before.id,)).fetchone()
            if share_nickname:
                conn.execute("INSERT OR IGNORE INTO atlas_nickname_ok(participant_id) VALUES (?)", (before.id,))
            else:
                conn.execute("DELETE FROM atlas_nickname_ok WHERE participant_id=?", (before.id,))
            shared = conn.execute("SELECT value FROM atlas_state WHERE key='share_nicknames'").fetchone()
            left = conn.execute(
                f"SELECT COUNT(*) FROM atlas_outbox o JOIN photos p ON p.id=o.photo_id "
                f"WHERE p.participant_id=? AND {MAY_HAVE_LEFT_SQL}", (before.id,)).fetchone()[0]
            if had and not share_nickname and shared and shared[0] == "1" and left and before.nickname:
                rebuild = state.schedule_rebuild(conn, f"{before.code} took back their nickname") or True
    swept = outbox.sweep(store)
    note = None
    after = store.participant(before.id)
    widened = (shown(after, "kept", Audience.PUBLIC) is Visibility.PICTURE
               and shown(before, "kept", Audience.PUBLIC) is not Visibility.PICTURE)
    if shown(after, "kept", Audience.PUBLIC) is not Visibility.PICTURE:
        forget_cards(store.directory, before.code, own=False)  # other visitors' cards showing their photo
    if widened and _may_have_left(store, before.id):
        note = (f"{before.code}'s photos are already on the map without a thumbnail; "
                "`piday upload --rebuild` adds them")
    return ConsentChange(before.code, before.consent, consent, rebuild or swept.rebuild, note)


def request_rebuild(store: EventStore, reason: str) -> bool:
    """Rebuild the dataset from scratch (e.g. to apply widened consents); False if nothing is on Atlas."""
    return state.rebuild(store, reason)
