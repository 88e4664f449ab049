"""Keep successive layouts in one frame, so the map never jumps.

A fresh UMAP or PCA layout is only defined up to rotation, reflection, scale and translation.
Each new layout is therefore mapped onto the previous one by the similarity transform that best
matches the points both share (orthogonal Procrustes with scale). Only the first layout is
normalised to the view's range; later ones inherit the frame by alignment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The first layout is scaled so that its largest coordinate has this magnitude.
NORMALISED_EXTENT = 1.0


@dataclass(frozen=True)
class Similarity:
    """x -> scale * x @ rotation + translation (rotation may include a reflection)."""

    scale: float
    rotation: np.ndarray  # (2, 2)
    translation: np.ndarray  # (2,)

    def apply(self, points: np.ndarray) -> np.ndarray:
        out = self.scale * (np.asarray(points, dtype=np.float64) @ self.rotation) + self.translation
        return out.astype(np.float32)

    @staticmethod
    def identity() -> Similarity:
        return Similarity(1.0, np.eye(2), np.zeros(2))


def fit_similarity(source: np.ndarray, target: np.ndarray) -> Similarity:
    """Least-squares similarity taking ``source`` rows onto the matching ``target`` rows.

    Reflections are allowed: a mirrored map is as good as the original, and forbidding it would
    make a refit that came out mirrored rotate every point by up to 180 degrees.
    Degenerate inputs (no shared points, one point, all points coincident) fall back to the
    translation that matches centroids, so alignment never fails.
    """
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    if len(src) == 0:
        return Similarity.identity()
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    norm_a = float(np.sum(a * a))
    if len(src) < 2 or norm_a < 1e-20 or float(np.sum(b * b)) < 1e-20:
        return Similarity(1.0, np.eye(2), mu_d - mu_s)
    u, _, vt = np.linalg.svd(a.T @ b)
    rotation = u @ vt
    # Scale by the ratio of spreads, not the least-squares optimum (trace(S) / |a|^2): that one
    # shrinks the map whenever the two layouts disagree (regression dilution), and repeated refits
    # would shrink it step by step. The ratio keeps the shared points' spread exactly.
    scale = float(np.sqrt(np.sum(b * b) / norm_a))
    return Similarity(scale, rotation, mu_d - scale * (mu_s @ rotation))


def out_of_range(points: np.ndarray, slack: float = 2.0) -> bool:
    """Has the map drifted far from the normalised range (too big, too small or off-centre)?

    Alignment keeps each map in its predecessor's frame, so the range is only ever corrected, by
    ``normalise``, when a refit moves points anyway and only when it is far off: the view is free
    to ease its zoom to the current bounds.
    """
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 2:
        return False
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2.0
    half = float(np.max(hi - lo)) / 2.0
    return (
        half > NORMALISED_EXTENT * slack
        or half < NORMALISED_EXTENT / slack
        or float(np.max(np.abs(centre))) > NORMALISED_EXTENT / slack
    )


def normalise(points: np.ndarray) -> np.ndarray:
    """Centre the bounding box on the origin and scale its larger half-side to NORMALISED_EXTENT."""
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) == 0:
        return np.zeros((0, 2), np.float32)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centred = pts - (lo + hi) / 2.0
    half = float(np.max(np.abs(centred)))
    if half < 1e-12:
        return centred.astype(np.float32)
    return (centred * (NORMALISED_EXTENT / half)).astype(np.float32)

