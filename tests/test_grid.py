"""The analysis grid: equal-area CRS, snapping, validation."""
import pytest
from pyproj import Geod
from shapely.geometry import box

from siting.errors import GridError
from siting.grid import ALBERS_CRS, AnalysisGrid, grid_for_bounds


def test_grid_snaps_outward_to_resolution():
    grid = grid_for_bounds((1500.0, -2500.0, 9100.0, 3999.0), 1000)
    assert grid.bounds == (1000.0, -3000.0, 10000.0, 4000.0)
    assert grid.shape == (7, 9)
    assert grid.transform.a == 1000 and grid.transform.e == -1000


def test_cell_area_is_resolution_squared():
    assert grid_for_bounds((0, 0, 1000, 1000), 250).cell_area_km2 == pytest.approx(0.0625)


@pytest.mark.parametrize("resolution", [0, -5, 100, 50_000, "abc", float("nan")])
def test_bad_resolution_is_refused_with_the_value(resolution):
    with pytest.raises(GridError, match="resolution"):
        grid_for_bounds((0, 0, 10_000, 10_000), resolution)


def test_empty_bounds_are_refused():
    with pytest.raises(GridError, match="empty"):
        grid_for_bounds((10, 0, 0, 10), 1000)


def test_zero_size_grid_is_refused():
    with pytest.raises(GridError, match="at least one cell"):
        AnalysisGrid(west=0, north=0, resolution_m=1000, width=0, height=3)


def test_albers_is_equal_area_over_the_region():
    """A 1°×1° cell near Hohhot has the same area in Albers as on the ellipsoid."""
    import geopandas as gpd

    cell = box(111.0, 40.0, 112.0, 41.0)
    geodesic_m2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(cell)[0])
    albers_m2 = gpd.GeoSeries([cell], crs="EPSG:4326").to_crs(ALBERS_CRS).area.iloc[0]
    assert albers_m2 == pytest.approx(geodesic_m2, rel=1e-4)
