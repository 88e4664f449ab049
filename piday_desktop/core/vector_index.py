"""An approximate-nearest-neighbour index beside the catalogue, for events past ~100 k vectors.

Why: exact search holds every vector in memory (2 GB at 1 M x 512 float32) and scans them all.
The index is faiss IVF with 8-bit scalar-quantised vectors (a quarter of float32), persisted as
``events/<name>/index/<model>.faiss`` (faiss's own format) with a ``.header.npz`` beside it, and
extended with the rows added since it was last saved. It only proposes candidates: every hit is re-scored with the catalogue's own float32
vector, so a stale index can cost recall, never a wrong score or a photo that no longer exists.
A missing, unreadable or mismatched index file is rebuilt from the catalogue; the catalogue is
the source of truth.

faiss is imported only here and only when an index is needed, so small events and the station
never load it.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .durable import fsync_file, write_durably
from .store import EventStore, Photo

log = logging.getLogger(__name__)

FORMAT = 2  # 2: faiss's own file + a small header file (1 was one .npz holding a serialised copy)
# Rebuild (retrain the coarse quantiser) once the event has grown this much past the vectors the
# index was trained on: IVF lists trained on a small early sample get long and slow.
RETRAIN_GROWTH = 4.0
# Rows read per step while training and adding: 10 k x 512 floats is ~20 MB plus its SQLite rows,
# so building the index of a million vectors never holds more than a sliver of them at once.
CHUNK = 10_000


@dataclass(frozen=True)
class IndexInfo:
    model_id: str
    dim: int
    nlist: int
    trained_on: int
    max_key: int  # the highest row key indexed: new and rewritten vectors get higher keys
    max_key_written: str | None  # that row's created_at, to notice SQLite reusing keys


def index_path(store: EventStore, model_id: str) -> Path:
    """The index itself, in faiss's own format (written and read without an in-memory copy)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)
    return store.directory / "index" / f"{safe}.faiss"


def header_path(path: Path) -> Path:
    """What the index holds (row keys, training facts) and what its file must look like."""
    return path.with_name(path.name + ".header.npz")


def _faiss():
    import faiss

    return faiss


class _Stale(Exception):
    """The index cannot be brought up to date in place; it is rebuilt."""


class VectorIndex:
    """One model's IVF-SQ8 index over an event's vectors, keyed by the embedding row key."""

    def __init__(self, index, keys: np.ndarray, info: IndexInfo, path: Path) -> None:
        self._index = index
        self._keys = keys  # sorted int64: what the index holds
        self.info = info
        self.path = path
        self.nprobe = max(16, info.nlist // 16)  # ~6 % of the lists: recall@10 >= 0.95 in bench/ann_search.py

    @property
    def size(self) -> int:
        return int(self._keys.shape[0])

    # --- opening: load, check against the catalogue, extend or rebuild --------------------

    @classmethod
    def open(cls, store: EventStore, model_id: str) -> "VectorIndex":
        """The index for ``model_id``, brought up to date with the catalogue (and saved if it changed)."""
        path = index_path(store, model_id)
        db_keys = np.sort(store.vector_keys(model_id))
        index = cls._load(path, model_id)
        if index is not None and db_keys.shape[0] > RETRAIN_GROWTH * index.info.trained_on:
            log.info("vector index %s: %d vectors, trained on %d: retraining", path, db_keys.shape[0],
                     index.info.trained_on)
            index = None
        if index is not None:
            try:
                if index.sync(store, db_keys):
                    index.save()
                return index
            except _Stale as exc:
                log.info("vector index %s: %s: rebuilding", path, exc)
        return cls.build(store, model_id, path)

    @classmethod
    def _load(cls, path: Path, model_id: str) -> "VectorIndex | None":
        header = header_path(path)
        if not path.exists() or not header.exists():
            return None
        try:
            with np.load(header, allow_pickle=False) as data:
                info = IndexInfo(**json.loads(str(data["info"])))
                keys = np.asarray(data["keys"], dtype=np.int64)
                fmt, size = int(data["format"]), int(data["file_bytes"])
            if fmt != FORMAT or info.model_id != model_id or path.stat().st_size != size:
                raise ValueError("index file does not match its header")
            index = _faiss().read_index(str(path))
            if index.d != info.dim or index.ntotal != keys.shape[0]:
                raise ValueError("index file does not match its header")
        except Exception as exc:  # a torn, foreign or corrupt file: the catalogue rebuilds it
            log.warning("vector index %s unreadable (%s): rebuilding", path, exc)
            return None
        return cls(index, keys, info, path)

    @classmethod
    def build(cls, store: EventStore, model_id: str, path: Path | None = None) -> "VectorIndex":
        """Train on a sample of the event's vectors, then add all of them in chunks."""
        faiss = _faiss()
        n = store.vector_count(model_id)
        if n == 0:
            raise LookupError(f"no {model_id} vectors to index")
        nlist = int(min(8192, max(16, 2 * math.sqrt(n))))
        sample_size = min(n, 30 * nlist)
        rng = np.random.default_rng(0)
        keep_prob = sample_size / n
        sample = []
        for _keys, matrix in store.vector_chunks(model_id, chunk=CHUNK):
            pick = rng.random(matrix.shape[0]) < keep_prob
            sample.append(matrix[pick])
        train = np.ascontiguousarray(np.concatenate(sample), dtype=np.float32)
        dim = train.shape[1]
        nlist = max(1, min(nlist, train.shape[0] // 8))
        quantiser = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantiser, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.cp.min_points_per_centroid = 1  # a small sample is fine: candidates are re-scored
        index.train(train)
        index.own_fields = True
        quantiser.this.disown()
        info = IndexInfo(model_id=model_id, dim=dim, nlist=nlist, trained_on=n, max_key=-1, max_key_written=None)
        built = cls(index, np.zeros(0, np.int64), info, path or index_path(store, model_id))
        built._add_chunks(store.vector_chunks(model_id, chunk=CHUNK))
        built._mark(store)
        built.save()
        return built

    def _add_chunks(self, chunks) -> int:
        added = []
        for keys, matrix in chunks:
            if keys.shape[0] == 0:
                continue
            self._index.add_with_ids(np.ascontiguousarray(matrix, dtype=np.float32), keys)
            added.append(keys)
        if added:
            self._keys = np.sort(np.concatenate([self._keys, *added]))
        return sum(k.shape[0] for k in added)

    def sync(self, store: EventStore, db_keys: np.ndarray) -> bool:
        """Drop keys the catalogue no longer has, add the rows written since; True if anything changed.

        A rewritten vector (``INSERT OR REPLACE``) gets a new, higher row key, so "new" is a key
        range, read without scanning the table. SQLite reuses keys only above the highest live
        one, after the newest rows were deleted: if the indexed top row is gone or was rewritten,
        keys below it may now name other vectors, and :meth:`open` rebuilds (rare in an archive).
        """
        if self.info.max_key >= 0 and store.vector_written_at(self.info.max_key) != self.info.max_key_written:
            raise _Stale("the newest indexed row was deleted or rewritten, so its key may be reused")
        gone = np.setdiff1d(self._keys, db_keys, assume_unique=True)
        if gone.size:
            self._index.remove_ids(_faiss().IDSelectorBatch(gone))
            self._keys = np.setdiff1d(self._keys, gone, assume_unique=True)
        added = self._add_chunks(store.vector_chunks(self.info.model_id, after_key=self.info.max_key, chunk=CHUNK))
        missing = np.setdiff1d(db_keys, self._keys)
        if missing.size:
            raise _Stale(f"{missing.size} catalogue rows below the indexed range are not in the index")
        self._mark(store)
        return bool(gone.size or added)

    def _mark(self, store: EventStore) -> None:
        top = int(self._keys[-1]) if self._keys.size else -1
        self.info = IndexInfo(**{**self.info.__dict__, "max_key": top,
                                 "max_key_written": store.vector_written_at(top) if top >= 0 else None})

    def save(self) -> None:
        """faiss writes the index straight to a temp file (no serialised copy in memory: 500 MB at
        1 M vectors), then the header; each fsynced and renamed. A crash between the two renames
        leaves a header that does not match the file, and the index is rebuilt."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        try:
            _faiss().write_index(self._index, str(tmp))
            fsync_file(tmp)
            buf = io.BytesIO()
            np.savez(buf, info=np.array(json.dumps(self.info.__dict__)), keys=self._keys,
                     format=np.array(FORMAT), file_bytes=np.array(tmp.stat().st_size))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        write_durably(header_path(self.path), buf.getvalue())

    # --- searching ---------------------------------------------------------------------

    def candidates(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Up to ``n`` keys near ``query`` (approximate), only among ``allowed`` keys when given."""
        faiss = _faiss()
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        params = faiss.SearchParametersIVF(nprobe=self.nprobe)
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = faiss.SearchParametersIVF(nprobe=self.nprobe, sel=selector)
        _scores, ids = self._index.search(q, n, params=params)
        return ids[0][ids[0] >= 0]


def rescored(store: EventStore, model_id: str, query: np.ndarray, keys: Sequence[int]) -> list[tuple[Photo, float]]:
    """The catalogue's own photos and exact cosine scores for candidate keys, best first."""
    photos, matrix = store.vectors_by_key(model_id, keys)
    if not photos:
        return []
    q = np.asarray(query, dtype=np.float32).ravel()
    scores = matrix @ (q / (np.linalg.norm(q) or 1.0))
    order = np.argsort(-scores, kind="stable")
    return [(photos[i], float(scores[i])) for i in order]
