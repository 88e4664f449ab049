"""`piday upload / forget / consent / atlas login|status` against the emulator, with the real client."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from atlas_emulator import AtlasEmulator
from atlas_emulator.harness import ClientEnv, emulator  # noqa: F401
from atlas_event import Event, make_event
from piday_desktop.atlas.client import KEY_REFUSED
from piday_desktop.cli import main
from piday_desktop.cli.atlas import EXIT_NOT_UPLOADED
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE

LINK = "https://atlas.nomic.ai/data/piday-test/ev"  # the dataset page: opens with or without its map


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def setup(emulator: AtlasEmulator, tmp_path: Path):
    with ClientEnv(emulator, tmp_path / "home") as env:
        ev = make_event(tmp_path / "data", participants=8)  # P-002..4, P-006..8 consented: 24 photos
        yield env, ev, ["--event", "ev", "--data-dir", str(tmp_path / "data"), "--deadline", "2"]
        ev.store.close()


def photo_ids(ev: Event, code: str) -> set[str]:
    return {p.id for p in ev.store.photos(code)}


def test_upload_prints_counts_link_and_qr_and_is_idempotent(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    code, out, err = run(capsys, "upload", *opts)
    assert code == EXIT_OK, err
    assert "on Atlas: 24 photo(s) of 6 visitor(s); 8 photo(s) stay on this laptop" in err
    assert f"map: {LINK}" in out and "█" in out
    (dataset,) = emu.datasets()
    assert sorted(dataset.ids) == sorted(ev.consented) and len(dataset.indices) == 1
    assert not emu.log.find("Zebulon")

    shards = len(emu.log.entries("arrow"))
    code, out, err = run(capsys, "upload", *opts)
    assert code == EXIT_OK and len(emu.log.entries("arrow")) == shards, "nothing is sent twice"

    code, out, err = run(capsys, "atlas", "status", "--event", "ev", "--data-dir", opts[3])
    assert code == EXIT_OK and "uploaded 24, queued 0" in err and LINK in out


def test_wrong_key_is_reported_as_refused_and_exits_7(emulator: AtlasEmulator, tmp_path: Path, capsys) -> None:
    with ClientEnv(emulator, tmp_path / "home", key="nk-not-the-key"):
        make_event(tmp_path / "data", participants=2).store.close()
        code, _, err = run(capsys, "upload", "--event", "ev", "--data-dir", str(tmp_path / "data"), "--max-wait", "0.2")
    assert code == EXIT_NOT_UPLOADED
    assert KEY_REFUSED in err and "Organization not found" not in err
    assert "not uploaded yet: 4 photo(s)" in err


def test_offline_upload_keeps_everything_queued(emulator: AtlasEmulator, tmp_path: Path, capsys) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        make_event(tmp_path / "data", participants=2).store.close()
        opts = ["--event", "ev", "--data-dir", str(tmp_path / "data")]
        with emulator.offline():
            code, _, err = run(capsys, "upload", *opts, "--max-wait", "0.2")
        assert code == EXIT_NOT_UPLOADED and "cannot be reached" in err
        code, _, err = run(capsys, "upload", *opts)
    assert code == EXIT_OK and "on Atlas: 4 photo(s)" in err


def test_atlas_login_stores_the_key_privately_and_checks_it(emulator: AtlasEmulator, tmp_path: Path, capsys) -> None:
    with ClientEnv(emulator, tmp_path / "home", key="nk-old") as env:
        code, _, err = run(capsys, "atlas", "login", emulator.key, "--check")
        assert code == EXIT_OK, err
        creds = env.nomic_dir / "credentials"
        assert json.loads(creds.read_text())["token"] == emulator.key
        if os.name == "posix":
            assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert "Atlas accepted it" in err

        code, _, err = run(capsys, "atlas", "login", "nk-wrong", "--check")
        assert code == EXIT_USAGE and KEY_REFUSED in err and "Organization" not in err
        assert "previous key is kept" in err and json.loads(creds.read_text())["token"] == emulator.key

        code, _, err = run(capsys, "atlas", "login", "nk-unchecked")
        assert code == EXIT_OK and json.loads(creds.read_text())["token"] == "nk-unchecked"


def test_forget_rebuilds_the_dataset_without_the_visitor_and_says_how_long(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    assert run(capsys, "upload", *opts)[0] == EXIT_OK
    gone = photo_ids(ev, "P-003")
    folder = ev.store.photos_dir / ev.store.participant("P-003").id
    old_id = emu.datasets()[0].id

    code, out, err = run(capsys, "forget", "P-003", *opts)
    assert code == EXIT_USAGE and "--yes" in err  # no prompt possible: refuses to guess

    code, out, err = run(capsys, "forget", "P-003", "--yes", *opts)
    assert code == EXIT_OK, err
    assert "erased P-003 on this laptop: 4 photo(s)" in err
    assert "removed P-003 from the Atlas map in" in err and "dataset rebuilt with 20 photo(s)" in err
    (dataset,) = emu.datasets()
    assert dataset.id != old_id and dataset.slug == "ev", "same name, so the link and QR codes stay valid"
    assert set(dataset.ids) == ev.consented - gone and len(dataset.ids) == 20
    assert f"map: {LINK}" in out
    assert not folder.exists()
    with pytest.raises(LookupError):
        ev.store.participant("P-003")
    assert ev.store.query("SELECT COUNT(*) FROM embeddings WHERE photo_id IN (%s)" % ",".join("?" * 4), list(gone))[0][0] == 0

    code, _, err = run(capsys, "forget", "P-099", "--yes", *opts)
    assert code == EXIT_NOT_FOUND


def test_forget_while_offline_erases_here_and_the_rebuild_resumes_later(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    assert run(capsys, "upload", *opts)[0] == EXIT_OK
    gone = photo_ids(ev, "P-004")
    with emu.offline():
        code, _, err = run(capsys, "forget", "P-004", "--yes", *opts, "--max-wait", "0.2")
    assert code == EXIT_NOT_UPLOADED and "queued" in err
    assert len(emu.datasets()[0].ids) == 24, "still on Atlas until the rebuild runs"

    code, _, err = run(capsys, "upload", *opts)
    assert code == EXIT_OK, err
    (dataset,) = emu.datasets()
    assert set(dataset.ids) == ev.consented - gone


def test_consent_changes_are_applied_by_the_next_upload(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    assert run(capsys, "upload", *opts)[0] == EXIT_OK

    code, _, err = run(capsys, "consent", "P-001", "map", *opts[:4])  # was none
    assert code == EXIT_OK and "consent none -> map" in err and "go up with the next" in err
    code, _, err = run(capsys, "consent", "P-002", "none", *opts[:4])  # was map, already uploaded
    assert code == EXIT_OK and "rebuilt without it" in err

    assert run(capsys, "upload", *opts)[0] == EXIT_OK
    (dataset,) = emu.datasets()
    assert set(dataset.ids) == (ev.consented | photo_ids(ev, "P-001")) - photo_ids(ev, "P-002")
    rows = {r["id"]: r for r in dataset.rows()}
    assert all(rows[p]["_blob_hash"] == "null" for p in photo_ids(ev, "P-001")), "map, not photo"


def test_nicknames_can_be_switched_on_later_with_a_rebuild(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    assert run(capsys, "upload", *opts)[0] == EXIT_OK
    assert run(capsys, "consent", "P-003", "map+photo", "--share-nickname", *opts[:4])[0] == EXIT_OK
    code, _, err = run(capsys, "upload", *opts, "--share-nicknames")
    assert code == EXIT_OK and "add --rebuild" in err and not emu.log.find("Zebulon02")

    code, _, err = run(capsys, "upload", *opts, "--share-nicknames", "--rebuild")
    assert code == EXIT_OK, err
    rows = {r["participant"]: r for r in emu.datasets()[0].rows()}
    assert rows["P-003"]["nickname"] == "Zebulon02" and rows["P-002"]["nickname"] == "null"
    assert not emu.log.find("Zebulon01") and len(emu.datasets()) == 1


def test_upload_mode_is_kept_per_event_and_switching_rebuilds(setup, capsys) -> None:
    env, ev, opts = setup
    emu = env.emulator
    code, _, err = run(capsys, "upload", *opts, "--mode", "nomic-embeds")
    assert code == EXIT_OK, err
    assert "Atlas mode: nomic-embeds" in err and "switching" not in err  # nothing was on Atlas yet
    (dataset,) = emu.datasets()
    assert dataset.modality == "image" and sorted(dataset.ids) == sorted(ev.with_photo)
    assert "on Atlas: 16 photo(s) of 4 visitor(s); 16 photo(s) stay on this laptop" in err
    assert "Atlas did not build a map of 16 photo(s)" in err, "too few for a map: said, not retried in a loop"

    code, _, err = run(capsys, "upload", *opts)  # no --mode: the event's own mode
    assert code == EXIT_OK and "Atlas mode: nomic-embeds" in err and len(emu.datasets()) == 1

    code, _, err = run(capsys, "upload", *opts, "--mode", "vectors")
    assert code == EXIT_OK, err
    assert "switching to vectors mode" in err
    (dataset,) = emu.datasets()
    assert dataset.modality == "embedding" and sorted(dataset.ids) == sorted(ev.consented)
    code, _, err = run(capsys, "atlas", "status", "--event", "ev", "--data-dir", opts[3])
    assert "mode: vectors" in err

    with pytest.raises(SystemExit) as exit_info:
        run(capsys, "upload", *opts, "--mode", "pictures")
    assert exit_info.value.code == EXIT_USAGE and "invalid choice" in capsys.readouterr().err


def test_atlas_selftest_against_the_emulator(emulator: AtlasEmulator, tmp_path: Path, capsys) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        code, out, err = run(capsys, "atlas", "selftest", "--deadline", "5", "--wait", "5")
    print(out)  # the report, for the closing note
    assert code == EXIT_OK, err
    lines = out.splitlines()
    found = (re.match(r"^\[(..) \] (\S+)\s+([^:]+):", ln) for ln in lines)
    verdicts = {(m[2], m[3]): m[1].strip() for m in found if m}
    assert verdicts[("-", "sign in")] == "OK"
    for mode in ("vectors", "nomic-embeds"):
        assert verdicts[(mode, "ids read back")] == "OK"
        assert verdicts[(mode, "map link")] == "OK"
        assert verdicts[(mode, "row delete")] == "NO", "3.9 cannot delete single rows"
        assert verdicts[(mode, "name free after delete")] == "OK"
    assert verdicts[("vectors", "thumbnails shown")] == "??", "not visible through the client"
    assert verdicts[("nomic-embeds", "images on the map")] == "OK"
    assert "--vector-thumbnails" in out and "forget deletes and rebuilds" in out
    assert "https://atlas.nomic.ai/data/piday-test/piday-selftest-" in out
    assert emulator.datasets() == [], "everything it made is deleted"
    assert sum(1 for e in emulator.log.entries("create") if e.status == 201) == 4


def test_atlas_selftest_says_what_a_stricter_service_means(emulator: AtlasEmulator, tmp_path: Path, capsys) -> None:
    emulator.config.slug_hold_s = None  # the name of a deleted dataset is never free again
    emulator.config.min_map_datums = 100
    with ClientEnv(emulator, tmp_path / "home"):
        code, out, err = run(capsys, "atlas", "selftest", "--mode", "vectors", "--deadline", "5", "--wait", "5")
    assert code == EXIT_OK, err
    assert "[NO ] vectors      name free after delete: the name was refused" in out
    assert "moves the event to a new name" in out
    assert "[NO ] vectors      map link: map refused: " in out and "at least 100 datums" in out
    assert emulator.datasets() == []
