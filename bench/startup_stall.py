"""Does the preview stall while the model loads at start-up? (issue 11, item 13)

The station is on screen at once and starts the model in a process of its own
(workers/engine_starter.py, embedding/engine_process.py): the window's interpreter never
imports torch (before, a background thread's torch import froze the preview up to 0.75 s). This runs the real station window (offscreen
unless DISPLAY is set) with the test-pattern camera at 30 fps and measures, in one process:

1. baseline: the gaps between preview frames shown, and the event loop's lag, for a few seconds
   with nothing loading;
2. load: the same while the engine starts (torch import, model build, weights), until it is
   ready.

Printed: max and p99 frame gap and loop lag in each phase, and load/baseline ratios. Goal: no
stall over 0.2 s during the load.

    python bench/startup_stall.py [--model ViT-B-32:none] [--baseline-s 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="ViT-B-32:none")
    ap.add_argument("--baseline-s", type=float, default=3.0)
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="piday-stall-"))
    for name in ("DATA", "CONFIG", "LOG"):
        os.environ[f"PIDAY_{name}_DIR"] = str(tmp / name.lower())

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from piday_desktop.capture import TestPatternSource
    from piday_desktop.core.config import StationConfig
    from piday_desktop.core.store import EventStore
    from piday_desktop.ui.main_window import StationWindow
    from piday_desktop.workers.engine_starter import start_engine_in_background

    assert "torch" not in sys.modules, "the window must not have imported torch"
    app = QApplication.instance() or QApplication([])
    store = EventStore.open(tmp / "data", "stall")
    win = StationWindow(store, StationConfig(event="stall"), map_refit=False)
    win.resize(1366, 768)
    win.show()
    shown: list[float] = []
    win.camera.frame_ready.connect(lambda _f: shown.append(time.perf_counter()))
    win.camera.start(TestPatternSource((1280, 720), fps=30))

    def spin(seconds: float | None = None, until=None) -> None:
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: (until is not None and until()) and loop.quit())
        timer.start(20)
        if seconds is not None:
            QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        timer.stop()

    spin(until=lambda: win.camera.state == "live")
    spin(1.0)  # warm: first frames, first paints

    def phase(run) -> dict[str, float]:
        shown.clear()
        win.lag_probe.reset()
        started = time.perf_counter()
        run()
        gaps = [b - a for a, b in zip(shown, shown[1:])]
        lag = win.lag_probe.stats()
        return {"seconds": time.perf_counter() - started, "frames": len(shown),
                "gap_max_s": max(gaps, default=0.0), "gap_p99_s": percentile(gaps, 0.99),
                "gap_median_s": statistics.median(gaps) if gaps else 0.0,
                "lag_max_s": lag.get("max_ms", 0.0) / 1000, "lag_p99_s": lag.get("p99_ms", 0.0) / 1000}

    base = phase(lambda: spin(args.baseline_s))
    ready: list[object] = []

    def load() -> None:
        win.probe_cameras_in_background()  # as app.py does at start-up: cameras, the Settings' model list
        start_engine_in_background(args.model, "cpu", lambda engine: ready.append(engine),
                                   lambda message: ready.append(RuntimeError(message)))
        spin(until=lambda: bool(ready))

    loading = phase(load)
    if isinstance(ready[0], Exception):
        sys.exit(f"the model did not load: {ready[0]}")
    print(f"model {args.model} loaded in {loading['seconds']:.1f} s; torch in the window's process: "
          f"{'torch' in sys.modules}; Settings' model list: {len(win._models)} row(s)")
    print(f"{'':14}{'baseline':>10}{'loading':>10}{'ratio':>8}")
    for key in ("gap_median_s", "gap_p99_s", "gap_max_s", "lag_p99_s", "lag_max_s"):
        b, ld = base[key], loading[key]
        print(f"{key:14}{b:10.3f}{ld:10.3f}{(ld / b if b else float('nan')):8.1f}")
    verdict = "OK" if loading["gap_max_s"] <= 0.2 else "STALL"
    print(f"worst preview gap while loading: {loading['gap_max_s']:.3f} s (goal <= 0.2 s): {verdict}")
    ready[0].close()
    win.close()
    store.close()
    app.processEvents()


if __name__ == "__main__":
    main()
