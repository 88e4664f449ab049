"""`piday doctor`: print the readiness checks as they finish, or all of them as JSON.

Lines appear one by one (torch, the speed test and the map warm-up take seconds each), so a
volunteer sees progress rather than a frozen terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.markup import escape

from .common import EXIT_OK, err, out

# Not one of the shared exit codes: "the program worked, the laptop is not ready".
EXIT_NOT_READY = 7
EXIT_HELP = """\
exit codes:
  0    ready: every line is OK or WARN
  7    not ready: at least one line is FAIL (its fix is printed beside it)
  1    unexpected internal error (a bug: please report it with the log)
  2    bad command line
"""
_STYLE = {"OK": "green", "WARN": "yellow", "FAIL": "bold red"}


def add_parser(subs, make_subparser) -> argparse.ArgumentParser:
    """Register ``doctor`` on the main parser (``make_subparser`` is cli's ``_subparser``)."""
    p = make_subparser(subs, "doctor", "Is this laptop ready for the event? Checks with the fix for each problem.",
                       "piday doctor            (or: piday doctor --json > doctor.json)")
    p.epilog = EXIT_HELP
    p.add_argument("--json", action="store_true", help="print the checks as JSON on stdout")
    p.add_argument("--quick", action="store_true", help="skip the speed test and the map warm-up")
    p.add_argument("--camera", dest="doctor_camera", metavar="0|PATH|pattern", default=None,
                   help="camera to check (default: the station's configured camera)")
    p.add_argument("--speed-seconds", type=float, default=3.0, help="how long the embedding speed test runs")
    p.add_argument("--offline", action="store_true", help="never touch the network (Atlas key not checked)")
    p.add_argument("--event", "-e", metavar="NAME", default=None,
                   help="also check this event: it opens, room for --expect-photos, the backup folder, the station id")
    p.add_argument("--expect-photos", type=int, default=1000, metavar="N",
                   help="with --event: how many more photos the day will bring (default 1000)")
    return p


def options_from(args: argparse.Namespace):
    """DoctorOptions from the command line, falling back to the station's saved settings."""
    from ..core import paths
    from ..core.config import load_config
    from ..doctor import DoctorOptions

    config, _existed = load_config()
    camera = getattr(args, "doctor_camera", None) or getattr(args, "camera", None) or config.camera
    return DoctorOptions(
        data_dir=paths.data_dir(getattr(args, "data_dir", None)),
        model=getattr(args, "model", None) or os.environ.get("PIDAY_MODEL") or config.model,
        device=getattr(args, "device", None) or config.device,
        camera=camera,
        speed_seconds=getattr(args, "speed_seconds", 3.0),
        quick=getattr(args, "quick", False),
        network=not getattr(args, "offline", False),
        event=getattr(args, "event", None),
        expected_photos=max(0, getattr(args, "expect_photos", 1000)),
        backup_dir=config.backup_dir,
        station_id=config.station_id,
    )


def run_doctor(args: argparse.Namespace) -> int:
    from ..core.logs import setup_logging
    from ..doctor import run_checks

    setup_logging()
    options = options_from(args)

    def show(check) -> None:
        if args.json:
            return
        style = _STYLE.get(check.status, "")
        out.print(f"[{style}]{check.status:<4}[/] [bold]{escape(check.name):<12}[/] {escape(check.summary)}")
        if check.fix:
            out.print(f"     {'':<12} [dim]fix:[/] {escape(check.fix)}")

    if not args.json:
        err.print("[dim]checking this laptop (about 10-30 s)…[/]")
    report = run_checks(options, on_result=show)
    _log_summary(report)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        failures = sum(c.status == "FAIL" for c in report.checks)
        warnings = sum(c.status == "WARN" for c in report.checks)
        if failures:
            out.print(f"[bold red]not ready:[/] {failures} problem(s) to fix, {warnings} warning(s)")
        else:
            out.print(f"[bold green]ready[/] for the event ({warnings} warning(s))")
        out.print(f"log: {escape(str(Path(report.log_file or '')))}")
    return EXIT_OK if report.ready else EXIT_NOT_READY


def _log_summary(report) -> None:
    import logging

    log = logging.getLogger("piday_desktop.doctor")
    for check in report.checks:
        # INFO even for FAIL: the status is in the line, and the console already showed it.
        log.info("doctor %s %s: %s", check.status, check.name, check.summary)
