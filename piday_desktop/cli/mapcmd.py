"""`piday map`: the event's map as one self-contained HTML file (the offline fallback).

Works without a window and without network. Group names and label search need the CLIP text
encoder (the event's model, loaded from the local cache); without it (``--no-names``, or
weights not on this machine) the page still has the map, look-alikes and participant search.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.markup import escape

from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, UserError, err


def add_parser(subs, make_subparser) -> argparse.ArgumentParser:
    """Register ``map`` on the main parser (``make_subparser`` is cli's ``_subparser``)."""
    from .common import add_event_option

    p = make_subparser(subs, "map", "Write the event's map as one HTML file that opens in any browser, offline.",
                       "piday map --event pi-day-2026 --out pi-day-map.html")
    add_event_option(p)
    p.add_argument("--out", "-o", required=True, metavar="FILE", help="the HTML file to write")
    p.add_argument("--public", action="store_true",
                   help="what the Atlas map may show: finished visits that agreed to the shared map, pictures "
                        "only where they agreed "
                        "(default: every kept photo, as on the station's screen)")
    p.add_argument("--no-names", action="store_true",
                   help="skip group names and label search (no model is loaded: faster)")
    p.add_argument("--labels", metavar="FILE", default=None,
                   help="vocabulary for group names, one label per line (default: cluster_labels.txt in "
                        "piday's config folder, else the built-in list)")
    p.add_argument("--title", default=None, help="the page's title (default: the event's name)")
    p.add_argument("--no-save-layout", action="store_true",
                   help="do not store a layout computed here (photos the station never laid out)")
    return p


def _text_encoder(args: argparse.Namespace, model_id: str):
    """The event model's text encoder, or None (with a warning) when it cannot be loaded here."""
    from ..embedding.models import ModelSpec

    tower = context.cached_text_tower(args, model_id)
    if tower is not None:
        return tower.encode  # no torch (embedding/text_numpy.py)
    try:
        spec = context.model_spec(args) if context.model_was_chosen(args) else ModelSpec.parse(model_id)
        model = context.load_text_model(spec, args)
    except Exception as exc:  # noqa: BLE001 - the map is still worth writing without names
        err.print(f"[yellow]no group names or label search: the model cannot be loaded here "
                  f"({escape(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)})[/]")
        return None
    if model.model_id != model_id:
        raise UserError(f"the event's vectors were made with {model_id}; pass --model to match", EXIT_USAGE)
    return model.encode_text


def run_map(args: argparse.Namespace) -> int:
    from ..projection import map_html
    from ..jobs.map_export import event_map
    from ..projection.clusters import load_vocabulary

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--out {args.out!r}: give a .html file name", EXIT_USAGE)
    labels_path = Path(args.labels) if args.labels else None
    if labels_path is not None and not labels_path.is_file():
        raise UserError(f"--labels {args.labels!r}: no such file", EXIT_NOT_FOUND)
    started = time.perf_counter()
    with context.open_event(args) as store:
        model_id = context.reading_model_id(store, args)
        if not store.embedded_models().get(model_id):
            raise UserError(f"event {args.event!r} has no vectors for {model_id}: run `piday embed --event {args.event}`",
                            EXIT_NOT_FOUND)
        encode, labels = None, []
        if not args.no_names:
            labels = load_vocabulary(labels_path)
            encode = _text_encoder(args, model_id) if labels else None
        doc, info = event_map(store, model_id, public=args.public, encode_text=encode, labels=labels,
                              save_layout=not args.no_save_layout, title=args.title)
        size = map_html.write(doc, out)
    if info.computed_layout:
        err.print("[dim]laid the map out here (some photos had no stored position)"
                  + ("" if args.no_save_layout else "; stored for the station and exports") + "[/]")
    err.print(f"[green]wrote[/] {escape(str(out))}: {info.photos} photo(s), {info.with_thumbnail} with pictures, "
              f"{info.clusters} named group(s), {size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s")
    if info.photos == 0:
        err.print("[yellow]no photos to show" + (" (no finished visit agreed to the shared map yet)" if args.public else "") + "[/]")
    return EXIT_OK
