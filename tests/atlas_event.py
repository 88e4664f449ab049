"""An event for the Atlas upload tests: participants with mixed consent, photos, vectors.

Everything a request must never carry is planted on purpose: every visitor has a nickname
(``Zebulon<k>``) and an import label, photos have original file names, and the photo files sit
under the test's temporary data directory, so tests can search the emulator's request log for
each of them.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from piday_desktop.core.store import Consent, EventStore

MODEL = "test-model:none"
DIM = 32
LEVELS = ("none", "map", "map+photo", "map+photo")


def consent_for(k: int) -> Consent:
    """Participant k's consent: a quarter none, a quarter map, half map+photo."""
    return Consent.parse(LEVELS[k % len(LEVELS)])


def jpeg(seed: int, size: int = 24) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, "JPEG", quality=70)
    return buf.getvalue()


@dataclass
class Event:
    store: EventStore
    consented: set[str]  # photo ids with public-map consent
    with_photo: set[str]  # photo ids with "show my photo" consent
    private: set[str]  # photo ids without map consent
    nicknames: list[str]
    labels: list[str]
    original_names: list[str]


def make_event(root: Path, name: str = "ev", participants: int = 40, photos_each: int = 4, seed: int = 0,
               finished: bool = True, embed: bool = True, station_id: str = "") -> Event:
    store = EventStore.open(root, name)
    rng = np.random.default_rng(seed)
    ev = Event(store, set(), set(), set(), [], [], [])
    for k in range(participants):
        consent = consent_for(k)
        nickname = f"Zebulon{k:02d}"
        label = f"Folder-Of-Visitor-{k:02d}"
        p = store.create_participant(source="station", consent=consent, nickname=nickname, label=label,
                                     station_id=station_id)
        ev.nicknames.append(nickname)
        ev.labels.append(label)
        vectors = []
        for i in range(photos_each):
            data = jpeg(seed * 100_000 + k * 100 + i)
            original = f"IMG_SECRET_{k:02d}_{i}.jpg"
            ev.original_names.append(original)
            photo = store.add_photo(p, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG", width=24,
                                    height=24, original_name=original)
            v = rng.standard_normal(DIM).astype(np.float32)
            vectors.append((photo.id, v / np.linalg.norm(v)))
            (ev.consented if consent.map else ev.private).add(photo.id)
            if consent.photo:
                ev.with_photo.add(photo.id)
        if embed:
            store.put_embeddings(vectors, model_id=MODEL, device="cpu")
        if finished:
            store.set_participant_state(p.code, "finished")
    return ev
