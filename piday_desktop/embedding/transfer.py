"""Moving cached CLIP weights between machines: one file out, one file in, checksummed.

Exhibition laptops are often offline, and a volunteer's laptop may never have had internet at
all. ``piday models export FILE`` packs the weights a connected machine cached (``piday models
fetch``) into one ``.pidaymodel`` file (a zip: the weights plus ``piday-model.json`` with their
SHA-256); ``piday models import FILE`` verifies it and writes the weights exactly where
open_clip's own download would have put them (the Hugging Face hub cache, or ``~/.cache/clip``
for URL downloads), so every part of piday finds them as if they had been downloaded there.

The bundle build uses the same layout for weights shipped inside the bundle (``models/`` next
to the program), where :func:`weights_location.bundled_weights` looks.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from ..core.digest import sha256_file
from .models import ModelSpec
from .weights_location import cached_weights, clip_url_cache, hf_candidates, hub_cache, tag_config

FORMAT = "piday-model/1"
SUFFIX = ".pidaymodel"
MANIFEST = "piday-model.json"
_CHUNK = 1 << 20
# Revision recorded for weights that came from a loose file (no hub commit known).
LOOSE_REVISION = "piday-import"

Progress = Callable[[int], None]  # called with the number of bytes just processed


class TransferError(RuntimeError):
    """The model cannot be exported or imported; the message is one line with the fix."""


@dataclass(frozen=True)
class WeightsFile:
    """One file of a model package and where open_clip expects it.

    ``kind`` ``hf``: ``<hub cache>/models--ORG--REPO/snapshots/REVISION/FILENAME``;
    ``kind`` ``url``: ``~/.cache/clip/FILENAME`` (open_clip's URL downloads).
    """

    kind: str
    filename: str
    sha256: str
    size: int
    repo: str | None = None
    revision: str | None = None

    @property
    def member(self) -> str:
        """The name inside the package zip."""
        return f"weights/{self.filename}"


@dataclass(frozen=True)
class ModelPackage:
    """What ``piday-model.json`` says: which model, which files, made with what."""

    model: str
    arch: str
    tag: str
    files: list[WeightsFile]
    format: str = FORMAT
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    open_clip: str = ""

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "ModelPackage":
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise TransferError(f"not a piday model file (format {raw.get('format')!r}, expected {FORMAT})")
        files = [WeightsFile(**f) for f in raw.pop("files")]
        return cls(files=files, **raw)


@dataclass(frozen=True)
class Installed:
    """The result of an import: the model and where its weights now are."""

    model: str
    path: Path
    size: int
    already_there: bool = False


def _destination(entry: WeightsFile, hub: Path) -> Path:
    if entry.kind == "url":
        return clip_url_cache() / entry.filename
    repo_dir = hub / ("models--" + (entry.repo or "").replace("/", "--"))
    revision = entry.revision or LOOSE_REVISION
    main_ref = repo_dir / "refs" / "main"
    if main_ref.is_file():  # the cache already follows a commit: put the file where lookups go
        revision = main_ref.read_text(encoding="utf-8").strip() or revision
    return repo_dir / "snapshots" / revision / entry.filename


def _point_main_at(path: Path, entry: WeightsFile) -> None:
    """Make ``refs/main`` name the snapshot we wrote, unless it already names one."""
    if entry.kind != "hf":
        return
    repo_dir = path.parents[2]
    ref = repo_dir / "refs" / "main"
    if not ref.is_file():
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(path.parent.name, encoding="utf-8")


def describe_cached(arch: str, tag: str) -> tuple[Path, WeightsFile]:
    """The cached weights file of ``arch:tag`` and where it belongs (without its hash yet)."""
    path = cached_weights(arch, tag)  # the bundle's models/ included
    if path is None:
        raise TransferError(
            f"{arch}:{tag} is not cached on this machine: run `piday models fetch {arch}:{tag}` "
            "(needs internet) first"
        )
    cfg = tag_config(arch, tag)
    size = path.stat().st_size
    if cfg.get("hf_hub") and path.parent.parent.name == "snapshots":
        repo, _names = hf_candidates(cfg["hf_hub"])
        return path, WeightsFile("hf", path.name, "", size, repo=repo, revision=path.parent.name)
    return path, WeightsFile("url", path.name, "", size)


def tag_spec(model: str) -> ModelSpec:
    try:
        spec = ModelSpec.parse(model)
    except ValueError as exc:
        raise TransferError(str(exc)) from None
    if spec.kind == "random":
        raise TransferError(f"{spec.model_id} uses random weights: there is nothing to move")
    if spec.kind == "file":
        raise TransferError(f"{spec.pretrained} is already a file: copy it to the other laptop as it is "
                            f"and use --model {spec.arch}:/path/to/{Path(spec.pretrained or '').name}")
    return spec


# --- export --------------------------------------------------------------------------------------


def _copy_hashing(src: IO[bytes], dst: IO[bytes], progress: Progress | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: src.read(_CHUNK), b""):
        digest.update(chunk)
        dst.write(chunk)
        size += len(chunk)
        if progress:
            progress(len(chunk))
    return digest.hexdigest(), size


def export_model(model: str, dest: Path, progress: Progress | None = None) -> ModelPackage:
    """Pack the cached weights of ``model`` (``ARCH:TAG``) into ``dest`` (a ``.pidaymodel`` zip).

    Written to a temporary name and renamed, so a full USB stick never leaves a file that looks
    complete. The hash is taken while copying: the file is read once.
    """
    import open_clip

    spec = tag_spec(model)
    src, entry = describe_cached(spec.arch, spec.pretrained or "")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with open(src, "rb") as fh, zf.open(entry.member, "w", force_zip64=True) as out:
                sha, size = _copy_hashing(fh, out, progress)
            package = ModelPackage(
                model=spec.model_id, arch=spec.arch, tag=spec.pretrained or "",
                files=[WeightsFile(entry.kind, entry.filename, sha, size, entry.repo, entry.revision)],
                open_clip=getattr(open_clip, "__version__", ""),
            )
            zf.writestr(MANIFEST, package.to_json())
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return package


# --- import --------------------------------------------------------------------------------------


def read_package(archive: Path) -> ModelPackage:
    """The manifest of a ``.pidaymodel`` file; TransferError if it is not one."""
    try:
        with zipfile.ZipFile(archive) as zf:
            return ModelPackage.from_json(zf.read(MANIFEST).decode("utf-8"))
    except FileNotFoundError:
        raise TransferError(f"no such file: {archive}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise TransferError(f"{archive} is not a piday model file ({exc})") from None


def _install(src: IO[bytes], entry: WeightsFile, hub: Path, progress: Progress | None) -> tuple[Path, bool]:
    """Copy one file into place, verifying size and SHA-256 before it becomes visible."""
    dest = _destination(entry, hub)
    if dest.is_file() and dest.stat().st_size == entry.size and sha256_file(dest) == entry.sha256:
        _point_main_at(dest, entry)
        return dest, True
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".piday-", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            sha, size = _copy_hashing(src, out, progress)
            out.flush()
            os.fsync(out.fileno())
        if size != entry.size or sha != entry.sha256:
            raise TransferError(
                f"{entry.filename} is damaged (checksum does not match): copy the model file again"
            )
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _point_main_at(dest, entry)
    return dest, False


def import_model(archive: Path, hub: Path | None = None, progress: Progress | None = None,
                 check: bool = True) -> Installed:
    """Verify a ``.pidaymodel`` file and put its weights where open_clip looks for them.

    ``check`` confirms afterwards that the model is now found offline (``cached_weights``);
    the bundle build turns it off because it writes into a staging folder, not the cache.
    """
    package = read_package(Path(archive))
    if not tag_config(package.arch, package.tag):
        raise TransferError(
            f"{package.model} is unknown to this piday's open_clip ({package.open_clip or '?'} made the file): "
            "update piday on this laptop"
        )
    hub = hub or hub_cache()
    installed: list[tuple[Path, bool]] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for entry in package.files:
                if entry.kind not in ("hf", "url") or "/" in entry.filename or "\\" in entry.filename:
                    raise TransferError(f"{archive} names an unexpected file {entry.filename!r}")
                with zf.open(entry.member) as src:
                    installed.append(_install(src, entry, hub, progress))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise TransferError(f"{archive} is damaged ({exc}): copy it again") from None
    path, already = installed[0]
    if check and cached_weights(package.arch, package.tag) is None:
        raise TransferError(f"{package.model} was written to {path} but open_clip does not find it there")
    return Installed(package.model, path, package.size, already_there=all(a for _p, a in installed))


# --- bundling ------------------------------------------------------------------------------------


def stage_for_bundle(request: str, target: Path) -> Installed:
    """Put the weights a ``build.py --with-weights`` request names under ``target`` (hub layout).

    ``request`` is ``ARCH:TAG`` (from this machine's cache), a ``.pidaymodel`` file, or
    ``ARCH:TAG=WEIGHTS_FILE`` (a weights file fetched by hand for that tag).
    """
    candidate = Path(request).expanduser()
    if candidate.is_file() and zipfile.is_zipfile(candidate):
        return import_model(candidate, hub=target, check=False)
    model, _, loose = request.partition("=")
    spec = tag_spec(model)
    if loose:
        src = Path(loose).expanduser()
        if not src.is_file():
            raise TransferError(f"no such weights file: {loose}")
        entry = _loose_entry(spec.arch, spec.pretrained or "", src)
    else:
        src, entry = describe_cached(spec.arch, spec.pretrained or "")
    with open(src, "rb") as fh:
        sha = sha256_file(src)
        entry = WeightsFile(entry.kind, entry.filename, sha, src.stat().st_size, entry.repo, entry.revision)
        if entry.kind == "url":
            raise TransferError(f"{spec.model_id} is a URL download; only hub-hosted weights can be bundled")
        path, _ = _install(fh, entry, target, None)
    return Installed(spec.model_id, path, entry.size)


def _loose_entry(arch: str, tag: str, src: Path) -> WeightsFile:
    """Where a hand-fetched weights file for ``arch:tag`` belongs: the hub file name that matches its type."""
    hf_hub = tag_config(arch, tag).get("hf_hub")
    if not hf_hub:
        raise TransferError(f"{arch}:{tag} is not hosted on the hub; use --model {arch}:/path/to/{src.name}")
    repo, names = hf_candidates(hf_hub)
    safe = src.suffix == ".safetensors"
    name = next((n for n in names if n.endswith(".safetensors") == safe), names[-1])
    return WeightsFile("hf", name, "", src.stat().st_size, repo=repo, revision=LOOSE_REVISION)

