"""Exact cosine k-nearest-neighbours for unit vectors, kept up to date as points arrive.

Why not let umap find neighbours: below 4,096 points umap calls scikit-learn's pairwise distances
with a Python-callable metric (about 7 s at 2,000 points on the station laptop), and above it
pynndescent brings its own long JIT. For L2-normalised vectors cosine similarity is one matrix
product, so exact neighbours cost milliseconds, and when points are added only the new rows and
columns need computing: a background refit then pays nothing for the graph.

Conventions follow umap's ``precomputed_knn``: row i's first neighbour is i itself at distance 0,
distances are cosine distances (1 - similarity), ascending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Rows per matrix-product block: bounds the temporary similarity block to chunk * n floats
# (1,024 x 20,000 x 4 B = 80 MB) whatever the set size.
_CHUNK = 1024


@dataclass(frozen=True)
class KnnGraph:
    """Neighbour lists for a fixed set of vectors. Immutable: updates return a new graph.

    Immutability lets a background refit keep using the graph it was given while the layout
    thread builds the next one.
    """

    indices: np.ndarray  # (n, k) int64
    distances: np.ndarray  # (n, k) float32

    @property
    def k(self) -> int:
        return int(self.indices.shape[1])

    def __len__(self) -> int:
        return int(self.indices.shape[0])


def _top_k(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and similarities of each row's k largest entries, best first."""
    k = min(k, sims.shape[1])
    if k <= 0:
        return np.empty((sims.shape[0], 0), np.int64), np.empty((sims.shape[0], 0), np.float32)
    if k < sims.shape[1]:
        part = np.argpartition(sims, -k, axis=1)[:, -k:]
    else:
        part = np.broadcast_to(np.arange(sims.shape[1]), sims.shape).copy()
    vals = np.take_along_axis(sims, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1).astype(np.int64), np.take_along_axis(vals, order, axis=1)


def neighbours(queries: np.ndarray, reference: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k reference rows by cosine similarity for each query (no self-exclusion).

    Returns (indices, similarities); used for placing new points among laid-out ones.
    """
    queries = np.asarray(queries, dtype=np.float32)
    reference = np.asarray(reference, dtype=np.float32)
    out_i, out_s = [], []
    for start in range(0, len(queries), _CHUNK):
        sims = queries[start : start + _CHUNK] @ reference.T
        i, s = _top_k(sims, k)
        out_i.append(i)
        out_s.append(s)
    if not out_i:
        kk = min(k, len(reference))
        return np.empty((0, kk), np.int64), np.empty((0, kk), np.float32)
    return np.concatenate(out_i), np.concatenate(out_s)


def _rows_against(vectors: np.ndarray, start: int, stop: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours of rows start..stop among all vectors, self forced into column 0."""
    idx_parts, dist_parts = [], []
    for s in range(start, stop, _CHUNK):
        e = min(s + _CHUNK, stop)
        sims = vectors[s:e] @ vectors.T
        rows = np.arange(e - s)
        # Self first even when an identical photo exists (ties would otherwise be arbitrary).
        sims[rows, s + rows] = np.inf
        i, sim = _top_k(sims, k)
        d = np.clip(1.0 - sim, 0.0, 2.0).astype(np.float32)
        d[:, 0] = 0.0
        idx_parts.append(i)
        dist_parts.append(d)
    return np.concatenate(idx_parts), np.concatenate(dist_parts)


def build(vectors: np.ndarray, k: int) -> KnnGraph:
    """Exact graph from scratch (first layout, or after points were removed)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    if n == 0:
        return KnnGraph(np.empty((0, min(k, 0)), np.int64), np.empty((0, 0), np.float32))
    idx, dist = _rows_against(vectors, 0, n, min(k, n))
    return KnnGraph(idx, dist)


def extend(graph: KnnGraph, vectors: np.ndarray, k: int) -> KnnGraph:
    """Graph for ``vectors`` whose first ``len(graph)`` rows are the ones ``graph`` describes.

    Costs O(m * n) for m new points instead of O(n^2): new rows are computed in full, old rows only
    merge in the new columns.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n_old, n = len(graph), len(vectors)
    k_new = min(k, n)
    if n_old == 0 or graph.k != min(k, n_old) or k_new != graph.k:
        # Too small to have had k neighbours before: rebuilding is trivially cheap then.
        return build(vectors, k)
    if n == n_old:
        return graph
    new_idx, new_dist = _rows_against(vectors, n_old, n, k_new)
    # Old rows: candidates are their current lists plus the new columns.
    merged_i = np.empty_like(graph.indices)
    merged_d = np.empty_like(graph.distances)
    new_block = vectors[n_old:]
    for s in range(0, n_old, _CHUNK):
        e = min(s + _CHUNK, n_old)
        sims_new = vectors[s:e] @ new_block.T  # (rows, m)
        d_new = np.clip(1.0 - sims_new, 0.0, 2.0).astype(np.float32)
        cols = np.broadcast_to(np.arange(n_old, n, dtype=np.int64), d_new.shape)
        all_d = np.concatenate([graph.distances[s:e], d_new], axis=1)
        all_i = np.concatenate([graph.indices[s:e], cols], axis=1)
        # Stable sort keeps self (distance 0, column 0) ahead of an identical new photo.
        order = np.argsort(all_d, axis=1, kind="stable")[:, :k_new]
        merged_i[s:e] = np.take_along_axis(all_i, order, axis=1)
        merged_d[s:e] = np.take_along_axis(all_d, order, axis=1)
    return KnnGraph(np.concatenate([merged_i, new_idx]), np.concatenate([merged_d, new_dist]))
