"""Cluster naming with ground truth: photo vectors built from the text encoder's own label vectors.

A group of "photos" is the text vector of a known label plus noise (and a shared offset, the
way real image vectors sit apart from text vectors in CLIP's space), laid out as a blob on the
map. Naming must give each group back its label. The real open_clip text tower is used (the tiny
random-weight model), through the same ``encode_labels`` the station uses.
"""

from __future__ import annotations

import numpy as np
import pytest

from piday_desktop.projection import clusters as cl


@pytest.fixture(scope="module")
def text_encoder():
    from piday_desktop.embedding.models import ModelSpec, load_model

    model = load_model(ModelSpec.parse("piday-tiny:none"), device="cpu")
    return model.encode_text


@pytest.fixture(scope="module")
def vocabulary(text_encoder):
    labels = cl.load_vocabulary(cl.packaged_vocabulary())
    return labels, cl.encode_labels(text_encoder, labels)


def distinct_labels(text: np.ndarray, k: int) -> list[int]:
    """k labels the (random-weight) text tower tells apart well: lowest worst-case similarity."""
    sims = text @ text.T
    np.fill_diagonal(sims, -1)
    chosen: list[int] = []
    for i in np.argsort(sims.max(axis=1)):
        if all(sims[i, j] < 0.95 for j in chosen):
            chosen.append(int(i))
        if len(chosen) == k:
            break
    return chosen


def synthetic_event(text: np.ndarray, truth: list[int], per_group: int = 30, noise: float = 1.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    dim = text.shape[1]
    gap = rng.normal(size=dim)
    gap *= 0.5 / np.linalg.norm(gap)  # every image vector shares this offset from the text vectors
    vectors, positions = [], []
    for g, label in enumerate(truth):
        x = text[label] + gap + noise * rng.normal(size=(per_group, dim)) / np.sqrt(dim)
        vectors.append(x)
        angle = 2 * np.pi * g / len(truth)
        positions.append(0.7 * np.array([np.cos(angle), np.sin(angle)]) + 0.08 * rng.normal(size=(per_group, 2)))
    v = np.concatenate(vectors)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    ids = [f"p{i:04d}" for i in range(len(v))]
    return ids, np.concatenate(positions).astype(np.float32), v.astype(np.float32)


def test_the_vocabulary_file_format():
    labels = cl.parse_vocabulary(
        "# a comment\n\nglasses | a photo of a person wearing glasses\nhats\nGlasses | again\n  red  |  # nothing\n"
    )
    assert [(lb.name, lb.prompt) for lb in labels] == [
        ("glasses", "a photo of a person wearing glasses"), ("hats", "a photo of hats"), ("red", "a photo of red"),
    ]
    assert len(cl.load_vocabulary(cl.packaged_vocabulary())) >= 40


def test_a_users_vocabulary_in_the_config_folder_wins(tmp_path, monkeypatch):
    from piday_desktop.core.paths import config_dir

    assert cl.vocabulary_path() == cl.packaged_vocabulary()
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / cl.VOCABULARY_FILE).write_text("robots | a photo of a robot\n", encoding="utf-8")
    assert [lb.name for lb in cl.load_vocabulary()] == ["robots"]
    assert cl.load_vocabulary(tmp_path / "missing.txt") == []  # unreadable: unnamed groups, no error


def test_groups_get_their_true_names(vocabulary):
    labels, text = vocabulary
    truth = distinct_labels(text, 5)
    ids, positions, vectors = synthetic_event(text, truth)
    found = cl.cluster_map(ids, positions, vectors, labels, text)
    assert len(found) == 5
    for c in found:
        group = {int(i[1:]) // 30 for i in c.ids}
        assert len(group) == 1, "a cluster mixed two groups"
        assert c.name == labels[truth[group.pop()]].name
        assert len(c.ids) >= 25
    # Names are written on the group they belong to.
    for c in found:
        rows = [int(i[1:]) for i in c.ids]
        assert np.hypot(*(positions[rows].mean(axis=0) - (c.x, c.y))) < 0.1


def test_names_are_not_repeated_and_noise_stays_unnamed(vocabulary):
    labels, text = vocabulary
    label = distinct_labels(text, 1)[0]
    ids, positions, vectors = synthetic_event(text, [label, label, label], seed=1)
    rng = np.random.default_rng(2)
    stray_pos = rng.uniform(-2, 2, size=(6, 2)).astype(np.float32) * 3
    stray_vec = rng.normal(size=(6, text.shape[1])).astype(np.float32)
    stray_vec /= np.linalg.norm(stray_vec, axis=1, keepdims=True)
    ids += [f"s{i}" for i in range(6)]
    found = cl.cluster_map(ids, np.concatenate([positions, stray_pos]), np.concatenate([vectors, stray_vec]),
                           labels, text)
    assert len(found) == 3
    assert len({c.name for c in found}) == 3  # one of them is the true label, the others the next best
    assert labels[label].name in {c.name for c in found}
    assert not any(i.startswith("s") for c in found for i in c.ids)


def test_tiny_maps_and_empty_vocabularies_have_no_groups(vocabulary):
    labels, text = vocabulary
    ids, positions, vectors = synthetic_event(text, distinct_labels(text, 2), per_group=5)
    assert cl.cluster_map(ids[:11], positions[:11], vectors[:11], labels, text) == []
    ids, positions, vectors = synthetic_event(text, distinct_labels(text, 2))
    assert cl.cluster_map(ids, positions, vectors, [], np.zeros((0, text.shape[1]))) == []


def test_labels_are_encoded_in_small_chunks(text_encoder):
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return text_encoder(texts)

    labels = cl.load_vocabulary(cl.packaged_vocabulary())
    vectors = cl.encode_labels(encode, labels)
    assert max(calls) <= cl.ENCODE_CHUNK and sum(calls) == len(labels)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
