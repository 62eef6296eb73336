"""Every third-party module the product imports is declared in a requirements file.

A fresh machine gets only what requirements.txt (the app and the CLI) and
requirements-dev.txt (tests and benchmarks) declare; a module imported but not
declared works on a developer's machine and fails for a new user.
"""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("app.py", "siting", "layers", "ui")
DEV = ("tests", "benchmarks", "scripts", "data")
OWN = {p.stem for p in REPO.iterdir()
       if p.suffix == ".py" or (p.is_dir() and any(p.glob("*.py")))}


def _python_files(trees) -> list[Path]:
    files = []
    for tree in trees:
        path = REPO / tree
        files += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    return [f for f in files if "static" not in f.parts]


def imported_modules(source: str) -> set[str]:
    """Top-level names of absolute imports, and of ``find_spec``/``import_module("x")``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and node.args
              and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("find_spec", "import_module")
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names.add(node.args[0].value.split(".")[0])
    return names


def third_party(trees) -> dict[str, list[str]]:
    """{module: [files importing it]} for modules outside the stdlib and this repo."""
    found: dict[str, list[str]] = {}
    for path in _python_files(trees):
        for name in imported_modules(path.read_text(encoding="utf-8")):
            if name in sys.stdlib_module_names or name in OWN or name == "__future__":
                continue
            found.setdefault(name, []).append(str(path.relative_to(REPO)))
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: str) -> set[str]:
    """Normalised distribution names in a requirements file, following ``-r`` includes."""
    names = set()
    path = REPO / requirements
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        include = re.match(r"-r\s+(\S+)", line)
        if include:
            names |= declared(str((path.parent / include.group(1)).relative_to(REPO)))
        elif line and not line.startswith(("#", "-")):
            names.add(_norm(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]))
    return names


def undeclared(modules: dict[str, list[str]], allowed: set[str]) -> list[str]:
    owners = packages_distributions()
    missing = []
    for module, files in sorted(modules.items()):
        dists = owners.get(module)
        if not dists:
            missing.append(f"{module} (not installed; imported by {files[0]})")
        elif not any(_norm(d) in allowed for d in dists):
            missing.append(f"{module} from {'/'.join(sorted(set(dists)))} "
                           f"(imported by {files[0]})")
    return missing


def test_imports_of_a_small_source_are_found():
    source = ("import numpy as np\nfrom rasterio.features import shapes\nfrom . import x\n"
              "import importlib.util\nimportlib.util.find_spec('windpowerlib')\n")
    assert imported_modules(source) == {"numpy", "rasterio", "importlib", "windpowerlib"}


def test_requirements_are_parsed_with_includes():
    dev = declared("requirements-dev.txt")
    assert {"pytest", "geopandas", "pvlib"} <= dev  # own, from requirements.txt, from -data
    assert "pytest" not in declared("requirements.txt")


@pytest.mark.parametrize(("trees", "requirements"),
                         [(PRODUCT, "requirements.txt"), (DEV, "requirements-dev.txt")])
def test_every_import_is_declared(trees, requirements):
    missing = undeclared(third_party(trees), declared(requirements))
    assert not missing, (f"imported but not declared in {requirements} (a fresh machine "
                         "would fail): " + "; ".join(missing))
