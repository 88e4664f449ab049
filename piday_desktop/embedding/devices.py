"""Which device runs the model, and in which number format.

Kept apart from model loading because the CLI validates ``--device`` before anything heavy
happens, and because the precision choice is a measured hardware fact, not a model property:
on a CPU with native bfloat16 (AVX512-BF16 or AMX) casting the weights to bfloat16 roughly
triples ViT-B-32 throughput at a cosine of >= 0.9999 to float32, while on a CPU without it
bfloat16 is emulated and slower than float32. CPU autocast is slower still at batch >= 8, so
we cast the weights instead of using autocast.
"""

from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_PRECISION_ALIASES = {
    "auto": "auto",
    "fp32": "fp32",
    "float32": "fp32",
    "float": "fp32",
    "bf16": "bf16",
    "bfloat16": "bf16",
    "fp16": "fp16",
    "float16": "fp16",
    "half": "fp16",
}


def resolve_device(requested: str = "auto") -> str:
    """Turn ``auto|cpu|cuda[:N]|mps`` into a device torch can use, or explain why not.

    ``auto`` picks CUDA, then Apple MPS, then the CPU. A device asked for by name that is not
    there is an error (ValueError with a one-line reason), never a silent fall-back: a
    volunteer who typed ``--device cuda`` wants to know the GPU is not being used.
    """
    import torch

    name = (requested or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if _mps_available():
            return "mps"
        return "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        if torch.version.cuda is None:
            raise ValueError(
                f"device {requested!r} requested, but this torch build has no CUDA support; "
                "use --device auto or --device cpu"
            )
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {requested!r} requested, but no CUDA GPU is visible (driver missing or "
                "CUDA_VISIBLE_DEVICES empty?); use --device auto or --device cpu"
            )
        if ":" in name:
            index = name.split(":", 1)[1]
            if not index.isdigit() or int(index) >= torch.cuda.device_count():
                raise ValueError(
                    f"device {requested!r} requested, but only {torch.cuda.device_count()} CUDA "
                    "device(s) exist"
                )
        return name
    if name == "mps":
        if not _mps_available():
            raise ValueError(
                "device 'mps' requested, but Apple MPS is not available on this machine; "
                "use --device auto or --device cpu"
            )
        return "mps"
    raise ValueError(f"unknown device {requested!r}: use one of {', '.join(DEVICES)}")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def normalise_precision(precision: str) -> str:
    """``auto|fp32|bf16|fp16`` (and their long spellings) to the short name; ValueError otherwise."""
    key = (precision or "auto").strip().lower()
    if key not in _PRECISION_ALIASES:
        raise ValueError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    return _PRECISION_ALIASES[key]


def choose_dtype(device: str, precision: str = "auto"):
    """The torch dtype the weights are cast to.

    ``auto``: float16 on CUDA (tensor cores; the usual CLIP inference setting), float32 on MPS
    (not measured here, so the safe choice), on the CPU bfloat16 only where the hardware has
    native bfloat16 dot products (see :func:`cpu_has_native_bf16`), float32 elsewhere.
    """
    import torch

    short = normalise_precision(precision)
    if short == "auto":
        if device.startswith("cuda"):
            short = "fp16"
        elif device == "cpu" and cpu_has_native_bf16():
            short = "bf16"
        else:
            short = "fp32"
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[short]


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 dot products in hardware (AVX512-BF16 or AMX-BF16).

    Asks torch (``torch.cpu.get_capabilities``, torch >= 2.8) and falls back to the Linux
    ``/proc/cpuinfo`` flags on older torch. ARM bfloat16 (Graviton, Apple) is not claimed:
    nobody has measured it for this project, and float32 is never wrong.
    """
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        import torch

        caps = torch.cpu.get_capabilities()  # type: ignore[attr-defined]
        return bool(caps.get("avx512_bf16") or caps.get("amx_bf16"))
    except Exception:  # older torch: no get_capabilities
        pass
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False
