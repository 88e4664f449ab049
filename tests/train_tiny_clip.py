"""Train the tiny CLIP that has learned something: ``tests/fixtures/piday-shapes.pt``.

Every other test runs CLIP with random weights, which checks that the pipeline runs but not
that it keeps meaning: a BGR/RGB swap, a wrong normalisation or a mirrored save would pass.
This trains open_clip's own ``CLIP`` class, built from ``tests/fixtures/piday-shapes.json``
(about 240,000 trained parameters; the 49,408-row token table is kept for open_clip's
tokenizer, but only the ~30 words of the captions are used and every other row is zero), on
the captioned pictures of ``shapeworld``, so tests can check answers they know.

    python tests/train_tiny_clip.py                      # rewrites the fixture (~40 s, 2 cores)
    python tests/train_tiny_clip.py --out /tmp/x.pt      # somewhere else

Pictures go through open_clip's own eval transform (the reference the embedding engine must
reproduce). The loss is CLIP's symmetric contrastive loss with every caption that is true of a
picture counted as a positive ("a red circle" is true of every red circle in the batch).
Deterministic for a seed on a given machine and thread count. Weights are saved in float16
(open_clip casts them back when loading).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shapeworld as sw  # noqa: E402

ARCH = "piday-shapes"
CONFIG = HERE / "fixtures" / f"{ARCH}.json"
CHECKPOINT = HERE / "fixtures" / f"{ARCH}.pt"
SEED = 20260314
PREFIXES = ("", "", "a photo of ", "a picture of ")


def register_config() -> None:
    """Make ``piday-shapes`` an open_clip architecture in this process (open_clip's public API)."""
    import open_clip

    if ARCH not in open_clip.list_models():
        open_clip.add_model_config(CONFIG)


def model_arg(checkpoint: Path = CHECKPOINT) -> str:
    """What to pass to ``--model`` for the trained model."""
    return f"{ARCH}:{checkpoint}"


def _sizes(rng: np.random.Generator) -> tuple[int, int]:
    """Camera-like and square canvases, small (fast to draw) to a webcam-ish 320x240."""
    w = int(rng.choice([96, 128, 160, 320]))
    aspect = float(rng.choice([4 / 3, 4 / 3, 1.0, 16 / 9]))
    return w, max(64, int(round(w / aspect)))


def render(preprocess, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[sw.Scene]]:
    """n pictures as the model's uint8 input (n, 64, 64, 3) after open_clip's resize and crop."""
    pil_steps = preprocess.transforms[:-2]
    scenes = sw.all_scenes()
    picks = [scenes[i] for i in rng.integers(0, len(scenes), n)]
    out = np.empty((n, 64, 64, 3), np.uint8)
    for i, scene in enumerate(picks):
        img = sw.picture(scene, _sizes(rng), seed=int(rng.integers(1 << 31)))
        for step in pil_steps:
            img = step(img)
        out[i] = np.asarray(img.convert("RGB"))
    return out, picks


def to_input(pixels: np.ndarray, preprocess):
    """uint8 (N, H, W, 3) to the normalised float tensor open_clip's transform would give."""
    import torch

    norm = preprocess.transforms[-1]
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(norm.mean).view(1, 3, 1, 1)
    std = torch.tensor(norm.std).view(1, 3, 1, 1)
    return (x - mean) / std


def caption_words() -> set[str]:
    words = {"a", "shape", "on", "the", "photo", "picture", "of"}
    words |= set(sw.COLOURS) | set(sw.SHAPES) | set(sw.FILLS) | set(sw.SIDES)
    return words


def _positives(scenes: list[sw.Scene], mentioned: list[dict[str, str]]):
    """(images, texts) 1.0 where the text is true of the picture (the diagonal always is)."""
    import torch

    have = torch.tensor([[getattr(s, a) == v for a in sw.ATTRIBUTES for v in _VALUES[a]] for s in scenes])
    said = torch.tensor([[m.get(a) == v for a in sw.ATTRIBUTES for v in _VALUES[a]] for m in mentioned])
    # true unless the text names a value the picture does not have
    return ((said.float() @ (~have).float().T) == 0).float().T


_VALUES = {"colour": tuple(sw.COLOURS), "shape": sw.SHAPES, "fill": sw.FILLS, "side": sw.SIDES}


def train(out: Path = CHECKPOINT, seed: int = SEED, steps: int = 600, batch: int = 128, n_images: int = 6000,
          threads: int = 1, lr: float = 2e-3, log=print) -> Path:
    """Train and save the checkpoint; returns its path."""
    import open_clip
    import torch
    import torch.nn.functional as F

    started, cpu = time.perf_counter(), time.process_time()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    register_config()
    model, _, preprocess = open_clip.create_model_and_transforms(ARCH, pretrained=None)
    tokenizer = open_clip.get_tokenizer(ARCH)

    # Only the captions' words get rows in the token table; the rest stay zero (and the file
    # compresses to almost nothing in git).
    used = torch.unique(tokenizer([" ".join(sorted(caption_words()))]))
    table = model.token_embedding.weight
    with torch.no_grad():
        keep = torch.zeros(table.shape[0], dtype=torch.bool)
        keep[used] = True
        table[~keep] = 0.0
        # A sharper start than CLIP's 1/0.07: many captions are true of each picture here.
        model.logit_scale.fill_(math.log(30.0))

    pixels, scenes = render(preprocess, n_images, rng)
    log(f"rendered {n_images} pictures in {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} CPU s)")
    images = to_input(pixels, preprocess)
    token_cache: dict[str, torch.Tensor] = {}

    def tokens(texts: list[str]) -> torch.Tensor:
        missing = [t for t in set(texts) if t not in token_cache]
        if missing:
            for t, row in zip(missing, tokenizer(missing)):
                token_cache[t] = row
        return torch.stack([token_cache[t] for t in texts])

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "token_embedding" not in n]
    other = [p for n, p in model.named_parameters() if p.ndim < 2 or "token_embedding" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.98), eps=1e-6)
    warmup = 25

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    model.train()
    for step in range(steps):
        idx = rng.choice(n_images, size=batch, replace=False)
        batch_scenes = [scenes[i] for i in idx]
        texts, mentioned = [], []
        for s in batch_scenes:
            text, said = sw.random_caption(s, rng)
            texts.append(str(rng.choice(PREFIXES)) + text)
            mentioned.append(said)
        positive = _positives(batch_scenes, mentioned)
        img = F.normalize(model.encode_image(images[idx]), dim=-1)
        txt = F.normalize(model.encode_text(tokens(texts)), dim=-1)
        logits = model.logit_scale.exp().clamp(max=100) * img @ txt.T
        i2t = -(positive / positive.sum(1, keepdim=True) * F.log_softmax(logits, 1)).sum(1).mean()
        t2i = -(positive / positive.sum(0, keepdim=True) * F.log_softmax(logits, 0)).sum(0).mean()
        loss = (i2t + t2i) / 2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 40 == 0 or step == steps - 1:
            log(f"step {step:4d}  loss {loss.item():.3f}  scale {model.logit_scale.exp().item():.1f}  "
                f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} CPU s)")

    model.eval()
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, out)
    log(f"saved {out} ({out.stat().st_size / 1e6:.1f} MB) after {time.perf_counter() - started:.1f} s "
        f"({time.process_time() - cpu:.1f} CPU s)")
    return out


def quick_check(checkpoint: Path, n: int = 144, seed: int = 7) -> dict[str, float]:
    """Zero-shot accuracy per attribute on fresh 320x240 pictures: the trained model must
    tell colour, shape, fill and side apart (random weights score about chance)."""
    import open_clip
    import torch
    import torch.nn.functional as F

    register_config()
    model, _, preprocess = open_clip.create_model_and_transforms(ARCH, pretrained=str(checkpoint))
    model.eval()
    tokenizer = open_clip.get_tokenizer(ARCH)
    rng = np.random.default_rng(seed)
    scenes = sw.all_scenes()
    picks = [scenes[i % len(scenes)] for i in range(n)]
    with torch.no_grad():
        imgs = torch.stack([preprocess(sw.picture(s, (320, 240), seed=int(rng.integers(1 << 31)))) for s in picks])
        iv = F.normalize(model.encode_image(imgs), dim=-1)
        result = {}
        questions = {
            "colour": [(c, f"a {c} shape") for c in sw.COLOURS],
            "shape": [(s, f"a {s}") for s in sw.SHAPES],
            "fill": [(f, f"a {f} shape" if f != "plain" else "a shape") for f in sw.FILLS],
            "side": [(d, f"a shape on the {d}") for d in sw.SIDES],
        }
        for attr, options in questions.items():
            tv = F.normalize(model.encode_text(tokenizer([t for _, t in options])), dim=-1)
            guess = (iv @ tv.T).argmax(1)
            truth = torch.tensor([[o for o, _ in options].index(getattr(s, attr)) for s in picks])
            result[attr] = float((guess == truth).float().mean())
        tv = F.normalize(model.encode_text(tokenizer([s.caption() for s in scenes])), dim=-1)
        guess = (iv @ tv.T).argmax(1)
        result["caption"] = float(np.mean([scenes[g] == s for g, s in zip(guess.tolist(), picks)]))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CHECKPOINT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (one: on a shared machine more threads only spin)")
    parser.add_argument("--lr", type=float, default=2e-3)
    args = parser.parse_args(argv)
    train(args.out, seed=args.seed, steps=args.steps, threads=args.threads, lr=args.lr)
    print("zero-shot accuracy:", {k: round(v, 3) for k, v in quick_check(args.out).items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
