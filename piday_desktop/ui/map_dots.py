"""Every photo of a big map as one item: coloured squares painted from numpy arrays.

A 20,000-photo map zoomed out is 20,000 squares of three pixels. As 20,000 ``QGraphicsItem``s
every new shot, refit, search or camera move cost the UI thread per photo (measured: a shot took
640 ms to show, a search stalled the event loop 2.6 s). Here the map view keeps one row per
photo (:class:`DotTable`) and one :class:`DotsItem` paints the rows that have no item of their
own: the view is stamped into a QImage by numpy, one vectorised write per layer, and drawn in
one call; the cost follows the view's area and the number of photos, never a Python call per
photo. The stamped view is kept while the rows and the transform stay as they were, so the many
repaints that change nothing here (the marker's pulse, the preview beside it) are blits. The
view gives real photo items (thumbnails) only to what is zoomed into, and to the few photos in
play (new, hovered, selected, their look-alikes).

Drawn as the tiny photo items are: a square of the photo's mean colour (its participant's colour
until the thumbnail is decoded), the newest visitor's photos and search matches a bigger square
of their colour or the highlight, dimmed ones faint.
"""

from __future__ import annotations

import math
from itertools import repeat

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .map_items import HIGHLIGHT, THUMB

#: Row flags.
ITEM = 1  # drawn by its own photo item, not here
NEWEST = 2  # the newest visitor's
LIT = 4  # a search match
SHOWN = 8  # its item was painted once (``point_shown`` fired)
#: A search match or the newest visitor's photo is drawn this much bigger (as a tiny PhotoItem).
HALO = 1.6
#: At most this many pixels are stamped per layer; beyond it squares are drawn smaller.
MAX_STAMP = 6_000_000
#: Squares smaller than this (device pixels) are stamped for the whole view at any repaint, and kept.
KEEP_BELOW_PX = 8.0


def argb(colour: QColor) -> int:
    """0xAARRGGBB of an opaque colour."""
    return 0xFF000000 | (colour.red() << 16) | (colour.green() << 8) | colour.blue()


class DotTable:
    """One row per photo on a map view: where it is drawn, its colours and state (owner thread).

    ``xy`` is where a photo is drawn now, ``home`` where it belongs (they differ while the map
    glides), ``start`` where the running glide began; scene coordinates. Rows are kept dense: a
    removed row is filled by the last one.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self._codes: dict[str, int] = {}
        self._alloc(64)

    def _alloc(self, cap: int) -> None:
        n = len(self.ids)
        old = getattr(self, "xy", None)

        def grow(name: str, shape: tuple, dtype, fill=0) -> None:
            arr = np.full(shape, fill, dtype)
            if old is not None:
                arr[:n] = getattr(self, name)[:n]
            setattr(self, name, arr)

        grow("xy", (cap, 2), np.float64)
        grow("start", (cap, 2), np.float64)
        grow("home", (cap, 2), np.float64)
        grow("colour", (cap,), np.uint32)  # the mean colour (participant colour until decoded)
        grow("pcolour", (cap,), np.uint32)  # the participant's colour (the newest visitor's halo)
        grow("code", (cap,), np.int32)
        grow("alpha", (cap,), np.float32, 1.0)
        grow("flags", (cap,), np.uint8)
        grow("shown_at", (cap,), np.float64)  # perf_counter of its item's first paint (SHOWN)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, photo_id: object) -> bool:
        return photo_id in self.index

    _COLUMNS = ("xy", "start", "home", "colour", "pcolour", "code", "alpha", "flags", "shown_at")

    def add(self, photo_id: str, code: str, colour: QColor, xy: tuple[float, float]) -> int:
        n = len(self.ids)
        if n == len(self.xy):
            self._alloc(2 * n)
        self.ids.append(photo_id)
        self.index[photo_id] = n
        self.xy[n] = self.start[n] = self.home[n] = xy
        self.colour[n] = self.pcolour[n] = argb(colour)
        self.code[n] = self._codes.setdefault(code, len(self._codes))
        self.alpha[n] = 1.0
        self.flags[n] = 0
        return n

    def remove(self, photo_id: str) -> None:
        row = self.index.pop(photo_id, None)
        if row is None:
            return
        last = len(self.ids) - 1
        if row != last:
            moved = self.ids[last]
            self.ids[row] = moved
            self.index[moved] = row
            for name in self._COLUMNS:
                col = getattr(self, name)
                col[row] = col[last]
        self.ids.pop()

    def rows(self, ids) -> np.ndarray:
        """Rows of the given ids that are here (others skipped)."""
        found = self.lookup(ids)
        return found[found >= 0]

    def lookup(self, ids) -> np.ndarray:
        """The row of each id, -1 where it is not here (one C-level pass: a group has thousands)."""
        return np.fromiter(map(self.index.get, ids, repeat(-1)), dtype=np.int64)

    def set_flag(self, flag: int, rows: np.ndarray | None = None, on: bool = True) -> None:
        """Set (or clear) ``flag`` on ``rows``; ``rows=None``: clear it everywhere, then set it on none."""
        n = len(self.ids)
        if rows is None:
            self.flags[:n] &= np.uint8(~flag & 0xFF)
            return
        if on:
            self.flags[rows] |= np.uint8(flag)
        else:
            self.flags[rows] &= np.uint8(~flag & 0xFF)

    def set_newest(self, code: str | None) -> None:
        n = len(self.ids)
        self.set_flag(NEWEST)
        number = self._codes.get(code) if code is not None else None
        if number is not None:
            self.set_flag(NEWEST, np.flatnonzero(self.code[:n] == number))

    def within(self, rect: QRectF) -> np.ndarray:
        """Rows whose home lies inside a scene rectangle."""
        h = self.home[: len(self.ids)]
        inside = ((h[:, 0] >= rect.left()) & (h[:, 0] <= rect.right())
                  & (h[:, 1] >= rect.top()) & (h[:, 1] <= rect.bottom()))
        return np.flatnonzero(inside)

    def nearest(self, x: float, y: float, reach: float) -> str | None:
        """The photo drawn here (not by an item of its own) nearest to a scene point, within ``reach``."""
        n = len(self.ids)
        if not n:
            return None
        d = np.maximum(np.abs(self.xy[:n, 0] - x), np.abs(self.xy[:n, 1] - y))
        d[(self.flags[:n] & ITEM) != 0] = np.inf
        row = int(np.argmin(d))
        return self.ids[row] if d[row] <= reach else None


def _premultiplied(colours: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """0xAARRGGBB opaque colours times per-row alpha, premultiplied (QImage's ARGB32_Premultiplied)."""
    if not len(alpha) or alpha.min() >= 1.0:
        return colours  # opaque: nothing to multiply (the usual case)
    a = (np.clip(alpha, 0.0, 1.0) * 255 + 0.5).astype(np.uint32)
    c = colours.astype(np.uint32, copy=False)
    r = ((c >> 16) & 0xFF) * a // 255
    g = ((c >> 8) & 0xFF) * a // 255
    b = (c & 0xFF) * a // 255
    return (a << 24) | (r << 16) | (g << 8) | b


def _stamp(buf: np.ndarray, cx: np.ndarray, cy: np.ndarray, side: int, colours: np.ndarray) -> None:
    """Fill a ``side`` x ``side`` square of each colour centred at (cx, cy) in ``buf`` (h, w uint32)."""
    h, w = buf.shape
    if len(cx) and len(cx) * side * side > MAX_STAMP:
        side = max(1, int(math.sqrt(MAX_STAMP / len(cx))))
    x0 = np.floor(cx - side / 2 + 0.5).astype(np.int64)
    y0 = np.floor(cy - side / 2 + 0.5).astype(np.int64)
    keep = (x0 >= 0) & (x0 <= w - side) & (y0 >= 0) & (y0 <= h - side)
    if not keep.any():
        return
    x0, y0, colours = x0[keep], y0[keep], colours[keep]
    offsets = (np.arange(side)[:, None] * w + np.arange(side)[None, :]).ravel()
    flat = ((y0 * w + x0)[:, None] + offsets[None, :]).ravel()
    buf.reshape(-1)[flat] = np.repeat(colours, side * side)


class _Layer:
    """The squares as stamped once: for one view transform, one widget size, one state of the rows.

    A map view repaints far more often than its rows change: the live marker pulses 30 times a
    second and glides 60 times a second for a third of a second after each move, the camera
    preview beside it repaints at its frame rate, and each repaint exposes part of this item
    (its rectangle is the whole scene). Stamping 20,000 rows for each of them, a repaint of the
    view cost the UI thread 0.75 ms marker-sized and 2.8 ms whole; blitting the exposed part of
    the kept layer, 0.38 and 0.97 ms (``bench/map_dots_paint.py``). The layer is valid while the
    transform, the widget size and the rows drawn here (positions, colours, flags, alpha) are
    what they were when it was stamped: the rows are compared with a copy (tens of
    microseconds), so no caller has to remember to invalidate it.
    """

    __slots__ = ("key", "area", "pad", "buf", "image", "rows")

    def __init__(self, key: tuple, area: QRect, pad: int, buf: np.ndarray | None, rows: tuple) -> None:
        self.key, self.area, self.pad, self.buf, self.rows = key, area, pad, buf, rows
        self.image = None if buf is None else QImage(buf.data, buf.shape[1], buf.shape[0], 4 * buf.shape[1],
                                                     QImage.Format.Format_ARGB32_Premultiplied)


def _row_columns(t: DotTable) -> tuple[np.ndarray, ...]:
    """What the squares' pixels depend on, per row: position, colours, flags (the SHOWN bit left
    out; ``flags`` is index 3), alpha. Views, except the flags."""
    n = len(t)
    return t.xy[:n], t.colour[:n], t.pcolour[:n], t.flags[:n] & np.uint8(ITEM | NEWEST | LIT), t.alpha[:n]


def _row_state(t: DotTable) -> tuple:
    """The row count and a copy of each of :func:`_row_columns`, kept with a layer."""
    return (len(t), *(np.array(c) for c in _row_columns(t)))


def _same_rows(t: DotTable, layer: _Layer) -> bool:
    """Whether the rows drawn here are as they were when ``layer`` was stamped.

    Equal copies are the usual answer (tens of microseconds). Otherwise only the rows drawn here
    count: a row with an item of its own changes colour when its thumbnail arrives, dozens of
    times a second while a zoomed-in view fills, and that must not stamp the whole view again
    (then the copies are refreshed, so the next check is the quick one again).
    """
    then = layer.rows
    n = len(t)
    if n != then[0]:
        return False
    now = _row_columns(t)
    if all(np.array_equal(a, b) for a, b in zip(now, then[1:])):
        return True
    differ = [(a != b).reshape(n, -1).any(axis=1) for a, b in zip(now, then[1:])]
    drawn = (now[3] & ITEM) == 0
    if any((d & drawn).any() for d in differ) or not np.array_equal(drawn, (then[4] & ITEM) == 0):
        return False
    layer.rows = _row_state(t)
    return True


class DotsItem(QGraphicsItem):
    """Paints the rows of a :class:`DotTable` that have no item of their own (see the module doc).

    What it stamps for a view is kept (:class:`_Layer`) and blitted again while nothing it
    depends on has changed.
    """

    def __init__(self, table: DotTable) -> None:
        super().__init__()
        self.table = table
        self.setZValue(0.9)  # under every photo item, over the neighbour lines
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # exposedRect
        self.painted = 0  # paints that drew squares so far (tests, bench)
        self.stamped = 0  # of them, those that stamped the rows afresh (tests, bench)
        self._layer: _Layer | None = None

    #: The whole scene (the map view's scene rectangle), so that no bounds are ever recomputed:
    #: what is painted is the exposed part of the view, whatever the rows hold.
    _RECT = QRectF(-1e6, -1e6, 2e6, 2e6)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._RECT

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        t = self.table
        if not len(t):
            return
        tr = painter.worldTransform()
        area = tr.mapRect(option.exposedRect).toAlignedRect().adjusted(-1, -1, 1, 1)
        whole = area
        if widget is not None:
            whole = QRect(0, 0, widget.width(), widget.height())
            area = area.intersected(whole)
        if area.isEmpty():
            return
        dpr = painter.device().devicePixelRatioF() or 1.0
        key = (tr.m11(), tr.m12(), tr.m21(), tr.m22(), tr.dx(), tr.dy(), dpr,
               whole.x(), whole.y(), whole.width(), whole.height())
        layer = self._layer
        if layer is None or layer.key != key or not layer.area.contains(area) or not _same_rows(t, layer):
            # Zoomed out (small squares: the station's whole map), a widget's whole view is
            # stamped and kept even for a small exposed part: a change is usually followed by
            # many marker-sized repaints, each then a blit, and stamping the view costs about a
            # millisecond. Zoomed in, squares are big and the view fills with photo items a
            # sweep at a time, each sweep a change: there a small part is stamped alone, as
            # cheaply as ever, and nothing kept. Without a widget (the scene rendered into an
            # image) only what is asked for is stamped.
            side = THUMB * math.sqrt(abs(tr.m11() * tr.m22() - tr.m12() * tr.m21())) * dpr
            most = 2 * area.width() * area.height() >= whole.width() * whole.height()
            keep = widget is not None and (side < KEEP_BELOW_PX or most)
            layer = self._stamp_layer(tr, whole if keep else area, dpr, side, key, keep)
            self._layer = layer if keep else None
        if layer.image is None:
            return  # no square to draw: every row has an item of its own
        self.painted += 1
        src = QRectF((area.x() - layer.area.x()) * dpr + layer.pad, (area.y() - layer.area.y()) * dpr + layer.pad,
                     area.width() * dpr, area.height() * dpr)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QRectF(area), layer.image, src)
        painter.restore()

    def _stamp_layer(self, tr, area: QRect, dpr: float, side: float, key: tuple, keep: bool) -> _Layer:
        """Stamp every square that falls in ``area`` (device pixels of the view) into a new layer,
        ``side`` device pixels wide; with ``keep``, it holds a copy of the rows' state to be
        checked against at later paints."""
        t = self.table
        n = len(t)
        rows = _row_state(t) if keep else ()
        drawn = np.flatnonzero((t.flags[:n] & ITEM) == 0)
        if not len(drawn):
            return _Layer(key, area, 0, None, rows)
        self.stamped += 1
        s, big = max(1, int(round(side))), max(1, int(round(side * HALO)))
        pad = big + 2
        w, h = int(math.ceil(area.width() * dpr)) + 2 * pad, int(math.ceil(area.height() * dpr)) + 2 * pad
        buf = np.zeros((h, w), np.uint32)
        x, y = t.xy[drawn, 0], t.xy[drawn, 1]
        cx = (tr.m11() * x + tr.m21() * y + tr.dx() - area.x()) * dpr + pad
        cy = (tr.m12() * x + tr.m22() * y + tr.dy() - area.y()) * dpr + pad
        near = (cx > -big) & (cx < w + big) & (cy > -big) & (cy < h + big)
        drawn, cx, cy = drawn[near], cx[near], cy[near]
        flags, alpha = t.flags[drawn], t.alpha[drawn]
        lit, newest = (flags & LIT) != 0, (flags & NEWEST) != 0
        plain = ~lit & ~newest
        _stamp(buf, cx[plain], cy[plain], s, _premultiplied(t.colour[drawn[plain]], alpha[plain]))
        sel = newest & ~lit
        _stamp(buf, cx[sel], cy[sel], big, _premultiplied(t.pcolour[drawn[sel]], alpha[sel]))
        if lit.any():
            hl = np.full(int(lit.sum()), argb(HIGHLIGHT), np.uint32)
            _stamp(buf, cx[lit], cy[lit], big, _premultiplied(hl, alpha[lit]))
        return _Layer(key, area, pad, buf, rows)
