"""PV: annual yield per MW (the bundled pvlib-derived yield raster, or GHI × tilt gain ×
performance ratio, or an imported PVOUT layer) and the capacity density of south-facing
rows that do not shade each other.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.costs import HOURS_PER_YEAR
from siting.criteria import _as_float, _raise_if_any
from siting.errors import SitingError

# --- PV -----------------------------------------------------------------------------------
#: Plane-of-array / horizontal annual irradiation for a fixed rack at optimal tilt at
#: 40-45°N, dimensionless. Clear continental sites give ~1.12-1.22 ❌ assumption.
PV_TILT_GAIN = 1.15
#: Performance ratio of a utility PV plant (temperature, soiling, inverter, wiring,
#: availability), dimensionless ❌ assumption (modern plants 0.78-0.84).
PV_PERFORMANCE_RATIO = 0.80
#: Irradiance at standard test conditions, kW/m²: kWh/m² ÷ this = kWh/kWp at PR 1.
STC_IRRADIANCE_KW_M2 = 1.0
#: PV mounts with a bundled pvlib yield raster, and the catalog layer of each
#: (data/build/pv_yield.py: Erbs, Hay-Davies, SAPM temperature, PVWatts; docs/yields.md).
#: ``fixed``: south-facing rack at the latitude's optimal tilt; ``tracker``: horizontal
#: north-south single-axis tracker (±60°, backtracking).
PV_MOUNT_LAYERS = {"fixed": "pv_yield", "tracker": "pv_yield_tracker"}
#: Default mount: fixed racks, the bulk of the region's desert bases ⚠️.
PV_MOUNT_DEFAULT = "fixed"

#: PV packing density inside a desert base, MW/km² gross (Inner Mongolia bases 50-60:
#: 1 GW on 30,000 mu; domain.md).
PV_PACKING_MW_PER_KM2 = 50.0
#: Share of a parcel's available land that becomes PV, dimensionless. ❌ planning assumption:
#: leaves room for roads, drainage, sand-control belts and land not leased; tune per study.
PV_LAND_USE_SHARE = 0.2
#: PV density on mine-restoration / subsidence land, MW/km² (~18-20 at a 500 MW site;
#: domain.md).
PV_RESTORATION_MW_PER_KM2 = 20.0

# --- Capacity density from layout physics --------------------------------------------
#: Solar declination at the winter solstice, degrees (Earth's obliquity, 23.44°).
WINTER_SOLSTICE_DECLINATION_DEG = -23.44
#: Hours either side of solar noon the rows must not shade each other on the winter
#: solstice. GB 50797-2012 (光伏发电站设计规范) asks for no shading 9:00-15:00 true
#: solar time on the winter solstice, i.e. 3 h ⚠️ (0 = noon only, the densest layout).
PV_SHADE_FREE_HOURS = 3.0
#: Module power per m² of module area at STC, W/m² (a 580 W, 2.382 × 1.134 m module,
#: ~21.5 % efficient; current desert-base modules 210-230 W/m² ❌ assumption).
PV_MODULE_W_PER_M2 = 215.0
#: Share of the fenced project land covered by module rows (row pitch included); the
#: rest is roads, inverter/box-transformer pads, the booster station, fire breaks and
#: edge margins ❌ assumption, set so a fixed-tilt array at 40°N lands on the region's
#: project figure of 50-60 MW/km² (1 GW on 30,000 mu; domain.md).
PV_ARRAY_SHARE = 0.65


# --- PV yield -----------------------------------------------------------------------------
def pv_yield_layer(mount: str = PV_MOUNT_DEFAULT) -> str:
    """Catalog id of the bundled pvlib yield raster of a mount (:data:`PV_MOUNT_LAYERS`)."""
    if mount not in PV_MOUNT_LAYERS:
        raise SitingError(f"PV mount must be one of {sorted(PV_MOUNT_LAYERS)}, got {mount!r}",
                          zh=f"光伏支架类型须为 {sorted(PV_MOUNT_LAYERS)} 之一（当前值："
                             f"{mount!r}）")
    return PV_MOUNT_LAYERS[mount]


def pv_energy_per_mw(ghi_kwh_m2: ArrayLike, *, tilt_gain: float = PV_TILT_GAIN,
                     performance_ratio: float = PV_PERFORMANCE_RATIO,
                     pvout_kwh_kwp: ArrayLike | None = None,
                     model_yield_kwh_kwp: ArrayLike | None = None) -> NDArray[np.float64]:
    """Annual net energy per MW of PV installed (= kWh/kWp = full-load hours).

    Parameters
    ----------
    ghi_kwh_m2 : array_like
        Annual global horizontal irradiation, kWh/m²·yr.
    tilt_gain : float, optional
        Plane-of-array / horizontal irradiation ratio (default :data:`PV_TILT_GAIN`).
    performance_ratio : float, optional
        System performance ratio in (0, 1] (default :data:`PV_PERFORMANCE_RATIO`).
    pvout_kwh_kwp : array_like, optional
        Specific yield layer (e.g. Global Solar Atlas PVOUT), kWh/kWp·yr, already
        net of losses; where finite it overrides everything else.
    model_yield_kwh_kwp : array_like, optional
        The bundled pvlib yield raster of the mount (:func:`pv_yield_layer`), kWh/kWp·yr
        AC; where finite (and no PVOUT) it replaces ``GHI × gain × PR``, which is
        kept only where it is NaN.

    Returns
    -------
    ndarray of float
        MWh per MW per year (numerically kWh/kWp): ``GHI × gain × PR / 1 kW/m²``.
    """
    if not (np.isfinite(tilt_gain) and 0.5 <= tilt_gain <= 2.0):
        raise SitingError(f"tilt_gain must be a ratio in [0.5, 2], got {tilt_gain!r}; "
                          "1.0 means a horizontal module",
                          zh=f"倾角增益 tilt_gain 须在 [0.5, 2] 之间（当前值：{tilt_gain!r}）；"
                             "1.0 表示水平安装")
    if not (np.isfinite(performance_ratio) and 0 < performance_ratio <= 1):
        raise SitingError(f"performance_ratio must be in (0, 1], got {performance_ratio!r}; "
                          "80 % is written 0.80",
                          zh=f"系统效率 performance_ratio 须在 (0, 1] 之间（当前值："
                             f"{performance_ratio!r}）；80% 写作 0.80")
    ghi = _as_float(ghi_kwh_m2, "ghi_kwh_m2")
    _raise_if_any(ghi < 0, ghi, "ghi_kwh_m2", "non-negative kWh/m²·yr")
    energy = ghi * tilt_gain * performance_ratio / STC_IRRADIANCE_KW_M2
    if model_yield_kwh_kwp is not None:
        model = _as_float(model_yield_kwh_kwp, "model_yield_kwh_kwp")
        _raise_if_any((model < 0) | (model > HOURS_PER_YEAR), model, "model_yield_kwh_kwp",
                      "kWh/kWp·yr in [0, 8760]")
        energy = np.where(np.isnan(model), energy, model)
    if pvout_kwh_kwp is None:
        return energy
    pvout = _as_float(pvout_kwh_kwp, "pvout_kwh_kwp")
    _raise_if_any(pvout < 0, pvout, "pvout_kwh_kwp", "non-negative kWh/kWp·yr")
    _raise_if_any(pvout > HOURS_PER_YEAR, pvout, "pvout_kwh_kwp", "at most 8760 kWh/kWp·yr",
                  "Global Solar Atlas daily PVOUT must be multiplied by 365")
    return np.where(np.isnan(pvout), energy, pvout)


def optimal_pv_tilt_deg(lat_deg: ArrayLike) -> NDArray[np.float64]:
    """Annual-energy optimal fixed tilt at a latitude, degrees.

    The polynomial fit of Jacobson & Jadhav (2018, Solar Energy 169: 55-66) for the
    northern hemisphere: 1.3793 + φ(1.2011 + φ(-0.014404 + 0.000080509 φ)); about 31° at
    40°N and 37° at 50°N.
    """
    lat = np.abs(_as_float(lat_deg, "lat_deg"))
    return 1.3793 + lat * (1.2011 + lat * (-0.014404 + lat * 0.000080509))


def winter_solstice_sun(lat_deg: ArrayLike, *, hours_from_noon: float = PV_SHADE_FREE_HOURS
                        ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sun elevation and azimuth from south, degrees, on the winter solstice.

    ``hours_from_noon`` is true solar time away from noon (15° of hour angle per hour).
    """
    lat = np.radians(_as_float(lat_deg, "lat_deg"))
    dec = np.radians(WINTER_SOLSTICE_DECLINATION_DEG)
    hour = np.radians(15.0 * hours_from_noon)
    sin_el = np.sin(lat) * np.sin(dec) + np.cos(lat) * np.cos(dec) * np.cos(hour)
    elevation = np.arcsin(np.clip(sin_el, -1.0, 1.0))
    # azimuth from south: cos γ = (sin α sin φ − sin δ) / (cos α cos φ)
    cos_az = (sin_el * np.sin(lat) - np.sin(dec)) / (np.cos(elevation) * np.cos(lat))
    return np.degrees(elevation), np.degrees(np.arccos(np.clip(cos_az, -1.0, 1.0)))


def pv_ground_coverage_ratio(lat_deg: ArrayLike, *, tilt_deg: ArrayLike | None = None,
                             hours_from_noon: float = PV_SHADE_FREE_HOURS
                             ) -> NDArray[np.float64]:
    """Ground-coverage ratio (module slant width ÷ row pitch) of south-facing rows that do
    not shade each other on the winter solstice within ``hours_from_noon`` of noon.

    Row pitch = L cos β + L sin β · cos γ / tan α for module width L, tilt β and the sun at
    elevation α, azimuth γ from south (the shadow's north-south length); GCR = L / pitch.
    At 40°N with the optimal tilt (31.5°) the GCR is about 0.41 for 9:00-15:00 and 0.54
    for noon only. ``tilt_deg`` defaults to :func:`optimal_pv_tilt_deg`.
    """
    lat = _as_float(lat_deg, "lat_deg")
    _raise_if_any((np.abs(lat) >= 66.0) | ~np.isfinite(lat), lat, "lat_deg",
                  "a latitude below the polar circle, degrees")
    tilt = optimal_pv_tilt_deg(lat) if tilt_deg is None else _as_float(tilt_deg, "tilt_deg")
    _raise_if_any((tilt < 0) | (tilt > 90), tilt, "tilt_deg", "a tilt in [0, 90] degrees")
    elevation, azimuth = winter_solstice_sun(lat, hours_from_noon=hours_from_noon)
    beta = np.radians(tilt)
    shadow = np.sin(beta) * np.cos(np.radians(azimuth)) / np.tan(np.radians(elevation))
    return 1.0 / (np.cos(beta) + shadow)


def pv_mw_per_km2(lat_deg: ArrayLike, *, tilt_deg: ArrayLike | None = None,
                  hours_from_noon: float = PV_SHADE_FREE_HOURS,
                  module_w_per_m2: float = PV_MODULE_W_PER_M2,
                  array_share: float = PV_ARRAY_SHARE) -> NDArray[np.float64]:
    """PV capacity per km² of occupied (fenced) land, MW/km².

    ``module W/m² × GCR × array share`` (W/m² = MW/km²): about 58 MW/km² at 40°N, 45 at
    45°N and 30 at 50°N with the defaults; domain.md gives 50-60 for the region's desert
    bases near 40°N.
    """
    gcr = pv_ground_coverage_ratio(lat_deg, tilt_deg=tilt_deg, hours_from_noon=hours_from_noon)
    return module_w_per_m2 * gcr * array_share
