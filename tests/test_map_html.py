"""`piday map`: a self-contained offline HTML map and the data it carries (its script runs in
Chromium in tests/test_map_browser.py)."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import imagefactory as f
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_NOT_FOUND, EXIT_OK
from piday_desktop.core.search import rank
from piday_desktop.core.store import Consent, EventStore

MODEL = "piday-tiny:none"


@pytest.fixture(scope="module")
def tiny():
    from piday_desktop.embedding.models import ModelSpec, load_model

    return load_model(ModelSpec.parse(MODEL), device="cpu")


def make_event(data: Path, tiny, participants: int = 5, each: int = 3, consents=None, layout: bool = True) -> EventStore:
    """An event as the station leaves it: kept photos, vectors and (optionally) map positions."""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.projection import LayoutModel

    store = EventStore.open(data, "ev")
    photos = []
    for p in range(participants):
        consent = consents[p] if consents else Consent(True, True, True)
        part = store.create_participant(consent=consent)
        for s in range(each):
            photos.append(f.add_picture(store, part, (320, 240), seed=100 * p + s, quality=90))
        store.set_participant_state(part.code, "finished")  # the visitor left the stand
    with EmbeddingEngine(tiny) as engine:
        vectors = [fut.result() for fut in [engine.submit(store.photo_path(ph)) for ph in photos]]
    store.put_embeddings(zip([ph.id for ph in photos], vectors), model_id=MODEL, device="cpu")
    if layout and photos:
        stored, matrix, _ = store.vectors(MODEL)
        lay = LayoutModel().update([ph.id for ph in stored], matrix)
        store.set_layout(MODEL, [(i, x, y) for i, (x, y) in zip(lay.ids, lay.positions)])
    return store


def page_data(html: str) -> dict:
    m = re.search(r'<script id="data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</").replace("<\\!--", "<!--"))


def run_map(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out" / "map.html"
    code = main(["map", "--event", "ev", "--out", str(out), "--model", MODEL, "--data-dir", str(tmp_path / "data"),
                 "--device", "cpu", *extra])
    return code, out


def test_the_page_is_self_contained_and_carries_the_whole_map(tmp_path, tiny):
    store = make_event(tmp_path / "data", tiny)
    code, out = run_map(tmp_path)
    assert code == EXIT_OK
    html = out.read_text(encoding="utf-8")
    # Offline: nothing is fetched from anywhere; images are data URIs, scripts and styles inline.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html and "@import" not in html
    d = page_data(html)
    photos, matrix, _ = store.vectors(MODEL)
    assert sorted(d["id"]) == sorted(p.id for p in photos) and len(d["id"]) == 15
    assert d["event"] == "ev" and d["model"] == MODEL
    # Thumbnails: every photo has a tile in a sprite sheet that decodes to the promised grid.
    assert all(t >= 0 for t in d["t"])
    sheet = Image.open(io.BytesIO(base64.b64decode(d["sheets"][0].split(",", 1)[1])))
    assert sheet.format == "JPEG" and sheet.height == d["tile"] and sheet.width == 15 * d["tile"]
    # Look-alikes: the same answer as `piday search --like`, scores included.
    index = {pid: i for i, pid in enumerate(d["id"])}
    for probe in (0, 7, 14):
        pid = d["id"][probe]
        row = [p.id for p in photos].index(pid)
        hits = rank(matrix[row], photos, matrix, k=5, exclude_ids=[pid])
        assert [d["id"][j] for j, _ in d["nb"][probe]] == [h.photo.id for h in hits]
        assert [s for _, s in d["nb"][probe]] == pytest.approx([h.score for h in hits], abs=2e-3)
    # Groups and labels: named from the vocabulary, members are photos of the page.
    from piday_desktop.projection.clusters import load_vocabulary

    vocabulary = {lb.name for lb in load_vocabulary()}
    assert all(c["name"] in vocabulary and all(0 <= i < 15 for i in c["members"]) for c in d["clusters"])
    assert set(d["labels"]) == vocabulary and all(len(v) == 3 for v in d["labels"].values())
    # Drawing positions: nobody hides anybody.
    xy = np.stack([d["x"], d["y"]], axis=1)
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) + np.eye(15) * 9
    assert dist.min() >= 1.0
    assert set(d["code"]) == {p.participant_code for p in photos} and index
    store.close()


def test_public_maps_follow_each_visitors_consent(tmp_path, tiny):
    consents = [Consent(True, True, True), Consent(True, True, False), Consent(True, False, False)]
    store = make_event(tmp_path / "data", tiny, participants=3, each=2, consents=consents)
    code, out = run_map(tmp_path, "--public", "--no-names")
    assert code == EXIT_OK
    d = page_data(out.read_text(encoding="utf-8"))
    assert sorted(set(d["code"])) == ["P-001", "P-002"]  # P-003 kept the photos to this laptop
    pictures = {c: [t >= 0 for t, cc in zip(d["t"], d["code"]) if cc == c] for c in ("P-001", "P-002")}
    assert pictures == {"P-001": [True, True], "P-002": [False, False]}  # a dot, not a face, for P-002
    assert len(d["sheets"]) == 1 and d["clusters"] == [] and d["labels"] == {}
    assert "public view" in d["note"]
    store.close()


def test_an_event_never_laid_out_gets_the_stations_layout_and_keeps_it(tmp_path, tiny):
    store = make_event(tmp_path / "data", tiny, participants=2, each=2, layout=False)
    assert np.isnan(store.vectors(MODEL)[2]).all()
    code, _ = run_map(tmp_path, "--no-names", "--no-save-layout")
    assert code == EXIT_OK and np.isnan(store.vectors(MODEL)[2]).all()
    code, _ = run_map(tmp_path, "--no-names")
    assert code == EXIT_OK and np.isfinite(store.vectors(MODEL)[2]).all()  # exports now carry x/y
    store.close()


def test_tiny_and_empty_events(tmp_path, tiny):
    store = make_event(tmp_path / "data", tiny, participants=1, each=1)
    code, out = run_map(tmp_path, "--no-names")
    assert code == EXIT_OK
    d = page_data(out.read_text(encoding="utf-8"))
    assert len(d["id"]) == 1 and d["nb"] == [[]] and d["x"] == [0.0] and d["y"] == [0.0]
    store.close()
    empty = EventStore.open(tmp_path / "data2", "ev")
    empty.close()
    code = main(["map", "--event", "ev", "--out", str(tmp_path / "e.html"), "--model", MODEL,
                 "--data-dir", str(tmp_path / "data2")])
    assert code == EXIT_NOT_FOUND and not (tmp_path / "e.html").exists()


def test_the_report_draws_the_map_with_the_group_names_piday_map_named(tmp_path, tiny, capsys):
    """`piday map` keeps the groups it named in the event; the report (which never loads the
    model) draws the stored layout with those names."""
    make_event(tmp_path / "data", tiny, participants=8, each=3)
    code, out = run_map(tmp_path)
    assert code == EXIT_OK
    named = page_data(out.read_text(encoding="utf-8"))["clusters"]
    assert named, "the tiny model names at least one group on 24 photos"
    report = tmp_path / "report.html"
    assert main(["report", "--event", "ev", "--html", str(report), "--data-dir", str(tmp_path / "data")]) == 0
    page = report.read_text(encoding="utf-8")
    section = page[page.index("The map and its groups"):page.index("Retakes and deletions")]
    assert section.count("<circle") == 24
    for group in named:
        assert f'{group["name"]} ({len(group["members"])})' in section
