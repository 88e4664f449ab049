"""How long from typing ``piday`` to the station window on screen? Median of fresh processes.

Each run is a new process (a "cold" start of the program; the OS file cache stays warm, as it
is on a laptop that started piday before). The station prints the wall-clock time of its
window's first paint when ``PIDAY_STARTUP_PROBE`` is set (``piday_desktop/ui/startup_probe.py``);
this script subtracts the moment it spawned the process. Settings are written beforehand so
the first-run dialog does not appear, and the camera is the test pattern.

    python bench/startup.py                       # `piday` from this environment, 7 runs
    python bench/startup.py --exe /tmp/pb/dist/piday/piday --runs 5   # a built bundle
    xvfb-run -a python bench/startup.py            # a real X server instead of offscreen

Target: median under 2 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = "PIDAY_WINDOW_SHOWN"
TARGET_S = 2.0


def one_start(command: list[str], env: dict[str, str], timeout: float) -> float:
    """Seconds from spawn to the window's first paint, for one fresh process."""
    t0 = time.time()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    shown = None
    try:
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None
        for line in proc.stdout:  # the line arrives at the first paint; EOF if the process died
            if line.startswith(LINE):
                shown = float(line.split()[1])
                break
            if time.monotonic() > deadline:
                break
    finally:
        proc.kill()
        proc.wait(timeout=30)
    if shown is None:
        raise RuntimeError(f"no '{LINE}' line from {' '.join(command)} (exit {proc.returncode})")
    return shown - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exe", default=None, help="program to start (default: this Python's `piday`)")
    parser.add_argument("--platform", default=None,
                        help="QT_QPA_PLATFORM (default: xcb when DISPLAY is set, else offscreen)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    command = [args.exe] if args.exe else [sys.executable, "-m", "piday_desktop"]
    base = Path(tempfile.mkdtemp(prefix="piday-startup-"))
    env = dict(os.environ)
    for name in ("DATA", "CONFIG", "LOG", "CACHE"):
        env[f"PIDAY_{name}_DIR"] = str(base / name.lower())
    env["PIDAY_STARTUP_PROBE"] = "1"
    env["HF_HUB_OFFLINE"] = "1"
    env["QT_QPA_PLATFORM"] = args.platform or ("xcb" if env.get("DISPLAY") else "offscreen")
    (base / "config").mkdir(parents=True)
    (base / "config" / "config.toml").write_text(
        'event = "bench"\ncamera = "pattern"\nmodel = "piday-tiny:none"\n', encoding="utf-8")
    try:
        one_start(command, env, args.timeout)  # not counted: compiles .pyc files, fills caches
        times = [one_start(command, env, args.timeout) for _ in range(args.runs)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    result = {
        "command": " ".join(command), "platform": env["QT_QPA_PLATFORM"], "runs": args.runs,
        "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
        "max_s": round(max(times), 3), "target_s": TARGET_S, "times_s": [round(t, 3) for t in times],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['command']} ({result['platform']}): window on screen after median "
              f"{result['median_s']:.2f} s (min {result['min_s']:.2f}, max {result['max_s']:.2f}, "
              f"{args.runs} fresh processes); target < {TARGET_S:.0f} s: "
              f"{'met' if result['median_s'] < TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
