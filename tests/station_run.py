"""`piday` (the station) started as from a terminal, in a process of its own, for the tests that
need the real program: Ctrl-C, a hard crash, a second start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from piday_desktop.embedding.models import TINY_ARCH

TINY = f"{TINY_ARCH}:none"
REPO = Path(__file__).resolve().parents[1]


def station_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a `piday` whose data, config and log folders are under tmp_path, its
    config (written once) naming event "ev", the test pattern and the tiny model."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "PIDAY_STARTUP_PROBE": "1",
           "HF_HUB_OFFLINE": "1"}
    for name in ("DATA", "CONFIG", "LOG"):
        env[f"PIDAY_{name}_DIR"] = str(tmp_path / name.lower())
    config = tmp_path / "config" / "config.toml"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f'event = "ev"\ncamera = "pattern"\nmodel = "{TINY}"\n', encoding="utf-8")
    return env


def station_on_screen(tmp_path: Path) -> tuple[subprocess.Popen, object]:
    """`piday` started as from a terminal (its own folders under tmp_path), once its window has
    painted; with the file its stderr goes to (a file: a full pipe would block the station)."""
    env = station_env(tmp_path)
    err_file = open(tmp_path / "stderr.txt", "w")
    proc = subprocess.Popen([sys.executable, "-m", "piday_desktop"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=err_file, text=True)
    for line in proc.stdout:  # the window's first paint
        if line.startswith("PIDAY_WINDOW_SHOWN"):
            break
    return proc, err_file


def what_it_left(tmp_path: Path) -> str:
    crash = tmp_path / "log" / "crash.log"
    return ((tmp_path / "stderr.txt").read_text()[-2000:]
            + ("\n-- crash.log:\n" + crash.read_text()[-3000:] if crash.exists() else ""))
