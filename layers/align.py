"""Put layers onto the analysis grid: warp rasters, rasterise vectors.

Rasters are warped block by block over a fixed tiling of the grid
(``grid_windows``). GDAL's warper interpolates source positions along each
warped row (its approximate transformer, within 0.125 source pixels) and
sizes its resampling kernel per warped window, so a cell's value depends
slightly on the window it is warped in. The engine therefore always warps
whole blocks of the one tiling: the serial run, a Dask run and the
whole-grid functions below give the same numbers, bit for bit, whichever
blocks they skip and in whatever order they run. Vectors stay vectors in the
engine; rasterising is for maps and masks.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from layers.io import RasterData, RasterFile, RasterSource, open_raster, raster_env


class GridLike(Protocol):
    """What these functions take as ``grid``: the engine passes its
    ``siting.grid.AnalysisGrid``, which ``layers/`` does not import."""

    width: int
    height: int
    shape: tuple[int, int]  # (rows, cols)
    transform: object  # affine.Affine of the grid's top-left cell
    crs: object  # pyproj.CRS

#: Resampling per kind of value: categories keep their class, fields are
#: interpolated.
RESAMPLING_BY_NAME = ("nearest", "bilinear", "average", "mode")

#: Block of the analysis grid warped at once, cells: the tiling that defines a
#: layer's values on the grid. 512 × 1024 float32 is 2 MB a layer; blocks this
#: size skip most of the empty corners around the region (52 % of the cells
#: at 250 m are warped) while the fixed cost of a GDAL call (~2 ms) stays small.
#: Measured on the full region at 250 m: 512 × 2048 blocks warp 58 % of the
#: cells and took 1.7-1.9× as long; 256 × 512 blocks warp 42 % but pay 4×
#: the calls, for no gain.
BLOCK_ROWS = 512
BLOCK_COLS = 1024

#: Working memory cap of one GDAL warp call, MB (set explicitly; perf.md).
#: High enough that GDAL never splits a block into chunks: a split would move
#: the rows its approximate transformer interpolates along.
WARP_MEM_LIMIT_MB = 256


def _check_resampling(resampling: str) -> str:
    if resampling not in RESAMPLING_BY_NAME:
        raise ValueError(f"resampling must be one of {RESAMPLING_BY_NAME}, got {resampling!r}")
    return resampling


def grid_windows(grid: GridLike, *, rows: int = BLOCK_ROWS, cols: int = BLOCK_COLS):
    """The grid cut into blocks, row by row (``rasterio.windows.Window`` list).

    Blocks are at most ``rows`` × ``cols`` cells; the last row and column of
    blocks are smaller. The order is fixed: results combined in this order
    are the same on every run.
    """
    from rasterio.windows import Window

    if rows < 1 or cols < 1:
        raise ValueError(f"block size must be at least 1 × 1 cells, got {rows} × {cols}")
    return [Window(col0, row0, min(cols, grid.width - col0), min(rows, grid.height - row0))
            for row0 in range(0, grid.height, rows) for col0 in range(0, grid.width, cols)]


def window_transform(grid: GridLike, window):
    """Affine transform of a window of ``grid`` (whole-cell offsets: exact)."""
    from affine import Affine

    return grid.transform @ Affine.translation(int(window.col_off), int(window.row_off))


class Warper:
    """Warps one raster source onto windows of the analysis grid.

    Use as a context manager: a file-backed source (``RasterFile``) is opened
    once and read window by window through GDAL's block cache
    (``GDAL_CACHEMAX``); an in-memory source (``RasterData``) is used as is.

    Parameters
    ----------
    source : layers.io.RasterData or layers.io.RasterFile
    grid : grid-like
        ``width``, ``height``, ``shape``, ``transform``, ``crs`` (e.g. the engine's
        ``siting.grid.AnalysisGrid``).
    resampling : {'nearest', 'bilinear', 'average', 'mode'}
        'nearest' or 'mode' for classes (land cover), 'bilinear' for fields.
    threads : int
        GDAL warp threads per call (GDAL splits a block by rows between them,
        so any count gives the same values).
    """

    def __init__(self, source: RasterSource, grid: GridLike, *, resampling="bilinear",
                 threads: int = 1):
        from rasterio.crs import CRS

        self.source = source
        self.grid = grid
        self.resampling = _check_resampling(resampling)
        self.threads = int(threads)
        self._dst_crs = CRS.from_wkt(grid.crs.to_wkt())
        self._env = None
        self._dataset = None

    def __enter__(self) -> Warper:
        import rasterio

        self._env = raster_env()
        self._env.__enter__()
        if isinstance(self.source, RasterFile):
            self._dataset = rasterio.open(self.source.path)
        return self

    def __exit__(self, *exc_info):
        if self._dataset is not None:
            self._dataset.close()
            self._dataset = None
        self._env.__exit__(*exc_info)
        self._env = None

    def warp(self, window) -> np.ndarray:
        """float32 values of the window's cells (rows × cols), NaN where there is no data.

        One GDAL call. Pass whole blocks of ``grid_windows`` to get the
        canonical values; any other window gives values within GDAL's
        approximation (0.125 source pixels) of them.
        """
        import rasterio
        from rasterio.warp import Resampling, reproject

        destination = np.full((int(window.height), int(window.width)), np.nan, dtype="float32")
        options = dict(dst_transform=window_transform(self.grid, window), dst_crs=self._dst_crs,
                       dst_nodata=np.nan, resampling=getattr(Resampling, self.resampling),
                       warp_mem_limit=WARP_MEM_LIMIT_MB, num_threads=self.threads)
        if self._dataset is not None:
            band = rasterio.band(self._dataset, self.source.band)
            nodata = self._dataset.nodatavals[self.source.band - 1]
            if nodata is None and np.dtype(self._dataset.dtypes[self.source.band - 1]).kind == "f":
                nodata = np.nan  # a float file without a nodata value: NaN means nodata
            reproject(source=band, destination=destination, src_nodata=nodata, **options)
        else:
            reproject(source=np.asarray(self.source.array, dtype="float32"),
                      destination=destination, src_transform=self.source.transform,
                      src_crs=self.source.crs, src_nodata=np.nan, **options)
        return destination


def warp_window(source: RasterSource, grid: GridLike, window, *, resampling="bilinear"):
    """Warp one window of ``grid`` from ``source`` (float32, NaN = nodata)."""
    with Warper(source, grid, resampling=resampling) as warper:
        return warper.warp(window)


def warp_grid(source: RasterSource, grid: GridLike, *, resampling="bilinear",
              block_rows: int = BLOCK_ROWS, block_cols: int = BLOCK_COLS) -> np.ndarray:
    """Warp ``source`` onto the whole of ``grid``, block by block (float32, NaN = nodata).

    Holds the whole grid in memory: for small grids, maps and tests. The
    engine warps only the blocks it needs and gets the same values.
    """
    out = np.full(grid.shape, np.nan, dtype="float32")
    with Warper(source, grid, resampling=resampling) as warper:
        for window in grid_windows(grid, rows=block_rows, cols=block_cols):
            row0, col0 = int(window.row_off), int(window.col_off)
            out[row0:row0 + int(window.height), col0:col0 + int(window.width)] = \
                warper.warp(window)
    return out


def warp_array_to_grid(array, transform, crs, grid: GridLike, *, resampling="bilinear"):
    """Warp an in-memory float array onto the whole of ``grid``; NaN marks nodata.

    Parameters
    ----------
    array : numpy.ndarray
        2-D source values (NaN = nodata).
    transform, crs
        Georeferencing of ``array``.
    resampling : {'nearest', 'bilinear', 'average', 'mode'}
        'nearest' or 'mode' for classes (land cover), 'bilinear' for fields.
    """
    source = RasterData(array=np.asarray(array, dtype="float32"), transform=transform, crs=crs)
    return warp_grid(source, grid, resampling=resampling)


def warp_to_grid(path, grid: GridLike, *, resampling="bilinear"):
    """Warp a raster file onto the whole of ``grid`` straight from the file
    (float32, NaN = nodata)."""
    return warp_grid(open_raster(path), grid, resampling=resampling)


def rasterize_to_grid(gdf, grid: GridLike, *, values=None, all_touched=False,
                      fill=0, dtype="uint8"):
    """Burn vector geometries onto ``grid``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in any CRS (reprojected to the grid's CRS here).
    values : sequence, optional
        One value per feature; default 1 (a mask).
    all_touched : bool
        Burn every cell a geometry touches, not only cells whose centre it covers.
    """
    from rasterio.features import rasterize

    geoms = gdf.to_crs(grid.crs).geometry
    keep = ~(geoms.is_empty | geoms.isna())
    geoms = geoms[keep]
    vals = np.ones(len(geoms)) if values is None else np.asarray(values)[keep.to_numpy()]
    if len(geoms) == 0:
        return np.full(grid.shape, fill, dtype=dtype)
    return rasterize(zip(geoms, vals, strict=True), out_shape=grid.shape, transform=grid.transform,
                     fill=fill, all_touched=all_touched, dtype=dtype)
