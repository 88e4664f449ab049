"""Naming, loading and describing CLIP models, through open_clip's own API only.

A model is named ``ARCH[:PRETRAINED]`` (:class:`ModelSpec`): an open_clip architecture plus a
pretrained tag, a checkpoint file, or ``none`` for seeded random weights (tests, benchmarks,
machines without weights). Every stored vector carries :attr:`ModelSpec.model_id`, so changing
the model re-embeds instead of mixing incomparable vectors.

torch and open_clip are imported inside the functions that need them: importing this module
stays cheap, so the station window can appear before the ~2 s torch import.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any, Callable

import numpy as np

from .devices import choose_dtype, resolve_device
from .model_digest import checkpoint_digest
from .weights import WeightsUnavailable, download
from .weights_location import cached_weights, tag_config

__all__ = [
    "DEFAULT_MODEL",
    "TINY_ARCH",
    "RANDOM_SEED",
    "ModelSpec",
    "stored_model_id",
    "LoadedModel",
    "ModelLoadError",
    "WeightsUnavailable",
    "resolve_device",
    "load_model",
    "load_preprocess",
    "model_catalogue",
    "fetch_weights",
    "known_architectures",
]

DEFAULT_MODEL = "ViT-B-32:laion2b_s34b_b79k"
# A ViT small enough for tests (image 64, patch 16, width 64, 2 layers; text width 64, 2
# layers), defined in model_configs/piday-tiny.json. Its image tower average-pools the patch
# tokens: with random weights a class-token ViT this shallow maps every picture to nearly
# the same vector, which would make the reference and EXIF tests toothless.
TINY_ARCH = "piday-tiny"
# Random weights are drawn from this seed, so "ARCH:none" gives the same vectors in every run.
RANDOM_SEED = 20260314
_CONFIG_DIR = Path(__file__).with_name("model_configs")
_CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".ckpt")
_register_lock = Lock()
_log = logging.getLogger(__name__)
_registered = False


class ModelLoadError(RuntimeError):
    """A checkpoint file exists but cannot be loaded as the named architecture (one-line message)."""


def _register_configs() -> None:
    """Make our own architectures (``piday-tiny``) known to open_clip, once per process."""
    global _registered
    with _register_lock:
        if not _registered:
            import open_clip

            if TINY_ARCH not in open_clip.list_models():
                open_clip.add_model_config(_CONFIG_DIR)
            _registered = True


def known_architectures() -> list[str]:
    """Every architecture open_clip can build here, ours included."""
    import open_clip

    _register_configs()
    return list(open_clip.list_models())


def _pretrained_tags(arch: str) -> list[str]:
    import open_clip

    return list(open_clip.list_pretrained_tags_by_model(arch))


def _clean_tag(tag: str) -> str:
    # open_clip compares tags case-insensitively with '-' == '_'; keep one spelling in model ids.
    return tag.strip().lower().replace("-", "_")


def _looks_like_path(text: str) -> bool:
    return (
        "/" in text
        or "\\" in text
        or text.startswith(("~", "."))
        or text.lower().endswith(_CHECKPOINT_SUFFIXES)
        or (len(text) >= 2 and text[1] == ":" and text[0].isalpha())
    )


@dataclass(frozen=True)
class ModelSpec:
    """An open_clip architecture plus where its weights come from.

    ``pretrained`` is an open_clip tag (``laion2b_s34b_b79k``), the path of a checkpoint file,
    or None for random weights seeded with :data:`RANDOM_SEED`.
    """

    arch: str
    pretrained: str | None

    @classmethod
    def parse(cls, text: str) -> "ModelSpec":
        """Parse ``ARCH[:PRETRAINED]`` as given to ``--model``; ValueError with a hint if wrong.

        - ``ARCH:none`` is random weights; ``ARCH:TAG`` an open_clip tag (case and ``-``/``_``
          insensitive); anything else after the colon must be an existing checkpoint file.
        - ``ARCH`` alone means the usual weights for it: the default tag for the default
          architecture, otherwise open_clip's first tag for ARCH, or random weights if it has
          none. Silent random weights for a real architecture would surprise a user.
        - The text is split at the first ``:`` only when what precedes it is a known
          architecture, so ``ViT-B-32:C:\\models\\clip.pt`` keeps its Windows path intact.
        """
        raw = (text or "").strip()
        if not raw:
            raise ValueError("empty model name: use ARCH[:PRETRAINED], e.g. " + DEFAULT_MODEL)
        archs = known_architectures()
        arch, rest = raw, None
        if raw not in archs and ":" in raw:
            head, tail = raw.split(":", 1)
            if _canonical_arch(head, archs) is not None:
                arch, rest = head, tail
        canonical = _canonical_arch(arch, archs)
        if canonical is None:
            raise ValueError(_unknown_arch_message(arch, archs))
        arch = canonical
        if rest is None or not rest.strip():
            return cls(arch, _default_tag(arch))
        rest = rest.strip()
        if rest.lower() == "none":
            return cls(arch, None)
        import open_clip

        if open_clip.is_pretrained_cfg(arch, rest):
            return cls(arch, _clean_tag(rest))
        path = Path(rest).expanduser()
        if path.is_file():
            return cls(arch, str(path.resolve()))
        if _looks_like_path(rest):
            raise ValueError(f"checkpoint file not found: {rest}")
        if rest.lower().startswith("file:"):  # a stored model id names a file by its hash only
            raise ValueError(file_id_without_file(f"{arch}:{rest}"))
        tags = _pretrained_tags(arch)
        close = difflib.get_close_matches(_clean_tag(rest), tags, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        listed = ", ".join(tags[:8]) + (", ..." if len(tags) > 8 else "") if tags else "none known"
        raise ValueError(
            f"unknown pretrained tag {rest!r} for {arch}{hint}; known tags: {listed}; "
            "or give a checkpoint file path, or 'none' for random weights"
        )

    @property
    def kind(self) -> str:
        """``random``, ``tag`` or ``file``: where the weights come from."""
        if self.pretrained is None:
            return "random"
        import open_clip

        _register_configs()
        if open_clip.is_pretrained_cfg(self.arch, self.pretrained):
            return "tag"
        return "file"

    @property
    def model_id(self) -> str:
        """Stable id stored with every vector.

        ``ViT-B-32:laion2b_s34b_b79k``, ``piday-tiny:none``, or for a checkpoint file
        ``ViT-B-32:file:<first 16 hex digits of its SHA-256>``: the content, not the path,
        decides, so moving a file does not re-embed and replacing it does.
        """
        kind = self.kind
        if kind == "random":
            return f"{self.arch}:none"
        if kind == "tag":
            return f"{self.arch}:{_clean_tag(self.pretrained or '')}"
        return f"{self.arch}:file:{_file_digest(self.pretrained or '')[:16]}"

    def __str__(self) -> str:
        return f"{self.arch}:{self.pretrained if self.pretrained is not None else 'none'}"


def file_id_without_file(model_id: str) -> str | None:
    """What to tell a user who named a checkpoint's model by its id (``ARCH:file:DIGEST``), or None.

    The id holds the file's digest, not its place, so the weights cannot be found from it; said
    without open_clip, so a search that cannot run says so at once instead of after torch starts.
    """
    arch, _, rest = model_id.strip().partition(":")
    if not rest.lower().startswith("file:"):
        return None
    return (f"{arch}:{rest} is the id of vectors made with a checkpoint file; give that file: "
            f"--model {arch}:/path/to/checkpoint")


def stored_model_id(text: str, stored: Iterable[str]) -> str | None:
    """The id among ``stored`` that ``text`` (an ``ARCH:TAG`` as given to ``--model``) names, or None.

    Decided from the text alone, without open_clip: a command that only reads stored vectors
    needs the id, and ``ModelSpec.parse`` would import torch (seconds, ~1 GB) just to spell it.
    It folds what ``parse`` folds (the architecture's case; a tag's case and ``-``/``_``) and
    nothing more. A checkpoint path names the stored ``ARCH:file:DIGEST`` of its content (the
    digest is cached on disk, :mod:`.model_digest`, and never needs torch). A bare architecture,
    a ``file:`` id or a path to nothing gives None, and the caller parses for real (the one
    place that knows defaults, files and the error messages).
    """
    raw = (text or "").strip()
    if ":" not in raw:
        return None
    arch, rest = (part.strip() for part in raw.split(":", 1))
    if not rest or rest.lower().startswith("file:"):
        return None
    if _looks_like_path(rest):
        return _stored_file_id(arch, rest, stored)
    for known in stored:
        known_arch, _, known_rest = known.partition(":")
        if known_rest.startswith("file:"):
            continue
        if known_arch.lower() == arch.lower() and _clean_tag(known_rest) == _clean_tag(rest):
            return known
    return None


def _stored_file_id(arch: str, path: str, stored: Iterable[str]) -> str | None:
    """The stored id of checkpoint ``path`` under ``arch``, if the event has it; else None."""
    candidates = [k for k in stored if k.partition(":")[0].lower() == arch.lower() and ":file:" in k]
    if not candidates:
        return None  # no file model of this architecture here: nothing to hash for
    try:
        digest = checkpoint_digest(Path(path).expanduser())[:16]
    except OSError:
        return None  # parse says what is wrong with the file
    return next((k for k in candidates if k.partition(":file:")[2] == digest), None)


def _canonical_arch(name: str, archs: list[str]) -> str | None:
    if name in archs:
        return name
    folded = [a for a in archs if a.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _unknown_arch_message(arch: str, archs: list[str]) -> str:
    close = difflib.get_close_matches(arch, archs, n=4, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(arch.lower(), [a.lower() for a in archs], n=4, cutoff=0.5)
        close = [a for a in archs if a.lower() in close]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    if _looks_like_path(arch):
        hint += f" (a checkpoint file needs its architecture first, e.g. ViT-B-32:{arch})"
    return f"unknown model architecture {arch!r}{hint} (`piday models` lists them)"


def _default_tag(arch: str) -> str | None:
    default_arch, default_tag = DEFAULT_MODEL.split(":", 1)
    if arch == default_arch:
        return default_tag
    tags = _pretrained_tags(arch)
    return tags[0] if tags else None


def _file_digest(path: str) -> str:
    """The checkpoint's SHA-256, hashed once per file version (cached on disk, see model_digest)."""
    try:
        return checkpoint_digest(path)
    except OSError as exc:
        raise ModelLoadError(f"checkpoint file {path} cannot be read: {exc.strerror or exc}") from None


def fetch_weights(spec: ModelSpec) -> Path:
    """Put the weights of a tagged model into open_clip's cache (``piday models fetch``).

    Returns the cached file. A checkpoint-file spec returns its path; random weights need no
    file (ValueError). Offline or failing downloads raise :class:`WeightsUnavailable`.
    """
    kind = spec.kind
    if kind == "random":
        raise ValueError(f"{spec.model_id} uses random weights: there is nothing to fetch")
    if kind == "file":
        return Path(spec.pretrained or "")
    path = download(spec.arch, spec.pretrained or "", spec.model_id)
    _tokenizer(spec)  # some architectures use a Hugging Face tokenizer: cache it too
    return path


def _tokenizer(spec: ModelSpec) -> Any:
    """open_clip's tokenizer for the architecture; offline failures become WeightsUnavailable.

    Most architectures use open_clip's bundled BPE vocabulary, but some (SigLIP, multilingual
    ones) fetch a Hugging Face tokenizer, which needs the network or the HF cache.
    """
    import open_clip

    try:
        return open_clip.get_tokenizer(spec.arch)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
        raise WeightsUnavailable(spec.model_id, f"tokenizer: {first}") from exc


@dataclass
class LoadedModel:
    """A ready-to-run model with everything needed to feed it.

    Not thread-safe: one thread at a time may call the encode methods (the embedding engine
    gives the model to its single inference thread). ``towers`` says which encoders it has:
    ``both``, ``image`` (no text tower, no tokenizer: imports) or ``text`` (no image tower:
    search by words); ``how`` how its weights were loaded (``lean``: memory-mapped and cast
    tensor by tensor, ``full``: open_clip's own path, ``random``).
    """

    spec: ModelSpec
    model: Any
    preprocess: Any
    tokenizer: Any
    device: str
    dtype: Any
    dim: int
    image_size: int
    towers: str = "both"
    how: str = ""

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    def encode_pixels(self, pixels: Any) -> np.ndarray:
        """Embed a preprocessed batch (N, 3, H, W); float32, L2-normalised, shape (N, dim)."""
        import torch

        if self.towers == "text":
            raise RuntimeError(f"{self.model_id} was loaded for text only (towers='text'): it cannot embed photos")
        with torch.inference_mode():
            x = pixels.to(device=self.device, dtype=self.dtype, non_blocking=True)
            out = self.model.encode_image(x).float()
            out = torch.nn.functional.normalize(out, dim=-1)
            return out.cpu().numpy()

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """Embed texts for search; float32, L2-normalised, shape (len(texts), dim)."""
        import torch

        if self.towers == "image":
            raise RuntimeError(f"{self.model_id} was loaded for photos only (towers='image'): it cannot embed text")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Measured here (torch 2.14, AVX-512 bf16): a bfloat16 text tower on the CPU takes ~20 ms
        # for one prompt but ~1 s for any batch of 2-8 (a slow kernel path for batched masked
        # attention), so on the CPU in bfloat16 prompts go one at a time: same vectors, 5x faster.
        one_by_one = self.device == "cpu" and self.dtype == torch.bfloat16
        groups = [[t] for t in texts] if one_by_one else [list(texts)]
        with torch.inference_mode():
            outs = []
            for group in groups:
                tokens = self.tokenizer(group).to(self.device)
                outs.append(self.model.encode_text(tokens).float())
            out = torch.nn.functional.normalize(torch.cat(outs), dim=-1)
            return out.cpu().numpy()


class _DropRandomInitWarning(logging.Filter):
    """open_clip warns on the root logger when a model has random weights; for ``none`` we asked."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "initialized randomly" not in record.getMessage()


def _tag_kwargs(spec: ModelSpec) -> dict[str, Any]:
    """What open_clip's tag lookup would add: loading the weights file directly skips that
    lookup (and its network check), so the tag's preprocessing and activation are handed over
    explicitly."""
    cfg = tag_config(spec.arch, spec.pretrained or "")
    return dict(
        image_mean=cfg.get("mean"),
        image_std=cfg.get("std"),
        image_interpolation=cfg.get("interpolation"),
        image_resize_mode=cfg.get("resize_mode"),
        force_quick_gelu=bool(cfg.get("quick_gelu", False)),
    )


def load_preprocess(spec: ModelSpec) -> tuple[Any, int]:
    """The eval transform and input size :func:`load_model` gives ``spec``, without its weights.

    For workers that only decode (the Ray pipeline's CPU tasks): the model is built on the
    ``meta`` device (no memory, no weights read, no download), so the transform comes from
    the very code path ``load_model`` uses (the architecture's config plus the tag's settings).
    """
    import open_clip

    _register_configs()
    kwargs = _tag_kwargs(spec) if spec.kind == "tag" else {}
    kwargs.pop("force_quick_gelu", None)
    quiet = _DropRandomInitWarning()
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            spec.arch, pretrained=None, device="meta", **kwargs
        )
    finally:
        root.removeFilter(quiet)
    size = getattr(model.visual, "image_size", 224)
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (int(size), int(size))
    return preprocess, int(max(sizes))


def _text_tower_export(spec: ModelSpec) -> Callable[[Any, dict], None] | None:
    """For photo-only loads: cache the checkpoint's text tower once, so the first search is torch-free.

    None when it is cached already, or when the architecture names a Hugging Face tokenizer
    (building that one may want the network; those models search through torch anyway).
    """
    from .text_numpy import export_text_tower_from_checkpoint, is_cached

    if is_cached(spec.model_id):
        return None
    import open_clip

    config = open_clip.get_model_config(spec.arch) or {}
    if config.get("text_cfg", {}).get("hf_tokenizer_name"):
        return None

    def export(skeleton: Any, state: dict) -> None:
        export_text_tower_from_checkpoint(spec.model_id, skeleton, state, _tokenizer(spec))

    return export


def load_model(spec: ModelSpec, device: str = "auto", precision: str = "auto", towers: str = "both") -> LoadedModel:
    """Build the model on ``device`` with weights cast to the chosen precision.

    - ``precision`` ``auto`` follows :func:`devices.choose_dtype` (bfloat16 weights on a CPU
      with native bfloat16, float16 on CUDA, float32 otherwise).
    - ``towers``: ``both``; ``image`` when only photos are embedded (imports: the text tower is
      never read from the checkpoint); ``text`` when only text is (search by words).
    - A checkpoint (a tag's cached file or a file) is memory-mapped and cast tensor by tensor
      into a model built without weights (:mod:`.loading`): no float32 copy of the model, and
      the dropped tower's bytes are never read. Models that path cannot build go through
      open_clip's own loading, then lose the unused tower and are cast.
    - Random weights are created under a fixed seed inside ``torch.random.fork_rng``, in
      float32 as ever (the same vectors as before), then the unused tower is dropped and the
      rest cast in place; two loads give identical vectors and the caller's RNG state is untouched.
    - A tag that is not cached and cannot be downloaded raises :class:`WeightsUnavailable`
      within a few seconds; a cached tag is loaded from its file with no network access.
    - A checkpoint that does not fit the architecture raises :class:`ModelLoadError`.
    """
    import open_clip
    import torch

    from .loading import TOWERS, NotLean, build_lean, build_random_image_tower, drop_towers, image_sizes

    if towers not in TOWERS:
        raise ValueError(f"towers must be one of {', '.join(TOWERS)}, not {towers!r}")
    _register_configs()
    device = resolve_device(device)
    dtype = choose_dtype(device, precision)
    kind = spec.kind
    kwargs = _tag_kwargs(spec) if kind == "tag" else {}
    pretrained: str | None = None
    if kind == "tag":
        path = cached_weights(spec.arch, spec.pretrained or "")
        if path is None:
            path = download(spec.arch, spec.pretrained or "", spec.model_id)
        pretrained = str(path)
    elif kind == "file":
        pretrained = spec.pretrained
        if not Path(pretrained or "").is_file():
            raise ModelLoadError(f"checkpoint file not found: {pretrained}")

    quiet = _DropRandomInitWarning()
    root = logging.getLogger()
    root.addFilter(quiet)
    model = None
    lean_error: Exception | None = None
    how = "random"
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_SEED)
            if pretrained is not None:
                try:
                    model, preprocess, sizes = build_lean(spec.arch, pretrained, dtype, towers, kwargs,
                                                          _text_tower_export(spec) if towers == "image" else None)
                    how = "lean"
                except NotLean as exc:
                    _log.info("%s: open_clip's own loading (%s)", spec.model_id, exc)
                except Exception as exc:  # noqa: BLE001 - open_clip's own path decides what is wrong
                    lean_error = exc
                    _log.info("%s: lean loading failed (%s: %s); trying open_clip's own",
                              spec.model_id, type(exc).__name__, exc)
            elif towers == "image":
                try:
                    model, preprocess, sizes = build_random_image_tower(spec.arch, kwargs)
                except NotLean as exc:
                    _log.info("%s: building both towers (%s)", spec.model_id, exc)
            if model is None:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    spec.arch, pretrained=pretrained, device="cpu", **kwargs
                )
                sizes = image_sizes(model)
                drop_towers(model, towers)  # freed before the cast: no copy of it is made
                how = "full" if pretrained is not None else "random"
    except WeightsUnavailable:
        raise
    except Exception as exc:
        if kind == "random":
            raise
        # Both paths failed: the lean one names the offending keys on its first lines.
        shown = lean_error if lean_error is not None else exc
        raise ModelLoadError(f"cannot load {pretrained} as {spec.arch}: {_one_line(shown)}") from exc
    finally:
        root.removeFilter(quiet)

    # In place, tensor by tensor: the float32 originals are freed as their copies are made.
    model = model.to(device=device, dtype=dtype).eval().requires_grad_(False)
    tokenizer = _tokenizer(spec) if towers != "image" else None
    loaded = LoadedModel(
        spec=spec,
        model=model,
        preprocess=preprocess,
        tokenizer=tokenizer,
        device=device,
        dtype=dtype,
        dim=0,
        image_size=int(max(sizes)),
        towers=towers,
        how=how,
    )
    # One forward pass: learns the embedding width and builds the kernels (oneDNN, cuDNN)
    # now rather than on the first visitor's photo.
    if towers == "text":
        loaded.dim = int(loaded.encode_text([""]).shape[-1])
    else:
        warm = torch.zeros((1, 3, sizes[0], sizes[1]))
        loaded.dim = int(loaded.encode_pixels(warm).shape[-1])
    return loaded


def _one_line(exc: BaseException) -> str:
    """torch's load errors put the detail on the second line ("Error(s) in loading ...:\n\tsize mismatch")."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return " ".join(lines[:2])[:240] or type(exc).__name__


def model_catalogue() -> list[dict]:
    """What ``piday models`` shows: every known ``arch:tag`` and whether its weights are cached.

    Rows: ``arch``, ``tag`` (None for architectures that only run with random weights, like
    ``piday-tiny``), ``model`` (the ``--model`` text), ``cached`` (weights on this machine; True
    when none are needed), ``default``. Only local caches are consulted: no network.
    """
    import open_clip

    _register_configs()
    rows = []
    with_tags = set()
    for arch, tag in open_clip.list_pretrained():
        with_tags.add(arch)
        name = f"{arch}:{tag}"
        rows.append(
            {
                "arch": arch,
                "tag": tag,
                "model": name,
                "cached": cached_weights(arch, tag) is not None,
                "default": name == DEFAULT_MODEL,
            }
        )
    for arch in open_clip.list_models():
        if arch not in with_tags:
            rows.append(
                {"arch": arch, "tag": None, "model": f"{arch}:none", "cached": True, "default": False}
            )
    return rows
