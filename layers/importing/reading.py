"""The one edge where a reader library's exception becomes a ``DataFileError``."""
from __future__ import annotations

import zipfile
import zlib
from contextlib import contextmanager

from layers.errors import DataFileError, LayerError
from layers.importing.sniff import FORMAT_NAMES, FORMAT_NAMES_ZH


def _library_errors() -> tuple[type[BaseException], ...]:
    import pandas as pd
    import pyproj
    import rasterio.errors
    import shapely.errors
    from rasterio._err import CPLE_BaseError

    return (RuntimeError, OSError, ValueError, UnicodeError, EOFError, MemoryError,
            NotImplementedError, zipfile.BadZipFile, zlib.error, pd.errors.ParserError,
            rasterio.errors.RasterioError, CPLE_BaseError, shapely.errors.GEOSException,
            pyproj.exceptions.ProjError)


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

