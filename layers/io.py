"""Open bundled or user rasters and vectors, with CRS and encoding checks.

A file without a CRS is an error that says how to fix it, never a guess.
Rasters come as one of two sources: ``RasterData`` (a band in memory, for the
small bundled layers) or ``RasterFile`` (a file opened on demand and warped
window by window, for the user's full-resolution GeoTIFFs; ``layers.align``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layers.errors import CRSError, DataFileError

#: GDAL block cache, MB: set explicitly so memory stays bounded (perf.md).
GDAL_CACHEMAX_MB = 128


@dataclass(frozen=True)
class RasterData:
    """A single-band raster in memory: float array with NaN for nodata."""

    array: np.ndarray
    transform: object
    crs: object
    units: str = ""

    @property
    def shape(self):
        """(rows, cols)."""
        return self.array.shape

    def read(self) -> RasterData:
        """This raster in memory (itself)."""
        return self


@dataclass(frozen=True)
class RasterFile:
    """A single-band raster left on disk: only its georeferencing is read up front.

    ``layers.align.warp_window`` warps it window by window straight from the
    file, so a 300 MB layer never sits in memory whole. Small enough to pickle
    (a path and a few numbers), so Dask workers open the file themselves; on a
    multi-machine cluster the path must be readable by every worker.
    """

    path: str
    transform: object
    crs: object
    shape: tuple[int, int]
    nodata: float | None = None
    band: int = 1
    units: str = ""

    @property
    def array(self) -> np.ndarray:
        """The whole band as float32 with NaN for nodata (reads the file every time)."""
        return self.read().array

    def read(self) -> RasterData:
        """The whole band in memory (for callers that need an array, e.g. masks)."""
        return read_raster(self.path, band=self.band)


#: A raster a run can warp onto the analysis grid (``layers.align.warp_window``).
RasterSource = RasterData | RasterFile


def _check_exists(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"file not found: {path}", zh=f"找不到文件：{path}")
    return path


def raster_env():
    """A rasterio environment with the block cache capped (``GDAL_CACHEMAX``)."""
    import rasterio

    return rasterio.Env(GDAL_CACHEMAX=GDAL_CACHEMAX_MB)


def _no_crs(path: Path) -> CRSError:
    return CRSError(f"{path.name} has no coordinate reference system; assign one "
                    "(e.g. `gdal_edit.py -a_srs EPSG:4490 FILE` for CGCS2000) or "
                    "pass --crs when importing",
                    zh=f"{path.name} 没有坐标系；请指定一个（如 CGCS2000 可用 "
                       "`gdal_edit.py -a_srs EPSG:4490 FILE`），或在导入时传入 --crs")


def _not_a_raster(path: Path, exc) -> DataFileError:
    return DataFileError(f"{path.name} is not a readable raster ({exc}); expected a GeoTIFF",
                         zh=f"{path.name} 不是可读取的栅格（{exc}）；应为 GeoTIFF")


def open_raster(path, *, band: int = 1) -> RasterFile:
    """Check a raster file and describe it, without reading its pixels.

    Raises
    ------
    CRSError
        The file has no CRS (fix: assign one, e.g. ``gdal_edit.py -a_srs EPSG:4490``).
    DataFileError
        The file is missing, not a raster GDAL can read, or has no band ``band``.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    path = _check_exists(path)
    try:
        with raster_env(), rasterio.open(path) as src:
            if src.crs is None:
                raise _no_crs(path)
            if not 1 <= band <= src.count:
                raise DataFileError(f"{path.name} has {src.count} band(s); band {band} "
                                    "does not exist",
                                    zh=f"{path.name} 有 {src.count} 个波段；波段 {band} 不存在")
            units = src.tags(band).get("units", "") or (src.units[band - 1] or "")
            nodata = src.nodatavals[band - 1]
            return RasterFile(path=str(path), transform=src.transform, crs=src.crs,
                              shape=(src.height, src.width),
                              nodata=None if nodata is None else float(nodata), band=band,
                              units=units)
    except RasterioIOError as exc:
        raise _not_a_raster(path, exc) from None


def read_raster(path, *, band: int = 1) -> RasterData:
    """Read one band as float32 with NaN where the file says nodata.

    Raises
    ------
    CRSError
        The file has no CRS (fix: assign one, e.g. ``gdal_edit.py -a_srs EPSG:4490``).
    DataFileError
        The file is missing or not a raster GDAL can read.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    path = _check_exists(path)
    try:
        with raster_env(), rasterio.open(path) as src:
            if src.crs is None:
                raise _no_crs(path)
            data = src.read(band, masked=True).astype("float32")
            units = src.tags(band).get("units", "") or (src.units[band - 1] or "")
            return RasterData(array=data.filled(np.nan), transform=src.transform,
                              crs=src.crs, units=units)
    except RasterioIOError as exc:
        raise _not_a_raster(path, exc) from None


def read_vector(path, *, layer: str | None = None, encoding: str | None = None):
    """Read a vector file into a GeoDataFrame, checking it has a CRS.

    Parameters
    ----------
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).
    encoding : str, optional
        Attribute text encoding of a Shapefile without ``.cpg`` (e.g. ``gbk``).
    """
    import pyogrio
    from pyogrio.errors import DataSourceError

    path = _check_exists(path)
    try:
        kwargs = {"layer": layer} if layer else {}
        if encoding:
            kwargs["encoding"] = encoding
        gdf = pyogrio.read_dataframe(path, **kwargs)
    except DataSourceError as exc:
        raise DataFileError(f"{path.name} is not a readable vector file ({exc})",
                            zh=f"{path.name} 不是可读取的矢量文件（{exc}）") from None
    if gdf.crs is None:
        raise CRSError(f"{path.name} has no coordinate reference system; add the .prj file "
                       "that came with it, or pass --crs EPSG:4490 (CGCS2000) / the right "
                       "Gauss-Krüger EPSG code",
                       zh=f"{path.name} 没有坐标系；请补上随数据提供的 .prj 文件，或传入 --crs "
                          "EPSG:4490（CGCS2000）/ 正确的高斯-克吕格投影 EPSG 代码")
    return gdf
