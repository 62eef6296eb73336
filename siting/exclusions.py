"""Hard exclusions: turn layers into exclusion shapes (with buffers) in the
equal-area CRS, and explain why a parcel is out.

Raster-based exclusions (land-cover classes, slope) become the exact polygons
of their cells, so every exclusion is a vector overlay and a parcel's
available area never counts excluded land.
"""
from __future__ import annotations

import numpy as np

from siting.grid import ALBERS_CRS

#: IGBP land-cover classes of each land-cover exclusion (MODIS MCD12C1).
WATER_CLASSES = (0, 11)          # water bodies, permanent wetlands
URBAN_CLASSES = (13,)            # urban and built-up
FOREST_CLASSES = (1, 2, 3, 4, 5)  # all forest classes (key state forests; domain.md ✅)
CROPLAND_CLASSES = (12, 14)      # croplands, cropland/natural mosaic (PV may not use; ✅)

#: Label (zh, en) of each exclusion source, used in ``why``.
EXCLUSION_LABELS = {
    "redline": ("生态红线", "red line"),
    "water": ("水体湿地", "water"),
    "urban": ("城镇", "urban"),
    "forest": ("森林", "forest"),
    "cropland": ("耕地", "cropland"),
    "settlements": ("居民点缓冲", "settlement buffer"),
    "slope": ("坡度", "slope"),
    "border": ("边境管控带", "border strip"),
    "custom": ("自定义排除区", "custom exclusion"),
}


def mask_to_polygons(mask, transform, crs):
    """Polygons (equal-area CRS, shapely array) of the True cells of ``mask``.

    Each polygon is the exact outline of its cells in the raster's CRS,
    reprojected to the equal-area CRS.
    """
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely.geometry import shape

    mask = np.asarray(mask, dtype="uint8")
    polys = [shape(geom) for geom, value in shapes(mask, mask=mask.astype(bool),
                                                   transform=transform) if value == 1]
    if not polys:
        return np.array([], dtype=object)
    series = gpd.GeoSeries(polys, crs=crs)
    if series.crs != ALBERS_CRS:
        # densify lon/lat edges so long straight cell runs follow the projection
        series = series.segmentize(0.05) if series.crs.is_geographic else series
        series = series.to_crs(ALBERS_CRS)
    return series.make_valid().to_numpy()


def class_mask(landcover, classes) -> np.ndarray:
    """True where the land-cover array holds one of ``classes`` (NaN is False)."""
    values = np.asarray(landcover)
    finite = np.isfinite(values)
    out = np.zeros(values.shape, dtype=bool)
    out[finite] = np.isin(values[finite].astype(int), classes)
    return out


def buffered(geoms, buffer_km: float):
    """Buffer shapes (metres) by ``buffer_km``; 0 returns polygons unchanged.

    Points and lines need a positive buffer to exclude any area.
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    if buffer_km < 0:
        from siting.errors import SitingError

        raise SitingError(f"buffer must be ≥ 0 km, got {buffer_km}",
                          zh=f"缓冲距离须 ≥ 0 千米，当前为 {buffer_km}")
    if buffer_km == 0:
        return geoms
    return shapely.buffer(geoms, buffer_km * 1000.0, quad_segs=16)


def why_excluded(fractions: dict[str, np.ndarray], *, lang: str = "zh",
                 min_share: float = 0.005) -> np.ndarray:
    """Human reason per parcel: the exclusions covering it, largest first.

    Parameters
    ----------
    fractions : dict
        ``{source: share of parcel area excluded by it (0-1)}``.

    Returns
    -------
    numpy.ndarray of str, e.g. "生态红线 100%; 坡度 12%".
    """
    names = list(fractions)
    if not names:
        return np.array([], dtype=object)
    table = np.column_stack([np.asarray(fractions[n], dtype=float) for n in names])
    labels = [EXCLUSION_LABELS[n][0 if lang == "zh" else 1] for n in names]
    out = np.full(len(table), "", dtype=object)
    rows = np.flatnonzero((table >= min_share).any(axis=1))
    order = np.argsort(-table[rows], axis=1, kind="stable")
    percent = np.maximum(np.round(table[rows] * 100), 1).astype(int)
    keep = table[rows] >= min_share
    for r, idx, pct, ok in zip(rows, order, percent, keep, strict=True):
        out[r] = "; ".join(f"{labels[j]} {pct[j]}%" for j in idx if ok[j])
    return out
