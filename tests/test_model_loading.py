"""Loading checkpoints lean (memory-mapped, cast tensor by tensor, one tower when one is used).

Every check compares with open_clip's own path: ``create_model_and_transforms(pretrained=FILE)``
in float32, then cast the way load_model always cast (``model.to(dtype)``). The lean path must
give the same weights bit for bit, whatever the file format, and lose nothing of the tower kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from piday_desktop.embedding.devices import choose_dtype
from piday_desktop.embedding.models import TINY_ARCH, ModelLoadError, ModelSpec, known_architectures, load_model

FIXTURES = Path(__file__).parent / "fixtures"
PROMPTS = ["a red circle", "a blue striped square", ""]


@pytest.fixture(scope="module")
def shapes_arch() -> str:
    """The trained tiny CLIP of tests/test_meaning.py (a float16 checkpoint)."""
    import open_clip

    if "piday-shapes" not in open_clip.list_models():
        open_clip.add_model_config(FIXTURES / "piday-shapes.json")
    return "piday-shapes"


@pytest.fixture(scope="module")
def pixels() -> torch.Tensor:
    gen = torch.Generator().manual_seed(3)
    return torch.rand((4, 3, 64, 64), generator=gen) * 4 - 2


def reference(arch: str, checkpoint: Path, dtype: torch.dtype):
    """open_clip's own loading, cast afterwards: what load_model did before the lean path."""
    import open_clip

    model, _, _ = open_clip.create_model_and_transforms(arch, pretrained=str(checkpoint), device="cpu")
    return model.to(dtype=dtype).eval().requires_grad_(False), open_clip.get_tokenizer(arch)


def image_vectors(model, x: torch.Tensor, dtype) -> np.ndarray:
    with torch.inference_mode():
        return torch.nn.functional.normalize(model.encode_image(x.to(dtype)).float(), dim=-1).numpy()


def text_vectors(model, tokenizer, texts: list[str], dtype) -> np.ndarray:
    """Grouped as LoadedModel groups them (bfloat16 on the CPU: one prompt at a time)."""
    groups = [[t] for t in texts] if dtype == torch.bfloat16 else [texts]
    with torch.inference_mode():
        return np.concatenate([
            torch.nn.functional.normalize(model.encode_text(tokenizer(g)).float(), dim=-1).numpy() for g in groups
        ])


def same_weights(ours, ref) -> None:
    ref_state = ref.state_dict()
    state = ours.state_dict()
    assert state, "no weights at all"
    for key, value in state.items():
        assert value.dtype == ref_state[key].dtype, key
        assert torch.equal(value, ref_state[key]), key


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> Path:
    """A piday-tiny checkpoint of weights of its own, float32, saved by torch.save."""
    import open_clip

    known_architectures()  # registers piday-tiny with open_clip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(4242)
        source = open_clip.create_model(TINY_ARCH).eval()
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    torch.save(source.state_dict(), path)
    return path


@pytest.mark.parametrize("precision", ["auto", "fp32"])
def test_lean_checkpoint_has_open_clips_weights_bit_for_bit(shapes_arch, tmp_path, pixels, precision):
    ckpt = tmp_path / "shapes.pt"
    shutil.copyfile(FIXTURES / "piday-shapes.pt", ckpt)
    loaded = load_model(ModelSpec.parse(f"{shapes_arch}:{ckpt}"), device="cpu", precision=precision)
    assert loaded.how == "lean"
    dtype = choose_dtype("cpu", precision)
    ref, tokenizer = reference(shapes_arch, ckpt, dtype)
    same_weights(loaded.model, ref)
    assert np.array_equal(loaded.encode_pixels(pixels), image_vectors(ref, pixels, dtype))
    assert np.array_equal(loaded.encode_text(PROMPTS), text_vectors(ref, tokenizer, PROMPTS, dtype))


@pytest.mark.parametrize("towers", ["image", "text"])
def test_one_tower_is_kept_whole_and_the_other_is_gone(tiny_file, pixels, towers):
    spec = ModelSpec.parse(f"{TINY_ARCH}:{tiny_file}")
    both = load_model(spec, device="cpu", precision="fp32")
    one = load_model(spec, device="cpu", precision="fp32", towers=towers)
    assert one.how == "lean" and one.towers == towers and one.dim == both.dim
    kept = one.model.state_dict()
    full = both.model.state_dict()
    visual = [k for k in full if k.startswith("visual.")]
    text = [k for k in full if not k.startswith("visual.") and k not in ("logit_scale", "logit_bias")]
    assert visual and text
    gone, stays = (text, visual) if towers == "image" else (visual, text)
    assert not set(gone) & set(kept)
    for key in stays + ["logit_scale"]:
        assert torch.equal(kept[key], full[key]), key
    if towers == "image":
        assert np.array_equal(one.encode_pixels(pixels), both.encode_pixels(pixels))
        assert one.tokenizer is None
        with pytest.raises(RuntimeError, match="photos only"):
            one.encode_text(["a cat"])
    else:
        assert np.array_equal(one.encode_text(PROMPTS), both.encode_text(PROMPTS))
        assert one.model.visual is None
        with pytest.raises(RuntimeError, match="text only"):
            one.encode_pixels(pixels)
    n_one = sum(p.numel() for p in one.model.parameters())
    n_both = sum(p.numel() for p in both.model.parameters())
    assert n_one < n_both


@pytest.mark.parametrize("fmt", ["safetensors", "legacy-pickle", "wrapped", "module-prefix"])
def test_other_checkpoint_layouts_load_lean_with_the_same_weights(tiny_file, tmp_path, pixels, fmt):
    state = torch.load(tiny_file, weights_only=True)
    path = tmp_path / f"tiny-{fmt}.{'safetensors' if fmt == 'safetensors' else 'pt'}"
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    elif fmt == "legacy-pickle":  # cannot be memory-mapped: read whole, still cast lean
        torch.save(state, path, _use_new_zipfile_serialization=False)
    elif fmt == "wrapped":  # a training checkpoint: {"state_dict": ..., "epoch": ...}
        torch.save({"state_dict": state, "epoch": 3}, path)
    else:  # saved from DistributedDataParallel
        torch.save({f"module.{k}": v for k, v in state.items()}, path)
    ours = load_model(ModelSpec.parse(f"{TINY_ARCH}:{path}"), device="cpu", precision="fp32")
    assert ours.how == "lean"
    expected = load_model(ModelSpec.parse(f"{TINY_ARCH}:{tiny_file}"), device="cpu", precision="fp32")
    same_weights(ours.model, expected.model)
    assert np.array_equal(ours.encode_pixels(pixels), expected.encode_pixels(pixels))


def test_a_checkpoint_of_another_architecture_is_one_line_error(tiny_file, shapes_arch):
    with pytest.raises(ModelLoadError) as info:
        load_model(ModelSpec.parse(f"{shapes_arch}:{tiny_file}"), device="cpu", towers="image")
    message = str(info.value)
    assert "\n" not in message and str(tiny_file) in message and shapes_arch in message


def test_a_checkpoint_with_keys_the_model_lacks_is_refused(tiny_file, tmp_path):
    state = torch.load(tiny_file, weights_only=True)
    state["visual.extra_head.weight"] = torch.zeros(4)
    path = tmp_path / "extra.pt"
    torch.save(state, path)
    with pytest.raises(ModelLoadError, match="extra_head"):
        load_model(ModelSpec.parse(f"{TINY_ARCH}:{path}"), device="cpu", towers="image")


def test_random_weights_keep_their_vectors_with_one_tower(pixels):
    spec = ModelSpec.parse(f"{TINY_ARCH}:none")
    both = load_model(spec, device="cpu", precision="fp32")
    image = load_model(spec, device="cpu", precision="fp32", towers="image")
    text = load_model(spec, device="cpu", precision="fp32", towers="text")
    assert both.how == image.how == text.how == "random"
    assert np.array_equal(image.encode_pixels(pixels), both.encode_pixels(pixels))
    assert np.array_equal(text.encode_text(PROMPTS), both.encode_text(PROMPTS))


def test_unknown_towers_value_is_refused():
    with pytest.raises(ValueError, match="towers"):
        load_model(ModelSpec.parse(f"{TINY_ARCH}:none"), towers="audio")
