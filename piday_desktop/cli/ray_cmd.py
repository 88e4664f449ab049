"""`piday embed --engine ray` (a Ray Data pipeline) and `piday import-vectors` (its Parquet shards).

ray is imported only when the Ray engine runs (jobs/ray_embed.py), so `piday --help` and every
other command start without it; without ray installed the command says how to get it.
"""

from __future__ import annotations

import argparse
import os

from rich.markup import escape

from .common import (
    EXIT_BUG, EXIT_MODEL, EXIT_NOT_FOUND, EXIT_USAGE, UserError, add_event_option, err,
    peak_rss_mb, progress_bar,
)

RAY_OPTIONS = ("address", "workers", "gpus_per_worker", "out", "photos_at")
_KIND_EXIT = {"connect": EXIT_NOT_FOUND, "resources": EXIT_USAGE, "model": EXIT_MODEL, "failed": EXIT_BUG}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _gpus(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_embed_options(p: argparse.ArgumentParser) -> None:
    """The engine choice and the Ray engine's options on `piday embed`."""
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this machine's batching engine; ray: a Ray Data pipeline (decode on CPU tasks, "
                   "one model per actor, a GPU each when the cluster has them); needs "
                   '`pip install "piday-desktop[ray]"`')
    g = p.add_argument_group("Ray engine (with --engine ray)")
    g.add_argument("--address", metavar="auto|ray://HOST:10001", default=None,
                   help="the Ray cluster: auto (the one this machine belongs to, or RAY_ADDRESS), ray://HOST:10001 "
                   "(Ray Client); default: start a local Ray on this machine")
    g.add_argument("--workers", type=_positive_int, metavar="N", default=None,
                   help="model actors in the pool (default: one per GPU in the cluster, or 1 without GPUs)")
    g.add_argument("--gpus-per-worker", type=_gpus, metavar="N", default=None,
                   help="GPUs each actor asks for (fractions share a GPU; 0: run on CPU; default 1 when the cluster "
                   "has GPUs, else 0)")
    g.add_argument("--out", metavar="DIR", default=None,
                   help="workers write the vectors as Parquet shards into DIR (a folder they all see, or s3://...) "
                   "instead of sending them back; commit them with `piday import-vectors DIR`")
    g.add_argument("--photos-at", metavar="DIR|URI", default=None,
                   help="where the workers find this event's photos folder, if not at this machine's path "
                   "(e.g. /mnt/nfs/events/NAME/photos or s3://bucket/events/NAME/photos)")


def add_parser(subs, subparser) -> None:
    p = subparser(subs, "import-vectors", "Commit the vectors of `piday embed --engine ray --out DIR` shards.",
                  "piday import-vectors /mnt/shared/vectors --event pi-day-2026")
    p.add_argument("folder", metavar="DIR", help="the shard folder (or s3://... URI) given to --out")
    add_event_option(p)


def check_engine_options(args: argparse.Namespace) -> None:
    if getattr(args, "engine", "local") != "ray":
        given = [f"--{name.replace('_', '-')}" for name in RAY_OPTIONS if getattr(args, name, None) is not None]
        if given:
            raise UserError(f"{', '.join(given)} only apply with --engine ray", EXIT_USAGE)


def run_embed_ray(args: argparse.Namespace) -> int:
    from ..jobs.ray_embed import (
        RayEmbedResult, RayJobError, RayOptions, RayUnavailable, cluster_summary, embed_on_ray, import_ray,
    )
    from ..jobs.vector_shards import ShardError
    from . import context
    from .pipeline import _job, _print_list, _record_run

    try:
        import_ray(args.address)
    except RayUnavailable as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    store = context.open_event(args)
    spec = context.model_spec(args)
    options = RayOptions(
        address=args.address, workers=args.workers, gpus_per_worker=args.gpus_per_worker, out=args.out,
        photos_at=args.photos_at,
        device=getattr(args, "device", None) or os.environ.get("PIDAY_DEVICE") or "auto",
    )
    result = RayEmbedResult()
    run_id: int | None = None
    with _job() as outcome:
        run_id = store.start_run("embed", model_id=spec.model_id)
        with progress_bar() as progress:
            task = progress.add_task("Embedding", total=None)

            def started(plan: RayEmbedResult) -> None:
                err.print(f"[dim]Ray: {plan.dispatched} photo(s) to embed with {escape(spec.model_id)}, "
                          f"{cluster_summary(plan)}[/]")

            try:
                embed_on_ray(store, spec, options, result=result, on_started=started,
                             on_wait=lambda: err.print("[dim]another piday is embedding this event; waiting…[/]"),
                             progress=lambda done, total: progress.update(task, completed=done, total=total))
            except RayJobError as exc:
                raise UserError(str(exc), _KIND_EXIT.get(exc.kind, EXIT_BUG)) from None
            except ShardError as exc:  # --out holds something that is not our shards
                raise UserError(f"--out {args.out}: {exc}", EXIT_USAGE) from None
    outcome.settle(result.failed)
    device = f"ray:{result.device}" if result.device else "ray"
    if run_id is not None:
        _record_run(
            store, run_id, status=outcome.status, failures=result.failed, embedded=result.embedded,
            skipped=len(result.failed), seconds=result.seconds, embed_seconds=result.seconds,
            images_per_s=result.done / result.seconds if result.seconds else 0.0, peak_rss_mb=peak_rss_mb(),
            message=outcome.message or (f"{result.written} vector(s) written as shards to {args.out}"
                                        if args.out else None),
            model_id=spec.model_id, device=device,
        )
    store.close()
    rate = f" in {result.seconds:.1f} s ({result.done / result.seconds:.1f} img/s)" if result.seconds else ""
    if args.out and (result.written or outcome.status == "ok"):
        err.print(f"[green]{escape(args.event)}:[/] wrote {result.written} vector(s){rate} as Parquet shards to "
                  f"{escape(args.out)}; commit them with `piday import-vectors {escape(args.out)} --event "
                  f"{escape(args.event)}`" + ("" if result.dispatched else
                                              " (every photo already has a vector there or in the event)"))
    elif result.embedded or outcome.status == "ok":
        err.print(f"[green]{escape(args.event)}:[/] embedded {result.embedded} photo(s)"
                  + (f"{rate} with {escape(spec.model_id)} on Ray ({cluster_summary(result)}"
                     + (f", {result.device})" if result.gpus_per_worker else ")")
                     if result.embedded else " (every photo already has a vector for this model)"))
    for worker, stats in sorted(result.per_worker.items()):
        steady = f", {stats.steady_rate:.1f} img/s after its first batch" if stats.steady_rate else ""
        err.print(f"[dim]  worker {escape(worker)}: {stats.images} photo(s){steady}, model alone "
                  f"{stats.model_rate:.1f} img/s[/]")
    _print_list("could not embed", result.failed)
    outcome.report()
    return outcome.code


def run_import_vectors(args: argparse.Namespace) -> int:
    from ..jobs.vector_shards import ImportVectorsResult, ShardError, import_shards, shard_names
    from . import context
    from .pipeline import _job, _print_list

    store = context.open_event(args)
    result = ImportVectorsResult()
    try:
        with _job() as outcome:
            try:
                files = len(shard_names(args.folder))
                if not files:
                    raise UserError(f"no vector shards (*.parquet) in {args.folder}", EXIT_NOT_FOUND)
                with progress_bar() as progress:
                    task = progress.add_task("Importing", total=files)
                    result = import_shards(store, args.folder,
                                           progress=lambda done: progress.update(task, completed=done))
            except ShardError as exc:
                code = EXIT_NOT_FOUND if str(exc).startswith(("no such folder", "not a folder")) else EXIT_USAGE
                raise UserError(f"{exc}; nothing was imported" if code == EXIT_USAGE else str(exc), code) from None
    finally:
        store.close()
    problems = list(result.scan.problems)
    if result.unknown:
        problems.append((f"{result.unknown} vector(s)", "for photos not in this event (another event's shards, "
                         "or deleted since)"))
    outcome.settle(problems)
    if outcome.status in ("ok", "partial"):
        models = ", ".join(f"{n} with {escape(m)}" for m, n in sorted(result.models.items()))
        err.print(f"[green]{escape(args.event)}:[/] imported {result.imported} vector(s) from {result.scan.files} "
                  f"shard(s)" + (f" ({models})" if models else "")
                  + (f"; {result.already} photo(s) already had one (kept)" if result.already else ""))
    _print_list("not imported", problems)
    outcome.report()
    return outcome.code
