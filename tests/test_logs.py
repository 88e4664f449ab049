"""The log file: where it is, what goes in, what never does, and that it stays bounded."""

from __future__ import annotations

import logging

import pytest

from piday_desktop.core import logs


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PIDAY_LOG_DIR", str(tmp_path / "logs"))
    path = logs.setup_logging()
    yield path
    logs.close_logging()


def read(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_our_events_from_info_and_libraries_from_warning(log_file, tmp_path):
    assert log_file == tmp_path / "logs" / "piday.log"
    logging.getLogger("piday_desktop.ui.app").info("station starting: event pi-day")
    logging.getLogger("urllib3.connectionpool").info("chatter nobody needs")
    logging.getLogger("urllib3.connectionpool").warning("retrying a request")
    text = read(log_file)
    assert "INFO piday_desktop.ui.app: station starting: event pi-day" in text
    assert "chatter" not in text and "WARNING urllib3.connectionpool: retrying a request" in text
    assert len(text.strip().splitlines()) == 2  # one line per event


def test_keys_tokens_and_nicknames_never_reach_the_file(log_file):
    log = logging.getLogger("piday_desktop.test")
    logs.keep_out("Zebulon Quux")
    log.info("stored key nk-AbCdEf0123456789xyz for the upload")
    log.info("request headers {'Authorization': 'Bearer eyJhbGciOi.J9x.abc'}")
    log.info('credentials {"token": "s3cr3t-value", "tenant": "production"}')
    log.info("login api_key=plain-secret-123 ok")
    log.info("consent given, nickname=Ada, local only")
    log.info("visitor Zebulon Quux finished")
    try:
        raise ValueError("cannot save photo for Zebulon Quux")
    except ValueError:
        log.exception("save failed")
    text = read(log_file)
    for secret in ("AbCdEf0123456789xyz", "eyJhbGciOi", "s3cr3t-value", "plain-secret-123", "=Ada", "Zebulon"):
        assert secret not in text, secret
    assert text.count(logs.MASK) >= 7
    assert '"tenant": "production"' in text and "Traceback" in text  # the rest of the story stays


def test_the_file_rotates_and_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("PIDAY_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup_logging()
    try:
        log = logging.getLogger("piday_desktop.test")
        for i in range(400):
            log.info("photo %04d saved and embedded", i)
    finally:
        logs.close_logging()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["piday.log"] + [f"piday.log.{i}" for i in range(1, logs.BACKUPS + 1)]
    assert all((path.parent / name).stat().st_size <= 2_000 for name in files)
    assert "photo 0399" in path.read_text(encoding="utf-8")


def test_an_unwritable_log_folder_never_stops_the_program(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PIDAY_LOG_DIR", str(blocker / "logs"))
    assert logs.setup_logging() is None
    logging.getLogger("piday_desktop.test").warning("still fine")


def test_setup_twice_adds_one_handler(log_file):
    before = list(logging.getLogger().handlers)
    assert logs.setup_logging() == log_file
    assert logging.getLogger().handlers == before
