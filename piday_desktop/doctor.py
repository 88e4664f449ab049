"""``piday doctor``: is this laptop ready for the event? One line per thing that can go wrong.

Each check says OK, WARN or FAIL, what it found, and for anything not OK the fix, in words a
volunteer can act on the evening before. The checks are plain Python (no Qt), so the CLI, the
station's "Check" button and tests all run the same code; the station passes in what it already
holds (its open camera) so the check never fights the running station for a device.

Order: cheap local facts first (folders, disk, clock), then torch, the model and a short speed
test, the cameras, Atlas (network only when reachable), and the live map's warm-up, which also
fills numba's cache so the first start at the venue is fast.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .doctor_types import (  # noqa: F401  (the names callers import from here)
    CLOCK_SKEW_WARN_S, DEFAULT_PHOTO_BYTES, DISK_FAIL_BYTES, DISK_WARN_BYTES, EARLIEST_SANE, FAIL, OK,
    SLOW_PHOTO_S, WARN, Check, DoctorOptions, Report, _Context, average_photo_bytes as _average_photo_bytes,
)
from .doctor_event import backup_check, event_check, room_check, station_check


def run_checks(options: DoctorOptions, on_result: Callable[[Check], None] | None = None) -> Report:
    """Run every check in order; ``on_result`` sees each line as soon as it is known.

    A check that crashes becomes a FAIL line naming the error: the doctor itself never dies.
    """
    from .core.logs import log_file

    ctx = _Context(options)
    checks: list[Check] = []
    steps = [_python, _data_dir, _crashes, _disk, event_check, room_check, backup_check, station_check, _clock, _torch,
             _device, _weights, _speed, _camera, _atlas, _live_map]
    for step in steps:
        started = ctx.clock()
        try:
            result = step(ctx)
        except Exception as exc:  # noqa: BLE001 - a broken check is itself a finding
            result = Check(step.__name__.strip("_"), FAIL, f"the check crashed: {type(exc).__name__}: {exc}",
                           "report this with the log file", {"traceback": traceback.format_exc(limit=5)})
        if result is None:
            continue
        result.seconds = round(ctx.clock() - started, 3)
        checks.append(result)
        if on_result:
            on_result(result)
    return Report(checks, str(log_file()))


# --- local facts ---------------------------------------------------------------------------------


def _python(ctx: _Context) -> Check:
    from . import __version__

    frozen = bool(getattr(sys, "frozen", False))
    where = "bundle" if frozen else "Python environment"
    found = f"piday {__version__}, Python {platform.python_version()} ({where}), {platform.system()} {platform.machine()}"
    details = {"piday": __version__, "python": platform.python_version(), "frozen": frozen,
               "os": platform.platform(), "executable": sys.executable}
    if sys.version_info < (3, 10):
        return Check("python", FAIL, found, "install Python 3.10 or newer, or use the piday bundle", details)
    return Check("python", OK, found, details=details)


def _crashes(ctx: _Context) -> Check | None:
    """Hard crashes of the station (core/logs.py record_crashes): no line at all when there were none."""
    from .core.logs import crash_file, recorded_crashes

    crashed = recorded_crashes()
    if not crashed:
        return None
    path = crash_file()
    return Check("crashes", WARN, f"the station crashed {len(crashed)} time(s); last: {crashed[-1]}",
                 f"send {path} and the log file to whoever maintains piday, then delete {path.name}",
                 {"file": str(path), "crashes": crashed})


def _data_dir(ctx: _Context) -> Check:
    from .core import paths

    root = ctx.options.data_dir
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".piday-doctor-{os.getpid()}"
        with open(probe, "wb") as fh:
            fh.write(b"piday doctor write test\n")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        return Check("data folder", FAIL, f"{root} is not writable ({exc.strerror or exc})",
                     "choose a writable folder with --data-dir or PIDAY_DATA_DIR (or fix its permissions)",
                     {"path": str(root)})
    events = paths.list_events(root)
    return Check("data folder", OK, f"{root} is writable; {len(events)} event(s)",
                 details={"path": str(root), "events": events})


def _disk(ctx: _Context) -> Check:
    from .core.durable import free_bytes

    root = ctx.options.data_dir
    probe = root
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    free = free_bytes(probe)
    average, sampled = _average_photo_bytes(root)
    photos = free // max(average, 1)
    basis = f"{average / 1e6:.1f} MB each" + (f", measured on {sampled} photos" if sampled else ", assumed")
    found = f"{free / 1e9:.1f} GB free: room for about {photos:,} photos ({basis})"
    details = {"free_bytes": free, "photo_bytes": average, "photos_room": photos, "path": str(probe)}
    if free < DISK_FAIL_BYTES:
        return Check("disk", FAIL, found, "free at least a few GB (empty the trash, move old events away)", details)
    if free < DISK_WARN_BYTES:
        return Check("disk", WARN, found, "free some space before the event to be safe", details)
    return Check("disk", OK, found, details=details)


def _clock(ctx: _Context) -> Check:
    now = datetime.now(timezone.utc)
    local = datetime.now().astimezone()
    found = f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()
    details: dict[str, Any] = {"utc": now.isoformat(timespec="seconds"), "local": local.isoformat(timespec="seconds")}
    fix = "set the date, time and time zone in the system settings (automatic time when online)"
    if now < EARLIEST_SANE:
        return Check("clock", FAIL, f"the clock says {found}, which cannot be right", fix, details)
    newest = _newest_event_write(ctx.options.data_dir)
    if newest is not None and newest - now.timestamp() > 3600:
        details["newest_event_write"] = datetime.fromtimestamp(newest, timezone.utc).isoformat(timespec="seconds")
        return Check("clock", WARN, f"{found}, but an event was written later than that: the clock went back",
                     fix, details)
    return Check("clock", OK, found, details=details)


def _newest_event_write(root: Path) -> float | None:
    base = root / "events"
    if not base.is_dir():
        return None
    times = [p.stat().st_mtime for p in base.glob("*/event.sqlite")]
    return max(times) if times else None


# --- torch, model, speed -------------------------------------------------------------------------


def _torch(ctx: _Context) -> Check:
    started = ctx.clock()
    try:
        import torch
        import torchvision
    except Exception as exc:  # noqa: BLE001 - any import failure means no embedding at all
        return Check("torch", FAIL, f"torch cannot be imported: {type(exc).__name__}: {exc}",
                     "reinstall piday (pip install -c constraints.txt -e .) or unzip the bundle again")
    import open_clip

    seconds = ctx.clock() - started
    ctx.torch_ok = True
    cuda = torch.version.cuda
    found = (f"torch {torch.__version__} ({'CUDA ' + cuda if cuda else 'no CUDA'} build), torchvision "
             f"{torchvision.__version__}, open_clip {open_clip.__version__}; imported in {seconds:.1f} s")
    return Check("torch", OK, found, details={"torch": torch.__version__, "cuda_build": cuda,
                                              "torchvision": torchvision.__version__,
                                              "open_clip": open_clip.__version__, "import_s": round(seconds, 2)})


def _device(ctx: _Context) -> Check | None:
    if not ctx.torch_ok:
        return None
    import torch

    from .embedding.devices import cpu_has_native_bf16, resolve_device

    try:
        device = resolve_device(ctx.options.device)
    except ValueError as exc:
        ctx.device = "cpu"
        return Check("device", FAIL, str(exc), "set Device to auto in Settings (or --device auto)")
    ctx.device = device
    details: dict[str, Any] = {"device": device, "cpu_threads": torch.get_num_threads()}
    if device.startswith("cuda"):
        index = torch.device(device).index or 0
        name = torch.cuda.get_device_name(index)
        memory = torch.cuda.get_device_properties(index).total_memory
        details.update(gpu=name, gpu_memory_bytes=memory)
        return Check("device", OK, f"CUDA GPU: {name} ({memory / 2**30:.0f} GiB)", details=details)
    if device == "mps":
        return Check("device", OK, "Apple GPU (MPS)", details=details)
    bf16 = cpu_has_native_bf16()
    details["native_bf16"] = bf16
    found = (f"CPU only ({os.cpu_count()} cores{', bfloat16' if bf16 else ''}); no CUDA or Apple GPU found")
    return Check("device", OK, found, details=details)


def configured_spec(model: str) -> Any:
    """The ModelSpec for ``model`` (ValueError with a hint if it is not a model)."""
    from .embedding.models import DEFAULT_MODEL, ModelSpec

    return ModelSpec.parse(model or DEFAULT_MODEL)


def _weights(ctx: _Context) -> Check | None:
    if not ctx.torch_ok:
        return None
    from .embedding.weights_location import cached_weights

    try:
        spec = configured_spec(ctx.options.model)
    except ValueError as exc:
        return Check("model", FAIL, str(exc), "pick a model from `piday models` in Settings (or --model)")
    ctx.spec = spec
    kind = spec.kind
    if kind == "random":
        ctx.weights_ok = True
        return Check("model", WARN, f"{spec.model_id}: random weights, the map will be meaningless",
                     "for rehearsals only: choose a real model (e.g. ViT-B-32:laion2b_s34b_b79k) for the event",
                     {"model": spec.model_id, "kind": kind})
    if kind == "file":
        path = Path(spec.pretrained or "")
        ctx.weights_ok = path.is_file()
        return Check("model", OK, f"{spec.arch} from {path} ({path.stat().st_size / 1e6:.0f} MB)",
                     details={"model": spec.model_id, "kind": kind, "path": str(path)})
    path = cached_weights(spec.arch, spec.pretrained or "")  # the bundle's models/ included
    if path is None:
        return Check("model", FAIL, f"{spec.model_id}: weights are not on this laptop (needed offline at the venue)",
                     f"connect this laptop and run `piday models fetch {spec.model_id}`; or on a connected "
                     f"machine `piday models fetch {spec.model_id}` + `piday models export FILE`, then here "
                     "`piday models import FILE`",
                     {"model": spec.model_id, "kind": kind})
    ctx.weights_ok = True
    return Check("model", OK, f"{spec.model_id}: weights on this laptop ({path.stat().st_size / 1e6:.0f} MB)",
                 details={"model": spec.model_id, "kind": kind, "path": str(path)})


def _speed(ctx: _Context) -> Check | None:
    if not ctx.torch_ok or ctx.spec is None or ctx.options.quick:
        return None
    import numpy as np
    import torch

    from .embedding.models import ModelSpec, load_model

    spec = ctx.spec if ctx.weights_ok else ModelSpec(ctx.spec.arch, None)
    note = "" if ctx.weights_ok else " (random weights of the same architecture: same speed)"
    started = ctx.clock()
    model = load_model(spec, device=ctx.device or "cpu", towers="image")  # times photos only
    load_s = ctx.clock() - started
    size = model.image_size
    budget = max(ctx.options.speed_seconds, 0.2)
    one = torch.rand((1, 3, size, size))
    model.encode_pixels(one)  # not timed: first calls pick kernels and fault pages in
    singles: list[float] = []
    deadline = ctx.clock() + budget / 3
    while ctx.clock() < deadline or len(singles) < 3:
        t0 = ctx.clock()
        model.encode_pixels(one)
        singles.append(ctx.clock() - t0)
    batch = torch.rand((8, 3, size, size))
    done, t0 = 0, ctx.clock()
    deadline = t0 + budget * 2 / 3
    while ctx.clock() < deadline or done == 0:
        model.encode_pixels(batch)
        done += 8
    rate = done / (ctx.clock() - t0)
    per_photo = float(np.median(singles))
    found = (f"{spec.arch} on {model.device.upper()}: {per_photo * 1000:.0f} ms per photo, {rate:.1f} photos/s "
             f"in batches; model loaded in {load_s:.1f} s{note}")
    details = {"model": spec.model_id, "device": model.device, "dtype": str(model.dtype).replace("torch.", ""),
               "ms_per_photo": round(per_photo * 1000, 1), "photos_per_s": round(rate, 2),
               "load_s": round(load_s, 2)}
    if per_photo > SLOW_PHOTO_S:
        return Check("speed", WARN, found, "use a smaller model or a laptop with a GPU; photos are kept either way",
                     details)
    return Check("speed", OK, found, details=details)


# --- camera ----------------------------------------------------------------------------------------


def _camera(ctx: _Context) -> Check:
    from .capture import CameraUnavailable, list_cameras, open_source

    spec = (ctx.options.camera or "0").strip()
    found_cams = list_cameras() if ctx.options.camera_in_use is None else []
    listed = ", ".join(str(c) for c in found_cams) or "none"
    details: dict[str, Any] = {"configured": spec, "found": [str(c) for c in found_cams]}
    if ctx.options.camera_in_use is not None:
        return Check("camera", OK, f"in use by the station: {ctx.options.camera_in_use}", details=details)
    if spec.lower() == "pattern":
        return Check("camera", WARN, f"test pattern (rehearsal); cameras found: {listed}",
                     "choose the real camera in Settings before the event", details)
    try:
        source = open_source(spec)
        source.open()
    except CameraUnavailable as exc:
        return Check("camera", FAIL, f"{exc} Cameras found: {listed}",
                     "plug the webcam in, close other apps using it, or pick another camera in Settings", details)
    try:
        frame = source.read()  # a picture really arrives, and its size is what the station gets
        resolution = frame.resolution if frame is not None else source.resolution
        description = source.description
    except Exception as exc:  # noqa: BLE001 - CameraLost and friends: opened but no picture
        return Check("camera", FAIL, f"{spec} opened but sent no picture ({exc})",
                     "close other apps using the camera, replug it, or pick another camera in Settings", details)
    finally:
        source.close()
    details["resolution"] = list(resolution) if resolution else None
    return Check("camera", OK, f"{description} delivers pictures; cameras found: {listed}", details=details)


# --- Atlas -----------------------------------------------------------------------------------------


def _atlas_api_url(credentials: dict[str, Any]) -> str:
    override = os.environ.get("ATLAS_API_PATH")
    if override:
        return override
    tenant = credentials.get("tenant", "production")
    if tenant == "staging":
        return "https://staging-api-atlas.nomic.ai"
    if tenant == "enterprise" and credentials.get("api_domain"):
        return f"https://{credentials['api_domain']}"
    return "https://api-atlas.nomic.ai"


def _reachable(url: str, timeout: float = 3.0) -> str | None:
    """None when a TCP connection to the URL's host opens in time, else why not."""
    from urllib.parse import urlparse

    from .embedding.weights import tcp_probe

    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return tcp_probe(host, port, timeout)


def _atlas(ctx: _Context) -> Check:
    from .atlas.client import AtlasClient, AtlasError, credentials_path

    path = credentials_path()
    try:
        credentials = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        credentials = {}
    fix_login = "log in to Nomic Atlas with `piday atlas login` to share the map online"
    if not credentials.get("token"):
        return Check("atlas", WARN, "no Atlas login on this laptop: photos stay local until someone logs in",
                     fix_login, {"credentials": str(path)})
    url = _atlas_api_url(credentials)
    details = {"credentials": str(path), "api": url}
    why = _reachable(url) if ctx.options.network else "network checks turned off"
    ctx.network = why is None
    if why is not None:
        return Check("atlas", WARN, f"logged in, but the key could not be checked: {why}",
                     "check again where there is internet; uploads wait and retry until then", details)
    try:
        org = AtlasClient(deadline_s=10.0).check_key()
    except AtlasError as exc:
        if exc.kind in ("key_refused", "no_key"):
            return Check("atlas", FAIL, f"Atlas refused the key: {exc}", fix_login.replace("log in", "log in again"),
                         details)
        return Check("atlas", WARN, f"logged in; Atlas did not confirm the key: {exc}",
                     "try again later; uploads wait and retry", details)
    details["organization"] = org
    _clock_against_server(url, details)
    offset = details.get("clock_offset_s")
    if offset is not None and abs(offset) > CLOCK_SKEW_WARN_S:
        return Check("atlas", WARN, f"logged in and accepted, but this clock is {abs(offset) / 60:.0f} min off Atlas's",
                     "set the clock to automatic time in the system settings", details)
    return Check("atlas", OK, f"logged in and accepted{' (' + org + ')' if org else ''}", details=details)


def _clock_against_server(url: str, details: dict[str, Any]) -> None:
    """Record how far our clock is from the server's Date header (TLS and sign-in need it close)."""
    try:
        from email.utils import parsedate_to_datetime

        import requests

        answer = requests.head(url, timeout=3)
        server = parsedate_to_datetime(answer.headers["Date"])
        details["clock_offset_s"] = round((datetime.now(timezone.utc) - server).total_seconds(), 1)
    except Exception:  # noqa: BLE001 - only a detail
        pass


# --- live map ----------------------------------------------------------------------------------------


def _live_map(ctx: _Context) -> Check | None:
    if ctx.options.quick:
        return None
    from .projection.umap_import import configure_numba_cache, import_umap

    cache = configure_numba_cache()
    started = ctx.clock()
    import_umap()
    from .projection.warmup import warm_up_fit

    imported = ctx.clock() - started
    warm_up_fit()
    total = ctx.clock() - started
    found = f"umap ready in {total:.1f} s (import {imported:.1f} s); compiled code cached in {cache}"
    details = {"seconds": round(total, 2), "import_s": round(imported, 2), "numba_cache": str(cache)}
    if total > 30:
        return Check("live map", WARN, found, "run `piday doctor` once more: the second run uses the cache", details)
    return Check("live map", OK, found, details=details)
