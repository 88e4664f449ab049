"""The embedding layer against open_clip's own reference path, with the real open_clip code.

Models use random weights (``pretrained=None``), seeded, so nothing is downloaded. The tiny
architecture keeps the file quick; one test repeats the reference check with a full-size
ViT-B-32 because that is where the precision choice (bfloat16 weights on this CPU) matters.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import imagefactory as factory
from piday_desktop.core.images import ImageError, load_rgb
from piday_desktop.embedding.devices import choose_dtype, cpu_has_native_bf16
from piday_desktop.embedding.engine import EmbeddingEngine
from piday_desktop.embedding.models import (
    DEFAULT_MODEL,
    TINY_ARCH,
    LoadedModel,
    ModelLoadError,
    ModelSpec,
    WeightsUnavailable,
    fetch_weights,
    load_model,
    model_catalogue,
    resolve_device,
)

TINY = f"{TINY_ARCH}:none"
RESULT_TIMEOUT = 60  # generous: the machine running the suite may be busy


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of photo the reference test covers, plus the EXIF comparison pictures."""
    d = tmp_path_factory.mktemp("embedding-images")
    paths = {
        "jpeg": factory.jpeg(d / "plain.jpg", seed=1),
        "cmyk": factory.cmyk_jpeg(d / "cmyk.jpg", seed=2),
        "rgba": factory.rgba_png(d / "alpha.png", seed=3),
        "large": factory.large_jpeg(d / "large.jpg", seed=4),
        "gif": factory.gif(d / "anim.gif", seed=5),
        "gray": factory.grayscale_png(d / "gray.png", seed=6),
        "webp": factory.webp(d / "photo.webp", seed=7),
    }
    factory.png16(d / "deep.png", seed=8)
    paths["png16"] = d / "deep.png"
    upright = factory.exif_rotated_jpeg(d / "rotated.jpg", seed=9)
    paths["exif"] = d / "rotated.jpg"
    # The same picture stored upright (what the viewer shows) and as the raw sideways pixels.
    paths["upright"] = factory.save(upright, d / "upright.jpg", "JPEG", quality=95)
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    paths["sideways"] = factory.save(sideways, d / "sideways.jpg", "JPEG", quality=95)
    paths["truncated"] = factory.truncated_jpeg(d / "truncated.jpg")
    paths["text"] = factory.text_named_png(d / "text.png")
    paths["empty"] = factory.empty_file(d / "empty.jpg")
    return paths


@pytest.fixture(scope="module")
def many_jpegs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("embedding-many")
    return [factory.jpeg(d / f"{i:03d}.jpg", size=(160, 120), seed=i) for i in range(100)]


@pytest.fixture(scope="module")
def tiny() -> LoadedModel:
    """The tiny model at the precision the engine picks on this machine."""
    return load_model(ModelSpec.parse(TINY))


@pytest.fixture(scope="module")
def tiny_fp32() -> LoadedModel:
    return load_model(ModelSpec.parse(TINY), precision="fp32")


@pytest.fixture(scope="module")
def engine(tiny: LoadedModel):
    with EmbeddingEngine(tiny) as eng:
        yield eng


def reference_vectors(model: LoadedModel, paths: list[Path]) -> np.ndarray:
    """open_clip's own path: full-size decode, its transform, encode_image, in float32."""
    assert model.dtype == torch.float32
    with torch.inference_mode():
        pixels = torch.stack([model.preprocess(load_rgb(p)) for p in paths])
        out = model.model.encode_image(pixels).float()
        return torch.nn.functional.normalize(out, dim=-1).numpy()


def embed(engine: EmbeddingEngine, paths: list[Path]) -> np.ndarray:
    futures = [engine.submit(p) for p in paths]
    return np.stack([f.result(timeout=RESULT_TIMEOUT) for f in futures])


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# ----------------------------------------------------------------------------- reference


REFERENCE_KINDS = ["jpeg", "exif", "cmyk", "png16", "rgba", "large", "gif", "gray", "webp"]


def test_engine_matches_open_clip_reference(engine, tiny_fp32, images):
    paths = [images[k] for k in REFERENCE_KINDS]
    ours = embed(engine, paths)
    ref = reference_vectors(tiny_fp32, paths)
    for kind, a, b in zip(REFERENCE_KINDS, ours, ref):
        assert cosine(a, b) >= 0.999, f"{kind}: cosine {cosine(a, b):.5f} to open_clip's reference"
    # The threshold has teeth: different pictures are far apart for this model.
    off_diagonal = ref @ ref.T - np.eye(len(ref))
    assert off_diagonal.max() < 0.99


@pytest.mark.slow
def test_vit_b32_reference_at_the_precision_auto_picks(images):
    """Full-size model, random weights: reduced-size decoding plus the automatic precision."""
    spec = ModelSpec.parse("ViT-B-32:none")
    fast = load_model(spec)  # auto: bfloat16 weights on a CPU with native bf16
    expected = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    if fast.device == "cpu":
        assert fast.dtype == expected
    paths = [images["large"], images["exif"], images["cmyk"]]
    with EmbeddingEngine(fast, max_batch=8) as eng:
        ours = embed(eng, paths)
    del fast
    ref = reference_vectors(load_model(spec, precision="fp32"), paths)
    for p, a, b in zip(paths, ours, ref):
        assert cosine(a, b) >= 0.999, f"{p.name}: cosine {cosine(a, b):.5f}"


def test_exif_rotated_portrait_embeds_like_upright(engine, images):
    exif, upright, sideways = embed(engine, [images["exif"], images["upright"], images["sideways"]])
    assert cosine(exif, upright) >= 0.999
    assert cosine(exif, sideways) < 0.95  # the raw stored pixels are a different picture


def test_random_weights_are_deterministic_across_loads():
    a = load_model(ModelSpec.parse(TINY), precision="fp32")
    b = load_model(ModelSpec.parse(TINY), precision="fp32")
    x = torch.linspace(-2, 2, 3 * 64 * 64).reshape(1, 3, 64, 64)
    assert np.array_equal(a.encode_pixels(x), b.encode_pixels(x))
    assert np.array_equal(a.encode_text(["a cat"]), b.encode_text(["a cat"]))


def test_two_engines_give_identical_vectors(images):
    paths = [images["jpeg"], images["large"]]
    with EmbeddingEngine(lambda: load_model(ModelSpec.parse(TINY))) as one:
        first = embed(one, paths)
    with EmbeddingEngine(lambda: load_model(ModelSpec.parse(TINY))) as two:
        second = embed(two, paths)
    assert np.array_equal(first, second)


def test_loading_does_not_disturb_the_callers_random_state():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    load_model(ModelSpec.parse(TINY))
    assert torch.equal(torch.rand(3), expected)


# ----------------------------------------------------------------------------- engine


def test_single_photo_goes_through_alone_without_waiting_for_a_batch(tiny, images):
    # The batch-fill window is measured with this clock, which never moves: a photo that waited
    # for the window to close would wait for ever (and the result below would time out).
    with EmbeddingEngine(tiny, max_batch=32, clock=lambda: 0.0) as eng:
        vec = eng.submit(images["jpeg"]).result(timeout=RESULT_TIMEOUT)
        stats = eng.stats
    assert vec.shape == (tiny.dim,) and vec.dtype == np.float32
    assert abs(np.linalg.norm(vec) - 1) < 1e-5
    assert stats.batches == 1 and stats.largest_batch == 1 and stats.images == 1


def test_many_photos_are_batched(tiny, many_jpegs):
    with EmbeddingEngine(tiny, max_batch=16) as eng:
        vectors = embed(eng, many_jpegs)
        stats = eng.stats
        assert eng.queue_length == 0
    assert vectors.shape == (100, tiny.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert stats.images == 100 and stats.failed == 0
    assert stats.largest_batch > 1 and stats.batches < 100
    assert stats.largest_batch <= 16
    # Different photos, different vectors (no future got a neighbour's result).
    assert len({v.tobytes() for v in vectors}) == 100


def test_batched_vectors_equal_one_at_a_time(tiny, many_jpegs):
    paths = many_jpegs[:12]
    with EmbeddingEngine(tiny, max_batch=1) as one:
        single = embed(one, paths)
    with EmbeddingEngine(tiny, max_batch=12) as many:
        batched = embed(many, paths)
    for a, b in zip(single, batched):
        assert cosine(a, b) > 0.9999


def test_bad_images_fail_alone(engine, images):
    bad = [engine.submit(images[k]) for k in ("truncated", "text", "empty")]
    good = engine.submit(images["jpeg"])
    missing = engine.submit(images["jpeg"].with_name("no-such-file.jpg"))
    for fut in bad + [missing]:
        with pytest.raises(ImageError) as info:
            fut.result(timeout=RESULT_TIMEOUT)
        assert str(info.value) and "\n" not in str(info.value)
    assert good.result(timeout=RESULT_TIMEOUT).shape == (engine.dim,)
    later = engine.submit(images["cmyk"]).result(timeout=RESULT_TIMEOUT)
    assert abs(np.linalg.norm(later) - 1) < 1e-5


def test_bytes_source(engine, images):
    from_bytes = engine.submit(images["exif"].read_bytes()).result(timeout=RESULT_TIMEOUT)
    from_path = engine.submit(images["exif"]).result(timeout=RESULT_TIMEOUT)
    assert cosine(from_bytes, from_path) > 0.99999


def test_lazy_loader_serves_photos_submitted_while_loading(images):
    release = threading.Event()

    def loader() -> LoadedModel:
        release.wait(RESULT_TIMEOUT)
        return load_model(ModelSpec.parse(TINY))

    with EmbeddingEngine(loader) as eng:
        early = eng.submit(images["jpeg"])
        assert not eng.ready and not early.done()
        assert eng.queue_length == 1
        release.set()
        vec = early.result(timeout=RESULT_TIMEOUT)
        assert eng.ready and eng.model_id == TINY and eng.dim == vec.shape[0]


def test_loader_failure_fails_every_future(images):
    release = threading.Event()

    def loader() -> LoadedModel:
        release.wait(RESULT_TIMEOUT)
        raise WeightsUnavailable(DEFAULT_MODEL)

    with EmbeddingEngine(loader) as eng:
        early = eng.submit(images["jpeg"])
        release.set()
        with pytest.raises(WeightsUnavailable):
            early.result(timeout=RESULT_TIMEOUT)
        with pytest.raises(WeightsUnavailable):
            eng.submit(images["jpeg"]).result(timeout=RESULT_TIMEOUT)
        with pytest.raises(WeightsUnavailable):
            eng.encode_text(["hello"])
        with pytest.raises(WeightsUnavailable):
            eng.model_id
        assert not eng.ready and isinstance(eng.load_error, WeightsUnavailable)


def test_close_cancels_pending_and_is_idempotent(images):
    release = threading.Event()

    def loader() -> LoadedModel:
        release.wait(RESULT_TIMEOUT)
        return load_model(ModelSpec.parse(TINY))

    eng = EmbeddingEngine(loader)
    waiting = [eng.submit(images["jpeg"]) for _ in range(3)]
    eng.close()
    eng.close()
    release.set()
    assert all(f.cancelled() for f in waiting)
    with pytest.raises(RuntimeError):
        eng.submit(images["jpeg"])


def test_close_without_cancel_finishes_the_work(tiny, many_jpegs):
    eng = EmbeddingEngine(tiny, max_batch=8)
    futures = [eng.submit(p) for p in many_jpegs[:30]]
    eng.close(cancel_pending=False)
    assert all(f.done() and not f.cancelled() for f in futures)
    assert all(f.result().shape == (tiny.dim,) for f in futures)


def test_priority_photo_overtakes_the_queue(tiny, images, many_jpegs):
    release = threading.Event()

    def loader() -> LoadedModel:
        release.wait(RESULT_TIMEOUT)
        return tiny

    order: list[str] = []
    with EmbeddingEngine(loader, max_batch=1, decode_workers=1, prefetch=1) as eng:
        for p in many_jpegs[:10]:
            eng.submit(p).add_done_callback(lambda f: order.append("import"))
        station = eng.submit(images["jpeg"], priority=True)
        station.add_done_callback(lambda f: order.append("station"))
        release.set()
        eng.close(cancel_pending=False)
    assert station.result().shape == (tiny.dim,)
    assert order[0] == "station"


def test_priority_photo_overtakes_a_decoded_backlog(tiny, images, many_jpegs):
    inside, release = threading.Event(), threading.Event()

    def hold_inference_thread(_fut) -> None:  # done-callbacks run on the inference thread
        inside.set()
        release.wait(RESULT_TIMEOUT)

    order: list[str] = []
    with EmbeddingEngine(tiny, max_batch=1, prefetch=16) as eng:
        eng.submit(images["jpeg"]).add_done_callback(hold_inference_thread)
        assert inside.wait(RESULT_TIMEOUT)
        backlog = [eng.submit(p) for p in many_jpegs[:12]]
        for fut in backlog:
            fut.add_done_callback(lambda f: order.append("import"))
        station = eng.submit(images["exif"], priority=True)
        station.add_done_callback(lambda f: order.append("station"))
        release.set()
        station.result(timeout=RESULT_TIMEOUT)
        for fut in backlog:
            fut.result(timeout=RESULT_TIMEOUT)
    # Submitted last behind 12 photos, embedded (nearly) first: at most the photos the model
    # took before the station photo finished decoding went ahead of it.
    assert order.index("station") <= 3, order


@pytest.mark.parametrize("background", [True, False])
def test_background_text_waits_until_no_photo_is_waiting(tiny, images, many_jpegs, background):
    inside, release = threading.Event(), threading.Event()

    def hold_inference_thread(_fut) -> None:  # done-callbacks run on the inference thread
        inside.set()
        release.wait(RESULT_TIMEOUT)

    order: list[str] = []
    with EmbeddingEngine(tiny, max_batch=1, prefetch=4) as eng:
        eng.submit(images["jpeg"]).add_done_callback(hold_inference_thread)
        assert inside.wait(RESULT_TIMEOUT)
        text = eng.submit_text(["a red ball"], background=background)
        text.add_done_callback(lambda f: order.append("text"))
        photos = [eng.submit(p) for p in many_jpegs[:6]]
        for fut in photos:
            fut.add_done_callback(lambda f: order.append("photo"))
        shot = eng.submit(images["exif"], priority=True)  # the station's, submitted last
        shot.add_done_callback(lambda f: order.append("photo"))
        release.set()
        vectors = text.result(timeout=RESULT_TIMEOUT)
        for fut in photos + [shot]:
            fut.result(timeout=RESULT_TIMEOUT)
    np.testing.assert_allclose(vectors, tiny.encode_text(["a red ball"]), atol=1e-6)
    # The low-priority lane runs after every photo, even those submitted after it; ordinary
    # text (search) still goes before photos.
    assert order == (["photo"] * 7 + ["text"] if background else ["text"] + ["photo"] * 7)


def test_encode_text_on_engine_and_model(engine, tiny):
    vectors = engine.encode_text(["a person wearing glasses", "a red ball", ""])
    assert vectors.shape == (3, tiny.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert cosine(vectors[0], vectors[1]) < 0.999
    np.testing.assert_allclose(vectors, tiny.encode_text(["a person wearing glasses", "a red ball", ""]))
    assert engine.encode_text([]).shape == (0, tiny.dim)


def test_encode_text_from_a_done_callback_does_not_deadlock(engine, images):
    got = threading.Event()
    box: list[np.ndarray] = []

    def on_done(_fut) -> None:
        box.append(engine.encode_text(["inside a callback"]))
        got.set()

    engine.submit(images["jpeg"]).add_done_callback(on_done)
    assert got.wait(RESULT_TIMEOUT)
    assert box[0].shape == (1, engine.dim)


@pytest.mark.parametrize("kind", ["truncated", "jpeg"])  # settled on a decode / inference thread
def test_close_from_a_done_callback_does_not_deadlock(tiny, images, kind):
    closed = threading.Event()
    eng = EmbeddingEngine(tiny)

    def on_done(_fut) -> None:
        eng.close()
        closed.set()

    eng.submit(images[kind]).add_done_callback(on_done)
    assert closed.wait(RESULT_TIMEOUT)
    with pytest.raises(RuntimeError):
        eng.submit(images["jpeg"])


# ----------------------------------------------------------------------------- model specs


@pytest.mark.parametrize(
    "text, arch, pretrained",
    [
        (DEFAULT_MODEL, "ViT-B-32", "laion2b_s34b_b79k"),
        ("ViT-B-32", "ViT-B-32", "laion2b_s34b_b79k"),  # the default architecture's default tag
        ("RN50", "RN50", "openai"),  # otherwise open_clip's first tag
        ("vit-b-32:OpenAI", "ViT-B-32", "openai"),  # case and -/_ as open_clip allows
        ("ViT-B-32:LAION2B-s34b-b79k", "ViT-B-32", "laion2b_s34b_b79k"),
        ("ViT-B-32:none", "ViT-B-32", None),
        ("ViT-B-32:NONE", "ViT-B-32", None),
        (TINY_ARCH, TINY_ARCH, None),  # no tags: random weights
        (f"  {TINY}  ", TINY_ARCH, None),
    ],
)
def test_model_spec_parse(text, arch, pretrained):
    spec = ModelSpec.parse(text)
    assert (spec.arch, spec.pretrained) == (arch, pretrained)


def test_model_ids():
    assert ModelSpec.parse(DEFAULT_MODEL).model_id == DEFAULT_MODEL
    assert ModelSpec.parse("ViT-B-32:LAION2B-s34b-b79k").model_id == DEFAULT_MODEL
    assert ModelSpec.parse(TINY).model_id == "piday-tiny:none"
    assert str(ModelSpec.parse(TINY)) == "piday-tiny:none"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("ViT-B-33", "ViT-B-32"),  # names close matches
        ("Vit-B32", "ViT-B-32"),
        ("ViT-B-32:laion2b", "laion2b_s34b_b79k"),  # unknown tag lists the known ones
        ("ViT-B-32:/no/such/file.pt", "not found"),
        ("ViT-B-32:C:\\no\\such\\file.pt", "C:\\no\\such\\file.pt"),  # split at the first ':'
        ("C:\\models\\clip.pt", "ViT-B-32:C:\\models\\clip.pt"),  # explains the missing ARCH
        ("", "ARCH"),
        ("ViT-B-32:file:0123456789abcdef", "--model ViT-B-32:/path/to/checkpoint"),  # a stored id
    ],
)
def test_model_spec_parse_errors(text, fragment):
    with pytest.raises(ValueError) as info:
        ModelSpec.parse(text)
    assert fragment in str(info.value)


def test_checkpoint_file_round_trip(tmp_path, images):
    import open_clip

    # A tiny model with weights of its own (not the ones "none" gives), saved to a file.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(12345)
        source = open_clip.create_model(TINY_ARCH).eval()
    ckpt = tmp_path / "my tiny.pt"
    torch.save(source.state_dict(), ckpt)

    spec = ModelSpec.parse(f"{TINY_ARCH}:{ckpt}")
    assert spec.kind == "file" and Path(spec.pretrained) == ckpt.resolve()
    assert spec.model_id.startswith("piday-tiny:file:") and len(spec.model_id.rsplit(":", 1)[1]) == 16

    loaded = load_model(spec, precision="fp32")
    x = torch.stack([loaded.preprocess(load_rgb(images["jpeg"]))])
    with torch.inference_mode():
        expected = torch.nn.functional.normalize(source.encode_image(x), dim=-1).numpy()
    np.testing.assert_allclose(loaded.encode_pixels(x), expected, atol=1e-6)
    random = load_model(ModelSpec.parse(TINY), precision="fp32").encode_pixels(x)
    assert cosine(random[0], expected[0]) < 0.99  # really the file's weights

    # The id follows the content, not the name.
    copy = tmp_path / "renamed.pt"
    copy.write_bytes(ckpt.read_bytes())
    assert ModelSpec.parse(f"{TINY_ARCH}:{copy}").model_id == spec.model_id


def test_bad_checkpoint_is_one_line_error(tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ModelLoadError) as info:
        load_model(ModelSpec.parse(f"{TINY_ARCH}:{bad}"))
    assert "\n" not in str(info.value) and str(bad) in str(info.value)


@pytest.fixture
def empty_weight_caches(tmp_path, monkeypatch):
    """No cached weights and no network, whatever this machine has downloaded before."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # ~/.cache/clip
    return tmp_path


def test_offline_tag_raises_weights_unavailable_without_touching_the_network(empty_weight_caches, monkeypatch):
    """Fast because it never tries the network (a volunteer offline would wait out retries)."""
    import socket

    dialled: list[object] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        dialled.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    with pytest.raises(WeightsUnavailable) as info:
        load_model(ModelSpec.parse(DEFAULT_MODEL))
    assert dialled == []
    message = str(info.value)
    assert "\n" not in message
    assert f"piday models fetch {DEFAULT_MODEL}" in message
    assert "--model ViT-B-32:/path/to/checkpoint" in message
    with pytest.raises(WeightsUnavailable):
        fetch_weights(ModelSpec.parse(DEFAULT_MODEL))


def test_model_catalogue(empty_weight_caches):
    rows = model_catalogue()
    by_model = {r["model"]: r for r in rows}
    assert by_model[DEFAULT_MODEL]["default"] is True
    assert by_model[DEFAULT_MODEL]["cached"] is False
    assert sum(r["default"] for r in rows) == 1
    assert by_model[TINY]["tag"] is None and by_model[TINY]["cached"] is True
    assert {"arch", "tag", "model", "cached", "default"} <= set(rows[0])


# ----------------------------------------------------------------------------- devices


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            resolve_device("cuda")
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            assert resolve_device("auto") == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")


def test_precision_choice():
    assert choose_dtype("cpu", "fp32") == torch.float32
    assert choose_dtype("cpu", "bfloat16") == torch.bfloat16
    assert choose_dtype("cuda", "auto") == torch.float16
    assert choose_dtype("mps", "auto") == torch.float32
    assert choose_dtype("cpu", "auto") == (torch.bfloat16 if cpu_has_native_bf16() else torch.float32)
    with pytest.raises(ValueError):
        choose_dtype("cpu", "int4")


def test_text_vectors_do_not_depend_on_how_prompts_are_grouped():
    """Prompts may be encoded one at a time (a faster path on bf16 CPUs): same vectors either way."""
    from piday_desktop.embedding.models import ModelSpec, load_model

    model = load_model(ModelSpec.parse("piday-tiny:none"), device="cpu")
    texts = ["a red hat", "glasses", "a person smiling"]
    together = model.encode_text(texts)
    apart = np.concatenate([model.encode_text([t]) for t in texts])
    assert together.shape == (3, model.dim)
    np.testing.assert_allclose((together * apart).sum(1), 1.0, atol=1e-3)
