"""Carrying out the visitor flow's intents: the station's I/O, off the UI thread.

Every write (participant rows, JPEG encoding, fsync, row commits) runs on one writer thread,
in order, so the UI thread never waits for a disk and writes never race each other. Results
come back through ``post``, which the Qt layer sets to "run this on the UI thread"; plain
tests leave it as a direct call. Any exception in the I/O puts the flow into its failsafe
state with words a volunteer can act on; what was stored before stays stored.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.durable import DiskFull
from ..core.events import Signal
from ..core.i18n import QT_TRANSLATE_NOOP
from ..core.images import ImageError, is_raw, probe, raw_preview
from ..core.store import AlreadyStored, EventStore, Photo
from .visitor_flow import Visit, VisitorFlow

log = logging.getLogger(__name__)

JPEG_QUALITY = 92
FrameGrabber = Callable[[], "np.ndarray | None"]  # newest full-resolution, un-mirrored RGB frame


def encode_jpeg(frame: np.ndarray, shot_id: str | None = None) -> bytes:
    """The shot as JPEG. ``shot_id`` goes into a JPEG comment: two shots of identical frames
    (a rehearsal folder camera, a frozen webcam) are still two files with their own SHA-256,
    so a kept shot is never refused as a duplicate of another. The pixels are untouched."""
    buf = io.BytesIO()
    extra = {"comment": f"piday shot {shot_id}".encode()} if shot_id else {}
    Image.fromarray(frame, "RGB").save(buf, "JPEG", quality=JPEG_QUALITY, **extra)
    return buf.getvalue()


class StationController:
    def __init__(
        self, store: EventStore, flow: VisitorFlow, grab_frame: FrameGrabber, engine=None,
        post: Callable[[Callable[[], None]], None] = lambda fn: fn(), station_id: str = "",
    ) -> None:
        self.store, self.flow, self.engine = store, flow, engine
        self.station_id = station_id  # codes A-017 at station A (core/codes.py)
        #: Store the shot mirrored, as the visitor saw it in the (mirrored) preview; off: as the
        #: camera sees it (text on a T-shirt reads right). pibooth offers the same choice.
        self.save_as_seen = False
        self._grab = grab_frame
        self._post = post
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piday-writer")
        self._embedding: set[Future] = set()
        self.photo_saved = Signal("photo_saved")  # (Photo), on the UI thread
        self.photo_embedded = Signal("photo_embedded")  # (photo_id, vector), on the UI thread
        self.photo_removed = Signal("photo_removed")  # (photo_id), on the UI thread
        self.participant_finished = Signal("participant_finished")  # (participant_id), once committed
        r = flow.requests
        r.create_participant.connect(self._create_participant)
        r.capture.connect(self._capture)
        r.capture_file.connect(self._capture_file)
        r.keep.connect(lambda pid: self._write(lambda: self.store.set_photo_state(pid, "kept")))
        r.discard.connect(self._discard)
        r.finish.connect(self._finish)

    # --- plumbing ----------------------------------------------------------------------

    def _write(self, job: Callable[[], object], then: Callable[[object], None] | None = None) -> Future:
        def run() -> None:
            try:
                result = job()
            except DiskFull:
                self._post(lambda: self.flow.fail(
                    QT_TRANSLATE_NOOP("Controller", "The disk is full: the last photo could not be saved."),
                    QT_TRANSLATE_NOOP("Controller", "Photos already kept are safe. Free some disk space (or switch "
                                      "to another event on a bigger disk), then press Enter.")))
                return
            except Exception as exc:  # anything else: the failsafe, never a crash
                log.exception("station write failed")
                # Bound now: Python unbinds `exc` when the except block ends, before the post runs.
                what = QT_TRANSLATE_NOOP("Controller", "Something went wrong while saving ({error}).").fill(
                    error=f"{type(exc).__name__}: {exc}")
                self._post(lambda: self.flow.fail(
                    what,
                    QT_TRANSLATE_NOOP("Controller", "Photos already kept are safe. Press Enter to continue; "
                                      "if it happens again, restart the station.")))
                return
            if then is not None:
                self._post(lambda: then(result))
        return self._writer.submit(run)

    def close(self) -> None:
        """Finish every pending write (nothing queued is dropped, so there is no timeout), then stop the writer."""
        self._writer.shutdown(wait=True)

    def wait_idle(self) -> None:
        """Block until queued writes are done (tests and shutdown)."""
        self._writer.submit(lambda: None).result()

    # --- intents -----------------------------------------------------------------------

    def _create_participant(self, visit: Visit) -> None:
        def create():
            participant = self.store.create_participant(source="station", consent=visit.consent,
                                                        nickname=visit.nickname, station_id=self.station_id)
            # Set on the writer thread, before any later write (the first shot) needs it.
            visit.participant_id, visit.code = participant.id, participant.code
            return participant

        def ready(participant) -> None:
            if self.flow.visit is visit:
                self.flow.participant_ready(participant.id, participant.code)
        self._write(create, ready)

    def _capture(self, visit: Visit) -> None:
        frame = self._grab()
        if frame is None:
            self.flow.fail(QT_TRANSLATE_NOOP("Controller", "The camera has no picture to take."),
                           QT_TRANSLATE_NOOP("Controller", "Check that the camera is connected and the preview is "
                                             "live, then press Enter."))
            return

        def save() -> Photo:
            if visit.participant_id is None:
                raise RuntimeError("participant was not created")
            shot = np.ascontiguousarray(frame[:, ::-1]) if self.save_as_seen else frame
            data = encode_jpeg(shot, uuid.uuid4().hex)
            participant = self.store.participant(visit.participant_id)
            return self.store.add_photo(participant, data, sha256=hashlib.sha256(data).hexdigest(), fmt="JPEG",
                                        width=frame.shape[1], height=frame.shape[0], state="review")

        self._write(save, self._saved)

    def _capture_file(self, visit: Visit, path: str) -> None:
        """A hot-folder file as the shot: its original bytes are stored (a camera's full-size
        JPEG, HEIC or RAW-with-preview file), not a re-encoded preview frame."""
        def save() -> Photo | str:
            if visit.participant_id is None:
                raise RuntimeError("participant was not created")
            data = Path(path).read_bytes()
            try:
                if is_raw(Path(path)):  # stored as its embedded JPEG, as `piday import` does
                    data = raw_preview(data)
                info = probe(data)
            except ImageError as exc:
                return QT_TRANSLATE_NOOP("Controller", "The camera's file {name} is not a photo piday can read "
                                         "({error}).").fill(name=Path(path).name, error=exc)
            participant = self.store.participant(visit.participant_id)
            try:
                return self.store.add_photo(participant, data, sha256=hashlib.sha256(data).hexdigest(),
                                            fmt=info.format, width=info.width, height=info.height,
                                            original_name=Path(path).name, taken_at=info.taken_at,
                                            state="review")
            except AlreadyStored as exc:
                return QT_TRANSLATE_NOOP("Controller", "That photo is stored already ({code}, shot {shot}): "
                                         "take a new one with the camera.").fill(code=exc.photo.participant_code,
                                                                                  shot=exc.photo.shot)

        def then(result: Photo | str) -> None:
            if isinstance(result, str):
                self.flow.shot_refused(result)
            else:
                self._saved(result)
        self._write(save, then)

    def _saved(self, photo: Photo) -> None:
        self.photo_saved.emit(photo)
        self.flow.photo_stored(photo.id)
        self.embed(photo)

    def embed(self, photo: Photo) -> None:
        """Queue a stored photo for its vector; the map hears about it when it arrives."""
        if self.engine is None:
            return
        try:
            fut = self.engine.submit(self.store.photo_path(photo), priority=True)  # a visitor is waiting
        except RuntimeError as exc:  # the model's process just died: its successor resumes this photo
            log.warning("embedding %s postponed: %s", photo.id, exc)
            return
        self._embedding.add(fut)

        def done(f: Future) -> None:
            self._embedding.discard(f)
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                log.warning("embedding %s failed: %s", photo.id, exc)
                return
            vec = f.result()
            self._write(lambda: self.store.put_embeddings([(photo.id, vec)], model_id=self.engine.model_id,
                                                          device=self.engine.device),
                        lambda _: self.photo_embedded.emit(photo.id, vec))
        fut.add_done_callback(done)

    def resume_embedding(self) -> int:
        """After a restart (or once the model is ready): embed whatever has no vector yet."""
        if self.engine is None:
            return 0
        missing = self.store.photos_missing_embedding(self.engine.model_id)
        for photo in missing:
            self.embed(photo)
        return len(missing)

    def _discard(self, photo_id: str) -> None:
        self._write(lambda: self.store.delete_photo(photo_id), lambda _: self.photo_removed.emit(photo_id))

    def _finish(self, visit: Visit) -> None:
        """Close the visit's row. Runs in write order, so a visit ended before its row was
        created (Esc right after consent) is still closed, never left open."""
        def close() -> str | None:
            if visit.participant_id is None:  # creation failed: nothing to close
                return None
            state = "finished" if visit.kept else "cancelled"
            self.store.set_participant_state(visit.participant_id, state)
            return visit.participant_id

        def done(participant_id: str | None) -> None:
            if participant_id is not None:
                self.participant_finished.emit(participant_id)
        self._write(close, done)

    def close_visit(self, participant_id: str, state: str) -> Future:
        """Close a visit left open (by a crash) in write order."""
        return self._write(lambda: self.store.set_participant_state(participant_id, state))

    # --- status ------------------------------------------------------------------------

    @property
    def embedding_queue(self) -> int:
        return len(self._embedding)
