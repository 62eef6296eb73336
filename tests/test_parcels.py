"""Candidate parcels: square and hex grids clipped to the region, user parcels, league/banner."""
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from siting import parcels as pm
from siting.errors import SitingError
from siting.grid import ALBERS_CRS
from siting.parcels import attach_admin, grid_parcels, user_parcels

KM = 1000.0


def region(*geoms, crs=ALBERS_CRS):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


BOX_20KM = region(shapely.box(0, 0, 20 * KM, 20 * KM))
# a triangle off the 5 km lattice, so its edges cut cells at odd angles
TRIANGLE = region(shapely.Polygon([(1_234, 567), (18_900, 3_210), (7_777, 19_876)]))


def test_square_grid_over_a_20km_box():
    parcels = grid_parcels(BOX_20KM, shape="square", size_km=5)
    assert len(parcels) == 16
    np.testing.assert_allclose(parcels["area_km2"], 25.0, rtol=1e-12)
    np.testing.assert_allclose(parcels["full_km2"], 25.0, rtol=1e-12)
    assert parcels["parcel_id"].tolist() == [f"P{i:06d}" for i in range(1, 17)]
    assert parcels.crs == ALBERS_CRS
    # rows read like a map: the first parcel is the north-west one
    assert parcels.geometry.iloc[0].bounds == (0.0, 15 * KM, 5 * KM, 20 * KM)


def test_region_in_lon_lat_is_reprojected():
    lonlat = BOX_20KM.to_crs("EPSG:4326")
    parcels = grid_parcels(lonlat, size_km=5)
    assert parcels.crs == ALBERS_CRS
    assert parcels["area_km2"].sum() == pytest.approx(400.0, rel=1e-3)


def test_clipping_to_a_triangle_keeps_its_area(monkeypatch):
    monkeypatch.setattr(pm, "MIN_INSIDE_SHARE", 0.0)  # keep slivers: the sum is then exact
    parcels = grid_parcels(TRIANGLE, size_km=5)
    triangle_km2 = TRIANGLE.geometry.iloc[0].area / 1e6
    assert parcels["area_km2"].sum() == pytest.approx(triangle_km2, rel=1e-6)
    assert parcels.geometry.area.sum() / 1e6 == pytest.approx(triangle_km2, rel=1e-6)
    assert (parcels["area_km2"] <= parcels["full_km2"] + 1e-9).all()
    assert parcels.geometry.within(TRIANGLE.geometry.iloc[0].buffer(1e-6)).all()


def test_slivers_below_the_minimum_share_are_dropped():
    kept = grid_parcels(TRIANGLE, size_km=5)
    assert (kept["area_km2"] >= pm.MIN_INSIDE_SHARE * kept["full_km2"]).all()
    triangle_km2 = TRIANGLE.geometry.iloc[0].area / 1e6
    n_cells_at_most = math.ceil(20_000 / 5_000 + 1) ** 2
    lost = triangle_km2 - kept["area_km2"].sum()
    assert 0 < lost <= n_cells_at_most * pm.MIN_INSIDE_SHARE * 25.0


def test_hex_parcels_have_the_hexagon_area():
    w_km = 5.0
    parcels = grid_parcels(BOX_20KM, shape="hex", size_km=w_km)
    np.testing.assert_allclose(parcels["full_km2"], math.sqrt(3) / 2 * w_km ** 2, rtol=1e-9)
    interior = parcels[parcels["area_km2"] > parcels["full_km2"] - 1e-9]
    assert len(interior) >= 4
    np.testing.assert_allclose(interior.geometry.area / 1e6, math.sqrt(3) / 2 * w_km ** 2,
                               rtol=1e-9)


@pytest.mark.parametrize("shape", ["hex", "square"])
def test_parcels_tile_the_region(monkeypatch, shape):
    monkeypatch.setattr(pm, "MIN_INSIDE_SHARE", 0.0)
    area = region(shapely.Polygon([(-31_000, -7_000), (42_000, -3_000), (37_000, 29_000),
                                   (-12_000, 35_000)]))
    parcels = grid_parcels(area, shape=shape, size_km=4)
    region_km2 = area.geometry.iloc[0].area / 1e6
    # the region is cut into tiles snapped to 1 cm (overlay.PRECISION_M)
    assert parcels["area_km2"].sum() == pytest.approx(region_km2, rel=1e-6)
    # no overlaps: the union of the parcels has the same area as their sum
    assert shapely.union_all(parcels.geometry.values).area / 1e6 == pytest.approx(
        region_km2, rel=1e-6)


@pytest.mark.parametrize("shape, size, message", [
    ("triangle", 5, r"parcel shape 'triangle' is not one of \('square', 'hex'\)"),
    ("square", 0.5, r"parcel size 0.5 km is outside 1-50 km; the default is 5 km"),
    ("hex", 51, r"parcel size 51 km is outside 1-50 km"),
    ("square", float("nan"), r"parcel size nan km is outside 1-50 km"),
])
def test_bad_shape_or_size_is_refused(shape, size, message):
    with pytest.raises(SitingError, match=message):
        grid_parcels(BOX_20KM, shape=shape, size_km=size)


def test_non_numeric_size_is_a_siting_error():
    with pytest.raises(SitingError, match=r"parcel size 'five'"):
        grid_parcels(BOX_20KM, size_km="five")


def test_user_parcels_get_ids_and_areas():
    gdf = region(shapely.box(0, 0, 2 * KM, 3 * KM), shapely.box(5 * KM, 0, 6 * KM, 1 * KM))
    parcels = user_parcels(gdf)
    assert parcels["parcel_id"].tolist() == ["P000001", "P000002"]
    np.testing.assert_allclose(parcels["area_km2"], [6.0, 1.0])
    assert parcels.crs == ALBERS_CRS


def test_user_parcels_keep_their_own_ids_and_drop_points():
    gdf = gpd.GeoDataFrame({"name": ["甲", "乙", "丙"]},
                           geometry=[shapely.box(0, 0, KM, KM), shapely.Point(0, 0),
                                     shapely.box(2 * KM, 0, 3 * KM, KM)], crs=ALBERS_CRS)
    parcels = user_parcels(gdf, id_column="name")
    assert parcels["parcel_id"].tolist() == ["甲", "丙"]


def test_user_parcels_reject_points():
    points = region(shapely.Point(0, 0), shapely.Point(1000, 0))
    with pytest.raises(SitingError, match=r"holds no polygons; parcels must be areas"):
        user_parcels(points)


def test_user_parcels_name_a_missing_id_column():
    with pytest.raises(SitingError, match=r"parcel id column 'code' not in the file; columns: "):
        user_parcels(region(shapely.box(0, 0, KM, KM)), id_column="code")


BANNERS = gpd.GeoDataFrame(
    {"name_zh": ["甲旗", "乙旗"], "league_zh": ["东盟", "西盟"]},
    geometry=[shapely.box(0, 0, 10 * KM, 10 * KM), shapely.box(10 * KM, 0, 20 * KM, 10 * KM)],
    crs=ALBERS_CRS)


def test_attach_admin_uses_the_interior_point():
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["a", "b", "c"]},
        geometry=[shapely.box(1 * KM, 1 * KM, 3 * KM, 3 * KM),
                  # mostly in 乙旗: its interior point lies east of x = 10 km
                  shapely.box(9 * KM, 1 * KM, 15 * KM, 3 * KM),
                  shapely.box(12 * KM, 1 * KM, 14 * KM, 3 * KM)], crs=ALBERS_CRS)
    out = attach_admin(parcels, BANNERS)
    assert out["banner"].tolist() == ["甲旗", "乙旗", "乙旗"]
    assert out["league"].tolist() == ["东盟", "西盟", "西盟"]
    assert "league" not in parcels  # the input is not modified


def test_attach_admin_gives_outside_parcels_the_nearest_banner():
    parcels = gpd.GeoDataFrame({"parcel_id": ["far_west", "far_east"]},
                               geometry=[shapely.box(-5 * KM, 0, -4 * KM, KM),
                                         shapely.box(30 * KM, 0, 31 * KM, KM)], crs=ALBERS_CRS)
    out = attach_admin(parcels, BANNERS.to_crs("EPSG:4326"))  # banners in another CRS
    assert out["banner"].tolist() == ["甲旗", "乙旗"]


def test_attach_admin_with_a_non_default_index():
    parcels = gpd.GeoDataFrame({"parcel_id": ["a", "b"]},
                               geometry=[shapely.box(1 * KM, 1 * KM, 3 * KM, 3 * KM),
                                         shapely.box(12 * KM, 1 * KM, 14 * KM, 3 * KM)],
                               crs=ALBERS_CRS, index=[5, 7])
    out = attach_admin(parcels, BANNERS)
    assert out["banner"].tolist() == ["甲旗", "乙旗"]
