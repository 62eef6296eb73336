"""Per-parcel statistics of rasters aligned on the analysis grid.

Parcel ids are burnt once onto the grid (cell centres); each layer's mean per
parcel is then one ``np.bincount`` (perf.md: faster than per-feature zonal
statistics). Parcels too small to own a cell centre take the value at their
interior point.
"""
from __future__ import annotations

import numpy as np

from siting.grid import AnalysisGrid

NO_PARCEL = -1


def parcel_index_raster(parcels, grid: AnalysisGrid) -> np.ndarray:
    """int32 raster of parcel row numbers (0..n-1) on ``grid``; -1 outside parcels."""
    from rasterio.features import rasterize

    geoms = parcels.to_crs(grid.crs).geometry.to_numpy()
    if len(geoms) == 0:
        return np.full(grid.shape, NO_PARCEL, dtype="int32")
    return rasterize(zip(geoms, np.arange(len(geoms), dtype="int32"), strict=True),
                     out_shape=grid.shape,
                     transform=grid.transform, fill=NO_PARCEL, dtype="int32")


def zonal_mean(values: np.ndarray, index: np.ndarray, n_parcels: int) -> np.ndarray:
    """Mean of ``values`` per parcel, ignoring NaN; NaN where a parcel has no valid cell."""
    values = np.asarray(values, dtype="float64").ravel()
    index = np.asarray(index).ravel()
    ok = (index >= 0) & np.isfinite(values)
    sums = np.bincount(index[ok], weights=values[ok], minlength=n_parcels)
    counts = np.bincount(index[ok], minlength=n_parcels)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def sample_at_points(values: np.ndarray, grid: AnalysisGrid, x, y) -> np.ndarray:
    """Value of the grid cell under each point (metres in the grid CRS); NaN outside."""
    col = np.floor((np.asarray(x) - grid.west) / grid.resolution_m).astype(int)
    row = np.floor((grid.north - np.asarray(y)) / grid.resolution_m).astype(int)
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    out = np.full(len(col), np.nan)
    out[inside] = values[row[inside], col[inside]]
    return out


def parcel_means(layers: dict[str, np.ndarray], parcels, grid: AnalysisGrid) -> dict:
    """Mean of each aligned layer per parcel, with point fallback for tiny parcels.

    Parameters
    ----------
    layers : dict
        ``{name: 2-D array on grid}``.
    parcels : geopandas.GeoDataFrame
        In any CRS; reprojected to the grid's.
    """
    index = parcel_index_raster(parcels, grid)
    n = len(parcels)
    points = parcels.to_crs(grid.crs).geometry.representative_point()
    out = {}
    for name, values in layers.items():
        mean = zonal_mean(values, index, n)
        missing = np.isnan(mean)
        if missing.any():
            mean[missing] = sample_at_points(values, grid, points.x.to_numpy()[missing],
                                             points.y.to_numpy()[missing])
        out[name] = mean
    return out
