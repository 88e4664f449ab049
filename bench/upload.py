"""Atlas upload throughput: 1,000 photos through the local emulator with the real nomic 3.9.0 client.

Scenarios (each on a fresh emulator and a fresh event of 250 visitors x 4 photos, all with
public-map consent, half also with "show my photo", 512-d vectors, 1280x720 JPEGs):

* no faults;
* 20 % faults: every request, on every endpoint, fails with probability 0.2, the kind drawn at
  random from 500 / 502 / 503 / 504 / drop / drop after storing / slow 0.2 s / hang (closed after
  1 s) / 401 / and, on shards, ID conflict / lock held / 201 instead of 200.

Each runs the upload engine the way ``piday upload`` does (batches of --batch photos, the map
built at the end) until every photo is verified on the emulator, then checks each is stored
exactly once. Reported: photos/s (wall time, thumbnails and read-back included), requests per
photo (every HTTP request the emulator received, faulted ones included), and the breakdown.
``--batch 4`` shows the station's case, where each finishing visitor's photos go up on their own.

    python bench/upload.py [--photos 1000] [--batch 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from atlas_emulator import AtlasEmulator  # noqa: E402
from atlas_emulator.harness import ClientEnv  # noqa: E402
from piday_desktop.atlas import outbox  # noqa: E402
from piday_desktop.atlas.client import quiet_client_logs  # noqa: E402
from piday_desktop.atlas.engine import UploadEngine  # noqa: E402
from piday_desktop.atlas.settings import AtlasSettings  # noqa: E402
from piday_desktop.core.store import Consent, EventStore  # noqa: E402

ANY = ["500", "502", "503", "504", "drop", "slow", "hang", "wrong_key"]
SHARD_ONLY = ["id_conflict", "lock_held", "status_201"]


_GRAIN = np.random.default_rng(0).normal(0, 6, (720, 1280, 3)).astype(np.float32)
_SHADE = (0.5 + 0.5 * np.linspace(0, 1, 1280)[None, :, None]) * (0.6 + 0.4 * np.linspace(0, 1, 720)[:, None, None])


def photo(seed: int) -> bytes:
    """A 1280x720 JPEG of shaded colour with grain (compresses like a photo, unlike pure noise)."""
    base = np.random.default_rng(seed).uniform(0, 255, (1, 1, 3))
    img = (base * _SHADE + _GRAIN).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img, "RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def make_event(root: Path, photos: int, seed: int) -> tuple[EventStore, set[str]]:
    store = EventStore.open(root, "bench")
    rng = np.random.default_rng(seed)
    ids: set[str] = set()
    for k in range(photos // 4):
        p = store.create_participant(consent=Consent(map=True, photo=k % 2 == 0), nickname=f"Visitor{k}")
        vectors = []
        for i in range(4):
            data = photo(seed * 1_000_000 + k * 10 + i)
            ph = store.add_photo(p, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG", width=1280, height=720)
            v = rng.standard_normal(512).astype(np.float32)
            vectors.append((ph.id, v / np.linalg.norm(v)))
            ids.add(ph.id)
        store.put_embeddings(vectors, model_id="ViT-B-32:bench", device="cpu")
        store.set_participant_state(p.code, "finished")
    return store, ids


def run(label: str, photos: int, batch: int, fault_rate: float, seed: int, source: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="piday-bench-upload-"))
    os.system(f"cp -r '{source}' '{work / 'data'}'")  # the same event for every scenario
    with AtlasEmulator(seed=seed) as emu, ClientEnv(emu, work / "home"), quiet_client_logs():
        if fault_rate:
            emu.faults.add("arrow", ANY + SHARD_ONLY, probability=fault_rate, delay=0.2, timeout=1.0)
            emu.faults.add("*", ANY, probability=fault_rate, delay=0.2, timeout=1.0)
        store = EventStore.open(work / "data", "bench")
        settings = AtlasSettings(deadline_s=2.0, backoff_base_s=0.2, backoff_cap_s=2.0, batch_size=batch,
                                 map_min_points=20, map_growth=None)
        engine = UploadEngine(store, settings, rng=random.Random(seed))
        started = time.perf_counter()
        while True:
            result = engine.step(final_map=True)
            if result.worked:
                continue
            if engine.done(final_map=True):
                break
            time.sleep(min(result.wait, 0.5))  # the engine's own backoff
        seconds = time.perf_counter() - started
        emu.faults.clear()
        emu.faults.release_hangs()
        (dataset,) = emu.datasets()
        stored = dataset.ids
        expected = {r[0] for r in store.query("SELECT id FROM photos")}
        assert len(stored) == len(set(stored)) == photos and set(stored) == expected, "not exactly once"
        entries = emu.log.entries()
        by_endpoint = collections.Counter(e.endpoint for e in entries)
        faulted = sum(1 for e in entries if e.fault and e.fault != "warning")
        uploaded = outbox.counts(store)["uploaded"]
        store.close()
    return dict(label=label, seconds=seconds, photos=uploaded, rate=uploaded / seconds, requests=len(entries),
                per_photo=len(entries) / uploaded, faulted=faulted, by_endpoint=by_endpoint)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200, help="photos per upload batch (station: about 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    args = parser.parse_args()

    source = Path(tempfile.mkdtemp(prefix="piday-bench-event-")) / "data"
    t = time.perf_counter()
    make_event(source, args.photos, args.seed)[0].close()
    print(f"event: {args.photos} photos (1280x720 JPEG, 512-d vectors, half with thumbnails) "
          f"made in {time.perf_counter() - t:.1f} s; batch {args.batch}; cpu count {os.cpu_count()}")
    for label, rate in (("no faults", 0.0), (f"{args.fault_rate:.0%} faults", args.fault_rate)):
        r = run(label, args.photos, args.batch, rate, args.seed, source)
        top = ", ".join(f"{k} {v}" for k, v in r["by_endpoint"].most_common(6))
        print(f"{r['label']:>10}: {r['photos']} photos in {r['seconds']:6.2f} s = {r['rate']:7.1f} photos/s; "
              f"{r['requests']} requests = {r['per_photo']:.3f} per photo ({r['faulted']} faulted) [{top}]")


if __name__ == "__main__":
    main()
