"""Errors the tool raises on bad input; the CLI and the app show their message.

Every message names the parameter or file, the bad value, what is allowed and
the likely fix, in English (``str(exc)``, what the CLI prints) and, for the
app's Chinese page, in Chinese (``exc.zh``) with the same facts: file names,
values, EPSG codes and commands stay as they are inside the Chinese sentence.
Nobody sees a traceback for one of these.
"""
from __future__ import annotations


class SitingError(Exception):
    """Base class: a problem the user can fix, with a message that says how.

    Parameters
    ----------
    message : str
        The English message; ``str(exc)``.
    zh : str, optional
        The same message in Chinese, shown by the app in Chinese mode. Every
        raise in ``siting/`` and ``layers/`` gives one (tests/test_error_zh.py).
    """

    def __init__(self, message: str = "", *, zh: str | None = None):
        super().__init__(message)
        self.zh = zh

    def __reduce__(self):  # keep ``zh`` across pickling (Dask workers, processes)
        return (_rebuild, (type(self), str(self), self.zh))

    def prefixed(self, en: str, zh: str) -> SitingError:
        """A copy of this error, same class, with ``en: `` / ``zh：`` put before its texts.

        >>> str(CRSError("no CRS", zh="没有坐标系").prefixed("a.shp", "a.shp"))
        'a.shp: no CRS'
        """
        return type(self)(f"{en}: {self}",
                          zh=f"{zh}：{self.zh}" if self.zh is not None else None)


def _rebuild(cls, message, zh):
    return cls(message, zh=zh)
class LayerNotFoundError(SitingError):
    """A layer id is not in the catalog, or its file is missing."""


class CRSError(SitingError):
    """A file has no coordinate reference system, or an unusable one."""


class DataFileError(SitingError):
    """A file cannot be read, or its content is not what its role needs."""


class GridError(SitingError):
    """Analysis-grid parameters (resolution, bounds) are invalid."""


class UnsafeFileError(DataFileError):
    """A file is refused for safety: too big, a zip bomb, unsafe member paths or links."""


class LibraryError(SitingError):
    """A scenario library entry is missing, clashes with another or cannot be read."""
