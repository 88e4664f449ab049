"""CLIP's text tower in numpy, so `piday search WORDS` and `piday map` need no torch (issue 15).

Why: on the project's 2-core laptop importing torch and open_clip takes ~5.5 s, longer than the
whole search. A query is one forward pass of the text tower (ViT-B-32: 12 layers of width 512
over 77 tokens, ~3 GFLOP, ~0.1 s in numpy). So a model's text tower is written to piday's cache
as float32 safetensors with a small description: by an import that loads a checkpoint (a tag's
file or a file; :func:`export_text_tower_from_checkpoint`, from the mapped file, though the
import itself never loads that tower), else the first time it runs through torch
(:func:`export_text_tower`). Later commands load that (:func:`cached_text_encoder`) and tokenize
with CLIP's own byte-pair encoding (:class:`ClipTokenizer`, the vocabulary file copied from
open_clip at export), never importing torch.

Only the standard CLIP text tower is exported: open_clip's ``CLIP`` class, pre-norm residual
blocks without layer scale, GELU or QuickGELU, a causal mask, pooling at the end-of-text token,
a projection matrix, and the ``SimpleTokenizer`` with lower-case cleaning. Anything else keeps
the torch path (``export_text_tower`` returns None and says why in the log). The vectors match
torch's to float32 rounding (tests/test_text_numpy.py: cosine >= 0.99999, identical token ids).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import os
import shutil
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..core import paths

log = logging.getLogger(__name__)

FORMAT = 1
WEIGHTS, DESCRIPTION, VOCABULARY = "text_tower.safetensors", "text_tower.json", "bpe_vocab.txt.gz"


def tower_dir(model_id: str) -> Path:
    """Where a model's exported text tower lives in piday's cache (one folder per model id)."""
    return paths.cache_dir() / "text-towers" / hashlib.sha256(model_id.encode()).hexdigest()[:24]


# ---------------------------------------------------------------------- the tokenizer


@lru_cache(maxsize=1)
def _bytes_to_unicode() -> dict[int, str]:
    """CLIP's reversible byte -> printable character table (the BPE works on these)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codes, extra = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(keep, (chr(c) for c in codes)))


class ClipTokenizer:
    """CLIP's byte-pair tokenizer: the same ids as open_clip's ``SimpleTokenizer`` (clean='lower')."""

    def __init__(self, vocabulary: Path, context_length: int = 77) -> None:
        import regex

        merges = gzip.open(vocabulary).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
        pairs = [tuple(m.split()) for m in merges]
        symbols = list(_bytes_to_unicode().values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(p) for p in pairs]
        vocab += ["<start_of_text>", "<end_of_text>"]
        self.encoder = {tok: i for i, tok in enumerate(vocab)}
        self.ranks = {p: i for i, p in enumerate(pairs)}
        self.sot, self.eot = self.encoder["<start_of_text>"], self.encoder["<end_of_text>"]
        self.context_length = context_length
        self._cache = {"<start_of_text>": "<start_of_text>", "<end_of_text>": "<end_of_text>"}
        self._pattern = regex.compile(
            r"<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+",
            regex.IGNORECASE)

    @staticmethod
    def clean(text: str) -> str:
        import ftfy

        text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
        return " ".join(text.split()).strip().lower()

    def _bpe(self, token: str) -> str:
        if token in self._cache:
            return self._cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            candidates = {(a, b) for a, b in zip(word, word[1:])}
            best = min(candidates, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == best[0] and word[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = tuple(merged)
        out = " ".join(word)
        self._cache[token] = out
        return out

    def encode(self, text: str) -> list[int]:
        table = _bytes_to_unicode()
        ids: list[int] = []
        for token in self._pattern.findall(self.clean(text)):
            mapped = "".join(table[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[piece] for piece in self._bpe(mapped).split(" "))
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """(len(texts), context_length) int64 ids, truncated with the end token kept, as open_clip does."""
        out = np.zeros((len(texts), self.context_length), np.int64)
        for row, text in enumerate(texts):
            ids = [self.sot, *self.encode(text), self.eot]
            if len(ids) > self.context_length:
                ids = ids[: self.context_length]
                ids[-1] = self.eot
            out[row, : len(ids)] = ids
        return out


# ---------------------------------------------------------------------- the tower


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))


def _quick_gelu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-1.702 * x))


class NumpyTextTower:
    """The exported tower: ``encode(texts)`` -> float32 (N, dim) unit vectors, like ``LoadedModel.encode_text``."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self.meta = json.loads((directory / DESCRIPTION).read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT:
            raise ValueError(f"text tower format {self.meta.get('format')} is not {FORMAT}")
        self.w = load_file(str(directory / WEIGHTS))
        self.tokenizer = ClipTokenizer(directory / VOCABULARY, int(self.meta["context_length"]))
        self.act: Callable[[np.ndarray], np.ndarray] = _quick_gelu if self.meta["activation"] == "quick_gelu" else _gelu
        n = self.meta["context_length"]
        self.mask = np.triu(np.full((n, n), -np.inf, np.float32), 1)
        self.model_id: str = self.meta["model_id"]
        self.dim = int(self.w["text_projection"].shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        ids = self.tokenizer(list(texts))
        ends = ids.argmax(-1)  # the end-of-text token: the highest id in each row
        # The mask is causal: tokens after the last end-of-text never reach a pooled position,
        # so a short query runs over its own few tokens instead of all 77 (same vectors).
        used = int(ends.max()) + 1
        ids = ids[:, :used]
        w, heads, eps = self.w, int(self.meta["heads"]), float(self.meta["eps"])
        x = w["token_embedding"][ids] + w["positional_embedding"][:used]  # (N, C, W)
        n, c, width = x.shape
        mask = self.mask[:used, :used]
        hd = width // heads
        for i in range(int(self.meta["layers"])):
            p = f"blocks.{i}."
            h = _layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
            qkv = h @ w[p + "in_proj_weight"].T + w[p + "in_proj_bias"]
            q, k, v = (t.reshape(n, c, heads, hd).transpose(0, 2, 1, 3) for t in np.split(qkv, 3, axis=-1))
            scores = (q @ k.transpose(0, 1, 3, 2)) / np.float32(np.sqrt(hd)) + mask
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attn = (scores @ v).transpose(0, 2, 1, 3).reshape(n, c, width)
            x = x + attn @ w[p + "out_proj.weight"].T + w[p + "out_proj.bias"]
            h = _layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
            h = self.act(h @ w[p + "c_fc.weight"].T + w[p + "c_fc.bias"])
            x = x + h @ w[p + "c_proj.weight"].T + w[p + "c_proj.bias"]
        x = _layer_norm(x, w["ln_final.weight"], w["ln_final.bias"], eps)
        pooled = x[np.arange(n), ends]
        out = (pooled @ w["text_projection"]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def is_cached(model_id: str) -> bool:
    """Whether a tower for ``model_id`` is cached here, read off its description alone (no weights loaded)."""
    directory = tower_dir(model_id)
    try:
        meta = json.loads((directory / DESCRIPTION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("model_id") == model_id
            and (directory / WEIGHTS).is_file())


def cached_text_encoder(model_id: str) -> NumpyTextTower | None:
    """The model's exported text tower if one is cached here (never imports torch), else None."""
    directory = tower_dir(model_id)
    if not (directory / DESCRIPTION).is_file():
        return None
    try:
        tower = NumpyTextTower(directory)
    except Exception as exc:  # noqa: BLE001 - a damaged cache entry: the torch path, and a new export
        log.warning("the cached text tower of %s cannot be used (%s); using torch", model_id, exc)
        return None
    if tower.model_id != model_id:
        return None
    return tower


# ---------------------------------------------------------------------- export (torch side)


def _why_not(model: Any, tokenizer: Any) -> str | None:
    """None if the loaded model's text tower is the standard one this module computes, else why not."""
    import torch

    if type(model).__name__ != "CLIP":
        return f"{type(model).__name__} is not open_clip's CLIP"
    if getattr(model, "text_pool_type", "argmax") != "argmax":
        return f"text pooling {model.text_pool_type!r}"
    if not isinstance(getattr(model, "text_projection", None), torch.nn.Parameter):
        return "no text projection matrix"
    if type(tokenizer).__name__ != "SimpleTokenizer" or getattr(tokenizer, "reduction_fn", None) is not None:
        return f"tokenizer {type(tokenizer).__name__}"
    if getattr(tokenizer.clean_fn, "__name__", "") != "_clean_lower":
        return "tokenizer cleaning is not 'lower'"
    mask = getattr(model, "attn_mask", None)
    if mask is None or not torch.equal(torch.isinf(mask), torch.triu(torch.ones_like(mask, dtype=torch.bool), 1)):
        return "not a causal mask"
    acts = set()
    for block in model.transformer.resblocks:
        if type(block).__name__ != "ResidualAttentionBlock" or not isinstance(block.attn, torch.nn.MultiheadAttention):
            return f"block {type(block).__name__}"
        if not (isinstance(block.ls_1, torch.nn.Identity) and isinstance(block.ls_2, torch.nn.Identity)):
            return "layer scale"
        if getattr(block, "ln_attn", None) is not None and not isinstance(block.ln_attn, torch.nn.Identity):
            return "scaled attention"
        if block.attn.in_proj_weight is None or block.attn.in_proj_bias is None:
            return "separate q/k/v projections"
        acts.add(type(block.mlp.gelu).__name__)
    if acts not in ({"GELU"}, {"QuickGELU"}):
        return f"activation {acts}"
    if any(getattr(b.mlp.gelu, "approximate", "none") != "none" for b in model.transformer.resblocks):
        return "approximate GELU"
    return None


def _state_key(name: str) -> str:
    """The open_clip state-dict key of one of this module's tensor names."""
    if not name.startswith("blocks."):
        return name
    _, i, rest = name.split(".", 2)
    inner = {"in_proj_weight": "attn.in_proj_weight", "in_proj_bias": "attn.in_proj_bias",
             "out_proj.weight": "attn.out_proj.weight", "out_proj.bias": "attn.out_proj.bias",
             "c_fc.weight": "mlp.c_fc.weight", "c_fc.bias": "mlp.c_fc.bias",
             "c_proj.weight": "mlp.c_proj.weight", "c_proj.bias": "mlp.c_proj.bias"}.get(rest, rest)
    return f"transformer.resblocks.{i}.{inner}"


def tensor_names(layers: int) -> list[str]:
    """The tensors an exported tower holds (``layers`` residual blocks)."""
    names = ["token_embedding.weight", "positional_embedding", "ln_final.weight", "ln_final.bias", "text_projection"]
    for i in range(layers):
        names += [f"blocks.{i}.{n}" for n in ("ln_1.weight", "ln_1.bias", "in_proj_weight", "in_proj_bias",
                                              "out_proj.weight", "out_proj.bias", "ln_2.weight", "ln_2.bias",
                                              "c_fc.weight", "c_fc.bias", "c_proj.weight", "c_proj.bias")]
    return names


def export_text_tower(loaded: Any, vocabulary: Path | None = None) -> Path | None:
    """Write ``loaded``'s text tower to the cache for torch-free use; its folder, or None (logged why)."""
    model, tokenizer = loaded.model, loaded.tokenizer
    return _export(loaded.model_id, model, model.state_dict(), tokenizer, str(loaded.dtype), vocabulary)


def export_text_tower_from_checkpoint(model_id: str, skeleton: Any, state: dict, tokenizer: Any,
                                      vocabulary: Path | None = None) -> Path | None:
    """Write the text tower of a checkpoint to the cache while an import loads only its image tower.

    Why: an import never builds the text tower (its bytes are not even read), so the first
    `piday search WORDS` after it had to import torch (~5 s, ~1.1 GB) only to export the tower.
    Here the import hands over the model skeleton (built without weights, so its structure is
    checked exactly as for a loaded model) and the memory-mapped checkpoint (open_clip's key
    names); the tower's tensors are written straight from the mapping, in the checkpoint's own
    precision widened to float32. Once per model id and machine: a cached tower is not
    rewritten.
    """
    if is_cached(model_id):
        return tower_dir(model_id)
    dtypes = {str(state[k].dtype) for k in ("token_embedding.weight", "text_projection") if k in state}
    return _export(model_id, skeleton, state, tokenizer, "/".join(sorted(dtypes)) or "unknown", vocabulary)


def _export(model_id: str, model: Any, state: Any, tokenizer: Any, weights_dtype: str,
            vocabulary: Path | None) -> Path | None:
    import torch
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    reason = _why_not(model, tokenizer)
    if reason is not None:
        log.info("text tower of %s not exported for torch-free search: %s", model_id, reason)
        return None
    if vocabulary is None:
        import open_clip.tokenizer as clip_tokenizer

        vocabulary = Path(clip_tokenizer.default_bpe())

    def f32(t: Any) -> np.ndarray:
        t = t.detach()
        if t.dtype != torch.float32 or t.device.type != "cpu":
            t = t.to(device="cpu", dtype=torch.float32)
        return t.numpy()

    blocks = model.transformer.resblocks
    names = tensor_names(len(blocks))
    missing = [n for n in names if _state_key(n) not in state]
    if missing:
        log.info("text tower of %s not exported: no %s", model_id, ", ".join(_state_key(n) for n in missing[:3]))
        return None
    tensors = {("token_embedding" if n == "token_embedding.weight" else n): f32(state[_state_key(n)]) for n in names}
    meta = {
        "format": FORMAT, "model_id": model_id, "layers": len(blocks), "heads": int(blocks[0].attn.num_heads),
        "eps": float(blocks[0].ln_1.eps), "activation": "quick_gelu" if type(blocks[0].mlp.gelu).__name__ == "QuickGELU"
        else "gelu", "context_length": int(tokenizer.context_length), "weights_dtype": weights_dtype,
    }
    final = tower_dir(model_id)
    # A name of its own: two processes exporting at once (Ray workers) never share a staging folder.
    staging = final.with_name(f"{final.name}.part-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        staging.mkdir(parents=True)
        save_file(tensors, str(staging / WEIGHTS))
        del tensors
        shutil.copyfile(vocabulary, staging / VOCABULARY)
        (staging / DESCRIPTION).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)  # a damaged or older entry
        try:
            staging.rename(final)  # whole or not at all: a reader never sees half a tower
        except OSError:
            if not is_cached(model_id):
                raise
            shutil.rmtree(staging, ignore_errors=True)  # another process renamed its copy first
            return final
    except (OSError, SafetensorError) as exc:  # a full or read-only cache: search still works, through torch
        # (safetensors reports a full disk as its own error, "No space left on device" inside)
        shutil.rmtree(staging, ignore_errors=True)
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("text tower of %s not cached (%s)", model_id, first_line)
        return None
    log.info("text tower of %s cached for torch-free search (%s)", model_id, final)
    return final
