"""Opening an event: several processes at once, damaged databases, leftovers of a crash, dead runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_DAMAGED, EXIT_OK
from piday_desktop.core import schema
from piday_desktop.core.store import Consent, EventStore

TESTS = str(Path(__file__).parent)

OPENER = r"""
import sys
from pathlib import Path
from piday_desktop.core.store import EventStore
sys.stdin.readline()                       # everyone starts together
store = EventStore.open(Path(sys.argv[1]), "new")
print(store.create_participant(source="import", label=sys.argv[2]).code)
store.close()
"""


def test_processes_opening_a_new_event_at_the_same_moment_all_succeed(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(tmp_path), f"folder{i}"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    for p in procs:  # all are waiting on their stdin by now or soon: the release is one write each
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]
    assert sorted(out.strip() for out, _ in results) == ["P-001", "P-002", "P-003", "P-004"]
    with EventStore.open(tmp_path, "new") as store:
        assert sorted(p.label for p in store.participants()) == [f"folder{i}" for i in range(4)]


def _event_with_rows(root: Path) -> Path:
    with EventStore.open(root, "ev") as store:
        for i in range(60):
            store.create_participant(nickname="x" * 200, label=f"label {i}" * 20)
        return store.directory / "event.sqlite"


def _damage(db: Path, how: str) -> None:
    if how == "empty":
        db.write_bytes(b"")
    elif how == "garbage":
        db.write_bytes(os.urandom(8192))
    elif how == "truncated":
        with open(db, "r+b") as fh:
            fh.truncate(db.stat().st_size // 3)
    elif how == "too-new":
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
        conn.close()


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "too-new"])
def test_a_damaged_or_too_new_database_is_refused_with_what_to_do_and_left_as_it_is(tmp_path, capsys, how):
    data = tmp_path / "data"
    db = _event_with_rows(data)
    _damage(db, how)
    before = db.read_bytes()
    f.jpeg(tmp_path / "in" / "p" / "a.jpg", size=(32, 32))
    code = main(["import", str(tmp_path / "in"), "--event", "ev", "--no-embed", "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == EXIT_DAMAGED, err
    assert "internal error" not in err
    assert ("newer piday" in err) if how == "too-new" else ("Restore event.sqlite from a backup" in err)
    assert db.read_bytes() == before  # never silently a new empty event
    assert not (db.parent / "photos").exists()
    code = main(["report", "--event", "ev", "--data-dir", str(data)])
    assert code == EXIT_DAMAGED


def test_opening_removes_temp_files_and_moves_orphans_aside_when_alone(tmp_path):
    with EventStore.open(tmp_path, "ev") as store:
        who = store.create_participant(consent=Consent())
        kept = store.add_photo(who, b"kept", sha256="1" * 64, fmt="JPEG", width=1, height=1)
        folder = store.photos_dir / who.id
    with EventStore.open(tmp_path, "ev"):  # someone else has the event open: hands off
        (folder / ".0123abcd.part").write_bytes(b"half a photo")  # its write in flight
        (folder / "5f0c8a4e-0000-4000-8000-000000000000.jpg").write_bytes(b"renamed, row never committed")
        with EventStore.open(tmp_path, "ev") as store:
            assert (folder / ".0123abcd.part").exists()
            assert store.leftovers.temp_files == [] and store.leftovers.orphans == []
    with EventStore.open(tmp_path, "ev") as store:
        assert len(store.leftovers.temp_files) == 1 and len(store.leftovers.orphans) == 1
        assert sorted(p.name for p in folder.iterdir()) == [f"{kept.id}.jpg"]
        moved = store.directory / "orphans" / who.id / "5f0c8a4e-0000-4000-8000-000000000000.jpg"
        assert moved.read_bytes() == b"renamed, row never committed"
        assert store.photo_path(store.photo(kept.id)).read_bytes() == b"kept"


RUNNER = r"""
import os, signal, sys
from pathlib import Path
from piday_desktop.core.store import EventStore
store = EventStore.open(Path(sys.argv[1]), "ev")
store.start_run("import")
print("running", flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.readline()
"""


def test_a_run_killed_with_sigkill_is_reported_interrupted_a_live_one_running(tmp_path, capsys):
    EventStore.open(tmp_path, "ev").close()
    killed = subprocess.run([sys.executable, "-c", RUNNER, str(tmp_path), "kill"], capture_output=True, text=True,
                            timeout=60)
    assert killed.returncode == -signal.SIGKILL and killed.stdout == "running\n", killed.stderr
    live = subprocess.Popen([sys.executable, "-c", RUNNER, str(tmp_path), "wait"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert live.stdout.readline() == "running\n"
        code = main(["report", "--event", "ev", "--json", "--data-dir", str(tmp_path)])
        runs = json.loads(capsys.readouterr().out)["runs"]
        assert code == EXIT_OK
        assert [(r["id"], r["status"]) for r in runs] == [(2, "running"), (1, "interrupted")]
        assert "killed" in runs[1]["message"]
    finally:
        live.communicate("done\n", timeout=60)


def _answer_dialogs(*steps):
    """Act on each modal dialog as it appears: a QMessageBox button by text, or text for an input."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

    todo = list(steps)
    seen: list[str] = []

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not todo:
            if todo:
                QTimer.singleShot(20, step)
            return
        action = todo.pop(0)
        if isinstance(dialog, QMessageBox):
            seen.append(f"{dialog.text()} {dialog.informativeText()}")
            next(b for b in dialog.buttons() if b.text() == action).click()
        elif isinstance(dialog, QInputDialog):
            dialog.setTextValue(action)
            dialog.accept()
        if todo:
            QTimer.singleShot(20, step)
    QTimer.singleShot(0, step)
    return seen


def test_the_station_says_in_a_window_why_it_cannot_open_a_damaged_event_and_quits_on_request(qtbot, tmp_path,
                                                                                             monkeypatch):
    from piday_desktop.core.config import StationConfig, save_config

    monkeypatch.setenv("PIDAY_CONFIG_DIR", str(tmp_path / "config"))
    save_config(StationConfig(event="ev", camera="pattern"))
    data = tmp_path / "data"
    db = _event_with_rows(data)
    _damage(db, "empty")
    seen = _answer_dialogs("Quit")
    code = main(["--data-dir", str(data)])
    assert code == EXIT_DAMAGED
    assert "cannot be opened" in seen[0] and "Restore event.sqlite from a backup" in seen[0]
    assert db.read_bytes() == b""  # left as it was


def test_the_volunteer_can_carry_on_with_another_event_while_the_damaged_one_waits(qtbot, tmp_path):
    from piday_desktop.ui.app import _open_event

    data = tmp_path / "data"
    db = _event_with_rows(data)
    _damage(db, "truncated")
    before = db.read_bytes()
    seen = _answer_dialogs("Use another event…", "not a name!", "ev-b")
    store = _open_event(data, "ev")
    assert store is not None and store.event == "ev-b" and len(seen) == 1
    store.close()
    assert db.read_bytes() == before


def test_a_station_killed_in_the_middle_of_a_checkpoint_opens_again_with_every_row(tmp_path):
    """A kill can leave page 1 of event.sqlite (with the grown page count) written before the
    pages that extend the file, the rest still in the write-ahead log. SQLite completes that at
    the next open; piday called it "truncated" and refused the event (found by the crash harness)."""
    import shutil
    import struct

    data = tmp_path / "data"
    _event_with_rows(data)  # closed: checkpointed, no log
    with EventStore.open(data, "ev") as store:
        for i in range(40):
            store.create_participant(nickname="y" * 200, label=f"after {i}" * 20)
        # The files as a killed process leaves them: the new rows only in the log.
        crashed = tmp_path / "crashed" / "events" / "ev"
        crashed.mkdir(parents=True)
        for name in ("event.sqlite", "event.sqlite-wal"):
            shutil.copyfile(store.directory / name, crashed / name)
    db = crashed / "event.sqlite"
    assert (crashed / "event.sqlite-wal").stat().st_size > 0
    with open(db, "r+b") as fh:  # the torn checkpoint: page 1 says the file has grown
        header = bytearray(fh.read(100))
        page_size = struct.unpack(">H", header[16:18])[0]
        header[28:32] = struct.pack(">I", db.stat().st_size // page_size + 8)
        header[92:96] = header[24:28]  # the count is valid for this change
        fh.seek(0)
        fh.write(header)
    with EventStore.open(tmp_path / "crashed", "ev") as store:
        labels = [p.label for p in store.participants()]
    assert len(labels) == 100 and labels[-1] == "after 39" * 20
