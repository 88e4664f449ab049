"""What runs on Ray's workers for `piday embed --engine ray` (plain Python: no ray import here).

- :class:`DecodeStage`, a CPU task per block: file to model-sized pixels with the local engine's
  own :class:`~piday_desktop.embedding.pixels.PixelPipeline` (the same ``load_rgb`` and the PIL
  half of open_clip's transform), so a bad file fails exactly as it does locally.
- :class:`EmbedStage`, one per actor of the pool: loads the model once (on the GPU Ray gave the
  actor, if any), then the other half of the pipeline (to-tensor, normalise per batch) and the
  model, in chunks of the device's best batch size. With an output location it writes its
  vectors there as a Parquet shard (:mod:`.vector_shards`) and returns only the ids.

Batches are ``dict[str, numpy.ndarray]`` (Ray Data's numpy format). Every output row says which
worker did it and how long the model took per image, for per-worker throughput.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..core.images import ImageError, VerifiedFile
from ..embedding.pixels import PixelPipeline

log = logging.getLogger(__name__)


def _read(path: str, photos_at: str | None) -> Any:
    """The photo's source for ``load_rgb``: the local path, or its bytes read from a URI."""
    if photos_at is None or "://" not in photos_at:
        return path
    import pyarrow.fs as pafs

    fs, root = pafs.FileSystem.from_uri(photos_at)
    try:
        with fs.open_input_file(f"{root.rstrip('/')}/{path}") as fh:
            return fh.readall()
    except FileNotFoundError:
        raise ImageError(f"file not found at {photos_at}") from None
    except OSError as exc:
        raise ImageError(f"cannot read from {photos_at}: {exc}") from None


class DecodeStage:
    """Decode a block of photos to pixels (one Ray task per block, on any CPU).

    ``path`` is absolute, or relative to ``photos_at`` (a folder every worker sees at that
    path, or a URI such as ``s3://bucket/events/E/photos``). A photo that cannot be read keeps
    its row with ``ok`` False and the reason, and blank pixels so the batch keeps one shape.
    """

    def __init__(self, pipeline: PixelPipeline, photos_at: str | None = None) -> None:
        self.pipeline = pipeline
        self.photos_at = photos_at
        white = io.BytesIO()
        Image.new("RGB", (8, 8), "white").save(white, "PNG")
        self.blank = np.zeros_like(np.asarray(_as_array(pipeline.decode(white.getvalue()))))

    def _source(self, path: str) -> Any:
        if self.photos_at is not None and "://" not in self.photos_at:
            return os.path.join(self.photos_at, path)
        return _read(path, self.photos_at)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids, paths = batch["photo_id"], batch["path"]
        shas = batch.get("sha256", [""] * len(ids))
        sizes = batch.get("size", [0] * len(ids))
        pixels, ok, errors = [], np.zeros(len(ids), dtype=bool), []
        for i, path in enumerate(paths):
            try:
                source = self._source(str(path))
                if shas[i] and isinstance(source, str):  # in place: only if still the imported photo
                    source = VerifiedFile(Path(source), str(shas[i]), int(sizes[i]))
                elif shas[i]:
                    source = _verified_bytes(source, str(shas[i]), int(sizes[i]))
                pixels.append(_as_array(self.pipeline.decode(source)))
                ok[i] = True
                errors.append("")
            except ImageError as exc:
                pixels.append(self.blank)
                errors.append(str(exc))
            except Exception as exc:  # as the local engine: a file Pillow chokes on in another way
                log.warning("unexpected error decoding %s", path, exc_info=True)
                pixels.append(self.blank)
                errors.append(f"cannot decode image ({type(exc).__name__}: {exc})")
        return {"photo_id": np.asarray(ids), "pixels": np.stack(pixels) if pixels else self.blank[:0],
                "ok": ok, "error": np.asarray(errors, dtype=object)}


def _verified_bytes(data: bytes, sha256: str, size: int) -> bytes:
    import hashlib

    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise ImageError("the file changed since it was imported (its SHA-256 is not the recorded one): "
                         "not embedded; see `piday check`")
    return data


def _as_array(item: Any) -> np.ndarray:
    """The split pipeline gives uint8 HxWx3 arrays; a whole transform gives a torch tensor."""
    return item if isinstance(item, np.ndarray) else item.numpy()


class EmbedStage:
    """One model per actor: decoded pixels in, unit vectors out (or a shard written, ids out)."""

    def __init__(self, spec: Any, model_id: str, pipeline: PixelPipeline, device: str = "auto",
                 out: str | None = None, chunk: int | None = None) -> None:
        from ..embedding.engine import default_max_batch
        from ..embedding.models import ModelLoadError, load_model

        self.model = load_model(spec, device=device)
        if self.model.model_id != model_id:  # e.g. a different checkpoint file at the same path
            raise ModelLoadError(f"this worker's model is {self.model.model_id}, not {model_id} "
                                 "(the checkpoint file differs between machines)")
        self.pipeline = pipeline
        self.out = out
        self.chunk = int(chunk or default_max_batch(self.model.device))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def _encode(self, pixels: np.ndarray) -> np.ndarray:
        import torch

        model = self.model
        out = np.zeros((len(pixels), model.dim), dtype=np.float32)
        for start in range(0, len(pixels), self.chunk):
            part = pixels[start:start + self.chunk]
            items = list(part) if self.pipeline.pil_steps is not None else [torch.from_numpy(p) for p in part]
            out[start:start + len(part)] = model.encode_pixels(self.pipeline.batch(items, model.device))
        return out

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ok = np.asarray(batch["ok"], dtype=bool)
        ids = np.asarray(batch["photo_id"])
        start = time.perf_counter()
        vectors = np.zeros((len(ids), self.model.dim), dtype=np.float32)
        if ok.any():
            vectors[ok] = self._encode(np.asarray(batch["pixels"])[ok])
        seconds = time.perf_counter() - start
        n = len(ids)
        result = {
            "photo_id": ids, "ok": ok, "error": np.asarray(batch["error"], dtype=object),
            "device": np.asarray([self.model.device] * n, dtype=object),
            "worker": np.asarray([self.worker] * n, dtype=object),
            "model_seconds": np.where(ok, seconds / max(1, int(ok.sum())), 0.0),
            "finished_at": np.full(n, time.time()),
        }
        if self.out is not None:
            from .vector_shards import write_shard

            if ok.any():
                write_shard(self.out, [str(i) for i in ids[ok]], vectors[ok], model_id=self.model.model_id,
                            device=self.model.device)
        else:
            result["vector"] = vectors
        return result
