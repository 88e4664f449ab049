"""The station's translations (issue 17): collect the sentences, compile the .qm files, check both.

    python packaging/translations.py            # .ts from the code (new sentences added, unfinished), then .qm
    python packaging/translations.py --release  # only compile .ts -> .qm (after translating in Qt Linguist)
    python packaging/translations.py --check    # exit 1 if a .ts misses a sentence of the code or a .qm is stale

The sentences are the ``translate("Context", "…")`` calls of piday_desktop's ui/ (Qt's
``QCoreApplication.translate``) and the ``QT_TRANSLATE_NOOP("Context", "…")`` marks of its
Qt-free layers (core/i18n.py). They are read from the code's syntax tree here rather than by
``pyside6-lupdate``, whose Python reader silently skips a call whose later arguments are not
plain names (and so would lose sentences without a word); a call with anything but literal
text (an f-string, a variable) is reported instead. Each ``piday_<lang>.ts`` is the usual Qt
Linguist file, merged (translations kept, new sentences unfinished, dropped ones removed), and
``pyside6-lrelease`` compiles it to the ``piday_<lang>.qm`` shipped beside it (committed:
``pip install`` needs no Qt tools). English is the code's own language: no file.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "piday_desktop"
I18N = PACKAGE / "resources" / "i18n"
LANGUAGES = ("de", "fr", "es")
MARKERS = ("translate", "QT_TRANSLATE_NOOP")
#: Where a marker may take non-literal text: the translating helpers themselves.
DYNAMIC_OK = ("piday_desktop/ui/i18n.py",)


@dataclass
class Sentence:
    context: str
    source: str
    where: str  # file:line of its first use


def _marker(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in MARKERS
    return isinstance(f, ast.Attribute) and f.attr == "translate" and isinstance(f.value, ast.Name) \
        and f.value.id == "QCoreApplication"


def collect(package: Path = PACKAGE) -> tuple[list[Sentence], list[str]]:
    """Every marked sentence of the package, in file order (first use wins), and the problems:
    marker calls whose context or text is not a literal string."""
    found: dict[tuple[str, str], Sentence] = {}
    problems = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _marker(node)):
                continue
            args = node.args[:2]
            literal = len(args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args)
            if not literal:
                if rel not in DYNAMIC_OK:
                    problems.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}: the context and text must be "
                                    "literal strings (values go in with .format / .fill)")
                continue
            key = (args[0].value, args[1].value)
            found.setdefault(key, Sentence(key[0], key[1], f"{rel}:{node.lineno}"))
    return sorted(found.values(), key=lambda s: s.context), problems  # stable: file order within a context


def ts_path(language: str, folder: Path = I18N) -> Path:
    return folder / f"piday_{language}.ts"


def read_ts(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(context, source) -> (translation, finished)."""
    if not path.exists():
        return {}
    out = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            tr = message.find("translation")
            text = (tr.text or "") if tr is not None else ""
            finished = tr is not None and tr.get("type") not in ("unfinished", "obsolete", "vanished")
            out[(name, message.findtext("source") or "")] = (text, finished)
    return out


def render_ts(language: str, sentences: list[Sentence], old: dict[tuple[str, str], tuple[str, bool]]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
             f'<TS version="2.1" language="{language}" sourcelanguage="en">']
    context = None
    for s in sentences:
        if s.context != context:
            if context is not None:
                lines.append("</context>")
            context = s.context
            lines += ["<context>", f"    <name>{escape(context)}</name>"]
        text, finished = old.get((s.context, s.source), ("", False))
        kind = "" if finished and text else ' type="unfinished"'
        lines += ["    <message>", f"        <source>{escape(s.source)}</source>",
                  f"        <translation{kind}>{escape(text)}</translation>", "    </message>"]
    if context is not None:
        lines.append("</context>")
    lines.append("</TS>")
    return "\n".join(lines) + "\n"


def update(folder: Path = I18N, sentences: list[Sentence] | None = None) -> None:
    """Merge the code's sentences into each language's .ts (translations of kept sentences stay)."""
    sentences = collect()[0] if sentences is None else sentences
    folder.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        path = ts_path(language, folder)
        path.write_text(render_ts(language, sentences, read_ts(path)), encoding="utf-8")


def tool(name: str) -> str:
    """``pyside6-lrelease``: beside this Python (a venv) or on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: it comes with PySide6 (pip install PySide6)")
    return found


def release(folder: Path = I18N, out: Path = I18N) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        subprocess.run([tool("pyside6-lrelease"), "-silent", "-nounfinished", str(ts_path(language, folder)),
                        "-qm", str(out / f"piday_{language}.qm")], cwd=ROOT, check=True)


def check() -> list[str]:
    """What is out of date: a sentence of the code missing from a .ts (or one the code dropped
    still there), a marker with non-literal text, a .qm that is not its compiled .ts."""
    sentences, problems = collect()
    for language in LANGUAGES:
        path = ts_path(language)
        if not path.exists():
            problems.append(f"{path.name} is missing")
        elif render_ts(language, sentences, read_ts(path)) != path.read_text(encoding="utf-8"):
            problems.append(f"{path.name} is not up to date with the code")
    with tempfile.TemporaryDirectory() as tmp:
        release(out=Path(tmp))
        for language in LANGUAGES:
            qm = I18N / f"piday_{language}.qm"
            if not qm.exists() or qm.read_bytes() != (Path(tmp) / qm.name).read_bytes():
                problems.append(f"{qm.name} is not compiled from {ts_path(language).name}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", action="store_true", help="only compile the .ts files")
    ap.add_argument("--check", action="store_true", help="report stale .ts / .qm files (exit 1)")
    args = ap.parse_args()
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("fix: python packaging/translations.py (then translate the unfinished sentences)", file=sys.stderr)
        return 1 if problems else 0
    if not args.release:
        sentences, problems = collect()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        update(sentences=sentences)
    release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
