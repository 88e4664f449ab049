"""`piday import DIR --in-place`: a catalogue that references an archive's files where they are (issue 16, part 1)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from piday_desktop.core.images import ImageError, VerifiedFile, load_rgb
from piday_desktop.core.store import EventStore
from piday_desktop.jobs.backup import backup_event

TINY = "piday-tiny:none"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def tree(root: Path) -> Path:
    for i in range(3):
        f.jpeg(root / "sea" / f"s{i}.jpg", size=(64, 48), seed=i)
    for i in range(2):
        f.jpeg(root / "city" / "night" / f"c{i}.jpg", size=(64, 48), seed=10 + i)
    return root


def piday(capsys, data: Path, *argv: str) -> tuple[int, str]:
    return run(capsys, *argv, "--event", "ev", "--data-dir", str(data))


def test_an_in_place_tree_is_recorded_not_copied_and_survives_a_move(tmp_path, capsys):
    archive, data = tree(tmp_path / "mnt-a" / "archive"), tmp_path / "data"
    code, text = piday(capsys, data, "import", str(archive), "--in-place", "--model", TINY)
    assert code == EXIT_OK, text
    assert "imported 5 photo(s)" in text and "embedded 5 photo(s)" in text
    event_dir = data / "events" / "ev"
    assert not [p for p in (event_dir / "photos").rglob("*") if p.is_file()]  # nothing was copied
    with EventStore.open(data, "ev") as store:
        (root,) = store.roots()
        assert root.name == "archive" and root.path == archive.resolve()
        rels = sorted(p.rel_path for p in store.photos())
        assert rels == ["city/night/c0.jpg", "city/night/c1.jpg", "sea/s0.jpg", "sea/s1.jpg", "sea/s2.jpg"]
        assert all(p.in_place for p in store.photos())
    # The tree moves (or is mounted elsewhere): check says so once, by root, and drops nothing.
    moved = tmp_path / "mnt-b" / "archive"
    moved.parent.mkdir()
    shutil.move(str(archive), str(moved))
    code, text = piday(capsys, data, "check")
    assert code == EXIT_SKIPPED
    assert "root archive is not there" in text and "5 photo(s) out of reach" in text and "piday roots set archive" in text
    code, text = piday(capsys, data, "check", "--repair", "--drop-missing")
    assert code == EXIT_SKIPPED and "row dropped" not in text
    code, text = piday(capsys, data, "roots", "set", "archive", str(tmp_path / "mnt-a" / "archive"))  # gone
    assert code == EXIT_NOT_FOUND and "no such folder" in text
    (tmp_path / "elsewhere").mkdir()
    code, text = piday(capsys, data, "roots", "set", "archive", str(tmp_path / "elsewhere"))
    assert code == EXIT_USAGE and "none of 5" in text
    code, text = run(capsys, "roots", "set", "archive", str(moved), "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_OK, text
    assert "5 of 5 files looked for are there" in text
    code, text = piday(capsys, data, "check")
    assert code == EXIT_OK and "5 of 5 photo file(s) match" in text, text
    # New files under the moved root join the same root; the photos already there are not doubled.
    f.jpeg(moved / "sea" / "s9.jpg", size=(64, 48), seed=99)
    code, text = piday(capsys, data, "import", str(moved / "sea"), "--in-place", "--model", TINY)
    assert code == EXIT_OK, text
    assert "under root archive/sea" in text and "imported 1 photo(s), 3 already" in text
    with EventStore.open(data, "ev") as store:
        assert len(store.roots()) == 1
        assert any(p.rel_path == "sea/s9.jpg" for p in store.photos())
        assert store.embedded_models() == {TINY: 6}


def test_a_file_changed_after_import_is_caught_and_never_embedded(tmp_path, capsys):
    archive, data = tree(tmp_path / "archive"), tmp_path / "data"
    assert piday(capsys, data, "import", str(archive), "--in-place", "--no-embed")[0] == EXIT_OK
    changed = archive / "sea" / "s1.jpg"
    f.jpeg(changed, size=(64, 48), seed=50)  # another picture under the same name
    touched = archive / "sea" / "s2.jpg"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # same bytes, new time
    (archive / "city" / "night" / "c0.jpg").unlink()

    code, text = piday(capsys, data, "embed", "--model", TINY)
    assert code == EXIT_SKIPPED
    assert "s1.jpg: the file changed since it was imported" in text
    assert "c0.jpg: file not found where it was recorded in place" in text
    with EventStore.open(data, "ev") as store:
        embedded = {r[0] for r in store.query("SELECT p.rel_path FROM photos p JOIN embeddings e ON e.photo_id=p.id")}
    assert embedded == {"sea/s0.jpg", "sea/s2.jpg", "city/night/c1.jpg"}

    code, text = piday(capsys, data, "check")
    assert code == EXIT_SKIPPED
    assert "changed since import: P-002 photo 2" in text and "at archive/sea/s1.jpg" in text
    assert "missing in place: P-001 photo 1" in text and "1 in-place file(s) touched" in text
    code, text = piday(capsys, data, "check", "--quick")  # size and time only: still catches both
    assert code == EXIT_SKIPPED and "changed since import" in text and "missing in place" in text

    # A re-import sees the changed file at a recorded path and says so instead of storing it.
    code, text = piday(capsys, data, "import", str(archive), "--in-place", "--no-embed")
    assert code == EXIT_SKIPPED and "sea/s1.jpg: this file is recorded as P-002 photo 2 with other bytes" in text

    # Repair never writes into the archive: the original bytes from a backup become the event's copy.
    backup = tmp_path / "originals"
    tree(backup)
    code, text = piday(capsys, data, "check", "--repair", "--from", str(backup))
    assert code == EXIT_OK, text
    with EventStore.open(data, "ev") as store:
        photo = next(p for p in store.photos() if p.original_name == "s1.jpg")
        assert not photo.in_place and store.photo_path(photo).is_relative_to(data)
        assert next(p for p in store.photos() if p.original_name == "s2.jpg").mtime_ns == touched.stat().st_mtime_ns
    assert (archive / "sea" / "s1.jpg").read_bytes() != (backup / "sea" / "s1.jpg").read_bytes()


def test_verified_file_reads_only_the_recorded_bytes(tmp_path):
    import hashlib

    path = tmp_path / "a.jpg"
    f.jpeg(path, size=(32, 32), seed=1)
    data = path.read_bytes()
    good = VerifiedFile(path, hashlib.sha256(data).hexdigest(), len(data))
    assert load_rgb(good).size == (32, 32)
    with pytest.raises(ImageError, match="changed since it was imported"):
        load_rgb(VerifiedFile(path, "0" * 64, len(data)))
    with pytest.raises(ImageError, match="changed since it was imported"):
        load_rgb(VerifiedFile(path, good.sha256, len(data) - 1))


def test_dedupe_moves_forget_and_backup_with_files_in_place(tmp_path, capsys):
    archive, data = tree(tmp_path / "archive"), tmp_path / "data"
    copies = tmp_path / "copies"
    (copies / "p").mkdir(parents=True)
    shutil.copy(archive / "sea" / "s0.jpg", copies / "p" / "s0.jpg")
    assert piday(capsys, data, "import", str(copies), "--no-embed")[0] == EXIT_OK  # copied, the default
    code, text = piday(capsys, data, "import", str(archive), "--in-place", "--no-embed")
    assert code == EXIT_OK and "imported 4 photo(s)" in text and "1 duplicate(s)" in text  # sha256 still dedupes
    code, text = piday(capsys, data, "import", str(archive), "--in-place", "--no-embed")
    assert "imported 0 photo(s)" in text and "4 already" in text
    # A file moved inside the tree is found at its new place on the next import.
    (archive / "sea" / "s1.jpg").rename(archive / "s1-moved.jpg")
    code, text = piday(capsys, data, "import", str(archive), "--in-place", "--no-embed")
    assert "s1-moved.jpg: found P-003 photo 1 at its new place" in text, text  # P-003: the sea folder
    with EventStore.open(data, "ev") as store:
        assert {p.rel_path for p in store.photos() if p.in_place} >= {"s1-moved.jpg"}
        result = backup_event(store.directory, _stick(tmp_path))
        assert result.complete and result.photos == 1  # only the event's own copy; in-place files stay put
    # forget --where removes rows, never the archive's files.
    code, text = piday(capsys, data, "forget", "--where", "name ~ s", "--yes", "--local-only")
    assert code == EXIT_OK and "file(s) referenced in place were left where they are" in text
    assert (archive / "s1-moved.jpg").exists() and (archive / "sea" / "s2.jpg").exists()
    with EventStore.open(data, "ev") as store:
        assert {p.original_name for p in store.photos()} == {"c0.jpg", "c1.jpg"}


def _stick(tmp_path: Path) -> Path:
    stick = tmp_path / "stick"
    stick.mkdir()
    return stick


def test_root_names_clash_with_a_clear_message(tmp_path, capsys):
    data = tmp_path / "data"
    first, second = tree(tmp_path / "a" / "archive"), tree(tmp_path / "b" / "archive")
    assert piday(capsys, data, "import", str(first), "--in-place", "--no-embed")[0] == EXIT_OK
    code, text = piday(capsys, data, "import", str(second), "--in-place", "--no-embed")
    assert code == EXIT_USAGE and "root 'archive' is registered at" in text and "--root NAME" in text
    shutil.rmtree(first)
    code, text = piday(capsys, data, "import", str(second), "--in-place", "--no-embed")
    assert code == EXIT_USAGE and "piday roots set archive" in text
    code, text = piday(capsys, data, "import", str(second), "--in-place", "--no-embed", "--root", "bad name")
    assert code == EXIT_USAGE and "--root 'bad name'" in text
    code, text = piday(capsys, data, "roots")
    assert code == EXIT_OK and "archive" in text and "roots set" in text  # not there: says what to do


def test_merging_an_archive_event_copies_its_in_place_photos_with_their_fields(tmp_path, capsys):
    archive, other = tree(tmp_path / "archive"), tmp_path / "other"
    meta = tmp_path / "meta.jsonl"
    meta.write_text('{"path": "sea/s0.jpg", "theme": "sea", "tags": ["boat"]}\n')
    code, text = run(capsys, "import", str(archive), "--event", "ev", "--data-dir", str(other), "--in-place",
                     "--no-embed", "--metadata", str(meta))
    assert code == EXIT_OK, text
    data = tmp_path / "data"
    f.jpeg(tmp_path / "here" / "p" / "x.jpg", size=(64, 48), seed=77)
    assert piday(capsys, data, "import", str(tmp_path / "here"), "--no-embed")[0] == EXIT_OK
    code, text = piday(capsys, data, "merge", str(other))
    assert code == EXIT_OK, text
    with EventStore.open(data, "ev") as store:
        photos = store.photos()
        assert len(photos) == 6 and not any(p.in_place for p in photos)  # the merged event holds copies
        s0 = next(p for p in photos if p.original_name == "s0.jpg")
        assert store.photo_fields([s0.id]) == {s0.id: {"theme": "sea", "tags": ["boat"]}}
        assert store.photo_path(s0).read_bytes() == (archive / "sea" / "s0.jpg").read_bytes()
