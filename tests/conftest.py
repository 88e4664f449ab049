"""Shared fixtures: every test gets its own data, cache and config dirs, never the user's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach for the network
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path_factory.mktemp("piday-home")
    for name in ("DATA", "CONFIG", "LOG"):
        monkeypatch.setenv(f"PIDAY_{name}_DIR", str(base / name.lower()))
    # The numba JIT cache is worth sharing across tests (it only holds compiled code).
    monkeypatch.setenv("PIDAY_CACHE_DIR", os.environ.get("PIDAY_TEST_CACHE_DIR", str(Path.home() / ".cache" / "piday-tests")))
    return base / "data"


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A real 3 MB filesystem (tmpfs) that really fills; skipped only where this user may not
    mount one (tests/test_disk_full.py covers a full disk with RLIMIT_FSIZE as well)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    except OSError:
        done = None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)
