"""`piday map`'s page in a real headless Chromium: search lights the right visitor's photos.

The page is a canvas, so what is checked is what a visitor sees: the screenshot's pixels on the
frame of every photo (bright yellow when lit, dimmed otherwise), located with the page's own
projection. Chromium is Debian's (`apt-get install -y chromium`, done by `.ci/run`), driven over
the DevTools pipe (tests/headless_chromium.py): no driver package, no browser download.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import imagefactory
from headless_chromium import Chromium, find_chromium
from piday_desktop.cli import main
from piday_desktop.cli.common import EXIT_OK
from piday_desktop.core.store import Consent, EventStore

MODEL = "piday-tiny:none"
PARTICIPANTS, EACH = 18, 2

# Two animation frames after the sprite sheets decoded: what the screen shows has been drawn.
SETTLED = """(async () => {
  await Promise.all(sheets.map((im) => im.decode().catch(() => null)));
  for (let k = 0; k < 2; k++) await new Promise((r) => requestAnimationFrame(r));
  return true;
})()"""
# Where each photo's frame is on screen: its centre, side and frame width, and whether the
# canvas (not the search bar or the hint) is what is there.
FRAMES = """D.id.map((id, i) => {
  const s = view.scale * 0.92, f = Math.max(2, s * 0.06), x = sx(D.x[i]), y = sy(D.y[i]);
  const left = [Math.round(x - s / 2 + f / 2), Math.round(y)], right = [Math.round(x + s / 2 - f / 2), Math.round(y)];
  const onCanvas = [left, right].every(([px, py]) => document.elementFromPoint(px, py) === canvas);
  return {id, s, left, right, onCanvas};
})"""


@pytest.fixture(scope="module")
def chromium():
    executable = find_chromium()
    if executable is None:
        pytest.fail("chromium is not installed: the HTML map's JavaScript is tested in it. "
                    "Install it with `apt-get install -y chromium` (.ci/run does)", pytrace=False)
    with Chromium(executable) as browser:
        yield browser


@pytest.fixture(scope="module")
def event_map(tmp_path_factory):
    """A real event's map: 18 visitors, 2 photos each, tiny-CLIP vectors, the station's layout."""
    from piday_desktop.embedding.engine import EmbeddingEngine
    from piday_desktop.embedding.models import ModelSpec, load_model
    from piday_desktop.projection import LayoutModel

    base = tmp_path_factory.mktemp("browser-map")
    store = EventStore.open(base / "data", "ev", create=True)
    photos = []
    for p in range(PARTICIPANTS):
        part = store.create_participant(consent=Consent(True, True, True))
        for s in range(EACH):
            photos.append(imagefactory.add_picture(store, part, (160, 120), seed=100 * p + s))
    with EmbeddingEngine(load_model(ModelSpec.parse(MODEL), device="cpu")) as engine:
        vectors = [fut.result() for fut in [engine.submit(store.photo_path(ph)) for ph in photos]]
    store.put_embeddings(zip([ph.id for ph in photos], vectors), model_id=MODEL, device="cpu")
    stored, matrix, _ = store.vectors(MODEL)
    layout = LayoutModel().update([ph.id for ph in stored], matrix)
    store.set_layout(MODEL, [(i, x, y) for i, (x, y) in zip(layout.ids, layout.positions)])
    by_code = {}
    for ph in store.vectors(MODEL)[0]:
        by_code.setdefault(ph.participant_code, set()).add(ph.id)
    store.close()
    out = base / "map.html"
    code = main(["map", "--event", "ev", "--out", str(out), "--model", MODEL, "--data-dir", str(base / "data"),
                 "--device", "cpu", "--no-names"])
    assert code == EXIT_OK
    return out, by_code


def lit_photos(page, shot: Path) -> set[str]:
    """Ids of the photos whose frame is bright yellow on screen (the page's highlight)."""
    assert page.evaluate(SETTLED)
    frames = page.evaluate(FRAMES)
    pixels = np.asarray(Image.open(page.screenshot(shot)).convert("RGB")).astype(int)
    assert all(f["onCanvas"] and f["s"] >= 12 for f in frames), frames  # every frame is in view
    lit = set()
    for f in frames:
        colours = [pixels[y, x] for x, y in (f["left"], f["right"])]
        yellow = [r > 200 and g > 160 and b < 100 for r, g, b in colours]
        assert yellow[0] == yellow[1], (f, colours)  # a frame is lit or not, never half
        if yellow[0]:
            lit.add(f["id"])
    return lit


def test_typing_a_participant_code_lights_their_photos_and_only_theirs(chromium, event_map, tmp_path):
    out, by_code = event_map
    page = chromium.open(out.as_uri())
    assert page.evaluate("document.activeElement.id") != "search"
    page.evaluate('document.getElementById("search").focus()')
    page.type("p-5")  # as a visitor types it: lower case, no leading zeros
    assert page.evaluate('document.getElementById("hint").textContent') == "P-005: 2 photos"
    assert lit_photos(page, tmp_path / "search.png") == by_code["P-005"]
    page.type("5")  # "p-55": nobody has that code, so nothing is lit
    assert page.evaluate('document.getElementById("hint").textContent') == "No photos of P-55"
    assert lit_photos(page, tmp_path / "nobody.png") == set()
    assert page.errors() == []


def test_a_link_to_a_participant_opens_with_their_photos_lit(chromium, event_map, tmp_path):
    out, by_code = event_map
    page = chromium.open(out.as_uri() + "#P-017")
    assert page.evaluate('document.getElementById("search").value') == "P-017"
    assert lit_photos(page, tmp_path / "link.png") == by_code["P-017"] and len(by_code["P-017"]) == EACH
    assert page.errors() == []
