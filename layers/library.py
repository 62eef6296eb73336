"""Storage of the scenario library: one text file per saved scenario in
``WORKSPACE/scenarios``, written atomically (``layers.workspace.atomic_write_text``).

This module knows files, names and temporary files, not scenarios: what a file
holds (a ``# library: {…}`` header line over the scenario YAML), its validation
and the comparison of runs are ``siting.library``'s, which takes a
``ScenarioStore`` from its caller (the CLI and the app build it from the
workspace folder).
"""
from __future__ import annotations

from pathlib import Path

from layers import workspace

#: File suffix of a saved scenario.
SUFFIX = ".yaml"


class ScenarioStore:
    """The scenario files of one workspace.

    Parameters
    ----------
    workspace_dir : path, optional
        The workspace folder (default ``layers.workspace.workspace_dir()``:
        ``$SITING_WORKSPACE`` or ``~/.im-siting``).
    """

    def __init__(self, workspace_dir=None):
        self.folder = workspace.scenarios_dir(workspace_dir)

    def __repr__(self) -> str:
        return f"ScenarioStore({str(self.folder)!r})"

    def path(self, name: str) -> Path:
        """The file of library name ``name`` (a file-safe slug of it; not created).

        Raises
        ------
        LayerError
            Nothing usable for a file name is left in ``name`` (e.g. ``".."``).
        """
        return self.folder / f"{workspace.slugify(name, what='scenario name')}{SUFFIX}"

    def files(self) -> list[Path]:
        """Every scenario file in the folder (temporary files of a write left out)."""
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.glob(f"*{SUFFIX}")
                      if not p.name.startswith(workspace.TEMP_PREFIX))

    def first_line(self, path) -> str:
        """The first line of ``path`` (raises ``OSError`` or ``UnicodeDecodeError``)."""
        with open(path, encoding="utf-8") as f:
            return f.readline()

    def write_text(self, path, text: str) -> Path:
        """Write ``text`` to ``path`` atomically: a crash leaves the previous version."""
        return workspace.atomic_write_text(path, text)

    def delete(self, path) -> Path:
        """Remove the file ``path``."""
        Path(path).unlink()
        return Path(path)
