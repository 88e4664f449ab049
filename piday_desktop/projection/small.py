"""Layouts for sets too small for UMAP (and the stand-in while umap is still loading).

UMAP needs a neighbourhood graph; with a handful of photos there is none worth the name, and its
layout of 5 points is noise. PCA of the embeddings is deterministic, instant, and shows the one
thing that matters at that size: which photos are alike.
"""

from __future__ import annotations

import numpy as np


def pca_layout(vectors: np.ndarray) -> np.ndarray:
    """2-D positions for any number of points (0 -> empty, 1 -> centre, 2 -> a pair).

    Not normalised and in an arbitrary orientation: the caller aligns it to the previous map and
    normalises it.
    """
    x = np.asarray(vectors, dtype=np.float64)
    n = len(x)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n == 1:
        return np.zeros((1, 2), np.float32)
    if n == 2:
        d = max(float(1.0 - x[0] @ x[1]), 1e-3)
        return np.array([[-d / 2, 0.0], [d / 2, 0.0]], np.float32)
    centred = x - x.mean(axis=0)
    # Eigen-decomposition of the smaller of the Gram (n x n) and covariance (d x d) matrices: the
    # same two components as an SVD, and fast also for the 20,000-point first map of a restart.
    if len(centred) <= centred.shape[1]:
        vals, vecs = np.linalg.eigh(centred @ centred.T)
        top = np.argsort(vals)[::-1][:2]
        coords = vecs[:, top] * np.sqrt(np.clip(vals[top], 0.0, None))
    else:
        vals, vecs = np.linalg.eigh(centred.T @ centred)
        coords = centred @ vecs[:, np.argsort(vals)[::-1][:2]]
    # Sign convention (as scikit-learn's svd_flip): deterministic output for the same input.
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), range(2)])
    signs[signs == 0] = 1.0
    return (coords * signs).astype(np.float32)
