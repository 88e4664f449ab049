"""Where CLIP weight files are on this machine: the one place that knows the caches. No network.

open_clip downloads a tag's weights into the Hugging Face hub cache (``hf_hub`` tags) or into
``~/.cache/clip`` (plain URL tags); a PyInstaller bundle built with ``--with-weights`` carries a
second, read-only hub cache as ``models/`` next to the program. Looking up (``cached_weights``),
downloading (``weights``), the doctor and moving weights between laptops (``transfer``) all ask
here, so they cannot disagree about where a file belongs or whether it is present.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse


def tag_config(arch: str, tag: str) -> dict:
    """open_clip's record for a pretrained tag (download location, preprocessing); {} if unknown."""
    import open_clip

    return dict(open_clip.get_pretrained_cfg(arch, tag))


def hf_candidates(hf_hub: str) -> tuple[str, list[str]]:
    """Repo id and the file names open_clip would download for an ``hf_hub`` entry, best first."""
    from open_clip.constants import HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME

    repo, filename = os.path.split(hf_hub)  # "org/repo/" means the default file name
    filename = filename or HF_WEIGHTS_NAME
    names = []
    # open_clip prefers a safetensors twin when one exists (pretrained._get_safe_alternatives).
    if filename == HF_WEIGHTS_NAME:
        names.append(HF_SAFE_WEIGHTS_NAME)
    elif filename.endswith((".bin", ".pth")):
        names.append(filename[:-4] + ".safetensors")
    names.append(filename)
    return repo, names


def hub_cache() -> Path:
    """The Hugging Face hub cache open_clip downloads into (``HF_HUB_CACHE`` / ``HF_HOME`` honoured)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def clip_url_cache() -> Path:
    """Where open_clip keeps weights it downloaded from a plain URL (read live: ``HOME`` may change)."""
    return Path(os.path.expanduser("~/.cache/clip"))


def bundled_models_dir() -> Path | None:
    """``models/`` inside a PyInstaller bundle (a hub-cache layout), or None when not frozen."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or not base:
        return None
    path = Path(base) / "models"
    return path if path.is_dir() else None


def _in_hub_cache(hf_hub: str, cache_dir: Path | None = None) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    repo, names = hf_candidates(hf_hub)
    for name in names:
        found = try_to_load_from_cache(repo, name, cache_dir=str(cache_dir) if cache_dir else None)
        if isinstance(found, str) and Path(found).is_file():
            return Path(found)
    return None


def bundled_weights(arch: str, tag: str, models_dir: Path | None = None) -> Path | None:
    """The weights for ``arch:tag`` shipped inside the bundle (or under ``models_dir``), if any."""
    models_dir = models_dir or bundled_models_dir()
    if models_dir is None:
        return None
    hf_hub = tag_config(arch, tag).get("hf_hub")
    return _in_hub_cache(hf_hub, models_dir) if hf_hub else None


def cached_weights(arch: str, tag: str) -> Path | None:
    """The local weights file for ``arch:tag``, wherever it is on this machine; no network.

    In order: a ``file`` the tag names, the user's hub cache, the bundle's ``models/``, then
    open_clip's URL cache. The bundle is included, so no caller needs to ask for it again.
    """
    cfg = tag_config(arch, tag)
    if not cfg:
        return None
    if cfg.get("file") and Path(cfg["file"]).is_file():
        return Path(cfg["file"])
    if cfg.get("hf_hub"):
        found = _in_hub_cache(cfg["hf_hub"])
        if found is not None:
            return found
    shipped = bundled_weights(arch, tag)
    if shipped is not None:
        return shipped
    url = cfg.get("url")
    if url:
        candidate = clip_url_cache() / os.path.basename(urlparse(url).path)
        if candidate.is_file():
            return candidate
    return None
