"""Several real `piday` processes on one event at once: all succeed, and the rows are exact."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import imagefactory as f
from piday_desktop.cli.common import EXIT_OK

TINY = "piday-tiny:none"


def piday(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "piday_desktop", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def folder_of(root: Path, people: int, each: int, seed: int = 0) -> Path:
    for p in range(people):
        for i in range(each):
            f.jpeg(root / f"person{p}" / f"shot{i}.jpg", size=(64, 48), seed=seed + p * 100 + i)
    return root


def finished(*procs: subprocess.Popen) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=300) for p in procs]
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]


def rows(data: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(data / "events" / "ev" / "event.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("same_folder", [True, False], ids=["same-folder", "different-folders"])
def test_two_imports_into_a_new_event_at_once_both_succeed_nothing_twice(tmp_path, same_folder):
    data = tmp_path / "data"
    a = folder_of(tmp_path / "a", people=2, each=8)
    b = a if same_folder else folder_of(tmp_path / "b", people=2, each=8, seed=5000)
    args = ("--event", "ev", "--model", TINY, "--data-dir", str(data))
    results = finished(piday("import", str(a), *args), piday("import", str(b), *args))
    errs = [err for _, _, err in results]
    assert [code for code, _, _ in results] == [EXIT_OK, EXIT_OK], errs
    expected = 16 if same_folder else 32
    assert rows(data, "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM photos") == [(expected, expected)]
    assert rows(data, "SELECT COUNT(*) FROM participants") == [(2,)]  # same folder names: same people
    assert rows(data, "SELECT COUNT(*) FROM embeddings") == [(expected,)]
    # every photo embedded once: the two runs' counts add up to the photos, not more
    assert rows(data, "SELECT SUM(embedded), GROUP_CONCAT(status) FROM runs") == [(expected, "ok,ok")]
    assert all("Traceback" not in e and "internal error" not in e for e in errs)


def test_export_search_and_report_beside_a_running_import_all_succeed(tmp_path, qtbot):
    data = tmp_path / "data"
    folder = folder_of(tmp_path / "in", people=4, each=15)
    common = ("--event", "ev", "--data-dir", str(data))
    importer = piday("import", str(folder), "--model", TINY, *common)

    def some_embedded() -> None:
        assert importer.poll() is None, importer.communicate()
        assert (data / "events" / "ev" / "event.sqlite").exists()
        assert rows(data, "SELECT COUNT(*) FROM embeddings")[0][0] > 0

    qtbot.waitUntil(some_embedded, timeout=120_000)
    readers = [piday("export", "--out", str(tmp_path / "x.parquet"), *common),
               piday("report", "--json", *common),
               piday("search", "--like", rows(data, "SELECT photo_id FROM embeddings LIMIT 1")[0][0][:8], "--json",
                     *common)]
    results = finished(*readers, importer)
    assert [code for code, _, _ in results] == [EXIT_OK] * 4, [err for _, _, err in results]
    report = json.loads(results[1][1])
    assert 0 < report["photos"] <= 60
    assert rows(data, "SELECT COUNT(*) FROM photos") == [(60,)]
    assert rows(data, "SELECT COUNT(*) FROM embeddings") == [(60,)]
