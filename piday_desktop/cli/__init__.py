"""The `piday` command: the station window with no arguments, headless tools as subcommands.

Heavy imports (torch, open_clip, Qt) happen inside the commands that need them, so
`piday --help` and `piday report` answer instantly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

from rich.markup import escape

from .. import __version__
from . import atlas_args
from ..core.opening import EventDatabaseUnusable
from .common import (
    EXIT_BUG, EXIT_DAMAGED, EXIT_CODES_HELP, EXIT_INTERRUPTED, EXIT_STORAGE, Formatter, UserError,
    add_common_options, add_event_option, err,
)

DESCRIPTION = """\
piday: a capture station for exhibitions, and the headless tools behind it.

With no command, opens the station window. The commands work without a window:

  piday import PHOTOS/ --event pi-day-2026        import a folder (one subfolder per participant) and embed it
  piday import ARCHIVE/ --event a --in-place --metadata meta.jsonl   record files where they are, with their fields
  piday embed --event pi-day-2026                 embed whatever has no vector for the model yet
  piday embed --event archive --engine ray        ... on a Ray cluster (--address, --workers, --out DIR)
  piday export --event pi-day-2026 --out pi.parquet
  piday search "a person wearing glasses" --event pi-day-2026 -k 8
  piday map --event pi-day-2026 --out map.html    the event's map as one HTML file (works offline)
  piday watch HOTFOLDER/ --event pi-day-2026      import + embed photos as a tethered camera drops them
  piday backup --event pi-day-2026 --to /media/stick   copy the event (verified); `piday restore DIR` brings it back
  piday merge STICK/ --event pi-day-2026          fold another station's event (or backup) into this one
  piday report --event pi-day-2026                counts, failures, timings, model and device
  piday report --event pi-day-2026 --html r.html  the final report as one offline page (--pdf r.pdf to print)
  piday check --event pi-day-2026 [--repair]      every photo file against its SHA-256, vectors, temp files
  piday roots set archive /mnt/new/archive -e a   the in-place tree moved: point its root there
  piday models                                    CLIP models known, cached and default
  piday doctor [--event pi-day-2026]              is this laptop (and the event) ready for the day?
  piday atlas login                               store the Nomic Atlas key (asked for without echo)
  piday atlas selftest                            what the Atlas service does, the day before (throwaway datasets)
  piday upload --event pi-day-2026                consented photos to the Atlas map; link and QR code
  piday forget P-017 --event pi-day-2026          erase a visitor here and from the Atlas map
  piday forget --where "theme = sea" --dry-run -e archive   list (then remove) the photos a condition picks
  piday consent P-017 map --event pi-day-2026     change what a visitor agreed to share

`piday COMMAND --help` explains each command with an example.
"""


def _subparser(subs, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    parser = subs.add_parser(
        name, help=help_text, description=f"{help_text}\n\nexample:\n  {example}",
        epilog=EXIT_CODES_HELP, formatter_class=Formatter,
    )
    add_common_options(parser, suppress=True)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="piday", description=DESCRIPTION, epilog=EXIT_CODES_HELP, formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"piday {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logging")
    add_common_options(parser, suppress=False)
    parser.add_argument("--event", "-e", metavar="NAME", default=None,
                        help="event the station opens (default: the one in the config file)")
    parser.add_argument("--camera", metavar="0|PATH|pattern", default=None,
                        help="station camera: a device index, a video file, an image folder, 'pattern', "
                        "or watch:DIR (a tethered camera's hot folder)")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _subparser(subs, "import", "Import a folder of photos into an event, then embed them.",
                   "piday import ~/Pictures/pi-day --event pi-day-2026")
    p.add_argument("folder", metavar="FOLDER",
                   help="each subfolder is one participant (its name kept as a label); loose files form one participant")
    add_event_option(p)
    p.add_argument("--consent", choices=("none", "map", "map+photo"), default="none",
                   help="what the imported participants agreed to share: none keeps everything on this laptop")
    p.add_argument("--no-embed", action="store_true", help="only copy photos in; embed later with `piday embed`")
    p.add_argument("--metadata", metavar="FILE", default=None,
                   help="per-photo fields (tags, description, theme, prompt, ...) from a JSON array, JSON Lines "
                        "or CSV file; each row names its file in a path, file, file_name or filename column "
                        "(relative to FOLDER, or a file name unique under it). The whole file is checked first: "
                        "any problem is listed by line and nothing is imported")
    p.add_argument("--in-place", action="store_true",
                   help="record the files where they are instead of copying them (an archive on shared storage): "
                        "FOLDER becomes a root of the event (or lies inside one), paths are kept relative to it, "
                        "so the tree can move (`piday roots set NAME NEWPATH`); `piday check` finds missing or "
                        "changed files and embedding never reads a changed one")
    p.add_argument("--root", metavar="NAME", default=None,
                   help="with --in-place: the new root's name (default: FOLDER's name)")
    p.add_argument("--skip-unmatched", action="store_true",
                   help="with --metadata: leave out (and list) rows that name no file under FOLDER instead of "
                        "refusing the import")

    p = _subparser(subs, "embed", "Embed every photo that has no vector for the chosen model.",
                   "piday embed --event pi-day-2026 --model ViT-B-32:laion2b_s34b_b79k\n"
                   "  piday embed --event archive --engine ray --address ray://head:10001 --gpus-per-worker 1")
    add_event_option(p)
    from . import ray_cmd

    ray_cmd.add_embed_options(p)
    ray_cmd.add_parser(subs, _subparser)

    p = _subparser(subs, "export", "Write the event's photos and vectors to a file (no local paths, no names).",
                   "piday export --event pi-day-2026 --format parquet --out pi.parquet")
    add_event_option(p)
    p.add_argument("--out", "-o", required=True, metavar="FILE", help="output file; npy also writes FILE.ids.csv")
    p.add_argument("--format", "-f", choices=("parquet", "npy", "jsonl", "csv"), default=None,
                   help="default: from the file extension. csv has no vectors")
    p.add_argument("--include-names", action="store_true", help="also export nicknames and import folder labels")

    p = _subparser(subs, "search", "Find photos by words (CLIP text search) or by likeness to a photo.",
                   'piday search "a person wearing glasses" --event pi-day-2026 -k 8 --where participant=P-003')
    p.add_argument("text", nargs="*", metavar="WORDS", help="what to look for")
    add_event_option(p)
    p.add_argument("-k", type=int, default=8, help="how many results")
    p.add_argument("--where", action="append", metavar="'FIELD OP VALUE'",
                   help="filter, repeatable or joined with AND ('theme = sea AND tags ~ boat'): FIELD is "
                        "participant, name, shot, id, format, taken or one of the event's own fields "
                        "(import --metadata; meta.KEY where KEY is also one of the former); OP is = (globs "
                        "allowed), !=, in (a, b), <, >, or ~ (contains, any case)")
    p.add_argument("--like", metavar="PHOTO_ID", help="photos most like this one (an id or unique prefix)")
    p.add_argument("--json", action="store_true", help="print results as JSON")

    p = _subparser(subs, "report", "Counts, failures, timings, model and device of an event's runs.",
                   "piday report --event pi-day-2026")
    add_event_option(p)
    p.add_argument("--runs", type=int, default=10, help="how many recent runs to list")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--html", metavar="FILE", default=None,
                   help="write the final event report as one offline HTML page (visitors, consent, photos per "
                   "quarter hour, failures, storage, backup, Atlas sync)")
    p.add_argument("--pdf", metavar="FILE", default=None,
                   help="the same final report as a printable A4 PDF (with or without --html)")
    p.add_argument("--include-names", action="store_true",
                   help="with --html/--pdf: also show nicknames and folder names")
    p.add_argument("--backup", metavar="DIR", default=None,
                   help="with --html/--pdf: the backup folder to check (default: the station's backup folder setting)")

    _subparser(subs, "events", "List the events in the data folder.", "piday events")

    p = _subparser(subs, "models", "CLIP models: known architectures and tags, which are cached, the default.",
                   "piday models --all")
    p.add_argument("--all", action="store_true", help="list every open_clip pretrained tag")
    msubs = p.add_subparsers(dest="models_command", metavar="ACTION")
    f = msubs.add_parser("fetch", help="download weights into the cache (on a connected machine)",
                         description="Download and verify a model's weights into open_clip's cache.\n\n"
                         "example:\n  piday models fetch ViT-B-32:laion2b_s34b_b79k", formatter_class=Formatter)
    f.add_argument("spec", metavar="ARCH:TAG")
    from . import doctor, model_transfer

    model_transfer.add_parsers(msubs)
    doctor.add_parser(subs, _subparser)
    from . import mapcmd

    mapcmd.add_parser(subs, _subparser)
    from . import check

    check.add_parser(subs, _subparser)
    from . import roots as roots_cli

    roots_cli.add_parser(subs, _subparser)
    from . import watch as watch_cli

    watch_cli.add_parser(subs, _subparser)
    from . import backup as backup_cli

    backup_cli.add_parsers(subs, _subparser)
    from . import merge_cmd

    merge_cmd.add_parser(subs, _subparser)
    parser.add_argument("--demo", action="store_true", help="rehearse anywhere: test-pattern camera, "
                        "random-weights model, event 'demo'; the saved settings are not touched")
    atlas_args.add_parsers(subs, _subparser)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in atlas_args.COMMANDS:
        from . import atlas as atlas_cli

        return atlas_cli.run(args)
    if args.command == "report" and (args.html or args.pdf):
        from .report_cmd import run_html_report

        return run_html_report(args)
    if args.command == "models":
        if args.models_command in ("export", "import"):
            from . import model_transfer

            return (model_transfer.run_export if args.models_command == "export" else model_transfer.run_import)(args)
        from . import models

        return models.run_fetch(args) if args.models_command == "fetch" else models.run_models(args)
    if args.command == "embed":
        from . import ray_cmd

        ray_cmd.check_engine_options(args)
        if args.engine == "ray":
            return ray_cmd.run_embed_ray(args)
    if args.command == "import-vectors":
        from .ray_cmd import run_import_vectors

        return run_import_vectors(args)
    if args.command == "check":
        from .check import run_check

        return run_check(args)
    if args.command == "roots":
        from .roots import run_roots

        return run_roots(args)
    if args.command == "map":
        from .mapcmd import run_map

        return run_map(args)
    if args.command in ("backup", "restore"):
        from . import backup as backup_cli

        return backup_cli.run_backup(args) if args.command == "backup" else backup_cli.run_restore(args)
    if args.command == "merge":
        from .merge_cmd import run_merge

        return run_merge(args)
    if args.command == "watch":
        from .watch import run_watch

        return run_watch(args)
    if args.command == "doctor":
        from .doctor import run_doctor

        return run_doctor(args)
    if args.command is None:
        from ..ui.app import run_station

        return run_station(args)
    if args.command in ("import", "embed"):
        from . import pipeline

        return (pipeline.run_import if args.command == "import" else pipeline.run_embed)(args)
    from . import query

    return {"export": query.run_export, "search": query.run_search, "report": query.run_report,
            "events": query.run_events}[args.command](args)


def _model_still_loading() -> bool:
    """An engine closed while its model was loading leaves the (daemon) loader running."""
    return any(t.name == "piday-inference" and t.is_alive() for t in threading.enumerate())


def _only_torch_teardown_left() -> bool:
    """A finished command that ran the model, with nothing left that needs the interpreter's exit.

    Tearing down an interpreter that imported torch and open_clip takes ~1 s on a 2-core laptop
    (python -c "import torch, open_clip": 4.2-4.7 s, 3.5-3.8 s ending with os._exit), an eighth
    of `piday import` of 48 photos. By the time a command returns, its store is closed, its
    engine stopped and its run logged; what a normal exit would still do is wait for other
    non-daemon threads and child processes, and ray's exit hook stops a local cluster, so any of
    those keeps the normal exit.
    """
    if "torch" not in sys.modules or "ray" in sys.modules:
        return False
    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        return False
    import multiprocessing

    return not multiprocessing.active_children()


def _leave_now(code: int) -> None:
    """Exit without the interpreter's teardown, after flushing what the user has not seen yet."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`piday search --json | head -1`)
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; ``argv`` None means this is the program itself (the `piday` script)."""
    code, command = _main(argv)
    if argv is None and (_model_still_loading() or (command is not None and _only_torch_teardown_left())):
        # A loader still importing torch would also abort the interpreter's shutdown
        # ("terminate called without an active exception", exit 134), hiding the real exit code
        # (6 for a full disk, 130 for Ctrl-C). Everything is saved and closed by now.
        _leave_now(code)
    return code


def _main(argv: list[str] | None) -> tuple[int, str | None]:
    """The command's exit code, and the command (None: the station)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return _run(args), args.command


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is not None:  # the station sets up its own logging
        from ..core.logs import setup_logging

        setup_logging(debug=args.debug)
    try:
        return _dispatch(args)
    except UserError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return exc.code
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        return EXIT_INTERRUPTED
    except EventDatabaseUnusable as exc:  # the station opening a damaged event
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_DAMAGED
    except OSError as exc:
        if args.debug:
            raise
        from ..core.durable import NO_SPACE_ERRNOS

        if exc.errno in NO_SPACE_ERRNOS:
            err.print(f"[red]error:[/] disk full ({exc.strerror}); nothing already saved was lost")
            return EXIT_STORAGE
        err.print(f"[red]error:[/] {escape(str(exc))}")
        return EXIT_BUG
    except Exception as exc:  # a bug: say so in one line unless debugging
        if args.debug:
            raise
        err.print(f"[red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} (rerun with --debug for details)")
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
