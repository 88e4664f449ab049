"""`piday models export FILE` / `piday models import FILE`: weights to an offline laptop.

On a connected machine: ``piday models fetch ViT-B-32:laion2b_s34b_b79k`` then ``piday models
export vitb32.pidaymodel``; carry the file over (USB stick); on the offline laptop ``piday models
import vitb32.pidaymodel``. The import verifies the SHA-256 before the weights become visible.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.markup import escape

from .common import EXIT_MODEL, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, Formatter, UserError, err, progress_bar


def add_parsers(msubs) -> None:
    """Register ``export`` and ``import`` under ``piday models``."""
    e = msubs.add_parser(
        "export", help="pack a cached model into one file for an offline laptop", formatter_class=Formatter,
        description="Pack a cached model's weights (and their checksum) into one .pidaymodel file.\n\n"
        "example:\n  piday models export vitb32.pidaymodel --model ViT-B-32:laion2b_s34b_b79k")
    e.add_argument("file", metavar="FILE", help="the file to write (.pidaymodel is added if missing)")
    e.add_argument("--model", dest="transfer_model", metavar="ARCH:TAG", default=None,
                   help="which model (default: --model, PIDAY_MODEL, the station's model, else the default)")
    i = msubs.add_parser(
        "import", help="install a model file made by `piday models export`", formatter_class=Formatter,
        description="Verify a .pidaymodel file and put its weights where piday finds them offline.\n\n"
        "example:\n  piday models import /media/usb/vitb32.pidaymodel")
    i.add_argument("file", metavar="FILE")


def _model_text(args: argparse.Namespace) -> str:
    from ..core.config import load_config
    from ..embedding.models import DEFAULT_MODEL

    chosen = getattr(args, "transfer_model", None) or getattr(args, "model", None) or os.environ.get("PIDAY_MODEL")
    return chosen or load_config()[0].model or DEFAULT_MODEL


def run_export(args: argparse.Namespace) -> int:
    from ..embedding.transfer import SUFFIX, TransferError, describe_cached, export_model, tag_spec

    dest = Path(args.file).expanduser()
    if not dest.suffix:
        dest = dest.with_suffix(SUFFIX)
    model = _model_text(args)
    try:
        spec = tag_spec(model)
        _src, entry = describe_cached(spec.arch, spec.pretrained or "")
        with progress_bar() as progress:
            task = progress.add_task("export", total=entry.size)
            package = export_model(model, dest, progress=lambda n: progress.advance(task, n))
    except TransferError as exc:
        code = EXIT_NOT_FOUND if "not cached" in str(exc) else EXIT_USAGE
        raise UserError(str(exc), code) from None
    err.print(f"[green]exported:[/] {escape(package.model)} ({package.size / 1e6:.0f} MB) to {escape(str(dest))}; "
              f"on the other laptop: piday models import {escape(dest.name)}")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from ..embedding.transfer import TransferError, import_model, read_package

    archive = Path(args.file).expanduser()
    if not archive.is_file():
        raise UserError(f"no such file: {archive}", EXIT_NOT_FOUND)
    try:
        package = read_package(archive)
        with progress_bar() as progress:
            task = progress.add_task("import", total=package.size)
            installed = import_model(archive, progress=lambda n: progress.advance(task, n))
    except TransferError as exc:
        raise UserError(str(exc), EXIT_MODEL) from None
    state = "already there, verified" if installed.already_there else "installed and verified"
    err.print(f"[green]{state}:[/] {escape(installed.model)} ({installed.size / 1e6:.0f} MB) at "
              f"{escape(str(installed.path))}; use it with --model {escape(installed.model)}")
    return EXIT_OK
