"""`piday report --html`: the final report an organiser reads, with nothing personal by default."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import imagefactory as f
from piday_desktop.atlas import outbox
from piday_desktop.cli import main
from piday_desktop.core.store import Consent, EventStore
from piday_desktop.jobs.backup import backup_event
from piday_desktop.jobs.report_html import gather

TINY = "piday-tiny:none"


def station_day(data: Path, visitors: int = 6) -> None:
    """An event as the station leaves it: visitors with nicknames and consent, a retake gap,
    photos spread over the afternoon (imported_at set in the file, as a day of shooting would)."""
    store = EventStore.open(data, "ev")
    levels = [Consent(), Consent(map=True), Consent(map=True, photo=True)]
    start = datetime(2026, 3, 14, 13, 0, tzinfo=timezone.utc)
    stamps = []
    for v in range(visitors):
        pt = store.create_participant(consent=levels[v % 3], nickname=f"Secret Nick {v}")
        for shot in range(3):
            retake = v == 0 and shot == 1
            photo = f.add_picture(store, pt, (64, 48), v * 10 + shot, quality=90,
                                  original_name=f"private_original_{v}_{shot}.jpg",
                                  state="review" if retake else "kept")
            stamps.append((photo.id, start + timedelta(minutes=v * 20 + shot)))
            if retake:
                store.delete_photo(photo.id)  # discarded at review: shot 2 is gone, a gap remains
        store.set_participant_state(pt.code, "finished")
    store.close()
    conn = sqlite3.connect(data / "events" / "ev" / "event.sqlite")
    conn.executemany("UPDATE photos SET imported_at=? WHERE id=?",
                     [(t.isoformat().replace("+00:00", "Z"), pid) for pid, t in stamps])
    conn.commit()
    conn.close()


def test_html_report_counts_charts_and_keeps_names_out(tmp_path, capsys):
    data, stick = tmp_path / "data", tmp_path / "stick"
    stick.mkdir()
    station_day(data)
    folder = tmp_path / "imports"
    f.jpeg(folder / "bobs-private-folder" / "a.jpg", seed=900)
    (folder / "bobs-private-folder" / "broken.jpg").write_bytes(b"\xff\xd8 nope")
    assert main(["import", str(folder), "--event", "ev", "--model", TINY, "--data-dir", str(data)]) == 3
    with EventStore.open(data, "ev", create=False) as store:
        outbox.sweep(store)  # the photos of finished visitors who chose the public map
        queued = outbox.due(store, now=1e12, limit=100)
        outbox.mark_sending(store, queued[:4], "ds-1")
        outbox.mark_uploaded(store, queued[:3], "ds-1")
        backup_event(store.directory, stick)
    capsys.readouterr()

    out = tmp_path / "report.html"
    code = main(["report", "--event", "ev", "--html", str(out), "--backup", str(stick), "--data-dir", str(data)])
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    for private in ("Secret Nick", "private_original", "bobs-private-folder"):
        assert private not in page
    assert "P-001" in page and "backup up to date" in page
    assert "not an image Pillow can read" in page  # the broken file's reason, without its path
    assert "<script" not in page and "src=" not in page  # self-contained: no script, no external file
    bars = re.findall(r'<rect [^>]*class="bar"', page)
    with EventStore.open(data, "ev", create=False) as store:
        report = gather(store, backup_dir=str(stick))
    (day, bars_of_day), (_, today) = report.per_day  # the station day, and the day of the import
    assert "14 Mar 2026" in day and len(bars_of_day) >= 7  # 13:00 .. 14:40 local, empty quarters included
    assert len(bars) == len(bars_of_day) + len(today)
    assert sum(n for _, n in bars_of_day) == 17 and sum(n for _, n in today) == 1  # 6 x 3 - 1 retake; 1 import
    assert report.photos == 18
    assert report.consent == {"none": 3, "map": 2, "map+photo": 2}
    assert report.atlas["on_atlas"] == 3 and report.atlas["waiting"] == len(queued) - 3
    assert report.atlas["shared_consent"] == 12 and report.atlas["kept_here"] == 18
    assert report.removals == {"retake": 1, "photo": 0, "visitor": 0}
    assert '<div class="num">1</div><div class="lbl">retakes</div>' in page

    main(["report", "--event", "ev", "--html", str(out), "--include-names", "--data-dir", str(data),
          "--backup", str(tmp_path / "pulled")])
    page = out.read_text(encoding="utf-8")
    assert "Secret Nick 1" in page and "bobs-private-folder" in page and "target missing" in page
    assert "bobs-private-folder/broken.jpg" in page  # the failed file, by name, only now
    assert "private_original" not in page  # original file names of stored photos never appear


def test_retakes_deletions_and_forgotten_visitors_are_counted_whoever_removed_them(tmp_path, capsys):
    station_day(tmp_path / "data", visitors=3)
    with EventStore.open(tmp_path / "data", "ev", create=False) as store:
        store.delete_photo(store.photos("P-002")[0].id)  # the volunteer deletes a kept photo
    assert main(["forget", "P-003", "--event", "ev", "--local-only", "--yes", "--data-dir", str(tmp_path / "data")]) == 0
    capsys.readouterr()

    assert main(["report", "--event", "ev", "--data-dir", str(tmp_path / "data")]) == 0
    text = capsys.readouterr().out
    assert "removed: 1 retake(s), 4 photo(s) deleted, 1 visitor(s) forgotten" in text  # P-003's 3 + 1
    assert "P-003" not in text


def test_html_report_never_imports_torch(tmp_path):
    station_day(tmp_path / "data", visitors=2)
    code = ("import sys\nfrom piday_desktop.cli import main\n"
            f"rc = main(['report', '--event', 'ev', '--html', {str(tmp_path / 'r.html')!r}, "
            f"'--data-dir', {str(tmp_path / 'data')!r}])\n"
            "heavy = sorted({'torch', 'open_clip', 'nomic', 'PySide6'} & set(sys.modules))\n"
            "assert not heavy, heavy\nsys.exit(rc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.html").stat().st_size > 1000


def test_the_report_prints_as_a_pdf_with_the_same_figures_and_no_names(tmp_path, capsys):
    from pypdf import PdfReader

    data = tmp_path / "data"
    station_day(data)
    out = tmp_path / "report.pdf"
    code = main(["report", "--event", "ev", "--pdf", str(out), "--data-dir", str(data), "--backup", str(tmp_path / "none")])
    assert code == 0, capsys.readouterr().err
    reader = PdfReader(out)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # Qt spaces words with tabs
    assert reader.metadata.title == "ev: event report"
    for shown in ("ev: event report", "Photos per quarter hour", "retakes", "P-001", "P-006", "target missing"):
        assert shown in text, shown
    assert "Secret Nick" not in text and "private_original" not in text
    assert any(page.images for page in reader.pages)  # the chart, drawn from the same SVG

    assert main(["report", "--event", "ev", "--pdf", str(out), "--include-names", "--data-dir", str(data)]) == 0
    assert "Secret Nick 1" in " ".join(" ".join(page.extract_text() for page in PdfReader(out).pages).split())
