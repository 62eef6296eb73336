"""Build the derived PV yield rasters ``pv_yield.tif`` (fixed rack at the optimal tilt) and
``pv_yield_tracker.tif`` (horizontal single-axis tracker), kWh/kWp·yr AC.

The chain is pvlib's, hour by hour over one year, on the same inputs as ``ghi.tif``
(:mod:`data.build.rasters`): hourly Ineichen clear-sky GHI × the month's MERRA-2
clearness ratio → Erbs decomposition (DNI, DHI) → Hay-Davies transposition to the plane
of array → physical (Fresnel) incidence-angle loss on the beam → SAPM cell temperature
from the modelled air temperature (:mod:`data.build.air_temperature`) → PVWatts DC with
a temperature coefficient → PVWatts system losses and inverter. This is what
``pvlib.modelchain.ModelChain`` computes for one site with the same choices
(tests/test_yields.py checks it at five towns).

The chain runs on every :data:`PV_STRIDE`-th cell of the 1/12° grid (1/4°); the
specific yield per unit of annual GHI (kWh/kWp per kWh/m²) is interpolated bilinearly
to the 1/12° cells and multiplied by each cell's own annual GHI. That ratio changes
slowly in space (tilt, diffuse share, temperature), so the cells keep the GHI detail.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from data.build import air_temperature, rasters
from data.build.common import DATA_DIR, write_raster

# --- system and chain constants ------------------------------------------------------------

#: Annual-energy optimal fixed tilt, degrees, as a polynomial of latitude φ: Jacobson &
#: Jadhav (2018), "World estimates of PV optimal tilt angles and ratios of sunlight
#: incident upon tilted and tracked PV panels relative to horizontal panels", Solar Energy
#: 169: 55-66, northern-hemisphere fit 1.3793 + φ(1.2011 + φ(−0.014404 + 0.000080509 φ)).
#: The same polynomial sets the row spacing in siting.energy_pv.optimal_pv_tilt_deg.
TILT_POLYNOMIAL = (1.3793, 1.2011, -0.014404, 0.000080509)
#: Modules face due south (pvlib azimuth convention, degrees east of north).
SURFACE_AZIMUTH_DEG = 180.0
#: Ground albedo ❌ assumption: pvlib's default 0.25 is for grass; 0.2 is used for mixed
#: steppe/gobi (snow cover in winter would raise it; left out).
ALBEDO = 0.2
#: Single-axis tracker: north-south horizontal axis, ±60° rotation, backtracking, ground
#: coverage ratio 0.35 ⚠️ (typical utility trackers: ±55-60°, GCR 0.3-0.4).
TRACKER_MAX_ANGLE_DEG = 60.0
TRACKER_GCR = 0.35
#: Wind speed at module height for the cell temperature, m/s ❌ assumption (the region's
#: 10 m annual means are 3-4.5 m/s; ~2 m module height is lower).
MODULE_WIND_MS = 3.0
#: SAPM cell-temperature parameters, open-rack glass/polymer modules (King et al. 2004,
#: SAND2004-3535; pvlib TEMPERATURE_MODEL_PARAMETERS['sapm']['open_rack_glass_polymer']) ✅.
SAPM_A, SAPM_B, SAPM_DELTA_T = -3.56, -0.075, 3.0
#: DC power temperature coefficient, 1/K ⚠️: mono-PERC/TOPCon datasheets −0.29 to
#: −0.35 %/K; PVWatts v5 "premium" module −0.35 %/K (Dobos 2014, NREL/TP-6A20-62641).
GAMMA_PDC_PER_K = -0.0035
#: PVWatts default system losses, % ✅ (Dobos 2014, NREL/TP-6A20-62641, Table 3;
#: pvlib.pvsystem.pvwatts_losses defaults): soiling 2, shading 3, mismatch 2, wiring 2,
#: connections 0.5, light-induced degradation 1.5, nameplate 1, availability 3 → 14.08 %.
PVWATTS_LOSSES_PCT = dict(soiling=2, shading=3, snow=0, mismatch=2, wiring=2,
                          connections=0.5, lid=1.5, nameplate_rating=1, age=0, availability=3)
#: Inverter nominal efficiency (PVWatts v5 default 96 %, with its part-load curve) and
#: DC/AC ratio (1.0: no clipping) ⚠️.
INVERTER_ETA_NOM = 0.96
DC_AC_RATIO = 1.0

#: The chain runs on every PV_STRIDE-th cell of the 1/12° grid (centred in each 6 × 6
#: block): 1/2°, and only within PV_SAMPLE_MARGIN_DEG of the province (~950 points
#: instead of ~69,000); sample cells farther out take the nearest computed value.
PV_STRIDE = 6
PV_SAMPLE_MARGIN_DEG = 0.75
#: Points per vectorised chunk (daylight cell-hours only are kept).
PV_CHUNK_CELLS = 200
#: Yields are stored rounded to this step, kWh/kWp (better compression).
PV_ROUND_KWH = 0.1
PV_NODATA = -9999.0


def optimal_tilt_deg(lat_deg):
    """Optimal fixed tilt, degrees (:data:`TILT_POLYNOMIAL`, Jacobson & Jadhav 2018)."""
    c0, c1, c2, c3 = TILT_POLYNOMIAL
    lat = np.abs(np.asarray(lat_deg, dtype=np.float64))
    return c0 + lat * (c1 + lat * (c2 + lat * c3))


def performance_ratio_excluding_temperature():
    """(1 − PVWatts losses) × inverter nominal efficiency: the DC→AC ratio before the
    temperature loss and the inverter's part-load curve (≈ 0.825)."""
    import pvlib

    return (1 - pvlib.pvsystem.pvwatts_losses(**PVWATTS_LOSSES_PCT) / 100) * INVERTER_ETA_NOM


# --- hourly inputs -------------------------------------------------------------------------

def _sun_daylight(sun, lats, lons, elevations_m):
    """Daylight cell-hours of points: (cell, hour) indices and the apparent zenith,
    azimuth (degrees) and clear-sky GHI there (see ``rasters._clear_sky_ghi``)."""
    from pvlib import spa

    hour_angle = spa.local_hour_angle(sun["sidereal"], lons[:, None], sun["right_ascension"])
    true_elevation = spa.topocentric_elevation_angle_without_atmosphere(
        lats[:, None], sun["declination"], hour_angle)
    cell, hour = np.nonzero(true_elevation > rasters.NIGHT_ELEVATION_DEG)
    return cell, hour, hour_angle[cell, hour], true_elevation[cell, hour]


def hourly_inputs(lons, lats, elevations_m, *, year=rasters.CLEAR_SKY_YEAR, ratio=None):
    """Hourly GHI (W/m²) and air temperature (°C) of points, shape (points, 8760).

    GHI is the GHI layer's: Ineichen clear-sky × the month's MERRA-2 clearness ratio
    (its annual sum is ``rasters.annual_ghi_kwh_m2``). Temperature is
    :mod:`data.build.air_temperature` at the mid-hour local solar time.
    """
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    elevations_m = np.atleast_1d(np.asarray(elevations_m, dtype=np.float64))
    times = rasters.hourly_times_utc(year)
    month = times.month.to_numpy() - 1
    sun = rasters._sun_time_terms(times)
    if ratio is None:
        ratio = rasters.clearness_ratio(lons, lats, year=year)
    turbidity = rasters.linke_turbidity(lons, lats)[:, month]
    ghi = rasters._clear_sky_ghi(sun, lats, lons, elevations_m, turbidity) * ratio[:, month]
    utc_hour = (times.hour + times.minute / 60.0).to_numpy()
    solar_hour = utc_hour[None, :] + lons[:, None] / 15.0
    temp = air_temperature.hourly_c(
        air_temperature.monthly_mean_c(lons, lats, elevations_m)[:, month], None, solar_hour)
    return ghi, temp


# --- the chain -----------------------------------------------------------------------------

def _chain_chunk(sun, times, lons, lats, elevations_m, ratio, tilts):
    """Annual GHI (kWh/m²) and AC yields (kWh/kWp) of a chunk of points.

    Returns (ghi_kwh_m2, {'fixed': ..., 'tracker': ...}), each shape (points,).
    """
    import pvlib
    from pvlib import atmosphere, clearsky, iam, irradiance, spa, temperature, tracking

    month = times.month.to_numpy() - 1
    doy = times.day_of_year.to_numpy()
    cell, hour, hour_angle, true_elevation = _sun_daylight(sun, lats, lons, elevations_m)
    pressure_pa = atmosphere.alt2pres(elevations_m)[cell]
    refraction = spa.atmospheric_refraction_correction(
        pressure_pa / 100.0, rasters.REFRACTION_TEMP_C, true_elevation,
        rasters.ATMOS_REFRACT_DEG)
    zenith = spa.topocentric_zenith_angle(
        spa.topocentric_elevation_angle(true_elevation, refraction))
    azimuth = spa.topocentric_azimuth_angle(spa.topocentric_astronomers_azimuth(
        hour_angle, sun["declination"][hour], lats[cell]))
    airmass = atmosphere.get_absolute_airmass(atmosphere.get_relative_airmass(zenith),
                                              pressure_pa)
    turbidity = rasters.linke_turbidity(lons, lats)
    dni_extra = sun["dni_extra"][hour]
    with np.errstate(divide="ignore", invalid="ignore"):
        clear = clearsky.ineichen(zenith, airmass, turbidity[cell, month[hour]],
                                  altitude=elevations_m[cell], dni_extra=dni_extra)["ghi"]
    ghi = np.nan_to_num(clear) * ratio[cell, month[hour]]
    decomposed = irradiance.erbs(ghi, zenith, doy[hour])
    dni, dhi = np.nan_to_num(decomposed["dni"]), np.nan_to_num(decomposed["dhi"])
    utc_hour = (times.hour + times.minute / 60.0).to_numpy()[hour]
    temp_air = air_temperature.hourly_c(
        air_temperature.monthly_mean_c(lons, lats, elevations_m)[cell, month[hour]], None,
        utc_hour + lons[cell] / 15.0)
    losses = 1 - pvlib.pvsystem.pvwatts_losses(**PVWATTS_LOSSES_PCT) / 100
    n = lons.size

    def ac_yield(surface_tilt, surface_azimuth):
        poa = irradiance.get_total_irradiance(
            surface_tilt, surface_azimuth, zenith, azimuth, dni, ghi, dhi,
            dni_extra=dni_extra, albedo=ALBEDO, model="haydavies")
        aoi = irradiance.aoi(surface_tilt, surface_azimuth, zenith, azimuth)
        effective = (np.nan_to_num(poa["poa_direct"]) * iam.physical(aoi)
                     + np.nan_to_num(poa["poa_diffuse"]))
        temp_cell = temperature.sapm_cell(np.nan_to_num(poa["poa_global"]), temp_air,
                                          MODULE_WIND_MS, SAPM_A, SAPM_B, SAPM_DELTA_T)
        dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, 1.0, GAMMA_PDC_PER_K) * losses
        ac = pvlib.inverter.pvwatts(dc, 1.0 / DC_AC_RATIO, eta_inv_nom=INVERTER_ETA_NOM)
        ac = np.clip(np.nan_to_num(ac), 0.0, None)
        # kW per kWp × 1 h per value = kWh/kWp.
        return np.bincount(cell, weights=ac, minlength=n)

    fixed = ac_yield(tilts[cell], SURFACE_AZIMUTH_DEG)
    track = tracking.singleaxis(zenith, azimuth, axis_tilt=0.0, axis_azimuth=180.0,
                                max_angle=TRACKER_MAX_ANGLE_DEG, backtrack=True,
                                gcr=TRACKER_GCR)
    up = np.isfinite(np.asarray(track["surface_tilt"], dtype=np.float64))
    tracker_tilt = np.where(up, track["surface_tilt"], 0.0)
    tracker_azimuth = np.where(up, track["surface_azimuth"], SURFACE_AZIMUTH_DEG)
    tracker = ac_yield(tracker_tilt, tracker_azimuth)
    ghi_kwh = np.bincount(cell, weights=ghi, minlength=n) / 1000.0
    return ghi_kwh, {"fixed": fixed, "tracker": tracker}


def annual_yields(lons, lats, elevations_m, *, year=rasters.CLEAR_SKY_YEAR,
                  chunk_cells=PV_CHUNK_CELLS, ratio=None):
    """Annual GHI (kWh/m²) and AC yields, fixed and tracker (kWh/kWp), of points.

    Returns
    -------
    ghi_kwh_m2 : numpy.ndarray
    yields : dict
        ``{"fixed": array, "tracker": array}``, kWh/kWp·yr.
    """
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    elevations_m = np.atleast_1d(np.asarray(elevations_m, dtype=np.float64))
    times = rasters.hourly_times_utc(year)
    sun = rasters._sun_time_terms(times)
    if ratio is None:
        ratio = rasters.clearness_ratio(lons, lats, year=year)
    tilts = optimal_tilt_deg(lats)
    ghi = np.empty(lons.size)
    out = {"fixed": np.empty(lons.size), "tracker": np.empty(lons.size)}
    for start in range(0, lons.size, chunk_cells):
        sl = slice(start, start + chunk_cells)
        g, y = _chain_chunk(sun, times, lons[sl], lats[sl], elevations_m[sl], ratio[sl],
                            tilts[sl])
        ghi[sl] = g
        for key in out:
            out[key][sl] = y[key]
    return ghi, out


# --- rasters -------------------------------------------------------------------------------

def _coarse_sample(elevation_m, transform):
    """Cell centres (lons, lats) of the PV_STRIDE × PV_STRIDE sample of the 1/12° grid."""
    offset = PV_STRIDE // 2
    lons, lats = rasters.cell_centres(transform, elevation_m.shape)
    return lons[offset::PV_STRIDE], lats[offset::PV_STRIDE]


def yield_per_ghi_fields(elevation_m, transform):
    """Specific yield per unit GHI (kWh/kWp per kWh/m²) on the coarse sample.

    The chain runs on the sample cells near the province (:func:`_near_province`); the
    others take the nearest computed value. A sample cell without elevation (sea; none
    lies near the province) counts at 0 m.
    """
    c_lons, c_lats = _coarse_sample(elevation_m, transform)
    offset = PV_STRIDE // 2
    z = elevation_m[offset::PV_STRIDE, offset::PV_STRIDE].astype(np.float64)
    z = np.where(elevation_m[offset::PV_STRIDE, offset::PV_STRIDE]
                 == rasters.ELEVATION_NODATA, 0.0, z)
    lon_grid, lat_grid = np.meshgrid(c_lons, c_lats)
    near = _near_province(lon_grid, lat_grid)
    ghi, yields = annual_yields(lon_grid[near], lat_grid[near], z[near])
    # Sample cells away from the province take the nearest computed value.
    _, (rows, cols) = ndimage.distance_transform_edt(~near, return_indices=True)
    fields = {}
    for key, value in yields.items():
        field = np.full(lon_grid.shape, np.nan)
        field[near] = value / ghi
        fields[key] = field[rows, cols]
    return c_lons, c_lats, fields


def _near_province(lon_grid, lat_grid):
    """Sample cells within PV_SAMPLE_MARGIN_DEG (lon/lat degrees) of the province."""
    import geopandas as gpd
    import shapely

    from data.build.common import DATA_DIR as data_dir

    province = gpd.read_file(data_dir / "province.gpkg").geometry.union_all()
    zone = shapely.buffer(province, PV_SAMPLE_MARGIN_DEG)
    shapely.prepare(zone)
    return shapely.contains_xy(zone, lon_grid, lat_grid)


def _interpolate(c_lons, c_lats, field, lons, lats):
    """Bilinear interpolation of a coarse field (ascending lon, descending lat) to a grid,
    clamped to the edge values outside the sample's span."""
    from scipy.interpolate import RegularGridInterpolator

    interp = RegularGridInterpolator((c_lats[::-1], c_lons), field[::-1], method="linear",
                                     bounds_error=False, fill_value=None)
    lon_grid, lat_grid = np.meshgrid(lons, lats)
    points = np.column_stack([np.clip(lat_grid.ravel(), c_lats.min(), c_lats.max()),
                              np.clip(lon_grid.ravel(), c_lons.min(), c_lons.max())])
    return interp(points).reshape(lon_grid.shape)


def _read_ghi(out_dir):
    import rasterio

    path = Path(out_dir) / "ghi.tif"
    with rasterio.open(path) as src:
        return src.read(1), src.transform, src.nodata


def build_pv_yields(out_dir=DATA_DIR):
    """Write ``pv_yield.tif`` and ``pv_yield_tracker.tif`` (kWh/kWp·yr, AC) on the GHI grid.

    Needs ``ghi.tif`` in ``out_dir`` (the ``ghi`` step runs first).
    """
    elevation_m, transform = rasters.read_elevation()
    ghi, ghi_transform, ghi_nodata = _read_ghi(out_dir)
    if ghi.shape != elevation_m.shape or not ghi_transform.almost_equals(transform):
        raise ValueError("ghi.tif is not on the elevation grid: rebuild it first "
                         "(python -m data.build --only ghi)")
    c_lons, c_lats, fields = yield_per_ghi_fields(elevation_m, transform)
    lons, lats = rasters.cell_centres(transform, elevation_m.shape)
    land = ghi != ghi_nodata
    pr = performance_ratio_excluding_temperature()
    method = (f"pvlib hourly chain on a 1/{round(1 / (rasters.PVLIB_CELL_DEG * PV_STRIDE))} "
              "deg sample of the GHI inputs (Ineichen clear-sky x MERRA-2 monthly clearness "
              "ratio): Erbs decomposition, Hay-Davies transposition (albedo "
              f"{ALBEDO}), physical IAM on beam, SAPM open-rack cell temperature from the "
              f"modelled air temperature (wind {MODULE_WIND_MS} m/s), PVWatts DC "
              f"(gamma {GAMMA_PDC_PER_K * 100:.2f} %/K), PVWatts losses "
              f"{pvlib_losses_pct():.2f} % and inverter (nominal {INVERTER_ETA_NOM:.0%}, "
              f"DC/AC {DC_AC_RATIO}); PR excluding temperature {pr:.3f}. The yield per unit "
              "GHI is interpolated bilinearly to 1/12 deg and multiplied by ghi.tif")
    paths = []
    for key, name, description in (
            ("fixed", "pv_yield.tif",
             "PV specific yield, fixed rack at the optimal tilt facing south, kWh/kWp/yr AC"),
            ("tracker", "pv_yield_tracker.tif",
             "PV specific yield, horizontal N-S single-axis tracker, kWh/kWp/yr AC")):
        ratio = _interpolate(c_lons, c_lats, fields[key], lons, lats)
        out = np.full(ghi.shape, PV_NODATA, dtype=np.float32)
        value = ghi[land].astype(np.float64) * ratio[land]
        out[land] = (np.round(value / PV_ROUND_KWH) * PV_ROUND_KWH).astype(np.float32)
        mount = ("tilt = Jacobson & Jadhav (2018) optimum for the latitude, azimuth 180"
                 if key == "fixed" else
                 f"axis N-S horizontal, +-{TRACKER_MAX_ANGLE_DEG:.0f} deg, backtracking, "
                 f"GCR {TRACKER_GCR}")
        path = Path(out_dir) / name
        write_raster(path, out, transform, nodata=PV_NODATA, units="kWh/kWp/yr",
                     description=description,
                     tags={"source": "derived: ghi.tif inputs, pvlib "
                                     "(ModelChain-equivalent chain), modelled air temperature",
                           "method": method, "mount": mount})
        paths.append(path)
    return paths[0]


def pvlib_losses_pct():
    import pvlib

    return float(pvlib.pvsystem.pvwatts_losses(**PVWATTS_LOSSES_PCT))


#: Build steps (after ``ghi``).
STEPS = {"pv_yield": build_pv_yields}
