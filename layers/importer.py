"""Old home of the importer; the code is in ``layers.importing`` (one module per job).

Kept so existing callers (``from layers.importer import IMPORT_ROLES``,
``importer.import_file(...)``) keep working: every public name of the package
is re-exported here.
"""
from __future__ import annotations

from layers.importing import *  # noqa: F403
from layers.importing import __all__  # noqa: F401
