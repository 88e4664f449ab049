"""`piday backup --event E --to DIR` and `piday restore DIR`: an event on another disk and back."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.markup import escape

from ..core import paths
from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, UserError, add_event_option, err


def add_parsers(subs, make) -> None:
    p = make(subs, "backup", "Copy an event (catalogue + photos, SHA-256 verified) to another disk; "
             "run again to copy only what is new.", "piday backup --event pi-day-2026 --to /media/usb-stick")
    add_event_option(p)
    p.add_argument("--to", required=True, metavar="DIR",
                   help="the backup folder (must exist: a USB stick, a network share); the event goes to DIR/events/NAME")
    p.add_argument("--verify", action="store_true",
                   help="also re-read every photo already on the target and check its SHA-256")
    p = make(subs, "restore", "Bring an event back from a backup folder into this laptop's data folder "
             "(every photo checked against its SHA-256).", "piday restore /media/usb-stick --event pi-day-2026")
    p.add_argument("source", metavar="DIR", help="the backup folder given to `piday backup --to`")
    p.add_argument("--event", "-e", metavar="NAME", default=None,
                   help="which event to restore (needed when the folder holds several)")
    p.add_argument("--as", dest="as_name", metavar="NAME", default=None,
                   help="restore under another name (when an event of that name exists here)")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def run_backup(args: argparse.Namespace) -> int:
    from ..jobs.backup import BackupError, TargetMissing, backup_event  # when it runs, not to build the parser

    target = Path(args.to).expanduser()
    with context.open_event(args) as store:
        run_id = store.start_run("backup")
        started = time.perf_counter()
        try:
            result = backup_event(store.directory, target, verify=args.verify)
        except TargetMissing as exc:
            store.finish_run(run_id, status="failed", message=str(exc), seconds=time.perf_counter() - started)
            raise UserError(str(exc), EXIT_NOT_FOUND) from None
        except BackupError as exc:
            store.finish_run(run_id, status="failed", message=str(exc), seconds=time.perf_counter() - started)
            raise UserError(str(exc), EXIT_USAGE) from None
        summary = (f"to {target}: {result.photos} photo(s) there, {result.copied} copied ({_mb(result.bytes_copied)}), "
                   f"{result.removed} removed")
        store.finish_run(run_id, status="partial" if result.problems else "ok", failures=result.problems,
                         files_seen=result.photos, skipped=len(result.problems), seconds=result.seconds,
                         message=summary)
    err.print(f"[green]{escape(args.event)}:[/] backed up {escape(summary)}; catalogue copied, "
              f"{result.verified} file(s) SHA-256 verified in {result.seconds:.1f} s")
    for item, reason in result.problems:
        err.print(f"  [yellow]not copied[/] {escape(item)}: {escape(reason)}")
    err.print(f"[dim]restore on another laptop: piday restore {escape(str(target))} --event {escape(args.event)}[/]")
    return EXIT_SKIPPED if result.problems else EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    from ..jobs.backup import NothingToRestore, RestoreError, restore_event

    root = context.data_root(args)
    try:
        result = restore_event(Path(args.source), root, event=args.event, as_name=args.as_name)
    except paths.InvalidEventName as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    except NothingToRestore as exc:
        raise UserError(str(exc), EXIT_NOT_FOUND) from None
    except RestoreError as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    with context.open_event(argparse.Namespace(data_dir=getattr(args, "data_dir", None), event=result.event)) as store:
        counts = store.counts()  # opening migrates an older backup and proves it is a usable event
    err.print(f"[green]restored[/] {escape(result.event)} into {escape(str(result.directory))}: "
              f"{counts['participants']} participant(s), {counts['photos']} photo(s), every file SHA-256 checked")
    for item, reason in result.problems:
        err.print(f"  [yellow]left out[/] {escape(item)}: {escape(reason)}")
    return EXIT_SKIPPED if result.problems else EXIT_OK
