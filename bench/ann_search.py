"""`piday search` at a million: recall@10 against exact, ms per query after open, resident memory.

    python bench/ann_search.py [--n 1000000] [--dim 512] [--queries 100] [--dir DIR]

Phase 1 (this process) writes an event with ``--n`` synthetic vectors (rows written straight into
the real event.sqlite in one transaction: a bench shortcut, no photo files; search never reads
them) and the exact top 10 of every query, computed chunk by chunk with numpy. The vectors are
clustered with a low intrinsic dimension (500 groups in a 48-d latent space, projected to
``--dim`` plus isotropic noise), as CLIP embeddings of photos are; uniform noise would have no
meaningful neighbours. Queries are perturbed catalogue vectors.

Phase 2 (a fresh process, so its memory is the search's alone) opens the event the way
`piday search` does: the first call builds the index beside the catalogue (timed), the next
open loads it (timed), then every query runs through ``core.search.search_event`` (the CLI
path: candidates from the index, exact re-scoring from SQLite). Reported: build s, open s,
ms/query (median, p95), recall@10, peak and current resident MB, index file MB.
Goal (issue 16): recall@10 >= 0.95, < 50 ms/query, < 1.5 GB resident.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

MODEL = "bench:none"


def synthetic(rng: np.random.Generator, proj: np.ndarray, centres: np.ndarray, n: int) -> np.ndarray:
    z = centres[rng.integers(0, len(centres), n)] + 0.5 * rng.standard_normal((n, centres.shape[1]), dtype=np.float32)
    x = z @ proj + 0.5 * rng.standard_normal((n, proj.shape[1]), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def write_event(root: Path, n: int, dim: int, n_queries: int) -> None:
    from piday_desktop.core.store import Consent, EventStore, utcnow

    rng = np.random.default_rng(0)
    proj = rng.standard_normal((48, dim), dtype=np.float32)
    centres = rng.standard_normal((500, 48), dtype=np.float32)
    store = EventStore.open(root, "million")
    person = store.create_participant(consent=Consent())
    store.close()
    pick = np.sort(rng.choice(n, n_queries, replace=False))
    queries = np.zeros((n_queries, dim), np.float32)
    best_s = np.full((n_queries, 10), -np.inf, np.float32)
    best_i = np.zeros((n_queries, 10), np.int64)
    conn = sqlite3.connect(root / "events" / "million" / "event.sqlite")
    conn.execute("PRAGMA synchronous=OFF")
    now = utcnow()
    chunk = 100_000
    with conn:
        for start in range(0, n, chunk):
            x = synthetic(rng, proj, centres, min(chunk, n - start))
            inside = pick[(pick >= start) & (pick < start + len(x))]
            for j, p in enumerate(inside):
                q = x[p - start] + 0.1 * rng.standard_normal(dim, dtype=np.float32) / np.sqrt(dim) * 4
                queries[np.searchsorted(pick, p)] = q / np.linalg.norm(q)
            ids = [str(uuid.uuid4()) for _ in range(len(x))]
            conn.executemany(
                "INSERT INTO photos(id, participant_id, shot, sha256, original_name, ext, size_bytes, width, height, "
                "imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(pid, person.id, start + i + 1, uuid.uuid4().hex * 2, f"img{start + i}.jpg", "jpg", 1, 1, 1, now)
                 for i, pid in enumerate(ids)])
            conn.executemany(
                "INSERT INTO embeddings(photo_id, model_id, dim, vector, device, created_at) VALUES (?,?,?,?,?,?)",
                [(pid, MODEL, dim, v.astype("<f4").tobytes(), "cpu", now) for pid, v in zip(ids, x)])
            print(f"  wrote {start + len(x):,} vectors", file=sys.stderr, flush=True)
    conn.close()
    # exact top 10 of every query, over all vectors (second pass from SQLite, chunked)
    conn = sqlite3.connect(root / "events" / "million" / "event.sqlite")
    rows = conn.execute("SELECT rowid, vector FROM embeddings ORDER BY rowid")
    while batch := rows.fetchmany(chunk):
        keys = np.array([r[0] for r in batch])
        x = np.frombuffer(b"".join(r[1] for r in batch), dtype="<f4").reshape(len(batch), dim)
        s = queries @ x.T
        top = np.argpartition(-s, 9, axis=1)[:, :10]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        cand_i = np.concatenate([best_i, keys[top]], 1)
        order = np.argsort(-cand_s, 1)[:, :10]
        best_s, best_i = np.take_along_axis(cand_s, order, 1), np.take_along_axis(cand_i, order, 1)
    conn.close()
    np.save(root / "queries.npy", queries)
    np.save(root / "truth.npy", best_i)


def rss_mb() -> tuple[float, float]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/statm") as f:
        current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return peak, current


def search_phase(root: Path) -> dict:
    from piday_desktop.core.search import search_event
    from piday_desktop.core.store import EventStore
    from piday_desktop.core.vector_index import VectorIndex, index_path

    queries, truth = np.load(root / "queries.npy"), np.load(root / "truth.npy")
    store = EventStore.open(root, "million", create=False)
    t = time.perf_counter()
    VectorIndex.open(store, MODEL)  # builds: no index file yet
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    index = VectorIndex.open(store, MODEL)  # what each `piday search` pays: load + check against the catalogue
    open_s = time.perf_counter() - t
    key_of = {}
    times, found = [], 0
    for q, want in zip(queries, truth):
        t = time.perf_counter()
        hits = search_event(store, MODEL, q, k=10, ann_threshold=0, index=index)
        times.append((time.perf_counter() - t) * 1e3)
        ids = [h.photo.id for h in hits]
        missing = [i for i in ids if i not in key_of]
        if missing:
            marks = ",".join("?" * len(missing))
            for pid, key in sqlite3.connect(store.directory / "event.sqlite").execute(
                    f"SELECT photo_id, rowid FROM embeddings WHERE photo_id IN ({marks})", missing):
                key_of[pid] = key
        found += len({key_of[i] for i in ids} & set(want.tolist()))
    peak, current = rss_mb()
    return {"vectors": store.vector_count(MODEL), "build_s": round(build_s, 1), "open_s": round(open_s, 2),
            "ms_per_query_median": round(statistics.median(times), 1),
            "ms_per_query_p95": round(float(np.percentile(times, 95)), 1),
            "recall_at_10": round(found / truth.size, 4), "peak_rss_mb": round(peak), "rss_mb_after": round(current),
            "index_file_mb": round(index_path(store, MODEL).stat().st_size / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--dir", type=Path, help="keep the event here (default: a temporary folder)")
    ap.add_argument("--phase", choices=["search"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "search":
        print(json.dumps(search_phase(args.dir)))
        return
    with tempfile.TemporaryDirectory(prefix="piday-ann-") as tmp:
        root = args.dir or Path(tmp)
        t = time.perf_counter()
        write_event(root, args.n, args.dim, args.queries)
        print(f"event written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--phase", "search", "--dir", str(root)],
                             check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        for key, value in result.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
