"""The layer rules of piday_desktop, checked from the source's syntax trees (tests/test_layers.py).

An own AST check rather than import-linter: two of the rules are not import contracts (no
``_``-prefixed ``EventStore`` member used outside ``core/store.py``; every third-party import
declared in pyproject.toml), and "no cycles between modules" is not a contract import-linter
offers; one small checker covers all five and can be tested on a synthetic package. Every
``import`` statement counts wherever it stands (module level, inside a function, under
``if TYPE_CHECKING``): a function-level import is still a dependency, only a later one.

Importing ``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``; those implied edges are not
counted (every package would then be in a cycle with its own submodules).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One import statement's target, as written, resolved to an absolute dotted name."""

    importer: str  # the importing module, dotted
    target: str  # the imported module (or module.attribute for ``from m import attr``)
    line: int
    path: Path


def module_name(root: Path, path: Path) -> str:
    """Dotted module name of ``path`` inside the package directory ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> list[Path]:
    """Every ``.py`` file of the package at ``root``."""
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _resolve(importer: str, is_package: bool, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports(root: Path) -> list[Import]:
    """Every import in the package at ``root`` (function-level ones included)."""
    found: list[Import] = []
    for path in source_files(root):
        name = module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.extend(Import(name, alias.name, node.lineno, path) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", node.module, node.level)
                for alias in node.names:
                    target = base if alias.name == "*" else f"{base}.{alias.name}"
                    found.append(Import(name, target, node.lineno, path))
    return found


def _owner(target: str, modules: Iterable[str]) -> str | None:
    """The longest known module that ``target`` names or lies in (``pkg.mod.attr`` -> ``pkg.mod``)."""
    known = set(modules)
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def internal_graph(root: Path) -> dict[str, dict[str, Import]]:
    """importer -> {imported module of this package -> the first import that makes the edge}."""
    modules = {module_name(root, p) for p in source_files(root)}
    graph: dict[str, dict[str, Import]] = {m: {} for m in modules}
    for imp in imports(root):
        owner = _owner(imp.target, modules)
        if owner is not None and owner != imp.importer:
            graph[imp.importer].setdefault(owner, imp)
    return graph


# --- rule: no cycles ------------------------------------------------------------------------------


def cycles(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative: no recursion limit on long chains
        nonlocal counter
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe_cycle(component: Sequence[str], graph: Mapping[str, Mapping[str, Import]]) -> str:
    """The cycle's edges inside one component, with where each import stands."""
    members = set(component)
    edges = [
        f"{a} -> {b} ({imp.path.name}:{imp.line})"
        for a in component
        for b, imp in sorted(graph[a].items())
        if b in members
    ]
    return "; ".join(edges)


# --- rule: lower layers never import upper ones -------------------------------------------------


def layer_of(module: str, layers: Mapping[str, int]) -> tuple[str, int] | None:
    """The (prefix, rank) of the longest layer prefix that ``module`` falls under.

    A key without a dot (the top package itself, ``pkg/__init__.py``) names only that module,
    not everything inside it.
    """
    best: tuple[str, int] | None = None
    for prefix, rank in layers.items():
        inside = module == prefix or ("." in prefix and module.startswith(prefix + "."))
        if inside and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank)
    return best


def unlayered(graph: Mapping[str, object], layers: Mapping[str, int]) -> list[str]:
    """Modules no layer claims: a new package must be given its place in the order."""
    return sorted(m for m in graph if layer_of(m, layers) is None)


def layer_violations(graph: Mapping[str, Mapping[str, Import]], layers: Mapping[str, int]) -> list[str]:
    """Imports from a layer to a higher one, or between two different packages of the same rank.

    Packages of the same rank are siblings: they do not know each other.
    """
    problems = []
    for importer, edges in sorted(graph.items()):
        mine = layer_of(importer, layers)
        for target, imp in sorted(edges.items()):
            theirs = layer_of(target, layers)
            if mine is None or theirs is None or mine[0] == theirs[0]:
                continue
            if theirs[1] > mine[1]:
                problems.append(f"{importer} (layer {mine[0]}) imports the higher {target} at {imp.path.name}:{imp.line}")
            elif theirs[1] == mine[1]:
                problems.append(f"{importer} imports its sibling {target} at {imp.path.name}:{imp.line}")
    return problems


# --- rule: Qt only where allowed -----------------------------------------------------------------


def forbidden_imports(root: Path, banned: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """Imports of a ``banned`` top-level package by a module outside the ``allowed`` prefixes."""
    banned, allowed = set(banned), tuple(allowed)
    problems = []
    for imp in imports(root):
        top = imp.target.split(".")[0]
        inside = any(imp.importer == a or imp.importer.startswith(a + ".") for a in allowed)
        if top in banned and not inside:
            problems.append(f"{imp.importer} imports {imp.target} at {imp.path.name}:{imp.line}")
    return problems


# --- rule: the store's private members stay in the store ----------------------------------------


def private_members(store_file: Path, class_name: str) -> set[str]:
    """``_``-prefixed (not dunder) attributes and methods the class defines."""
    tree = ast.parse(store_file.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for sub in ast.walk(node):
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(sub.name)
                elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    names.add(sub.attr)
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


def private_access(root: Path, store_file: Path, members: set[str]) -> list[str]:
    """Uses of ``members`` on anything but ``self``/``cls`` (also via getattr) outside ``store_file``."""
    problems = []
    for path in source_files(root):
        if path.resolve() == store_file.resolve():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and node.attr in members:
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    name = node.attr
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) >= 2
                  and isinstance(node.args[1], ast.Constant) and node.args[1].value in members):
                name = node.args[1].value
            if name:
                problems.append((str(path), node.lineno, f"{module_name(root, path)} uses {name} at {path.name}:{node.lineno}"))
    return [text for _path, _line, text in sorted(problems)]


# --- rule: every third-party import is declared -------------------------------------------------

#: import name -> distribution name, where the two differ.
IMPORT_TO_DIST = {
    "PIL": "pillow",
    "cv2": "opencv-python-headless",
    "open_clip": "open-clip-torch",
    "umap": "umap-learn",
    "sklearn": "scikit-learn",
    "PySide6": "pyside6-essentials",
    "shiboken6": "pyside6-essentials",
    "tomli_w": "tomli-w",
    "yaml": "pyyaml",
    "pytestqt": "pytest-qt",
    "faiss": "faiss-cpu",
}


def normalise(dist: str) -> str:
    """PEP 503 name: case, ``_`` and ``.`` do not matter."""
    return re.sub(r"[-_.]+", "-", dist).lower()


def requirement_name(requirement: str) -> str:
    """``"nomic>=3.9,<3.10"`` -> ``nomic``; ``"tomli>=2; python_version < '3.11'"`` -> ``tomli``."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ValueError(f"unreadable requirement {requirement!r}")
    return normalise(match.group(1))


def local_names(folder: Path) -> set[str]:
    """What a script folder (tests/, bench/) imports from itself via ``sys.path``: its modules and packages."""
    return {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}


def third_party(root: Path, local: Iterable[str] = ()) -> dict[str, Import]:
    """Top-level names of every import that is not stdlib, ``root`` itself or ``local`` -> its first import."""
    own = {root.name, *local}
    found: dict[str, Import] = {}
    for imp in imports(root):
        if imp.target.startswith(".") or not imp.target:
            continue
        top = imp.target.split(".")[0]
        if top in own or top in sys.stdlib_module_names or top == "__future__":
            continue
        found.setdefault(top, imp)
    return found


def undeclared(root: Path, requirements: Iterable[str], local: Iterable[str] = ()) -> list[str]:
    """Third-party imports whose distribution is not in ``requirements``."""
    declared = {requirement_name(r) for r in requirements}
    problems = []
    for top, imp in sorted(third_party(root, local).items()):
        dist = normalise(IMPORT_TO_DIST.get(top, top))
        if dist not in declared:
            problems.append(f"{top} (distribution {dist}) imported by {imp.importer} at {imp.path.name}:{imp.line}")
    return problems
