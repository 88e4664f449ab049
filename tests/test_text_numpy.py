"""`piday search WORDS` without torch (issue 15): the text tower exported once, then run in numpy.

The user-visible claims: the second search of an event's model never imports torch (it took
~5.5 s of a 6.4 s search on the project's laptop), its hits are the torch path's, and a
damaged cache costs nothing but time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import imagefactory as factory
from piday_desktop.embedding import text_numpy
from piday_desktop.embedding.models import ModelSpec, load_model

REPO = Path(__file__).resolve().parents[1]
TEXTS = ["a person wearing glasses", "Café crème — naïve façade!!", "P-017 ", "a " * 100, "",
         "<start_of_text> hello", "&amp;amp; two  spaces\tand a tab", "東京の夜", "don't we'll 123 4.5"]


@pytest.mark.parametrize("model", ["ViT-B-32:none", "piday-tiny:none"])
def test_the_numpy_tower_gives_open_clips_tokens_and_vectors(model, tmp_path, monkeypatch):
    import open_clip

    monkeypatch.setenv("PIDAY_CACHE_DIR", str(tmp_path / "cache"))
    loaded = load_model(ModelSpec.parse(model), device="cpu", precision="fp32", towers="text")
    assert text_numpy.export_text_tower(loaded) is not None
    tower = text_numpy.cached_text_encoder(loaded.model_id)
    assert tower is not None and tower.dim == loaded.dim
    expected_ids = open_clip.get_tokenizer(model.split(":")[0])(TEXTS).numpy()
    assert (tower.tokenizer(TEXTS) == expected_ids).all()  # truncation at 77 with the end token kept
    ours, theirs = tower.encode(TEXTS), loaded.encode_text(TEXTS)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert float((ours * theirs).sum(1).min()) >= 0.99999
    one = tower.encode(["a person wearing glasses"])[0]  # alone: only its own tokens are computed
    assert float(one @ ours[0]) >= 0.99999
    assert text_numpy.cached_text_encoder("some-other:model") is None


def _search(data: Path, words: str, cache: Path, *extra: str) -> tuple[list, bool, str]:
    """`piday search` in a fresh interpreter: its hits, whether torch was imported, stderr."""
    script = textwrap.dedent("""
        import json, sys, io, contextlib
        from piday_desktop.cli import main
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(sys.argv[1:])
        print(json.dumps({"code": code, "hits": json.loads(out.getvalue() or "[]"),
                          "torch": "torch" in sys.modules}))
    """)
    proc = subprocess.run([sys.executable, "-c", script, "search", words, "--event", "ev", "--json", "-k", "5",
                           "--data-dir", str(data), *extra], capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), "PIDAY_CACHE_DIR": str(cache)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    return result["hits"], result["torch"], proc.stderr


def test_the_second_search_needs_no_torch_and_finds_the_same(tmp_path):
    from piday_desktop.cli import main

    folder, data, cache = tmp_path / "in", tmp_path / "data", tmp_path / "cache"
    for i in range(6):
        factory.jpeg(folder / f"person{i % 2}" / f"{i}.jpg", size=(96, 72), seed=i)
    assert main(["import", str(folder), "--event", "ev", "--model", "piday-tiny:none", "--data-dir", str(data)]) == 0
    first, torch_first, _ = _search(data, "a red hat", cache)
    second, torch_second, _ = _search(data, "a red hat", cache)
    assert torch_first and not torch_second
    assert [h["id"] for h in second] == [h["id"] for h in first] and len(first) == 5
    # The first search ran torch's tower in bfloat16 where the CPU has it, the numpy one float32.
    assert np.allclose([h["score"] for h in second], [h["score"] for h in first], atol=5e-3)
    # A damaged cache entry: the search still answers (through torch) and caches the tower again.
    (weights,) = cache.glob("text-towers/*/" + text_numpy.WEIGHTS)
    weights.write_bytes(weights.read_bytes()[:1000])
    third, torch_third, err = _search(data, "a red hat", cache)
    assert torch_third and [h["id"] for h in third] == [h["id"] for h in first]
    assert "cannot be used" in err
    assert not _search(data, "a red hat", cache)[1]


def _tiny_checkpoint(folder: Path) -> Path:
    import open_clip
    import torch

    weights = folder / "weights" / "tiny.pt"
    weights.parent.mkdir(parents=True)
    ModelSpec.parse("piday-tiny:none")  # registers the project's tiny architecture with open_clip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        torch.save(open_clip.create_model("piday-tiny").state_dict(), weights)
    return weights


def _import(folder: Path, data: Path, model: str, cache: Path) -> subprocess.CompletedProcess:
    for i in range(6):
        factory.jpeg(folder / f"person{i % 2}" / f"{i}.jpg", size=(96, 72), seed=i)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PIDAY_CACHE_DIR": str(cache)}
    imported = subprocess.run([sys.executable, "-m", "piday_desktop", "import", str(folder), "--event", "ev",
                               "--model", model, "--data-dir", str(data)], capture_output=True, text=True,
                              timeout=300, env=env, cwd=REPO)
    assert imported.returncode == 0, imported.stderr[-2000:]
    return imported


def test_the_first_search_after_importing_with_a_checkpoint_needs_no_torch(tmp_path):
    """The import writes the text tower it never loads, straight from the mapped checkpoint, so
    even the first search runs in numpy (ViT-B-32: 0.9 s and 532 MB against 5.2 s and 1154 MB,
    bench/import_memory.py); its hits are those of torch's tower (a search on an empty cache)."""
    folder, data, cache = tmp_path / "in", tmp_path / "data", tmp_path / "cache"
    weights = _tiny_checkpoint(tmp_path)
    _import(folder, data, f"piday-tiny:{weights}", cache)
    (description,) = cache.glob("text-towers/*/" + text_numpy.DESCRIPTION)
    assert json.loads(description.read_text())["weights_dtype"] == "torch.float32"
    first, torch_first, _ = _search(data, "a red circle", cache)
    through_torch, torch_used, _ = _search(data, "a red circle", tmp_path / "empty-cache", "--model", f"piday-tiny:{weights}")
    assert not torch_first and torch_used
    assert [h["id"] for h in first] == [h["id"] for h in through_torch] and len(first) == 5
    # torch's tower ran in bfloat16 where the CPU has it; the exported one is the file's float32.
    assert np.allclose([h["score"] for h in first], [h["score"] for h in through_torch], atol=5e-3)


@pytest.fixture(params=["a file in the way", "a full disk"])
def unusable_cache(request, tmp_path):
    """A cache the tower cannot be written to: its path runs through a file, or a 3 MB tmpfs
    (the tiny model's tower is ~13 MB)."""
    if request.param == "a file in the way":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the cache would go")
        return blocker / "cache"
    return request.getfixturevalue("small_disk") / "cache"


def test_an_unusable_cache_costs_the_import_nothing(tmp_path, unusable_cache):
    """No room for the tower: the import still stores every photo, says why in one log line and
    leaves no half-written tower behind; the search answers through torch."""
    folder, data = tmp_path / "in", tmp_path / "data"
    weights = _tiny_checkpoint(tmp_path)
    imported = _import(folder, data, f"piday-tiny:{weights}", unusable_cache)
    assert "text tower" in imported.stderr and "not cached" in imported.stderr, imported.stderr[-2000:]
    assert "Traceback" not in imported.stderr, imported.stderr[-2000:]
    if unusable_cache.parent.is_dir():
        assert not list(unusable_cache.rglob("*.part-*"))
    hits, torch_used, _ = _search(data, "a red circle", unusable_cache, "--model", f"piday-tiny:{weights}")
    assert torch_used and len(hits) == 5


def test_naming_the_checkpoint_file_finds_the_cached_tower(tmp_path):
    """`--model ARCH:/path/to/weights.pt` is the event's `ARCH:file:DIGEST` model: a search naming
    the file reads the digest from its cache and runs in numpy (it imported torch every time: 4.0 s
    and 1.18 GB against 1.0 s and 0.54 GB with ViT-B-32); another file is parsed, and refused, for real."""
    folder, data, cache = tmp_path / "in", tmp_path / "data", tmp_path / "cache"
    weights = _tiny_checkpoint(tmp_path)
    model = f"piday-tiny:{weights}"
    _import(folder, data, model, cache)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PIDAY_CACHE_DIR": str(cache)}
    first, torch_first, _ = _search(data, "a red circle", cache, "--model", model)
    assert not torch_first and len(first) == 5
    other = weights.with_name("other.pt")
    other.write_bytes(weights.read_bytes() + b"\0")  # other content: another model id
    script = ("import sys; from piday_desktop.cli import main; code = main(sys.argv[1:]); "
              "print('torch' in sys.modules); sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", script, "search", "a red circle", "--event", "ev",
                           "--model", f"piday-tiny:{other}", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert proc.returncode != 0 and "True" in proc.stdout, proc.stderr[-2000:]
