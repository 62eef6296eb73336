"""Conversion between WGS84 and GCJ-02, the obfuscated datum of Chinese web maps.

GCJ-02 ("Mars coordinates", 火星坐标) is WGS84 shifted by a published
closed-form offset on the Krasovsky 1940 ellipsoid. Amap/Gaode boundaries and
tiles use it; in Inner Mongolia the shift is about 0.3-0.6 km. Points outside
a rough China bounding box are not shifted. The forward direction is exact;
the inverse is solved by fixed-point iteration.
"""
from __future__ import annotations

import numpy as np
import shapely

#: Krasovsky 1940 semi-major axis used by the published formula, metres.
KRASOVSKY_A_M = 6378245.0
#: Krasovsky 1940 first eccentricity squared (dimensionless).
KRASOVSKY_E2 = 0.00669342162296594323

#: Rough box (lon/lat degrees: west, south, east, north) outside which the
#: offset is not applied, as in the public formula.
CHINA_BOX_WGS84 = (72.004, 0.8293, 137.8347, 55.8271)

#: Default convergence tolerance of the inverse, degrees.
INVERSE_TOLERANCE_DEG = 1e-9
#: Iteration cap of the inverse; the map is a contraction, ~4 steps suffice.
INVERSE_MAX_ITERATIONS = 50


def _inside_china(lon, lat):
    west, south, east, north = CHINA_BOX_WGS84
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _lat_term(x, y):
    # x, y are degrees east of 105°E and north of 35°N.
    term = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    term += (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    term += (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
    term += (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    return term


def _lon_term(x, y):
    term = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    term += (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    term += (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
    term += (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0
    return term


def gcj02_offset(lon, lat):
    """Offset that GCJ-02 adds to a WGS84 position.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude, degrees.

    Returns
    -------
    dlon, dlat : numpy.ndarray
        Offsets in degrees (GCJ-02 minus WGS84); zero outside China's box.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x = lon - 105.0
    y = lat - 35.0
    lat_rad = np.radians(lat)
    w = 1.0 - KRASOVSKY_E2 * np.sin(lat_rad) ** 2
    # Metres per degree of latitude (meridian radius) and of longitude.
    meridian_m_per_deg = KRASOVSKY_A_M * (1.0 - KRASOVSKY_E2) / (w * np.sqrt(w)) * np.pi / 180.0
    parallel_m_per_deg = KRASOVSKY_A_M / np.sqrt(w) * np.cos(lat_rad) * np.pi / 180.0
    # The polynomial terms are metres of shift.
    dlat = _lat_term(x, y) / meridian_m_per_deg
    dlon = _lon_term(x, y) / parallel_m_per_deg
    inside = _inside_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    """Convert WGS84 coordinates to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude, degrees (any matching shapes).

    Returns
    -------
    lon, lat : numpy.ndarray
        GCJ-02 longitude and latitude, degrees. Positions outside China's
        bounding box are returned unchanged.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = gcj02_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, tolerance_deg=INVERSE_TOLERANCE_DEG,
                   max_iterations=INVERSE_MAX_ITERATIONS):
    """Convert GCJ-02 coordinates to WGS84 by fixed-point iteration.

    Starting from the GCJ-02 position, each step subtracts the residual
    ``wgs84_to_gcj02(guess) - target``; the offset varies slowly, so the
    error shrinks by orders of magnitude per step.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude, degrees (any matching shapes).
    tolerance_deg : float, keyword-only
        Stop when every residual is below this, degrees (default 1e-9,
        ~0.1 mm).
    max_iterations : int, keyword-only
        Safety cap on the number of steps.

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS84 longitude and latitude, degrees; forward-converting them
        reproduces the input within ``tolerance_deg``.
    """
    target_lon = np.asarray(lon, dtype=float)
    target_lat = np.asarray(lat, dtype=float)
    wgs_lon = target_lon.copy()
    wgs_lat = target_lat.copy()
    for _ in range(max_iterations):
        fwd_lon, fwd_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        res_lon = fwd_lon - target_lon
        res_lat = fwd_lat - target_lat
        wgs_lon = wgs_lon - res_lon
        wgs_lat = wgs_lat - res_lat
        if max(np.max(np.abs(res_lon), initial=0.0), np.max(np.abs(res_lat), initial=0.0)) \
                < tolerance_deg:
            break
    return wgs_lon, wgs_lat


def _gcj02_xy_to_wgs84(coords):
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def gcj02_geometry_to_wgs84(geom):
    """Convert a shapely geometry (or array of them) from GCJ-02 to WGS84.

    Parameters
    ----------
    geom : shapely.Geometry or array_like of shapely.Geometry
        Geometry with lon/lat GCJ-02 coordinates, degrees.

    Returns
    -------
    shapely.Geometry or numpy.ndarray
        Same structure with WGS84 coordinates. Vertices are moved
        individually, so rings may need ``make_valid`` afterwards in rare
        near-touching cases.
    """
    return shapely.transform(geom, _gcj02_xy_to_wgs84)
