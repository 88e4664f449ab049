"""`piday report --event E --html report.html`: the event's final report as one offline HTML page.

Reads the catalogue only (no model, no torch), so it runs in a second on the station laptop
while the event is still going, or on a restored backup the day after.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from ..core.config import load_config
from ..jobs.report_html import write_report
from . import context
from .common import EXIT_OK, err


def run_html_report(args: argparse.Namespace) -> int:
    backup_dir = args.backup if args.backup is not None else load_config()[0].backup_dir
    out = Path(args.html).expanduser()
    with context.open_event(args) as store:
        data = write_report(store, out, include_names=args.include_names, backup_dir=backup_dir or None)
    err.print(f"[green]wrote[/] {escape(str(out))}: {data.participants} visitor(s), {data.photos} photo(s), "
              f"backup: {escape(data.backup.get('state', ''))}, on Atlas {data.atlas['on_atlas']} of "
              f"{data.atlas['shared_consent']} shared"
              + ("" if args.include_names else " (codes only; --include-names adds nicknames)"))
    return EXIT_OK
