#!/usr/bin/env python
"""How long a fresh process takes to name a checkpoint file's model id (its SHA-256).

    python bench/model_id.py CHECKPOINT [--before /work/main] [--runs 3]

Each figure is a new process computing ``ModelSpec(arch, FILE).model_id`` with ``PYTHONPATH``
set to a tree (the digest only: open_clip is not imported); this tree runs once with an empty
cache dir (it hashes) and then with the cache that run left (it should not read the file).
Prints the median seconds and the ratio cached / uncached (and / the other tree's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = (
    "import sys, time; from piday_desktop.embedding.models import _file_digest; "
    "t = time.perf_counter(); _file_digest(sys.argv[1]); "
    "print(time.perf_counter() - t)"
)


def one(tree: Path, checkpoint: Path, cache: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "PIDAY_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", CODE, str(checkpoint)], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--before", type=Path, default=None, help="another tree (e.g. /work/main)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    size = args.checkpoint.stat().st_size / 1e6
    with tempfile.TemporaryDirectory(prefix="piday-model-id-") as tmp:
        cold, warm, before = [], [], []
        for i in range(args.runs):
            cache = Path(tmp) / f"cache-{i}"
            cold.append(one(ROOT, args.checkpoint, cache))  # empty cache: hashes the file
            warm.append(one(ROOT, args.checkpoint, cache))  # the cache the run before left
            if args.before:
                before.append(one(args.before, args.checkpoint, Path(tmp) / f"before-{i}"))
        c, w = statistics.median(cold), statistics.median(warm)
        line = f"model id of a {size:.0f} MB checkpoint, fresh process: uncached {c:.3f} s | cached {w:.4f} s | cached/uncached {w / c:.3f}x"
        if before:
            b = statistics.median(before)
            line += f" | before (every run) {b:.3f} s | cached/before {w / b:.3f}x"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
