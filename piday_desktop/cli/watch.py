"""`piday watch DIR --event E`: import and embed photos as they land in a hot folder."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from rich.markup import escape

from ..core.durable import StorageError
from . import context
from .common import (
    EXIT_INTERRUPTED, EXIT_MODEL, EXIT_NOT_FOUND, EXIT_STORAGE, UserError, add_event_option, err, peak_rss_mb,
)

if TYPE_CHECKING:
    from ..jobs.watch import WatchCounts

EXAMPLE = "piday watch ~/Pictures/tethered --event pi-day-2026"


def add_parser(subs, make) -> None:
    p = make(subs, "watch", "Import and embed photos as they arrive in a folder (a tethered camera's "
             "hot folder), until Ctrl-C.", EXAMPLE)
    p.add_argument("folder", metavar="FOLDER",
                   help="the folder the tethering software writes to; each subfolder is one participant")
    add_event_option(p)
    p.add_argument("--consent", choices=("none", "map", "map+photo"), default="none",
                   help="what the participants agreed to share: none keeps everything on this laptop")
    p.add_argument("--no-embed", action="store_true", help="only store photos; embed later with `piday embed`")
    p.add_argument("--poll", action="store_true",
                   help="poll the folder instead of relying on file-system events (network drives are "
                   "detected and polled anyway)")
    p.add_argument("--settle", type=float, default=1.0, metavar="SECONDS",
                   help="a file counts once its size has not changed for this long (or it was renamed into place)")


def _line(counts: WatchCounts) -> str:
    parts = [f"{counts.imported} imported"]
    if counts.embedded or counts.imported:
        parts.append(f"{counts.embedded} embedded")
    if counts.already:
        parts.append(f"{counts.already} already here")
    if counts.duplicates:
        parts.append(f"{counts.duplicates} duplicate(s)")
    if counts.skipped:
        parts.append(f"{len(counts.skipped)} skipped")
    return f"{len(counts.participants)} participant(s), " + ", ".join(parts)


def run_watch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.store import Consent
    from ..jobs.watch import FolderWatchJob  # the camera sources and watchdog: only this command

    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"no such folder: {folder}" if not folder.exists() else f"not a folder: {folder}",
                        EXIT_NOT_FOUND)
    consent = Consent.parse(args.consent)
    store = context.open_event(args, create=True)
    engine = None if args.no_embed else context.make_engine(args)
    reported = 0

    def on_started(hot) -> None:
        how = "polling" if hot.observer_kind == "polling" else "file-system events"
        err.print(f"watching {escape(str(folder))} for event {escape(args.event)} ({how}; "
                  "each subfolder is a participant). Ctrl-C stops.")

    def on_batch(counts: WatchCounts) -> None:
        nonlocal reported
        for name in counts.last:
            err.print(f"  + {escape(name)}")
        for item, reason in counts.skipped[reported:]:
            err.print(f"  [yellow]skipped[/] {escape(item)}: {escape(reason)}")
        reported = len(counts.skipped)
        err.print(f"[green]{escape(args.event)}:[/] {_line(counts)}")

    job = FolderWatchJob(store, folder, engine=engine, consent=consent, settle_s=args.settle,
                         polling=True if args.poll else None, on_batch=on_batch, on_started=on_started)
    run_id = store.start_run("watch")
    started = time.perf_counter()
    status, message, code = "ok", None, EXIT_INTERRUPTED
    try:
        job.run()
    except KeyboardInterrupt:
        message = "stopped with Ctrl-C: everything stored so far is kept"
    except StorageError as exc:
        status, message, code = "failed", f"{exc.strerror}; every photo stored before this is intact", EXIT_STORAGE
    except Exception as exc:
        if engine is not None and not _model_ok(engine):
            status, message = "failed", str(context.model_error(exc))
            code = EXIT_MODEL
        else:
            raise
    finally:
        if engine is not None:
            engine.close()
    counts = job.counts
    if status == "ok" and counts.skipped:
        status = "partial"
    fields = {}
    if engine is not None and counts.embedded:
        fields = {"model_id": engine.model_id, "device": engine.device}
    try:
        store.finish_run(run_id, status=status, failures=counts.skipped, imported=counts.imported,
                         duplicates=counts.duplicates, embedded=counts.embedded, skipped=len(counts.skipped),
                         files_seen=counts.imported + counts.already + counts.duplicates + len(counts.skipped),
                         seconds=time.perf_counter() - started, embed_seconds=counts.embed_seconds,
                         images_per_s=counts.images_per_s, peak_rss_mb=peak_rss_mb(), message=message, **fields)
    except StorageError as exc:
        err.print(f"[yellow]could not record this run in the report: {escape(exc.strerror or str(exc))}[/]")
    store.close()
    err.print(f"[bold]{escape(args.event)}:[/] {_line(counts)}")
    if message:
        err.print(f"[yellow]{escape(message)}[/]" if code == EXIT_INTERRUPTED else f"[red]error:[/] {escape(message)}")
    return code


def _model_ok(engine) -> bool:
    try:
        engine.model_id
    except Exception:
        return False
    return True
