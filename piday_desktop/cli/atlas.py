"""`piday upload`, `piday forget`, `piday consent`, `piday atlas login|status`: the Atlas side, headless.

They drive the same :class:`~piday_desktop.atlas.engine.UploadEngine` as the station, so a
headless upload, an erasure and the station's background upload share one outbox, one dataset
and one lock (only one of them uploads an event at a time). Their arguments are in
cli/atlas_args.py, so building the parser imports none of this.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Callable

from rich.markup import escape

from ..atlas import erase, modes, outbox, qr, state
from ..atlas.client import AtlasClient, AtlasError, login, quiet_client_logs
from ..atlas.engine import UploadEngine
from ..atlas.lock import UploaderLock
from ..atlas.settings import AtlasSettings
from ..atlas.status import UploadStatus
from ..core.store import Consent, EventStore, ParticipantNotFound
from . import context
from .atlas_args import COMMANDS, EXIT_NOT_UPLOADED  # noqa: F401 (COMMANDS: what run dispatches)
from .common import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, UserError, err, out, progress_bar


def run(args: argparse.Namespace) -> int:
    """Dispatch one of :data:`COMMANDS`."""
    if args.command == "upload":
        return run_upload(args)
    if args.command == "forget":
        return run_forget(args)
    if args.command == "consent":
        return run_consent(args)
    if args.atlas_command == "login":
        return run_login(args)
    if args.atlas_command == "selftest":
        return run_selftest(args)
    return run_status(args)


# --- shared ----------------------------------------------------------------------------------


def _settings(args: argparse.Namespace, store: EventStore) -> AtlasSettings:
    chosen = context.model_was_chosen(args)
    model_id = context.chosen_model_id(args, store.embedded_models()) if chosen else None
    return AtlasSettings().with_(dataset=getattr(args, "dataset", None), model_id=model_id,
                                 share_nicknames=getattr(args, "share_nicknames", None) or None,
                                 deadline_s=getattr(args, "deadline", None))


def _lock_or_explain(store: EventStore) -> UploaderLock | None:
    lock = UploaderLock(store.directory)
    return lock if lock.acquire() else None


def _drive(engine: UploadEngine, max_wait: float, on_status: Callable[[UploadStatus], None]) -> bool:
    """Step until done (True) or out of patience (False); sleeping here is the engine's own backoff."""
    give_up = time.monotonic() + max_wait
    while True:
        result = engine.step(final_map=True)
        status = engine.status()
        on_status(status)
        if result.worked:
            continue
        if engine.done(final_map=True):
            return True
        waiting = outbox.waiting_for_vectors(engine.store)
        if waiting and waiting == status.pending:
            return False  # only photos without vectors are left: waiting will not help
        remaining = give_up - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(max(result.wait, 0.05), remaining))


def _print_map(link: str | None) -> None:
    if not link:
        err.print("[dim]no map yet: it is built once enough photos are on Atlas[/]")
        return
    out.print(f"map: {link}", markup=False, highlight=False)
    out.print(qr.terminal(link), markup=False, highlight=False, end="")


def _report(store: EventStore, status: UploadStatus, done: bool) -> int:
    counts = outbox.counts(store)
    stay = outbox.kept_not_public(store)
    visitors = outbox.uploaded_visitors(store)
    err.print(f"on Atlas: {counts['uploaded']} photo(s) of {visitors} visitor(s); "
              f"{stay} photo(s) stay on this laptop (no public-map consent, or visit not finished)")
    pending = counts["queued"] + counts["failing"] + counts["sending"]
    if pending:
        why = status.reason or outbox.last_error(store) or "not sent yet"
        waiting = outbox.waiting_for_vectors(store)
        if waiting:
            err.print(f"[yellow]{waiting} photo(s) have no vector yet: run `piday embed` first[/]")
        err.print(f"[yellow]not uploaded yet: {pending} photo(s): {escape(why)}[/]")
    values = state.get_all(store)
    if values.get("map_refused_count") and not values.get("map_count"):
        err.print(f"[yellow]Atlas did not build a map of {values['map_refused_count']} photo(s) "
                  f"({escape(values.get('map_refused_reason') or '')}); it is asked again once more are up[/]")
    if values.get("link_moved_from"):
        err.print(f"[yellow]{escape(status.note or 'the map link changed')}[/]")
    if values.get("map_link") and not values.get("map_count"):
        err.print("[dim]the link opens the event's dataset page now; its map appears there once built[/]")
    _print_map(values.get("map_link"))
    return EXIT_OK if done and not pending else EXIT_NOT_UPLOADED


def _participant(store: EventStore, code: str):
    try:
        return store.participant(code)
    except ParticipantNotFound as exc:
        raise UserError(str(exc), EXIT_NOT_FOUND) from None


# --- commands --------------------------------------------------------------------------------


def run_upload(args: argparse.Namespace) -> int:
    store = context.open_event(args)
    lock = _lock_or_explain(store)
    if lock is None:
        raise UserError("the station (or another piday) is uploading this event right now; "
                        "its status bar shows the progress", EXIT_NOT_UPLOADED)
    try:
        if args.rebuild and erase.request_rebuild(store, "asked for with piday upload --rebuild"):
            err.print("[dim]rebuilding: the dataset is deleted and uploaded again under the same name[/]")
        if args.mode and modes.choose(store, args.mode):
            err.print(f"[dim]switching to {args.mode} mode: the dataset is deleted and uploaded again under the "
                      "same name[/]")
        if args.vector_thumbnails is not None:
            state.set_many(store, vector_thumbnails=int(args.vector_thumbnails))
            if args.vector_thumbnails and outbox.counts(store)["uploaded"] and not args.rebuild:
                err.print("[yellow]photos already on Atlas stay without a thumbnail: add --rebuild to send them[/]")
        mode = modes.current(store)
        err.print(f"[dim]Atlas mode: {mode} ({modes.DESCRIPTIONS[mode]})[/]")
        if args.share_nicknames and state.get(store, "share_nicknames") == "0":
            err.print("[yellow]the dataset was created without nicknames: add --rebuild to show them[/]")
        engine = UploadEngine(store, _settings(args, store))
        outbox.sweep(store)
        total = sum(outbox.counts(store).values())
        with quiet_client_logs(), progress_bar() as progress:
            task = progress.add_task("Uploading", total=total)
            done = _drive(engine, args.max_wait,
                          lambda s: progress.update(task, completed=s.uploaded, total=s.uploaded + s.pending))
        return _report(store, engine.status(), done)
    finally:
        lock.release()


def run_forget(args: argparse.Namespace) -> int:
    if bool(args.code) == bool(args.where):
        raise UserError("give a participant CODE or --where CONDITION (not both)", EXIT_USAGE)
    if args.dry_run and not args.where:
        raise UserError("--dry-run goes with --where (it lists the photos a condition picks)", EXIT_USAGE)
    if args.where:
        return _forget_where(args)
    store = context.open_event(args)
    participant = _participant(store, args.code)
    photos = len(store.photos(participant.code, include_review=True))
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"add --yes to erase {participant.code} ({photos} photos) without a prompt", EXIT_USAGE)
        answer = input(f"Erase {participant.code} ({photos} photo(s)) from this laptop and from the Atlas map? "
                       "This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            err.print("nothing erased")
            return EXIT_OK
    started = time.monotonic()
    result = erase.forget_participant(store, participant.code)
    err.print(f"erased {result.code} on this laptop: {result.photos} photo(s), their vectors and rows")
    if not result.rebuild:
        err.print("nothing of theirs had reached Atlas")
        return EXIT_OK
    return _rebuild_after_forget(args, store, result.code, started)


def _forget_where(args: argparse.Namespace) -> int:
    from ..core.search import where_sql

    store = context.open_event(args)
    where = context.parse_where_for(store, args.where)
    photos = store.photos_where(*where_sql(where))
    condition = " AND ".join(args.where)
    if not photos:
        err.print(f"no photo of {escape(args.event)} passes {escape(condition)}: nothing to remove")
        return EXIT_OK
    _list_photos(store, photos)
    what = f"{len(photos)} photo(s) of {len(set(p.participant_id for p in photos))} participant(s)"
    if args.dry_run:
        err.print(f"[bold]would remove {what}[/] (dry run: nothing removed)")
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"add --yes to remove {what} without a prompt (or --dry-run to only list them)", EXIT_USAGE)
        answer = input(f"Remove {what} from this event and from the Atlas map? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            err.print("nothing removed")
            return EXIT_OK
    started = time.monotonic()
    result = erase.forget_photos(store, photos, f"photos removed with --where {condition}")
    err.print(f"removed {result.photos} photo(s) on this laptop: their vectors, fields and rows"
              + (f"; {result.kept_files} file(s) referenced in place were left where they are"
                 if result.kept_files else ""))
    if not result.rebuild:
        err.print("none of them had reached Atlas")
        return EXIT_OK
    return _rebuild_after_forget(args, store, f"{result.photos} photo(s)", started)


def _list_photos(store: EventStore, photos) -> None:
    """What a --where picked, on stderr (this laptop's organiser: names are shown, as by search)."""
    from rich.table import Table

    fields = store.photo_fields([p.id for p in photos[:50]])
    table = Table(title=f"{len(photos)} photo(s)")
    for col in ("participant", "shot", "photo", "fields", "id"):
        table.add_column(col)
    for p in photos[:50]:
        own = ", ".join(f"{k}=[{', '.join(map(str, v))}]" if isinstance(v, list) else f"{k}={v}"
                        for k, v in fields.get(p.id, {}).items())
        table.add_row(p.participant_code, str(p.shot), escape(p.original_name or ""),
                      escape(own if len(own) <= 60 else own[:57] + "..."), p.id)
    err.print(table)
    if len(photos) > 50:
        err.print(f"… and {len(photos) - 50} more")


def _rebuild_after_forget(args: argparse.Namespace, store: EventStore, what: str, started: float) -> int:
    if args.local_only:
        err.print("the Atlas map is rebuilt without them by the next `piday upload` or by the station")
        return EXIT_OK
    lock = _lock_or_explain(store)
    if lock is None:
        err.print("the station is uploading this event: it rebuilds the Atlas map without them (see its status bar)")
        return EXIT_OK
    try:
        engine = UploadEngine(store, _settings(args, store))
        with quiet_client_logs(), progress_bar() as progress:
            task = progress.add_task("Rebuilding", total=None)
            done = _drive(engine, args.max_wait,
                          lambda s: progress.update(task, completed=s.uploaded, total=s.uploaded + s.pending))
        seconds = time.monotonic() - started
        status = engine.status()
        if done:
            err.print(f"removed {what} from the Atlas map in {seconds:.1f} s "
                      f"(dataset rebuilt with {status.uploaded} photo(s))")
            _print_map(state.get(store, "map_link"))
            return EXIT_OK
        err.print(f"[yellow]the Atlas rebuild is not finished ({escape(status.reason or 'retrying')}); it is queued "
                  "and resumes with the next `piday upload` or at the station[/]")
        return EXIT_NOT_UPLOADED
    finally:
        lock.release()


def run_consent(args: argparse.Namespace) -> int:
    store = context.open_event(args)
    participant = _participant(store, args.code)
    change = erase.change_consent(store, participant.code, Consent.parse(args.level), share_nickname=args.share_nickname)
    err.print(f"{change.code}: consent {change.before.label} -> {change.after.label}"
              + ("" if args.share_nickname is None else
                 f"; nickname {'may' if args.share_nickname else 'may not'} be shown"))
    if change.rebuild:
        err.print("some of their data was already on Atlas: the map is rebuilt without it by the next "
                  "`piday upload` (or by the station)")
    elif change.after.map and not change.before.map:
        err.print("their photos go up with the next `piday upload` (or from the station)")
    if change.note:
        err.print(change.note)
    return EXIT_OK


def run_login(args: argparse.Namespace) -> int:
    key = args.key or getpass.getpass("Atlas API key (input hidden): ")
    previous = _read_credentials()
    try:
        path = login(key, deadline_s=args.deadline)
    except AtlasError as exc:
        raise UserError(exc.reason, EXIT_USAGE if exc.kind in ("key_refused", "no_key") else EXIT_NOT_UPLOADED) from None
    if args.check:
        try:
            with quiet_client_logs():
                org = AtlasClient(args.deadline).check_key()
        except AtlasError as exc:
            if exc.kind == "key_refused" and previous is not None:
                path.write_bytes(previous)  # a refused key must not replace one that worked
                exc.reason += "; the previous key is kept"
            raise UserError(exc.reason, EXIT_USAGE if exc.kind == "key_refused" else EXIT_NOT_UPLOADED) from None
        err.print(f"key stored in {path} (readable only by you); Atlas accepted it (organization {escape(org or '?')})")
    else:
        err.print(f"key stored in {path} (readable only by you); check it with `piday atlas login --check`")
    return EXIT_OK


def _read_credentials() -> bytes | None:
    from ..atlas.client import credentials_path

    path = credentials_path()
    return path.read_bytes() if path.exists() else None


def run_selftest(args: argparse.Namespace) -> int:
    from ..atlas.selftest import SelfTest

    test = SelfTest(args.deadline, wait_s=args.wait)
    err.print("[dim]testing the Atlas service with throwaway datasets (random data, deleted at the end)…[/]")
    with quiet_client_logs():
        report = test.run((args.mode,) if args.mode else modes.MODES)
    out.print(report.text(), markup=False, highlight=False)
    failed_sign_in = report.verdicts and report.verdicts[0].capability == "sign in" and not report.verdicts[0].ok
    broken = any(v.capability == "test run" for v in report.verdicts)
    return EXIT_NOT_UPLOADED if failed_sign_in or broken or report.leftovers else EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    store = context.open_event(args)
    outbox.sweep(store)
    counts = outbox.counts(store)
    values = state.get_all(store)
    mode = modes.of_values(values)
    err.print(f"mode: {mode} ({modes.DESCRIPTIONS[mode]})")
    err.print(f"uploaded {counts['uploaded']}, queued {counts['queued']}, in doubt {counts['sending']}, "
              f"failing {counts['failing']}; {outbox.kept_not_public(store)} photo(s) stay on this laptop")
    if counts["failing"]:
        err.print(f"last failure: {escape(outbox.last_error(store) or '?')}")
    if values.get("remove_datasets") or values.get("rebuild_started_at"):
        err.print(f"rebuild pending: {escape(values.get('rebuild_reason') or '')}")
    if values.get("last_rebuild_s"):
        err.print(f"last rebuild took {float(values['last_rebuild_s']):.1f} s")
    _print_map(values.get("map_link"))
    return EXIT_OK
