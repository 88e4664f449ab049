"""Groups on the map and their names: HDBSCAN on the layout, zero-shot names from CLIP's text encoder.

Why the layout and not the embeddings: the groups a visitor should see named are the ones they
see on the screen, and HDBSCAN on 2-D points is fast (well under a second at 20,000 points) and
finds groups of any shape, leaving stragglers unlabelled rather than forcing them into a group.

Why zero-shot against a vocabulary: it runs offline with the model the station already has (no
captioning model, no service), and the vocabulary is a plain text file a volunteer can edit
for their event. A group's name is the label that most *distinguishes* it: each label's cosine
with every photo is standardised over the whole event, so a label that fits everyone ("a photo
of a person") never wins; a modest within-group term breaks ties towards labels that fit the
group best. Each name is used once (an optimal assignment), so two groups are never both
"glasses". Plain numpy / scikit-learn / scipy; the text encoder is passed in as a function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from piday_desktop.projection.live_map import Cluster

log = logging.getLogger(__name__)

VOCABULARY_FILE = "cluster_labels.txt"
PROMPT_TEMPLATE = "a photo of {}"
#: Below this many photos there are no groups worth naming.
MIN_POINTS = 12
#: At most this many groups are named (the biggest), so the map stays readable.
MAX_CLUSTERS = 12
#: Texts per call to the encoder: a background text job in the engine's low-priority lane runs
#: only when no photo waits, but a shot arriving meanwhile waits for the job already in the model,
#: so small jobs keep that wait short. One at a time, as
#: measured with ViT-B-32 on a 2-core CPU: 16 ms for one prompt, but ~1 s for any batch of 2 to 8.
ENCODE_CHUNK = 1


@dataclass(frozen=True)
class Label:
    name: str  # what the map shows
    prompt: str  # what CLIP compares the photos with


def packaged_vocabulary() -> Path:
    return Path(str(resources.files("piday_desktop") / "resources" / VOCABULARY_FILE))


def vocabulary_path() -> Path:
    """The user's copy in piday's config folder if there is one, else the packaged file."""
    from piday_desktop.core.paths import config_dir

    user = config_dir() / VOCABULARY_FILE
    return user if user.is_file() else packaged_vocabulary()


def parse_vocabulary(text: str) -> list[Label]:
    """``name | prompt`` or ``name`` per line; blank lines and ``#`` comments skipped; duplicates dropped."""
    labels: list[Label] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, prompt = line.partition("|")
        name, prompt = name.strip(), prompt.strip()
        if not name:
            continue
        if not sep or not prompt:
            prompt = PROMPT_TEMPLATE.format(name)
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        labels.append(Label(name, prompt))
    return labels


def load_vocabulary(path: Path | None = None) -> list[Label]:
    """Labels from a file (default: :func:`vocabulary_path`). A broken file yields no labels, never an error."""
    path = path or vocabulary_path()
    try:
        return parse_vocabulary(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cluster vocabulary %s unreadable (%s): groups stay unnamed", path, exc)
        return []


def encode_labels(encode_text: Callable[[list[str]], np.ndarray], labels: Sequence[Label],
                  chunk: int = ENCODE_CHUNK) -> np.ndarray:
    """(len(labels), dim) unit text vectors, encoded a few at a time (see ``ENCODE_CHUNK``)."""
    parts = [np.asarray(encode_text([lb.prompt for lb in labels[i:i + chunk]]), dtype=np.float32)
             for i in range(0, len(labels), chunk)]
    if not parts:
        return np.zeros((0, 0), np.float32)
    out = np.concatenate(parts)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def find_groups(positions: np.ndarray, min_size: int | None = None) -> np.ndarray:
    """Group label per point (-1: not in any group), by HDBSCAN on the 2-D map.

    ``min_size`` defaults to about 1/20 of the map (at least 5), which keeps the number of named
    groups small enough to read.
    """
    pts = np.asarray(positions, dtype=np.float64)
    n = len(pts)
    if n < MIN_POINTS or not np.all(np.isfinite(pts)):
        return np.full(n, -1, np.int64)
    # Under the umap warm-up's import lock: a concurrent import could fail the warm-up half-way.
    from piday_desktop.projection.umap_import import import_hdbscan

    HDBSCAN = import_hdbscan()
    size = min_size or max(5, n // 20)
    size = min(size, n // 2)
    labels = HDBSCAN(min_cluster_size=size, min_samples=max(3, size // 3), copy=True).fit_predict(pts)
    return labels.astype(np.int64)


def label_scores(vectors: np.ndarray, groups: np.ndarray, text_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group ids, scores (n_groups, n_labels)): how well each label distinguishes each group."""
    v = np.asarray(vectors, dtype=np.float32)
    t = np.asarray(text_vectors, dtype=np.float32)
    gids = np.array(sorted(set(int(g) for g in groups) - {-1}), dtype=np.int64)
    if len(gids) == 0 or len(t) == 0:
        return gids, np.zeros((len(gids), len(t)))
    sims = (v @ t.T).astype(np.float64)  # (n, L)
    z = (sims - sims.mean(axis=0)) / (sims.std(axis=0) + 1e-9)
    scores = np.empty((len(gids), len(t)))
    for k, g in enumerate(gids):
        members = groups == g
        distinct = z[members].mean(axis=0)
        fit = sims[members].mean(axis=0)
        fit = (fit - fit.mean()) / (fit.std() + 1e-9)
        # A group that is most of the event cannot be distinguished from it: rank by fit alone.
        share = members.mean()
        scores[k] = fit if share > 0.7 else distinct + 0.5 * fit
    return gids, scores


def assign_names(scores: np.ndarray) -> np.ndarray:
    """Label index per group (-1: none left), each label used at most once, best total score."""
    n_groups, n_labels = scores.shape
    out = np.full(n_groups, -1, np.int64)
    if n_groups == 0 or n_labels == 0:
        return out
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-scores)
    out[rows] = cols
    return out


def name_groups(ids: Sequence[str], positions: np.ndarray, vectors: np.ndarray, groups: np.ndarray,
                labels: Sequence[Label], text_vectors: np.ndarray) -> list[Cluster]:
    """Named clusters (biggest first, at most ``MAX_CLUSTERS``) for given group labels."""
    pos = np.asarray(positions, dtype=np.float64)
    gids, scores = label_scores(vectors, groups, text_vectors)
    if len(gids) == 0:
        return []
    sizes = np.array([(groups == g).sum() for g in gids])
    keep = np.argsort(-sizes, kind="stable")[:MAX_CLUSTERS]
    gids, scores = gids[keep], scores[keep]
    chosen = assign_names(scores)
    clusters = []
    for k, g in enumerate(gids):
        if chosen[k] < 0:
            continue
        rows = np.flatnonzero(groups == g)
        centre = pos[rows].mean(axis=0)
        # Write the name at the member nearest the centroid: a curved group's centroid can lie
        # in empty space, or on another group.
        anchor = pos[rows[np.argmin(((pos[rows] - centre) ** 2).sum(axis=1))]]
        clusters.append(Cluster(labels[chosen[k]].name, float(anchor[0]), float(anchor[1]),
                                tuple(ids[r] for r in rows), float(scores[k, chosen[k]])))
    return clusters


def cluster_map(ids: Sequence[str], positions: np.ndarray, vectors: np.ndarray, labels: Sequence[Label],
                text_vectors: np.ndarray, min_size: int | None = None) -> list[Cluster]:
    """Find the groups on a map and name them. Pure function: run it on any thread."""
    if len(ids) < MIN_POINTS or len(labels) == 0:
        return []
    groups = find_groups(positions, min_size)
    return name_groups(ids, positions, vectors, groups, labels, text_vectors)
