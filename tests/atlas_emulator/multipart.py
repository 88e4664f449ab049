"""A small multipart/form-data reader for the blobs endpoint.

The stdlib's ``cgi`` module is deprecated (gone in 3.13) and the ``email`` parser is not byte-exact for
binary parts, so this splits on the boundary by hand: the emulator must hand tests the exact JPEG
bytes the client sent, in order.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)="([^"]*)"')


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """Split a form into text fields and file parts ``(field name, bytes)``, keeping part order.

    A part with a ``filename`` counts as a file; ``requests`` names each file part after its field.
    """
    match = _BOUNDARY.search(content_type or "")
    if not content_type.lower().startswith("multipart/form-data") or not match:
        raise MultipartError("not multipart/form-data")
    delimiter = b"--" + match.group(1).encode("latin-1")
    sections = body.split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise MultipartError("missing closing boundary")
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    for section in sections[1:-1]:
        if not section.startswith(b"\r\n") or not section.endswith(b"\r\n"):
            raise MultipartError("malformed part")
        head, sep, content = section[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise MultipartError("part without headers")
        headers = _headers(head)
        params = dict(_DISPOSITION_PARAM.findall(headers.get("content-disposition", "")))
        name = params.get("name", "")
        if "filename" in params:
            files.append((name, content))
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        key, _, value = line.partition(":")
        if key:
            out[key.strip().lower()] = value.strip()
    return out
