"""Scanning and importing folders full of good, tricky and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import imagefactory as f
from piday_desktop.core.images import load_rgb
from piday_desktop.jobs.intake import ingest
from piday_desktop.jobs.scan import ScanError, scan_folder
from piday_desktop.core.store import EventStore


def tricky_folder(root: Path) -> dict[str, str]:
    """A folder like a real user's: returns {display path: expected outcome}."""
    expect = {}
    a, b = root / "alice", root / "Bob Ünïcode"
    f.jpeg(a / "one.jpg", seed=1); expect["alice/one.jpg"] = "ok"
    f.jpeg(a / "nested" / "deeper" / "TWO.JPG", seed=2); expect["alice/nested/deeper/TWO.JPG"] = "ok"
    f.exif_rotated_jpeg(a / "portrait.jpeg", seed=3); expect["alice/portrait.jpeg"] = "ok"
    f.cmyk_jpeg(b / "cmyk.jpg", seed=4); expect["Bob Ünïcode/cmyk.jpg"] = "ok"
    f.grayscale_png(b / "gray.png", seed=5); expect["Bob Ünïcode/gray.png"] = "ok"
    f.rgba_png(b / "alpha.png", seed=6); expect["Bob Ünïcode/alpha.png"] = "ok"
    f.png16(b / "sixteen.png", seed=7); expect["Bob Ünïcode/sixteen.png"] = "ok"
    f.gif(b / "anim.gif", seed=8); expect["Bob Ünïcode/anim.gif"] = "ok"
    f.webp(b / "pic.WEBP", seed=9); expect["Bob Ünïcode/pic.WEBP"] = "ok"
    f.bmp(b / "old.bmp", seed=10); expect["Bob Ünïcode/old.bmp"] = "ok"
    f.tiff(b / "scan.tif", seed=11); expect["Bob Ünïcode/scan.tif"] = "ok"
    f.jpeg(b / "résumé photo 😀.jpg", seed=12); expect["Bob Ünïcode/résumé photo 😀.jpg"] = "ok"
    f.jpeg(root / "loose.jpg", seed=13); expect["loose.jpg"] = "ok"
    # duplicates: same bytes as alice/one.jpg
    (b / "copy-of-one.jpg").write_bytes((a / "one.jpg").read_bytes()); expect["Bob Ünïcode/copy-of-one.jpg"] = "dup"
    # bad files
    f.empty_file(a / "empty.jpg"); expect["alice/empty.jpg"] = "skip"
    f.truncated_jpeg(a / "truncated.jpg"); expect["alice/truncated.jpg"] = "skip"
    f.text_named_png(a / "notreally.png"); expect["alice/notreally.png"] = "skip"
    f.dangling_symlink(a / "gone.jpg"); expect["alice/gone.jpg"] = "skip"
    (a / "notes.txt").write_text("hello"); expect["alice/notes.txt"] = "skip"
    # hidden things are ignored silently
    f.jpeg(a / ".hidden.jpg", seed=20)
    f.jpeg(root / ".trash" / "x.jpg", seed=21)
    (a / "Thumbs.db").write_bytes(b"junk")
    return expect


def test_scan_groups_by_participant_and_skips_hidden(tmp_path):
    tricky_folder(tmp_path / "in")
    scan = scan_folder(tmp_path / "in")
    assert scan.participants == ["alice", "Bob Ünïcode", "in"]
    shown = {i.display for i in scan.items}
    assert not any(".hidden" in s or ".trash" in s or "Thumbs" in s for s in shown)
    assert ("alice/notes.txt", "not an image file (.txt)") in scan.skipped


def test_scan_of_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ScanError, match="no such folder"):
        scan_folder(tmp_path / "nope")
    (tmp_path / "file.jpg").write_bytes(b"")
    with pytest.raises(ScanError, match="not a folder"):
        scan_folder(tmp_path / "file.jpg")


def test_ingest_stores_good_reports_every_bad_and_dedupes(tmp_path):
    expect = tricky_folder(tmp_path / "in")
    with EventStore.open(tmp_path / "data", "ev") as store:
        result = ingest(store, scan_folder(tmp_path / "in"))
        ok = [k for k, v in expect.items() if v == "ok"]
        assert result.imported == len(ok)
        assert {d for d, _ in result.duplicates} == {k for k, v in expect.items() if v == "dup"}
        skipped = dict(result.skipped)
        assert set(skipped) == {k for k, v in expect.items() if v == "skip"}
        assert "empty" in skipped["alice/empty.jpg"]
        assert "truncated" in skipped["alice/truncated.jpg"]
        assert "not an image" in skipped["alice/notreally.png"]
        assert "not found" in skipped["alice/gone.jpg"]

        photos = store.photos()
        assert len(photos) == len(ok)
        labels = {p.label for p in store.participants()}
        assert labels == {"alice", "Bob Ünïcode", "in"}
        for photo in photos:  # stored files are byte-identical and named by UUID only
            path = store.photo_path(photo)
            assert path.is_file()
            assert "alice" not in str(path) and "Bob" not in str(path)
        portrait = next(p for p in photos if p.original_name == "portrait.jpeg")
        assert (portrait.width, portrait.height) == (480, 640)  # as displayed, after EXIF


def test_rerun_resumes_without_duplicating(tmp_path):
    tricky_folder(tmp_path / "in")
    with EventStore.open(tmp_path / "data", "ev") as store:
        first = ingest(store, scan_folder(tmp_path / "in"))
        second = ingest(store, scan_folder(tmp_path / "in"))
        assert second.imported == 0
        assert second.already == first.imported
        assert len(store.photos()) == first.imported
        assert len(store.participants()) == 3


def test_sixteen_bit_png_reads_as_its_8bit_values(tmp_path):
    expected = f.png16(tmp_path / "g.png")
    got = np.asarray(load_rgb(tmp_path / "g.png"))
    assert got.shape[2] == 3
    assert np.abs(got[..., 0].astype(int) - expected.astype(int)).max() <= 1


def test_exif_orientation_is_applied(tmp_path):
    upright = f.exif_rotated_jpeg(tmp_path / "r.jpg")
    got = load_rgb(tmp_path / "r.jpg")
    assert got.size == upright.size
    diff = np.abs(np.asarray(got, dtype=int) - np.asarray(upright, dtype=int)).mean()
    assert diff < 8  # JPEG noise only; a wrong rotation differs by far more


def test_alpha_is_composited_on_white(tmp_path):
    f.rgba_png(tmp_path / "a.png")
    got = np.asarray(load_rgb(tmp_path / "a.png"))
    assert (got[:, :100] == 255).all()  # the transparent band


def test_large_jpeg_decodes_at_reduced_size(tmp_path):
    f.large_jpeg(tmp_path / "big.jpg")
    img = load_rgb(tmp_path / "big.jpg", min_side=224)
    assert 224 <= min(img.size) <= 500  # 1/8 is the largest DCT scale
