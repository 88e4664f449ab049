"""A self-contained interactive HTML map of an event: the offline fallback when the venue Wi-Fi fails.

One file that opens in any browser without network: thumbnails are packed into a few JPEG
sprite sheets embedded as data URIs, the data is inline JSON, and the page's own small canvas
script (``resources/map_template.html``) does zoom, pan, hover, look-alikes, cluster names and
search by participant code or label.

Why our own page rather than datamapplot: datamapplot's interactive output loads deck.gl and
fonts from a CDN (its offline mode must first download and cache them, which a venue laptop
without network cannot do), and it pulls pandas, matplotlib, dask and datashader into a
station that only needs numpy and Pillow for this. The page here is about 500 lines, has no
dependencies, and draws thousands of photos smoothly on a canvas.

This module only renders: the caller (``piday map``) supplies positions, neighbours, clusters
and label matches. Plain Python + numpy + Pillow, no Qt, no torch.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.images import ImageError, load_rgb

log = logging.getLogger(__name__)

#: Sprite sheets are at most this many pixels wide and high (safe for every browser's canvas).
SHEET_PX = 2048


@dataclass(frozen=True)
class HtmlPhoto:
    id: str
    code: str
    shot: int
    x: float  # drawing position, in thumbnail units
    y: float
    path: Path | None  # None: drawn as a coloured square (no photo consent, or file missing)
    neighbours: tuple[tuple[int, float], ...] = ()  # (index into the document's photos, cosine)


@dataclass(frozen=True)
class HtmlCluster:
    name: str
    members: tuple[int, ...]


@dataclass
class HtmlMap:
    """Everything the page shows. ``labels``: vocabulary label -> best-matching photo indices."""

    title: str
    event: str
    model_id: str
    created: str
    photos: list[HtmlPhoto]
    clusters: list[HtmlCluster] = field(default_factory=list)
    labels: dict[str, list[int]] = field(default_factory=dict)
    note: str = ""


def tile_px(n: int) -> int:
    """Pixels per thumbnail in the page: sharp for an exhibition, a few MB even at 20,000 photos."""
    if n <= 3000:
        return 96
    if n <= 8000:
        return 64
    return 40


def _thumb(path: Path, tile: int) -> np.ndarray | None:
    try:
        img = load_rgb(path, min_side=tile)
    except (ImageError, OSError) as exc:
        log.warning("no thumbnail for %s: %s", path.name, exc)
        return None
    try:
        w, h = img.size
        s = min(w, h)
        top = 0 if h > w else (h - s) // 2
        box = ((w - s) // 2, top, (w - s) // 2 + s, top + s)
        return np.asarray(img.resize((tile, tile), Image.Resampling.LANCZOS, box=box, reducing_gap=2.0))
    finally:
        img.close()


def build_sprites(paths: Sequence[Path | None], tile: int, workers: int = 4,
                  progress: Callable[[int], None] | None = None) -> tuple[list[str], list[int]]:
    """JPEG sprite sheets (data URIs) and, per photo, its tile number (-1: none).

    Tile k of the document is at sheet k // per_sheet, column (k % per_sheet) % cols, row
    (k % per_sheet) // cols, with cols = SHEET_PX // tile.
    """
    cols = SHEET_PX // tile
    per_sheet = cols * cols
    with ThreadPoolExecutor(workers, thread_name_prefix="piday-map-thumbs") as pool:
        thumbs = []
        for k, t in enumerate(pool.map(lambda p: _thumb(p, tile) if p is not None else None, paths)):
            thumbs.append(t)
            if progress is not None:
                progress(k + 1)
    tiles = [-1] * len(paths)
    have = [i for i, t in enumerate(thumbs) if t is not None]
    sheets = []
    for start in range(0, len(have), per_sheet):
        chunk = have[start:start + per_sheet]
        rows = math.ceil(len(chunk) / cols)
        sheet = Image.new("RGB", (cols * tile if rows > 1 else len(chunk) * tile, rows * tile), (30, 32, 40))
        for j, i in enumerate(chunk):
            sheet.paste(Image.fromarray(thumbs[i]), ((j % cols) * tile, (j // cols) * tile))
            tiles[i] = start + j
        buf = io.BytesIO()
        sheet.save(buf, "JPEG", quality=84, optimize=True)
        sheets.append("data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
    return sheets, tiles


def _template() -> str:
    return (resources.files("piday_desktop") / "resources" / "map_template.html").read_text(encoding="utf-8")


def document_json(doc: HtmlMap, sheets: list[str], tiles: list[int], tile: int) -> str:
    """The page's data, columnar (compact at 20,000 photos) and safe inside a <script> element."""
    p = doc.photos
    data = {
        "title": doc.title, "event": doc.event, "model": doc.model_id, "created": doc.created, "note": doc.note,
        "tile": tile, "cols": SHEET_PX // tile, "sheets": sheets,
        "id": [x.id for x in p], "code": [x.code for x in p], "shot": [x.shot for x in p],
        "x": [round(float(x.x), 3) for x in p], "y": [round(float(x.y), 3) for x in p], "t": tiles,
        "nb": [[[i, round(float(s), 3)] for i, s in x.neighbours] for x in p],
        "clusters": [{"name": c.name, "members": list(c.members)} for c in doc.clusters],
        "labels": doc.labels,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Nothing in the data may end the script element or open a comment inside it.
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(doc: HtmlMap, *, tile: int | None = None, workers: int = 4,
           progress: Callable[[int], None] | None = None) -> str:
    """The whole page as a string."""
    tile = tile or tile_px(len(doc.photos))
    sheets, tiles = build_sprites([ph.path for ph in doc.photos], tile, workers, progress)
    page = _template()
    from html import escape

    return (page.replace("{{TITLE}}", escape(doc.title))
                .replace("{{DATA}}", document_json(doc, sheets, tiles, tile)))


def write(doc: HtmlMap, out: Path, **kwargs) -> int:
    """Render and write the page (temp file, then rename). Returns its size in bytes."""
    text = render(doc, **kwargs)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out.stat().st_size
