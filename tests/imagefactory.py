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


def dng(path: Path, size: tuple[int, int] = (64, 48), preview: tuple[int, int] | None = (32, 24),
        seed: int = 0) -> Path:
    """A real DNG (what LibRaw reads as a camera RAW): a 16-bit RGGB Bayer mosaic in a SubIFD and,
    unless ``preview`` is None, the camera's reduced-size JPEG rendering in IFD0 (NewSubfileType
    1), as Adobe's converter and cameras that shoot DNG write it. Written by hand (TIFF/EP + DNG
    1.4 tags) because no RAW file can be downloaded here and no pure-Python DNG writer is on the
    index; ``rawpy.imread`` of the result reports the CFA pattern and extracts the preview.
    """
    import struct

    width, height = size
    rng = np.random.default_rng(seed)
    tint = rng.uniform(0.3, 1.0, 3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = [(xx / width) * 3000 * tint[0] + 300, (yy / height) * 3000 * tint[1] + 300,
              np.full((height, width), 1500.0 * tint[2])]
    cfa = np.empty((height, width), np.uint16)
    cfa[0::2, 0::2] = planes[0][0::2, 0::2]
    cfa[0::2, 1::2] = planes[1][0::2, 1::2]
    cfa[1::2, 0::2] = planes[1][1::2, 0::2]
    cfa[1::2, 1::2] = planes[2][1::2, 1::2]
    raw = cfa.astype("<u2").tobytes()
    jpeg = b""
    if preview is not None:
        rgb = np.stack([np.clip(p / 3400 * 255, 0, 255) for p in planes], -1).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(rgb).resize(preview).save(buf, "JPEG", quality=90)
        jpeg = buf.getvalue()
    SHORT, LONG, RATIONAL, SRATIONAL, ASCII, BYTE = 3, 4, 5, 10, 2, 1

    def pad(b: bytes) -> bytes:
        return b + b"\0" * (len(b) % 2)

    def ifd(entries: list, at: int) -> bytes:
        entries = sorted(entries, key=lambda e: e[0])
        extra_at = at + 2 + 12 * len(entries) + 4
        body, extra = b"", b""
        for tag, typ, vals in entries:
            if typ == ASCII:
                payload, count = vals.encode() + b"\0", len(vals) + 1
            elif typ == BYTE:
                payload, count = bytes(vals), len(vals)
            elif typ == SHORT:
                payload, count = struct.pack(f"<{len(vals)}H", *vals), len(vals)
            elif typ == LONG:
                payload, count = struct.pack(f"<{len(vals)}I", *vals), len(vals)
            else:  # (S)RATIONAL pairs
                flat = [x for v in vals for x in v]
                payload, count = struct.pack(f"<{len(flat)}{'I' if typ == RATIONAL else 'i'}", *flat), len(vals)
            if len(payload) <= 4:
                body += struct.pack("<HHI", tag, typ, count) + payload.ljust(4, b"\0")
            else:
                body += struct.pack("<HHI", tag, typ, count) + struct.pack("<I", extra_at + len(extra))
                extra += pad(payload)
        return struct.pack("<H", len(entries)) + body + struct.pack("<I", 0) + extra

    jpeg_at = 8
    raw_at = jpeg_at + len(pad(jpeg))
    sub_at = raw_at + len(raw)
    sub = pad(ifd([(254, LONG, [0]), (256, LONG, [width]), (257, LONG, [height]), (258, SHORT, [16]),
                   (259, SHORT, [1]), (262, SHORT, [32803]), (273, LONG, [raw_at]), (277, SHORT, [1]),
                   (278, LONG, [height]), (279, LONG, [len(raw)]), (284, SHORT, [1]),
                   (33421, SHORT, [2, 2]), (33422, BYTE, [0, 1, 1, 2]),
                   (50714, LONG, [0]), (50717, LONG, [4095])], sub_at))
    ifd0_at = sub_at + len(sub)
    identity = [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]
    tags = [(271, ASCII, "piday"), (272, ASCII, "test camera"), (50706, BYTE, [1, 4, 0, 0]),
            (50708, ASCII, "piday test camera"), (50721, SRATIONAL, identity),
            (50728, RATIONAL, [(1, 1), (1, 1), (1, 1)]), (330, LONG, [sub_at]), (254, LONG, [1])]
    if preview is not None:
        pw, ph = preview
        tags += [(256, LONG, [pw]), (257, LONG, [ph]), (258, SHORT, [8, 8, 8]), (259, SHORT, [7]),
                 (262, SHORT, [6]), (273, LONG, [jpeg_at]), (277, SHORT, [3]), (278, LONG, [ph]),
                 (279, LONG, [len(jpeg)])]
    else:
        tags += [(256, LONG, [1]), (257, LONG, [1])]
    path.write_bytes(b"II*\0" + struct.pack("<I", ifd0_at) + pad(jpeg) + raw + sub + ifd(tags, ifd0_at))
    return path
