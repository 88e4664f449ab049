"""`piday import` and `piday embed`: the long-running jobs, with progress and clean Ctrl-C."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from contextlib import contextmanager
from dataclasses import dataclass

from rich.markup import escape

from ..core.durable import DiskFull, StorageError
from ..jobs.intake import InPlace, IntakeResult, ingest, resolve_root
from ..jobs.metadata import MetadataError, MetadataMatch, load_metadata
from ..jobs.scan import ScanError, scan_folder
from ..core.store import ROOT_NAME_RE, Consent, EventStore, RootError
from ..jobs.embed import EmbedResult, embed_missing
from . import context
from .common import (
    EXIT_INTERRUPTED, EXIT_NOT_FOUND, EXIT_OK, EXIT_SKIPPED, EXIT_STORAGE, EXIT_USAGE, UserError, err,
    peak_rss_mb, progress_bar,
)


def _embed_phase(store: EventStore, engine, progress, result: EmbedResult) -> EmbedResult:
    """Embed what is missing; a model that cannot load becomes a one-line UserError (exit 5)."""
    task = progress.add_task("Embedding", total=None)
    if not engine.ready and not progress.disable:
        err.print("[dim]loading the model…[/]")
    try:
        return embed_missing(store, engine, result=result,
                             on_wait=lambda: err.print("[dim]another piday is embedding this event; "
                                                       "waiting for it…[/]"),
                             progress=lambda done, total: progress.update(task, completed=done, total=total))
    except (KeyboardInterrupt, StorageError):
        raise
    except Exception as exc:
        raise context.model_error(exc) from exc


@dataclass
class _Outcome:
    status: str = "ok"  # the run log's status
    code: int = EXIT_OK
    message: str | None = None

    def settle(self, problems: list) -> None:
        """A run that finished but skipped something is partial (exit 3)."""
        if self.status == "ok" and problems:
            self.status, self.code = "partial", EXIT_SKIPPED

    def report(self) -> None:
        if self.message:
            err.print(f"[yellow]{escape(self.message)}[/]" if self.code == EXIT_INTERRUPTED
                      else f"[red]error:[/] {escape(self.message)}")


@contextmanager
def _job() -> Iterator[_Outcome]:
    """How a long job ended, as a status, exit code and one line; what finished is always kept."""
    outcome = _Outcome()
    try:
        yield outcome
    except KeyboardInterrupt:
        outcome.status, outcome.code = "interrupted", EXIT_INTERRUPTED
        outcome.message = "interrupted: what finished is kept; run the same command again to continue"
    except DiskFull as exc:
        outcome.status, outcome.code = "failed", EXIT_STORAGE
        outcome.message = (f"disk full ({exc.strerror}); every photo stored before this is intact: "
                           "free space and run again")
    except StorageError as exc:
        outcome.status, outcome.code = "failed", EXIT_STORAGE
        outcome.message = f"{exc.strerror}; every photo stored before this is intact"
    except UserError as exc:
        outcome.status, outcome.code, outcome.message = "failed", exc.code, str(exc)


def _print_list(title: str, items: list[tuple[str, str]], limit: int | None = None) -> None:
    if not items:
        return
    err.print(f"[bold]{title} ({len(items)}):[/]")
    shown = items if limit is None else items[:limit]
    for item, reason in shown:
        err.print(f"  {escape(item)}: {escape(reason)}")
    if len(shown) < len(items):
        err.print(f"  … and {len(items) - len(shown)} more (see `piday report`)")


def _record_run(store: EventStore, run_id: int, **fields) -> None:
    """Write the run log; a disk too full for that must not hide the real error."""
    try:
        store.finish_run(run_id, **fields)
    except StorageError as exc:
        err.print(f"[yellow]could not record this run in the report: {escape(exc.strerror or str(exc))}[/]")


def _model_fields(engine) -> dict:
    try:
        return {"model_id": engine.model_id, "device": engine.device}
    except Exception:
        return {}


def _metadata(args: argparse.Namespace, scan) -> MetadataMatch | None:
    """The --metadata file matched to the scan, checked whole before anything is imported."""
    if not args.metadata:
        return None
    source = Path(args.metadata).expanduser()
    try:
        return load_metadata(source, scan, skip_unmatched=args.skip_unmatched)
    except FileNotFoundError:
        raise UserError(f"no such metadata file: {source}", EXIT_NOT_FOUND) from None
    except IsADirectoryError:
        raise UserError(f"--metadata takes a file, not a folder: {source}", EXIT_USAGE) from None
    except MetadataError as exc:
        shown = exc.problems[:50]
        err.print(f"[bold]{escape(str(source))}: {len(exc.problems)} problem(s):[/]")
        for line, problem in shown:
            err.print(f"  line {line}: {escape(problem)}")
        if len(shown) < len(exc.problems):
            err.print(f"  … and {len(exc.problems) - len(shown)} more")
        hint = "" if args.skip_unmatched else " (add --skip-unmatched to leave out rows that name no file)"
        raise UserError(f"the metadata file has {len(exc.problems)} problem(s): nothing was imported; "
                        f"fix them and run the same command again{hint if _only_unmatched(exc) else ''}",
                        EXIT_USAGE) from None


def _only_unmatched(exc: MetadataError) -> bool:
    return all(problem.startswith("no file ") or " is not imported: " in problem for _, problem in exc.problems)


def _in_place(args: argparse.Namespace, store: EventStore) -> InPlace:
    try:
        found = resolve_root(store, Path(args.folder), args.root)
    except RootError as exc:
        store.close()
        raise UserError(str(exc), EXIT_USAGE) from None
    where = f"{found.root.name}/{found.prefix}" if found.prefix else found.root.name
    err.print(f"[dim]recording files in place under root {escape(where)} ({escape(str(found.root.path))}); "
              "nothing is copied[/]")
    return found


def run_import(args: argparse.Namespace) -> int:
    try:
        scan = scan_folder(args.folder)
    except ScanError as exc:
        raise UserError(str(exc), EXIT_NOT_FOUND) from None
    if args.skip_unmatched and not args.metadata:
        raise UserError("--skip-unmatched only makes sense with --metadata FILE", EXIT_USAGE)
    if args.root and not args.in_place:
        raise UserError("--root NAME goes with --in-place", EXIT_USAGE)
    if args.root and not ROOT_NAME_RE.match(args.root):
        raise UserError(f"--root {args.root!r}: use letters, digits, '.', '_' and '-' (at most 64)", EXIT_USAGE)
    metadata = _metadata(args, scan)
    consent = Consent.parse(args.consent)
    if not scan.items:
        # Nothing to import: no event is created (a typo in the folder must not leave an empty
        # event behind) and no run is logged. Exit 3: finished, but nothing was imported.
        _print_list("skipped", scan.skipped)
        err.print(f"[yellow]no images found in {escape(str(args.folder))}: nothing imported"
                  f"{'' if context.event_exists(args) else ', no event created'}[/]")
        return EXIT_SKIPPED
    store = context.open_event(args, create=True)
    in_place = _in_place(args, store) if args.in_place else None
    engine = None if args.no_embed else context.make_engine(args)
    intake, embedded = IntakeResult(), EmbedResult()
    run_id: int | None = None
    started = time.perf_counter()
    try:
        # Everything that can fail (the run log's first row included: a full disk can refuse
        # it) is inside the job, and the engine is closed whatever happens.
        with _job() as outcome:
            run_id = store.start_run("import")
            with progress_bar() as progress:
                task = progress.add_task("Importing", total=len(scan.items))
                ingest(store, scan, consent=consent, result=intake, in_place=in_place,
                       fields=metadata.by_item if metadata else None,
                       progress=lambda done, total: progress.update(task, completed=done))
                if engine is not None:
                    _embed_phase(store, engine, progress, embedded)
    finally:
        if engine is not None:
            engine.close()
    skipped = intake.skipped + embedded.failed
    outcome.settle(skipped)
    if run_id is not None:
        _record_run(
            store, run_id, status=outcome.status, failures=skipped, files_seen=len(scan.items) + len(scan.skipped),
            imported=intake.imported, duplicates=len(intake.duplicates), embedded=embedded.embedded,
            skipped=len(skipped), seconds=time.perf_counter() - started, embed_seconds=embedded.seconds,
            images_per_s=embedded.images_per_s, peak_rss_mb=peak_rss_mb(), message=outcome.message,
            **(_model_fields(engine) if engine is not None and embedded.embedded else {}),
        )
    store.close()
    _summarise_import(args, intake, embedded, engine, metadata)
    outcome.report()
    return outcome.code


def _summarise_import(args, intake: IntakeResult, embedded: EmbedResult, engine,
                      metadata: MetadataMatch | None = None) -> None:
    parts = [f"imported {intake.imported} photo(s)"]
    if intake.already:
        parts.append(f"{intake.already} already in the event")
    if intake.duplicates:
        parts.append(f"{len(intake.duplicates)} duplicate(s) stored once")
    if metadata is not None:
        parts.append(f"metadata for {intake.described} photo(s) from {metadata.rows} row(s)")
    err.print(f"[green]{escape(args.event)}:[/] " + ", ".join(parts))
    if metadata is not None and metadata.unmatched:
        _print_list("metadata rows that name no file here (left out)",
                    [(f"line {line}", why) for line, why in metadata.unmatched], limit=20)
    if embedded.embedded:
        fields = _model_fields(engine)
        err.print(
            f"embedded {embedded.embedded} photo(s) in {embedded.seconds:.1f} s "
            f"({embedded.images_per_s:.1f} img/s) with {escape(fields.get('model_id', '?'))} on {fields.get('device', '?')}"
        )
    _print_list("restored", intake.restored)
    _print_list("duplicates", intake.duplicates, limit=20)
    _print_list("skipped", intake.skipped + embedded.failed)


def run_embed(args: argparse.Namespace) -> int:
    store = context.open_event(args)
    engine = context.make_engine(args)
    result = EmbedResult()
    run_id: int | None = None
    try:
        with _job() as outcome:
            run_id = store.start_run("embed")
            with progress_bar() as progress:
                _embed_phase(store, engine, progress, result)
    finally:
        engine.close()
    outcome.settle(result.failed)
    if run_id is not None:
        _record_run(
            store, run_id, status=outcome.status, failures=result.failed, embedded=result.embedded,
            skipped=len(result.failed), seconds=result.seconds, embed_seconds=result.seconds,
            images_per_s=result.images_per_s, peak_rss_mb=peak_rss_mb(), message=outcome.message,
            **(_model_fields(engine) if result.embedded else {}),
        )
    store.close()
    if result.embedded or outcome.status == "ok":
        fields = _model_fields(engine) if result.embedded else {}
        err.print(
            f"[green]{escape(args.event)}:[/] embedded {result.embedded} photo(s)"
            + (f" in {result.seconds:.1f} s ({result.images_per_s:.1f} img/s) with "
               f"{escape(fields.get('model_id', '?'))} on {fields.get('device', '?')}" if result.embedded else
               " (every photo already has a vector for this model)")
        )
    _print_list("could not embed", result.failed)
    outcome.report()
    return outcome.code
