"""JPEGs decoded in batches by torchvision (nvJPEG on a GPU), resized and cropped as tensors.

Why (issue 15 item 5): on a GPU the model embeds thousands of photos a second and the CPU's
PIL decode (one photo per thread, ~22 ms of a core for a 12 MP phone JPEG) is the bottleneck.
Here the decode threads only read the file's bytes and check its header (a few hundred
microseconds); the inference thread hands a whole batch of JPEGs to
``torchvision.io.decode_jpeg(list, device=...)`` (nvJPEG's batched decoder on CUDA), then
resizes (bicubic, antialiased: open_clip's ``Resize``), centre-crops and normalises on the
device, and the pixels never cross the PCIe bus as floats.

Everything else keeps the CPU path of :class:`~.pixels.PixelPipeline`, photo by photo: other
formats, CMYK JPEGs (nvJPEG decodes only YCbCr/grey), RAW files, and a JPEG the batched decoder
refuses (it is decoded with PIL instead; if that fails too, that photo alone fails with the
reason). The same class runs on the CPU (``decode_device="cpu"``) so the reference test (cosine
>= 0.999 to open_clip's own transform) runs on machines without a GPU; there the PIL path with
DCT-scaled decoding is faster, so the engine uses this only on CUDA unless asked.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piday_desktop.core.images import ImageError, ImageSource, VerifiedFile, is_raw

from .pixels import PixelPipeline

log = logging.getLogger(__name__)

#: JPEGs decoded by one call: bounds the device memory of full-size decodes (12 MP ~ 36 MB each).
DECODE_CHUNK = 16


@dataclass(frozen=True)
class EncodedJpeg:
    """A JPEG's bytes, read on a decode thread, waiting for the batched decode."""

    data: bytes
    source: Any


class TensorJpegPipeline(PixelPipeline):
    """:class:`PixelPipeline` whose JPEGs are decoded and resized per batch on ``decode_device``."""

    def __init__(self, preprocess: Any, image_size: int, decode_device: str) -> None:
        super().__init__(preprocess, image_size)
        self.decode_device = decode_device
        self.resize_to = self.crop_to = None
        steps = self.pil_steps or []
        names = [type(s).__name__ for s in steps]
        if names[:2] == ["Resize", "CenterCrop"] and all(n in ("MaybeConvertMode", "_convert_to_rgb") or
                                                          "convert" in n.lower() for n in names[2:]):
            size = steps[0].size
            self.resize_to = int(size if isinstance(size, int) else (size[0] if len(size) == 1 else -1))
            crop = steps[1].size
            self.crop_to = (int(crop[0]), int(crop[1])) if not isinstance(crop, int) else (crop, crop)
            if self.resize_to <= 0 or steps[0].max_size is not None:
                self.resize_to = None

    @property
    def active(self) -> bool:
        """False when the model's transform is not Resize+CenterCrop: then every photo takes the CPU path."""
        return self.resize_to is not None

    def decode(self, source: ImageSource) -> Any:
        """Decode thread: a JPEG's bytes (header checked), or the CPU path's pixels for anything else."""
        if not self.active or _raw_source(source):
            return super().decode(source)
        data = _read(source)
        if data is None or not _is_ycc_jpeg(data):
            return super().decode(data if data is not None else source)
        return EncodedJpeg(data, source)

    def batch_checked(self, items: list[Any], device: str) -> tuple[Any, dict[int, BaseException]]:
        """One (N, 3, H, W) float32 batch on ``device`` and the photos that failed (index -> error).

        The failed ones are left out of the batch; their indices refer to ``items``.
        """
        import torch

        jpeg_at = [i for i, it in enumerate(items) if isinstance(it, EncodedJpeg)]
        decoded: dict[int, Any] = {}
        errors: dict[int, BaseException] = {}
        for start in range(0, len(jpeg_at), DECODE_CHUNK):
            chunk = jpeg_at[start:start + DECODE_CHUNK]
            for i, out in zip(chunk, self._decode_jpegs([items[i].data for i in chunk])):
                if out is None:  # the batched decoder refused it: PIL decides
                    try:
                        decoded[i] = self._cpu_tensor(super().decode(items[i].data))
                    except ImageError as exc:
                        errors[i] = exc
                else:
                    decoded[i] = self._resize_crop(out)
        rows = []
        for i, it in enumerate(items):
            if i in errors:
                continue
            rows.append(decoded[i] if i in decoded else self._cpu_tensor(it))
        if not rows:
            return torch.zeros((0, 3, *self.crop_to), dtype=torch.float32, device=device), errors
        pixels = torch.stack([r.to(self.decode_device) for r in rows]).to(device, non_blocking=True)
        x = pixels.to(torch.float32).div_(255.0)
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
        return x.sub_(mean).div_(std), errors

    def batch(self, items: list[Any], device: str) -> Any:
        x, errors = self.batch_checked(items, device)
        if errors:
            raise next(iter(errors.values()))
        return x

    # ------------------------------------------------------------------ internals

    def _decode_jpegs(self, blobs: list[bytes]) -> list[Any]:
        """CHW uint8 tensors on the decode device, upright; None where the decoder refused one."""
        import torch
        from torchvision.io import ImageReadMode, decode_jpeg

        tensors = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in blobs]
        with warnings.catch_warnings():
            # torchvision 0.29 marks its decoders deprecated in favour of TorchCodec; they are
            # what this pinned torchvision ships (and nvJPEG's batched path): keep the log clean.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torchvision\.")
            try:
                return list(decode_jpeg(tensors, mode=ImageReadMode.RGB, device=self.decode_device,
                                        apply_exif_orientation=True))
            except RuntimeError as exc:  # one bad file fails the whole call: find it, one by one
                log.info("batched JPEG decode failed (%s); decoding %d one by one", exc, len(blobs))
            out: list[Any] = []
            for t in tensors:
                try:
                    out.append(decode_jpeg(t, mode=ImageReadMode.RGB, device=self.decode_device,
                                           apply_exif_orientation=True))
                except RuntimeError:
                    out.append(None)
            return out

    def _resize_crop(self, chw: Any) -> Any:
        """open_clip's Resize (shorter side, bicubic, antialiased) and CenterCrop, as uint8 CHW."""
        from torchvision.transforms.v2 import functional as F

        h, w = int(chw.shape[-2]), int(chw.shape[-1])
        target = self.resize_to
        # torchvision's Resize(int) on the shorter side, long side truncated as PIL's path does.
        if h <= w:
            size = [target, int(target * w / h)]
        else:
            size = [int(target * h / w), target]
        resized = F.resize(chw, size, interpolation=F.InterpolationMode.BICUBIC, antialias=True)
        return F.center_crop(resized, list(self.crop_to))

    def _cpu_tensor(self, pixels: Any) -> Any:
        """The CPU path's HxWx3 uint8 array as a CHW uint8 tensor on the decode device."""
        import numpy as np
        import torch

        return torch.from_numpy(np.array(pixels)).permute(2, 0, 1).to(self.decode_device)  # a writable copy


def _raw_source(source: Any) -> bool:
    path = source.path if isinstance(source, VerifiedFile) else source
    return isinstance(path, (str, os.PathLike)) and is_raw(Path(path))


def _read(source: Any) -> bytes | None:
    """The file's bytes (verified for an in-place file), or None for a file object."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, VerifiedFile):
        return source.read()
    if isinstance(source, (str, os.PathLike)):
        try:
            return Path(source).read_bytes()
        except FileNotFoundError:
            raise ImageError("file not found") from None
        except OSError as exc:
            raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    return None


def _is_ycc_jpeg(data: bytes) -> bool:
    """A JPEG nvJPEG can decode: SOI marker, and not Adobe CMYK/YCCK (4 components)."""
    if data[:3] != b"\xff\xd8\xff":
        return False
    i, n = 2, len(data)
    while i + 4 <= n and data[i] == 0xFF:
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            return i + 9 < n and data[i + 9] in (1, 3)  # components: grey or YCbCr
        i += 2 + length
    return False
