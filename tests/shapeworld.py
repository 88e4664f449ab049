"""A small world of captioned pictures with known meaning: one shape, its colour, fill and side.

The tiny CLIP in ``tests/fixtures/piday-shapes.pt`` was trained on these pictures
(``tests/train_tiny_clip.py``), so tests can ask questions whose answers are known: which
pictures are red circles, which group is the blue squares, whether a photo taken through the
camera path still shows a red circle *on the left* (a BGR/RGB swap turns it blue, a mirrored
save moves it to the right).

Deterministic for a given seed; no torch here (the tests import it cheaply).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (35, 160, 55),
    "blue": (35, 65, 215),
    "yellow": (235, 205, 25),
}
SHAPES = ("circle", "square", "triangle")
FILLS = ("plain", "striped", "dotted")
SIDES = ("left", "right")
#: The attributes a caption may mention, in the order the pictures are built from them.
ATTRIBUTES = ("colour", "shape", "fill", "side")


@dataclass(frozen=True)
class Scene:
    """What a picture shows: one shape of one colour, plain, striped or dotted, left or right."""

    colour: str
    shape: str
    fill: str = "plain"
    side: str = "left"

    def caption(self, mention: tuple[str, ...] = ATTRIBUTES) -> str:
        """The sentence for the attributes in ``mention`` (the shape is always named):
        ``a striped red circle on the left``, ``a red circle``, ``a shape on the right``."""
        words = ["a"]
        if "fill" in mention and self.fill != "plain":
            words.append(self.fill)
        if "colour" in mention:
            words.append(self.colour)
        words.append(self.shape if "shape" in mention else "shape")
        if "side" in mention:
            words.append(f"on the {self.side}")
        return " ".join(words)

    def matches(self, mentioned: dict[str, str]) -> bool:
        """Whether a caption mentioning these attribute values is true of this scene."""
        return all(getattr(self, k) == v for k, v in mentioned.items())


def all_scenes() -> list[Scene]:
    return [Scene(c, s, f, d) for c, s, f, d in itertools.product(COLOURS, SHAPES, FILLS, SIDES)]


def random_caption(scene: Scene, rng: np.random.Generator) -> tuple[str, dict[str, str]]:
    """A caption naming a random subset of the scene's attributes (colour or shape at least),
    and the attribute values it names: ``a red circle`` is true of every red circle."""
    while True:
        mention = tuple(a for a in ATTRIBUTES if rng.random() < (0.8 if a in ("colour", "shape") else 0.5))
        if "colour" in mention or "shape" in mention:
            break
    mentioned = {a: getattr(scene, a) for a in mention}
    # "a red circle" says nothing about the fill, but "a striped red circle" does; plain is
    # unmarked, so a caption that would mention a plain fill says nothing about it.
    if mentioned.get("fill") == "plain":
        mentioned.pop("fill")
        mention = tuple(a for a in mention if a != "fill")
    return scene.caption(mention), mentioned


def picture(scene: Scene, size: tuple[int, int] = (320, 240), seed: int = 0) -> Image.Image:
    """An RGB picture of ``scene``: a light background, the shape in the central square's
    left or right half (a CLIP center crop keeps it), a little jitter in place, size and hue."""
    rng = np.random.default_rng(seed)
    w, h = size
    side = min(w, h)
    x0, y0 = (w - side) / 2, (h - side) / 2
    bg = np.clip(rng.uniform(200, 245) + rng.uniform(-12, 12, 3), 0, 255)
    pixels = np.empty((h, w, 3), np.float32)
    pixels[:] = bg
    pixels += rng.normal(0, 4, size=(h, w, 1))
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)

    colour = np.array(COLOURS[scene.colour], np.float32) + rng.uniform(-18, 18, 3)
    fg = tuple(int(v) for v in np.clip(colour, 0, 255))
    dark = tuple(int(v * 0.45) for v in fg)
    r = side * rng.uniform(0.15, 0.21)
    cx = x0 + side * (rng.uniform(0.24, 0.32) if scene.side == "left" else rng.uniform(0.68, 0.76))
    cy = y0 + side * rng.uniform(0.38, 0.62)

    mask = Image.new("L", (w, h), 0)
    mdraw = ImageDraw.Draw(mask)
    if scene.shape == "circle":
        mdraw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    elif scene.shape == "square":
        a = r * 0.9
        mdraw.rectangle([cx - a, cy - a, cx + a, cy + a], fill=255)
    else:  # an upright triangle
        mdraw.polygon([(cx, cy - r * 1.1), (cx - r * 1.1, cy + r * 0.8), (cx + r * 1.1, cy + r * 0.8)], fill=255)

    layer = Image.new("RGB", (w, h), fg)
    ldraw = ImageDraw.Draw(layer)
    step = side / 10
    if scene.fill == "striped":
        y = cy - r * 1.2 + rng.uniform(0, step)
        while y < cy + r * 1.2:
            ldraw.rectangle([0, y, w, y + step / 2], fill=dark)
            y += step
    elif scene.fill == "dotted":
        dot = step * 0.3
        ox, oy = rng.uniform(0, step, 2)
        for gy in np.arange(cy - r * 1.2 + oy, cy + r * 1.2, step):
            for gx in np.arange(cx - r * 1.2 + ox, cx + r * 1.2, step):
                ldraw.ellipse([gx - dot, gy - dot, gx + dot, gy + dot], fill=dark)
    img.paste(layer, (0, 0), mask)
    del draw
    return img
