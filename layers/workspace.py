"""The user's workspace folder: imported layers and the scenario library.

Default ``~/.im-siting``; the ``SITING_WORKSPACE`` environment variable or
``--workspace DIR`` overrides it. Every write is atomic: data go to a hidden
temporary file in the destination folder and ``os.replace`` moves it into
place, so a crash leaves either the old or the new file, never half of one.

Layout::

    WORKSPACE/layers/ID.gpkg | ID.tif   imported layer (UTF-8 GeoPackage or GeoTIFF)
    WORKSPACE/layers/ID.json            its import summary and provenance
    WORKSPACE/scenarios/NAME.yaml       saved scenarios (layers.library, siting.library)

An output folder (the CLI's ``--out``) is written as one set: ``staged_folder``
yields a staging folder beside it and swaps it in when complete.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
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


#: The process's file-creation mask, read once at import (``os.umask`` can only be
#: read by setting it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


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
        # mkstemp makes 0600 files: give the result the mode of an ordinary new file
        os.chmod(tmp, 0o666 & ~_UMASK)
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


# --- output folders written as one set ------------------------------------------------
#: Hidden folders beside an output folder: ``.NAME.staging-PID-RANDOM`` (being written)
#: and ``.NAME.previous-PID-RANDOM`` (the set being replaced).
STAGING_TAG, PREVIOUS_TAG = ".staging-", ".previous-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_temporary(name: str, known_names) -> bool:
    """A temporary file of an interrupted writer: ``.tmp-…`` (``atomic_write``) or
    ``.STEM-…`` of one of ``known_names`` (older writers)."""
    return name.startswith(TEMP_PREFIX) or name.startswith(
        tuple(f".{Path(n).stem}-" for n in known_names))


def clean_stale_outputs(out_dir, known_names=()) -> list[Path]:
    """Tidy what a killed run left beside ``out_dir``; returns what was removed or restored.

    A staging folder of a process that no longer runs is removed; a previous
    set whose replacement never arrived (killed between the two renames) is
    put back as ``out_dir``, else removed. Temporary files inside ``out_dir``
    from a killed writer are removed too (``known_names``: the file names a
    run writes).
    """
    import glob

    out_dir = Path(out_dir)
    parent = out_dir.parent
    touched = []
    if not parent.is_dir():
        return touched
    for tag in (PREVIOUS_TAG, STAGING_TAG):
        for leftover in sorted(parent.glob(f".{glob.escape(out_dir.name)}{tag}*")):
            pid = leftover.name[len(out_dir.name) + 1 + len(tag):].split("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
                continue  # another run is writing right now
            if tag == PREVIOUS_TAG and not out_dir.exists():
                os.replace(leftover, out_dir)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
            touched.append(leftover)
    if out_dir.is_dir():
        for tmp in sorted(out_dir.iterdir()):
            if tmp.is_file() and _is_temporary(tmp.name, known_names):
                tmp.unlink(missing_ok=True)
                touched.append(tmp)
    return touched


def check_output_folder(out_dir, known_names=()) -> Path:
    """``out_dir`` if a run may write it (call before a slow run): absent, empty, or
    holding only the files a run writes (``known_names``; see ``staged_folder``).

    Raises
    ------
    WorkspaceError
    """
    from layers.errors import WorkspaceError

    out_dir = Path(out_dir).expanduser()
    label = out_dir.name or str(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkspaceError(f"output folder {label} is a file; choose a folder name for --out",
                             zh=f"输出文件夹 {label} 是一个文件；请为 --out 指定文件夹名称")
    if out_dir.is_dir():
        ours = set(known_names)
        foreign = sorted(p.name for p in out_dir.iterdir()
                         if p.name not in ours and not _is_temporary(p.name, ours))
        if foreign:
            shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
            raise WorkspaceError(f"output folder {label} holds other files ({shown}); a run "
                                 "replaces its folder as a whole, so give --out a new or "
                                 "empty folder, or one an earlier run wrote",
                                 zh=f"输出文件夹 {label} 中有其他文件（{shown}）；一次运行会整体"
                                    "替换其文件夹，因此请为 --out 指定一个新的或空的文件夹，"
                                    "或之前运行写出的文件夹")
    return out_dir


@contextmanager
def staged_folder(out_dir, known_names=(), *, keep_existing: bool = False):
    """Yield an empty staging folder beside ``out_dir``; on success it becomes ``out_dir``.

    ``out_dir`` thus holds either its previous complete set or the new one,
    never a mix: the new files go into ``.NAME.staging-…`` beside it, then two
    renames swap the folders (a kill between them is undone by
    ``clean_stale_outputs`` at the next start, which this calls first).
    With ``keep_existing`` the previous set's files are hard-linked (or copied)
    into the staging folder first, so files can be added to a set.

    Raises
    ------
    WorkspaceError
        ``out_dir`` is a file, or a folder holding files other than
        ``known_names`` (a run never mixes into, or deletes, someone else's
        files), or its parent cannot be written.
    """
    from layers.errors import WorkspaceError

    out_dir = check_output_folder(out_dir, known_names)
    label = out_dir.name or str(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_outputs(out_dir, known_names)
    except OSError as exc:
        raise WorkspaceError(f"cannot create output folder {label}: {exc.strerror}",
                             zh=f"无法创建输出文件夹 {label}：{exc.strerror}") from None
    check_output_folder(out_dir, known_names)
    suffix = f"{os.getpid()}-{os.urandom(4).hex()}"
    try:
        staging = out_dir.parent / f".{out_dir.name}{STAGING_TAG}{suffix}"
        staging.mkdir()
    except OSError as exc:
        raise WorkspaceError(f"cannot write beside output folder {label}: {exc.strerror}",
                             zh=f"无法在输出文件夹 {label} 旁写入：{exc.strerror}") from None
    try:
        if keep_existing and out_dir.is_dir():
            for old in out_dir.iterdir():
                try:
                    os.link(old, staging / old.name)
                except OSError:
                    shutil.copy2(old, staging / old.name)
        yield staging
        if out_dir.exists():
            previous = out_dir.parent / f".{out_dir.name}{PREVIOUS_TAG}{suffix}"
            os.replace(out_dir, previous)
            os.replace(staging, out_dir)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
