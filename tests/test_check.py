"""`piday check [--repair]`: a photo file lost or damaged behind its row is found and put back."""

from __future__ import annotations

import shutil

import numpy as np

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_OK, EXIT_SKIPPED
from piday_desktop.core.store import EventStore

TINY = "piday-tiny:none"


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def imported(tmp_path, capsys, n: int = 3):
    folder, data = tmp_path / "in", tmp_path / "data"
    for i in range(n):
        f.jpeg(folder / "p" / f"a{i}.jpg", size=(64, 48), seed=i)
    code, text = run(capsys, "import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_OK, text
    with EventStore.open(data, "ev") as store:
        photos = store.photos()
        paths = [store.photo_path(p) for p in photos]
    return folder, data, photos, paths


def test_a_deleted_photo_file_is_found_and_a_reimport_restores_it(tmp_path, capsys):
    folder, data, photos, paths = imported(tmp_path, capsys)
    paths[1].unlink()
    code, text = run(capsys, "check", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_SKIPPED and "2 of 3 photo file(s) match" in text and "missing file: P-001 photo 2" in text
    code, text = run(capsys, "import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_OK and "restored the missing file of P-001 photo 2" in text, text
    assert paths[1].exists()
    code, text = run(capsys, "check", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_OK and "everything checks out" in text, text


def test_repair_restores_a_damaged_file_from_a_backup_folder(tmp_path, capsys):
    folder, data, photos, paths = imported(tmp_path, capsys)
    backup = tmp_path / "backup"
    shutil.copytree(folder, backup / "somewhere")
    paths[0].write_bytes(paths[0].read_bytes()[:-100] + b"\0" * 100)  # a bad sector's worth
    code, text = run(capsys, "check", "--event", "ev", "--repair", "--data-dir", str(data))
    assert code == EXIT_SKIPPED and "cannot be restored here" in text, text
    code, text = run(capsys, "check", "--event", "ev", "--repair", "--from", str(backup), "--data-dir", str(data))
    assert code == EXIT_OK and "damaged file: P-001 photo 1" in text and "restored" in text, text
    assert paths[0].read_bytes() == (folder / "p" / "a0.jpg").read_bytes()


def test_drop_missing_removes_rows_that_cannot_come_back_so_embed_stops_failing(tmp_path, capsys):
    folder, data, photos, paths = imported(tmp_path, capsys)
    paths[2].unlink()
    code, text = run(capsys, "check", "--event", "ev", "--repair", "--drop-missing", "--data-dir", str(data))
    assert code == EXIT_OK and "row dropped" in text, text
    with EventStore.open(data, "ev") as store:
        assert [p.id for p in store.photos()] == [p.id for p in photos[:2]]
    code, text = run(capsys, "check", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_OK, text


def test_a_bad_vector_is_dropped_by_repair_and_embed_makes_it_again(tmp_path, capsys):
    folder, data, photos, paths = imported(tmp_path, capsys)
    with EventStore.open(data, "ev") as store:
        dim = store.vectors(TINY)[1].shape[1]
        store.put_embeddings([(photos[0].id, np.full(dim, np.nan, np.float32))], model_id=TINY, device="cpu")
    code, text = run(capsys, "check", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_SKIPPED and "vector holds NaN" in text, text
    code, text = run(capsys, "check", "--event", "ev", "--repair", "--data-dir", str(data))
    assert code == EXIT_OK, text
    code, text = run(capsys, "embed", "--event", "ev", "--model", TINY, "--data-dir", str(data))
    assert code == EXIT_OK and "embedded 1 photo(s)" in text, text
    code, text = run(capsys, "check", "--event", "ev", "--data-dir", str(data))
    assert code == EXIT_OK, text
