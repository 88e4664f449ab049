"""The layer rules of docs/architecture.md, enforced: a violation fails here, not in review.

The order (lower never imports higher; packages of the same rank do not import each other):

    core (and the top package's __version__)
      < capture, embedding          devices and the model, on the kernel only
      < projection, station, atlas  the map, the visitor flow, the upload
      < jobs                        long jobs; the HTML map export renders with projection/
      < doctor_types < doctor_event < doctor   checks everything below (the event's checks apart)
      < workers < ui < cli < __main__

Qt (PySide6, shiboken6, qasync) only in ui/ and workers/. No import cycles between modules,
function-level imports included. The store's ``_``-prefixed members only in core/store.py.
Every third-party import declared in pyproject.toml (an optional extra's only in its one module). The checker itself (tests/layer_rules.py)
is tested on small synthetic packages below, so a rule that silently stopped looking would fail.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import layer_rules as rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "piday_desktop"
STORE = PACKAGE / "core" / "store.py"

LAYERS = {
    "piday_desktop": 0,  # the top package's __init__ only (__version__)
    "piday_desktop.core": 0,
    "piday_desktop.capture": 1,
    "piday_desktop.embedding": 1,
    "piday_desktop.projection": 2,
    "piday_desktop.station": 2,
    "piday_desktop.atlas": 2,
    "piday_desktop.jobs": 3,
    "piday_desktop.doctor_types": 4,
    "piday_desktop.doctor_event": 5,
    "piday_desktop.doctor": 6,
    "piday_desktop.workers": 7,
    "piday_desktop.ui": 8,
    "piday_desktop.cli": 9,
    "piday_desktop.__main__": 10,
}
QT = {"PySide6", "shiboken6", "qasync"}
QT_ALLOWED = ["piday_desktop.ui", "piday_desktop.workers"]
OPTIONAL = {"ray"}  # the `ray` extra's distributions, by import name
OPTIONAL_ALLOWED = ["piday_desktop.jobs.ray_embed"]


@pytest.fixture(scope="module")
def graph() -> dict:
    return rules.internal_graph(PACKAGE)


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


# --- the rules on piday_desktop ---------------------------------------------------------------


def test_every_module_has_a_layer(graph):
    assert rules.unlayered(graph, LAYERS) == [], "give the new package its place in LAYERS (and in docs/architecture.md)"


def test_lower_layers_never_import_upper_ones(graph):
    assert rules.layer_violations(graph, LAYERS) == []


def test_qt_only_in_ui_and_workers():
    assert rules.forbidden_imports(PACKAGE, QT, QT_ALLOWED) == []


def test_no_import_cycles(graph):
    found = [rules.describe_cycle(c, graph) for c in rules.cycles(graph)]
    assert found == []


def test_store_private_members_stay_in_the_store():
    members = rules.private_members(STORE, "EventStore")
    assert {"_tx", "_query", "_conn", "_lock"} <= members  # the rule still looks at what matters
    assert rules.private_access(PACKAGE, STORE, members) == []


def test_optional_extras_stay_in_their_module():
    """ray is an extra (`piday-desktop[ray]`): imported by the Ray engine's driver only, so every
    other module (and `piday --help`) works without it."""
    assert rules.forbidden_imports(PACKAGE, OPTIONAL, OPTIONAL_ALLOWED) == []


def test_every_third_party_import_is_declared():
    project = pyproject()["project"]
    runtime = project["dependencies"]
    extras = [r for name in ("ray",) for r in project["optional-dependencies"][name]]
    assert {rules.requirement_name(r) for r in extras} == OPTIONAL
    assert rules.undeclared(PACKAGE, [*runtime, *extras]) == []
    with_dev = [*runtime, *project["optional-dependencies"]["dev"]]
    # tests/ and bench/ import their own helpers by path (bench/ also tests/'s emulator and images).
    local = {"piday_desktop", *rules.local_names(REPO / "tests"), *rules.local_names(REPO / "bench")}
    for folder in (REPO / "tests", REPO / "bench"):
        assert rules.undeclared(folder, with_dev, local) == []


# --- the checker on synthetic packages ------------------------------------------------------------


def make_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return root


SYNTHETIC_LAYERS = {"pkg.core": 0, "pkg.lib": 1, "pkg.other": 1, "pkg.ui": 2}


def test_checker_finds_an_upper_import_even_inside_a_function(tmp_path):
    root = make_package(tmp_path, {
        "core/kernel.py": """
            def late():
                from ..ui import window  # relative and function-level: still a dependency
        """,
        "lib/a.py": "from pkg.other import b\n",  # siblings of one rank
        "other/b.py": "import pkg.core.kernel\n",  # downwards: allowed
        "ui/window.py": "from pkg.lib import a\n",
    })
    graph = rules.internal_graph(root)
    problems = rules.layer_violations(graph, SYNTHETIC_LAYERS)
    assert problems == [
        "pkg.core.kernel (layer pkg.core) imports the higher pkg.ui.window at kernel.py:3",
        "pkg.lib.a imports its sibling pkg.other.b at a.py:1",
    ]
    assert rules.unlayered(graph, {"pkg.core": 0}) == ["pkg", "pkg.lib", "pkg.lib.a", "pkg.other", "pkg.other.b",
                                                      "pkg.ui", "pkg.ui.window"]


def test_checker_finds_qt_outside_its_layers(tmp_path):
    root = make_package(tmp_path, {
        "core/model.py": """
            def show():
                import PySide6.QtWidgets
        """,
        "ui/view.py": "from PySide6.QtCore import QObject\nimport qasync\n",
    })
    assert rules.forbidden_imports(root, QT, ["pkg.ui"]) == ["pkg.core.model imports PySide6.QtWidgets at model.py:3"]


def test_checker_finds_a_cycle_hidden_by_a_function_level_import(tmp_path):
    root = make_package(tmp_path, {
        "lib/fit.py": "from pkg.lib.warmup import import_umap\n",
        "lib/warmup.py": """
            def run():
                from pkg.lib.fit import warm_up_fit
        """,
        "lib/chain_a.py": "from . import chain_b\n",
        "lib/chain_b.py": "from .chain_c import x\n",
        "lib/chain_c.py": "import pkg.lib.chain_a\n",
        "lib/free.py": "import pkg.lib.fit\n",  # depends on a cycle, is not in one
    })
    graph = rules.internal_graph(root)
    assert rules.cycles(graph) == [
        ["pkg.lib.chain_a", "pkg.lib.chain_b", "pkg.lib.chain_c"],
        ["pkg.lib.fit", "pkg.lib.warmup"],
    ]
    assert "pkg.lib.warmup -> pkg.lib.fit (warmup.py:3)" in rules.describe_cycle(["pkg.lib.fit", "pkg.lib.warmup"], graph)


def test_checker_finds_private_store_access_outside_the_store(tmp_path):
    root = make_package(tmp_path, {
        "core/store.py": """
            class EventStore:
                def __init__(self):
                    self._conn = None
                def _tx(self):
                    return self._conn
                def __enter__(self):
                    return self
        """,
        "lib/reader.py": """
            class Reader:
                def __init__(self, store):
                    self._conn = 1  # its own attribute of the same name: fine
                    self.store = store
                def rows(self):
                    with self.store._tx():
                        return getattr(self.store, "_conn")
        """,
    })
    store = root / "core" / "store.py"
    members = rules.private_members(store, "EventStore")
    assert members == {"_conn", "_tx"}
    assert rules.private_access(root, store, members) == [
        "pkg.lib.reader uses _tx at reader.py:7",
        "pkg.lib.reader uses _conn at reader.py:8",
    ]


def test_checker_finds_an_undeclared_import(tmp_path):
    root = make_package(tmp_path, {
        "lib/a.py": """
            import json, numpy
            from PIL import Image
            from . import b

            def later():
                import sklearn.cluster
        """,
        "lib/b.py": "",
    })
    declared = ["numpy>=1.26", "Pillow>=10", "tomli>=2; python_version < '3.11'"]
    assert rules.undeclared(root, declared) == ["sklearn (distribution scikit-learn) imported by pkg.lib.a at a.py:7"]
    assert rules.undeclared(root, [*declared, "scikit_learn"]) == []
