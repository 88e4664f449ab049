#!/usr/bin/env python
"""Whole process, folder -> stored vectors: `piday import` against a seed-style script.

    python bench/import_wall.py [--n 48] [--model ViT-B-32:none] [--weights file] [--runs 3] [--work DIR]

Issue 15's "whole process" figure. Both sides start a fresh interpreter on the same ``--n``
phone-sized JPEGs (4032x3024, generated once, reused with ``--work``) and the same model:

- ``seed``: what a first script does (and piday's seed did): import open_clip, build the
  model in float32, then for each file PIL open -> open_clip's preprocess -> batches of 32
  through ``encode_image`` on one thread, vectors saved with numpy;
- ``piday``: ``python -m piday_desktop import FOLDER --event E`` into a fresh data dir: files
  copied and catalogued, decoded at reduced DCT scale on a thread pool, batches that fill,
  vectors committed to SQLite.

The runs alternate (seed, piday, seed, ...) so machine load hits both; the median wall time of
each and the ratio seed/piday are printed. (No "other processes" share here: the measured
commands are other processes.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

SEED_SCRIPT = r"""
import sys, numpy as np, torch, open_clip
from pathlib import Path
from PIL import Image
arch, pretrained, folder, out = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=None if pretrained == "none" else pretrained)
model.eval()
files = sorted(p for p in folder.rglob("*.jpg"))
vectors = []
with torch.no_grad():
    for i in range(0, len(files), 32):
        batch = torch.stack([preprocess(Image.open(p).convert("RGB")) for p in files[i:i + 32]])
        v = model.encode_image(batch)
        vectors.append(torch.nn.functional.normalize(v, dim=-1).numpy())
np.save(out, np.concatenate(vectors))
"""


def run(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0,):
        sys.exit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-3:]}")
    return wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--model", default="ViT-B-32:none")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--weights", choices=("as-given", "file"), default="as-given",
                    help="file: both sides load the same random float32 checkpoint of --model's architecture "
                    "(ARCH:/path.pt, written once into --work), which is how real weights load; as-given: "
                    "--model as written (ARCH:none builds random weights in place)")
    ap.add_argument("--work", type=Path, default=None, help="keep the generated photos here (reused)")
    args = ap.parse_args()
    from embed_throughput import SIZES, make_images
    from import_memory import make_checkpoint

    work = args.work or Path(tempfile.mkdtemp(prefix="piday-wall-"))
    if args.weights == "file":
        arch = args.model.partition(":")[0]
        args.model = f"{arch}:{make_checkpoint(work / f'{arch}-random.pt', arch)}"
    generated = make_images(work / "generated", SIZES["phone"], args.n, min(8, args.n), 4.0)
    # The generator repeats 8 pictures; piday would import a repeat as a duplicate, so each copy
    # gets its own trailing bytes after the JPEG's end marker (decoders ignore them).
    folder = work / "photos"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "p").mkdir(parents=True)
    paths = []
    for i, src in enumerate(generated):
        dst = folder / "p" / src.name
        dst.write_bytes(src.read_bytes() + bytes(i))
        paths.append(dst)
    arch, _, pretrained = args.model.partition(":")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "PIDAY_CONFIG_DIR": str(work / "config"), "PIDAY_LOG_DIR": str(work / "log")}
    seed, piday = [], []
    for i in range(args.runs):
        seed.append(run([sys.executable, "-c", SEED_SCRIPT, arch, pretrained or "none", str(folder),
                         str(work / "seed.npy")], env))
        data = work / f"data{i}"
        shutil.rmtree(data, ignore_errors=True)
        piday.append(run([sys.executable, "-m", "piday_desktop", "import", str(folder), "--event", "wall",
                          "--model", args.model, "--data-dir", str(data)], env))
        shutil.rmtree(data, ignore_errors=True)
    s, p = statistics.median(seed), statistics.median(piday)
    print(f"{len(paths)} phone JPEGs, {args.model}, {args.runs} runs each (alternating)")
    print(f"seed-style script  median {s:6.1f} s  ({', '.join(f'{x:.1f}' for x in seed)})")
    print(f"piday import       median {p:6.1f} s  ({', '.join(f'{x:.1f}' for x in piday)})")
    print(f"seed / piday {s / p:4.2f}x")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
