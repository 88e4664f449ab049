"""Formats users have (HEIC, AVIF, MPO, RAW) and files whose decode would eat the laptop."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_SKIPPED
from piday_desktop.core.images import ImageError, load_rgb, probe
from piday_desktop.core.store import EventStore

TINY = "piday-tiny:none"


def test_heic_avif_and_mpo_are_imported_and_embedded_raw_garbage_says_raw(tmp_path, capsys):
    folder, data = tmp_path / "in", tmp_path / "data"
    (folder / "p").mkdir(parents=True)
    f.picture((64, 48), seed=1).save(folder / "p" / "iphone.HEIC")
    f.picture((64, 48), seed=2).save(folder / "p" / "web.avif")
    f.picture((64, 48), seed=3).save(folder / "p" / "stereo.mpo", "MPO", save_all=True,
                                     append_images=[f.picture((64, 48), seed=4)])
    shutil.copy(folder / "p" / "stereo.mpo", folder / "p" / "camera.JPG")  # MPO under a JPEG name
    (folder / "p" / "camera.jpg").unlink(missing_ok=True)
    (folder / "p" / "dsc0001.nef").write_bytes(b"II*\x00" + bytes(4096))  # not a readable RAW
    code = main(["import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == EXIT_SKIPPED, err
    assert "imported 3 photo(s)" in err and "1 duplicate(s)" in err and "embedded 3 photo(s)" in err
    assert "p/dsc0001.nef: RAW:" in err and "Warning" not in err
    with EventStore.open(data, "ev") as store:
        exts = sorted(p.ext for p in store.photos())
        assert exts == ["avif", "heic", "jpg"]
        for p in store.photos():
            assert load_rgb(store.photo_path(p)).size == (64, 48)


def test_a_big_png_is_refused_before_decoding_with_the_reason():
    img = Image.new("1", (8000, 7000))  # 56 MP in a few KB: decoded whole it would need ~220 MB
    import io

    buf = io.BytesIO()
    img.save(buf, "PNG")
    with pytest.raises(ImageError, match="56 megapixels.*at most 50 megapixels unless it is a JPEG"):
        probe(buf.getvalue())


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="peak RSS from getrusage")
def test_import_refuses_decompression_bombs_and_embeds_big_pngs_with_vit_b_32(tmp_path):
    folder, data = tmp_path / "in", tmp_path / "data"
    (folder / "p").mkdir(parents=True)
    bomb = folder / "p" / "bomb0.png"
    Image.new("1", (14000, 14000)).save(bomb)  # 196 MP, ~24 KB: ~900 MB to decode and convert
    for i in range(1, 4):  # four different files (trailing bytes after IEND change the hash only)
        (folder / "p" / f"bomb{i}.png").write_bytes(bomb.read_bytes() + bytes(i))
    for i in range(2):  # big but allowed: 45 MP each, decoded one at a time
        big = Image.new("L", (7500, 6000), 40 * i)
        big.save(folder / "p" / f"big{i}.png")
    proc = subprocess.run([sys.executable, "-m", "piday_desktop", "import", str(folder), "--event", "ev",
                           "--model", "ViT-B-32:none", "--data-dir", str(data)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == EXIT_SKIPPED, proc.stderr
    assert proc.stderr.count("megapixels: a PNG is read whole") == 4
    assert "imported 2 photo(s)" in proc.stderr and "embedded 2 photo(s)" in proc.stderr
    # The 1.5 GB bound of issue 12 item 11 is not established yet: this run measured 1.3-1.5 GB
    # alone but 2.9 GB once inside the full suite on a loaded machine (cause not found); the
    # refusal of the bombs above is what this test holds.
