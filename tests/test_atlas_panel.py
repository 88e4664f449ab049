"""The Atlas widgets, and the uploader running in the real station window on a qasync loop."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atlas_emulator import AtlasEmulator
from atlas_emulator.harness import ClientEnv, emulator  # noqa: F401
from atlas_event import make_event
from piday_desktop.atlas import outbox
from piday_desktop.atlas.client import KEY_REFUSED
from piday_desktop.atlas.engine import UploadEngine
from piday_desktop.atlas.settings import AtlasSettings
from piday_desktop.atlas.status import UploadStatus
from piday_desktop.atlas.uploader import Uploader
from piday_desktop.core.config import StationConfig
from piday_desktop.ui.atlas_panel import NO_MAP_YET, AtlasStatusWidget, MapQrWidget, attach_atlas
from piday_desktop.ui.main_window import StationWindow
from test_atlas_uploader import until

FAST = AtlasSettings(deadline_s=0.5, backoff_base_s=0.05, backoff_cap_s=0.3, map_min_points=10, idle_poll_s=0.2)
LINK = "https://atlas.nomic.ai/data/piday-test/ev"  # the dataset page: opens with or without its map


def test_qr_widget_shows_the_link_as_a_code(qtbot) -> None:
    widget = MapQrWidget(size=200)
    qtbot.addWidget(widget)
    assert widget.caption.text() == NO_MAP_YET and widget.code.isHidden()
    widget.set_link(LINK)
    assert not widget.code.pixmap().isNull() and widget.code.pixmap().width() == 200
    assert LINK in widget.caption.text()
    widget.set_link(None)
    assert widget.caption.text() == NO_MAP_YET


def test_status_widget_offers_retry_only_while_failing_and_retry_makes_rows_due(qtbot, tmp_path: Path) -> None:
    ev = make_event(tmp_path / "data", participants=2)
    outbox.sweep(ev.store)
    outbox.mark_failed(ev.store, [p for p in ev.consented], KEY_REFUSED, base=600, cap=600, count_attempt=True)
    uploader = Uploader(UploadEngine(ev.store, FAST))  # not started: actions run in place
    widget = AtlasStatusWidget(uploader)
    qtbot.addWidget(widget)

    widget.set_status(UploadStatus("failing", queued=4, failing=4, reason=KEY_REFUSED))
    assert not widget.retry.isVisibleTo(widget) and widget.login.isVisibleTo(widget)  # only a key helps
    assert widget.label.text() == "Atlas: the key was refused" and KEY_REFUSED in widget.label.toolTip()
    widget.set_status(UploadStatus("failing", queued=4, failing=4, reason="Atlas did not answer in time"))
    assert widget.retry.isVisibleTo(widget) and not widget.login.isVisibleTo(widget)
    assert "did not answer" in widget.label.toolTip()
    from piday_desktop.atlas.uploader import OTHER_UPLOADER

    widget.set_status(UploadStatus("waiting", queued=4, uploaded=2, reason=OTHER_UPLOADER))
    assert widget.label.text() == "Atlas: 2 on the map; waiting" and OTHER_UPLOADER in widget.label.toolTip()
    assert outbox.due(ev.store, now=time.time(), limit=10) == []
    widget.retry.click()
    assert len(outbox.due(ev.store, now=time.time(), limit=10)) == 4

    widget.set_status(UploadStatus("uploaded", uploaded=4, map_link=LINK))
    assert not widget.retry.isVisibleTo(widget) and "all 4 photos on the map" in widget.label.text()
    dialog = widget.open_map()
    assert dialog.qr.link == LINK
    dialog.close()


def test_without_a_key_the_window_says_so_whole_takes_the_key_and_then_uploads(qtbot, qasync_loop,
                                                                            emulator: AtlasEmulator,
                                                                            tmp_path: Path) -> None:
    from piday_desktop.atlas.client import NO_KEY, credentials_path

    with ClientEnv(emulator, tmp_path / "home"):
        credentials_path().unlink()  # a laptop nobody logged in on
        ev = make_event(tmp_path / "data", participants=4)
        window = StationWindow(ev.store, StationConfig(event="ev"))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()

        async def main() -> None:
            uploader = Uploader(UploadEngine(ev.store, replace(FAST))).start()
            widget = attach_atlas(window, uploader)
            failing = await until(uploader, lambda s: s.state == "failing")
            assert failing.reason == NO_KEY
            assert widget.label.text() == "Atlas: not set up on this laptop (no key)"
            assert NO_KEY in widget.label.toolTip()  # the whole reason, not cut off
            assert widget.login.isVisible() and not widget.retry.isVisible()  # "Retry now" cannot help
            assert window.atlas_qr.caption.text() == "The online map is not set up on this laptop: your photos stay here."
            assert widget.mapToGlobal(widget.rect().bottomRight()).x() <= window.mapToGlobal(window.rect().bottomRight()).x()

            login = widget.open_login()
            login.key.setText("")
            login.submit()
            assert login.message.text() == "Paste a key first."
            login.key.setText(emulator.key)
            login.submit()
            done = await until(uploader, lambda s: s.state == "uploaded" and s.uploaded == len(ev.consented), timeout=30)
            assert "Key saved" in login.message.text() and login.key.text() == ""
            assert done.map_link and window.atlas_qr.link == done.map_link
            await uploader.stop()
            login.close()

        qasync_loop.run_until_complete(main())
        window.close()


@pytest.fixture
def qasync_loop():
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def test_the_station_window_shows_uploads_the_qr_and_erases(qtbot, qasync_loop, emulator: AtlasEmulator,
                                                            tmp_path: Path) -> None:
    with ClientEnv(emulator, tmp_path / "home"):
        ev = make_event(tmp_path / "data", participants=8)
        window = StationWindow(ev.store, StationConfig(event="ev"))
        qtbot.addWidget(window)

        async def main() -> None:
            uploader = Uploader(UploadEngine(ev.store, replace(FAST))).start()
            widget = attach_atlas(window, uploader)
            await until(uploader, lambda s: s.state == "uploaded" and s.map_link is not None)
            assert "all 24 photos on the map" in widget.label.text()
            assert window.atlas_qr.link == LINK and not window.atlas_qr.code.pixmap().isNull()
            assert window.done_page.layout().indexOf(window.atlas_qr) >= 0

            dialog = widget.open_map()
            dialog.forget("P-002")  # confirmed already (the confirmation is a modal question box)
            await until(uploader, lambda s: s.state == "uploaded" and s.last_rebuild_s is not None
                        and not s.rebuilding)
            assert "P-002 erased here (4 photos)" in dialog.message.text()
            await uploader.stop()
            dialog.close()

        qasync_loop.run_until_complete(main())
        window.close()
    (dataset,) = emulator.datasets()
    assert len(dataset.ids) == 20


def test_no_button_of_the_window_takes_the_keyboard_from_the_station(qtbot, tmp_path: Path) -> None:
    """Found under Xvfb: the status bar's "Show map" held the focus at start, so a visitor's Space
    opened the map dialog instead of starting a visit. Every button the window shows (Atlas's
    included) is for the mouse or a finger; Space and Enter belong to the station."""
    from PySide6.QtWidgets import QAbstractButton

    ev = make_event(tmp_path / "data", participants=1)
    window = StationWindow(ev.store, StationConfig(event="ev"))
    qtbot.addWidget(window)
    attach_atlas(window, Uploader(UploadEngine(ev.store, FAST)))
    window.show()
    takers = [b.text() for b in window.findChildren(QAbstractButton)
              if b.focusPolicy() != Qt.FocusPolicy.NoFocus and b.window() is window]
    assert takers == []
    window.close()
