#!/usr/bin/env python
"""Peak memory (RSS) of `piday import` (and `piday search` after it), this tree against another.

    python bench/import_memory.py --before /work/main [--n 48] [--model ViT-B-32]

For each weights kind it runs ``python -m piday_desktop import`` in fresh processes, with
``PYTHONPATH`` set to each tree, into a fresh data dir, and reads the child's peak RSS from
``wait4`` (Linux/macOS; on Linux that figure is at least this bench's own RSS at the fork, the
pre-exec copy's mark, so the bench holds no images in memory while it measures: the suite's test
reads VmHWM inside the child instead, tests/test_formats_and_memory.py); then ``piday search
WORDS`` in the event made (the text tower only), the first one on this cache (each import starts
with an empty ``PIDAY_CACHE_DIR`` of its own):

- ``none``: random weights (``ARCH:none``);
- ``file``: a random checkpoint file (``ARCH:/path.pt``, float32 ``state_dict``, written once
  here by open_clip: ~600 MB for ViT-B-32), which is how real weights are loaded; no download
  is needed or possible.

The photos are ``--n`` distinct phone-sized JPEGs (4032x3024 by default, generated once, reused
with ``--work``). Prints MB, the ratio after/before and the wall time of each import; with
``--repeat`` the trees run in alternation and each one's lowest peak counts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_photos(folder: Path, n: int, size: tuple[int, int]) -> Path:
    import numpy as np
    from PIL import Image

    import imagefactory

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"photo-{size[0]}x{size[1]}-{i:03d}.jpg"
        if path.exists():
            continue
        small = imagefactory.picture((size[0] // 4, size[1] // 4), seed=i)
        img = small.resize(size, Image.Resampling.BILINEAR)
        arr = np.asarray(img, dtype=np.int16)
        arr = arr + np.random.default_rng(i).integers(-4, 5, arr.shape, dtype=np.int16)
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB").save(path, "JPEG", quality=90)
    return folder


def make_checkpoint(path: Path, arch: str) -> Path:
    """A float32 state_dict of random weights, as a real checkpoint file would hold."""
    if path.exists():
        return path
    code = (
        "import sys, torch, open_clip; torch.manual_seed(1); "
        "m = open_clip.create_model(sys.argv[1]); torch.save(m.state_dict(), sys.argv[2])"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", code, arch, str(path)], check=True)
    return path


def run_import(tree: Path, photos: Path, model: str, work: Path, label: str) -> tuple[float, float, int]:
    """Peak RSS (MB) and wall seconds of one `piday import` from ``tree``; and its exit code."""
    shutil.rmtree(work / f"data-{label}", ignore_errors=True)
    shutil.rmtree(work / f"cache-{label}", ignore_errors=True)  # the search after it is a first search
    return run_piday(tree, ["import", str(photos), "--event", "bench", "--model", model], work, label)


def run_search(tree: Path, model: str, work: Path, label: str) -> tuple[float, float, int]:
    """The same for `piday search WORDS` in the event that import made."""
    return run_piday(tree, ["search", "a person wearing glasses", "--event", "bench", "--model", model], work, label)


def run_piday(tree: Path, argv: list[str], work: Path, label: str) -> tuple[float, float, int]:
    data = work / f"data-{label}"
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "PIDAY_DATA_DIR": str(data),
        "PIDAY_CONFIG_DIR": str(work / "config"),
        "PIDAY_LOG_DIR": str(work / "log"),
        "PIDAY_CACHE_DIR": str(work / f"cache-{label}"),
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "piday_desktop", *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(work), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(f"  {label}: exit {proc.returncode}: {err.strip().splitlines()[-3:]}")
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return peak, wall, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, default=None, help="the tree to compare with (e.g. /work/main)")
    parser.add_argument("--n", type=int, default=48, help="photos (default 48)")
    parser.add_argument("--size", default="4032x3024", help="photo size (default 4032x3024)")
    parser.add_argument("--model", default="ViT-B-32", help="architecture (default ViT-B-32)")
    parser.add_argument("--kinds", default="none,file", help="weights kinds: none,file (default both)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tree and kind; the lowest peak counts")
    parser.add_argument("--skip-search", action="store_true", help="only `piday import`, not `piday search` after it")
    parser.add_argument("--work", type=Path, default=None, help="keep photos and checkpoint here (reused)")
    args = parser.parse_args(argv)

    w, h = (int(v) for v in args.size.lower().split("x"))
    tmp = None
    work = args.work
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="piday-import-memory-")
        work = Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        photos = make_photos(work / "photos", args.n, (w, h))
        models = {}
        for kind in args.kinds.split(","):
            if kind == "none":
                models[kind] = f"{args.model}:none"
            elif kind == "file":
                models[kind] = f"{args.model}:{make_checkpoint(work / f'{args.model}-random.pt', args.model)}"
            else:
                parser.error(f"unknown kind {kind!r}")
        print(f"{args.n} photos {w}x{h}, inputs ready in {time.perf_counter() - t0:.0f} s under {work}")
        trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
        for kind, model in models.items():
            best: dict[tuple[str, str], tuple[float, float]] = {}
            for _ in range(args.repeat):
                for label, tree in trees:
                    runs = [("import", lambda: run_import(tree, photos, model, work, f"{label}-{kind}"))]
                    if not args.skip_search:
                        runs.append(("search", lambda: run_search(tree, model, work, f"{label}-{kind}")))
                    for command, run in runs:
                        peak, wall, code = run()
                        key = (command, label)
                        if code == 0 and (key not in best or peak < best[key][0]):
                            best[key] = (peak, wall)
            for command in ("import", "search"):
                shown = [(label, best[(command, label)]) for label, _ in trees if (command, label) in best]
                if not shown:
                    continue
                line = f"{kind:4s} {args.model} piday {command:6s}: "
                line += " | ".join(f"{label} {peak:6.0f} MB peak RSS, {wall:5.1f} s" for label, (peak, wall) in shown)
                if (command, "before") in best and (command, "after") in best:
                    line += f" | after/before {best[(command, 'after')][0] / best[(command, 'before')][0]:.2f}x RSS"
                print(line)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
