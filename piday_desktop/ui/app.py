"""Starting the station: config, event, window on screen first, then camera and model.

The window appears before torch is even imported; the engine starts on a background thread
and the UI shows "Model loading…" until it is ready. Qt runs through qasync so the Atlas
uploader (an asyncio task) shares the UI thread's loop without blocking it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from dataclasses import replace

log = logging.getLogger(__name__)


def _open_event(root, event: str):
    """The event's store, or (damaged / too new) the one the volunteer chose in a dialog instead.
    Quitting there raises the error again, so the CLI exits 8 with it as for any command."""
    from ..core.opening import EventDatabaseUnusable
    from ..core.store import EventStore
    from .damaged_event import ask_what_to_do

    while True:
        try:
            return EventStore.open(root, event)
        except EventDatabaseUnusable as exc:
            log.error("cannot open event %s: %s", event, exc)
            chosen = ask_what_to_do(event, str(exc))
            if chosen is None:
                raise
            event = chosen


def run_station(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication
    import qasync

    from ..core import paths
    from ..core.config import StationConfig, load_config, save_config
    from .main_window import StationWindow
    from ..core.logs import record_crashes, setup_logging
    from .first_run import demo_config, run_first_run
    from .screen_fit import show_fitted
    from .startup_probe import watch_first_paint

    started = time.perf_counter()
    setup_logging(debug=getattr(args, "debug", False))
    record_crashes()
    config, existed = load_config()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("piday")
    from .i18n import install_language

    # Before any window: every widget is made in this language (a change in Settings: next start).
    language = install_language(config.language)
    overrides = {k: v for k, v in {"event": args.event, "camera": args.camera, "model": args.model,
                                   "device": args.device}.items() if v}
    saved: StationConfig | None = config  # what Settings saves onto; None: nothing is saved (demo)
    if getattr(args, "demo", False):
        config, saved = demo_config(config), None  # a rehearsal: never saved
    elif not existed:
        # The setup shows what this start was asked for (flags, PIDAY_MODEL), so what it saves
        # is what runs, and a plain `piday` the next morning opens the same event and camera.
        asked = dict(overrides)
        if not asked.get("model") and os.environ.get("PIDAY_MODEL"):
            asked["model"] = os.environ["PIDAY_MODEL"]
        chosen = run_first_run(replace(config, **asked).validated())
        if chosen is None:
            return 0
        config = saved = chosen
        save_config(config)
        overrides = {k: v for k, v in overrides.items() if k == "device"}  # the rest was confirmed above
    config = replace(config, **overrides).validated()
    log.info("station starting: event %s, camera %s, model %s, device %s, language %s%s", config.event,
             config.camera, config.model or "default", config.device, language,
             " (demo)" if getattr(args, "demo", False) else "")
    store = _open_event(paths.data_dir(args.data_dir), config.event)
    if store.event != config.event:  # the volunteer chose another event for today
        config = replace(config, event=store.event)
        if saved is not None:
            saved = replace(saved, event=store.event)
            save_config(saved)
    from .one_station import bring_to_front, claim_station, second_start

    claim = claim_station(store.directory)
    if claim is None:  # this event's station is already running on this laptop
        directory = store.directory
        store.close()
        return second_start(store.event, directory)
    window = StationWindow(store, config, saved_config=saved)
    claim.setParent(window)
    claim.bring_forward = lambda: bring_to_front(window)
    if getattr(args, "demo", False):
        window.mark_rehearsal()
    watch_first_paint(window, started)
    show_fitted(window)  # the screen it is on: maximised on laptops, 90 % centred on big screens
    previous_hook = sys.excepthook

    def to_failsafe(exc_type, exc, tb):  # exceptions in Qt slots land here: never exit
        if issubclass(exc_type, KeyboardInterrupt):
            previous_hook(exc_type, exc, tb)
            return
        window.unexpected_error(exc)

    sys.excepthook = to_failsafe
    interrupted = _close_on_ctrl_c(window)
    window.camera.start(config.camera)
    window.probe_cameras_in_background()
    window.start_engine(config.model or os.environ.get("PIDAY_MODEL", ""))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    uploader = None if getattr(args, "demo", False) else _start_uploader(window, store)
    backup = None if getattr(args, "demo", False) or not config.backup_dir else _start_backup(window, store, config)
    closed = asyncio.Event()
    window.closing.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
        if uploader is not None:
            loop.run_until_complete(uploader.stop())
    if backup is not None:
        backup.stop()
    store.close()
    claim.release()  # a new start may claim the event from here on
    return 130 if interrupted else 0  # the CLI's exit code for Ctrl-C


def _close_on_ctrl_c(window) -> list[bool]:
    """Ctrl-C (or SIGINT) in the terminal closes the station as its program close does: every
    queued write finishes, the model's process stops, a visit in progress is offered at the next
    start. Without this a KeyboardInterrupt surfaced in whatever Qt slot ran next, printed a
    traceback and the station went on. Returns a flag set once it happened (for the exit code)."""
    import signal

    from PySide6.QtCore import QTimer

    happened: list[bool] = []

    def handler(_signum, _frame) -> None:
        if not happened:
            log.info("Ctrl-C: closing the station (everything kept is saved)")
        happened.append(True)
        QTimer.singleShot(0, window.close)  # from the event loop, not from inside a slot

    signal.signal(signal.SIGINT, handler)
    # Python runs a signal handler between bytecodes; Qt's loop runs C++ for long stretches,
    # so a no-op timer hands control to Python a few times a second to notice.
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return happened


def _start_backup(window, store, config):
    """The live backup to the configured folder: a thread of its own; capture never waits for it."""
    from ..jobs.backup_job import BackupJob
    from .backup_status import attach_backup

    job = BackupJob(store, config.backup_dir)
    attach_backup(window, job)
    return job.start()


def _start_uploader(window, store):
    """The Atlas uploader: an asyncio task on this loop; the station never waits for it."""
    from ..atlas.engine import UploadEngine
    from ..atlas.uploader import Uploader
    from .atlas_panel import attach_atlas

    uploader = Uploader(UploadEngine(store)).start()
    attach_atlas(window, uploader)  # status bar entry, QR on the done page, wake on finish
    return uploader
