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

Its parts live beside it: ``map_items`` (what a photo, the marker, a name look like),
``map_motion`` (Qt animations with Qt's easing curves), ``map_labels`` (group names and their
collisions), ``map_camera`` (framing, following, the kiosk's idle return). This module holds the
model subscription, the items' state and the pointer.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QAbstractAnimation, QPointF, QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QRadialGradient
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from ..projection.declutter import DisplayMap, display_positions
from ..projection.live_map import Cluster, Highlight, LiveMap, MapPoint, Selection
from .i18n import translate
from .map_camera import Camera, focus_rect, whole_map_rect
from .map_items import THUMB, LinksItem, MarkerItem, PhotoItem
from .map_labels import ClusterLabels
from .map_motion import GLIDE, Motion, animation
from .map_thumbs import Post, ThumbnailCache, thumbnail_side

#: Up to this many photos the whole map is decluttered on the UI thread (about 15 ms).
SYNC_DECLUTTER = 400
MARKER_MS = 350
HOVER_SCALE = 2.6
SELECT_SCALE = 2.0
DIM = 0.16
#: More simultaneous moves than this jump instead of gliding (a refit of a huge map).
MAX_ANIMATED = 4000
#: Above this many photos the live marker neither pulses nor glides: each repaint under it
#: redraws thousands of tiny photos (the event loop lagged ~60 ms a frame at 20,000).
CALM_MARKER = 5000


def _q(p) -> QPointF:
    return QPointF(float(p[0]) * THUMB, float(p[1]) * THUMB)


class MapView(QGraphicsView):
    """A view of a LiveMap. ``point_shown(photo_id, perf_counter)`` fires when a photo is first painted."""

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
        self.items_: dict[str, PhotoItem] = {}
        self.reserved_right = 0  # pixels on the right covered by the pane's card
        self.motion = Motion(self)
        self._labels = ClusterLabels(self.scene_, self, self._shown_at)
        self.camera = Camera(self, on_arrived=self._labels.declutter)
        self._declutter_pool = ThreadPoolExecutor(1, thread_name_prefix="piday-map-declutter")
        self._declutter_job: object = None  # the newest request; older results are dropped
        self._hover: PhotoItem | None = None
        self._press: QPointF | None = None
        self._marker = MarkerItem()
        self._marker.hide()
        self._pulsed = 0.0
        self.scene_.addItem(self._marker)
        self._marker_anim: QVariantAnimation | None = None
        self._links = LinksItem()
        self.scene_.addItem(self._links)
        self._pulse = QTimer(self)  # the marker's pulse, while it is shown on a map that is not huge
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
        self._declutter_job = None
        self._declutter_pool.shutdown(wait=False, cancel_futures=True)

    # -- photos arriving, moving, leaving -----------------------------------------------------------

    def _added(self, points: tuple[MapPoint, ...]) -> None:
        new = [p for p in points if p.id not in self.items_]
        if not new:
            return
        newest = self.live.newest_participant
        spread = self.display.spread
        for p in new:
            self.display.set_layout(p.id, (p.x, p.y))
        # A few new shots find a free spot each; a restored map or a change of spread re-lays all.
        incremental = len(new) <= 50 and abs(self.display.spread - spread) < 1e-9 and bool(self.display.shown)
        for p in new:
            item = PhotoItem(p.id, p.participant_code, p.shot, p.path)
            item.on_first_paint = self._first_paint
            item.newest = p.participant_code == newest
            cached = self.thumbs.get(p.id)
            if cached is not None:
                item.set_thumbnail(*cached)
            else:
                self.thumbs.request(p.id, p.path)
            self.items_[p.id] = item
            if incremental:
                spot = self.display.place_new(p.id)
            elif len(new) <= 50:
                spot = self.display.to_display((p.x, p.y), exclude=p.id)  # until the declutter lands
            else:
                spot = np.array([p.x, p.y]) * self.display.spread
            item.setPos(_q(spot))
            self._style(item)
            if len(new) <= 50:  # new shots grow into place; a restored map is simply there
                self.motion.appear(item)
            self.scene_.addItem(item)
        self.thumbs.side = thumbnail_side(len(self.items_))
        if incremental:
            self._after_layout()
        else:
            self._declutter()
        self.viewport().update()

    def _moved(self, moved: tuple[tuple[str, float, float], ...], method: str) -> None:
        for pid, x, y in moved:
            if pid in self.items_:
                self.display.set_layout(pid, (x, y))
        self._declutter()  # a refit (or a tiny map laid out afresh): everyone glides to their new place

    def _removed(self, ids: tuple[str, ...]) -> None:
        spread = self.display.spread
        for pid in ids:
            item = self.items_.pop(pid, None)
            self.display.remove(pid)
            if item is None:
                continue
            self.motion.stop(item)
            if item is self._hover:
                self._hover = None
            self.scene_.removeItem(item)
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
            self._after_layout()
            return
        if len(ids) <= SYNC_DECLUTTER:
            self._glide_to(job, ids, display_positions(layout, rotate=rotated))
            return

        def work() -> None:
            out = display_positions(layout, rotate=rotated)
            # Runs on the UI thread, after ``future`` below was assigned there.
            self._post(lambda: self._glide_to(future, ids, out))
        try:
            future = self._declutter_job = self._declutter_pool.submit(work)
        except RuntimeError:  # detached: the view is going away
            pass

    def _glide_to(self, job: object, ids: list[str], shown: np.ndarray) -> None:
        if job is not self._declutter_job:
            return  # a newer layout is on its way
        self.display.apply(ids, shown)
        animate = len(ids) <= MAX_ANIMATED
        for pid in ids:
            item = self.items_.get(pid)
            if item is None or pid not in self.display.shown:
                continue
            target = _q(self.display.shown[pid])
            if not animate or item.shown_at is None or self.motion.appearing(item):
                self.motion.stop_move(item)
                item.setPos(target)  # not on screen yet, still growing in, or too many to animate
            elif (item.pos() - target).manhattanLength() > 0.5:
                self.motion.move(item, target)
        if self.live.marker is not None:
            self._marker_moved(self.live.marker)
        self._after_layout()

    def _after_layout(self) -> None:
        self._labels.place()
        self._refresh_links()
        if self.camera.following:
            self.fit()

    def _shown_at(self, pid: str) -> QPointF | None:
        p = self.display.shown.get(pid)
        return None if p is None else _q(p)

    def _thumbnail(self, photo_id: str, pixmap, colour: QColor) -> None:
        item = self.items_.get(photo_id)
        if item is not None:
            item.set_thumbnail(pixmap, colour)

    def _newest(self, code: str | None) -> None:
        for item in self.items_.values():
            if (item.code == code) != item.newest:
                item.newest = item.code == code
                item.restyle()

    # -- highlight, selection -----------------------------------------------------------------------

    def _style(self, item: PhotoItem) -> None:
        hl: Highlight | None = self.live.highlight
        sel: Selection | None = self.live.selection
        item.lit = hl is not None and item.photo_id in hl.ids
        selected = sel is not None and sel.id == item.photo_id
        if selected != item.selected_:
            item.prepareGeometryChange()  # the caption below it changes its bounds
            item.selected_ = selected
        item.neighbour = sel is not None and any(n.id == item.photo_id for n in sel.neighbours)
        if sel is not None:
            opacity = 1.0 if item.selected_ or item.neighbour else 0.3
        elif hl is not None:
            opacity = 1.0 if item.lit else DIM
        else:
            opacity = 1.0
        item.setOpacity(opacity)
        item.restyle()

    def _restyle_all(self, *_args) -> None:
        for item in self.items_.values():
            self._style(item)
        self.viewport().update()

    def _selected(self, sel: Selection | None) -> None:
        self._restyle_all()
        for item in self.items_.values():
            want = SELECT_SCALE if item.selected_ else (HOVER_SCALE if item is self._hover else 1.0)
            if abs(item.scale() - want) > 1e-3:
                self.motion.resize(item, want)
        self._refresh_links()
        if self.camera.following or sel is not None:
            self.camera.following = True
            self.fit()

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
        elif len(self.items_) > CALM_MARKER:
            self._marker.setPos(target)  # a huge map: every repaint under the marker costs, so jump
            return
        elif (self._marker.pos() - target).manhattanLength() > 0.5:
            self._stop_marker()
            self._marker_anim = animation(self, self._marker.pos(), target, MARKER_MS, GLIDE, self._marker.setPos)
        if len(self.items_) <= CALM_MARKER:
            self._pulse.start()

    def _stop_marker(self) -> None:
        anim, self._marker_anim = self._marker_anim, None
        try:
            if anim is not None and anim.state() != QAbstractAnimation.State.Stopped:
                anim.stop()
        except RuntimeError:  # already finished and deleted by Qt
            pass

    def _pulse_marker(self) -> None:
        if not self._marker.isVisible() or len(self.items_) > CALM_MARKER:
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
        return self.motion.active or self.camera.moving

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
        for item in self.items(pos):
            if isinstance(item, PhotoItem):
                return item
        return None

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

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """The empty map invites the first visitor; a tiny one explains what it will become."""
        n = len(self.items_)
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
            painter.setFont(title)
            painter.setPen(QColor(235, 238, 250))
            painter.drawText(vp.adjusted(20, 0, -20, -vp.height() * 0.12), Qt.AlignmentFlag.AlignCenter | wrap,
                             translate("MapView", "Your photo starts the map"))
            painter.setFont(body)
            painter.setPen(QColor(190, 196, 220))
            painter.drawText(vp.adjusted(30, vp.height() * 0.12, -30, 0), Qt.AlignmentFlag.AlignCenter | wrap,
                             translate("MapView", "Everyone who visits lands here.\nLook-alikes end up side by side."))
        else:
            painter.setFont(body)
            painter.setPen(QColor(190, 196, 220))
            painter.drawText(vp.adjusted(20, 0, -20, -18),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | wrap,
                             translate("MapView", "The map grows with every visitor: look-alikes land close together."))
        painter.restore()
