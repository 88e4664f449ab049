"""One uploader per event across processes: a second process is kept out, and a crashed holder
frees the event at once (the OS drops its lock), so `piday upload` never waits on a dead station."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from piday_desktop.atlas.lock import UploaderLock

HOLD = """
import sys
from piday_desktop.atlas.lock import UploaderLock
lock = UploaderLock(sys.argv[1])
print("held" if lock.acquire() else "refused", flush=True)
sys.stdin.read()  # hold it until the test kills us
"""


def test_a_second_process_is_kept_out_until_the_holder_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        ours = UploaderLock(tmp_path)
        assert not ours.acquire()
    finally:
        holder.kill()  # a crash: no release() runs
        holder.wait()
    assert ours.acquire()
    ours.release()


def test_release_frees_the_event_however_often_it_was_taken(tmp_path: Path) -> None:
    first, second = UploaderLock(tmp_path), UploaderLock(tmp_path)
    assert first.acquire() and first.acquire()  # asking again while holding it is harmless
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    first.release()  # releasing what is not held does nothing
