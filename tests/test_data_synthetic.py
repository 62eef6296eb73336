"""Checks of the synthetic layers in data/ (wind, red line, deserts, mines, grid).

The tests read the committed files and check invariants that can be verified by
hand: the red-line share of the province area, that the red line leaves the
MODIS gobi/desert mostly open, plausible wind and Weibull ranges, named deserts,
mine zones at their published coordinates and sizes, the UHV corridors, and
that the cheap layers rebuild byte-identically.
"""
from __future__ import annotations

import filecmp

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.features import geometry_mask

from data.build import redline_keepout, synthetic
from data.build.common import DATA_DIR

ALBERS_CRS = synthetic.ALBERS_CRS

#: League centroids (lon, lat) from domain.md.
XILINGOL_CENTROID = (115.52, 44.23)
TONGLIAO_CENTROID = (121.57, 43.83)

#: Published mine sizes (km²) of the ✅ entries in domain.md.
PUBLISHED_MINE_AREA_KM2 = {"Shengli coalfield": 45 * 15, "Huolinhe coalfield": 60 * 9,
                           "Baiyinhua coalfield": 60 * 8.5, "Bayan Obo mine": 48}


def _read(layer_id):
    return gpd.read_file(DATA_DIR / f"{layer_id}.gpkg")


@pytest.fixture(scope="module")
def province():
    return _read("province")


@pytest.fixture(scope="module")
def redline():
    return _read("redline")


def _province_cells(path, province):
    """(values, province mask, cell area weights) of a raster in data/."""
    with rasterio.open(path) as src:
        values = src.read(1, masked=True)
        inside = geometry_mask(province.geometry, out_shape=values.shape,
                               transform=src.transform, invert=True)
        lat = src.xy(np.arange(src.height), np.zeros(src.height, int))[1]
        weight = np.broadcast_to(np.cos(np.radians(lat))[:, None], values.shape)
    return values, inside, weight


def test_redline_share_of_province(redline, province):
    share = redline.to_crs(ALBERS_CRS).area.sum() / province.to_crs(ALBERS_CRS).area.sum()
    # domain.md: the real red line covers ~50.5 % of the region.
    assert 0.49 <= share <= 0.52


def test_no_listed_base_inside_the_redline(redline):
    sites = redline_keepout.site_discs()
    assert len(sites) >= 20
    union = shapely.union_all(list(redline.to_crs(ALBERS_CRS).geometry))
    centres = gpd.GeoSeries(gpd.points_from_xy(sites.lon, sites.lat), crs=sites.crs)
    assert not centres.within(redline.geometry.union_all()).any()
    # and (almost) none of each base's disc: at most 1 % of its area, edge rounding
    discs = sites.to_crs(ALBERS_CRS).geometry
    covered = discs.intersection(union).area / discs.area
    assert covered.max() < 0.01, sites.name_en[covered.idxmax()]


def test_mine_zones_mostly_outside_the_redline(redline):
    mines = _read("mine").to_crs(ALBERS_CRS)
    union = shapely.union_all(list(redline.to_crs(ALBERS_CRS).geometry))
    assert mines.intersection(union).area.sum() / mines.area.sum() < 0.05


def test_keepout_list_has_sources_and_plausible_sizes():
    for site in redline_keepout.load_sites():
        assert site["source"].strip()
        assert 3 <= site["radius_km"] <= 40


def test_redline_columns_and_zones(redline):
    assert {"zone_zh", "zone_en", "source"} <= set(redline.columns)
    assert set(redline.zone_en) <= {en for _zh, en in synthetic.RED_LINE_ZONES.values()}
    assert {"forest", "grassland", "wetland", "mountain", "river"} <= set(redline.zone_en)
    assert redline.geometry.is_valid.all()
    assert (DATA_DIR / "redline.gpkg").stat().st_size <= 6 * 2**20


def test_redline_leaves_modis_barren_mostly_open(redline, province):
    with rasterio.open(DATA_DIR / "landcover.tif") as src:
        landcover = src.read(1)
        transform = src.transform
        lat = src.xy(np.arange(src.height), np.zeros(src.height, int))[1]
    weight = np.broadcast_to(np.cos(np.radians(lat))[:, None], landcover.shape)
    inside = geometry_mask(province.geometry, landcover.shape, transform, invert=True)
    in_redline = geometry_mask(redline.geometry, landcover.shape, transform, invert=True)
    barren = (landcover == synthetic.IGBP_BARREN) & inside
    assert barren.sum() > 10_000
    assert weight[barren & in_redline].sum() / weight[barren].sum() < 0.30


def test_wind_speed_range_and_gradient(province):
    speed, inside, _weight = _province_cells(DATA_DIR / "wind_speed_100m.tif", province)
    values = speed[inside]
    assert values.count() == inside.sum()  # no nodata inside the province
    assert 3.0 <= values.min() and values.max() <= 12.0
    with rasterio.open(DATA_DIR / "wind_speed_100m.tif") as src:
        xilingol = speed[src.index(*XILINGOL_CENTROID)]
        tongliao = speed[src.index(*TONGLIAO_CENTROID)]
    assert xilingol > tongliao + 0.5


def test_wind_speed_near_published_projects():
    """The synthetic field stays near the speeds implied by documented wind farms."""
    with rasterio.open(DATA_DIR / "wind_speed_100m.tif") as src:
        for name, lon, lat, implied_ms, tolerance_ms, _source in synthetic.WIND_CALIBRATION_POINTS:
            value = float(next(src.sample([(lon, lat)]))[0])
            assert abs(value - implied_ms) <= tolerance_ms, (name, value, implied_ms)


def test_weibull_k_range(province):
    k, inside, _weight = _province_cells(DATA_DIR / "weibull_k.tif", province)
    assert k[inside].count() == inside.sum()
    assert 1.5 <= k[inside].min() and k[inside].max() <= 3.0


def test_every_named_desert_present():
    desert = _read("desert")
    assert set(desert.kind) == {"gobi_desert", "desert", "sandy_land"}
    named = desert[desert.kind != "gobi_desert"]
    assert sorted(named.name_en) == sorted(d["name_en"] for d in synthetic.NAMED_DESERTS)
    assert (desert[desert.kind == "gobi_desert"].source == synthetic.SOURCE_MODIS_BARREN).all()
    badain = named[named.name_en == "Badain Jaran Desert"].to_crs(ALBERS_CRS).area.iloc[0] / 1e6
    assert 45_000 <= badain <= 55_000


def test_mines_at_their_coordinates_and_sizes():
    mine = _read("mine")
    assert len(mine) == len(synthetic.MINES)
    centroids = mine.to_crs(ALBERS_CRS).centroid
    given = gpd.GeoSeries.from_xy(mine.lon, mine.lat, crs="EPSG:4326").to_crs(ALBERS_CRS)
    assert (centroids.distance(given) < 3000).all()
    areas = mine.set_index("name_en").area_km2
    for name, published in PUBLISHED_MINE_AREA_KM2.items():
        assert areas[name] == pytest.approx(published, rel=0.1)


def test_substations_inside_province(province):
    stations = _read("substations")
    assert 60 <= len(stations) <= 150
    assert {500, 220} <= set(stations.voltage_kv)
    assert stations.within(province.union_all()).all()


def test_uhv_corridors_present():
    lines = _read("lines")
    uhv = lines[lines.voltage_kv >= 800]
    assert sorted(uhv.name_zh) == sorted(c[0] for c in synthetic.UHV_CORRIDORS)
    assert set(uhv.kind) == {"ac", "dc"}
    assert (uhv.to_crs(ALBERS_CRS).length > 20_000).all()
    assert {500, 220} <= set(lines.voltage_kv)


@pytest.mark.parametrize("layer_id", ["mine", "substations", "lines", "weibull_k"])
def test_cheap_layers_rebuild_identically(layer_id, tmp_path):
    path = synthetic.STEPS[layer_id](tmp_path)
    assert filecmp.cmp(path, DATA_DIR / path.name, shallow=False)
