"""Errors the tool raises on bad input; the CLI and the app show their message.

Every message names the parameter or file, the bad value, what is allowed and
the likely fix. Nobody sees a traceback for one of these.
"""


class SitingError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


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
