"""What a repaint of a 20,000-photo map costs the UI thread, with the squares' layer kept vs stamped.

    QT_QPA_PLATFORM=offscreen python bench/map_dots_paint.py [--n 20000] [--repeat 300]

A map view (800 x 760, the station pane's size) of ``--n`` photos on a grid, zoomed out: every
photo a square painted by ``DotsItem``. Four kinds of repaint, each timed in the UI thread's CPU
time (``time.thread_time``, so other processes on a shared machine do not count), once as the
view paints now (the stamped layer kept while nothing changed) and once as a baseline, in
the same process, alternating. The baseline paints as ``DotsItem`` did before: the exposed part
only, stamped at every repaint (here: the same paint given no widget, which keeps nothing).

* marker   - a 140 x 130 rectangle (the live marker's pulse, 30 times a second);
* whole    - the whole viewport, nothing changed (a sibling widget's repaint, a grab);
* changed  - the whole viewport after a row's colour changed (a thumbnail arriving);
* changed marker - a marker-sized repaint after a change: the one kind that costs more kept
             (the whole view is stamped, once, so that the marker's next repaints are blits;
             in the station a change is followed by many of them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ.get("PYTHONPATH") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=300, help="repaints per kind and side")
    args = ap.parse_args()
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from piday_desktop.core.store import Photo
    from piday_desktop.projection.live_map import LiveMap
    from piday_desktop.ui.map_thumbs import ThumbnailCache
    from piday_desktop.ui.map_view import MapView
    from piday_desktop.workers.invoker import UiInvoker

    from piday_desktop.ui import map_dots

    app = QApplication.instance() or QApplication(sys.argv[:1])
    kept_paint, baseline = map_dots.DotsItem.paint, [False]

    def paint(self, painter, option, widget=None):  # installed before the view exists (Qt binds it then)
        if baseline[0]:  # stamps what is exposed; the kept layer is set aside, not dropped
            kept, self._layer = self._layer, None
            try:
                return kept_paint(self, painter, option, None)
            finally:
                self._layer = kept
        return kept_paint(self, painter, option, widget)

    map_dots.DotsItem.paint = paint
    n, side = args.n, int(np.ceil(np.sqrt(args.n)))
    photos = [Photo(f"id{i:06d}", f"pid{i // 5}", f"P-{i // 5 + 1:04d}", i % 5 + 1, f"{i:064x}", None, "jpg",
                    1, 1, 1, None, "t", "kept") for i in range(n)]
    k = np.arange(n)
    xy = np.stack([k % side, k // side], axis=1) * (1.9 / side) - 0.95
    vectors = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
    live = LiveMap("bench")
    live.reset(photos, vectors, xy, [None] * n)
    invoker = UiInvoker()
    thumbs = ThumbnailCache(invoker.post)
    view = MapView(live, thumbs, invoker.post)
    view.resize(800, 760)
    view.show()
    deadline = time.monotonic() + 120
    while not (view.photo_count == n and view.declutter_idle and not view.animating and view.items_settled):
        if time.monotonic() > deadline:
            print("the map did not settle", file=sys.stderr)
            return 1
        app.processEvents()
        time.sleep(0.005)
    vp = view.viewport()
    marker = QRect(330, 310, 140, 130)

    tick = [0]

    def change() -> None:  # a new colour each time (a toggle would bring the kept state back)
        tick[0] += 1
        view.dots.colour[:10] = 0xFF000000 | (tick[0] & 0xFFFFFF)

    kinds = {
        "marker": (None, lambda: vp.repaint(marker)),
        "whole": (None, vp.repaint),
        "changed": (change, vp.repaint),
        "changed marker": (change, lambda: vp.repaint(marker)),
    }
    print(f"{n} photos, view {vp.width()} x {vp.height()}, UI-thread CPU ms per repaint "
          f"(median of {args.repeat}), layer kept vs the exposed part stamped every time:")
    for name, (before, repaint) in kinds.items():
        kept, fresh = [], []
        for i in range(2 * args.repeat):
            drop = baseline[0] = i % 2 == 1
            if before is not None:
                before()
            t = time.thread_time()
            repaint()
            (fresh if drop else kept).append((time.thread_time() - t) * 1000)
        a, b = statistics.median(kept), statistics.median(fresh)
        print(f"  {name:<15} kept {a:6.2f}   stamped {b:6.2f}   ratio {b / a:5.2f}x")
    view.detach()
    thumbs.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
