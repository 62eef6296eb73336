"""The user's workspace folder: imported layers and the scenario library.

Default ``~/.im-siting``; the ``SITING_WORKSPACE`` environment variable or
``--workspace DIR`` overrides it. Every write is atomic: data go to a hidden
temporary file in the destination folder and ``os.replace`` moves it into
place, so a crash leaves either the old or the new file, never half of one.

Layout::

    WORKSPACE/layers/ID.gpkg | ID.tif   imported layer (UTF-8 GeoPackage or GeoTIFF)
    WORKSPACE/layers/ID.json            its import summary and provenance
    WORKSPACE/scenarios/NAME.yaml       saved scenarios (siting.library)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from layers.errors import WorkspaceError

#: Workspace when neither ``--workspace`` nor the environment says otherwise.
DEFAULT_WORKSPACE = Path("~/.im-siting")
#: Environment variable naming the workspace folder.
WORKSPACE_ENV = "SITING_WORKSPACE"
LAYERS_DIR = "layers"
SCENARIOS_DIR = "scenarios"
#: Prefix of temporary files; listings skip them.
TEMP_PREFIX = ".tmp-"
#: Longest id or file stem made from a user's name, characters.
MAX_SLUG_CHARS = 64


def workspace_dir(override=None) -> Path:
    """The workspace folder (not created): ``override``, else ``$SITING_WORKSPACE``,
    else ``~/.im-siting``."""
    chosen = override or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
    return Path(chosen).expanduser().resolve()


def layers_dir(workspace=None) -> Path:
    """Folder of imported layers inside the workspace (not created)."""
    return workspace_dir(workspace) / LAYERS_DIR


def scenarios_dir(workspace=None) -> Path:
    """Folder of the scenario library inside the workspace (not created)."""
    return workspace_dir(workspace) / SCENARIOS_DIR


_WHAT_ZH = {"name": "名称", "scenario name": "情景名称"}


def slugify(name: str, *, what: str = "name") -> str:
    """A file-safe id from a user's name: letters (any script), digits, '_' and '-'.

    ``"红线 2024/v2"`` → ``"红线_2024_v2"``. ASCII letters are lower-cased so
    case-insensitive file systems cannot mix two entries up.

    Raises
    ------
    WorkspaceError
        Nothing usable is left (e.g. ``".."``).
    """
    slug = re.sub(r"[^\w-]+", "_", str(name).strip()).strip("_-")
    slug = "".join(c.lower() if c.isascii() else c for c in slug)[:MAX_SLUG_CHARS]
    if not slug:
        raise WorkspaceError(f"{what} {name!r} has no letters or digits to make a file name from; "
                          "use e.g. 'redline_2024' or '红线2024'",
                          zh=f"{_WHAT_ZH.get(what, what)} {name!r} 中没有可用作文件名的字母或数字；"
                             "请使用如 'redline_2024' 或 '红线2024'")
    return slug


def atomic_write(path, write: Callable, *, mode: str = "wb") -> Path:
    """Write ``path`` atomically: ``write(file)`` fills a temporary file beside it,
    which then replaces ``path``. On any error the temporary file is removed and
    ``path`` keeps its previous content."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write UTF-8 text atomically (see ``atomic_write``)."""
    return atomic_write(path, lambda f: f.write(text), mode="w")


def atomic_write_json(path, data) -> Path:
    """Write JSON (UTF-8, Chinese kept readable) atomically."""
    return atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def atomic_copy(src, dst) -> Path:
    """Copy the file ``src`` to ``dst`` atomically (``src`` may be on another disk)."""
    with open(src, "rb") as source:
        return atomic_write(dst, lambda f: shutil.copyfileobj(source, f))


def temp_leftovers(workspace=None) -> list[Path]:
    """Temporary files an interrupted write left behind (should be none)."""
    root = workspace_dir(workspace)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob(f"{TEMP_PREFIX}*"))


def imported_layers(workspace=None) -> list[dict]:
    """Import summaries of the layers in the workspace, by id."""
    folder = layers_dir(workspace)
    if not folder.exists():
        return []
    rows = []
    for meta in sorted(folder.glob("*.json")):
        if meta.name.startswith(TEMP_PREFIX):
            continue
        try:
            rows.append(json.loads(meta.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WorkspaceError(f"workspace file {meta} is unreadable ({exc}); delete it and "
                              "import the layer again",
                              zh=f"工作区文件 {meta} 无法读取（{exc}）；请删除它并重新导入该图层"
                              ) from None
    return rows
