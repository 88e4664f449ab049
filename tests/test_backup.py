"""Backups while the event runs, and restoring them on another data folder."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import imagefactory as f
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.jobs.backup import TargetMissing, backup_event, restore_event
from piday_desktop.jobs.backup_job import MISSING, UP_TO_DATE, BackupJob


def add_photos(store: EventStore, participant, seeds) -> list[str]:
    ids = []
    for seed in seeds:
        photo = f.add_picture(store, participant, (64, 48), seed, quality=90, original_name=f"shot{seed}.jpg")
        ids.append(photo.id)
    return ids


def event_with_photos(data: Path, n: int = 4) -> EventStore:
    store = EventStore.open(data, "ev")
    alice = store.create_participant(consent=Consent(map=True), nickname="Alice")
    bob = store.create_participant()
    ids = add_photos(store, alice, range(n // 2)) + add_photos(store, bob, range(100, 100 + n - n // 2))
    store.put_embeddings([(i, np.random.default_rng(k).normal(size=8)) for k, i in enumerate(ids)],
                         model_id="m", device="cpu")
    return store


def fingerprint(store: EventStore) -> dict[str, str]:
    """sha256 of every photo file, by the catalogue's sha256: equal means same photos, same bytes."""
    return {p.sha256: hashlib.sha256(store.photo_path(p).read_bytes()).hexdigest()
            for p in store.photos(include_review=True)}


def piday(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "piday_desktop", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


def test_backup_is_incremental_follows_deletions_and_restores_elsewhere(tmp_path):
    data, stick, other = tmp_path / "data", tmp_path / "stick", tmp_path / "other-laptop"
    stick.mkdir()
    store = event_with_photos(data)
    done = piday("backup", "--event", "ev", "--to", str(stick), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert "4 photo(s) there, 4 copied" in done.stderr
    assert (stick / "events" / "ev" / "event.sqlite").is_file() and (stick / "events" / "ev" / "backup.json").is_file()

    again = piday("backup", "--event", "ev", "--to", str(stick), "--data-dir", str(data), "--verify")
    assert again.returncode == 0 and "0 copied" in again.stderr and "4 file(s) SHA-256 verified" in again.stderr

    gone = store.photos()[0]
    store.delete_photo(gone.id)  # a retake, or a visitor who asked: it must leave the stick too
    third = piday("backup", "--event", "ev", "--to", str(stick), "--data-dir", str(data))
    assert "3 photo(s) there, 0 copied" in third.stderr and "1 removed" in third.stderr
    assert not list(stick.rglob(f"{gone.id}.*"))

    restored = piday("restore", str(stick), "--data-dir", str(other))
    assert restored.returncode == 0, restored.stderr
    assert "2 participant(s), 3 photo(s)" in restored.stderr
    with EventStore.open(other, "ev", create=False) as copy:
        assert fingerprint(copy) == fingerprint(store)
        assert all(a == b for a, b in fingerprint(copy).items())  # every restored file matches its hash
        assert copy.embedded_models() == {"m": 3}
        assert copy.participant("P-001").nickname == "Alice" and copy.participant("P-001").consent.map
    twice = piday("restore", str(stick), "--data-dir", str(other))
    assert twice.returncode == 2 and "already exists" in twice.stderr and "--as" in twice.stderr
    assert piday("restore", str(stick), "--data-dir", str(other), "--as", "ev-copy").returncode == 0
    store.close()


def test_backup_to_a_missing_folder_says_so_and_creates_nothing(tmp_path):
    data = tmp_path / "data"
    event_with_photos(data).close()
    done = piday("backup", "--event", "ev", "--to", str(tmp_path / "no-stick"), "--data-dir", str(data))
    assert done.returncode == 4 and "is not there" in done.stderr and "internal error" not in done.stderr
    assert not (tmp_path / "no-stick").exists()
    missing = piday("restore", str(tmp_path / "no-stick"), "--data-dir", str(tmp_path / "x"))
    assert missing.returncode == 4 and "no such backup folder" in missing.stderr


def test_restore_leaves_out_a_photo_damaged_on_the_stick(tmp_path):
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    store = event_with_photos(data)
    backup_event(store.directory, stick)
    victim = store.photos()[1]
    damaged = stick / "events" / "ev" / "photos" / victim.participant_id / f"{victim.id}.jpg"
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    result = restore_event(stick, tmp_path / "other")
    assert [pid for pid, _ in result.problems] == [victim.id] and "SHA-256" in result.problems[0][1]
    with EventStore.open(tmp_path / "other", "ev", create=False) as copy:
        assert {p.id for p in copy.photos()} == {p.id for p in store.photos()} - {victim.id}
    store.close()


def test_live_backup_survives_the_stick_being_pulled_mid_event(tmp_path):
    """Pull the target in the middle of a round, keep shooting, plug it back: complete and restorable."""
    data, stick, pulled = tmp_path / "data", tmp_path / "stick", tmp_path / "stick-in-a-pocket"
    stick.mkdir()
    store = event_with_photos(data, n=2)
    visitor = store.create_participant()
    pull_now: list[bool] = []

    def pull_after_first_copy(row) -> None:
        if pull_now:
            pull_now.pop()
            stick.rename(pulled)  # the volunteer yanks the stick while a round is copying

    job = BackupJob(store, stick, interval=0.05, on_copied=pull_after_first_copy).start()
    try:
        status = job.wait_for(lambda s: s.state == UP_TO_DATE and s.photos == 2, timeout=30)
        assert status.text == "Backup up to date"

        pull_now.append(True)
        add_photos(store, visitor, range(200, 203))  # the round that copies these loses the stick
        status = job.wait_for(lambda s: s.state == MISSING, timeout=30)
        add_photos(store, visitor, range(203, 205))  # capture goes on without the stick
        # Five behind: the photo copied before the pull counts only once a catalogue names it.
        status = job.wait_for(lambda s: s.state == MISSING and s.behind == 5, timeout=30)
        assert status.text == "Backup target missing (5 behind)"
        assert not stick.exists()  # the pulled stick's path was not recreated on the laptop's disk

        pulled.rename(stick)  # plugged back in
        status = job.wait_for(lambda s: s.state == UP_TO_DATE and s.photos == 7, timeout=30)
    finally:
        job.stop()
    assert not list(stick.rglob("*.part")) and not list(stick.rglob(".*.part"))
    result = restore_event(stick, tmp_path / "other-laptop")
    assert result.problems == [] and result.photos == 7
    with EventStore.open(tmp_path / "other-laptop", "ev", create=False) as copy:
        assert fingerprint(copy) == fingerprint(store)
        assert all(a == b for a, b in fingerprint(copy).items())
    store.close()


def test_a_round_against_a_target_that_is_gone_raises_target_missing(tmp_path):
    store = event_with_photos(tmp_path / "data")
    with pytest.raises(TargetMissing, match="not there"):
        backup_event(store.directory, tmp_path / "nothing")
    store.close()


def test_station_status_bar_shows_the_backup_and_a_pulled_stick(qtbot, tmp_path):
    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.ui.backup_status import attach_backup
    from piday_desktop.ui.main_window import StationWindow

    stick = tmp_path / "stick"
    stick.mkdir()
    store = event_with_photos(tmp_path / "data", n=2)
    win = StationWindow(store, StationConfig(event="ev", backup_dir=str(stick)))
    qtbot.addWidget(win)
    job = BackupJob(store, stick, interval=0.05)
    label = attach_backup(win, job)
    job.start()
    try:
        win.show()
        win.camera.start(TestPatternSource((320, 240), fps=30))
        qtbot.waitUntil(lambda: label.text() == "Backup up to date", timeout=20_000)
        stick.rename(tmp_path / "pulled")
        add_photos(store, store.participant("P-002"), [300])
        qtbot.waitUntil(lambda: label.text() == "Backup target missing (1 behind)", timeout=20_000)
        assert "stick" in label.toolTip()
        (tmp_path / "pulled").rename(stick)
        qtbot.waitUntil(lambda: label.text() == "Backup up to date", timeout=20_000)
    finally:
        job.stop()
        win.close()
        store.close()


def test_settings_have_a_backup_folder_that_needs_a_restart(qtbot, tmp_path):
    from piday_desktop.core.config import StationConfig
    from piday_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(StationConfig(event="ev"), [])
    qtbot.addWidget(dialog)
    dialog.backup.setText(f"  {tmp_path}  ")
    assert dialog.config().backup_dir == str(tmp_path) and dialog.needs_restart()


def test_one_backup_round_at_a_time_and_the_live_job_waits_its_turn(tmp_path):
    """`piday backup` while the station's live backup runs: never two rounds at once (they would
    remove each other's half-copied files); the live job skips its turn and then catches up."""
    from piday_desktop.core.locks import lock
    from piday_desktop.jobs.backup import BackupBusy

    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    store = event_with_photos(data, n=2)
    other_round = lock(store.directory / ".locks" / "backup.lock")
    other_round.acquire()  # a `piday backup` in another terminal, mid-round
    with pytest.raises(BackupBusy, match="another backup of this event is running"):
        backup_event(store.directory, stick, wait_s=0)
    job = BackupJob(store, stick, interval=0.05).start()
    try:
        assert not list(stick.rglob("*.jpg"))  # nothing copied while the other round holds the event
        other_round.release()
        status = job.wait_for(lambda s: s.state == UP_TO_DATE and s.photos == 2, timeout=30)
        assert status.text == "Backup up to date"
    finally:
        job.stop()
    store.close()


def test_a_stick_pulled_while_the_catalogue_is_copied_is_missing_not_a_dead_job(tmp_path, monkeypatch):
    """SQLite reports a target that vanishes under its backup as 'disk I/O error' (not OSError):
    that is the stick missing, and the live job keeps going and catches up."""
    import sqlite3

    from piday_desktop.jobs import backup

    data, stick, pulled = tmp_path / "data", tmp_path / "stick", tmp_path / "pulled"
    stick.mkdir()
    store = event_with_photos(data, n=2)
    real = backup.snapshot_catalogue
    pulls = [True]

    def snapshot_while_pulled(source, dest):
        if pulls:
            pulls.pop()
            stick.rename(pulled)  # the volunteer pulls the stick in the middle of the copy
            raise sqlite3.OperationalError("disk I/O error")  # what src.backup(dst) raises then
        return real(source, dest)

    monkeypatch.setattr(backup, "snapshot_catalogue", snapshot_while_pulled)
    with pytest.raises(TargetMissing):
        backup_event(store.directory, stick)
    pulled.rename(stick)
    assert backup_event(store.directory, stick).photos == 2
    store.close()
