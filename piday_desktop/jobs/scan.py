"""Turning a folder a user points at into participants and candidate photos.

The layout rule is the one a volunteer can explain in a sentence: every immediate subfolder is
one participant (its name becomes a label in the catalogue, never part of our own paths), and
loose files belong to one participant named after the folder itself. Everything below a
participant folder is searched recursively; hidden files and folders are skipped silently.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..core.images import is_candidate

# Files operating systems drop into photo folders; nobody expects to hear about them.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "icon\r", ".ds_store"})


class ScanError(Exception):
    """The folder itself cannot be scanned (missing, not a folder, unreadable)."""


@dataclass(frozen=True)
class ScanItem:
    path: Path
    display: str  # relative to the scanned folder, with '/' separators: what the user sees
    participant: str  # participant label (folder name)


@dataclass
class ScanResult:
    root: Path
    items: list[ScanItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display, reason)

    @property
    def participants(self) -> list[str]:
        return list(dict.fromkeys(item.participant for item in self.items))


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FILES


def special_kind(path: Path) -> str | None:
    """What a non-regular file is ("named pipe", "socket", "device"), None for a regular file.

    Reading a named pipe blocks until something writes to it, and a device can be endless:
    only regular files are ever opened by an import.
    """
    try:
        mode = path.stat().st_mode  # follows links: a link to a pipe is a pipe
    except OSError:
        return None  # broken link or vanished: reported when it is read
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _not_regular(kind: str) -> str:
    return f"not a regular file ({kind}): skipped without reading"


def _walk(folder: Path, root: Path, label: str, result: ScanResult) -> None:
    def on_error(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        rel = where.relative_to(root).as_posix() if where.is_relative_to(root) else str(where)
        result.skipped.append((rel + "/", f"cannot read folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=on_error):
        dirnames[:] = sorted((d for d in dirnames if not _hidden(d)), key=str.casefold)
        for name in sorted(filenames, key=str.casefold):
            if _hidden(name):
                continue
            path = Path(dirpath) / name
            display = path.relative_to(root).as_posix()
            kind = special_kind(path)
            if kind is not None:
                result.skipped.append((display, _not_regular(kind)))
            elif is_candidate(path):
                result.items.append(ScanItem(path, display, label))
            else:
                suffix = path.suffix.lower() or "no extension"
                result.skipped.append((display, f"not an image file ({suffix})"))


def item_for(root: Path, path: Path) -> ScanItem | None:
    """The scan item one file under ``root`` stands for, by the same rule as ``scan_folder``.

    Used by ``piday watch``, which learns of files one at a time: a file in an immediate
    subfolder belongs to that participant, a loose file to the one named after ``root``.
    None for hidden or system files and for anything outside ``root``.
    """
    root = Path(root).expanduser().resolve()
    path = Path(path).resolve() if not Path(path).is_absolute() else Path(path)
    try:
        rel = path.relative_to(root)
    except ValueError:
        try:
            rel = path.resolve().relative_to(root)
        except ValueError:
            return None
    if not rel.parts or any(_hidden(part) for part in rel.parts) or not is_candidate(path):
        return None
    label = rel.parts[0] if len(rel.parts) > 1 else (root.name or "import")
    return ScanItem(path, rel.as_posix(), label)


def scan_folder(root: Path) -> ScanResult:
    """List every candidate photo under ``root`` with its participant; never reads pixels."""
    root = Path(root).expanduser()
    if not root.exists():
        raise ScanError(f"no such folder: {root}")
    if not root.is_dir():
        raise ScanError(f"not a folder: {root}")
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name.casefold())
    except OSError as exc:
        raise ScanError(f"cannot read folder {root}: {exc.strerror or exc}") from None
    result = ScanResult(root=root.resolve())
    loose_label = root.resolve().name or "import"
    for entry in entries:
        if _hidden(entry.name):
            continue
        kind = special_kind(entry)
        if entry.is_dir() and not entry.is_symlink():
            _walk(entry, root, entry.name, result)
        elif kind is not None:
            result.skipped.append((entry.name, _not_regular(kind)))
        elif is_candidate(entry):
            result.items.append(ScanItem(entry, entry.name, loose_label))
        elif entry.is_file():
            suffix = entry.suffix.lower() or "no extension"
            result.skipped.append((entry.name, f"not an image file ({suffix})"))
    return result
