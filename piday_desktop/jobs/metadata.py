"""`piday import DIR --metadata FILE`: an archive's own records (tags, description, theme, prompt)
matched to the files being imported.

Why the whole file is checked before anything is imported: a metadata file with a typo in one
row would otherwise leave an archive half described, and nobody would notice which half. So
:func:`read_metadata` parses every row (reporting each malformed one by its line) and
:func:`match_metadata` matches every row to exactly one scanned file (an unmatched row, a base
name several files share, two rows for one file: each reported by line); the import starts only
when there is no problem at all.

Formats: a JSON array of objects, JSON Lines (one object per line) or CSV with a header row,
told apart by the file's extension (``.json``, ``.jsonl``/``.ndjson``, ``.csv``) or, for any
other name, by its first character. Each row names its file in one of :data:`MATCH_KEYS`: a
path relative to DIR (``alice/one.jpg``) or a bare file name, which must then be unique under
DIR. That column is not stored (file names are personal, see exports); every other column is a
field of the photo (:mod:`piday_desktop.core.photo_fields`). In JSON a value may be text, a
number, true/false, a list of those (``"tags": ["boat", "sea"]``) or null (the field is removed);
CSV cells are text, an empty cell leaves the field as it is. Fields a row does not name are
left as they are, so a second file can add or correct fields of photos already imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core.photo_fields import FieldError, validate
from .scan import ScanResult

#: The columns that name a row's file, in the order they are looked for.
MATCH_KEYS = ("path", "file", "file_name", "filename")
FORMATS = ("json", "jsonl", "csv")
_SUFFIX_FORMAT = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


class MetadataError(Exception):
    """The metadata file cannot be used; ``problems`` lists each as (line, message)."""

    def __init__(self, source: Path, problems: list[tuple[int, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)")


@dataclass(frozen=True)
class MetadataRow:
    line: int  # 1-based line of the file where the row starts
    file: str  # the row's file as written (a relative path or a base name)
    fields: dict


@dataclass
class MetadataMatch:
    """What an import attaches: scanned file (display path) -> (line, fields); plus what was left out."""

    by_item: dict[str, tuple[int, dict]] = field(default_factory=dict)
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # with skip_unmatched: (line, why)
    rows: int = 0


def _format_of(path: Path, text: str) -> str:
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt:
        return fmt
    head = text.lstrip()[:1]
    return "json" if head == "[" else "jsonl" if head == "{" else "csv"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _row(line: int, obj, problems: list[tuple[int, str]]) -> MetadataRow | None:
    if not isinstance(obj, dict):
        problems.append((line, f"expected an object with a file name and fields, got {type(obj).__name__}"))
        return None
    keys = [k for k in MATCH_KEYS if obj.get(k) not in (None, "")]
    if not keys:
        problems.append((line, f"no file named: give one of {', '.join(MATCH_KEYS)}"))
        return None
    if len(keys) > 1:
        problems.append((line, f"names its file twice ({' and '.join(keys)}): give one"))
        return None
    file = obj[keys[0]]
    if not isinstance(file, str):
        problems.append((line, f"{keys[0]} must be text, got {json.dumps(file)}"))
        return None
    try:
        fields = validate({k: v for k, v in obj.items() if k not in MATCH_KEYS})
    except FieldError as exc:
        problems.append((line, str(exc)))
        return None
    return MetadataRow(line, file, fields)


def _read_json(text: str, problems: list[tuple[int, str]]) -> list[MetadataRow]:
    decoder = json.JSONDecoder()
    pos = len(text) - len(text.lstrip())
    if text[pos:pos + 1] != "[":
        problems.append((_line_of(text, pos), "a .json metadata file holds one array of objects: [{...}, {...}]"))
        return []
    pos += 1
    rows: list[MetadataRow] = []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if text[pos:pos + 1] == "]":
            pos += 1
            break
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            problems.append((exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})"))
            return rows  # the rest cannot be read reliably
        row = _row(_line_of(text, pos), obj, problems)
        if row:
            rows.append(row)
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if text[pos:pos + 1] == ",":
            pos += 1
        elif text[pos:pos + 1] != "]":
            problems.append((_line_of(text, pos), "not valid JSON: expected , or ] after an object"))
            return rows
    if text[pos:].strip():
        problems.append((_line_of(text, pos), "not valid JSON: text after the closing ]"))
    return rows


def _read_jsonl(text: str, problems: list[tuple[int, str]]) -> list[MetadataRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((number, f"not valid JSON: {exc.msg} (column {exc.colno})"))
            continue
        row = _row(number, obj, problems)
        if row:
            rows.append(row)
    return rows


def _read_csv(text: str, problems: list[tuple[int, str]]) -> list[MetadataRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        problems.append((1, f"not valid CSV: {exc}"))
        return []
    header = [h.strip() for h in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append((1, f"the header names {', '.join(map(repr, duplicated))} more than once"))
        return []
    if not any(h in MATCH_KEYS for h in header):
        problems.append((1, f"the header has no file column: name one {' or '.join(MATCH_KEYS)}"))
        return []
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((start, f"not valid CSV: {exc}"))
            break
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append((line, f"{len(cells)} cells where the header has {len(header)}"))
            continue
        obj = {h: c for h, c in zip(header, cells) if h and c != ""}
        row = _row(line, obj, problems)
        if row:
            rows.append(row)
    return rows


def _parse(path: Path, problems: list[tuple[int, str]]) -> list[MetadataRow]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode("utf-8", "replace")
        problems.append((before.count("\n") + 1, "not UTF-8 text (save the file as UTF-8)"))
        return []
    reader = {"json": _read_json, "jsonl": _read_jsonl, "csv": _read_csv}[_format_of(path, text)]
    return reader(text, problems)


def read_metadata(path: Path) -> list[MetadataRow]:
    """Every row of a metadata file; raises :class:`MetadataError` listing every problem by line
    (``FileNotFoundError`` when there is no such file)."""
    path = Path(path).expanduser()
    problems: list[tuple[int, str]] = []
    rows = _parse(path, problems)
    if problems:
        raise MetadataError(path, sorted(problems))
    return rows


def load_metadata(path: Path, scan: ScanResult, *, skip_unmatched: bool = False) -> MetadataMatch:
    """Read and match a metadata file in one go; :class:`MetadataError` lists every problem of
    both steps (a malformed row and an unmatched one are reported together)."""
    path = Path(path).expanduser()
    problems: list[tuple[int, str]] = []
    rows = _parse(path, problems)
    try:
        matched = match_metadata(rows, scan, skip_unmatched=skip_unmatched, source=path)
    except MetadataError as exc:
        problems += exc.problems
    if problems:
        raise MetadataError(path, sorted(problems))
    return matched


def _relative(file: str, root: Path) -> str:
    """A row's file as a path relative to the imported folder, '/'-separated."""
    name = file.replace("\\", "/")
    as_path = Path(name)
    if as_path.is_absolute():
        try:
            return as_path.relative_to(root).as_posix()
        except ValueError:
            return name
    parts = [p for p in PurePosixPath(name).parts if p not in (".", "")]
    return "/".join(parts)


def match_metadata(rows: list[MetadataRow], scan: ScanResult, *, skip_unmatched: bool = False,
                   source: Path | None = None) -> MetadataMatch:
    """Each row to exactly one scanned file; raises :class:`MetadataError` with every problem.

    A name with a ``/`` is a path relative to the imported folder; a bare name must be the name
    of exactly one file under it. With ``skip_unmatched`` a row naming no file is listed in
    ``unmatched`` instead (an archive's records may cover more than one folder); every other
    problem still stops the import.
    """
    root = Path(scan.root)
    by_path = {item.display: item for item in scan.items}
    by_name: dict[str, list[str]] = defaultdict(list)
    for item in scan.items:
        by_name[item.path.name].append(item.display)
    skipped = dict(scan.skipped)
    result = MetadataMatch(rows=len(rows))
    problems: list[tuple[int, str]] = []
    claimed: dict[str, int] = {}
    for row in rows:
        rel = _relative(row.file, root)
        if "/" in rel:
            candidates = [rel] if rel in by_path else []
        else:
            candidates = by_name.get(rel, [])
        if len(candidates) > 1:
            shown = ", ".join(candidates[:3]) + (f" and {len(candidates) - 3} more" if len(candidates) > 3 else "")
            problems.append((row.line, f"{row.file!r} names {len(candidates)} files ({shown}): give its path "
                                       "relative to the folder"))
            continue
        if not candidates:
            if rel in skipped:
                why = f"{row.file!r} is not imported: {skipped[rel]}"
            else:
                why = f"no file {row.file!r} under the imported folder"
            if skip_unmatched:
                result.unmatched.append((row.line, why))
            else:
                problems.append((row.line, why))
            continue
        display = candidates[0]
        if display in claimed:
            problems.append((row.line, f"{display!r} is already described by line {claimed[display]}"))
            continue
        claimed[display] = row.line
        result.by_item[display] = (row.line, row.fields)
    if problems:
        raise MetadataError(source or Path("metadata"), sorted(problems))
    return result
