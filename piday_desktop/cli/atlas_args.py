"""The Atlas commands' arguments (`upload`, `forget`, `consent`, `atlas ...`), apart from the commands.

Every `piday` run builds the whole parser, `piday export` and `--help` too; the commands
themselves (cli/atlas.py) import the Atlas client, the QR writer and the upload engine, which
only they need, so they are imported when one of them runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..atlas.modes import MODES
from .common import Formatter, add_common_options, add_event_option

COMMANDS = ("upload", "forget", "consent", "atlas")
EXIT_NOT_UPLOADED = 7
EXIT_HELP = """\
  7    some photos are not on Atlas yet (network, service or key trouble): they stay queued;
       run the command again, or leave the station running: nothing is lost or sent twice
"""


def _patience(p: argparse.ArgumentParser) -> None:
    p.add_argument("--deadline", type=float, default=60.0, metavar="S",
                   help="the most seconds any one request to Atlas may take (the nomic client has no timeout)")
    p.add_argument("--max-wait", type=float, default=300.0, metavar="S",
                   help="stop retrying after this many seconds; what is left stays queued")


def add_parsers(subs, subparser: Callable[..., argparse.ArgumentParser]) -> None:
    """Register the Atlas commands on the main parser (``subparser`` is cli's helper)."""
    p = subparser(subs, "upload", "Upload the consented photos to the event's Nomic Atlas map; print its link and QR code.",
                  "piday upload --event pi-day-2026")
    p.epilog = (p.epilog or "") + EXIT_HELP
    add_event_option(p)
    p.add_argument("--dataset", metavar="[ORG/]NAME", help="Atlas dataset (default: the event's name; kept once created)")
    p.add_argument("--rebuild", action="store_true",
                   help="delete and upload the dataset again (applies consents widened after an upload)")
    p.add_argument("--mode", metavar="MODE", choices=MODES,
                   help="the event's Atlas mode, kept in its database: 'vectors' (our vectors: the station's "
                   "layout, points for everyone with map consent) or 'nomic-embeds' (Nomic embeds the photos: "
                   "images and text search on the map, only visitors who agreed to show their photo); switching "
                   "an event already on Atlas rebuilds its dataset")
    p.add_argument("--vector-thumbnails", action=argparse.BooleanOptionalAction, default=None,
                   help="in vectors mode, also send thumbnails of visitors who agreed (off by default: Nomic does "
                   "not support images beside custom vectors; switch on once `piday atlas selftest` and a look at "
                   "its map showed them); kept for the event")
    p.add_argument("--share-nicknames", action="store_true",
                   help="show nicknames of visitors who agreed (`piday consent --share-nickname`); "
                   "fixed when the dataset is created")
    _patience(p)

    p = subparser(subs, "forget", "Erase a visitor (or the photos a condition picks): photos, vectors and rows here, "
                  "and their points on the Atlas map.",
                  "piday forget P-017 --event pi-day-2026\n  piday forget --where \"theme = sea AND tags ~ boat\" "
                  "--dry-run --event archive")
    p.epilog = (p.epilog or "") + EXIT_HELP
    p.add_argument("code", metavar="CODE", nargs="?", default=None, help="participant code, e.g. P-017")
    add_event_option(p)
    p.add_argument("--where", action="append", metavar="'FIELD OP VALUE'",
                   help="instead of CODE: remove every photo passing the condition (as in `piday search`: "
                        "participant, name, shot, id, format, taken or the event's own fields; =, !=, in (a, b), "
                        "<, >, ~; repeatable or joined with AND). Lists them and asks first")
    p.add_argument("--dry-run", action="store_true", help="with --where: list what would be removed, remove nothing")
    p.add_argument("--yes", "-y", action="store_true", help="erase without asking for confirmation")
    p.add_argument("--local-only", action="store_true",
                   help="erase here now and leave the Atlas rebuild to the next upload or the station")
    _patience(p)

    p = subparser(subs, "consent", "Change what a visitor agreed to share: none (this laptop only), map or map+photo.",
                  "piday consent P-017 map --event pi-day-2026")
    p.add_argument("code", metavar="CODE", help="participant code, e.g. P-017")
    p.add_argument("level", choices=("none", "map", "map+photo"), help="the visitor's new choice")
    add_event_option(p)
    p.add_argument("--share-nickname", action=argparse.BooleanOptionalAction, default=None,
                   help="the visitor agrees to show their nickname (only used if the event shows nicknames)")

    p = subparser(subs, "atlas", "The Atlas account and the upload's state.", "piday atlas login")
    actions = p.add_subparsers(dest="atlas_command", metavar="ACTION", required=True)
    a = actions.add_parser("login", help="store the Atlas API key where the nomic client keeps it",
                           description="Store the Atlas API key with the nomic client's own login (~/.nomic/"
                           "credentials, made readable only by you).\n\nexample:\n  piday atlas login --check",
                           formatter_class=Formatter)
    a.add_argument("key", nargs="?", help="the API key (nk-...); asked for without echo when left out")
    a.add_argument("--check", action="store_true", help="also sign in to Atlas to check that the key is accepted")
    a.add_argument("--deadline", type=float, default=30.0, metavar="S", help="seconds the check may take")
    a = actions.add_parser("selftest", help="check what the configured Atlas service does, with a throwaway dataset",
                           description="Make a throwaway dataset in each mode with a few random vectors and "
                           "thumbnails, check the map link, thumbnails, a row delete, how soon ids read back and "
                           "whether the name is free after a delete, delete it, and print a verdict per capability "
                           "with what the station does about it. No visitor's data is used.\n\nexample:\n"
                           "  piday atlas selftest", formatter_class=Formatter)
    a.add_argument("--mode", choices=MODES, help="test one mode only (default: both)")
    a.add_argument("--deadline", type=float, default=60.0, metavar="S", help="the most seconds one request may take")
    a.add_argument("--wait", type=float, default=120.0, metavar="S",
                   help="how long to wait for ids to read back and for a map to be built")
    a = actions.add_parser("status", help="what is uploaded, queued or failing, and the map's link and QR code",
                           description="The event's upload state, from its database (no network).\n\n"
                           "example:\n  piday atlas status --event pi-day-2026", formatter_class=Formatter)
    add_common_options(a, suppress=True)
    add_event_option(a)
