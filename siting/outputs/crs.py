"""Export coordinate reference systems: CGCS2000 by default, any EPSG code, or the
3° Gauss-Krüger zone of the shortlist's centre (``auto-gk``)."""
from __future__ import annotations

from siting.errors import CRSError, SitingError

#: Default CRS of GeoPackage and Shapefile exports: CGCS2000 (domain.md ✅).
DEFAULT_EXPORT_CRS = "EPSG:4490"
#: ``--crs auto-gk``: the CGCS2000 3° Gauss-Krüger zone of the shortlist's centre.
AUTO_GK = "auto-gk"
#: CGCS2000 3° Gauss-Krüger zones with zone prefix: EPSG = 4513 + zone − 25 (domain.md ✅).
GK3_FIRST_EPSG, GK3_FIRST_ZONE, GK3_LAST_ZONE = 4513, 25, 45
#: GeoJSON is always WGS84 lon/lat (RFC 7946); CSV lon/lat and KML too.
LONLAT_CRS = "EPSG:4326"
#: Decimal places of lon/lat in GeoJSON, KML and CSV (1e-6° ≈ 0.1 m).
LONLAT_DECIMALS = 6


def gk3_crs(lon: float):
    """CGCS2000 3° Gauss-Krüger zone (zone-prefixed eastings) nearest ``lon``, degrees east."""
    from pyproj import CRS

    zone = int(round(float(lon) / 3.0))
    if not GK3_FIRST_ZONE <= zone <= GK3_LAST_ZONE:
        raise CRSError(f"longitude {lon:.2f}° lies outside the CGCS2000 3° Gauss-Krüger zones "
                       f"{GK3_FIRST_ZONE}-{GK3_LAST_ZONE} (75-135°E); pass an explicit --crs",
                       zh=f"经度 {lon:.2f}° 不在 CGCS2000 3° 高斯-克吕格投影带 "
                          f"{GK3_FIRST_ZONE}-{GK3_LAST_ZONE}（75-135°E）之内；请明确传入 --crs")
    return CRS.from_epsg(GK3_FIRST_EPSG + zone - GK3_FIRST_ZONE)


def shortlist_centre_lon(result) -> float:
    """Longitude of the centre of the shortlist's lon/lat bounding box (all parcels if empty)."""
    gdf = result.shortlist if len(result.shortlist) else result.parcels
    if not len(gdf):
        raise SitingError("the result has no parcels, so --crs auto-gk has no centre; "
                          "pass an explicit --crs such as EPSG:4490",
                          zh="结果中没有地块，--crs auto-gk 无法确定中心；请明确传入 --crs，"
                             "如 EPSG:4490")
    centroids = gdf.geometry.centroid.to_crs(LONLAT_CRS)
    west, _, east, _ = centroids.total_bounds
    return (west + east) / 2.0


def resolve_crs(crs, result=None):
    """The export CRS as a ``pyproj.CRS``: an EPSG code/CRS string, or ``auto-gk``.

    Parameters
    ----------
    crs : str or pyproj.CRS
        e.g. ``"EPSG:4490"`` (CGCS2000), ``"EPSG:4526"`` (3° GK zone 38), or
        ``"auto-gk"``: the 3° zone of the shortlist's centre (needs ``result``).
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    if isinstance(crs, str) and crs.strip().lower() == AUTO_GK:
        if result is None:
            raise SitingError("--crs auto-gk needs a result to find the shortlist's centre",
                              zh="--crs auto-gk 需要计算结果才能确定优选地块的中心")
        return gk3_crs(shortlist_centre_lon(result))
    try:
        out = CRS.from_user_input(crs)
    except PyprojCRSError:
        raise CRSError(f"--crs {crs!r} is not a coordinate reference system; use e.g. "
                       "EPSG:4490 (CGCS2000), EPSG:4526 (CGCS2000 3° GK zone 38) or "
                       f"{AUTO_GK}",
                       zh=f"--crs {crs!r} 不是坐标系；请使用如 EPSG:4490（CGCS2000）、EPSG:4526"
                          f"（CGCS2000 3° 高斯-克吕格第 38 带）或 {AUTO_GK}") from None
    if not (out.is_geographic or out.is_projected):
        raise CRSError(f"--crs {crs!r} is neither geographic nor projected; use e.g. EPSG:4490",
                       zh=f"--crs {crs!r} 既不是地理坐标系也不是投影坐标系；请使用如 EPSG:4490")
    return out

