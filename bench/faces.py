"""Cartoon visitors for benchmarks, demos and screenshots (no real faces on this machine).

Each participant gets a fixed look (skin, hair, clothes, glasses, hat, backdrop); each shot
varies pose, distance, expression and light, the way a few photos of one visitor do. Pure
Pillow, deterministic per (participant, shot).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SKIN = [(255, 224, 196), (241, 194, 158), (224, 172, 125), (198, 134, 90), (160, 102, 66), (112, 72, 45), (86, 56, 38)]
HAIR = [(30, 24, 20), (70, 45, 28), (120, 80, 40), (190, 150, 90), (230, 210, 160), (160, 60, 30), (120, 120, 125),
        (230, 230, 235), (60, 90, 200), (220, 80, 160)]
CLOTHES = [(200, 40, 50), (40, 80, 180), (40, 150, 80), (240, 200, 40), (30, 30, 35), (235, 235, 235), (140, 60, 170),
           (250, 130, 40), (60, 170, 190), (120, 90, 60)]
WALLS = [(70, 90, 120), (130, 110, 90), (90, 120, 100), (150, 150, 160), (110, 80, 110), (60, 60, 70), (170, 140, 110)]


def look(participant: int) -> dict:
    rng = np.random.default_rng(10_000 + participant)
    return {
        "skin": SKIN[rng.integers(len(SKIN))],
        "hair": HAIR[rng.integers(len(HAIR))],
        "hair_style": rng.choice(["short", "long", "bald", "curly", "bun", "mohawk"], p=[.3, .25, .08, .15, .12, .1]),
        "shirt": CLOTHES[rng.integers(len(CLOTHES))],
        "stripes": rng.random() < 0.2,
        "wall": WALLS[rng.integers(len(WALLS))],
        "glasses": rng.random() < 0.35,
        "sunglasses": rng.random() < 0.1,
        "hat": rng.choice(["none", "cap", "beanie", "top"], p=[.65, .15, .12, .08]),
        "hat_colour": CLOTHES[rng.integers(len(CLOTHES))],
        "beard": rng.random() < 0.2,
        "face_w": rng.uniform(0.8, 1.1),
        "face_h": rng.uniform(0.95, 1.2),
    }


def face(participant: int, shot: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """One photo of a cartoon visitor."""
    f = look(participant)
    rng = np.random.default_rng(participant * 1000 + shot)
    w, h = size
    img = Image.new("RGB", size, f["wall"])
    d = ImageDraw.Draw(img)
    # backdrop: a soft vertical gradient and a poster
    for y in range(0, h, 4):
        t = y / h
        c = tuple(int(v * (1.1 - 0.35 * t)) for v in f["wall"])
        d.rectangle([0, y, w, y + 4], fill=c)
    px = rng.uniform(0.05, 0.75) * w
    d.rectangle([px, h * 0.08, px + w * 0.15, h * 0.35], fill=tuple(int(v * 0.8) for v in f["hat_colour"]))
    scale = rng.uniform(0.8, 1.15) * h / 480
    cx = w / 2 + rng.uniform(-0.12, 0.12) * w
    cy = h * 0.47 + rng.uniform(-0.05, 0.06) * h
    fw, fh = 95 * scale * f["face_w"], 120 * scale * f["face_h"]
    # shoulders
    sw = fw * 2.6
    d.ellipse([cx - sw, cy + fh * 0.85, cx + sw, cy + fh * 3.2], fill=f["shirt"])
    if f["stripes"]:
        for k in range(6):
            yy = cy + fh * (1.0 + 0.25 * k)
            d.line([cx - sw, yy, cx + sw, yy], fill=(245, 245, 245), width=int(8 * scale))
    d.rectangle([cx - fw * 0.28, cy + fh * 0.6, cx + fw * 0.28, cy + fh * 1.05], fill=f["skin"])
    style = f["hair_style"]
    hair = f["hair"]
    if style == "long":
        d.rounded_rectangle([cx - fw * 1.15, cy - fh * 1.05, cx + fw * 1.15, cy + fh * 1.1], radius=int(fw), fill=hair)
    if style == "bun":
        d.ellipse([cx - fw * 0.45, cy - fh * 1.55, cx + fw * 0.45, cy - fh * 0.75], fill=hair)
    d.ellipse([cx - fw, cy - fh, cx + fw, cy + fh], fill=f["skin"])
    if style in ("short", "long", "bun"):
        d.chord([cx - fw * 1.05, cy - fh * 1.12, cx + fw * 1.05, cy + fh * 0.3], 180, 360, fill=hair)
    elif style == "curly":
        for k in range(11):
            a = math.pi + k * math.pi / 10
            r = fw * 0.38
            x, y = cx + math.cos(a) * fw * 0.95, cy - fh * 0.2 + math.sin(a) * fh * 0.95
            d.ellipse([x - r, y - r, x + r, y + r], fill=hair)
    elif style == "mohawk":
        d.rectangle([cx - fw * 0.18, cy - fh * 1.4, cx + fw * 0.18, cy - fh * 0.6], fill=hair)
    if f["beard"]:
        d.chord([cx - fw * 0.95, cy - fh * 0.2, cx + fw * 0.95, cy + fh * 1.08], 0, 180, fill=hair)
    # eyes, looking slightly around
    ey = cy - fh * 0.12
    look_x = rng.uniform(-4, 4) * scale
    for side in (-1, 1):
        ex = cx + side * fw * 0.4
        d.ellipse([ex - 15 * scale, ey - 10 * scale, ex + 15 * scale, ey + 10 * scale], fill=(250, 250, 250))
        d.ellipse([ex - 6 * scale + look_x, ey - 6 * scale, ex + 6 * scale + look_x, ey + 6 * scale], fill=(40, 30, 30))
        d.line([ex - 16 * scale, ey - 22 * scale, ex + 14 * scale, ey - 24 * scale - side * 2 * rng.uniform(-2, 2)],
               fill=tuple(int(v * 0.7) for v in hair), width=int(5 * scale))
    if f["glasses"] or f["sunglasses"]:
        lens = (20, 20, 25) if f["sunglasses"] else None
        for side in (-1, 1):
            ex = cx + side * fw * 0.4
            d.ellipse([ex - 22 * scale, ey - 17 * scale, ex + 22 * scale, ey + 17 * scale], fill=lens,
                      outline=(25, 25, 30), width=int(5 * scale))
        d.line([cx - fw * 0.4 + 22 * scale, ey, cx + fw * 0.4 - 22 * scale, ey], fill=(25, 25, 30), width=int(5 * scale))
    # nose and mouth: a smile, a grin, an "o" or a straight face
    d.line([cx, ey + 10 * scale, cx - 6 * scale, cy + fh * 0.25, cx + 4 * scale, cy + fh * 0.28],
           fill=tuple(int(v * 0.8) for v in f["skin"]), width=int(4 * scale))
    my = cy + fh * 0.5
    mood = rng.choice(["smile", "grin", "o", "flat"], p=[.4, .3, .15, .15])
    if mood == "smile":
        d.arc([cx - 35 * scale, my - 28 * scale, cx + 35 * scale, my + 12 * scale], 20, 160, fill=(120, 30, 40), width=int(6 * scale))
    elif mood == "grin":
        d.chord([cx - 38 * scale, my - 25 * scale, cx + 38 * scale, my + 18 * scale], 0, 180, fill=(120, 30, 40))
        d.rectangle([cx - 28 * scale, my - 4 * scale, cx + 28 * scale, my + 2 * scale], fill=(250, 250, 250))
    elif mood == "o":
        d.ellipse([cx - 12 * scale, my - 12 * scale, cx + 12 * scale, my + 12 * scale], fill=(120, 30, 40))
    else:
        d.line([cx - 25 * scale, my, cx + 25 * scale, my], fill=(120, 30, 40), width=int(6 * scale))
    hat = f["hat"]
    hc = f["hat_colour"]
    if hat == "cap":
        d.chord([cx - fw * 1.05, cy - fh * 1.15, cx + fw * 1.05, cy + fh * 0.1], 180, 360, fill=hc)
        d.ellipse([cx - fw * 0.2, cy - fh * 0.62, cx + fw * 1.5, cy - fh * 0.38], fill=tuple(int(v * 0.8) for v in hc))
    elif hat == "beanie":
        d.chord([cx - fw * 1.08, cy - fh * 1.3, cx + fw * 1.08, cy + fh * 0.0], 180, 360, fill=hc)
        d.rectangle([cx - fw * 1.08, cy - fh * 0.62, cx + fw * 1.08, cy - fh * 0.45], fill=tuple(int(v * 0.75) for v in hc))
        d.ellipse([cx - 14 * scale, cy - fh * 1.42, cx + 14 * scale, cy - fh * 1.14], fill=(245, 245, 245))
    elif hat == "top":
        d.rectangle([cx - fw * 1.3, cy - fh * 0.85, cx + fw * 1.3, cy - fh * 0.72], fill=(25, 25, 28))
        d.rectangle([cx - fw * 0.75, cy - fh * 1.8, cx + fw * 0.75, cy - fh * 0.8], fill=(25, 25, 28))
        d.rectangle([cx - fw * 0.75, cy - fh * 1.0, cx + fw * 0.75, cy - fh * 0.88], fill=hc)
    img = img.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BILINEAR, center=(cx, cy), fillcolor=f["wall"])
    light = rng.uniform(0.8, 1.15)
    arr = np.asarray(img, dtype=np.float32) * light + rng.normal(0, 4, size=(h, w, 3))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return img.filter(ImageFilter.GaussianBlur(0.6))
