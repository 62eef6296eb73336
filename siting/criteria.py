"""Criterion normalisation and resource classes (GB/T 18710 wind, GB/T 31155 solar).

Pure, vectorised functions over parcel arrays: 0-1 scaling between bounds, the
Weibull wind physics needed to compute wind power density at site air density,
and the national resource-class tables. NaN (no data) passes through every
numeric function; class functions map it to an explicit "no class" value.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gamma

from siting.errors import SitingError

# --- International Standard Atmosphere (ISO 2533:1975, troposphere) ✅ -------------------
#: Air density at sea level, kg/m³ (ISA; also the IEC 61400-12-1 reference density).
ISA_SEA_LEVEL_DENSITY_KG_M3 = 1.225
#: Air temperature at sea level, K (ISA).
ISA_SEA_LEVEL_TEMPERATURE_K = 288.15
#: Temperature lapse rate, K/m (ISA troposphere).
ISA_LAPSE_RATE_K_M = 0.0065
#: Standard gravity, m/s² (ISA).
GRAVITY_M_S2 = 9.80665
#: Molar mass of dry air, kg/mol (ISA).
AIR_MOLAR_MASS_KG_MOL = 0.0289644
#: Universal gas constant, J/(mol·K) (ISA value).
GAS_CONSTANT_J_MOL_K = 8.31446
#: Top of the ISA troposphere, m: the barometric formula here is valid below it.
ISA_TROPOPAUSE_M = 11_000.0
#: Lowest plausible land elevation, m (Dead Sea shore ≈ -430 m); lower is an input error.
MIN_ELEVATION_M = -500.0

# --- Wind -----------------------------------------------------------------------------------
#: Power-law (Hellmann) wind shear exponent, dimensionless. 0.14 ≈ the classic 1/7 law for
#: open, flat grassland; measured values on the Mongolian plateau span ~0.1-0.2 ❌ assumption
#: (no regional source in domain.md). Override per scenario when mast data exist.
WIND_SHEAR_EXPONENT = 0.14

#: GB/T 18710-2002 wind power density class bounds, W/m², by height above ground (m).
#: Tuple item i is the lower bound of class i + 2 (class 1 lies below the first item).
#: Source: domain.md "Standards" table ✅.
WIND_POWER_CLASS_BOUNDS_W_M2: dict[int, tuple[float, ...]] = {
    10: (100.0, 150.0, 200.0, 250.0, 300.0, 400.0),
    30: (160.0, 240.0, 320.0, 400.0, 480.0, 640.0),
    50: (200.0, 300.0, 400.0, 500.0, 600.0, 800.0),
}
#: Upper bound of class 7 in the GB/T 18710 table, W/m² (domain.md ✅). Values above it are
#: still reported as class 7; they are implausible for a long-term mean and worth a look.
WIND_CLASS_7_TOP_W_M2: dict[int, float] = {10: 1000.0, 30: 1600.0, 50: 2000.0}
#: Height of the GB/T 18710 table used for hub-height (100 m+) data, m.
WIND_CLASS_HEIGHT_M = 50
#: Class returned where power density is NaN (no data): no GB/T class is 0.
WIND_CLASS_NODATA = 0
#: Number of GB/T 18710 classes.
WIND_CLASS_COUNT = 7
#: Minimum "fairly good" wind class at 50 m (domain.md: classes 3+ are fairly good ✅; used
#: as a soft threshold in the literature ❌).
MIN_WIND_CLASS = 3
#: Height the hub-height wind layer is given at, m (Global Wind Atlas-style 100 m layer).
WIND_LAYER_HEIGHT_M = 100.0
#: Caption for classes computed from 100 m data (domain.md: an extrapolation must say so).
WIND_CLASS_NOTE_ZH = "由100 m高度风速按幂律外推至50 m计算；GB/T 18710 未规定100 m高度的等级"
WIND_CLASS_NOTE_EN = ("extrapolated from 100 m to 50 m by power law; "
                      "GB/T 18710 defines no 100 m classes")

# --- Solar: GB/T 31155-2014, annual GHI ------------------------------------------------------
#: Lower bounds of classes C, B, A, kWh/m²·yr (= 3780/5040/6300 MJ/m²). A ≥1750 and
#: B 1400-1750 ✅; C 1050-1400 and D <1050 ⚠️ (domain.md).
SOLAR_CLASS_BOUNDS_KWH_M2 = (1050.0, 1400.0, 1750.0)
#: Class letters from poorest to richest, matching SOLAR_CLASS_BOUNDS_KWH_M2.
SOLAR_CLASSES = ("D", "C", "B", "A")
#: Chinese labels of the GB/T 31155 classes (domain.md).
SOLAR_CLASS_LABELS_ZH = {"A": "最丰富", "B": "很丰富", "C": "丰富", "D": "一般"}
#: English renderings of the same labels.
SOLAR_CLASS_LABELS_EN = {"A": "most abundant", "B": "very abundant", "C": "abundant",
                         "D": "normal"}
#: Class returned where GHI is NaN (no data).
SOLAR_CLASS_NODATA = ""


def _as_float(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise SitingError(f"{name} must be numbers, got {values!r}",
                          zh=f"{name} 须为数字，当前为 {values!r}") from err


def _raise_if_any(bad: NDArray[np.bool_], values: NDArray[np.float64], name: str,
                  allowed: str, fix: str = "") -> None:
    """Raise a SitingError naming the first bad value and how many there are."""
    if np.any(bad):
        first = values[bad].flat[0]
        count = int(np.count_nonzero(bad))
        where = f" ({count} of {values.size} values)" if values.size > 1 else ""
        hint = f"; {fix}" if fix else ""
        raise SitingError(f"{name} must be {allowed}, got {float(first)!r}{where}{hint}")


def _check_bounds(lo: float, hi: float) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise SitingError(f"bounds must be finite with lo < hi, got lo={lo!r}, hi={hi!r}; "
                          "use inverse_linear() for a criterion where lower is better",
                          zh=f"上下限须为有限数且 lo < hi，当前 lo={lo!r}、hi={hi!r}；"
                             "越低越好的指标请用 inverse_linear()")


def linear(x: ArrayLike, lo: float, hi: float) -> NDArray[np.float64]:
    """Benefit criterion scaled linearly to 0-1 between two bounds.

    Parameters
    ----------
    x : array_like
        Criterion values, in the criterion's unit.
    lo, hi : float
        Values that score 0 and 1, same unit as ``x``; ``lo < hi``.

    Returns
    -------
    ndarray of float
        0 at or below ``lo``, 1 at or above ``hi``, linear between; NaN stays NaN.
    """
    _check_bounds(lo, hi)
    return np.clip((_as_float(x, "x") - lo) / (hi - lo), 0.0, 1.0)


def inverse_linear(x: ArrayLike, lo: float, hi: float) -> NDArray[np.float64]:
    """Cost criterion (lower is better) scaled linearly to 0-1 between two bounds.

    Parameters
    ----------
    x : array_like
        Criterion values, e.g. distance to grid in km or slope in degrees.
    lo, hi : float
        Values that score 1 and 0, same unit as ``x``; ``lo < hi``.

    Returns
    -------
    ndarray of float
        1 at or below ``lo``, 0 at or above ``hi``, linear between; NaN stays NaN.
    """
    _check_bounds(lo, hi)
    return np.clip((hi - _as_float(x, "x")) / (hi - lo), 0.0, 1.0)


def air_density(elevation_m: ArrayLike, temperature_c: ArrayLike | None = None
                ) -> NDArray[np.float64]:
    """Air density at an elevation by the ISA barometric formula.

    Parameters
    ----------
    elevation_m : array_like
        Elevation above sea level, m (below the 11 km tropopause).
    temperature_c : array_like, optional
        Annual mean air temperature at that elevation, °C. If given, pressure
        still follows the ISA profile and density is ``p / (R_air · T)``; if
        omitted, the ISA temperature ``288.15 K − 0.0065 K/m · z`` is used.

    Returns
    -------
    ndarray of float
        Air density, kg/m³ (1.225 at sea level under ISA; ≈1.09 at 1,200 m).
    """
    z = _as_float(elevation_m, "elevation_m")
    _raise_if_any((z < MIN_ELEVATION_M) | (z >= ISA_TROPOPAUSE_M), z, "elevation_m",
                  f"metres above sea level in [{MIN_ELEVATION_M:g}, {ISA_TROPOPAUSE_M:g})",
                  "is the DEM in feet or centimetres, or is nodata unmasked?")
    exponent = GRAVITY_M_S2 * AIR_MOLAR_MASS_KG_MOL / (GAS_CONSTANT_J_MOL_K * ISA_LAPSE_RATE_K_M)
    isa_temperature_k = ISA_SEA_LEVEL_TEMPERATURE_K - ISA_LAPSE_RATE_K_M * z
    ratio = isa_temperature_k / ISA_SEA_LEVEL_TEMPERATURE_K
    if temperature_c is None:
        return ISA_SEA_LEVEL_DENSITY_KG_M3 * ratio ** (exponent - 1.0)
    t = _as_float(temperature_c, "temperature_c")
    _raise_if_any((t < -90.0) | (t > 60.0), t, "temperature_c",
                  "an annual mean air temperature in °C within [-90, 60]",
                  "was it given in kelvin?")
    sea_level_pressure_pa = (ISA_SEA_LEVEL_DENSITY_KG_M3 * GAS_CONSTANT_J_MOL_K
                             / AIR_MOLAR_MASS_KG_MOL * ISA_SEA_LEVEL_TEMPERATURE_K)
    pressure_pa = sea_level_pressure_pa * ratio ** exponent
    return pressure_pa * AIR_MOLAR_MASS_KG_MOL / (GAS_CONSTANT_J_MOL_K * (t + 273.15))


def _check_wind(mean_speed: NDArray[np.float64], k: NDArray[np.float64], name: str) -> None:
    _raise_if_any(mean_speed < 0, mean_speed, name, "a non-negative speed in m/s")
    _raise_if_any(k <= 0, k, "k", "a positive Weibull shape factor (typically 1.5-3)")


def weibull_scale(mean_speed: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Weibull scale parameter from the mean wind speed and the shape factor.

    Parameters
    ----------
    mean_speed : array_like
        Long-term mean wind speed, m/s.
    k : array_like
        Weibull shape factor, dimensionless (> 0).

    Returns
    -------
    ndarray of float
        Scale ``A = v̄ / Γ(1 + 1/k)``, m/s.
    """
    v = _as_float(mean_speed, "mean_speed")
    shape = _as_float(k, "k")
    _check_wind(v, shape, "mean_speed")
    return v / gamma(1.0 + 1.0 / shape)


def power_density(mean_speed: ArrayLike, k: ArrayLike, rho: ArrayLike = ISA_SEA_LEVEL_DENSITY_KG_M3
                  ) -> NDArray[np.float64]:
    """Mean wind power density of a Weibull wind climate.

    Parameters
    ----------
    mean_speed : array_like
        Long-term mean wind speed, m/s.
    k : array_like
        Weibull shape factor, dimensionless (> 0).
    rho : array_like, optional
        Air density, kg/m³; use :func:`air_density` for the site, not sea level.

    Returns
    -------
    ndarray of float
        ``½ ρ A³ Γ(1 + 3/k)``, W/m².
    """
    density = _as_float(rho, "rho")
    _raise_if_any(density <= 0, density, "rho", "a positive air density in kg/m³")
    scale = weibull_scale(mean_speed, k)
    return 0.5 * density * scale**3 * gamma(1.0 + 3.0 / _as_float(k, "k"))


def extrapolate_speed(speed: ArrayLike, from_m: float, to_m: float, *,
                      alpha: float = WIND_SHEAR_EXPONENT) -> NDArray[np.float64]:
    """Move a wind speed to another height with the power (Hellmann) law.

    Parameters
    ----------
    speed : array_like
        Wind speed at ``from_m``, m/s.
    from_m, to_m : float
        Heights above ground, m (> 0).
    alpha : float, optional
        Shear exponent, dimensionless (default :data:`WIND_SHEAR_EXPONENT`).

    Returns
    -------
    ndarray of float
        ``v · (to_m / from_m) ** alpha``, m/s.
    """
    if not (from_m > 0 and to_m > 0 and np.isfinite(from_m) and np.isfinite(to_m)):
        raise SitingError(f"heights must be positive metres above ground, got "
                          f"from_m={from_m!r}, to_m={to_m!r}",
                          zh=f"高度须为离地正米数，当前 from_m={from_m!r}、to_m={to_m!r}")
    if not (np.isfinite(alpha) and 0 <= alpha < 1):
        raise SitingError(f"alpha (shear exponent) must be in [0, 1), got {alpha!r}; "
                          f"about {WIND_SHEAR_EXPONENT} suits open grassland",
                          zh=f"alpha（风切变指数）须在 [0, 1) 之内，当前为 {alpha!r}；"
                             f"开阔草原约为 {WIND_SHEAR_EXPONENT}")
    return _as_float(speed, "speed") * (to_m / from_m) ** alpha


def wind_power_class(power_density_w_m2: ArrayLike, height_m: int = WIND_CLASS_HEIGHT_M
                     ) -> NDArray[np.int8]:
    """GB/T 18710-2002 wind power density class (1-7).

    Parameters
    ----------
    power_density_w_m2 : array_like
        Mean wind power density at site air density, W/m².
    height_m : {10, 30, 50}, optional
        Height the power density refers to, m. GB/T 18710 has no other heights;
        for hub-height data use :func:`wind_class_at_50m`.

    Returns
    -------
    ndarray of int8
        Class 1-7. A value equal to a bound belongs to the higher class (200 W/m²
        at 50 m is class 2); values above the class-7 top are still class 7; NaN
        gives :data:`WIND_CLASS_NODATA` (0).
    """
    if height_m not in WIND_POWER_CLASS_BOUNDS_W_M2:
        raise SitingError(f"height_m must be one of {sorted(WIND_POWER_CLASS_BOUNDS_W_M2)} "
                          f"(the GB/T 18710 table heights), got {height_m!r}; for 100 m data "
                          "use wind_class_at_50m()",
                          zh=f"height_m 须为 {sorted(WIND_POWER_CLASS_BOUNDS_W_M2)} 之一"
                             f"（GB/T 18710 表中的高度），当前为 {height_m!r}；100 米数据请用 "
                             "wind_class_at_50m()")
    density = _as_float(power_density_w_m2, "power_density_w_m2")
    _raise_if_any(density < 0, density, "power_density_w_m2", "non-negative W/m²")
    bounds = np.asarray(WIND_POWER_CLASS_BOUNDS_W_M2[height_m])
    classes = (1 + np.searchsorted(bounds, density, side="right")).astype(np.int8)
    return np.where(np.isnan(density), WIND_CLASS_NODATA, classes).astype(np.int8)


def wind_class_at_50m(mean_speed_100m: ArrayLike, k: ArrayLike, elevation_m: ArrayLike, *,
                      alpha: float = WIND_SHEAR_EXPONENT,
                      temperature_c: ArrayLike | None = None,
                      from_height_m: float = WIND_LAYER_HEIGHT_M,
                      ) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """GB/T 18710 class at 50 m from a 100 m wind layer, at site air density.

    The speed is moved from ``from_height_m`` to 50 m by the power law, the
    Weibull shape is assumed unchanged with height, and the air density is
    taken at ``elevation_m + 50 m``. Label results with
    :data:`WIND_CLASS_NOTE_ZH` / :data:`WIND_CLASS_NOTE_EN`.

    Parameters
    ----------
    mean_speed_100m : array_like
        Mean wind speed at ``from_height_m`` (default 100 m), m/s.
    k : array_like
        Weibull shape factor, dimensionless.
    elevation_m : array_like
        Ground elevation, m above sea level.
    alpha : float, optional
        Shear exponent (default :data:`WIND_SHEAR_EXPONENT`).
    temperature_c : array_like, optional
        Annual mean temperature, °C (see :func:`air_density`).
    from_height_m : float, optional
        Height of the input layer, m.

    Returns
    -------
    classes : ndarray of int8
        GB/T 18710 class at 50 m (0 where any input is NaN).
    power_density_50m : ndarray of float
        Wind power density at 50 m, W/m².
    """
    speed_50m = extrapolate_speed(mean_speed_100m, from_height_m, WIND_CLASS_HEIGHT_M,
                                  alpha=alpha)
    rho = air_density(_as_float(elevation_m, "elevation_m") + WIND_CLASS_HEIGHT_M,
                      temperature_c)
    density_50m = power_density(speed_50m, k, rho)
    return wind_power_class(density_50m, WIND_CLASS_HEIGHT_M), density_50m


def wind_class_score(wind_class: ArrayLike) -> NDArray[np.float64]:
    """Piecewise 0-1 score of a GB/T 18710 class: class 1 → 0, class 7 → 1.

    Parameters
    ----------
    wind_class : array_like of int
        Classes 1-7, or :data:`WIND_CLASS_NODATA` (scored NaN).

    Returns
    -------
    ndarray of float
        ``(class − 1) / 6``; NaN for no data.
    """
    classes = _as_float(wind_class, "wind_class")
    _raise_if_any(~np.isin(classes, np.arange(WIND_CLASS_COUNT + 1)), classes, "wind_class",
                  f"an integer 0-{WIND_CLASS_COUNT} (0 = no data)")
    return np.where(classes == WIND_CLASS_NODATA, np.nan,
                    (classes - 1.0) / (WIND_CLASS_COUNT - 1))


def solar_class(ghi_kwh_m2: ArrayLike) -> NDArray[np.str_]:
    """GB/T 31155-2014 solar resource class from annual global horizontal irradiation.

    Parameters
    ----------
    ghi_kwh_m2 : array_like
        Annual GHI, kWh/m²·yr (divide MJ/m² by 3.6).

    Returns
    -------
    ndarray of str
        'A' (≥1750, 最丰富), 'B' (1400-1750, 很丰富), 'C' (1050-1400, 丰富) or
        'D' (<1050, 一般); a value equal to a bound belongs to the higher class;
        NaN gives :data:`SOLAR_CLASS_NODATA` (''). Labels:
        :data:`SOLAR_CLASS_LABELS_ZH`, :data:`SOLAR_CLASS_LABELS_EN`.
    """
    ghi = _as_float(ghi_kwh_m2, "ghi_kwh_m2")
    _raise_if_any(ghi < 0, ghi, "ghi_kwh_m2", "non-negative kWh/m²·yr")
    _raise_if_any(ghi > 3000, ghi, "ghi_kwh_m2", "an annual total in kWh/m²·yr (≤ 3000)",
                  "was it given in MJ/m² (divide by 3.6) or Wh/m²?")
    index = np.searchsorted(np.asarray(SOLAR_CLASS_BOUNDS_KWH_M2), ghi, side="right")
    letters = np.asarray(SOLAR_CLASSES)[np.minimum(index, len(SOLAR_CLASSES) - 1)]
    return np.where(np.isnan(ghi), SOLAR_CLASS_NODATA, letters)


def solar_class_score(classes: ArrayLike) -> NDArray[np.float64]:
    """Piecewise 0-1 score of a GB/T 31155 class: D → 0, C → 1/3, B → 2/3, A → 1.

    Parameters
    ----------
    classes : array_like of str
        'A'-'D', or '' for no data (scored NaN).

    Returns
    -------
    ndarray of float
    """
    letters = np.asarray(classes, dtype=str)
    scores = {c: i / (len(SOLAR_CLASSES) - 1) for i, c in enumerate(SOLAR_CLASSES)}
    scores[SOLAR_CLASS_NODATA] = np.nan
    unknown = ~np.isin(letters, list(scores))
    if np.any(unknown):
        raise SitingError(f"solar classes must be one of {list(SOLAR_CLASSES)} or '' "
                          f"(no data), got {letters[unknown].flat[0]!r}",
                          zh=f"太阳能资源等级须为 {list(SOLAR_CLASSES)} 之一或 ''（无数据），"
                             f"当前为 {letters[unknown].flat[0]!r}")
    out = np.empty(letters.shape, dtype=float)
    for letter, score in scores.items():
        out[letters == letter] = score
    return out
