"""Generate the photos the tests need, good and bad, so no binary fixtures live in the repo.

Every generator is deterministic for a given seed. Pictures have structure (gradients, blobs,
a bar that marks "up") so that different seeds give different CLIP vectors and a rotation
changes the vector noticeably.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def picture(size: tuple[int, int] = (640, 480), seed: int = 0) -> Image.Image:
    """An upright RGB test picture: a gradient, some blobs, and a dark bar along the top."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [
            (xx / max(w - 1, 1)) * 255 * rng.uniform(0.3, 1.0),
            (yy / max(h - 1, 1)) * 255 * rng.uniform(0.3, 1.0),
            np.full_like(xx, rng.uniform(40, 220)),
        ],
        axis=-1,
    )
    img = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.05, 0.25) * min(w, h)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    draw.rectangle([0, 0, w, max(2, h // 8)], fill=(10, 10, 10))
    return img


def save(img: Image.Image, path: Path, fmt: str | None = None, **params) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format=fmt, **params)
    return path


def jpeg(path: Path, size=(640, 480), seed: int = 0, quality: int = 90) -> Path:
    return save(picture(size, seed), path, "JPEG", quality=quality)


def jpeg_bytes(size: tuple[int, int] = (160, 120), seed: int = 0, quality: int = 85) -> bytes:
    """A test picture as JPEG bytes, for tests that put photos straight into a store."""
    buf = io.BytesIO()
    picture(size, seed).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def add_picture(store, participant, size: tuple[int, int] = (160, 120), seed: int = 0, quality: int = 85,
                **photo_fields):
    """Store a test picture as a photo of ``participant`` (as the station or an import would)
    and return the ``Photo``; ``photo_fields`` go to ``EventStore.add_photo`` (state, original_name)."""
    data = jpeg_bytes(size, seed, quality)
    return store.add_photo(participant, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG",
                           width=size[0], height=size[1], **photo_fields)


def exif_rotated_jpeg(path: Path, seed: int = 0, size=(480, 640)) -> Image.Image:
    """A portrait photo stored sideways with EXIF orientation 6 (as phones do).

    Returns the upright picture a viewer shows, for comparison.
    """
    upright = picture(size, seed)
    # Orientation 6 means "rotate 90 degrees clockwise to display", so store it rotated
    # counter-clockwise by 90 degrees.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    save(stored, path, "JPEG", quality=95, exif=exif.tobytes())
    return upright


def cmyk_jpeg(path: Path, seed: int = 0, size=(640, 480)) -> Path:
    return save(picture(size, seed).convert("CMYK"), path, "JPEG", quality=95)


def grayscale_png(path: Path, seed: int = 0, size=(640, 480)) -> Path:
    return save(picture(size, seed).convert("L"), path, "PNG")


def rgba_png(path: Path, seed: int = 0, size=(640, 480)) -> Path:
    img = picture(size, seed).convert("RGBA")
    alpha = Image.new("L", size, 255)
    ImageDraw.Draw(alpha).rectangle([0, 0, size[0] // 3, size[1]], fill=0)
    img.putalpha(alpha)
    return save(img, path, "PNG")


def png16(path: Path, seed: int = 0, size=(640, 480)) -> np.ndarray:
    """A 16-bit grayscale PNG; returns the 8-bit values it should be read as."""
    gray8 = np.asarray(picture(size, seed).convert("L"), dtype=np.uint16)
    gray16 = gray8 * 257
    img = Image.fromarray(gray16.astype(np.uint16))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "PNG")
    return gray8.astype(np.uint8)


def gif(path: Path, seed: int = 0, size=(320, 240), frames: int = 3) -> Path:
    imgs = [picture(size, seed + i).convert("P") for i in range(frames)]
    path.parent.mkdir(parents=True, exist_ok=True)
    imgs[0].save(path, "GIF", save_all=True, append_images=imgs[1:], duration=100)
    return path


def webp(path: Path, seed: int = 0, size=(640, 480)) -> Path:
    return save(picture(size, seed), path, "WEBP", quality=90)


def bmp(path: Path, seed: int = 0, size=(320, 240)) -> Path:
    return save(picture(size, seed), path, "BMP")


def tiff(path: Path, seed: int = 0, size=(320, 240)) -> Path:
    return save(picture(size, seed), path, "TIFF")


def large_jpeg(path: Path, seed: int = 0, size=(6000, 4000)) -> Path:
    return save(picture(size, seed), path, "JPEG", quality=85)


# --- bad input -------------------------------------------------------------------------


def empty_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def truncated_jpeg(path: Path, seed: int = 0) -> Path:
    buf = io.BytesIO()
    picture((640, 480), seed).save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 2])
    return path


def text_named_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("this is not a picture\n")
    return path


def dangling_symlink(path: Path) -> Path:
    """An entry that looks like a photo but cannot be read (works even as root)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(path.parent / "does-not-exist.jpg", path)
    return path
