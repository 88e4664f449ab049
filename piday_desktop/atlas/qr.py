"""QR codes of the public map link, for the terminal and for the station's screen (segno)."""

from __future__ import annotations

import io

import segno


def terminal(url: str) -> str:
    """The QR code as text (two modules per character cell), scannable from a dark terminal."""
    buf = io.StringIO()
    segno.make(url, error="m").terminal(out=buf, compact=True, border=2)
    return buf.getvalue()


def png(url: str, scale: int = 8) -> bytes:
    """The QR code as PNG bytes, black on white with the standard quiet zone."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
