"""The headless pipeline as a user runs it: `piday import / embed / export / search / report`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from PIL import Image
import pytest

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_MODEL, EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_STORAGE

TINY = "piday-tiny:none"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def photos(root: Path, participants: int = 2, each: int = 3) -> Path:
    for p in range(participants):
        for i in range(each):
            f.jpeg(root / f"person{p}" / f"shot{i}.jpg", seed=p * 100 + i)
    return root


def db(data: Path, event: str) -> sqlite3.Connection:
    """Read-only, so a test polling early never creates the database itself."""
    path = data / "events" / event / "event.sqlite"
    assert path.exists(), f"{path} not created yet"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_import_export_search_report_roundtrip(tmp_path, capsys):
    data = tmp_path / "data"
    folder = photos(tmp_path / "in")
    code, _, err = run(capsys, "import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_OK, err
    assert "imported 6 photo(s)" in err and "embedded 6 photo(s)" in err

    out_file = tmp_path / "pi.parquet"
    code, _, err = run(capsys, "export", "--event", "ev", "--out", str(out_file), "--data-dir", str(data))
    assert code == EXIT_OK, err
    table = pq.read_table(out_file)
    assert table.num_rows == 6
    assert table.column("model").to_pylist() == [TINY] * 6  # the event's model is found without --model

    code, out, _ = run(capsys, "search", "a red balloon", "--event", "ev", "-k", "4", "--json",
                       "--model", TINY, "--data-dir", str(data))
    hits = json.loads(out)
    assert code == EXIT_OK and len(hits) == 4
    assert hits == sorted(hits, key=lambda h: -h["score"])

    code, out, _ = run(capsys, "search", "x", "--event", "ev", "--where", "participant=P-002", "--json",
                       "--model", TINY, "--data-dir", str(data))
    assert {h["participant"] for h in json.loads(out)} == {"P-002"}

    first = hits[0]["id"]
    code, out, _ = run(capsys, "search", "--like", first[:8], "--event", "ev", "--json", "--data-dir", str(data))
    like = json.loads(out)
    assert code == EXIT_OK and first not in [h["id"] for h in like] and len(like) == 5

    code, out, _ = run(capsys, "report", "--event", "ev", "--json", "--data-dir", str(data))
    report = json.loads(out)
    assert report["photos"] == 6 and report["participants"] == 2
    assert report["vectors_by_model"] == {TINY: 6}
    assert report["runs"][0]["device"] == "cpu" and report["runs"][0]["images_per_s"] > 0


def test_bad_files_are_listed_and_exit_3_and_rerun_embeds_nothing_twice(tmp_path, capsys):
    data = tmp_path / "data"
    folder = photos(tmp_path / "in", participants=1, each=2)
    f.truncated_jpeg(folder / "person0" / "broken.jpg")
    f.text_named_png(folder / "person0" / "fake.png")
    (folder / "person0" / "notes.txt").write_text("hi")
    code, _, err = run(capsys, "import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_SKIPPED
    for name in ("person0/broken.jpg", "person0/fake.png", "person0/notes.txt"):
        assert name in err
    assert "truncated" in err and "not an image" in err

    code, _, err = run(capsys, "import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_SKIPPED and "imported 0 photo(s), 2 already in the event" in err
    assert "embedded" not in err.split("skipped")[0]  # nothing embedded the second time
    conn = db(data, "ev")
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 2

    code, _, err = run(capsys, "report", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_OK


def test_missing_folder_and_event_are_one_line_errors(tmp_path, capsys):
    code, _, err = run(capsys, "import", str(tmp_path / "nope"), "--event", "ev", "--data-dir", str(tmp_path))
    assert code == EXIT_NOT_FOUND and "no such folder" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "report", "--event", "ghost", "--data-dir", str(tmp_path))
    assert code == EXIT_NOT_FOUND and "no event named 'ghost'" in err


def test_weights_not_on_machine_is_one_line_with_the_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    folder = photos(tmp_path / "in", participants=1, each=1)
    code, _, err = run(capsys, "import", str(folder), "--event", "ev", "--data-dir", str(tmp_path / "data"),
                       "--model", "ViT-B-32:laion2b_s34b_b79k")
    assert code == EXIT_MODEL
    assert "piday models fetch ViT-B-32:laion2b_s34b_b79k" in err
    assert "Traceback" not in err
    # the photo itself was kept: embedding can follow once the weights are there
    assert db(tmp_path / "data", "ev").execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 1


def test_help_documents_exit_codes_and_examples(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    text = capsys.readouterr().out
    assert "exit codes:" in text and "piday import ~/Pictures/pi-day --event pi-day-2026" in text
    for flag in ("--data-dir", "--model", "--device", "--consent"):
        assert flag in text


def _piday(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "piday_desktop", *args], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_ctrl_c_keeps_finished_work_and_rerun_continues(tmp_path, qtbot):
    data = tmp_path / "data"
    folder = photos(tmp_path / "in", participants=4, each=20)
    args = ("import", str(folder), "--event", "ev", "--model", "ViT-B-32:none", "--data-dir", str(data))
    proc = _piday(*args)

    def some_embedded() -> None:
        assert proc.poll() is None, proc.communicate()
        try:
            n = db(data, "ev").execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        except sqlite3.OperationalError as exc:  # the database is still being created
            raise AssertionError(exc) from None
        assert n > 0

    qtbot.waitUntil(some_embedded, timeout=120_000)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again" in err
    before = db(data, "ev").execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    assert 0 < before < 80
    # the summary and the run log count what was done before Ctrl-C, not 0
    assert db(data, "ev").execute("SELECT imported, embedded FROM runs").fetchall() == [(80, before)]
    assert f"embedded {before} photo(s)" in err

    proc = _piday(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_OK, err
    assert f"embedded {80 - before} photo(s)" in err
    conn = db(data, "ev")
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 80
    assert conn.execute("SELECT status FROM runs ORDER BY id").fetchall() == [("interrupted",), ("ok",)]


@pytest.mark.skipif(sys.platform == "win32", reason="uses RLIMIT_FSIZE to simulate a full disk")
def test_disk_full_stops_cleanly_and_keeps_what_was_saved(tmp_path):
    import resource

    data = tmp_path / "data"
    folder = tmp_path / "in"
    for i in range(3):
        f.jpeg(folder / "p" / f"a{i}.jpg", seed=i, size=(64, 48))
    noise = np.random.default_rng(0).integers(0, 256, (1600, 1600, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "p" / "z-big.png")  # ~7.7 MB: more than the limit allows
    limit = 6 * 1024 * 1024  # leaves room for the database and its WAL
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = _piday("import", str(folder), "--event", "ev", "--no-embed", "--data-dir", str(data),
                  preexec_fn=limit_file_size)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_STORAGE, err
    assert "disk full" in err and "Traceback" not in err
    conn = db(data, "ev")
    names = sorted(r[0] for r in conn.execute("SELECT original_name FROM photos"))
    assert names == ["a0.jpg", "a1.jpg", "a2.jpg"]
    for (pid, ext, part) in conn.execute("SELECT id, ext, participant_id FROM photos"):
        assert (data / "events" / "ev" / "photos" / part / f"{pid}.{ext}").stat().st_size > 0
    assert not list((data / "events" / "ev" / "photos").rglob("*.part"))


def test_models_lists_the_default_and_says_whether_it_is_cached(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code, out, _ = run(capsys, "models")
    assert code == EXIT_OK
    line = next(line for line in out.splitlines() if "ViT-B-32:laion2b_s34b_b79k" in line)
    assert "no" in line and "*" in line
    assert "piday-tiny:none" in out
    code, _, err = run(capsys, "models", "fetch", "ViT-B-32:laion2b_s34b_b79k")
    assert code == EXIT_MODEL and "cannot be downloaded" in err


# The `piday` script's own way in (argv None), with an exit hook that says whether the
# interpreter's teardown ran.
_AS_THE_SCRIPT = """
import atexit, sys
from pathlib import Path
hook = Path(sys.argv[1])
atexit.register(lambda: hook.write_text("torn down"))
from piday_desktop.cli import main
sys.argv = ["piday"] + sys.argv[2:]
sys.exit(main())
"""


def test_a_command_that_ran_the_model_skips_the_teardown_and_loses_nothing(tmp_path):
    """Tearing down torch costs ~1 s (cli.main): a command that ran the model exits without it,
    yet every line it printed to a pipe, its run log and its vectors are all there."""
    data, cache, hook = tmp_path / "data", tmp_path / "cache", tmp_path / "hook"
    folder = photos(tmp_path / "in", participants=2, each=3)
    env = {**os.environ, "PIDAY_CACHE_DIR": str(cache)}

    def piday(*args: str) -> subprocess.CompletedProcess:
        hook.unlink(missing_ok=True)
        return subprocess.run([sys.executable, "-c", _AS_THE_SCRIPT, str(hook), *args, "--data-dir", str(data)],
                              capture_output=True, text=True, timeout=300, env=env)

    done = piday("import", str(folder), "--event", "ev", "--model", TINY)
    assert done.returncode == EXIT_OK, done.stderr[-2000:]
    assert "embedded 6 photo(s)" in done.stderr and not hook.exists()
    assert db(data, "ev").execute("SELECT status, embedded FROM runs").fetchall() == [("ok", 6)]
    # The first search by words runs torch's text tower; its JSON goes to a pipe (block-buffered).
    found = piday("search", "a red hat", "--event", "ev", "-k", "6", "--json")
    assert found.returncode == EXIT_OK, found.stderr[-2000:]
    assert len(json.loads(found.stdout)) == 6 and not hook.exists()
    # A command that never imported torch ends the ordinary way.
    listed = piday("events")
    assert listed.returncode == EXIT_OK and "ev" in listed.stdout + listed.stderr and hook.exists()
    # A command that failed after torch came in keeps its exit code through the short exit.
    (tmp_path / "clip.pt").write_bytes(b"not a checkpoint" * 100)
    failed = piday("embed", "--event", "ev", "--model", f"ViT-B-32:{tmp_path / 'clip.pt'}")
    assert failed.returncode == EXIT_MODEL and "clip.pt" in failed.stderr and not hook.exists(), failed.stderr
