"""A modelled air-temperature climatology for the PV yield build (no temperature layer is
bundled, and no package with gridded climate normals installs offline).

Monthly mean air temperature of a point = inverse-distance-squared interpolation of CMA
station normals reduced to sea level with a standard lapse rate, brought back to the
point's elevation; each station's year is a cosine through its January and July means,
centred on its annual mean. The hourly value adds a cosine diurnal cycle peaking at
15:00 local solar time. This is a **model** (labelled ``modelled`` in the catalog): it
is good to about ±2 K on monthly means, which moves the PV yield by under 1 %
(temperature coefficient −0.35 %/K × the daytime cell-temperature error).
"""
from __future__ import annotations

import numpy as np

#: CMA station climate normals 1981-2010 (中国地面气候标准值 1981-2010, China
#: Meteorological Administration, as tabulated in the climate tables of the cities'
#: Wikipedia articles), transcribed and rounded to 0.5 °C ⚠️ (check against the CMA
#: dataset before any project use). Columns: name, lon °E, lat °N, station elevation m,
#: annual mean °C, January mean °C, July mean °C.
STATION_NORMALS = (
    ("Ejina 额济纳旗", 101.07, 41.95, 941, 9.0, -11.0, 27.0),
    ("Alxa Zuoqi 巴彦浩特", 105.67, 38.83, 1562, 8.5, -8.5, 23.5),
    ("Wuhai 乌海", 106.80, 39.68, 1092, 10.0, -8.5, 25.5),
    ("Linhe 临河", 107.42, 40.75, 1041, 8.0, -10.0, 24.0),
    ("Dongsheng 东胜", 109.98, 39.83, 1461, 6.5, -10.5, 21.5),
    ("Baotou 包头", 109.85, 40.67, 1067, 7.0, -11.0, 23.5),
    ("Hohhot 呼和浩特", 111.68, 40.82, 1063, 7.5, -11.5, 23.0),
    ("Jining 集宁", 113.07, 41.03, 1419, 4.5, -12.5, 20.5),
    ("Erenhot 二连浩特", 111.97, 43.65, 965, 4.5, -17.5, 24.0),
    ("Xilinhot 锡林浩特", 116.12, 43.95, 990, 3.0, -18.5, 21.5),
    ("Chifeng 赤峰", 118.93, 42.27, 572, 7.5, -10.5, 23.5),
    ("Tongliao 通辽", 122.27, 43.60, 180, 7.0, -13.5, 24.0),
    ("Ulanhot 乌兰浩特", 122.05, 46.08, 275, 5.5, -15.0, 23.0),
    ("Hailar 海拉尔", 119.75, 49.22, 611, -0.5, -25.0, 20.5),
    ("Manzhouli 满洲里", 117.43, 49.57, 662, -0.5, -22.5, 20.0),
    ("Tulihe 图里河", 121.68, 50.48, 733, -4.5, -28.0, 17.0),
)

#: Environmental lapse rate, K per m (ICAO standard atmosphere, 6.5 K/km) ✅.
LAPSE_RATE_K_PER_M = 0.0065
#: Inverse-distance weighting power (2: the usual IDW choice) ❌ assumption.
IDW_POWER = 2.0
#: Distance added to every station distance, km, so a point on a station is not a
#: singularity and far points blend smoothly ❌ assumption.
IDW_SMOOTHING_KM = 50.0
#: Diurnal temperature range (daily max − min), K ⚠️: CMA normals of the region's
#: stations give 11-15 K (arid west larger, forested north-east smaller); 13 K is taken
#: everywhere.
DIURNAL_RANGE_K = 13.0
#: Local solar hour of the daily maximum temperature ⚠️ (typically 14:00-16:00).
DIURNAL_PEAK_SOLAR_HOUR = 15.0
#: Mean Earth radius, km, for great-circle distances.
EARTH_RADIUS_KM = 6371.0


def _stations():
    table = np.array([row[1:] for row in STATION_NORMALS], dtype=np.float64)
    lon, lat, elev, annual, jan, jul = table.T
    return lon, lat, elev, annual, jan, jul


def _great_circle_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def monthly_mean_c(lons, lats, elevations_m):
    """Monthly mean air temperature, °C, shape (points, 12).

    Station annual means are reduced to sea level (+ lapse rate × elevation), the
    sea-level annual mean and the half January-July range are interpolated
    (inverse distance squared, :data:`IDW_SMOOTHING_KM` added to distances), and
    month m (1-12) gets ``annual − half_range × cos(2π (m − 1) / 12)`` at the
    point's elevation: January is the coldest month, July the warmest.
    """
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    z = np.atleast_1d(np.asarray(elevations_m, dtype=np.float64))
    s_lon, s_lat, s_elev, s_annual, s_jan, s_jul = _stations()
    distance = _great_circle_km(lons[:, None], lats[:, None], s_lon[None, :], s_lat[None, :])
    weight = 1.0 / (distance + IDW_SMOOTHING_KM) ** IDW_POWER
    weight /= weight.sum(axis=1, keepdims=True)
    sea_level_annual = weight @ (s_annual + LAPSE_RATE_K_PER_M * s_elev)
    half_range = weight @ ((s_jul - s_jan) / 2.0)
    annual = sea_level_annual - LAPSE_RATE_K_PER_M * z
    months = np.arange(12)
    return annual[:, None] - half_range[:, None] * np.cos(2 * np.pi * months / 12.0)[None, :]


def hourly_c(monthly_c, month_index, solar_hour):
    """Hourly air temperature, °C: the month's mean plus a cosine diurnal cycle.

    Parameters
    ----------
    monthly_c : numpy.ndarray
        Monthly means of each value's point (any shape broadcasting with the others, with
        a trailing axis of 12) — or already picked per value (same shape as ``solar_hour``)
        when ``month_index`` is None.
    month_index : numpy.ndarray or None
        Month 0-11 of each value.
    solar_hour : numpy.ndarray
        Local mean solar time, hours (UTC hour + longitude / 15).
    """
    mean = monthly_c if month_index is None else np.take_along_axis(
        monthly_c, month_index[..., None], axis=-1)[..., 0]
    return mean + DIURNAL_RANGE_K / 2.0 * np.cos(
        2 * np.pi * (np.asarray(solar_hour) - DIURNAL_PEAK_SOLAR_HOUR) / 24.0)
