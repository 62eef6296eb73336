"""Put layers onto the analysis grid: warp rasters, rasterise vectors.

Vectors stay vectors in the engine; rasterising is for maps and masks.
"""
from __future__ import annotations

import numpy as np

from layers.io import raster_env, read_raster
from siting.grid import AnalysisGrid

#: Resampling per kind of value: categories keep their class, fields are
#: interpolated.
RESAMPLING_BY_NAME = ("nearest", "bilinear", "average", "mode")


def warp_array_to_grid(array, transform, crs, grid: AnalysisGrid, *, resampling="bilinear"):
    """Warp an in-memory float array onto ``grid``; NaN marks nodata.

    Parameters
    ----------
    array : numpy.ndarray
        2-D source values (NaN = nodata).
    transform, crs
        Georeferencing of ``array``.
    resampling : {'nearest', 'bilinear', 'average', 'mode'}
        'nearest' or 'mode' for classes (land cover), 'bilinear' for fields.
    """
    from rasterio.warp import Resampling, reproject

    if resampling not in RESAMPLING_BY_NAME:
        raise ValueError(f"resampling must be one of {RESAMPLING_BY_NAME}, got {resampling!r}")
    destination = np.full(grid.shape, np.nan, dtype="float32")
    with raster_env():
        reproject(source=np.asarray(array, dtype="float32"), destination=destination,
                  src_transform=transform, src_crs=crs, src_nodata=np.nan,
                  dst_transform=grid.transform, dst_crs=grid.crs.to_wkt(), dst_nodata=np.nan,
                  resampling=getattr(Resampling, resampling))
    return destination


def warp_to_grid(path, grid: AnalysisGrid, *, resampling="bilinear"):
    """Read a raster file and warp it onto ``grid`` (float32, NaN = nodata)."""
    data = read_raster(path)
    return warp_array_to_grid(data.array, data.transform, data.crs, grid, resampling=resampling)


def rasterize_to_grid(gdf, grid: AnalysisGrid, *, values=None, all_touched=False,
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
