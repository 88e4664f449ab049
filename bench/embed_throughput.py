#!/usr/bin/env python
"""Embedding throughput: naive open_clip loop vs our engine vs the model alone.

    python bench/embed_throughput.py [--n 256] [--n-phone 64] [--model ViT-B-32:none]
    python bench/embed_throughput.py --device cuda --n 4096 --n-phone 512 --compare-decode  # on a GPU

For each image size (640x480 and phone-sized 4032x3024 JPEGs, generated into a temp dir) it
measures, in one process:

1. baseline: PIL open -> open_clip's preprocess -> batches of 32 through ``encode_image``, one
   Python thread, float32 weights (what most CLIP scripts do);
2. engine: ``EmbeddingEngine`` end to end from the files (reduced-size JPEG decoding on a
   thread pool overlapping inference, batches that fill, the automatic precision), the photos
   handed over at once with ``submit_many`` as ``piday import`` does; and the same engine
   with the settings before issue 15 (batch 16, a 50 ms fill window, photos submitted one by
   one), for the ratio new/old in the same run;
3. bound: the model alone on ready-made tensors, at the best batch size and precision tried;
4. decoding alone with the engine's decode threads, and from it the ceiling on a CPU, where
   decoding and the model share the cores: 1 / (1/decode + 1/bound).

and prints images/s, engine/baseline and engine/bound. It also prints how much CPU other
processes took meanwhile (Linux): on a shared machine only runs near 0 % measure us.

Pictures are the test image factory's (gradients, blobs) with Gaussian noise (``--noise``,
default 4): about 1.7 MB per 12 MP file, the low end of real phone photos (2-5 MB). Without
noise they compress to a fifth of that and decode several times faster, which would flatter
the engine; bigger files decode proportionally slower. Phone-sized pictures repeat
``--unique`` distinct images (generating 12 MP pictures is slow); every file is read and
decoded separately.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SIZES = {"small": (640, 480), "phone": (4032, 3024)}


class ForeignLoad:
    """Share of all CPUs other processes used during a block (Linux; None elsewhere).

    On a shared machine a figure taken while something else ran is not a measurement of us.
    """

    foreign: float | None = None

    @staticmethod
    def _busy() -> float | None:
        try:
            with open("/proc/stat") as fh:
                values = [int(v) for v in fh.readline().split()[1:]]
        except OSError:
            return None
        return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def __enter__(self) -> "ForeignLoad":
        self.t, self.busy, self.own = time.perf_counter(), self._busy(), self._own()
        return self

    def __exit__(self, *exc: object) -> None:
        busy = self._busy()
        if busy is None or self.busy is None:
            return
        wall = (time.perf_counter() - self.t) * (os.cpu_count() or 1)
        self.foreign = max(0.0, (busy - self.busy) - (self._own() - self.own)) / wall


def make_images(folder: Path, size: tuple[int, int], count: int, unique: int, noise: float) -> list[Path]:
    """``count`` JPEGs of ``size`` (quality 90), ``unique`` distinct pictures, reused if present."""
    import imagefactory
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{size[0]}x{size[1]}-n{noise:g}-{i:04d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        if i >= unique:
            shutil.copyfile(paths[i % unique], path)
            continue
        img = imagefactory.picture(size, seed=i)
        if noise > 0:
            rng = np.random.default_rng(i)
            arr = np.asarray(img, dtype=np.float32)
            arr += rng.normal(0.0, noise, arr.shape).astype(np.float32)
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
        img.save(path, "JPEG", quality=90)
    return paths


def baseline(model, paths: list[Path], batch: int = 32) -> float:
    """The naive loop most CLIP scripts use; returns images/s."""
    import torch
    from PIL import Image

    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(paths), batch):
            pixels = torch.stack(
                [model.preprocess(Image.open(p).convert("RGB")) for p in paths[i : i + batch]]
            )
            out = model.model.encode_image(pixels)
            torch.nn.functional.normalize(out, dim=-1).numpy()
    return len(paths) / (time.perf_counter() - start)


def decode_only(model, paths: list[Path], workers: int) -> float:
    """The engine's decoding alone (same threads, no model); images/s."""
    from concurrent.futures import ThreadPoolExecutor

    from piday_desktop.embedding.pixels import PixelPipeline

    pipeline = PixelPipeline(model.preprocess, model.image_size)
    with ThreadPoolExecutor(workers) as pool:
        start = time.perf_counter()
        for _ in pool.map(pipeline.decode, paths):
            pass
        return len(paths) / (time.perf_counter() - start)


OLD_SETTINGS = {"max_batch": 16, "batch_wait": 0.05, "bulk": False}


def engine_run(model, paths: list[Path], args, old: bool = False, jpeg_decode: str | None = None) -> tuple[float, float]:
    """Our engine end to end from files; returns images/s and the mean batch size.

    ``old``: the settings before issue 15 (OLD_SETTINGS).
    """
    from piday_desktop.embedding.engine import EmbeddingEngine

    options = {"max_batch": args.max_batch, "batch_wait": args.batch_wait}
    options = {k: v for k, v in options.items() if v is not None}
    if old:
        options = {k: OLD_SETTINGS[k] for k in ("max_batch", "batch_wait")}
    with EmbeddingEngine(
        model,
        decode_workers=args.decode_workers,
        torch_threads=args.torch_threads,
        jpeg_decode=jpeg_decode or args.jpeg_decode,
        **options,
    ) as engine:
        engine.submit(paths[0]).result()  # threads started, pool warm
        warm = engine.stats
        start = time.perf_counter()
        futures = [engine.submit(p) for p in paths] if old else engine.submit_many(paths)
        for f in futures:
            f.result()
        rate = len(paths) / (time.perf_counter() - start)
        stats = engine.stats
    batches = stats.batches - warm.batches
    return rate, (stats.images - warm.images) / max(1, batches)


def bound(models: dict, batches: list[int], seconds: float) -> tuple[float, str]:
    """The model alone on ready tensors: best images/s over batch sizes and precisions."""
    import torch

    best, label = 0.0, ""
    for name, model in models.items():
        for b in batches:
            x = torch.randn(b, 3, model.image_size, model.image_size)
            model.encode_pixels(x)
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                model.encode_pixels(x)
                n += b
            rate = n / (time.perf_counter() - start)
            if rate > best:
                best, label = rate, f"{name} batch {b}"
    return best, label


def _load_note(load: ForeignLoad) -> str:
    if load.foreign is None:
        return ""
    return f" [other processes used {100 * load.foreign:.0f}% of the CPUs meanwhile]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=256, help="640x480 JPEGs (default 256)")
    parser.add_argument("--n-phone", type=int, default=64, help="4032x3024 JPEGs (default 64; 0 skips)")
    parser.add_argument("--unique", type=int, default=8, help="distinct phone-sized pictures (default 8)")
    parser.add_argument("--noise", type=float, default=4.0, help="Gaussian noise sigma added to pictures (default 4)")
    parser.add_argument("--model", default="ViT-B-32:none", help="ARCH[:PRETRAINED] (default ViT-B-32:none)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--max-batch", type=int, default=None, help="engine max batch (default: the engine's)")
    parser.add_argument("--decode-workers", type=int, default=None)
    parser.add_argument("--torch-threads", type=int, default=None)
    parser.add_argument("--batch-wait", type=float, default=None, help="engine batch_wait (default: the engine's)")
    parser.add_argument("--skip-old", action="store_true", help="skip the engine with the settings before issue 15")
    parser.add_argument("--repeat", type=int, default=2, help="runs of engine and bound; best counts (default 2)")
    parser.add_argument("--bound-seconds", type=float, default=2.0, help="seconds per batch size and precision (default 2)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--images", type=Path, default=None, help="keep generated images here (reused)")
    parser.add_argument("--jpeg-decode", choices=("auto", "tensor", "pil"), default="auto",
                        help="engine JPEG decoding: auto (batched on the GPU when the model runs on CUDA), "
                             "tensor (batched on the model's device), pil (decode threads)")
    parser.add_argument("--compare-decode", action="store_true",
                        help="also run the engine with --jpeg-decode pil and print tensor/pil (the GPU path's gain)")
    args = parser.parse_args(argv)

    import torch

    from piday_desktop.embedding.engine import default_decode_workers
    from piday_desktop.embedding.models import ModelSpec, load_model

    spec = ModelSpec.parse(args.model)
    fast = load_model(spec, device=args.device)
    ref = load_model(spec, device=args.device, precision="fp32") if not args.skip_baseline else None
    print(
        f"model {spec.model_id} on {fast.device}; engine precision {str(fast.dtype).replace('torch.', '')}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, {os.cpu_count()} CPUs"
    )
    models = {str(fast.dtype).replace("torch.", ""): fast}
    if ref is not None and ref.dtype != fast.dtype:
        models["float32"] = ref

    tmp = None
    folder = args.images
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="piday-bench-")
        folder = Path(tmp.name)
    try:
        sets = [("small", args.n), ("phone", args.n_phone)]
        t0 = time.perf_counter()
        data = {
            name: make_images(folder / name, SIZES[name], count, count if name == "small" else args.unique, args.noise)
            for name, count in sets
            if count > 0
        }
        print(f"images ready in {time.perf_counter() - t0:.0f} s under {folder}")

        bound_rate, bound_label = 0.0, ""
        with ForeignLoad() as load:
            for _ in range(args.repeat):
                rate, label = bound(models, [1, 4, 8, 16, 32], args.bound_seconds)
                if rate > bound_rate:
                    bound_rate, bound_label = rate, label
        print(f"bound: {bound_rate:.1f} img/s ({bound_label}){_load_note(load)}")

        workers = args.decode_workers or default_decode_workers(fast.device)
        for name, paths in data.items():
            mb = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
            w, h = SIZES[name]
            with ForeignLoad() as load:
                base = baseline(ref, paths) if ref is not None else float("nan")
                decode = max(decode_only(fast, paths, workers) for _ in range(args.repeat))
                best, avg_batch = 0.0, 0.0
                old_best, old_batch = float("nan"), float("nan")
                for _ in range(args.repeat):
                    rate, mean_batch = engine_run(fast, paths, args)
                    if rate > best:
                        best, avg_batch = rate, mean_batch
                    if not args.skip_old:
                        rate, mean_batch = engine_run(fast, paths, args, old=True)
                        if not rate <= old_best:
                            old_best, old_batch = rate, mean_batch
            # Decoding and the model share the CPU: even perfectly interleaved, the best
            # possible rate is 1 / (1/decode + 1/bound).
            shared = 1.0 / (1.0 / decode + 1.0 / bound_rate) if fast.device == "cpu" else bound_rate
            print(
                f"{name:5s} {w}x{h} x{len(paths)} ({mb:.2f} MB/file): baseline {base:6.1f} img/s | "
                f"engine {best:6.1f} img/s (mean batch {avg_batch:.1f}) | bound {bound_rate:6.1f} img/s | "
                f"engine/baseline {best / base:4.2f}x | engine/bound {100 * best / bound_rate:3.0f}%"
                f"{_load_note(load)}"
            )
            if args.compare_decode:
                pil = max(engine_run(fast, paths, args, jpeg_decode="pil")[0] for _ in range(args.repeat))
                print(f"      engine with PIL decode threads {pil:6.1f} img/s | {args.jpeg_decode}/pil {best / pil:4.2f}x")
            if not args.skip_old:
                print(
                    f"      engine with the settings before issue 15 (batch 16, 50 ms window, one submit at a "
                    f"time) {old_best:6.1f} img/s (mean batch {old_batch:.1f}) | new/old {best / old_best:4.2f}x"
                )
            print(
                f"      decoding alone ({workers} threads) {decode:6.1f} img/s -> ceiling with decode "
                f"and model sharing the CPU {shared:6.1f} img/s ({100 * shared / bound_rate:3.0f}% of bound); "
                f"engine reaches {100 * best / shared:3.0f}% of it"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
