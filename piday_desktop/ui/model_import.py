"""Importing a model file from the window: the fix for "the model is not on this laptop".

A volunteer at an offline venue gets a ``.pidaymodel`` file on a USB stick (``piday models
export`` on a connected machine). Choosing it in the window verifies and installs it on a
background thread (hundreds of MB are hashed), then the station starts its engine with that
model without a restart; photos taken meanwhile are embedded then (``resume_embedding``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from .i18n import translate

log = logging.getLogger(__name__)


def file_filter() -> str:
    return translate("ModelImport", "piday model files (*.pidaymodel);;All files (*)")


def ask_model_file(parent: QWidget) -> Path | None:
    """The file chooser (modal, on the UI thread: it only lists folders)."""
    name, _ = QFileDialog.getOpenFileName(parent, translate("ModelImport", "Import a model file"), "", file_filter())
    return Path(name) if name else None


def import_in_background(archive: Path, post: Callable[[Callable[[], None]], None],
                         on_done: Callable[[str | None, str], None]) -> threading.Thread:
    """Verify and install ``archive`` off the UI thread; ``on_done(model, "")`` on success or
    ``on_done(None, reason)``, posted to the UI thread."""

    def work() -> None:
        from ..core.elsewhere import run_elsewhere
        from ..embedding.transfer import TransferError, import_model

        try:  # in a child process: checking the file asks open_clip, which imports torch
            model = run_elsewhere(import_model, archive).model
        except TransferError as exc:
            reason = str(exc)
        except OSError as exc:  # unreadable stick, full disk
            reason = translate("ModelImport", "{file} could not be read or installed ({error})").format(
                file=archive, error=exc.strerror or exc)
        except Exception as exc:  # noqa: BLE001 - the child died (out of memory): said, never silent
            reason = translate("ModelImport", "{file} could not be read or installed ({error})").format(
                file=archive, error=f"{type(exc).__name__}: {exc}")
        else:
            log.info("model file imported: %s", model)
            post(lambda: on_done(model, ""))
            return
        log.warning("model import failed: %s", reason)
        post(lambda: on_done(None, reason))

    thread = threading.Thread(target=work, name="piday-model-import", daemon=True)
    thread.start()
    return thread
