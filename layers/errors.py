"""Errors the data layer raises on bad input: files, CRSs, encodings, the workspace.

``layers/`` never imports ``siting/``; this is its own family, shaped like
``siting.errors.SitingError``: ``str(exc)`` is the English message and
``exc.zh`` the same facts in Chinese for the app's Chinese page. The one CLI
error handler (``siting.cli.run_command``) and the app catch both families
(``USER_ERRORS`` there) and show the message, never a traceback.
"""
from __future__ import annotations


class LayerError(Exception):
    """Base class: a problem with a user's data that the user can fix.

    Parameters
    ----------
    message : str
        The English message; ``str(exc)``.
    zh : str, optional
        The same message in Chinese (every raise gives one: tests/test_error_zh.py).
    """

    def __init__(self, message: str = "", *, zh: str | None = None):
        super().__init__(message)
        self.zh = zh

    def __reduce__(self):  # keep ``zh`` across pickling (Dask workers, processes)
        return (_rebuild, (type(self), str(self), self.zh))

    def prefixed(self, en: str, zh: str) -> LayerError:
        """A copy of this error, same class, with ``en: `` / ``zh：`` put before its texts."""
        return type(self)(f"{en}: {self}",
                          zh=f"{zh}：{self.zh}" if self.zh is not None else None)


def _rebuild(cls, message, zh):
    return cls(message, zh=zh)


class LayerNotFoundError(LayerError):
    """A layer id is not in the catalog, or its file is missing."""


class CRSError(LayerError):
    """A file has no coordinate reference system, or an unusable one."""


class DataFileError(LayerError):
    """A file cannot be read, or its content is not what its role needs."""


class UnsafeFileError(DataFileError):
    """A file is refused for safety: too big, a zip bomb, unsafe member paths or links."""


class WorkspaceError(LayerError):
    """The workspace folder or an entry in it cannot be used."""
