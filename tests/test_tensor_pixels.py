"""The GPU path's JPEG pipeline (issue 15 item 5), run here on the CPU: batched decode by
torchvision, resize and crop as tensors. Its vectors must be open_clip's own (cosine >= 0.999
against ``preprocess(PIL image)``), every photo the batched decoder cannot take must still be
embedded by the CPU path, and a broken file must fail alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import imagefactory as factory
from piday_desktop.core.images import ImageError
from piday_desktop.embedding.engine import EmbeddingEngine
from piday_desktop.embedding.models import ModelSpec, load_model
from piday_desktop.embedding.tensor_pixels import EncodedJpeg, TensorJpegPipeline

TIMEOUT = 120


@pytest.fixture(scope="module")
def vit():
    """ViT-B-32 at its real input size (224), random weights: the transform is what is tested."""
    return load_model(ModelSpec.parse("ViT-B-32:none"), device="cpu", precision="fp32", towers="image")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("tensor")
    big = factory.picture((4000, 3000), seed=7)
    big.save(d / "phone.jpg", quality=88)
    factory.exif_rotated_jpeg(d / "portrait.jpg", seed=3)
    factory.picture((640, 480), seed=4).convert("L").save(d / "grey.jpg", quality=90)
    factory.picture((640, 480), seed=5).save(d / "progressive.jpg", quality=90, progressive=True)
    return {
        "small": factory.jpeg(d / "small.jpg", size=(640, 480), seed=1),
        "phone": d / "phone.jpg",
        "portrait": d / "portrait.jpg",
        "grey": d / "grey.jpg",
        "progressive": d / "progressive.jpg",
        "cmyk": factory.cmyk_jpeg(d / "cmyk.jpg", seed=6),
        "png": factory.grayscale_png(d / "grey.png", seed=8),
    }


def reference(model, path) -> np.ndarray:
    """open_clip's own path: its transform on the upright PIL image."""
    from PIL import ImageOps

    with Image.open(path) as img:
        upright = ImageOps.exif_transpose(img).convert("RGB")
    x = model.preprocess(upright).unsqueeze(0)
    return model.encode_pixels(x)[0]


def test_batched_tensor_decoding_gives_open_clips_vectors(vit, photos):
    pipeline = TensorJpegPipeline(vit.preprocess, vit.image_size, decode_device="cpu")
    assert pipeline.active and pipeline.crop_to == (224, 224)
    names = list(photos)
    items = [pipeline.decode(photos[n]) for n in names]
    kinds = {n: isinstance(it, EncodedJpeg) for n, it in zip(names, items)}
    # JPEGs wait for the batch; CMYK (nvJPEG cannot) and PNG take the CPU path on the decode thread.
    assert kinds == {"small": True, "phone": True, "portrait": True, "grey": True, "progressive": True,
                     "cmyk": False, "png": False}
    x, errors = pipeline.batch_checked(items, "cpu")
    assert errors == {} and x.shape == (len(names), 3, 224, 224) and x.dtype == torch.float32
    vectors = vit.encode_pixels(x)
    for name, vec in zip(names, vectors):
        cos = float(vec @ reference(vit, photos[name]))
        assert cos >= 0.999, (name, cos)


def test_a_broken_jpeg_fails_alone_and_the_engine_embeds_the_rest(vit, photos, tmp_path):
    broken = factory.truncated_jpeg(tmp_path / "broken.jpg")
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))  # a JPEG's first bytes, then nothing
    sources = [photos["small"], broken, photos["portrait"], garbage, photos["cmyk"]]
    with EmbeddingEngine(vit, jpeg_decode="tensor", max_batch=8) as engine:
        futures = engine.submit_many(sources)
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result(TIMEOUT))
            except ImageError as exc:
                outcomes.append(exc)
        stats = engine.stats
    # A truncated JPEG is what PIL would also accept (it is padded, as everywhere in piday):
    # either a vector or a clear ImageError, never a failed batch.
    assert isinstance(outcomes[0], np.ndarray) and isinstance(outcomes[2], np.ndarray)
    assert isinstance(outcomes[4], np.ndarray)
    assert isinstance(outcomes[3], ImageError)
    assert float(outcomes[0] @ reference(vit, photos["small"])) >= 0.999
    assert float(outcomes[2] @ reference(vit, photos["portrait"])) >= 0.999
    assert stats.images + stats.failed == len(sources)


def test_the_engine_uses_the_tensor_path_only_on_a_gpu_unless_asked(vit):
    from piday_desktop.embedding.pixels import PixelPipeline

    with EmbeddingEngine(vit) as engine:
        engine.wait_ready()
        assert type(engine._pipeline) is PixelPipeline  # noqa: SLF001 - CPU: DCT-scaled PIL decode is faster
    with EmbeddingEngine(vit, jpeg_decode="tensor") as engine:
        engine.wait_ready()
        assert isinstance(engine._pipeline, TensorJpegPipeline)  # noqa: SLF001
    with pytest.raises(ValueError):
        EmbeddingEngine(vit, jpeg_decode="nvjpeg")
