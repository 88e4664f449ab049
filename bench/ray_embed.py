#!/usr/bin/env python
"""The Ray engine against the local engine on the same files, in one process (issue 16, item 2).

    python bench/ray_embed.py [--n 512] [--model ViT-B-32:none] [--workers 1 2] [--size 640x480]

Generates ``--n`` JPEGs into a temporary event, then measures, one after the other:

1. baseline: the local engine (`piday embed`: ``EmbeddingEngine`` + ``embed_missing``), model
   load and embedding timed apart;
2. Ray: `piday embed --engine ray` (``embed_on_ray``) on a local Ray (``ray.init`` on this
   machine's cores) for each ``--workers`` count, CPU actors of 1 CPU each (a 2-core machine
   runs one: the other core decodes); decode tasks take the CPUs the actors leave. Timed: ``ray.init``, the pipeline from its start (actors start and
   load the model inside it) and its steady state (first block back to the last);
3. decoding alone (``DecodeStage`` in this process, one core): the CPU cost per photo that a GPU
   worker needs beside it.

Prints images/s, Ray's overhead as ratios against the baseline (end to end and steady state),
and per-worker throughput: photos per wall second and the model's own rate (its time only).
Vectors are removed between runs, so each run embeds all ``--n`` photos. docs/ray.md turns the
per-worker rates into hours for 1 M and 100 M photos.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from embed_throughput import ForeignLoad, make_images  # noqa: E402
from piday_desktop.core.store import Consent, EventStore  # noqa: E402


def make_event(data: Path, n: int, size: tuple[int, int], noise: float, unique: int) -> EventStore:
    """An event of ``n`` JPEGs from bench/embed_throughput.py's generator (noisy, as photos are)."""
    store = EventStore.open(data, "bench", create=True)
    part = store.create_participant(consent=Consent(True, True, True))
    for i, path in enumerate(make_images(data / "files", size, n, min(n, unique), noise)):
        blob = path.read_bytes() + i.to_bytes(4, "big")  # bytes after the JPEG's end: copies stay distinct photos
        store.add_photo(part, blob, sha256=hashlib.sha256(blob).hexdigest(), fmt="JPEG", width=size[0],
                        height=size[1])
    return store


def clear(store: EventStore, model_id: str) -> None:
    store.delete_embeddings([(pid, model_id) for (pid,) in store.query(
        "SELECT photo_id FROM embeddings WHERE model_id=?", (model_id,))])


def local(store: EventStore, spec) -> dict:
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import load_model
    from piday_desktop.jobs.embed import embed_missing

    t0 = time.perf_counter()
    with EmbeddingEngine(lambda: load_model(spec)) as engine:
        engine.wait_ready()
        loaded = time.perf_counter()
        result = embed_missing(store, engine)
        device = engine.device
    total = time.perf_counter() - t0
    return {"n": result.embedded, "load": loaded - t0, "embed": result.seconds, "total": total, "device": device}


def on_ray(ray, store: EventStore, spec, workers: int) -> dict:
    from piday_desktop.jobs.ray_embed import RayOptions, embed_on_ray

    t0 = time.perf_counter()
    result = embed_on_ray(store, spec, RayOptions(workers=workers, gpus_per_worker=0))
    total = time.perf_counter() - t0
    steady = sum(w.steady_rate for w in result.per_worker.values())
    return {"n": result.embedded, "total": total, "pipeline": result.seconds, "steady": steady,
            "per_worker": result.per_worker, "workers": result.workers}


def decode_rate(store: EventStore, spec, n: int) -> float:
    from piday_desktop.embedding.models import load_preprocess
    from piday_desktop.embedding.pixels import PixelPipeline
    from piday_desktop.jobs.ray_stages import DecodeStage

    stage = DecodeStage(PixelPipeline(*load_preprocess(spec)))
    photos = store.photos()[:n]
    batch = {"photo_id": [p.id for p in photos], "path": [str(store.photo_path(p)) for p in photos]}
    t = time.perf_counter()
    out = stage(batch)
    assert out["ok"].all()
    return len(photos) / (time.perf_counter() - t)


def commit_rate(store: EventStore, dim: int, n: int, block: int = 256) -> float:
    """Vectors per second the driver commits (one transaction per block, as from a Ray block)."""
    import numpy as np

    rng = np.random.default_rng(0)
    ids = [p.id for p in store.photos()][:n]
    vectors = rng.normal(size=(len(ids), dim)).astype(np.float32)
    t = time.perf_counter()
    for i in range(0, len(ids), block):
        store.put_embeddings(zip(ids[i:i + block], vectors[i:i + block]), model_id="bench:commit", device="cpu")
    rate = len(ids) / (time.perf_counter() - t)
    clear(store, "bench:commit")
    return rate


def foreign(load: ForeignLoad) -> str:
    return f"[others used {load.foreign:.0%} of the CPUs]" if load.foreign is not None else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--model", default="ViT-B-32:none", help="random weights: the same compute, no download")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="CPU actors per run; each needs a CPU, and decoding one more")
    parser.add_argument("--size", default="640x480", help="WxH; 4032x3024 is a 12 MP phone photo")
    parser.add_argument("--noise", type=float, default=4.0, help="Gaussian noise on the pictures (as embed_throughput)")
    parser.add_argument("--unique", type=int, default=512, help="distinct pictures (12 MP ones are slow to make)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))

    import ray

    from piday_desktop.embedding.models import ModelSpec

    spec = ModelSpec.parse(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        store = make_event(Path(tmp), args.n, size, args.noise, args.unique)  # type: ignore[arg-type]
        print(f"{args.n} JPEGs of {size[0]}x{size[1]} (noise {args.noise:g}), model {spec.model_id}, "
              f"{os.cpu_count()} CPU cores")

        def baseline(label: str) -> dict:
            clear(store, spec.model_id)
            with ForeignLoad() as load:
                base = local(store, spec)
            print(f"{label}: {base['n'] / base['embed']:7.1f} img/s embedding ({base['embed']:.1f} s), model load "
                  f"{base['load']:.1f} s, end to end {base['n'] / base['total']:.1f} img/s ({base['total']:.1f} s) "
                  f"on {base['device']} {foreign(load)}")
            return base

        base = baseline("local engine   ")
        rate = base["n"] / base["embed"]

        t = time.perf_counter()
        ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, logging_level="error")
        init_s = time.perf_counter() - t
        print(f"ray.init       : {init_s:.1f} s (local Ray, {os.cpu_count()} CPUs)")
        try:
            for workers in args.workers:
                clear(store, spec.model_id)
                with ForeignLoad() as load:
                    r = on_ray(ray, store, spec, workers)
                end_to_end = r["n"] / (r["total"] + init_s)
                print(f"ray {r['workers']} worker(s): {r['steady']:7.1f} img/s after each worker's first batch, "
                      f"{r['n'] / r['pipeline']:.1f} img/s pipeline ({r['pipeline']:.1f} s, actor start included), "
                      f"end to end {end_to_end:.1f} img/s ({r['total'] + init_s:.1f} s, ray.init included) {foreign(load)}")
                print(f"   ratio ray/local: steady {r['steady'] / rate:.2f}, end to end "
                      f"{end_to_end / (base['n'] / base['total']):.2f}")
                for worker, w in sorted(r["per_worker"].items()):
                    print(f"   worker {worker}: {w.images} photos, {w.steady_rate:.1f} img/s after its first batch, "
                          f"model alone {w.model_rate:.1f} img/s")
        finally:
            ray.shutdown()
        again = baseline("local again    ")  # the load on a shared machine drifts: the baseline brackets Ray
        print(f"   ratio ray/local (second baseline): steady "
              f"{r['steady'] / (again['n'] / again['embed']):.2f}, end to end "
              f"{(r['n'] / (r['total'] + init_s)) / (again['n'] / again['total']):.2f}")
        with ForeignLoad() as load:
            decoded = decode_rate(store, spec, min(args.n, 128))
        print(f"decode alone   : {decoded:7.1f} img/s on one core (DecodeStage: load_rgb + resize/crop) {foreign(load)}")
        print(f"commit alone   : {commit_rate(store, 512, args.n):7.0f} vectors/s of 512 floats into the catalogue "
              "(256 per transaction)")
        store.close()


if __name__ == "__main__":
    main()
