"""A checkpoint's model id (its SHA-256) is hashed once per file version, across processes.

The proof that a later process reads no byte of the checkpoint: the file is rewritten in place
with other bytes of the same size and its mtime set back; a process that hashed it would
report the new content's digest, one that trusted the cache reports the old one. Touching the
file (a new mtime) makes the next process hash it again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from piday_desktop.core.digest import sha256_file
from piday_desktop.embedding.model_digest import CACHE_NAME, DigestCache

FIXTURE = Path(__file__).parent / "fixtures" / "piday-shapes.pt"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    path = tmp_path / "weights" / "shapes.pt"
    path.parent.mkdir()
    shutil.copyfile(FIXTURE, path)
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("PIDAY_CACHE_DIR", str(d))
    return d


def digest_in_fresh_process(path: Path) -> str:
    """The model id digest as a new ``piday`` process computes it."""
    code = ("import sys; from piday_desktop.embedding.model_digest import checkpoint_digest; "
            "print(checkpoint_digest(sys.argv[1]))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    return out.stdout.strip()


def rewrite_keeping_size_and_mtime(path: Path) -> str:
    """Other bytes of the same length, written in place, mtime set back; returns their digest."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with open(path, "r+b") as fh:  # in place: same inode
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    return sha256_file(path)


def test_second_process_reads_no_byte_and_a_touched_file_is_hashed_again(checkpoint, cache_dir):
    original = sha256_file(checkpoint)
    assert digest_in_fresh_process(checkpoint) == original
    assert (cache_dir / CACHE_NAME).is_file()

    changed = rewrite_keeping_size_and_mtime(checkpoint)
    assert changed != original
    # A new process with the same (path, size, mtime, inode) trusts the cache: it never read the file.
    assert digest_in_fresh_process(checkpoint) == original

    st = checkpoint.stat()
    os.utime(checkpoint, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched
    assert digest_in_fresh_process(checkpoint) == changed
    assert digest_in_fresh_process(checkpoint) == changed  # and that is remembered in turn


def test_another_size_is_hashed_again(checkpoint, cache_dir):
    cache = DigestCache(cache_dir / CACHE_NAME)
    first = cache.digest(checkpoint)
    st = checkpoint.stat()
    with open(checkpoint, "ab") as fh:
        fh.write(b"\0")
    os.utime(checkpoint, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, other size
    assert DigestCache(cache_dir / CACHE_NAME).digest(checkpoint) == sha256_file(checkpoint) != first


def test_the_id_does_not_follow_the_path_of_another_file(checkpoint, cache_dir, tmp_path):
    cache = DigestCache(cache_dir / CACHE_NAME)
    other = tmp_path / "other.pt"
    other.write_bytes(b"other weights")
    assert cache.digest(checkpoint) == sha256_file(checkpoint)
    assert cache.digest(other) == sha256_file(other)
    # Replaced by a rename (what a download or `piday models import` does): a new inode.
    shutil.copyfile(other, tmp_path / "staged.pt")
    st = checkpoint.stat()
    os.replace(tmp_path / "staged.pt", checkpoint)
    os.utime(checkpoint, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert DigestCache(cache_dir / CACHE_NAME).digest(checkpoint) == sha256_file(other)


@pytest.mark.parametrize("damage", [b"", b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]",
                                    b'{"version": 1, "files": {"X": {"size": "big"}}}',
                                    b'{"version": 99, "files": {}}'])
def test_a_damaged_cache_file_is_ignored_and_rewritten(checkpoint, cache_dir, damage):
    file = cache_dir / CACHE_NAME
    file.parent.mkdir(parents=True)
    file.write_bytes(damage)
    assert DigestCache(file).digest(checkpoint) == sha256_file(checkpoint)
    data = json.loads(file.read_text(encoding="utf-8"))
    entry = data["files"][str(checkpoint.resolve())]
    assert entry["sha256"] == sha256_file(checkpoint) and entry["size"] == checkpoint.stat().st_size


def test_a_forged_entry_for_an_unchanged_file_is_what_makes_the_cache_fast(checkpoint, cache_dir):
    """The cache is what answers: a planted digest for the exact (path, size, mtime, inode) is returned."""
    file = cache_dir / CACHE_NAME
    st = checkpoint.stat()
    planted = "ab" * 32
    file.parent.mkdir(parents=True)
    file.write_text(json.dumps({"version": 1, "files": {str(checkpoint.resolve()): {
        "size": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino, "sha256": planted}}}))
    assert DigestCache(file).digest(checkpoint) == planted


def test_an_unwritable_cache_still_gives_the_digest(checkpoint, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir should be")
    assert DigestCache(blocker / CACHE_NAME).digest(checkpoint) == sha256_file(checkpoint)


def test_model_id_of_a_checkpoint_uses_the_cache(checkpoint, cache_dir):
    from piday_desktop.embedding.models import ModelSpec

    original = sha256_file(checkpoint)
    spec = ModelSpec.parse(f"piday-tiny:{checkpoint}")
    assert spec.model_id == f"piday-tiny:file:{original[:16]}"
    rewrite_keeping_size_and_mtime(checkpoint)
    assert ModelSpec.parse(f"piday-tiny:{checkpoint}").model_id == f"piday-tiny:file:{original[:16]}"
    st = checkpoint.stat()
    os.utime(checkpoint, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert ModelSpec.parse(f"piday-tiny:{checkpoint}").model_id == f"piday-tiny:file:{sha256_file(checkpoint)[:16]}"
