"""Layouts for sets too small for UMAP (and the stand-in while umap is still loading).

UMAP needs a neighbourhood graph; with a handful of photos there is none worth the name, and its
layout of 5 points is noise. PCA of the embeddings is deterministic, instant, and shows the one
thing that matters at that size: which photos are alike.
"""

from __future__ import annotations

import numpy as np


def pca_layout(vectors: np.ndarray) -> np.ndarray:
    """2-D positions for any number of points (0 -> empty, 1 -> centre, 2 -> a pair).

    Not normalised: callers align it to the previous layout or normalise the first one.
    The pair is spaced by its cosine distance so that two near-identical photos sit closer than two
    different people when the third point arrives and PCA takes over.
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
    # Economy SVD of the n x d matrix; n is small here (below UMAP's threshold).
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    coords = u[:, :2] * s[:2]
    if coords.shape[1] < 2:  # all points identical but one axis, or n == 2 (handled above)
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    # Sign convention (as scikit-learn's svd_flip): deterministic output for the same input.
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), range(2)])
    signs[signs == 0] = 1.0
    return (coords * signs).astype(np.float32)
