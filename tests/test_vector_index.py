"""Search past the ANN threshold: recall against a brute-force numpy oracle, and the index beside
the catalogue that is extended, repaired and never trusted for scores (issue 16, part 3)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid

import numpy as np
import pytest

from piday_desktop.core.search import parse_where, search_event
from piday_desktop.core.store import Consent, EventStore, utcnow
from piday_desktop.core.vector_index import VectorIndex, index_path

MODEL = "test-model:none"
DIM = 32
THRESHOLD = 500  # the suite's small sets use the indexed path from 500 vectors on


def clustered(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors in groups, like CLIP embeddings of photos (not uniform noise)."""
    centres = rng.standard_normal((40, DIM)).astype(np.float32)
    x = centres[rng.integers(0, 40, n)] + 0.35 * rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def add_rows(store: EventStore, vectors: np.ndarray, participants: int = 4) -> list[str]:
    """Photo rows (no files: search never reads them) and their vectors, in the real catalogue."""
    people = [store.create_participant(consent=Consent()) for _ in range(participants)]
    conn = sqlite3.connect(store.directory / "event.sqlite")
    ids = [str(uuid.uuid4()) for _ in range(len(vectors))]
    with conn:
        conn.executemany(
            "INSERT INTO photos(id, participant_id, shot, sha256, original_name, ext, size_bytes, width, height, "
            "imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(pid, people[i % participants].id, i // participants + 1, uuid.uuid4().hex * 2, f"img{i}.jpg",
              "jpg", 1, 1, 1, utcnow()) for i, pid in enumerate(ids)])
    conn.close()
    store.put_embeddings(zip(ids, vectors), model_id=MODEL, device="cpu")
    return ids


def oracle(matrix: np.ndarray, ids: list[str], q: np.ndarray, k: int, allowed: set[str] | None = None) -> list[str]:
    scores = matrix @ (q / np.linalg.norm(q))
    order = [i for i in np.argsort(-scores) if allowed is None or ids[i] in allowed]
    return [ids[i] for i in order[:k]]


@pytest.fixture
def archive(tmp_path):
    rng = np.random.default_rng(7)
    store = EventStore.open(tmp_path / "data", "arch")
    vectors = clustered(rng, 3000)
    ids = add_rows(store, vectors)
    yield store, ids, vectors, rng
    store.close()


def recall(store, ids, vectors, queries, k=10, where=(), allowed=None) -> float:
    got = 0
    for q in queries:
        hits = search_event(store, MODEL, q, k=k, where=where, ann_threshold=THRESHOLD)
        truth = oracle(vectors, ids, q, k, allowed)
        got += len({h.photo.id for h in hits} & set(truth))
        for h in hits:  # scores are the catalogue's exact cosines, not the index's 8-bit estimates
            assert h.score == pytest.approx(float(vectors[ids.index(h.photo.id)] @ (q / np.linalg.norm(q))), abs=1e-5)
    return got / (k * len(queries))


def test_indexed_search_matches_the_exact_oracle_and_persists_beside_the_catalogue(archive):
    store, ids, vectors, rng = archive
    queries = clustered(rng, 40)
    assert not index_path(store, MODEL).exists()
    assert recall(store, ids, vectors, queries) >= 0.95
    path = index_path(store, MODEL)
    assert path.parent == store.directory / "index" and path.exists()
    # below the threshold the same call is the exact scan and builds nothing
    small = EventStore.open(store.directory.parent.parent, "small")
    small_ids = add_rows(small, vectors[:100])
    hits = search_event(small, MODEL, queries[0], k=5, ann_threshold=THRESHOLD)
    assert [h.photo.id for h in hits] == oracle(vectors[:100], small_ids, queries[0], 5)
    assert not index_path(small, MODEL).exists()
    small.close()


def test_where_filters_apply_broad_and_selective(archive):
    store, ids, vectors, rng = archive
    queries = clustered(rng, 20)
    codes = {p.id: p.participant_code for p in store.photos()}
    broad = {i for i in ids if codes[i] in ("P-001", "P-002", "P-003")}  # 75 %: filtered inside the index
    where = parse_where(["participant=P-00[123]"])
    assert recall(store, ids, vectors, queries, where=where, allowed=broad) >= 0.95
    for q in queries:
        assert all(codes[h.photo.id] in ("P-001", "P-002", "P-003")
                   for h in search_event(store, MODEL, q, k=10, where=where, ann_threshold=THRESHOLD))
    only = {i for i in ids if codes[i] == "P-004"}
    # selective enough to scan exactly: identical to the oracle
    from piday_desktop.core import search
    old = search.EXACT_FILTERED_LIMIT
    search.EXACT_FILTERED_LIMIT = 1000
    try:
        for q in queries[:5]:
            hits = search_event(store, MODEL, q, k=10, where=parse_where(["participant=P-004"]), ann_threshold=THRESHOLD)
            assert [h.photo.id for h in hits] == oracle(vectors, ids, q, 10, only)
    finally:
        search.EXACT_FILTERED_LIMIT = old


def test_index_is_extended_incrementally_and_forgets_deleted_photos(archive):
    store, ids, vectors, rng = archive
    search_event(store, MODEL, vectors[0], k=1, ann_threshold=THRESHOLD)  # builds the index
    trained_on = VectorIndex.open(store, MODEL).info.trained_on
    new = clustered(rng, 50)
    new_ids = add_rows(store, new, participants=1)
    hits = search_event(store, MODEL, new[3], k=1, ann_threshold=THRESHOLD)
    assert hits[0].photo.id == new_ids[3] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    index = VectorIndex.open(store, MODEL)
    assert index.size == 3050 and index.info.trained_on == trained_on  # extended, not rebuilt
    store.delete_photo(new_ids[3])
    assert new_ids[3] not in {h.photo.id for h in search_event(store, MODEL, new[3], k=10, ann_threshold=THRESHOLD)}
    # a rewritten vector (re-embedding with the same model) is found where it is now
    store.put_embeddings([(ids[0], new[4])], model_id=MODEL, device="cpu")
    hits = search_event(store, MODEL, new[4], k=2, ann_threshold=THRESHOLD)
    assert {h.photo.id for h in hits} == {ids[0], new_ids[4]}
    assert VectorIndex.open(store, MODEL).size == 3049


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other-model"])
def test_a_damaged_index_is_rebuilt_never_trusted(archive, damage):
    store, ids, vectors, rng = archive
    q = clustered(rng, 1)[0]
    before = search_event(store, MODEL, q, k=10, ann_threshold=THRESHOLD)
    path = index_path(store, MODEL)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        path.write_bytes(b"not an index")
    else:  # a file from another model's index copied over this one
        other = EventStore.open(store.directory.parent.parent, "other")
        add_rows(other, clustered(rng, 600))
        search_event(other, "test-model:none", q, k=1, ann_threshold=THRESHOLD)
        path.write_bytes(index_path(other, MODEL).read_bytes())
        other.close()
    hits = search_event(store, MODEL, q, k=10, ann_threshold=THRESHOLD)
    assert hits == before  # rebuilt from the catalogue: the same answer as before the damage
    assert VectorIndex.open(store, MODEL).size == 3000


def test_cli_like_search_uses_the_index_without_torch(archive, tmp_path):
    store, ids, vectors, _ = archive
    code = ("import sys, runpy; sys.argv = ['piday'] + sys.argv[1:]\n"
            "from piday_desktop.cli import main\n"
            "rc = main(sys.argv[1:])\n"
            "assert 'torch' not in sys.modules and 'open_clip' not in sys.modules, 'torch imported'\n"
            "sys.exit(rc)")
    proc = subprocess.run(
        [sys.executable, "-c", code, "search", "--like", ids[5], "--event", "arch", "-k", "5", "--json",
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, env={**__import__("os").environ, "PIDAY_ANN_THRESHOLD": str(THRESHOLD)},
        timeout=120)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert [h["id"] for h in hits] == oracle(vectors, ids, vectors[5], 6)[1:]
    assert index_path(store, MODEL).exists()
