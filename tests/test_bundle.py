"""The volunteers' bundle, built for real and run with nothing but its own Python.

Slow (a PyInstaller build of torch: minutes, gigabytes), so not in the default run:

    pytest -m bundle                                     # build into a temp folder, then smoke-test
    PIDAY_BUNDLE_DIR=/tmp/pb/dist/piday pytest -m bundle # smoke-test a bundle built already

Everything is checked by ``packaging/smoke.sh`` (the same script a developer or CI runs); this
test only adds what a bundle must never contain.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.bundle, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    given = os.environ.get("PIDAY_BUNDLE_DIR")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("bundle")
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(out / "dist"),
                    "--work", str(out / "work")], check=True, cwd=ROOT)
    return out / "dist" / "piday"


def test_the_bundle_runs_doctor_import_export_and_the_station(bundle):
    result = subprocess.run(["bash", str(ROOT / "packaging" / "smoke.sh"), "--no-build", str(bundle)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "smoke: OK" in result.stdout


def test_the_bundle_ships_no_test_code_and_the_model_files_the_code_reads(bundle):
    internal = bundle / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    assert not [n for n in names if n.split("/")[0] in ("tests", "pytest", "_pytest", "pytestqt")]
    assert not [n for n in names if "/tests/" in f"/{n}/"][:5]
    assert "open_clip/bpe_simple_vocab_16e6.txt.gz" in names
    assert "open_clip/model_configs/ViT-B-32.json" in names
    assert "piday_desktop/embedding/model_configs/piday-tiny.json" in names
    platforms = [n for n in names if n.startswith("PySide6/Qt/plugins/platforms/")]
    assert platforms, "Qt platform plugins missing: the window cannot open"
