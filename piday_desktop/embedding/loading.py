"""Building an open_clip model from a checkpoint in little memory, and keeping only the towers used.

open_clip's own path (``create_model(pretrained=FILE)``) builds the model with random float32
weights, reads the whole checkpoint into memory beside it, copies it over, and we then cast to
bfloat16: for ViT-B-32 that held ~1.2 GB of float32 at once (peak RSS of `piday import` 1.9 GB).
The lean path here:

1. builds the model with its large tensors on PyTorch's ``meta`` device (no memory, no random
   init); small ones (biases, norms, the causal mask and other buffers that no checkpoint
   holds) are made for real, as open_clip computes them;
2. opens the checkpoint memory-mapped (``torch.load(mmap=True, weights_only=True)``, or
   safetensors' own mapping), so nothing is read until used;
3. drops the tower the command does not need (``towers="image"``: the text tower, for imports;
   ``"text"``: the image tower, for search by words), along with its keys, so its bytes are
   never read;
4. casts each kept tensor to the target dtype as it is read and hands the mapped float32 pages
   straight back (Linux ``madvise``), then assigns the cast tensors as the model's weights:
   no float32 copy of the model ever exists.

Anything the lean path does not recognise (a ``.npz`` checkpoint, a tensor left on ``meta``, a
model open_clip cannot build without its device move) makes :func:`build_lean` raise
:class:`NotLean` and the caller uses open_clip's own path, then drops the tower and casts.

The towers: for every open_clip model (CLIP, CustomTextCLIP, CoCa) the image tower is the
``visual`` submodule and ``encode_image`` uses nothing else; everything at the top level except
``visual`` and the shared ``logit_scale`` / ``logit_bias`` belongs to the text side.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import sys
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

TOWERS = ("both", "image", "text")
_SHARED = ("logit_scale", "logit_bias")
# Tensors with at least this many elements are made on ``meta`` while the skeleton is built.
# Every weight matrix of a CLIP is larger; non-persistent buffers (causal masks, rotary tables)
# are smaller and so computed for real. A larger buffer would stay on meta: NotLean.
_META_NUMEL = 1 << 17


class NotLean(Exception):
    """The lean path cannot build this model; open_clip's own path will."""


# ----------------------------------------------------------------------------- towers


def tower_of(key: str) -> str:
    """``image``, ``text`` or ``shared``: which tower a state-dict key (or attribute) belongs to."""
    head = key.split(".", 1)[0]
    if head == "visual":
        return "image"
    if head in _SHARED:
        return "shared"
    return "text"


def keeps(towers: str, key: str) -> bool:
    tower = tower_of(key)
    return towers == "both" or tower == "shared" or tower == towers


def drop_towers(model: Any, towers: str) -> list[str]:
    """Remove the unused tower's modules, parameters and buffers; returns what went."""
    if towers == "both":
        return []
    if towers not in TOWERS:
        raise ValueError(f"towers must be one of {', '.join(TOWERS)}")
    if not hasattr(model, "visual"):
        return []  # not an open_clip CLIP shape we know: keep everything
    names = [n for n, _ in model.named_children()]
    names += [n for n, _ in model.named_parameters(recurse=False)]
    names += [n for n, _ in model.named_buffers(recurse=False)]
    dropped = [n for n in names if not keeps(towers, n)]
    for name in dropped:
        setattr(model, name, None)  # torch allows None for a registered module, parameter or buffer
    return dropped


# ----------------------------------------------------------------------------- the lean build


def build_lean(arch: str, checkpoint: str, dtype: Any, towers: str, kwargs: dict,
               before_drop: Callable[[Any, dict], None] | None = None) -> tuple[Any, Any, tuple[int, int]]:
    """The model (weights in ``dtype``, on the CPU), its preprocess and image size; or NotLean.

    Errors reading the checkpoint or fitting it to the architecture propagate (the caller
    turns them into :class:`~.models.ModelLoadError` after trying open_clip's own path).
    ``before_drop(skeleton, state)`` sees the whole skeleton and the mapped checkpoint (open_clip's
    key names) before a tower is dropped: an import writes the text tower it does not load to
    the cache there (embedding/text_numpy.py). Best effort: what it raises is logged, and the
    pages it read are handed back like every other mapped page.
    """
    import open_clip
    import torch

    path = Path(checkpoint)
    if path.suffix.lower() in (".npz", ".npy"):
        raise NotLean("big_vision weights")
    try:
        with _LargeOnMeta():
            # device=None: no device move (a move would need the meta tensors' data).
            model, _, preprocess = open_clip.create_model_and_transforms(
                arch, pretrained=None, device=None, **kwargs
            )
    except Exception as exc:  # noqa: BLE001 - open_clip's own path may still build it
        raise NotLean(f"skeleton: {type(exc).__name__}: {exc}") from exc
    sizes = image_sizes(model)
    with _Checkpoint(path) as raw:
        state = _convert(model, raw)
        if before_drop is not None:
            try:
                before_drop(model, state)
            except Exception:  # noqa: BLE001 - the model loads all the same
                log.warning("before loading %s: the hook failed", arch, exc_info=True)
            for key, value in state.items():
                if not keeps(towers, key) and hasattr(value, "data_ptr"):
                    _release_pages(value, raw.reader._ranges)
        drop_towers(model, towers)
        wanted = set(model.state_dict().keys())
        unexpected = [k for k in state if k not in wanted and keeps(towers, k)]
        if unexpected:  # what open_clip's strict load would say
            raise RuntimeError(f"Unexpected key(s) in state_dict: {', '.join(unexpected[:5])}")
        cast = {}
        for key in list(state):
            value = state.pop(key)
            if key in wanted:  # the dropped tower's keys are never read
                cast[key] = raw.cast(value, dtype)
        del state
    missing = model.load_state_dict(cast, strict=True, assign=True)
    del cast, missing
    left = [n for n, t in (*model.named_parameters(), *model.named_buffers()) if t.is_meta]
    if left:
        raise NotLean(f"left on meta: {', '.join(left[:3])}")
    return model, preprocess, sizes


def image_sizes(model: Any) -> tuple[int, int]:
    """The (height, width) the image tower takes (read before a tower is dropped)."""
    size = getattr(getattr(model, "visual", None), "image_size", 224)
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (int(size), int(size))
    return int(sizes[0]), int(sizes[1])


def _convert(model: Any, state: dict) -> dict:
    """open_clip's ``load_checkpoint`` adjustments, without its final copy (names, shapes)."""
    import torch
    from open_clip.convert import convert_state_dict
    from open_clip.model import convert_to_custom_text_state_dict, resize_pos_embed, resize_text_pos_embed

    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict) or not state:
        raise ValueError("the file holds no state_dict")
    state = dict(state)
    if next(iter(state)).startswith("module"):
        state = {k[7:]: v for k, v in state.items()}
    state = convert_state_dict(model, state)
    if "positional_embedding" in state and not hasattr(model, "positional_embedding"):
        state = convert_to_custom_text_state_dict(state)
    for name in ("logit_scale", "logit_bias"):
        own = getattr(model, name, None)
        if name in state and own is not None and own.ndim != state[name].ndim:
            state[name] = state[name].reshape(own.shape)
    if "logit_bias" not in state and getattr(model, "logit_bias", None) is not None:
        state["logit_bias"] = torch.zeros_like(state["logit_scale"])
    position_id_key = "text.transformer.embeddings.position_ids"
    if position_id_key in state and not hasattr(model, position_id_key):
        del state[position_id_key]
    resize_pos_embed(state, model)
    resize_text_pos_embed(state, model)
    return state


def build_random_image_tower(arch: str, kwargs: dict) -> tuple[Any, Any, tuple[int, int]]:
    """Random weights (``ARCH:none``) for photos only, with the text tower never allocated.

    open_clip builds the image tower first (CLIP, CustomTextCLIP), so its random weights are
    drawn exactly as in a full build; once ``visual`` is attached to the model, large tensors
    go to meta, the text tower is built there and dropped. The caller seeds the RNG. NotLean
    when anything of the image side is left on meta (a model that builds its text side first,
    like CoCa, only saves less: its text tower was real and is dropped anyway).
    """
    import threading

    import open_clip
    from torch.nn.modules.module import register_module_module_registration_hook

    mode = _LargeOnMeta(active=False)
    me = threading.get_ident()
    clip_classes = tuple(getattr(open_clip, n) for n in ("CLIP", "CustomTextCLIP", "CoCa") if hasattr(open_clip, n))

    def attached(module: Any, name: str, submodule: Any) -> None:
        if name == "visual" and isinstance(module, clip_classes) and threading.get_ident() == me:
            mode.active = True

    handle = register_module_module_registration_hook(attached)
    try:
        with mode:
            model, _, preprocess = open_clip.create_model_and_transforms(arch, pretrained=None, device=None, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the ordinary build may still work
        raise NotLean(f"skeleton: {type(exc).__name__}: {exc}") from exc
    finally:
        handle.remove()
    sizes = image_sizes(model)
    drop_towers(model, "image")
    left = [n for n, t in (*model.named_parameters(), *model.named_buffers()) if t.is_meta]
    if left:
        raise NotLean(f"left on meta: {', '.join(left[:3])}")
    return model, preprocess, sizes


class _LargeOnMeta:
    """While active, tensor factories put tensors of ``_META_NUMEL`` elements or more on meta."""

    def __init__(self, active: bool = True) -> None:
        import torch
        from torch.overrides import TorchFunctionMode

        factories = {torch.empty, torch.zeros, torch.ones, torch.full, torch.rand, torch.randn,
                     torch.randint, torch.empty_strided}
        owner = self
        self.active = active

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                if owner.active and func in factories and kwargs.get("device") is None:
                    probe = func(*args, **{**kwargs, "device": "meta"})
                    if isinstance(probe, torch.Tensor) and probe.numel() >= _META_NUMEL:
                        return probe
                return func(*args, **kwargs)

        self._mode = Mode()

    def __enter__(self) -> "_LargeOnMeta":
        self._mode.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._mode.__exit__(*exc)


# ----------------------------------------------------------------------------- the checkpoint


class _Checkpoint:
    """A checkpoint opened memory-mapped: ``.pt``/``.pth``/``.bin`` through ``torch.load``,
    ``.safetensors`` through safetensors; a dict-like ``state`` and :meth:`cast`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._safe = None
        self._ranges: list[tuple[int, int]] = []

    def __enter__(self) -> dict:
        import torch

        if self.path.suffix.lower() == ".safetensors":
            from safetensors import safe_open

            self._safe = safe_open(str(self.path), framework="pt", device="cpu")
            self._safe.__enter__()
            state = {k: self._safe.get_tensor(k) for k in self._safe.keys()}  # views of the mapping
        else:
            try:
                state = torch.load(self.path, map_location="cpu", mmap=True, weights_only=True)
            except RuntimeError as exc:
                if "mmap" not in str(exc):
                    raise
                # A legacy (pre-zip) torch.save file cannot be mapped: read it whole.
                state = torch.load(self.path, map_location="cpu", weights_only=True)
                self._ranges = []
                return _StateView(self, state)
        tensors = state.get("state_dict", state) if isinstance(state, dict) else {}
        if isinstance(tensors, dict):
            for t in tensors.values():
                if isinstance(t, torch.Tensor) and t.device.type == "cpu":
                    s = t.untyped_storage()
                    self._ranges.append((s.data_ptr(), s.data_ptr() + s.nbytes()))
        return _StateView(self, state)

    def __exit__(self, *exc: object) -> None:
        if self._safe is not None:
            self._safe.__exit__(*exc)
            self._safe = None

    def cast(self, value: Any, dtype: Any) -> Any:
        """``value`` as a tensor of its own in ``dtype`` (floating point only); mapped pages returned."""
        import torch

        if not isinstance(value, torch.Tensor):
            return value
        out = value.to(dtype) if value.is_floating_point() else value
        if out.data_ptr() == value.data_ptr() or self._in_mapping(out):
            out = out.clone()  # same dtype: a view of the mapping would keep the file's pages
        _release_pages(value, self._ranges)
        return out

    def _in_mapping(self, t: Any) -> bool:
        p = t.data_ptr()
        return any(lo <= p < hi for lo, hi in self._ranges)


class _StateView(dict):
    """The checkpoint's top-level object as a dict, with the reader's ``cast`` beside it."""

    def __init__(self, reader: _Checkpoint, state: Any) -> None:
        super().__init__(state if isinstance(state, dict) else {})
        self.reader = reader
        if not isinstance(state, dict):
            raise ValueError(f"the file holds a {type(state).__name__}, not a state_dict")

    def cast(self, value: Any, dtype: Any) -> Any:
        return self.reader.cast(value, dtype)


_PAGE = mmap.PAGESIZE
_MADV_DONTNEED = 4  # Linux
_libc = None


def _release_pages(t: Any, ranges: list[tuple[int, int]]) -> None:
    """Tell the kernel we are done with the whole pages of ``t`` inside the file mapping.

    Only for memory inside ``ranges`` (the checkpoint's own read-only private file mapping):
    dropped pages there are re-read from the file if anyone touches them again, so a tensor
    sharing those pages is never harmed. Anonymous memory is never touched. Linux only; a
    no-op elsewhere or on any error.
    """
    global _libc
    if not ranges or not sys.platform.startswith("linux") or not t.is_contiguous():
        return
    start = t.data_ptr()
    end = start + t.numel() * t.element_size()
    if not any(lo <= start and end <= hi for lo, hi in ranges):
        return
    lo = -(-start // _PAGE) * _PAGE
    hi = (end // _PAGE) * _PAGE
    if hi <= lo:
        return
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _libc.madvise(ctypes.c_void_p(lo), ctypes.c_size_t(hi - lo), _MADV_DONTNEED)
    except (OSError, AttributeError):  # pragma: no cover - no libc madvise here
        pass
