"""Turning parsed options into the objects commands work with (store, model spec, engine)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import paths
from ..core.durable import DiskFull, StorageError
from ..core.opening import EventDatabaseUnusable
from .common import EXIT_DAMAGED, EXIT_MODEL, EXIT_NOT_FOUND, EXIT_STORAGE, EXIT_USAGE, UserError  # noqa: F401 (re-exported)

if TYPE_CHECKING:  # the store (numpy, PIL) is imported by the commands that open one, not by the parser
    from ..core.store import EventStore


def data_root(args: argparse.Namespace) -> Path:
    return paths.data_dir(getattr(args, "data_dir", None))


def model_text(args: argparse.Namespace) -> str:
    from ..embedding.models import DEFAULT_MODEL

    return getattr(args, "model", None) or os.environ.get("PIDAY_MODEL") or DEFAULT_MODEL


def model_was_chosen(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "model", None) or os.environ.get("PIDAY_MODEL"))


def model_spec(args: argparse.Namespace):
    from ..embedding.models import ModelSpec

    try:
        return ModelSpec.parse(model_text(args))
    except ValueError as exc:
        raise UserError(str(exc), EXIT_USAGE) from None


def event_exists(args: argparse.Namespace) -> bool:
    try:
        return (paths.event_dir(data_root(args), args.event) / "event.sqlite").exists()
    except paths.InvalidEventName:
        return False


def open_event(args: argparse.Namespace, *, create: bool = False) -> EventStore:
    from ..core.store import EventNotFound, EventStore

    try:
        return EventStore.open(data_root(args), args.event, create=create)
    except EventNotFound as exc:
        raise UserError(str(exc), EXIT_NOT_FOUND) from None
    except paths.InvalidEventName as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    except EventDatabaseUnusable as exc:
        raise UserError(str(exc), EXIT_DAMAGED) from None
    except DiskFull as exc:
        raise UserError(f"disk full ({exc.strerror}): cannot open event {args.event!r}; free space and "
                        "run again (nothing saved was lost)", EXIT_STORAGE) from None
    except StorageError as exc:
        raise UserError(f"{exc.strerror}: cannot open event {args.event!r} (nothing saved was lost)",
                        EXIT_STORAGE) from None


def make_engine(args: argparse.Namespace):
    """An engine whose model loads in the background, so file scanning overlaps torch start-up.

    Photos only (import, embed, watch): the text tower is never loaded (``towers="image"``).
    """
    from ..embedding.engine import EmbeddingEngine
    from ..embedding.models import load_model

    spec = model_spec(args)
    device = getattr(args, "device", None) or os.environ.get("PIDAY_DEVICE") or "auto"
    return EmbeddingEngine(lambda: load_model(spec, device=device, towers="image"))


def cached_text_tower(args: argparse.Namespace, model_id: str):
    """The event model's numpy text tower if cached and no other model was asked for, else None.

    Decided without parsing the model name (parsing asks open_clip, which imports torch): the
    stored model id is the key, and a ``--model`` is taken as the same model when it is written
    as that id or names it as ``stored_model_id`` reads names (a tag's spelling, the checkpoint
    file whose content the id is).
    """
    from ..embedding.models import stored_model_id
    from ..embedding.text_numpy import cached_text_encoder

    if model_was_chosen(args):
        text = model_text(args).strip()
        if text != model_id and stored_model_id(text, [model_id]) != model_id:
            return None
    return cached_text_encoder(model_id)


def load_text_model(spec, args: argparse.Namespace):
    """The text tower through torch (words only), cached as numpy for the next command.

    Caching is best effort: a full or read-only cache only means the next search imports torch
    again (embedding/text_numpy.py says why in the log).
    """
    import logging

    from ..embedding.models import load_model
    from ..embedding.text_numpy import export_text_tower

    device = getattr(args, "device", None) or os.environ.get("PIDAY_DEVICE") or "auto"
    model = load_model(spec, device=device, towers="text")
    try:
        export_text_tower(model)
    except Exception:  # noqa: BLE001 - the search goes on through torch
        logging.getLogger(__name__).warning("text tower of %s not cached", model.model_id, exc_info=True)
    return model


def model_error(exc: BaseException) -> UserError:
    return UserError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, EXIT_MODEL)


def chosen_model_id(args: argparse.Namespace, stored: Iterable[str]) -> str:
    """The id of the model ``--model`` / ``PIDAY_MODEL`` names.

    When the name spells one of ``stored`` (the event's own model ids) the id is read off the
    text; only other names (a checkpoint file, a bare architecture, a typo) go through
    ``ModelSpec.parse``, which imports open_clip and torch (seconds, ~1 GB) to validate them.
    Commands that only read vectors (export, map, search's setup, upload) must not pay that.
    """
    from ..embedding.models import stored_model_id

    return stored_model_id(model_text(args), stored) or model_spec(args).model_id


def reading_model_id(store: EventStore, args: argparse.Namespace) -> str:
    """The model whose vectors to read: the one asked for, else the event's most used one.

    Without this, `piday export` after an import with a non-default model would find nothing.
    Never imports open_clip for a model the event already has vectors of (see ``chosen_model_id``).
    """
    from ..embedding.models import DEFAULT_MODEL

    embedded = store.embedded_models()
    if model_was_chosen(args):
        return chosen_model_id(args, embedded)
    # DEFAULT_MODEL is spelled as its id (tests/test_cli_startup.py checks it against parse).
    if DEFAULT_MODEL in embedded or not embedded:
        return DEFAULT_MODEL
    return next(iter(embedded))


def parse_where_for(store: EventStore, expressions: list[str] | None) -> list:
    """``--where`` for this event: its own field names are known, an unknown name is refused (exit 2)."""
    from ..core.search import parse_where

    try:
        return parse_where(expressions or [], store.field_keys())
    except ValueError as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
