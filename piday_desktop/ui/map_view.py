"""The live map on screen: a QGraphicsView of a :class:`LiveMap`.

The view half of the napari-style split. It subscribes to the model's signals and only draws:
new photos grow into place, moved photos glide (a refit can move many at once, and a jump would
lose the visitor's eye), the newest visitor glows in their colour, search matches light up while
the rest dim, a click enlarges a photo, frames it with its look-alikes and draws lines to them.
It never calls the CLIP model, UMAP or a decoder: thumbnails come from :class:`ThumbnailCache`.

Where a thumbnail is drawn is the layout nudged apart (``projection.declutter.DisplayMap``), so
a tight group of look-alikes is a tidy cluster of faces, not one stack; a new photo takes the
nearest free spot and nobody else moves. A big map is decluttered on a background thread (the
newest request wins; an older one is cancelled or its result dropped). The map turns a quarter
turn when that lets a tall map fill a wide screen (and back).

Level of detail: every photo has a row in a :class:`~.map_dots.DotTable`, and a photo item (its
thumbnail in a frame) only where one is seen. A map of up to ``ITEM_BUDGET`` photos is all
items. A bigger one is painted by one :class:`~.map_dots.DotsItem` (coloured squares from numpy
arrays), and photo items are made for what the camera is zoomed into (thumbnails at least
``DETAIL_PX`` wide, at most ``ITEM_BUDGET`` of them) and for the few photos in play: a new shot
growing in, the hovered one, the selection and its look-alikes. So the UI thread's work for a
shot, a search, a refit or a camera move never walks 20,000 Python objects: it is numpy over
the rows plus a bounded number of items (created and dropped a slice at a time as the view
moves, ``_sweep``).

Its parts live beside it: ``map_items`` (what a photo, the marker, a name look like),
``map_dots`` (the big map's squares), ``map_motion`` (Qt animations with Qt's easing curves),
``map_labels`` (group names and their collisions), ``map_camera`` (framing, following, the
kiosk's idle return). This module holds the model subscription, the items' state and the pointer.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QAbstractAnimation, QPointF, QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QRadialGradient
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from ..projection.declutter import DisplayMap, PlacementIndex, display_positions, placement_index
from ..projection.live_map import Cluster, Highlight, LiveMap, MapPoint, Selection
from .i18n import translate
from .map_camera import Camera, focus_rect, whole_map_rect
from .map_dots import ITEM, LIT, SHOWN, DotsItem, DotTable, argb
from .map_items import THUMB, LinksItem, MarkerItem, PhotoItem, participant_colour
from .map_labels import ClusterLabels
from .map_motion import GLIDE, MOVE_MS, Motion, animation
from .map_thumbs import Post, ThumbnailCache, thumbnail_side

#: Up to this many photos the whole map is decluttered on the UI thread (about 15 ms).
SYNC_DECLUTTER = 400
MARKER_MS = 350
HOVER_SCALE = 2.6
SELECT_SCALE = 2.0
DIM = 0.16
#: A map of up to this many photos is all photo items; a bigger one gets items for at most this
#: many photos in view (besides the few in play) and is otherwise drawn as squares.
ITEM_BUDGET = 500
#: A big map shows thumbnails once a photo is this many pixels wide on screen (and few enough are seen).
DETAIL_PX = 12.0
#: Photo items made or dropped per sweep (the rest on the next one, ``SWEEP_MS`` later).
PER_SWEEP = 120
SWEEP_MS = 40
#: The items of a zoomed-in big map also cover this share of the view's size around it.
SWEEP_MARGIN = 0.25


def _q(p) -> QPointF:
    return QPointF(float(p[0]) * THUMB, float(p[1]) * THUMB)


class MapView(QGraphicsView):
    """A view of a LiveMap. ``point_shown(photo_id, perf_counter)`` fires when a photo is first painted.

    ``items_``: the photo items in the scene now (every photo on a map of up to ``ITEM_BUDGET``;
    see the module doc for a bigger one); ``photo_count``: the photos on the map.
    """

    point_shown = Signal(str, float)

    def __init__(self, live: LiveMap, thumbs: ThumbnailCache, post: Post, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live, self.thumbs, self._post = live, thumbs, post
        self.scene_ = QGraphicsScene(self)
        self.scene_.setSceneRect(QRectF(-1e6, -1e6, 2e6, 2e6))
        self.setScene(self.scene_)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space / Enter stay with the station window
        self.setMouseTracking(True)
        self.setMinimumSize(240, 200)
        self.display = DisplayMap()
        self.dots = DotTable()
        self._points: dict[str, MapPoint] = {}
        self.items_: dict[str, PhotoItem] = {}
        self.reserved_right = 0  # pixels on the right covered by the pane's card
        self.waiting_for_model = False  # the model cannot load: an empty map must not promise a place
        self.motion = Motion(self)
        self._labels = ClusterLabels(self.scene_, self, self._shown_at, self._homes)
        self.camera = Camera(self, on_arrived=self._labels.declutter)
        self._declutter_pool = ThreadPoolExecutor(1, thread_name_prefix="piday-map-declutter")
        self._declutter_job: object = None  # the newest request; older results are dropped
        self._hover: PhotoItem | None = None
        self._press: QPointF | None = None
        self._dots_item = DotsItem(self.dots)
        self.scene_.addItem(self._dots_item)
        self._glide: QVariantAnimation | None = None  # the squares' glide after a refit
        self._swept_view: tuple | None = None
        self._sweeper = QTimer(self)
        self._sweeper.setSingleShot(True)
        self._sweeper.setInterval(SWEEP_MS)
        self._sweeper.timeout.connect(self._sweep)
        self._relayout = QTimer(self)  # a big map's refit, taken on the next turn (see _moved)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self._relayout_now)
        self._marker = MarkerItem()
        self._marker.hide()
        self._pulsed = 0.0
        self.scene_.addItem(self._marker)
        self._marker_anim: QVariantAnimation | None = None
        self._links = LinksItem()
        self.scene_.addItem(self._links)
        self._pulse = QTimer(self)  # the marker's pulse, while it is shown
        self._pulse.setInterval(33)
        self._pulse.timeout.connect(self._pulse_marker)
        self._idle = QTimer(self)
        self._idle.setInterval(2000)
        self._idle.timeout.connect(self._check_idle)
        self._idle.start()
        self._connections = [
            (live.points_added, self._added), (live.points_moved, self._moved),
            (live.points_removed, self._removed), (live.highlight_changed, self._restyle_all),
            (live.selection_changed, self._selected), (live.marker_changed, self._marker_moved),
            (live.clusters_changed, self._clusters), (live.newest_changed, self._newest),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        thumbs.listen(self._thumbnail)
        # A view may open on a map that already has photos (the full-screen window).
        self._added(tuple(live.points()))
        self._clusters(live.clusters)
        self._marker_moved(live.marker)
        self._selected(live.selection)

    def detach(self) -> None:
        """Stop listening to the model (before the view is destroyed)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self.thumbs.unlisten(self._thumbnail)
        self._pulse.stop()
        self._idle.stop()
        self._sweeper.stop()
        self._relayout.stop()
        self._stop_glide()
        self._declutter_job = None
        self._declutter_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def photo_count(self) -> int:
        """Photos on this view's map (drawn as items or as squares)."""
        return len(self.dots)

    def scene_pos(self, photo_id: str) -> QPointF | None:
        """Where a photo is drawn (scene coordinates), None if it is not on the map."""
        row = self.dots.index.get(photo_id)
        return None if row is None else QPointF(*self.dots.xy[row])

    # -- photos arriving, moving, leaving -----------------------------------------------------------

    def _added(self, points: tuple[MapPoint, ...]) -> None:
        new = [p for p in points if p.id not in self.dots]
        if not new:
            return
        newest = self.live.newest_participant
        spread = self.display.spread
        for p in new:
            self.display.set_layout(p.id, (p.x, p.y))
        # A few new shots find a free spot each; a restored map or a change of spread re-lays all.
        incremental = len(new) <= 50 and abs(self.display.spread - spread) < 1e-9 and bool(self.display.shown)
        # New shots grow into place as items; a restored map is simply there (as items while small).
        as_items = len(new) <= 50 or len(self.dots) + len(new) <= ITEM_BUDGET
        dots = self.dots
        look = self._look()
        for p in new:
            self._points[p.id] = p
            if incremental:
                spot = self.display.place_new(p.id)
            elif len(new) <= 50:
                spot = self.display.to_display((p.x, p.y), exclude=p.id)  # until the declutter lands
            else:
                spot = np.array([p.x, p.y]) * self.display.spread
            row = dots.add(p.id, p.participant_code, participant_colour(p.participant_code),
                           (float(spot[0]) * THUMB, float(spot[1]) * THUMB))
            cached = self.thumbs.get(p.id)
            if cached is not None:
                dots.colour[row] = argb(cached[1])
            else:
                self.thumbs.request(p.id, p.path)
            if as_items:
                item = self._make_item(p.id, look)
                if len(new) <= 50:
                    self.motion.appear(item)
        self.dots.set_newest(newest)
        self._style_dots(look)
        self.thumbs.side = thumbnail_side(len(self.dots))
        if incremental:
            self._after_layout(labels=False)  # nobody else moved; a new photo is in no named group yet
        else:
            self._declutter()
        self.viewport().update()

    def _moved(self, moved: tuple[tuple[str, float, float], ...], method: str) -> None:
        if len(self.dots) > SYNC_DECLUTTER:
            # A big map's refit: read the positions on the next turn of the event loop, from the
            # model's arrays, so that the layout's own turn (the model taking 20,000 positions)
            # and this one each stay short. It is decluttered on a thread anyway.
            self._relayout.start()
            return
        for pid, x, y in moved:
            if pid in self.dots:
                self.display.set_layout(pid, (x, y))
        self._declutter()  # a refit (or a tiny map laid out afresh): everyone glides to their new place

    def _relayout_now(self) -> None:
        ids, pos = self.live.ids, self.live.positions
        rows = self.dots.lookup(ids)
        keep = np.flatnonzero((rows >= 0) & np.isfinite(pos[:, 0]))  # only photos this view shows
        if len(keep) != len(ids):
            ids, pos = [ids[k] for k in keep], pos[keep]
        self.display.set_layouts(ids, pos)
        self._declutter()

    def _removed(self, ids: tuple[str, ...]) -> None:
        spread = self.display.spread
        for pid in ids:
            self.display.remove(pid)
            if pid not in self.dots:
                continue
            if pid in self.items_:
                self._release(pid)
            self.dots.remove(pid)
            self._points.pop(pid, None)
            if pid not in self.live:
                self.thumbs.forget(pid)
        if abs(self.display.spread - spread) > 1e-9:
            self._declutter()
        else:
            self._after_layout()
        self.viewport().update()

    def _declutter(self) -> None:
        """Recompute every drawing position from the layout; glide there when known.

        Up to ``SYNC_DECLUTTER`` photos on the UI thread (about 15 ms); a bigger map on the
        declutter thread, where a newer request cancels one still waiting and drops the result
        of one already running.
        """
        vp = self.viewport()
        self.display.choose_rotation(vp.width() / max(1, vp.height()))
        ids, layout, rotated = self.display.snapshot()
        previous = self._declutter_job
        if isinstance(previous, Future):
            previous.cancel()
        job = self._declutter_job = object()
        if not ids:
            self._declutter_job = None
            self._after_layout()
            return
        if len(ids) <= SYNC_DECLUTTER:
            self._glide_to(job, ids, display_positions(layout, rotate=rotated))
            return

        def work() -> None:
            out = display_positions(layout, rotate=rotated)
            placement = placement_index(layout, out)  # so that the next shot's free spot builds nothing
            # Runs on the UI thread, after ``future`` below was assigned there.
            self._post(lambda: self._glide_to(future, ids, out, placement))
        try:
            future = self._declutter_job = self._declutter_pool.submit(work)
        except RuntimeError:  # detached: the view is going away
            pass

    @property
    def declutter_idle(self) -> bool:
        """No declutter is waiting, running or about to be applied (tests, bench)."""
        return self._declutter_job is None and not self._relayout.isActive()

    def _glide_to(self, job: object, ids: list[str], shown: np.ndarray,
                  placement: PlacementIndex | None = None) -> None:
        if job is not self._declutter_job:
            return  # a newer layout is on its way
        self._declutter_job = None
        self.display.apply(ids, shown, placement)
        dots = self.dots
        index = dots.index
        found = dots.lookup(ids)
        src = np.flatnonzero(found >= 0)
        rows = found[src]
        self._stop_glide()
        n = len(dots)
        dots.start[:n] = dots.xy[:n]
        dots.home[rows] = np.asarray(shown, dtype=np.float64)[src] * THUMB
        for pid, item in self.items_.items():  # a bounded number: photo items
            target = QPointF(*dots.home[index[pid]])
            if item.shown_at is None or self.motion.appearing(item):
                self.motion.stop_move(item)
                item.setPos(target)  # not on screen yet, or still growing in
            elif (item.pos() - target).manhattanLength() > 0.5:
                self.motion.move(item, target)
        if self._dots_item.painted and not np.allclose(dots.start[:n], dots.home[:n], atol=0.5):
            self._glide = anim = animation(self, 0.0, 1.0, MOVE_MS, GLIDE, self._glide_step)
            anim.finished.connect(lambda: self._glided(anim))
        else:
            dots.xy[:n] = dots.home[:n]  # squares never drawn yet: simply there
        if self.live.marker is not None:
            self._marker_moved(self.live.marker)
        self._after_layout()

    def _glide_step(self, e: float) -> None:
        n = len(self.dots)
        d = self.dots
        d.xy[:n] = d.start[:n] + (d.home[:n] - d.start[:n]) * float(e)
        self._dots_item.update()

    def _glided(self, anim: QVariantAnimation) -> None:
        if anim is self._glide:
            self._glide = None
            n = len(self.dots)
            self.dots.xy[:n] = self.dots.home[:n]
            self._dots_item.update()
            self._schedule_sweep()

    def _stop_glide(self) -> None:
        anim, self._glide = self._glide, None
        try:
            if anim is not None and anim.state() != QAbstractAnimation.State.Stopped:
                anim.stop()
        except RuntimeError:  # already finished and deleted by Qt
            pass

    def _after_layout(self, labels: bool = True) -> None:
        if labels:
            self._labels.place()
        self._refresh_links()
        self._dots_item.update()
        if self.camera.following:
            self.fit()
        self._schedule_sweep()

    def _shown_at(self, pid: str) -> QPointF | None:
        p = self.display.shown.get(pid)
        return None if p is None else _q(p)

    def _homes(self, ids) -> np.ndarray:
        """(k, 2) scene positions of those of ``ids`` that are on the map."""
        return self.dots.home[self.dots.rows(ids)]

    def _thumbnail(self, photo_id: str, pixmap, colour: QColor) -> None:
        item = self.items_.get(photo_id)
        if item is not None:
            item.set_thumbnail(pixmap, colour)
        row = self.dots.index.get(photo_id)
        if row is not None:
            self.dots.colour[row] = argb(colour)
            if item is None:
                self._dots_item.update()

    def _newest(self, code: str | None) -> None:
        for item in self.items_.values():
            if (item.code == code) != item.newest:
                item.newest = item.code == code
                item.restyle()
        self.dots.set_newest(code)
        self._dots_item.update()

    # -- photo items: made where they are seen -------------------------------------------------------

    def _make_item(self, pid: str, look=None) -> PhotoItem:
        item = self.items_.get(pid)
        if item is not None:
            return item
        p = self._points[pid]
        item = PhotoItem(pid, p.participant_code, p.shot, p.path)
        item.on_first_paint = self._first_paint
        item.newest = p.participant_code == self.live.newest_participant
        cached = self.thumbs.get(pid)
        if cached is not None:
            item.set_thumbnail(*cached)
        row = self.dots.index[pid]
        if self.dots.flags[row] & SHOWN:
            item.shown_at = float(self.dots.shown_at[row])
        item.setPos(QPointF(*self.dots.home[row]))
        self.items_[pid] = item
        self.dots.flags[row] |= ITEM
        self._style(item, look)
        item.restyle()
        self.scene_.addItem(item)
        return item

    def _release(self, pid: str) -> None:
        item = self.items_.pop(pid)
        self.motion.stop(item)
        if item is self._hover:
            self._hover = None
        self.scene_.removeItem(item)
        row = self.dots.index.get(pid)
        if row is not None:
            self.dots.flags[row] &= ~ITEM & 0xFF
            self.dots.xy[row] = self.dots.home[row]

    def _schedule_sweep(self) -> None:
        if not self._sweeper.isActive():
            self._sweeper.start()

    def _wanted(self) -> list[str]:
        """The photos that should be items for what the view shows now (see the module doc)."""
        if len(self.dots) <= ITEM_BUDGET:
            return self.dots.ids
        if THUMB * self.camera.scale < DETAIL_PX or not self.declutter_idle or not self.display.shown:
            return []  # far out, or being laid out (the camera has not framed it yet): squares
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        if len(self.dots.within(seen)) > ITEM_BUDGET:
            return []  # too many in view for thumbnails: squares
        mx, my = seen.width() * SWEEP_MARGIN, seen.height() * SWEEP_MARGIN
        rows = self.dots.within(seen.adjusted(-mx, -my, mx, my))
        centre = seen.center()
        home = self.dots.home[rows]
        # What is in view first (the middle first, should a sweep not finish), then a margin around it.
        dist = np.maximum(np.abs(home[:, 0] - centre.x()) / max(seen.width(), 1e-9),
                          np.abs(home[:, 1] - centre.y()) / max(seen.height(), 1e-9))
        rows = rows[np.argsort(dist, kind="stable")][:ITEM_BUDGET]
        return [self.dots.ids[int(r)] for r in rows]

    def _busy(self, item: PhotoItem) -> bool:
        return item.selected_ or item.neighbour or item.hovered or self.motion.busy(item)

    def _sweep(self) -> None:
        """Make photo items for what is seen and drop those no longer seen, ``PER_SWEEP`` at a time."""
        if self._glide is not None:
            return  # the squares are gliding; sweep once they are home
        self._swept_view = self._view_key()
        wanted = self._wanted()
        want = set(wanted)
        drop = [pid for pid, item in self.items_.items() if pid not in want and not self._busy(item)]
        add = [pid for pid in wanted if pid not in self.items_]
        for pid in drop[:PER_SWEEP]:
            self._release(pid)
        if add:
            look = self._look()
            for pid in add[:PER_SWEEP]:
                self._make_item(pid, look)
        if drop or add:
            self._dots_item.update()
        if len(drop) > PER_SWEEP or len(add) > PER_SWEEP:
            self._sweeper.start()

    @property
    def items_settled(self) -> bool:
        """The photo items are the ones this view of the map asks for: no sweep due (tests, bench)."""
        return (not self._sweeper.isActive() and self._glide is None and self.declutter_idle
                and self._swept_view == self._view_key())

    def _view_key(self) -> tuple:
        t = self.viewportTransform()
        return round(t.m11(), 6), round(t.dx()), round(t.dy()), self.viewport().width(), self.viewport().height()

    # -- highlight, selection -----------------------------------------------------------------------

    def _look(self) -> tuple[frozenset[str], Selection | None, frozenset[str]]:
        hl: Highlight | None = self.live.highlight
        sel: Selection | None = self.live.selection
        lit = hl.ids if hl is not None else frozenset()
        near = frozenset(n.id for n in sel.neighbours) if sel is not None else frozenset()
        return lit, sel, near

    def _style(self, item: PhotoItem, look=None) -> None:
        lit, sel, near = look if look is not None else self._look()
        hl = self.live.highlight
        before = (item.lit, item.neighbour)
        item.lit = item.photo_id in lit
        selected = sel is not None and sel.id == item.photo_id
        changed = selected != item.selected_
        if changed:
            item.prepareGeometryChange()  # the caption below it changes its bounds
            item.selected_ = selected
        item.neighbour = item.photo_id in near
        if sel is not None:
            opacity = 1.0 if item.selected_ or item.neighbour else 0.3
        elif hl is not None:
            opacity = 1.0 if item.lit else DIM
        else:
            opacity = 1.0
        if item.opacity() != opacity:
            item.setOpacity(opacity)
        if changed or before != (item.lit, item.neighbour):
            item.restyle()  # a repaint: only when its look changed (hundreds of items may be asked)

    def _restyle_all(self, *_args) -> None:
        look = self._look()
        for item in self.items_.values():
            self._style(item, look)
        self._style_dots(look)
        self.viewport().update()

    def _style_dots(self, look) -> None:
        lit, sel, near = look
        d, n = self.dots, len(self.dots)
        d.set_flag(LIT)
        alpha = d.alpha[:n]
        if sel is not None:
            alpha[:] = 0.3
            alpha[d.rows([sel.id, *near])] = 1.0
        elif self.live.highlight is not None:
            alpha[:] = DIM
            alpha[d.rows(lit)] = 1.0
        else:
            alpha[:] = 1.0
        if lit:
            d.set_flag(LIT, d.rows(lit))
        self._dots_item.update()

    def _selected(self, sel: Selection | None) -> None:
        if sel is not None:  # the selection and its look-alikes are always photo items
            for pid in (sel.id, *(n.id for n in sel.neighbours)):
                if pid in self.dots:
                    self._make_item(pid)
        self._restyle_all()
        for item in self.items_.values():
            want = SELECT_SCALE if item.selected_ else (HOVER_SCALE if item is self._hover else 1.0)
            if abs(item.scale() - want) > 1e-3:
                self.motion.resize(item, want)
        self._refresh_links()
        if self.camera.following or sel is not None:
            self.camera.following = True
            self.fit()
        self._schedule_sweep()

    def _refresh_links(self) -> None:
        sel = self.live.selection
        a = self._shown_at(sel.id) if sel is not None else None
        if a is None:
            self._links.set_lines([])
            return
        ends = [self._shown_at(n.id) for n in sel.neighbours]
        self._links.set_lines([(a, b) for b in ends if b is not None])

    # -- marker, clusters -----------------------------------------------------------------------------

    def _marker_moved(self, xy: tuple[float, float] | None) -> None:
        if xy is None:
            self._marker.hide()
            self._stop_marker()
            self._pulse.stop()
            return
        target = _q(self.display.to_display(xy))
        if not self._marker.isVisible():
            self._stop_marker()
            self._marker.setPos(target)
            self._marker.setScale(1.0 / max(self.camera.scale, 1e-6))
            self._marker.show()
        elif (self._marker.pos() - target).manhattanLength() > 0.5:
            self._stop_marker()
            self._marker_anim = animation(self, self._marker.pos(), target, MARKER_MS, GLIDE, self._marker.setPos)
        self._pulse.start()  # a repaint under it costs a bounded number of items at any map size

    def _stop_marker(self) -> None:
        anim, self._marker_anim = self._marker_anim, None
        try:
            if anim is not None and anim.state() != QAbstractAnimation.State.Stopped:
                anim.stop()
        except RuntimeError:  # already finished and deleted by Qt
            pass

    def _pulse_marker(self) -> None:
        if not self._marker.isVisible():
            self._pulse.stop()
            return
        self._marker.setScale(1.0 / max(self.camera.scale, 1e-6))
        self._marker.phase = (time.perf_counter() * 4.0) % 6.283185307
        self._marker.update()

    @property
    def marker_visible(self) -> bool:
        return self._marker.isVisible()

    def marker_pos(self) -> QPointF:
        return self._marker.pos()

    def _clusters(self, clusters: tuple[Cluster, ...]) -> None:
        self._labels.set(clusters)

    def _hide_colliding_labels(self) -> None:
        self._labels.declutter()

    @property
    def cluster_names(self) -> list[str]:
        return self._labels.visible_names

    # -- animation ----------------------------------------------------------------------------------------

    @property
    def animating(self) -> bool:
        return self.motion.active or self.camera.moving or self._glide is not None

    # -- camera -----------------------------------------------------------------------------------------------

    def map_rect(self) -> QRectF:
        """The scene rectangle the whole map occupies once animations finish."""
        return whole_map_rect(self.display.bounds())

    def focus_rect(self) -> QRectF | None:
        """The selected photo and its look-alikes, when a photo is selected."""
        sel = self.live.selection
        if sel is None:
            return None
        return focus_rect([p for p in (self._shown_at(i) for i in (sel.id, *(n.id for n in sel.neighbours)))
                           if p is not None])

    def fit(self, animate: bool = True) -> None:
        """Frame the selection (beside the card) if there is one, else the whole map."""
        focus = self.focus_rect()
        if focus is not None:
            self.camera.frame(focus, animate=animate, right_margin=self.reserved_right, max_thumb_share=0.1)
        else:
            self.camera.frame(self.map_rect(), animate=animate)

    def follow(self) -> None:
        """Go back to the whole map and keep following it."""
        self.camera.following = True
        if self.live.selection is not None:
            self.live.select(None)  # refits through _selected
        else:
            self.fit()

    def _check_idle(self) -> None:
        if self.camera.idle():
            self.follow()
        self._schedule_sweep()  # drop the items of photos no longer in play (grown in, hovered)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        vp = self.viewport()
        if self.display.choose_rotation(vp.width() / max(1, vp.height())):
            self._declutter()
        elif self.camera.following:
            self.fit(animate=False)
        self._hide_colliding_labels()

    def wheelEvent(self, event) -> None:  # noqa: N802
        self.camera.zoom_at(event.position().toPoint(), 1.0015 ** event.angleDelta().y())
        self._hide_colliding_labels()

    # -- pointer ----------------------------------------------------------------------------------------------

    def photo_at(self, pos) -> PhotoItem | None:
        """The photo under a viewport point; a square of a big map gets its item (to grow, to click)."""
        for item in self.items(pos):
            if isinstance(item, PhotoItem):
                return item
        scale = max(self.camera.scale, 1e-9)
        spot = self.mapToScene(pos)
        pid = self.dots.nearest(spot.x(), spot.y(), max(THUMB * 0.55, 3.0 / scale))
        return self._make_item(pid) if pid is not None else None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if self._press is None:
            return
        moved = (event.position() - self._press).manhattanLength()
        self._press = None
        if moved > 6:
            self.camera.touched()  # a drag: the visitor is exploring
            self._hide_colliding_labels()
            return
        item = self.photo_at(event.position().toPoint())
        self.live.select(item.photo_id if item is not None else None)
        self.camera.last_touch = time.monotonic()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if self.photo_at(event.position().toPoint()) is None:
            self.follow()
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        super().mouseMoveEvent(event)
        if event.buttons() == Qt.MouseButton.NoButton:
            self._set_hover(self.photo_at(event.position().toPoint()))

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._set_hover(None)
        super().leaveEvent(event)

    def _set_hover(self, item: PhotoItem | None) -> None:
        if item is self._hover:
            return
        for it, hovered in ((self._hover, False), (item, True)):
            if it is None:
                continue
            it.prepareGeometryChange()
            it.hovered = hovered
            it.restyle()
            self.motion.resize(it, HOVER_SCALE if hovered else (SELECT_SCALE if it.selected_ else 1.0))
        self._hover = item

    def _first_paint(self, item: PhotoItem) -> None:
        item.shown_at = time.perf_counter()
        row = self.dots.index.get(item.photo_id)
        if row is not None:
            if self.dots.flags[row] & SHOWN:
                return  # painted before, under an item since dropped
            self.dots.flags[row] |= SHOWN
            self.dots.shown_at[row] = item.shown_at
        self.point_shown.emit(item.photo_id, item.shown_at)

    # -- painting -----------------------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()
        vp = QRectF(self.viewport().rect())
        grad = QRadialGradient(vp.center(), max(vp.width(), vp.height()) * 0.75)
        grad.setColorAt(0.0, QColor(34, 38, 58))
        grad.setColorAt(1.0, QColor(12, 13, 20))
        painter.fillRect(vp, grad)
        painter.restore()

    def set_waiting_for_model(self, waiting: bool) -> None:
        """The model cannot load: the empty map says it waits for one instead of promising a place."""
        if waiting != self.waiting_for_model:
            self.waiting_for_model = waiting
            self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """The empty map invites the first visitor; a tiny one explains what it will become."""
        if self._swept_view != self._view_key():
            self._schedule_sweep()  # zoomed or panned: other photos are seen now
        n = len(self.dots)
        if n >= 3:
            return
        painter.save()
        painter.resetTransform()
        vp = QRectF(self.viewport().rect())
        title, body = QFont(), QFont()
        title.setPixelSize(max(18, int(vp.height() / 16)))
        title.setBold(True)
        body.setPixelSize(max(13, int(vp.height() / 34)))
        wrap = Qt.TextFlag.TextWordWrap
        if n == 0:
            if self.waiting_for_model:
                heading = translate("MapView", "The map is waiting for its model")
                detail = translate("MapView", "Photos are kept, and land here as soon as a model is there.\n"
                                   "The start page says how.")
            else:
                heading = translate("MapView", "Your photo starts the map")
                detail = translate("MapView", "Everyone who visits lands here.\nLook-alikes end up side by side.")
            painter.setFont(title)
            painter.setPen(QColor(235, 238, 250))
            painter.drawText(vp.adjusted(20, 0, -20, -vp.height() * 0.12), Qt.AlignmentFlag.AlignCenter | wrap, heading)
            painter.setFont(body)
            painter.setPen(QColor(190, 196, 220))
            painter.drawText(vp.adjusted(30, vp.height() * 0.12, -30, 0), Qt.AlignmentFlag.AlignCenter | wrap, detail)
        else:
            painter.setFont(body)
            painter.setPen(QColor(190, 196, 220))
            painter.drawText(vp.adjusted(20, 0, -20, -18),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | wrap,
                             translate("MapView", "The map grows with every visitor: look-alikes land close together."))
        painter.restore()
