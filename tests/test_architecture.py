"""The house rules of docs/architecture.md, checked on the source tree.

- ``siting/`` imports ``layers/`` only in ``siting/inputs/`` (the boundary)
  and ``siting/cli.py`` (the one CLI);
- ``layers/`` never imports ``siting/``;
- exactly one product module builds an argument parser;
- no module in app.py, siting/, layers/, ui/ is over MAX_MODULE_LINES, and
  app.py is wiring (at most MAX_APP_LINES).
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOMS = ("siting", "layers", "ui")
#: The size rules of issue 16 ("no module over about 600 lines", "app.py at most 300").
MAX_MODULE_LINES = 600
MAX_APP_LINES = 300
#: The only engine modules that may import the data layer: the inputs boundary package
#: (a Scenario -> inputs, their prepared-parcel cache on disk, the eligibility-mask
#: file) and the one CLI.
SITING_BOUNDARY = ("siting/inputs/", "siting/cli.py")


def _modules():
    yield REPO / "app.py"
    for room in ROOMS:
        yield from sorted((REPO / room).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_the_engine_reaches_the_data_layer_only_through_its_boundary():
    offenders = [_rel(p) for p in sorted((REPO / "siting").rglob("*.py"))
                 if "layers" in _imported_roots(p) and not _rel(p).startswith(SITING_BOUNDARY)]
    assert offenders == []


def test_the_data_layer_never_imports_the_engine():
    offenders = [_rel(p) for p in sorted((REPO / "layers").rglob("*.py"))
                 if "siting" in _imported_roots(p)]
    assert offenders == []


def test_one_module_builds_the_command_line():
    builders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("ArgumentParser",
                                                                  "add_subparsers"):
                builders.append(_rel(path))
                break
    assert builders == ["siting/cli.py"]


def test_modules_stay_small_and_app_py_is_wiring():
    sizes = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    assert sizes["app.py"] <= MAX_APP_LINES
    too_big = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert too_big == {}
