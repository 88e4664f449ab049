"""Reading photos the way a person sees them.

One place decides what "the image" is, so the importer, the embedding engine, the export and
the reference test all agree: EXIF orientation applied, transparency composited onto white,
CMYK / palette / grayscale / 16-bit converted to 8-bit RGB, GIFs read at their first frame.
JPEGs can be decoded at reduced size (libjpeg's DCT scaling through Pillow's ``draft``), which
is what makes a 12 MP phone photo cheap to embed at 224x224.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Larger than any camera we expect (a 200 MP phone sensor), small enough to refuse a
# decompression bomb before it eats the laptop's memory.
MAX_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# A truncated JPEG must be reported, not silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

SUPPORTED_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff"}
)
SUPPORTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "DIB", "TIFF"})

ImageSource = Union[str, os.PathLike, bytes, BinaryIO]


class ImageError(Exception):
    """A file that cannot be used as a photo; ``str(err)`` is a reason a user can act on."""


@dataclass(frozen=True)
class ImageInfo:
    """What the importer records about a photo; width/height are as displayed (after EXIF)."""

    format: str
    width: int
    height: int
    taken_at: str | None = None  # EXIF DateTimeOriginal as ISO 8601 (camera local time), if any


def is_candidate(path: Path) -> bool:
    """Whether a directory entry looks like a photo by name (content is checked on open)."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
    except UnidentifiedImageError:
        raise ImageError("not an image Pillow can read (wrong extension or corrupt header)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"image is larger than {MAX_PIXELS // 1_000_000} megapixels") from None
    except FileNotFoundError:
        raise ImageError("file not found") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except OSError as exc:
        raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    if img.format not in SUPPORTED_FORMATS:
        fmt = img.format
        img.close()
        raise ImageError(f"unsupported image format {fmt}")
    return img


def _oriented_size(img: Image.Image) -> tuple[int, int]:
    orientation = img.getexif().get(0x0112, 1)
    w, h = img.size
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def _exif_taken_at(img: Image.Image) -> str | None:
    """The camera's own capture time, which survives copying where file times do not."""
    try:
        value = img.getexif().get_ifd(0x8769).get(0x9003)  # Exif IFD, DateTimeOriginal
    except Exception:  # malformed EXIF must never make a good photo unreadable
        return None
    if not isinstance(value, str) or len(value) < 19:
        return None
    date, _, clock = value.strip().partition(" ")
    parts = date.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or parts[0] == "0000":
        return None
    return f"{parts[0]}-{parts[1]}-{parts[2]}T{clock[:8]}"


def _to_rgb(img: Image.Image) -> Image.Image:
    """8-bit RGB, with alpha composited onto white and 16-bit data scaled, not clipped."""
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        # 16-bit data lives in 0..65535; Pillow's own convert would clip at 255.
        scale = 257.0 if arr.max(initial=0) > 255 or mode.startswith("I;16") else 1.0
        arr = np.clip(np.rint(arr / scale), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, "L").convert("RGB")
    if mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max(initial=0)
        arr = arr * (255.0 if hi <= 1.0 else 255.0 / hi)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("LA", "La", "PA"):
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "RGBa"):
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    if mode == "RGB":
        return img
    return img.convert("RGB")


def probe(source: ImageSource) -> ImageInfo:
    """Check that a file is a whole, decodable image and return its displayed size.

    The pixels are actually decoded (at reduced size for JPEG, so this stays cheap) because
    ``verify()`` alone lets truncated JPEGs through.
    """
    img = _open(source)
    try:
        fmt = "JPEG" if img.format == "MPO" else img.format
        width, height = _oriented_size(img)
        taken_at = _exif_taken_at(img)
        if img.format in ("JPEG", "MPO"):
            img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
        img.load()
        return ImageInfo(format=fmt, width=width, height=height, taken_at=taken_at)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"corrupt or truncated image ({exc})") from None
    finally:
        img.close()


def load_rgb(source: ImageSource, min_side: int | None = None) -> Image.Image:
    """Decode a photo upright in 8-bit RGB.

    With ``min_side``, JPEGs are decoded at the smallest DCT scale whose shorter side is still
    at least ``min_side`` pixels (bounded memory for very large photos, several times faster);
    other formats are decoded whole. Without it the full-resolution image is returned.
    """
    img = _open(source)
    try:
        if min_side and img.format in ("JPEG", "MPO"):
            short = min(img.size)
            if short > min_side:
                factor = short / min_side
                img.draft("RGB", (int(img.width / factor) + 1, int(img.height / factor) + 1))
        img.load()
        # in place: no full-size copy of an upright 6000x4000 PNG just to apply nothing
        ImageOps.exif_transpose(img, in_place=True)
        rgb = _to_rgb(img)
        if rgb is not img:
            img.close()
        return rgb
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        img.close()
        raise ImageError(f"corrupt or truncated image ({exc})") from None
