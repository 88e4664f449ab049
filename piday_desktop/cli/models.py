"""`piday models`: which CLIP models exist, which are on this laptop, and fetching them."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from . import context
from .common import EXIT_OK, err, out


def run_models(args: argparse.Namespace) -> int:
    from ..embedding.models import model_catalogue

    rows = model_catalogue()
    if not args.all:
        rows = [r for r in rows if r["cached"] or r["default"] or r.get("local")]
    table = Table(title="open_clip models" + ("" if args.all else " (cached or default; --all lists every tag)"))
    for col in ("model", "cached", "default"):
        table.add_column(col)
    for r in rows:
        name = f"{r['arch']}:{r['tag']}" if r.get("tag") else r["arch"]
        table.add_row(escape(name), "yes" if r["cached"] else "no", "*" if r["default"] else "")
    out.print(table)
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
