"""Folders as users really hand them over: pipes, nothing in them, odd files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_SKIPPED
from piday_desktop.core.images import ImageError

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@needs_fifo
def test_a_named_pipe_in_the_folder_is_skipped_not_read(tmp_path):
    """Reading a pipe with no writer blocks forever, and Ctrl-C could not stop it."""
    folder = tmp_path / "in"
    f.jpeg(folder / "p" / "a.jpg", size=(64, 48))
    os.mkfifo(folder / "p" / "pipe.jpg")
    os.mkfifo(folder / "loose.png")
    proc = subprocess.run(
        [sys.executable, "-m", "piday_desktop", "import", str(folder), "--event", "ev", "--no-embed",
         "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_SKIPPED, proc.stderr
    assert "imported 1 photo(s)" in proc.stderr
    assert "p/pipe.jpg: not a regular file (named pipe)" in proc.stderr
    assert "loose.png: not a regular file (named pipe)" in proc.stderr


@needs_fifo
@pytest.mark.timeout(30)
def test_a_file_swapped_for_a_pipe_after_the_scan_is_refused_without_blocking(tmp_path):
    from piday_desktop.jobs.intake import read_regular_file

    pipe = tmp_path / "photo.jpg"
    os.mkfifo(pipe)
    with pytest.raises(ImageError, match="named pipe"):
        read_regular_file(pipe)


@pytest.mark.parametrize("content", ["nothing", "only-text"])
def test_a_folder_without_images_says_so_and_creates_no_event(tmp_path, capsys, content):
    folder = tmp_path / "in"
    folder.mkdir()
    if content == "only-text":
        (folder / "notes.txt").write_text("hello")
    data = tmp_path / "data"
    code = main(["import", str(folder), "--event", "ev", "--no-embed", "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == EXIT_SKIPPED
    assert "no images found" in err and "no event created" in err
    assert not (data / "events" / "ev").exists()
    if content == "only-text":
        assert "notes.txt: not an image file (.txt)" in err
