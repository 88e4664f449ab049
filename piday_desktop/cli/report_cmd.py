"""`piday report --event E --html report.html [--pdf report.pdf]`: the event's final report.

Reads the catalogue only (no model, no torch), so it runs in a second on the station laptop
while the event is still going, or on a restored backup the day after.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from ..core.config import load_config
from ..jobs.report_html import gather, write_report
from . import context
from .common import EXIT_OK, EXIT_USAGE, UserError, err


def run_html_report(args: argparse.Namespace) -> int:
    backup_dir = args.backup if args.backup is not None else load_config()[0].backup_dir
    written = []
    with context.open_event(args) as store:
        if args.html:
            out = Path(args.html).expanduser()
            data = write_report(store, out, include_names=args.include_names, backup_dir=backup_dir or None)
            written.append(out)
        else:
            data = gather(store, include_names=args.include_names, backup_dir=backup_dir or None)
    if args.pdf:
        from ..ui.report_pdf import write_pdf  # Qt only for the PDF: --html stays light

        try:
            written.append(write_pdf(data, Path(args.pdf).expanduser()))
        except OSError as exc:
            raise UserError(f"cannot write {args.pdf}: {exc.strerror or exc}", EXIT_USAGE) from None
    err.print(f"[green]wrote[/] {escape(' and '.join(map(str, written)))}: {data.participants} visitor(s), "
              f"{data.photos} photo(s), "
              f"backup: {escape(data.backup.get('state', ''))}, on Atlas {data.atlas['on_atlas']} of "
              f"{data.atlas['shared_consent']} shared"
              + ("" if args.include_names else " (codes only; --include-names adds nicknames)"))
    return EXIT_OK
