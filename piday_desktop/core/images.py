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
import threading
import warnings
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Larger than any camera we expect (a 200 MP phone sensor), small enough to refuse a
# decompression bomb before it eats the laptop's memory. JPEGs that large are still cheap:
# they are decoded at a reduced DCT scale.
MAX_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Every other format is decoded whole (4 bytes a pixel or more while converting): a 24 KB PNG
# of 196 megapixels would take ~900 MB. 50 MP (~200 MB) is more than any camera's PNG/TIFF.
MAX_FULL_DECODE_PIXELS = 50_000_000
# Decodes above this many pixels take turns (one at a time across the intake and embedding
# threads), so four large PNGs in a folder never peak together.
BIG_DECODE_PIXELS = 16_000_000
_BIG_DECODE = threading.BoundedSemaphore(1)
# A truncated JPEG must be reported, not silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

try:  # HEIC/HEIF, the iPhone's default (AVIF is Pillow's own)
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_READABLE = True
except ImportError:  # pragma: no cover (pillow-heif is a dependency; a broken install still runs)
    HEIF_READABLE = False

SUPPORTED_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff",
     ".heic", ".heif", ".hif", ".avif"}
)
# Camera RAW files: read through their embedded JPEG preview (rawpy), or skipped with "RAW: ...".
RAW_SUFFIXES = frozenset({".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".raf", ".orf", ".rw2", ".pef", ".srw"})
SUPPORTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "DIB", "TIFF", "HEIF", "AVIF"})
DRAFT_FORMATS = frozenset({"JPEG", "MPO"})  # decodable at a reduced scale

class ImageError(Exception):
    """A file that cannot be used as a photo; ``str(err)`` is a reason a user can act on."""


@dataclass(frozen=True)
class VerifiedFile:
    """A file the catalogue references in place (``import --in-place``): read whole, and decoded
    only if its size and SHA-256 are still the recorded ones, so a file changed or replaced after
    import is never embedded (or shown on Atlas) as if it were the photo that was imported."""

    path: Path
    sha256: str
    size: int

    def read(self) -> bytes:
        import hashlib

        try:
            with open(self.path, "rb") as fh:
                data = fh.read(self.size + 1)
        except FileNotFoundError:
            raise ImageError("file not found where it was recorded in place (moved, deleted, or its root is "
                             "not mounted: see `piday check`)") from None
        except OSError as exc:
            raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
        if len(data) != self.size or hashlib.sha256(data).hexdigest() != self.sha256:
            raise ImageError("the file changed since it was imported (its SHA-256 is not the recorded one): "
                             "not embedded; see `piday check`")
        return data


ImageSource = Union[str, os.PathLike, bytes, BinaryIO, VerifiedFile]


@dataclass(frozen=True)
class ImageInfo:
    """What the importer records about a photo; width/height are as displayed (after EXIF)."""

    format: str
    width: int
    height: int
    taken_at: str | None = None  # EXIF DateTimeOriginal as ISO 8601 (camera local time), if any


def is_candidate(path: Path) -> bool:
    """Whether a directory entry looks like a photo by name (content is checked on open)."""
    suffix = path.suffix.lower()
    return suffix in SUPPORTED_SUFFIXES or suffix in RAW_SUFFIXES


def is_raw(path: Path) -> bool:
    return path.suffix.lower() in RAW_SUFFIXES


#: A RAW without a usable preview is demosaiced at half size; beyond this many sensor pixels it is
#: refused instead (a 61 MP sensor is the largest in common use).
MAX_RAW_PIXELS = 120_000_000


def raw_preview(data: bytes) -> bytes:
    """A RAW file as a JPEG: the camera's own embedded rendering, what the photographer saw.

    Demosaicing a 24 MP RAW costs seconds and ~300 MB; the preview is already there, upright
    information and all. A file whose preview is a bitmap has it encoded as JPEG; a file with no
    preview (some phone DNGs) is demosaiced at half size with the camera's white balance.
    Raises :class:`ImageError` "RAW: ..." when none of that can be had.
    """
    try:
        import rawpy
    except ImportError:  # pragma: no cover
        raise ImageError("RAW: reading RAW files needs the rawpy package") from None
    try:
        with rawpy.imread(io.BytesIO(data)) as raw:
            try:
                thumb = raw.extract_thumb()
            except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
                thumb = None
            if thumb is not None and thumb.format == rawpy.ThumbFormat.JPEG:
                return bytes(thumb.data)
            if thumb is not None:  # an RGB bitmap preview
                return _jpeg_of(np.asarray(thumb.data))
            sizes = raw.sizes
            if sizes.raw_width * sizes.raw_height > MAX_RAW_PIXELS:
                raise ImageError(f"RAW: no embedded preview, and {sizes.raw_width * sizes.raw_height // 1_000_000} "
                                 "megapixels is too large to develop here (convert the file to JPEG first)")
            return _jpeg_of(raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8))
    except ImageError:
        raise
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        raise ImageError(f"RAW: not a RAW file this version of LibRaw can read ({type(exc).__name__})") from None


def _jpeg_of(rgb: "np.ndarray") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[..., :3]).astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _decode_slot(img: Image.Image):
    """Take a turn for a decode big enough to matter for memory (call after any draft())."""
    return _BIG_DECODE if img.width * img.height > BIG_DECODE_PIXELS else nullcontext()


def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, VerifiedFile):
        source = source.read()
    if isinstance(source, (str, os.PathLike)) and is_raw(Path(source)):
        try:
            source = raw_preview(Path(source).read_bytes())
        except OSError as exc:
            raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            # Pillow's warnings about odd files (EXIF, TIFF tags of RAW files) are not for the
            # terminal: a file is either read or skipped with a reason.
            warnings.filterwarnings("ignore", module=r"PIL\.")
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
    pixels = img.width * img.height
    if img.format not in DRAFT_FORMATS and pixels > MAX_FULL_DECODE_PIXELS:
        fmt = img.format
        img.close()
        raise ImageError(
            f"image is {pixels / 1e6:.0f} megapixels: a {fmt} is read whole, which would take "
            f"~{pixels * 4 / 2**30:.1f} GB; at most {MAX_FULL_DECODE_PIXELS // 1_000_000} megapixels unless "
            "it is a JPEG (scale it down or save it as JPEG)")
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
        if img.format in DRAFT_FORMATS:
            img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
        with _decode_slot(img):
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
        if min_side and img.format in DRAFT_FORMATS:
            short = min(img.size)
            if short > min_side:
                factor = short / min_side
                img.draft("RGB", (int(img.width / factor) + 1, int(img.height / factor) + 1))
        with _decode_slot(img):
            img.load()
            if min_side and img.format not in DRAFT_FORMATS:
                # A big PNG/TIFF cannot be decoded small, but it can be made small at once,
                # still inside its turn: the caller needs only min_side, not 45 MP in RGB.
                factor = min(img.size) // (2 * min_side)
                if factor >= 2 and img.mode not in ("P", "1", "I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
                    reduced = img.reduce(factor)
                    reduced.info, reduced.format = img.info, img.format
                    exif = img.getexif()
                    img.close()
                    img = reduced
                    if exif:
                        img.info["exif"] = exif.tobytes()
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
