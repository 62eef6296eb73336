"""Shared constants and deterministic writers for the embedded-dataset build.

Everything the build writes goes through :func:`write_raster` and
:func:`write_vector` so the same inputs always give the same bytes (no
timestamps, fixed compression settings).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Folder that holds the committed default dataset (``data/``).
DATA_DIR = Path(__file__).resolve().parents[1]

#: Bounding box of the build, lon/lat degrees (west, south, east, north).
#: Inner Mongolia spans 97.2-126.1°E, 37.4-53.4°N (domain.md); a small margin
#: keeps warps and buffers from clipping the edge.
REGION_BOUNDS_WGS84 = (97.0, 37.2, 126.4, 53.6)

#: CRS of every bundled file: WGS84 lon/lat. The analysis itself runs in the
#: equal-area Albers grid of ``siting.grid``.
BUNDLE_CRS = "EPSG:4326"

#: Seed of every synthetic layer (fixed so the build is reproducible).
SYNTHETIC_SEED = 2030

#: GeoPackage timestamp written into gpkg_contents so rebuilt files are
#: byte-identical (GDAL honours OGR_CURRENT_DATE).
GPKG_FIXED_DATE = "2026-01-01T00:00:00Z"


def write_raster(path, array, transform, *, nodata=None, units="", description="",
                 crs=BUNDLE_CRS, tags=None):
    """Write a single-band, deflate-compressed GeoTIFF deterministically.

    Parameters
    ----------
    path : str or Path
        Target file (``.tif``).
    array : numpy.ndarray
        2-D array; its dtype is kept.
    transform : affine.Affine
        Pixel-to-CRS transform.
    nodata : number, optional
        Value marking missing cells.
    units, description : str
        Stored as band metadata (``units`` tag and band description).
    """
    import rasterio

    array = np.asarray(array)
    predictor = 3 if np.issubdtype(array.dtype, np.floating) else 2
    profile = dict(driver="GTiff", width=array.shape[1], height=array.shape[0], count=1,
                   dtype=array.dtype, crs=crs, transform=transform, nodata=nodata,
                   compress="deflate", predictor=predictor, zlevel=9, tiled=True,
                   blockxsize=256, blockysize=256)
    path = Path(path)
    tmp = path.with_suffix(".tmp.tif")
    with rasterio.Env(GDAL_PAM_ENABLED="NO"):
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(array, 1)
            dst.update_tags(**(tags or {}))
            dst.update_tags(1, units=units)
            dst.set_band_description(1, description)
    os.replace(tmp, path)


def write_vector(gdf, path, *, layer=None):
    """Write a GeoDataFrame to a GeoPackage deterministically (WGS84)."""
    import pyogrio

    path = Path(path)
    layer = layer or path.stem
    gdf = gdf.to_crs(BUNDLE_CRS).reset_index(drop=True)
    tmp = path.with_suffix(".tmp.gpkg")
    if tmp.exists():
        tmp.unlink()
    # pyogrio's config setter is global (not a context manager): set, write, reset
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_FIXED_DATE})
    try:
        pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    os.replace(tmp, path)


def read_province():
    """The province polygon from the built ``data/province.gpkg`` (WGS84)."""
    import geopandas as gpd

    path = DATA_DIR / "province.gpkg"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build it first with "
                                "`python -m data.build --only province`")
    return gpd.read_file(path)


def region_mask(transform, shape):
    """Boolean mask (True inside the province) on a WGS84 raster grid."""
    from rasterio.features import geometry_mask

    province = read_province()
    return geometry_mask(province.geometry, out_shape=shape, transform=transform,
                         invert=True, all_touched=False)
