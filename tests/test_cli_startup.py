"""Commands that do not run the model never import torch or open_clip (issue 15, item 1), nor ray.

Importing them costs seconds and about a gigabyte; a volunteer running `piday report` or
`piday export` at the stand should get an answer at once. Each command runs in a fresh Python
(tests/light_commands.py), and what it left in ``sys.modules`` is checked. Their start-up times
are printed by bench/cli_startup.py.
"""

from __future__ import annotations

import pytest

from light_commands import COMMANDS, MODEL, argv_for, heavy_modules, make_event, probe_env, run_probe
from piday_desktop.embedding.models import DEFAULT_MODEL, ModelSpec, stored_model_id


@pytest.fixture(scope="module")
def event(tmp_path_factory):
    data = tmp_path_factory.mktemp("light") / "data"
    make_event(data)
    return data


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_answers_without_importing_the_model(name, event, tmp_path):
    code, modules, stderr = run_probe(argv_for(name, tmp_path), probe_env(event))
    assert code == 0, stderr[-2000:]  # it did its job (a command failing early proves nothing)
    assert heavy_modules(modules) == [], f"`piday {name}` imported {heavy_modules(modules)}"
    if name.startswith("export"):
        assert any(tmp_path.iterdir()) and "8 with piday-tiny:none vectors" in stderr
    if name.startswith("map"):
        assert (tmp_path / "map.html").stat().st_size > 1000


@pytest.mark.parametrize("text", [MODEL, "PIDAY-TINY:None", DEFAULT_MODEL, "vit-b-32:LAION2B-s34b-b79k"])
def test_a_stored_id_is_read_off_the_name_as_parse_would(text):
    parsed = ModelSpec.parse(text).model_id
    assert stored_model_id(text, ["other:none", parsed]) == parsed


def test_names_only_parse_can_decide_are_left_to_it():
    stored = [MODEL, "ViT-B-32:laion2b_s34b_b79k", "ViT-B-32:file:0123456789abcdef"]
    assert stored_model_id("ViT-B-32", stored) is None  # a bare architecture: its default tag
    assert stored_model_id("ViT-B-32:file:0123456789abcdef", stored) is None  # parse explains
    assert stored_model_id("ViT-B-32:/models/clip.pt", stored) is None  # no such file: parse says so
    assert stored_model_id("ViT-B-16:laion2b_s34b_b79k", stored) is None  # not in the event


def test_a_checkpoint_path_names_the_stored_id_of_its_content(tmp_path, monkeypatch):
    """As parse would spell it (ARCH:file:first 16 hex digits of the SHA-256), without open_clip."""
    monkeypatch.setenv("PIDAY_CACHE_DIR", str(tmp_path / "cache"))
    weights = tmp_path / "clip.pt"
    weights.write_bytes(b"weights" * 1000)
    parsed = ModelSpec.parse(f"ViT-B-32:{weights}").model_id
    stored = [MODEL, "ViT-B-32:file:0123456789abcdef", parsed]
    assert stored_model_id(f"vit-b-32:{weights}", stored) == parsed
    assert stored_model_id(f"ViT-B-16:{weights}", stored) is None  # another architecture
    weights.write_bytes(b"other weights" * 1000)  # new content: another model, not in the event
    assert stored_model_id(f"ViT-B-32:{weights}", stored) is None


def test_the_default_model_is_spelled_as_its_id():
    """reading_model_id compares DEFAULT_MODEL with stored ids without parsing it."""
    assert ModelSpec.parse(DEFAULT_MODEL).model_id == DEFAULT_MODEL


def test_building_the_parser_imports_no_command(event, tmp_path):
    """Every `piday` run builds the whole parser: it must not import what only one command needs.

    The commands import their implementation when they run (cli/atlas_args.py holds the Atlas
    commands' arguments apart from them), so `piday --help` and each command's start pay only
    for their own imports: `piday --help` 0.21 s against 0.47 s when building the parser imported
    the store, numpy, the camera sources (cv2), the Atlas client and the QR writer.
    """
    code, modules, stderr = run_probe(["--help"], probe_env(event))
    assert code == 0, stderr[-2000:]
    loaded = {m.split(".")[0] for m in modules} | set(modules)
    unwanted = {"numpy", "PIL", "cv2", "segno", "watchdog", "pyarrow", "nomic", "piday_desktop.core.store",
                "piday_desktop.atlas.client", "piday_desktop.jobs.watch", "piday_desktop.capture"}
    assert sorted(unwanted & loaded) == []


def test_a_search_that_needs_the_checkpoint_file_says_so_without_the_model(tmp_path):
    """The event's vectors came from a checkpoint file and no tower is cached: the id cannot find
    the file, so the search says which `--model` to give at once (it did after 3.5 s of torch)."""
    import numpy as np

    import imagefactory
    from piday_desktop.core.store import Consent, EventStore

    data, file_id = tmp_path / "data", "piday-tiny:file:0123456789abcdef"
    with EventStore.open(data, "ev", create=True) as store:
        part = store.create_participant(consent=Consent(True, True, True))
        photo = imagefactory.add_picture(store, part, (64, 48), seed=1)
        store.put_embeddings([(photo.id, np.ones(64, np.float32) / 8)], model_id=file_id, device="cpu")
    env = probe_env(data)
    env["PIDAY_CACHE_DIR"] = str(tmp_path / "cache")
    code, modules, stderr = run_probe(["search", "a red hat", "--event", "ev"], env)
    assert code == 5 and f"{file_id} is the id of vectors made with a checkpoint file" in stderr
    assert "--model piday-tiny:/path/to/checkpoint" in stderr and heavy_modules(modules) == []
