"""A full disk in every job: exit 6 (or the station's failsafe), nothing lost, the next run completes.

Two ways to fill a disk without filling the machine's: ``RLIMIT_FSIZE`` in a subprocess (works
unprivileged: a write past the limit fails with EFBIG, as a full disk fails with ENOSPC) and,
where this user may mount, a small tmpfs that really fills.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import imagefactory as f
from piday_desktop.cli.common import EXIT_OK, EXIT_STORAGE
from piday_desktop.core.store import EventStore
from piday_desktop.jobs.intake import ingest
from piday_desktop.jobs.scan import scan_folder

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
TINY = "piday-tiny:none"


def piday(*args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    """`piday ARGS` in a subprocess whose files cannot grow past ``limit`` bytes."""
    def limit_file_size() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, like ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "piday_desktop", *args], capture_output=True, text=True,
                          timeout=240, preexec_fn=limit_file_size if limit is not None else None)


def event_with_photos(data: Path, folder: Path, n: int = 3) -> None:
    for i in range(n):
        f.jpeg(folder / "p" / f"a{i}.jpg", seed=i, size=(64, 48))
    with EventStore.open(data, "ev") as store:
        ingest(store, scan_folder(folder))


def test_a_disk_full_at_the_first_run_log_write_exits_6_not_abort(tmp_path):
    """The run log's first row is the embed's first write; a refusal there used to escape the
    block that closes the engine, and the process aborted (exit 134)."""
    data = tmp_path / "data"
    event_with_photos(data, tmp_path / "in")
    db = data / "events" / "ev" / "event.sqlite"
    # A reader holding a snapshot keeps the WAL from being restarted, so the next write must
    # append to it: a limit just past its current end refuses exactly that first write.
    reader = sqlite3.connect(db)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM photos").fetchone()
    wal = db.with_name("event.sqlite-wal").stat().st_size
    try:
        proc = piday("embed", "--event", "ev", "--model", TINY, "--data-dir", str(data), limit=wal + 16)
    finally:
        reader.close()
    assert proc.returncode == EXIT_STORAGE, proc.stderr
    assert "every photo stored before this is intact" in proc.stderr
    assert "Traceback" not in proc.stderr and "terminate" not in proc.stderr
    proc = piday("embed", "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert proc.returncode == EXIT_OK and "embedded 3 photo(s)" in proc.stderr, proc.stderr


def test_a_disk_full_import_counts_what_it_stored_and_the_next_run_completes(tmp_path):
    from PIL import Image
    import numpy as np

    data, folder = tmp_path / "data", tmp_path / "in"
    for i in range(3):
        f.jpeg(folder / "p" / f"a{i}.jpg", seed=i, size=(64, 48))
    noise = np.random.default_rng(0).integers(0, 256, (1600, 1600, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "p" / "z-big.png")  # ~7.7 MB: more than the limit allows
    args = ("import", str(folder), "--event", "ev", "--no-embed", "--data-dir", str(data))
    proc = piday(*args, limit=6 * 1024 * 1024)
    assert proc.returncode == EXIT_STORAGE, proc.stderr
    assert "imported 3 photo(s)" in proc.stderr  # not "imported 0"
    conn = sqlite3.connect(data / "events" / "ev" / "event.sqlite")
    assert conn.execute("SELECT status, imported FROM runs").fetchall() == [("failed", 3)]
    conn.close()
    proc = piday(*args)  # space is back
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "imported 1 photo(s), 3 already in the event" in proc.stderr


def test_a_disk_full_export_exits_6_leaves_no_half_file_and_the_next_export_completes(tmp_path):
    data = tmp_path / "data"
    event_with_photos(data, tmp_path / "in", n=3)
    out = tmp_path / "x.csv"
    reader = sqlite3.connect(data / "events" / "ev" / "event.sqlite")  # keeps its shared-memory file
    reader.execute("SELECT COUNT(*) FROM photos").fetchone()
    try:
        proc = piday("export", "--event", "ev", "--out", str(out), "--data-dir", str(data), limit=200)
    finally:
        reader.close()
    assert proc.returncode == EXIT_STORAGE, proc.stderr
    assert "disk full" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
    proc = piday("export", "--event", "ev", "--out", str(out), "--data-dir", str(data))
    assert proc.returncode == EXIT_OK and len(out.read_text().splitlines()) == 4, proc.stderr


def grow(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)


def test_import_on_a_really_full_disk_exits_6_and_completes_once_space_is_back(tmp_path, small_disk):
    from PIL import Image
    import numpy as np

    folder, data = tmp_path / "in", small_disk / "data"
    for i in range(3):
        f.jpeg(folder / "p" / f"a{i}.jpg", seed=i, size=(64, 48))
    noise = np.random.default_rng(0).integers(0, 256, (1200, 1200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "p" / "z-big.png")  # ~4.3 MB: more than the disk holds
    args = ("import", str(folder), "--event", "ev", "--no-embed", "--data-dir", str(data))
    proc = piday(*args)
    assert proc.returncode == EXIT_STORAGE and "disk full" in proc.stderr, proc.stderr
    assert "imported 3 photo(s)" in proc.stderr
    grow(small_disk)
    proc = piday(*args)
    assert proc.returncode == EXIT_OK and "imported 1 photo(s), 3 already in the event" in proc.stderr, proc.stderr
    assert not list(data.rglob("*.part"))


def test_the_station_on_a_full_disk_goes_to_failsafe_keeps_photos_and_shoots_again_after(small_disk):
    import numpy as np

    from piday_desktop.core.store import Consent
    from piday_desktop.station.controller import StationController
    from piday_desktop.station.visitor_flow import FlowSettings, Key, Stage, VisitorFlow

    rng = np.random.default_rng(0)
    with EventStore.open(small_disk / "data", "ev") as store:
        flow = VisitorFlow(FlowSettings(countdown_s=0, debounce_s=0))
        controller = StationController(store, flow, grab_frame=lambda: rng.integers(0, 256, (240, 320, 3),
                                                                                  dtype=np.uint8))
        flow.start()
        flow.give_consent(Consent())
        controller.wait_idle()
        flow.shoot(); flow.tick(); controller.wait_idle(); flow.keep(); controller.wait_idle()
        filler = small_disk / "filler"
        with open(filler, "wb") as fh:  # everything that is left
            try:
                while True:
                    fh.write(bytes(64 * 1024))
                    fh.flush()
            except OSError:
                pass
        flow.shoot(); flow.tick(); controller.wait_idle()
        assert flow.stage is Stage.FAILSAFE and "disk is full" in flow.failure.what
        assert len(store.photos(include_review=True)) == 1
        filler.unlink()  # the volunteer frees space and presses Enter
        flow.press(Key.ACCEPT)
        assert flow.stage is Stage.IDLE
        flow.start()
        flow.give_consent(Consent())
        controller.wait_idle()
        flow.shoot(); flow.tick(); controller.wait_idle(); flow.keep(); controller.wait_idle()
        assert len(store.photos()) == 2
        controller.close()
