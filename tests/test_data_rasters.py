"""Checks of the committed real rasters (elevation, slope, land cover, GHI) and their build."""
from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from affine import Affine

from data.build import rasters
from data.build.common import DATA_DIR, REGION_BOUNDS_WGS84

# Reference places (lon, lat) and their expected values (shared/data-sources.md).
HOHHOT = (111.75, 40.84)
HAILAR = (119.74, 49.21)
TONGLIAO = (122.26, 43.62)
EJINA = (101.07, 41.95)
HULUN_LAKE = (117.4, 48.95)
DALAI_NUR = (116.6, 43.3)

ELEVATION_TOLERANCE_M = 150
GHI_RELATIVE_TOLERANCE = 0.12


def _path(layer):
    return DATA_DIR / f"{layer}.tif"


def _sample(layer, lon, lat):
    with rasterio.open(_path(layer)) as src:
        return next(src.sample([(lon, lat)]))[0].item()


# --- file contract ------------------------------------------------------------

@pytest.mark.parametrize("layer, dtype, units", [
    ("elevation", "int16", "m"), ("slope", "float32", "deg"),
    ("landcover", "uint8", "IGBP class"), ("ghi", "float32", "kWh/m2/yr"),
    ("pv_yield", "float32", "kWh/kWp/yr"), ("pv_yield_tracker", "float32", "kWh/kWp/yr")])
def test_committed_raster_contract(layer, dtype, units):
    with rasterio.open(_path(layer)) as src:
        assert src.crs.to_epsg() == 4326
        assert src.count == 1 and src.dtypes[0] == dtype
        assert src.nodata is not None
        assert src.tags(1)["units"] == units
        assert src.descriptions[0]
        west, south, east, north = REGION_BOUNDS_WGS84
        # Covers the region, by less than one source cell too much on each side.
        cell = src.res[0]
        assert src.bounds.left <= west < src.bounds.left + cell
        assert src.bounds.right - cell < east <= src.bounds.right
        assert src.bounds.bottom <= south < src.bounds.bottom + cell
        assert src.bounds.top - cell < north <= src.bounds.top


@pytest.mark.parametrize("layer, cell_deg", [
    ("elevation", 1 / 12), ("slope", 1 / 12), ("ghi", 1 / 12), ("landcover", 0.05)])
def test_window_is_on_the_source_grid(layer, cell_deg):
    with rasterio.open(_path(layer)) as src:
        transform = src.transform
    assert transform.a == pytest.approx(cell_deg) and transform.e == pytest.approx(-cell_deg)
    # The origin sits on a global grid line counted from 180°W / 90°N.
    for offset in ((transform.c + 180) / cell_deg, (90 - transform.f) / cell_deg):
        assert offset == pytest.approx(round(offset), abs=1e-6)


def test_slope_and_ghi_share_the_elevation_grid():
    with rasterio.open(_path("elevation")) as elevation:
        for layer in ("slope", "ghi", "pv_yield", "pv_yield_tracker"):
            with rasterio.open(_path(layer)) as src:
                assert src.transform == elevation.transform
                assert src.shape == elevation.shape


def test_steps_in_build_order():
    assert list(rasters.STEPS) == ["elevation", "slope", "landcover", "ghi"]


# --- values at known places -------------------------------------------------

@pytest.mark.parametrize("place, expected_m", [
    (HOHHOT, 1090), (HAILAR, 642), (TONGLIAO, 166)])
def test_elevation_at_towns(place, expected_m):
    assert abs(_sample("elevation", *place) - expected_m) <= ELEVATION_TOLERANCE_M


@pytest.mark.parametrize("place, expected_kwh", [
    (HOHHOT, 1790), (EJINA, 1840), (HAILAR, 1410)])
def test_ghi_at_towns(place, expected_kwh):
    assert _sample("ghi", *place) == pytest.approx(expected_kwh, rel=GHI_RELATIVE_TOLERANCE)


def test_ghi_falls_from_the_gobi_to_hulunbuir():
    assert _sample("ghi", *EJINA) > _sample("ghi", *TONGLIAO) > _sample("ghi", *HAILAR)


@pytest.mark.parametrize("lake", [HULUN_LAKE, DALAI_NUR])
def test_lakes_are_water(lake):
    assert _sample("landcover", *lake) == 0


def test_barren_share_of_the_window():
    with rasterio.open(_path("landcover")) as src:
        classes = src.read(1)
    assert classes.max() <= 16
    # ~22% of the province (data-sources.md); the window adds Mongolian gobi.
    assert 0.15 < np.mean(classes == 16) < 0.30


def test_slope_is_bounded_and_flat_on_the_hulunbuir_plain():
    with rasterio.open(_path("slope")) as src:
        slope = src.read(1, masked=True)
        plain = src.read(1, window=rasterio.windows.from_bounds(
            118.5, 49.0, 119.5, 49.8, transform=src.transform))
    assert slope.min() >= 0 and slope.max() < 45
    assert plain.max() < 2.0 and np.median(plain) < 0.5


# --- rebuilds -----------------------------------------------------------------

@pytest.mark.parametrize("layer", ["elevation", "slope", "landcover"])
def test_rebuild_is_byte_identical(layer, tmp_path):
    path = rasters.STEPS[layer](tmp_path)
    assert path == tmp_path / f"{layer}.tif"
    assert path.read_bytes() == _path(layer).read_bytes()


def test_ghi_recomputed_for_a_few_cells_matches_the_committed_raster():
    with rasterio.open(_path("ghi")) as ghi, rasterio.open(_path("elevation")) as elevation:
        cells = [ghi.index(*place) for place in (HOHHOT, EJINA, HAILAR)]
        committed = np.array([ghi.read(1)[cell] for cell in cells])
        elevation_m = np.array([elevation.read(1)[cell] for cell in cells], dtype=np.float64)
        centres = [ghi.xy(*cell) for cell in cells]
    lons, lats = (np.array(values) for values in zip(*centres, strict=True))
    recomputed = rasters.round_ghi(rasters.annual_ghi_kwh_m2(lons, lats, elevation_m))
    # Identical up to one rounding step (a last-bit float difference could flip it).
    np.testing.assert_allclose(recomputed, committed, rtol=0, atol=rasters.GHI_ROUND_KWH)


# --- pure functions -------------------------------------------------------------

def test_snapped_window_rounds_outwards_to_whole_cells():
    rows, cols, transform = rasters.snapped_window(
        REGION_BOUNDS_WGS84, west=-180.0, north=90.0, cell_deg=1 / 12)
    # 36.4° and 52.8° south of 90°N are rows 436.8 and 633.6; 277° and 306.4°
    # east of 180°W are columns 3324 and 3676.8.
    assert (rows, cols) == (slice(436, 634), slice(3324, 3677))
    assert transform.c == pytest.approx(97.0) and transform.f == pytest.approx(90 - 436 / 12)


def test_snapped_window_keeps_bounds_on_cell_edges():
    rows, cols, _ = rasters.snapped_window((0.0, 0.0, 1.0, 1.0), west=-180.0, north=90.0,
                                           cell_deg=0.5)
    assert (rows, cols) == (slice(178, 180), slice(360, 362))


def test_snapped_window_rejects_swapped_bounds():
    with pytest.raises(ValueError, match="west < east"):
        rasters.snapped_window((10, 0, 5, 1), west=-180.0, north=90.0, cell_deg=0.5)


@pytest.mark.parametrize("axis", [0, 1])
def test_slope_of_a_metric_ramp(axis):
    # 5 x 4 cells of 1/12° around 40°N rising 0.1 m per metre east (axis 1) or
    # south (axis 0): a 5.71° slope everywhere, edges included.
    transform = Affine(1 / 12, 0, 110.0, 0, -1 / 12, 40.2)
    _, lats = rasters.cell_centres(transform, (5, 4))
    dy_m = rasters.EARTH_RADIUS_M * math.radians(1 / 12)
    dx_m = dy_m * np.cos(np.radians(lats))[:, None]
    rows, cols = np.mgrid[0:5, 0:4]
    elevation_m = 0.1 * (cols * dx_m if axis == 1 else rows * dy_m)
    slope = rasters.slope_degrees(elevation_m, transform, nodata=None)
    # The east ramp follows cos(latitude), which adds a tiny north-south slope.
    np.testing.assert_allclose(slope, math.degrees(math.atan(0.1)), rtol=1e-5)


def test_slope_is_undefined_next_to_nodata():
    transform = Affine(1 / 12, 0, 110.0, 0, -1 / 12, 40.2)
    elevation_m = np.full((3, 3), 1000, dtype=np.int16)
    elevation_m[1, 1] = rasters.ELEVATION_NODATA
    slope = rasters.slope_degrees(elevation_m, transform)
    # The cell and its four neighbours lose their slope; the corners keep it.
    assert np.isnan(slope[1, :]).all() and np.isnan(slope[:, 1]).all()
    assert (slope[::2, ::2] == 0).all()


# pvlib 0.16 reads pandas' deprecated DatetimeIndex.dayofyear inside get_clearsky.
@pytest.mark.filterwarnings("ignore:DatetimeIndex.dayofyear is deprecated")
def test_clear_sky_matches_pvlib_location():
    import pvlib

    lon, lat, elevation_m = 111.75, 40.8333, 1090.0
    times = rasters.hourly_times_utc()
    location = pvlib.location.Location(lat, lon, altitude=elevation_m)
    turbidity = pvlib.clearsky.lookup_linke_turbidity(times, lat, lon, interp_turbidity=False)
    reference_wh = (location.get_clearsky(times, model="ineichen", linke_turbidity=turbidity)
                    ["ghi"].groupby(times.month).sum().to_numpy())
    monthly_wh = rasters.clear_sky_monthly_wh([lon], [lat], [elevation_m])[0]
    # Only SPA's topocentric parallax (≤ 0.0024°) is left out.
    np.testing.assert_allclose(monthly_wh, reference_wh, rtol=5e-4)


def test_clear_sky_does_not_depend_on_chunking():
    lons, lats, elevations_m = [101.0, 111.0, 121.0], [42.0, 45.0, 48.0], [900.0, 1200.0, 600.0]
    whole = rasters.clear_sky_monthly_wh(lons, lats, elevations_m)
    one_by_one = rasters.clear_sky_monthly_wh(lons, lats, elevations_m, chunk_cells=1)
    np.testing.assert_array_equal(whole, one_by_one)


def test_clear_sky_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="one length"):
        rasters.clear_sky_monthly_wh([100.0, 101.0], [40.0], [1000.0])


def test_pv_yield_is_a_plausible_share_of_ghi():
    """Yield / GHI is the system's ratio to a horizontal kWh/m²: between 0.85 (low tilt
    gain, warm) and 1.15 (tracker in the clear south); the tracker never yields less
    than 0.97 of the fixed rack (backtracking, diffuse-rich north)."""
    with rasterio.open(_path("ghi")) as g, rasterio.open(_path("pv_yield")) as f, \
            rasterio.open(_path("pv_yield_tracker")) as t:
        ghi, fixed, tracker = (src.read(1, masked=True) for src in (g, f, t))
    assert (fixed.mask == ghi.mask).all() and (tracker.mask == ghi.mask).all()
    ratio = fixed / ghi
    assert 0.85 < ratio.min() and ratio.max() < 1.15
    assert (tracker / fixed).min() > 0.97
