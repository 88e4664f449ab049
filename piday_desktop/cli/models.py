"""`piday models`: which CLIP models exist, which are on this laptop, and fetching them."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from . import context
from .common import EXIT_OK, err, out


def run_models(args: argparse.Namespace) -> int:
    from ..embedding.models import model_catalogue

    catalogue = model_catalogue()
    tagged = [r for r in catalogue if r["tag"]]
    untagged = sorted((r for r in catalogue if not r["tag"]), key=lambda r: not r["arch"].startswith("piday"))
    rows = tagged if args.all else [r for r in tagged if r["cached"] or r["default"]]
    table = Table(title="open_clip models" + ("" if args.all else " (cached or default; --all lists every tag)"))
    for col in ("model", "cached", "default"):
        table.add_column(col)
    for r in rows:
        table.add_row(escape(r["model"]), "yes" if r["cached"] else "no", "*" if r["default"] else "")
    out.print(table)
    archs = sorted({r["arch"] for r in catalogue})
    out.print(f"{len(archs)} architectures run with random weights (ARCH:none), e.g. "
              + ", ".join(r["model"] for r in untagged[:3]))
    err.print("use one with --model ARCH:TAG; `piday models fetch ARCH:TAG` downloads one (needs internet); "
              "ARCH:none gives seeded random weights for rehearsals and tests")
    return EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    from ..embedding.models import ModelSpec, fetch_weights

    try:
        spec = ModelSpec.parse(args.spec)
        path = fetch_weights(spec)
    except ValueError as exc:
        raise context.UserError(str(exc), context.EXIT_USAGE) from None
    except Exception as exc:
        raise context.model_error(exc) from exc
    err.print(f"[green]ready:[/] {escape(spec.model_id)} at {escape(str(path))}")
    return EXIT_OK
