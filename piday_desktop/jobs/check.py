"""`piday check`: is every photo of an event really there, byte for byte, and every vector sane?

Why a separate check: a photo file deleted or damaged behind its row used to stay broken
forever (a re-import said "already in the event", embed said "file not found" every run).
The check reads every file against its SHA-256, rows against files, vectors against their
model, and the database against itself. ``repair`` then puts back what it can from the same
bytes (the event's own ``orphans/`` folder, or any folder given: a backup, the original import
folder), re-queues bad vectors for ``piday embed``, cleans temp files, and drops rows that
cannot be restored only when asked to.

Photos recorded in place (``import --in-place``) are checked where they are: a file gone is
missing, one whose size or SHA-256 differs from the record has changed (damaged), one only
touched (new mtime, same bytes) is fine and ``repair`` records its new time. A root whose
folder is not there at all (an unmounted share, a moved tree) is reported once, with
``piday roots set``, and its photos are never dropped by ``--drop-missing``. ``repair`` never
writes into the archive's tree: bytes found in a ``--from`` folder become the event's own copy.
``quick`` trusts an in-place file whose size and mtime are as recorded (and a copy of the right
size) instead of reading it: for a first look at a large archive on shared storage.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.digest import sha256_file
from ..core.store import EventStore, Photo

ProgressFn = Callable[[int, int], None]


@dataclass
class CheckReport:
    photos: int = 0
    missing: list[Photo] = field(default_factory=list)  # row, no file
    damaged: list[Photo] = field(default_factory=list)  # file whose bytes are not the row's SHA-256
    bad_vectors: list[tuple[str, str, str]] = field(default_factory=list)  # (photo id, model, why)
    temp_files: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)  # photo files without a row, in photos/
    kept_orphans: int = 0  # files already moved aside to orphans/
    database: list[str] = field(default_factory=list)  # PRAGMA integrity_check, empty when ok
    offline_roots: dict[str, tuple[Path, int]] = field(default_factory=dict)  # root name -> (path, photos)
    offline: list[Photo] = field(default_factory=list)  # under a root that is not there: never dropped
    touched: list[Photo] = field(default_factory=list)  # in place, new mtime, same bytes
    read: int = 0  # files whose SHA-256 was read (quick skips those whose size and time are as recorded)
    restored: list[Photo] = field(default_factory=list)
    dropped: list[Photo] = field(default_factory=list)
    vectors_dropped: int = 0
    busy: bool = False  # another piday has the event open: temp files were left alone

    @property
    def unresolved(self) -> list[Photo]:
        done = {p.id for p in self.restored} | {p.id for p in self.dropped}
        return [p for p in self.missing + self.damaged if p.id not in done]

    @property
    def ok(self) -> bool:
        remaining_vectors = len(self.bad_vectors) - self.vectors_dropped
        return not (self.unresolved or remaining_vectors or self.database or self.temp_files or self.orphans
                    or self.offline)


def _vector_problem(dim: int, blob: bytes, expected_dim: int) -> str | None:
    if len(blob) != dim * 4:
        return f"vector has {len(blob)} bytes for {dim} dimensions"
    if dim != expected_dim:
        return f"{dim} dimensions where this model's other vectors have {expected_dim}"
    vec = np.frombuffer(blob, dtype="<f4")
    if not np.all(np.isfinite(vec)):
        return "vector holds NaN or infinity"
    norm = float(np.linalg.norm(vec))
    if abs(norm - 1.0) > 1e-2:
        return f"vector is not unit length (norm {norm:.3f})"
    return None


def _find_by_content(wanted: dict[str, list[Photo]], sources: Iterable[Path]) -> dict[str, Path]:
    """Files under ``sources`` whose SHA-256 is wanted; only files of a wanted size are hashed."""
    sizes = {p.size_bytes for photos in wanted.values() for p in photos}
    found: dict[str, Path] = {}
    for source in sources:
        for dirpath, _, names in os.walk(source):
            for name in names:
                path = Path(dirpath) / name
                try:
                    if not path.is_file() or path.stat().st_size not in sizes:
                        continue
                    digest = sha256_file(path)
                except OSError:
                    continue
                if digest in wanted and digest not in found:
                    found[digest] = path
    return found


def _check_file(store: EventStore, photo: Photo, report: CheckReport, quick: bool) -> None:
    path = store.photo_path(photo)
    try:
        st = path.stat()
        if st.st_size != photo.size_bytes and photo.in_place:
            report.damaged.append(photo)  # an in-place file of another size: changed, no need to read it
            return
        if quick and st.st_size == photo.size_bytes and (not photo.in_place or st.st_mtime_ns == photo.mtime_ns):
            return
        report.read += 1
        if sha256_file(path) != photo.sha256:
            report.damaged.append(photo)
        elif photo.in_place and st.st_mtime_ns != photo.mtime_ns:
            report.touched.append(photo)
    except FileNotFoundError:
        report.missing.append(photo)
    except OSError:
        report.damaged.append(photo)


def check_event(
    store: EventStore, *, repair: bool = False, sources: Iterable[Path] = (), drop_unrestorable: bool = False,
    progress: ProgressFn | None = None, quick: bool = False,
) -> CheckReport:
    """Verify the event; with ``repair``, fix what can be fixed without losing anything."""
    report = CheckReport(database=store.integrity_problems())
    photos = store.photos(include_review=True)
    report.photos = len(photos)
    roots = {r.id: r for r in store.roots()}
    offline = {rid for rid, root in roots.items() if not root.path.is_dir()}
    for done, photo in enumerate(photos, start=1):
        if photo.root_id in offline:
            report.offline.append(photo)
            root = roots[photo.root_id]
            path, count = report.offline_roots.get(root.name, (root.path, 0))
            report.offline_roots[root.name] = (path, count + 1)
        else:
            _check_file(store, photo, report, quick)
        if progress:
            progress(done, len(photos))
    by_model: dict[str, list[tuple[str, int, bytes]]] = defaultdict(list)
    for photo_id, model_id, dim, blob in store.embedding_blobs():
        by_model[model_id].append((photo_id, dim, blob))
    for model_id, rows in by_model.items():
        dims = [dim for _, dim, _ in rows]
        expected = max(set(dims), key=dims.count)
        for photo_id, dim, blob in rows:
            why = _vector_problem(dim, blob, expected)
            if why:
                report.bad_vectors.append((photo_id, model_id, why))
    leftovers = store.find_leftovers()
    report.temp_files, report.orphans = leftovers.temp_files, leftovers.orphans
    orphans_dir = store.directory / "orphans"
    report.kept_orphans = sum(1 for p in orphans_dir.rglob("*") if p.is_file()) if orphans_dir.is_dir() else 0
    if repair:
        _repair(store, report, list(sources), drop_unrestorable)
    return report


def _repair(store: EventStore, report: CheckReport, sources: list[Path], drop_unrestorable: bool) -> None:
    # Bytes found for an in-place photo become the event's own copy (restore_photo_file): the
    # archive's tree is never written to.
    cleaned = store.clean_leftovers()
    if cleaned is None:
        report.busy = True
    else:
        report.temp_files, report.orphans = [], []
        report.kept_orphans += len(cleaned.orphans)
    broken = report.missing + report.damaged
    if broken:
        wanted: dict[str, list[Photo]] = defaultdict(list)
        for photo in broken:
            wanted[photo.sha256].append(photo)
        found = _find_by_content(wanted, [store.directory / "orphans", *sources])
        for digest, path in found.items():
            for photo in wanted[digest]:
                store.restore_photo_file(photo, path)
                report.restored.append(photo)
        if drop_unrestorable:  # never the photos of an offline root: they are only out of reach
            for photo in report.unresolved:
                store.delete_photo(photo.id)
                report.dropped.append(photo)
    for photo in report.touched:
        store.set_photo_mtime(photo.id, store.photo_path(photo).stat().st_mtime_ns)
    if report.bad_vectors:
        # Dropped vectors are simply missing again: `piday embed` makes them anew.
        store.delete_embeddings([(photo_id, model_id) for photo_id, model_id, _ in report.bad_vectors])
        report.vectors_dropped = len(report.bad_vectors)
