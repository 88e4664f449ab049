"""What every command shares: exit codes, options, the console, progress bars, user errors.

Commands raise :class:`UserError` (or a known domain error) for anything a user can fix;
``main`` turns it into one line on stderr and its exit code. A stack trace means a bug.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_NOT_FOUND = 4
EXIT_MODEL = 5
EXIT_STORAGE = 6
EXIT_DAMAGED = 8
EXIT_ALREADY_OPEN = 9
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    everything asked for was done
  1    unexpected internal error (a bug: please report it with the log)
  2    bad command line (or a --metadata file with problems: each listed by line, nothing imported)
  3    the run finished but skipped some files (each is listed with its reason), or found no images
  4    not found: no such folder, event, participant or photo
  5    the model cannot be loaded (e.g. weights not on this machine and no network)
  6    storage problem: disk full or data folder not writable (nothing saved was lost)
  8    the event's database cannot be used: empty, truncated, not a database, or from a newer
       piday (the message says what to do; nothing was changed)
  9    the station for this event is already open on this laptop and did not come to the front
       (a second start that reaches it brings its window forward and exits 0)
  130  interrupted with Ctrl-C: what finished is kept; run the command again to continue
"""

# stdout carries results (tables, JSON); stderr carries progress and messages, so
# `piday search ... --json > hits.json` stays clean.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """Something the user can fix; printed as one line, no stack trace."""

    def __init__(self, message: str, code: int = EXIT_BUG) -> None:
        super().__init__(message)
        self.code = code


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps hand-written examples as written and shows every default."""


def add_common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every command honours; on subcommands they only override when given."""
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    parser.add_argument(
        "--data-dir", metavar="DIR", default=default(None),
        help="where events are stored (env PIDAY_DATA_DIR; default: the platform's user data folder)",
    )
    parser.add_argument(
        "--model", metavar="ARCH[:PRETRAINED]", default=default(None),
        help="open_clip architecture and weights: a pretrained tag, a checkpoint file, or 'none' for "
        "seeded random weights (env PIDAY_MODEL; default ViT-B-32:laion2b_s34b_b79k)",
    )
    parser.add_argument(
        "--device", choices=("auto", "cpu", "cuda", "mps"), default=default(None),
        help="where to run the model; auto picks CUDA, then Apple MPS, then CPU (default auto)",
    )


def add_event_option(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "--event", "-e", metavar="NAME", required=required and not os.environ.get("PIDAY_EVENT"),
        default=os.environ.get("PIDAY_EVENT"),
        help="event name, e.g. pi-day-2026 (env PIDAY_EVENT)",
    )


class RateColumn(ProgressColumn):
    """Images per second, the figure a user compares between machines."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:6.1f} img/s" if speed else "    -- img/s", style="progress.data.speed")


@contextmanager
def progress_bar() -> Iterator[Progress]:
    progress = Progress(
        TextColumn("[bold]{task.description:<10}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, transient=False,
        disable=not err.is_terminal and not os.environ.get("PIDAY_FORCE_PROGRESS"),
    )
    with progress:
        yield progress


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
