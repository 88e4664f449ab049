"""`piday export`, `search`, `report` and `events`: reading an event, never changing it."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from ..core import paths
from ..jobs.export import FORMATS, export_event
from ..core.search import ANN_THRESHOLD, search_event
from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, UserError, err, out


def run_export(args: argparse.Namespace) -> int:
    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UserError(f"cannot tell the format from {args.out!r}: pass --format {'|'.join(FORMATS)}", EXIT_USAGE)
    with context.open_event(args) as store:
        model_id = context.reading_model_id(store, args)
        try:
            summary = export_event(store, model_id=model_id, fmt=fmt, out=Path(args.out),
                                   include_names=args.include_names)
        except FileNotFoundError as exc:
            raise UserError(str(exc), EXIT_NOT_FOUND) from None
    files = ", ".join(str(p) for p in summary.files)
    err.print(f"[green]wrote[/] {escape(files)}: {summary.rows} photo(s), {summary.with_vectors} with {escape(model_id)} vectors")
    if summary.with_vectors < summary.rows:
        err.print(f"[yellow]{summary.rows - summary.with_vectors} photo(s) have no vector for this model yet: "
                  f"run `piday embed --event {escape(args.event)}`[/]")
    return EXIT_OK


def run_search(args: argparse.Namespace) -> int:
    if bool(args.text) == bool(args.like):
        raise UserError("give either search words or --like PHOTO_ID (not both)", EXIT_USAGE)
    with context.open_event(args) as store:
        where = context.parse_where_for(store, args.where)
        model_id = context.reading_model_id(store, args)
        if not store.vector_count(model_id):
            raise UserError(f"event {args.event!r} has no vectors for {model_id}: run `piday embed --event {args.event}`",
                            EXIT_NOT_FOUND)
        if args.like:
            photos, matrix = store.vectors_by_id_prefix(model_id, args.like)
            if len(photos) != 1:
                raise UserError(f"--like {args.like!r} matches {'no' if not photos else 'several'} embedded photos; "
                                "give more of the id", EXIT_NOT_FOUND)
            query, exclude = matrix[0], [photos[0].id]
        else:
            query, exclude = _text_vector(args, model_id), []
        try:
            hits = search_event(store, model_id, query, k=args.k, where=where, exclude_ids=exclude,
                                ann_threshold=_ann_threshold())
        except ValueError as exc:
            raise UserError(str(exc), EXIT_USAGE) from None
        fields = store.photo_fields([h.photo.id for h in hits]) if args.json else {}
    if args.json:
        out.print_json(json.dumps([
            {"rank": i, "score": round(h.score, 4), "id": h.photo.id, "participant": h.photo.participant_code,
             "photo_name": h.photo.original_name, "shot": h.photo.shot, "fields": fields.get(h.photo.id, {})}
            for i, h in enumerate(hits, 1)]))
        return EXIT_OK
    table = Table(title=f"{'like ' + args.like if args.like else repr(' '.join(args.text))} in {args.event}")
    for col in ("#", "score", "participant", "photo", "id"):
        table.add_column(col, justify="right" if col in ("#", "score") else "left")
    for i, h in enumerate(hits, 1):
        table.add_row(str(i), f"{h.score:.3f}", h.photo.participant_code, escape(h.photo.original_name or ""), h.photo.id)
    out.print(table)
    return EXIT_OK


def _ann_threshold() -> int:
    """Vectors past which search uses the index beside the catalogue (PIDAY_ANN_THRESHOLD to tune)."""
    try:
        return int(os.environ.get("PIDAY_ANN_THRESHOLD", ANN_THRESHOLD))
    except ValueError:
        raise UserError("PIDAY_ANN_THRESHOLD must be a whole number of vectors", EXIT_USAGE) from None


def _text_vector(args: argparse.Namespace, model_id: str):
    """The query's vector: from the model's cached numpy text tower when there is one (no torch,
    embedding/text_numpy.py), else through torch, caching the tower for the next search."""
    from ..embedding.models import ModelSpec, file_id_without_file

    query = " ".join(args.text)
    tower = context.cached_text_tower(args, model_id)
    if tower is not None:
        return tower.encode([query])[0]
    if not context.model_was_chosen(args) and (why := file_id_without_file(model_id)):
        raise context.model_error(ValueError(why))
    try:
        spec = context.model_spec(args) if context.model_was_chosen(args) else ModelSpec.parse(model_id)
        if spec.model_id != model_id:
            raise UserError(f"the event's vectors were made with {model_id}; pass --model to match", EXIT_USAGE)
        model = context.load_text_model(spec, args)
    except UserError:
        raise
    except Exception as exc:
        raise context.model_error(exc) from exc
    return model.encode_text([query])[0]


def run_report(args: argparse.Namespace) -> int:
    with context.open_event(args) as store:
        counts = store.counts()
        models = store.embedded_models()
        runs = store.runs(limit=args.runs)
        latest_failures = store.run_failures(runs[0]["id"]) if runs else []
        participants = store.participants()
        removals = store.removals()
    data = {"event": args.event, **counts, "vectors_by_model": models, "removals": removals,
            "missing_by_model": {m: counts["photos"] - n for m, n in models.items()},
            "runs": runs, "latest_run_failures": [{"item": i, "reason": r} for i, r in latest_failures],
            "consent": {level: sum(p.consent.label == level for p in participants) for level in ("none", "map", "map+photo")}}
    if args.json:
        out.print_json(json.dumps(data))
        return EXIT_OK
    out.print(f"[bold]{escape(args.event)}[/]: {counts['participants']} participant(s), {counts['photos']} photo(s)"
              + (f", {counts['under_review']} under review" if counts["under_review"] else ""))
    out.print("consent: " + ", ".join(f"{n} {k}" for k, n in data["consent"].items()))
    out.print(f"removed: {removals['retake']} retake(s), {removals['photo']} photo(s) deleted, "
              f"{removals['visitor']} visitor(s) forgotten")
    for model_id, n in models.items():
        out.print(f"vectors: {n} with {escape(model_id)} ({counts['photos'] - n} missing)")
    if not models:
        out.print("vectors: none yet")
    if runs:
        table = Table(title="runs (newest first)")
        for col in ("#", "command", "started", "status", "imported", "dupes", "embedded", "skipped", "seconds",
                    "img/s", "peak MB", "device", "model"):
            table.add_column(col)
        for r in runs:
            table.add_row(str(r["id"]), r["command"], r["started_at"][:19].replace("T", " "), r["status"],
                          str(r["imported"]), str(r["duplicates"]), str(r["embedded"]), str(r["skipped"]),
                          _num(r["seconds"]), _num(r["images_per_s"]), _num(r["peak_rss_mb"], 0),
                          r["device"] or "", escape(r["model_id"] or ""))
        out.print(table)
    if latest_failures:
        out.print(f"[bold]skipped in run {runs[0]['id']}:[/]")
        for item, reason in latest_failures:
            out.print(f"  {escape(item)}: {escape(reason)}")
    return EXIT_OK


def _num(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def run_events(args: argparse.Namespace) -> int:
    root = context.data_root(args)
    names = paths.list_events(root)
    if not names:
        err.print(f"no events yet in {escape(str(root))}: `piday import FOLDER --event NAME` creates one")
    for name in names:
        out.print(name)
    return EXIT_OK
