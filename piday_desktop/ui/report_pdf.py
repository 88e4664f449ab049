"""`piday report --pdf`: the final report as a printable A4 PDF, through Qt's own PDF writer.

The same content as the HTML report (jobs/report_html.py renders both); Qt's rich-text engine
knows no SVG and no flex boxes, so here the tiles are a table and each chart's SVG is drawn into
an image first (QSvgRenderer). No browser is needed: a laptop without one still prints the
report, and text in the PDF stays text (searchable, copyable).
"""

from __future__ import annotations

import errno
import html
import os
from pathlib import Path

from ..jobs.report_html import ReportData, render

_CSS = """
body { font-family: sans-serif; font-size: 10pt; color: #1d2330; }
h1 { font-size: 18pt; } h2 { font-size: 13pt; margin-top: 14pt; } h3 { font-size: 11pt; }
table { border-collapse: collapse; } td, th { padding: 3pt 6pt; border: 1px solid #d0d4dc; }
th { background: #eef0f4; text-align: left; }
.muted { color: #6b7485; } .num { font-size: 15pt; font-weight: bold; }
.ok { color: #23863a; font-weight: bold; } .warn { color: #b05a00; font-weight: bold; }
.bad { color: #c0392b; font-weight: bold; }
"""


CHART_CSS = (".bar{fill:#4f7be8} .grid{stroke:#e4e7ee} .base{stroke:#9aa3b2} "
             ".axis{font-size:11px;fill:#6b7485} .peak{font-size:11px;fill:#1d2330} "
             ".group{font-size:14px;font-weight:600;fill:#1d2330}")
CHART_WIDTH = 900  # in the document's units (the PDF writer's resolution): about the text width


def _ensure_gui_app():
    """Fonts need an application object; a CLI has none, and may have no display either. A full
    QApplication (not a QGuiApplication): a process may show widgets after printing (the station,
    a test run), and Qt refuses widgets under a mere QGuiApplication."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["piday-report"])
    return app


def write_pdf(data: ReportData, out: Path) -> Path:
    """Write the report as a PDF (A4, portrait) at ``out``, atomically (temp file, then rename)."""
    _app = _ensure_gui_app()  # noqa: F841  (kept alive while the document is printed)
    from PySide6.QtCore import QByteArray, QMarginsF, QSize, QUrl
    from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument
    from PySide6.QtSvg import QSvgRenderer

    charts: list[QImage] = []

    def svg_image(svg: str) -> str:
        if not svg.startswith("<svg"):
            return svg  # "No kept photos yet."
        head = svg.index(">") + 1  # the page's CSS colours the drawing: carry it into the SVG itself
        svg = f"{svg[:head]}<style>{CHART_CSS}</style>{svg[head:]}"
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        box = renderer.defaultSize()
        image = QImage(QSize(box.width() * 2, box.height() * 2), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        charts.append(image)
        return f'<img src="chart-{len(charts)}.png" width="{CHART_WIDTH}">'

    def tiles_table(items: list[tuple[str, object, str]]) -> str:
        cells = "".join(f'<td><span class="num">{html.escape(str(v))}</span><br>{html.escape(k)}'
                        + (f'<br><span class="muted">{html.escape(s)}</span>' if s else "") + "</td>"
                        for k, v, s in items)
        return f'<table width="100%" cellpadding="5" cellspacing="0"><tr>{cells}</tr></table>'

    page = render(data, svg=svg_image, tiles=tiles_table)
    body = page[page.index("<main>") + len("<main>"):page.index("</main>")]
    body = body.replace("<table>", '<table cellpadding="4" cellspacing="0">')  # Qt ignores CSS cell padding
    doc = QTextDocument()
    doc.setDefaultStyleSheet(_CSS)
    for i, image in enumerate(charts, 1):
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart-{i}.png"), image)
    doc.setHtml(f"<html><body>{body}</body></html>")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(f"{data.event}: event report")
    writer.setCreator("piday")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    doc.print_(writer)
    del writer  # flushes and closes the file
    if not tmp.is_file() or tmp.stat().st_size == 0:  # Qt reports no error of its own
        raise OSError(errno.EIO, "the PDF could not be written", str(out))
    tmp.replace(out)
    return out
