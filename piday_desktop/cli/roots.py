"""`piday roots [set NAME PATH]`: the folder trees an event records photos in place under."""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from . import context
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, Formatter, UserError, add_common_options, add_event_option, err, out

if TYPE_CHECKING:  # the store is imported when the command runs, not to build the parser
    from ..core.store import EventStore, Root

SAMPLE = 200  # files looked for when a root is re-pointed (a million on NFS would take minutes)


def add_parser(subs, make_subparser) -> argparse.ArgumentParser:
    """Register ``roots`` on the main parser (``make_subparser`` is cli's ``_subparser``)."""
    p = make_subparser(subs, "roots", "The folder trees whose photos an event records in place (import --in-place): "
                       "list them, or point one at where the tree is now.",
                       "piday roots set archive /mnt/nfs/archive --event archive")
    add_event_option(p, required=False)
    actions = p.add_subparsers(dest="roots_command", metavar="ACTION")
    s = actions.add_parser("set", help="point a root at the tree's new place (moved, or mounted elsewhere)",
                           description="Point a root at where its tree is now; photo paths below it stay as they "
                           "were recorded.\n\nexample:\n  piday roots set archive /mnt/nfs/archive --event archive",
                           formatter_class=Formatter)
    add_common_options(s, suppress=True)
    s.add_argument("--event", "-e", metavar="NAME", default=argparse.SUPPRESS, help="event name (env PIDAY_EVENT)")
    s.add_argument("name", metavar="NAME", help="the root's name (see `piday roots`)")
    s.add_argument("path", metavar="PATH", help="where the tree is now")
    s.add_argument("--force", action="store_true", help="set it even if none of the root's files is found there")
    return p


def _found(store: EventStore, root: Root, path: Path) -> tuple[int, int]:
    """(found, looked for): a sample of the root's files looked up under ``path``."""
    rels = [r[0] for r in store.query("SELECT rel_path FROM photos WHERE root_id=?", (root.id,))]
    sample = rels if len(rels) <= SAMPLE else random.Random(0).sample(rels, SAMPLE)
    return sum(path.joinpath(*rel.split("/")).is_file() for rel in sample), len(sample)


def run_roots(args: argparse.Namespace) -> int:
    if not getattr(args, "event", None):
        raise UserError("name the event: --event NAME (or PIDAY_EVENT)", EXIT_USAGE)
    with context.open_event(args) as store:
        if args.roots_command == "set":
            return _set(args, store)
        roots, counts = store.roots(), store.root_counts()
        if not roots:
            err.print(f"{escape(args.event)} records no photos in place (`piday import DIR --in-place` does)")
            return EXIT_OK
        table = Table(title=f"roots of {args.event}")
        for col in ("name", "photos", "path", "there"):
            table.add_column(col)
        for root in roots:
            table.add_row(escape(root.name), str(counts.get(root.id, 0)), escape(str(root.path)),
                          "yes" if root.path.is_dir() else "[red]no[/]: `piday roots set` if it moved")
        out.print(table)
    return EXIT_OK


def _set(args: argparse.Namespace, store: EventStore) -> int:
    from ..core.store import RootError

    path = Path(args.path).expanduser()
    if not path.is_dir():
        raise UserError(f"no such folder: {path}", EXIT_NOT_FOUND)
    root = next((r for r in store.roots() if r.name == args.name), None)
    if root is None:
        known = ", ".join(r.name for r in store.roots()) or "none"
        raise UserError(f"no root named {args.name!r} in event {args.event!r} (roots: {known})", EXIT_NOT_FOUND)
    found, looked = _found(store, root, path.resolve())
    if looked and not found and not args.force:
        raise UserError(f"none of {looked} of root {root.name!r}'s files is under {path}: is it the right folder? "
                        "(--force sets it anyway)", EXIT_USAGE)
    try:
        new = store.set_root(args.name, path)
    except RootError as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    err.print(f"root {escape(new.name)}: {escape(str(root.path))} -> {escape(str(new.path))}"
              + (f" ({found} of {looked} files looked for are there; `piday check` reads them all)" if looked else ""))
    return EXIT_OK
