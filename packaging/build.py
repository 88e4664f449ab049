"""Build the volunteers' bundle: ``python packaging/build.py [options]``.

The one way the bundle is made, here and in CI (.github/workflows/bundle.yml), so the two
cannot drift. It makes a PyInstaller one-dir folder ``dist/piday/`` (``dist/piday.app`` too on
macOS) for the platform it runs on, then prints its size and what dominates it.

    python packaging/build.py                                   # the bundle, no weights
    python packaging/build.py --with-weights ViT-B-32:laion2b_s34b_b79k   # weights from the cache
    python packaging/build.py --with-weights model.pidaymodel   # weights from `piday models export`
    python packaging/build.py --with-weights ViT-B-32:laion2b_s34b_b79k=open_clip_model.safetensors
    python packaging/build.py --cpu-only --zip                  # Linux: CPU torch, a far smaller bundle

Bundled weights are found by the station exactly like cached ones, with no network.

``--cpu-only`` matters on Linux only, where PyPI's torch is the CUDA build and drags ~3 GB of
NVIDIA libraries along: it makes a separate build environment under the work folder with torch
and torchvision from a CPU wheel index (``--torch-index``, PyTorch's own by default) and builds
from there. Windows and macOS wheels carry no CUDA libraries, so there it changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "piday.spec"
APP = "piday"
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--with-weights", action="append", default=[], metavar="ARCH:TAG|FILE",
                        help="ship these weights in the bundle (repeatable): ARCH:TAG from this machine's "
                        "cache, a `piday models export` file, or ARCH:TAG=WEIGHTS_FILE")
    parser.add_argument("--cpu-only", action="store_true",
                        help="Linux: build with CPU-only torch (no NVIDIA libraries) in a separate environment")
    parser.add_argument("--torch-index", default=CPU_TORCH_INDEX, metavar="URL",
                        help="wheel index with CPU-only torch/torchvision for --cpu-only")
    parser.add_argument("--dist", default=str(ROOT / "dist"), metavar="DIR", help="where the bundle goes")
    parser.add_argument("--work", default=str(ROOT / "build"), metavar="DIR",
                        help="PyInstaller's work folder (and the --cpu-only environment)")
    parser.add_argument("--clean", action="store_true", help="forget PyInstaller's cache and rebuild everything")
    parser.add_argument("--zip", action="store_true", help="also pack the bundle as DIST/piday-<os>-<arch>.zip")
    parser.add_argument("--report", metavar="FILE", default=None,
                        help="write the size report as JSON here (default: DIST/piday-size.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    dist, work = Path(args.dist).resolve(), Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.cpu_only and sys.platform.startswith("linux") and not _torch_is_cpu_only():
        return _rebuild_in_cpu_env(args, work, argv if argv is not None else sys.argv[1:])
    if args.cpu_only and not sys.platform.startswith("linux"):
        print("build: --cpu-only: torch wheels for this platform have no CUDA libraries; nothing to change")
    models = stage_weights(args.with_weights, work / "models")
    icon = find_icon(work)
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(SPEC),
               "--", "--models-dir", str(models)]
    if args.clean:
        command.insert(3, "--clean")
    if icon:
        command += ["--icon", str(icon)]
    print("build:", " ".join(command), flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT)
    print(f"build: PyInstaller took {time.monotonic() - started:.0f} s")
    bundle = dist / APP
    report = size_report(bundle)
    report["cpu_only_torch"] = _torch_is_cpu_only()
    report["weights"] = args.with_weights
    report["platform"] = f"{sys.platform}-{platform.machine().lower()}"
    print_report(report)
    report_path = Path(args.report) if args.report else dist / f"{APP}-size.json"
    report_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.zip:
        archive = make_zip(dist)
        print(f"build: archive {archive} ({archive.stat().st_size / 1e6:.0f} MB)")
    return 0


# --- weights ---------------------------------------------------------------------------------


def stage_weights(requests: list[str], target: Path) -> Path:
    """Lay the requested weights out as a Hugging Face cache under ``target`` (emptied first).

    The spec ships that folder as ``models/``; the station looks there after the user's own
    cache, so a bundle with weights works on a laptop that never saw the internet.
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if not requests:
        return target
    sys.path.insert(0, str(ROOT))
    from piday_desktop.embedding import transfer

    for request in requests:
        installed = transfer.stage_for_bundle(request, target)
        print(f"build: bundling weights {installed.model} ({installed.size / 1e6:.0f} MB)")
    return target


# --- icon ------------------------------------------------------------------------------------


def find_icon(work: Path) -> Path | None:
    """The platform icon from resources/ if there is one, else a drawn π (PNG; PyInstaller converts)."""
    resources = ROOT / "resources"
    wanted = {"win32": ("icon.ico", "icon.png"), "darwin": ("icon.icns", "icon.png")}.get(sys.platform, ("icon.png",))
    for name in wanted:
        if (resources / name).is_file():
            return resources / name
    if sys.platform.startswith("linux"):
        return None  # Linux executables carry no icon
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    size = 512
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((16, 16, size - 16, size - 16), radius=96, fill=(27, 29, 35, 255))
    try:
        font = ImageFont.load_default(size=340)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    draw.text((size / 2, size / 2), "π", font=font, fill=(76, 175, 80, 255), anchor="mm")
    path = work / "icon.png"
    image.save(path)
    return path


# --- CPU-only torch (Linux) ------------------------------------------------------------------


def _torch_is_cpu_only() -> bool:
    """Whether the torch this Python would bundle has no CUDA build (no NVIDIA libraries)."""
    try:
        from importlib.metadata import distribution, version

        requires = distribution("torch").requires or []
        return not any(r.startswith("nvidia-") for r in requires) and "+cu" not in version("torch")
    except Exception:  # noqa: BLE001 - torch missing: the build fails later with a clear error
        return True


def _rebuild_in_cpu_env(args: argparse.Namespace, work: Path, argv: list[str]) -> int:
    """Make (once) a venv with CPU torch + this project, then run this script in it."""
    env_dir = work / "venv-cpu"
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"build: making a CPU-only build environment in {env_dir}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
        pip = [str(python), "-m", "pip", "install", "--upgrade"]
        # torch first from the CPU index, then the project (pip keeps the CPU torch that satisfies it).
        steps = [(pip + ["pip"], "upgrade pip"),
                 (pip + ["--index-url", args.torch_index, "torch", "torchvision"],
                  f"install CPU-only torch + torchvision from {args.torch_index}"),
                 (pip + ["-e", f"{ROOT}[bundle]"], "install piday into it")]
        for command, what in steps:
            if subprocess.run(command, cwd=ROOT).returncode != 0:
                shutil.rmtree(env_dir, ignore_errors=True)  # a half-made environment would be reused next time
                print(f"build: --cpu-only: could not {what}; a CPU-only bundle needs a wheel index with CPU "
                      "builds of both torch and torchvision (PyPI's Linux torchvision links CUDA); pass one "
                      "with --torch-index URL")
                return 1
    check = subprocess.run([str(python), "-c", "import torch, torchvision; print(torch.__version__)"],
                           capture_output=True, text=True)
    if check.returncode != 0:
        print("build: the CPU-only environment cannot import torch + torchvision:\n" + check.stderr[-2000:])
        return 1
    print(f"build: CPU-only torch {check.stdout.strip()}", flush=True)
    return subprocess.run([str(python), str(Path(__file__).resolve()), *argv], cwd=ROOT).returncode


# --- report and archive ----------------------------------------------------------------------


def _group(rel: Path) -> str:
    parts = rel.parts
    if parts and parts[0] == "_internal":
        parts = parts[1:]
    if not parts:
        return "."
    if len(parts) > 2 and parts[0] in ("nvidia", "torch", "PySide6"):
        return "/".join(parts[:2])
    return parts[0] if len(parts) > 1 else "(top-level files)"


def size_report(bundle: Path) -> dict:
    """Total bytes and files of the bundle, and the biggest parts (links are not followed)."""
    groups: dict[str, int] = defaultdict(int)
    total = files = 0
    for dirpath, _dirnames, filenames in os.walk(bundle):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                size = path.lstat().st_size
            except OSError:
                continue
            total += size
            files += 1
            groups[_group(path.relative_to(bundle))] += size
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:15]
    return {"bundle": str(bundle), "bytes": total, "files": files,
            "largest": [{"part": k, "bytes": v} for k, v in top]}


def print_report(report: dict) -> None:
    total = report["bytes"] or 1
    print(f"build: {report['bundle']}: {report['bytes'] / 1e9:.2f} GB in {report['files']} files"
          f" (CPU-only torch: {'yes' if report['cpu_only_torch'] else 'no'})")
    for row in report["largest"]:
        print(f"  {row['bytes'] / 1e6:9.0f} MB  {100 * row['bytes'] / total:5.1f}%  {row['part']}")


def make_zip(dist: Path) -> Path:
    """One archive for volunteers; on macOS the .app, packed with ditto to keep its links."""
    name = f"{APP}-{sys.platform}-{platform.machine().lower()}"
    archive = dist / f"{name}.zip"
    archive.unlink(missing_ok=True)
    if sys.platform == "darwin" and (dist / f"{APP}.app").is_dir():
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(dist / f"{APP}.app"), str(archive)], check=True)
        return archive
    return Path(shutil.make_archive(str(dist / name), "zip", root_dir=dist, base_dir=APP))


if __name__ == "__main__":
    sys.exit(main())
