"""A new photo's free spot on a big decluttered map: with the taken cells skipped vs the plain search.

    python bench/free_spot.py [--n 20000] [--shots 48] [--groups 3]

``--n`` photos in ``--groups`` tight groups are decluttered as the map view does
(``display_positions``), then ``--shots`` new photos land in the middle of a group, where the
nearest free spot is dozens of rings out (as in ``bench/map_latency.py``'s station at 20,000
photos: 27-31 thumbnails). Each is placed with ``DisplayMap.place_new``, what the UI thread runs
per shot, twice in the same process on two copies of the map: once as the map view does it
(``BlockedCells`` skips candidates that are certainly taken) and once with the grid turned off (the
plain ring search, every candidate a tree query). Times are the UI thread's CPU
(``time.thread_time``); the spots must be the same. Also: the cost of building the grid (after each full
declutter or removal; new spots are added to it one by one).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--shots", type=int, default=48)
    ap.add_argument("--groups", type=int, default=3)
    args = ap.parse_args()
    from piday_desktop.projection import declutter
    from piday_desktop.projection.declutter import BlockedCells, DisplayMap, display_positions

    rng = np.random.default_rng(0)
    centres = rng.normal(scale=0.3, size=(args.groups, 2))
    layout = centres[rng.integers(0, args.groups, args.n)] + rng.normal(scale=0.1, size=(args.n, 2))
    ids = [f"p{i}" for i in range(args.n)]
    t = time.perf_counter()
    shown = display_positions(layout)
    print(f"{args.n} photos in {args.groups} groups, decluttered in {time.perf_counter() - t:.1f} s")
    maps = {}
    for name in ("cells", "plain"):
        dm = DisplayMap()
        dm.set_layouts(ids, layout)
        dm.apply(ids, shown)
        maps[name] = dm
    new = centres[rng.integers(0, args.groups, args.shots)] + rng.normal(scale=0.01, size=(args.shots, 2))
    times: dict[str, list[float]] = {"cells": [], "plain": []}
    far, same = [], 0
    blocked_from = declutter.BLOCKED_FROM
    for k, xy in enumerate(new):
        spots = {}
        for name in (("cells", "plain") if k % 2 == 0 else ("plain", "cells")):
            declutter.BLOCKED_FROM = blocked_from if name == "cells" else 10 ** 12
            dm = maps[name]
            dm.set_layout(f"new{k}", tuple(xy))
            want = dm.to_display(dm.layout[f"new{k}"], exclude=f"new{k}")
            c = time.thread_time()
            spots[name] = dm.place_new(f"new{k}")
            if k:  # the first builds the tree (and the grid): timed apart below
                times[name].append((time.thread_time() - c) * 1000)
        far.append(float(np.hypot(*(spots["cells"] - want))))
        same += bool(np.allclose(spots["cells"], spots["plain"]))
    declutter.BLOCKED_FROM = blocked_from
    a, b = statistics.median(times["cells"]), statistics.median(times["plain"])
    print(f"new photos land {statistics.median(far):.1f} thumbnails (median) from where the layout put them")
    print(f"place_new, UI-thread CPU ms: cells skipped {a:.2f} (max {max(times['cells']):.2f}), "
          f"plain {b:.2f} (max {max(times['plain']):.2f}), ratio {b / a:.1f}x; same spot {same}/{args.shots}")
    builds = []
    for _ in range(5):
        c = time.thread_time()
        BlockedCells(np.array(list(maps["cells"].shown.values())))
        builds.append((time.thread_time() - c) * 1000)
    print(f"grid build {statistics.median(builds):.1f} ms (after a full declutter or a removal)")
    return 0 if same == args.shots else 1


if __name__ == "__main__":
    sys.exit(main())
