"""`piday models export/import`: weights from a connected machine's cache to an offline laptop.

Two hub caches stand for the two machines. The weights are random bytes laid out exactly as
open_clip's download leaves them (nothing here loads them: no real weights can be had here);
what is tested is that the offline laptop's lookup finds the very same bytes afterwards.
"""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_MODEL, EXIT_NOT_FOUND, EXIT_OK
from piday_desktop.embedding import transfer
from piday_desktop.embedding.weights_location import bundled_weights, cached_weights

ARCH, TAG = "ViT-B-32", "laion2b_s34b_b79k"
MODEL = f"{ARCH}:{TAG}"
REPO_DIR = "models--laion--CLIP-ViT-B-32-laion2B-s34B-b79K"


@pytest.fixture
def hubs(tmp_path, monkeypatch):
    """(connected machine's cache, offline laptop's cache); the current cache starts as the first."""
    from huggingface_hub import constants

    connected, offline = tmp_path / "hub-connected", tmp_path / "hub-offline"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(connected))
    return connected, offline


def use_cache(path) -> None:
    from huggingface_hub import constants

    constants.HF_HUB_CACHE = str(path)


def fake_download(hub, size: int = 300_000, revision: str = "3f2a9c") -> bytes:
    """Lay out weights the way huggingface_hub's download does (refs/main -> snapshot)."""
    data = os.urandom(size)
    snapshot = hub / REPO_DIR / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "open_clip_model.safetensors").write_bytes(data)
    (hub / REPO_DIR / "refs").mkdir()
    (hub / REPO_DIR / "refs" / "main").write_text(revision)
    return data


def test_export_then_import_on_an_offline_laptop(hubs, tmp_path, capsys):
    connected, offline = hubs
    data = fake_download(connected)
    package = tmp_path / "usb" / "vitb32"
    assert main(["models", "export", str(package), "--model", MODEL]) == EXIT_OK
    package = package.with_suffix(".pidaymodel")
    assert package.is_file() and not list(package.parent.glob("*.part"))
    manifest = transfer.read_package(package)
    assert manifest.model == MODEL and manifest.files[0].size == len(data)

    use_cache(offline)
    assert cached_weights(ARCH, TAG) is None
    assert main(["models", "import", str(package)]) == EXIT_OK
    found = cached_weights(ARCH, TAG)
    assert found is not None and found.read_bytes() == data
    assert str(found).startswith(str(offline))
    assert "installed and verified" in capsys.readouterr().err

    assert main(["models", "import", str(package)]) == EXIT_OK  # again: nothing to do
    assert "already there" in capsys.readouterr().err


def test_a_damaged_file_is_refused_and_leaves_nothing_behind(hubs, tmp_path, capsys):
    connected, offline = hubs
    data = fake_download(connected)
    package = tmp_path / "m.pidaymodel"
    transfer.export_model(MODEL, package)
    raw = bytearray(package.read_bytes())
    at = raw.find(data[1000:1032])  # stored uncompressed: the weights' bytes are in the zip as is
    raw[at] ^= 0xFF
    package.write_bytes(bytes(raw))

    use_cache(offline)
    assert main(["models", "import", str(package)]) == EXIT_MODEL
    assert "damaged" in capsys.readouterr().err
    assert cached_weights(ARCH, TAG) is None
    assert not [p for p in offline.rglob("*") if p.is_file()]


def test_export_of_a_model_not_on_this_machine_says_how_to_get_it(hubs, tmp_path, capsys):
    assert main(["models", "export", str(tmp_path / "x.pidaymodel"), "--model", MODEL]) == EXIT_NOT_FOUND
    assert f"piday models fetch {MODEL}" in capsys.readouterr().err
    assert not (tmp_path / "x.pidaymodel").exists()


def test_import_of_something_else_is_a_one_line_error(hubs, tmp_path, capsys):
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("a.txt", "hello")
    assert main(["models", "import", str(other)]) == EXIT_MODEL
    assert "not a piday model file" in capsys.readouterr().err
    assert main(["models", "import", str(tmp_path / "missing.pidaymodel")]) == EXIT_NOT_FOUND


def test_random_weights_have_nothing_to_export(hubs, tmp_path, capsys):
    assert main(["models", "export", str(tmp_path / "t"), "--model", "piday-tiny:none"]) != EXIT_OK
    assert "nothing to move" in capsys.readouterr().err


def test_weights_staged_for_the_bundle_are_found_there(hubs, tmp_path):
    connected, _offline = hubs
    data = fake_download(connected)
    staged = tmp_path / "bundle-models"
    first = transfer.stage_for_bundle(MODEL, staged)
    assert first.model == MODEL
    assert bundled_weights(ARCH, TAG, models_dir=staged).read_bytes() == data

    loose = tmp_path / "open_clip_pytorch_model.bin"  # fetched by hand, e.g. from a browser
    loose.write_bytes(data[:1000])
    other = tmp_path / "bundle-models-2"
    transfer.stage_for_bundle(f"{MODEL}={loose}", other)
    found = bundled_weights(ARCH, TAG, models_dir=other)
    assert found.name == "open_clip_pytorch_model.bin" and found.read_bytes() == data[:1000]

    package = tmp_path / "m.pidaymodel"
    transfer.export_model(MODEL, package)
    third = tmp_path / "bundle-models-3"
    transfer.stage_for_bundle(str(package), third)
    assert bundled_weights(ARCH, TAG, models_dir=third).read_bytes() == data


def test_weights_shipped_in_the_bundle_are_on_this_laptop_for_every_lookup(hubs, tmp_path, monkeypatch, capsys):
    """A volunteer's bundle with weights, on a laptop whose own cache is empty: the one lookup finds
    them (so the station, `piday models` and the doctor agree), and they can be exported from there."""
    connected, offline = hubs
    data = fake_download(connected)
    bundle = tmp_path / "dist" / "piday"
    transfer.stage_for_bundle(MODEL, bundle / "models")
    use_cache(offline)
    assert cached_weights(ARCH, TAG) is None  # not frozen: the bundle folder is not looked at
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    found = cached_weights(ARCH, TAG)
    assert found is not None and found.read_bytes() == data and str(found).startswith(str(bundle))
    assert main(["models", "export", str(tmp_path / "copy.pidaymodel"), "--model", MODEL]) == EXIT_OK
    assert transfer.read_package(tmp_path / "copy.pidaymodel").files[0].size == len(data)
