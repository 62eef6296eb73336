"""The one edge where a reader library's exception becomes a ``DataFileError``."""
from __future__ import annotations

import zipfile
import zlib
from contextlib import contextmanager

from layers.errors import DataFileError, LayerError
from layers.importing.sniff import FORMAT_NAMES, FORMAT_NAMES_ZH


def _library_errors() -> tuple[type[BaseException], ...]:
    """What the reader libraries raise on a bad file, and nothing broader.

    A ``ValueError``, ``TypeError``, ``KeyError`` or bare ``RuntimeError``
    raised by our own code is a bug and must surface as one (exit 1 with a
    log), not as "cannot read the file"; so only the libraries' own classes
    are listed, plus what the standard library raises on a damaged file.
    """
    import pandas as pd
    import pyogrio.errors
    import pyproj.exceptions
    import rasterio.errors
    import shapely.errors
    from rasterio._err import CPLE_BaseError

    return (
        OSError,  # the user's file: unreadable, truncated (incl. RasterioIOError)
        EOFError, zipfile.BadZipFile, zlib.error,  # damaged zip/KMZ members
        UnicodeDecodeError,  # text not in the encoding it declares or we detected
        MemoryError,  # a file larger than it looked
        pd.errors.ParserError, pd.errors.EmptyDataError,  # CSV tables
        pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,  # GDAL vectors
        rasterio.errors.RasterioError, CPLE_BaseError,  # GDAL rasters
        shapely.errors.GEOSException,  # geometries GEOS cannot handle
        pyproj.exceptions.ProjError,  # coordinates or CRSs PROJ cannot transform
    )


@contextmanager
def reading(label: str, what: str):
    """Turn a reader library's exception into a ``DataFileError`` naming the file."""
    try:
        yield
    except LayerError:
        raise
    except _library_errors() as exc:
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else \
            type(exc).__name__
        if isinstance(exc, MemoryError):
            detail = "not enough memory"
        detail_zh = "内存不足" if isinstance(exc, MemoryError) else detail
        what_zh = {**{v: FORMAT_NAMES_ZH[k] for k, v in FORMAT_NAMES.items()},
                   "a GeoTIFF": "GeoTIFF"}.get(what, what)
        raise DataFileError(f"{label} could not be read as {what}: {detail}. Check that it "
                            "opens in QGIS, or export it again",
                            zh=f"{label} 无法作为 {what_zh} 读取：{detail_zh}。请检查它能否在 QGIS "
                               "中打开，或重新导出") from None

