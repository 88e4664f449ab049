"""`piday check [--repair]`: every photo file against its SHA-256, rows, vectors, temp files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, UserError, add_event_option, err, out, progress_bar

if TYPE_CHECKING:  # the check itself is imported when it runs, not to build `piday`'s parser
    from ..jobs.check import CheckReport


def add_parser(subs, make_subparser) -> argparse.ArgumentParser:
    """Register ``check`` on the main parser (``make_subparser`` is cli's ``_subparser``)."""
    p = make_subparser(subs, "check", "Verify an event: every photo file against its SHA-256, rows against "
                       "files, vectors against their model, the database, leftover temp files.",
                       "piday check --event pi-day-2026 --repair --from /media/backup/pi-day-2026")
    add_event_option(p)
    p.add_argument("--repair", action="store_true",
                   help="fix what can be fixed without losing anything: restore missing or damaged photo "
                        "files from the same bytes (the event's orphans/ folder and every --from folder), "
                        "drop bad vectors (`piday embed` makes them again), remove temp files")
    p.add_argument("--from", dest="sources", action="append", default=[], metavar="FOLDER",
                   help="with --repair: a folder to look in for the lost files' bytes (a backup, the "
                        "original import folder); repeatable")
    p.add_argument("--drop-missing", action="store_true",
                   help="with --repair: remove the rows of photos whose file cannot be restored (never those of "
                        "a root that is not there at all: re-point it with `piday roots set`)")
    p.add_argument("--quick", action="store_true",
                   help="trust files whose size (and, recorded in place, modification time) is as recorded "
                        "instead of reading them: a first look at a large archive")
    return p


def run_check(args: argparse.Namespace) -> int:
    from ..jobs.check import check_event

    if (args.sources or args.drop_missing) and not args.repair:
        raise UserError("--from and --drop-missing only make sense with --repair", 2)
    sources = [Path(s).expanduser() for s in args.sources]
    for source in sources:
        if not source.is_dir():
            raise UserError(f"no such folder: {source}", EXIT_NOT_FOUND)
    with context.open_event(args) as store, progress_bar() as progress:
        task = progress.add_task("Checking", total=None)
        report = check_event(store, repair=args.repair, sources=sources, drop_unrestorable=args.drop_missing,
                             quick=args.quick,
                             progress=lambda done, total: progress.update(task, completed=done, total=total))
        where = {p.id: _where(store, p) for p in report.missing + report.damaged if p.in_place}
    _print(args, report, where)
    return EXIT_OK if report.ok else EXIT_SKIPPED


def _where(store, photo) -> str:
    """An in-place photo's file as its root's name and the path below it (this laptop's terminal only)."""
    root = next((r.name for r in store.roots() if r.id == photo.root_id), "?")
    return f"{root}/{photo.rel_path}"


def _print(args: argparse.Namespace, r: CheckReport, where: dict[str, str] | None = None) -> None:
    event = escape(args.event)
    where = where or {}
    checked = r.photos - len(r.offline)
    good = checked - len(r.missing) - len(r.damaged)
    quick = f" ({r.read} read, the others trusted by size and time)" if args.quick else ""
    out.print(f"[bold]{event}[/]: {good} of {checked} photo file(s) match their SHA-256{quick}")
    for name, (path, count) in r.offline_roots.items():
        out.print(f"  root {escape(name)} is not there ({escape(str(path))}): {count} photo(s) out of reach; "
                  f"if the tree moved or is mounted elsewhere: `piday roots set {escape(name)} NEWPATH --event {event}`")
    for title, photos in (("missing file", r.missing), ("damaged file", r.damaged)):
        for p in photos:
            fate = ("restored" if p in r.restored else "row dropped" if p in r.dropped else "")
            label = title if not p.in_place else ("changed since import" if title == "damaged file" else
                                                  "missing in place")
            place = f" at {escape(where[p.id])}" if p.id in where else ""
            out.print(f"  {label}: {p.participant_code} photo {p.shot} ({p.id}){place}" + (f": {fate}" if fate else ""))
    if r.touched:
        out.print(f"  {len(r.touched)} in-place file(s) touched (new modification time, same bytes)"
                  + (": recorded" if args.repair else ""))
    for photo_id, model_id, why in r.bad_vectors:
        out.print(f"  bad vector: {photo_id} {escape(model_id)}: {escape(why)}"
                  + (": dropped, `piday embed` makes it again" if r.vectors_dropped else ""))
    for problem in r.database:
        out.print(f"  database: {escape(problem)}")
    if r.temp_files:
        out.print(f"  {len(r.temp_files)} temp file(s) left by an interrupted write")
    if r.orphans:
        out.print(f"  {len(r.orphans)} photo file(s) without a row (a crash between saving and recording)")
    if r.kept_orphans:
        out.print(f"  {r.kept_orphans} file(s) without a row are kept in {escape(str(Path('orphans')))}/ "
                  "of the event folder: delete them if you do not need them")
    if r.busy:
        err.print("[yellow]another piday has this event open: temp files were left alone; run again when "
                  "it is closed[/]")
    if r.unresolved:
        err.print(f"[yellow]{len(r.unresolved)} photo(s) cannot be restored here: run `piday check --event "
                  f"{event} --repair --from FOLDER` with a backup or the original photos, or add "
                  "--drop-missing to remove their rows[/]")
    elif not r.ok and not args.repair:
        err.print(f"[yellow]run `piday check --event {event} --repair` to fix this[/]")
    if r.ok:
        out.print("[green]everything checks out[/]")
