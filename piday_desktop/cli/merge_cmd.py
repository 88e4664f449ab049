"""`piday merge OTHER --event E`: fold another station's event into this one (jobs/merge.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, UserError, add_event_option, err


def add_parser(subs, make) -> None:
    p = make(subs, "merge", "Fold another station's event (its event folder, data folder or backup) into this "
             "event: no photo twice, participants kept apart, vectors reused, nothing sent to Atlas twice.",
             "piday merge /media/stick-from-station-B --event pi-day-2026")
    p.add_argument("other", metavar="OTHER", help="the other station's event folder, data folder or backup folder "
                   "(only read, never changed; the other station may still be running)")
    add_event_option(p)
    p.add_argument("--from-event", metavar="NAME", default=None,
                   help="which event of OTHER to take, when it holds several (default: the one named like --event)")


def run_merge(args: argparse.Namespace) -> int:
    from ..jobs.merge import MergeError, find_other_event, merge_event

    try:
        other_dir, other_name = find_other_event(Path(args.other), args.from_event or args.event)
    except MergeError as exc:
        raise UserError(str(exc), EXIT_NOT_FOUND) from None
    with context.open_event(args, create=True) as store:  # a fresh laptop may merge A and B into a new event
        run_id = store.start_run("merge")
        try:
            result = merge_event(store, other_dir, other_name=other_name)
        except MergeError as exc:
            store.finish_run(run_id, status="failed", message=str(exc))
            raise UserError(str(exc), EXIT_NOT_FOUND) from None
        summary = (f"{result.participants_added} participant(s) and {result.photos_added} photo(s) added, "
                   f"{result.photos_known} photo(s) already here")
        store.finish_run(run_id, status="partial" if result.problems else "ok", failures=result.problems,
                         files_seen=result.photos_added + result.photos_known, skipped=len(result.problems),
                         message=summary)
    err.print(f"[green]{escape(args.event)}:[/] merged {escape(str(other_dir))}: {escape(summary)}")
    for model_id, n in result.vectors.items():
        err.print(f"  {n} vector(s) of {escape(model_id)} reused (no re-embedding); the map is laid out again")
    for theirs, mine in result.recoded:
        err.print(f"  [yellow]code taken here:[/] their {theirs} is {mine} in this event")
    atlas = result.atlas
    if atlas is not None and (atlas.uploaded or atlas.checking):
        err.print(f"  Atlas: {atlas.uploaded} photo(s) already on the shared map (not sent again), "
                  f"{atlas.checking} to be checked before any resend")
    if atlas is not None and atlas.other_dataset:
        err.print(f"  [yellow]Atlas:[/] the other station uploaded to another dataset ({escape(atlas.other_dataset)}); "
                  "its photos go up to this event's dataset, and that dataset keeps its own copy")
    for item, reason in result.problems:
        err.print(f"  [yellow]left out[/] {escape(item)}: {escape(reason)}")
    return EXIT_SKIPPED if result.problems else EXIT_OK
