"""Raster exclusions as exact polygons, land-cover class masks and the 'why' of a parcel."""
import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from siting import exclusions as ex
from siting.exclusions import (
    CROPLAND_CLASSES,
    WATER_CLASSES,
    class_mask,
    mask_to_polygons,
)
from siting.grid import ALBERS_CRS

# 1 km cells, upper-left corner at (400 km, 4 600 km) in the region's Albers
KM_GRID = Affine(1000.0, 0.0, 400_000.0, 0.0, -1000.0, 4_600_000.0)

MASK_4X4 = np.array([[1, 1, 0, 0],
                     [1, 0, 0, 1],
                     [0, 0, 1, 1],
                     [0, 1, 1, 1]], dtype=bool)


def test_mask_to_polygons_gives_exactly_the_cell_area():
    polys = mask_to_polygons(MASK_4X4, KM_GRID, ALBERS_CRS)
    # two 4-connected groups: 3 cells top-left, 6 cells bottom-right
    assert sorted(shapely.area(polys) / 1e6) == [3.0, 6.0]
    assert shapely.union_all(polys).area / 1e6 == MASK_4X4.sum()


def test_mask_to_polygons_keeps_holes():
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    polys = mask_to_polygons(ring, KM_GRID, ALBERS_CRS)
    assert len(polys) == 1
    assert polys[0].area / 1e6 == 8.0
    assert not polys[0].contains(shapely.Point(401_500, 4_598_500))  # the hole's centre


def test_mask_to_polygons_of_an_empty_mask_is_empty():
    assert len(mask_to_polygons(np.zeros((4, 4), bool), KM_GRID, ALBERS_CRS)) == 0


def test_mask_to_polygons_in_lon_lat_matches_the_ellipsoidal_area():
    from pyproj import Geod

    # one 0.5° cell, 110-110.5°E, 42-42.5°N; its outline in Albers must keep the true area
    transform = Affine(0.5, 0.0, 110.0, 0.0, -0.5, 42.5)
    polys = mask_to_polygons(np.array([[True]]), transform, "EPSG:4326")
    assert len(polys) == 1
    lon = np.r_[np.linspace(110, 110.5, 501), np.full(501, 110.5), np.linspace(110.5, 110, 501),
                np.full(501, 110.0)]
    lat = np.r_[np.full(501, 42.0), np.linspace(42, 42.5, 501), np.full(501, 42.5),
                np.linspace(42.5, 42, 501)]
    true_m2 = abs(Geod(ellps="GRS80").polygon_area_perimeter(lon, lat)[0])
    assert polys[0].area == pytest.approx(true_m2, rel=1e-4)


def test_class_mask_treats_nan_as_not_excluded():
    landcover = np.array([[0.0, 11.0, np.nan],
                          [12.0, 13.0, 14.0]])
    np.testing.assert_array_equal(class_mask(landcover, WATER_CLASSES),
                                  [[True, True, False], [False, False, False]])
    np.testing.assert_array_equal(class_mask(landcover, CROPLAND_CLASSES),
                                  [[False, False, False], [True, False, True]])


def test_class_mask_of_integer_landcover():
    landcover = np.array([[1, 2], [13, 16]], dtype="uint8")
    np.testing.assert_array_equal(class_mask(landcover, (13,)), [[False, False], [True, False]])
    assert class_mask(landcover, ()).sum() == 0


def test_every_exclusion_of_the_registry_has_a_label_in_both_languages():
    from siting import labels, registry

    for entry in registry.EXCLUSIONS:
        zh, en = labels.EXCLUSION_LABELS[entry.id]
        assert zh and en and zh != en


# --- rasterised exclusions -----------------------------------------------------------

def test_raster_fractions_of_hand_checkable_squares():
    from siting.exclusions import excluded_fractions
    from siting.grid import AnalysisGrid

    grid = AnalysisGrid(west=0.0, north=2000.0, resolution_m=100.0, width=40, height=20)
    parcels = np.array([shapely.box(0, 0, 2000, 2000), shapely.box(2000, 0, 4000, 2000)])
    sources = {"left": np.array([shapely.box(0, 0, 1000, 2000)]),
               "middle": np.array([shapely.box(500, 0, 1500, 2000)])}
    out = excluded_fractions(parcels, sources, {"both": ["left", "middle"]}, grid,
                             min_cells=0)
    assert out["left"].tolist() == [0.5, 0.0]
    assert out["middle"].tolist() == [0.5, 0.0]
    assert out["both"].tolist() == [0.75, 0.0]


def test_small_parcels_get_the_exact_overlay():
    from siting.exclusions import excluded_fractions
    from siting.grid import AnalysisGrid

    grid = AnalysisGrid(west=0.0, north=1000.0, resolution_m=100.0, width=10, height=10)
    # a third of a cell: no cell centre is covered, the exact share is 1/3
    parcels = np.array([shapely.box(0, 0, 300, 300)])
    sources = {"strip": np.array([shapely.box(0, 0, 100, 300)])}
    out = excluded_fractions(parcels, sources, {"all": ["strip"]}, grid)
    assert out["strip"][0] == pytest.approx(1 / 3)
    assert out["all"][0] == pytest.approx(1 / 3)


def test_raster_blocks_give_the_same_fractions_as_one_block():
    from siting.exclusions import excluded_fractions
    from siting.grid import AnalysisGrid

    rng = np.random.default_rng(15)
    grid = AnalysisGrid(west=0.0, north=10_000.0, resolution_m=100.0, width=100, height=100)
    parcels = shapely.box(*np.array([[x, y, x + 2000, y + 2000] for x in range(0, 10_000, 2000)
                                     for y in range(0, 10_000, 2000)]).T)
    blobs = shapely.buffer(shapely.points(rng.uniform(0, 10_000, (12, 2))), 900)
    sources = {"blobs": blobs}
    one = excluded_fractions(parcels, sources, {}, grid, min_cells=0, block_cells=100)
    many = excluded_fractions(parcels, sources, {}, grid, min_cells=0, block_cells=7)
    assert np.array_equal(one["blobs"], many["blobs"])


def test_raster_exclusions_match_the_exact_overlay_on_the_fixture_region(small_inputs):
    """Issue 15: every parcel's excluded share within ±1 % of its area of the exact overlay."""
    from siting import features as feat
    from siting import pipeline
    from siting import scenario as sc
    from siting.exclusions import RASTER_RESOLUTION_M, excluded_fractions
    from siting.grid import grid_for_bounds
    from siting.overlay import combine, covered_area_km2, tiled_union

    scenario = sc.Scenario()
    parcels = pipeline.make_parcels(small_inputs, scenario)
    geoms = parcels.geometry.to_numpy()
    area_km2 = parcels["area_km2"].to_numpy()
    sources = feat.exclusion_shapes(small_inputs, scenario.exclusions)["pv"]
    grid = grid_for_bounds(tuple(parcels.total_bounds), RASTER_RESOLUTION_M,
                           min_resolution_m=1.0)
    raster = excluded_fractions(geoms, sources, {"all": list(sources)}, grid)
    unions = {name: tiled_union(shapes) for name, shapes in sources.items()}
    for name, union in [*unions.items(), ("all", combine(list(unions.values())))]:
        exact = covered_area_km2(geoms, union) / area_km2
        worst = np.abs(raster[name] - exact).max()
        assert worst <= 0.01, (name, worst)
    assert raster["all"].max() > 0.99 and raster["all"].min() == 0.0  # both ends present


def test_eligibility_mask_blocks():
    from siting.exclusions import MASK_ELIGIBLE, MASK_EXCLUDED, MASK_NODATA, eligibility_blocks
    from siting.grid import AnalysisGrid

    grid = AnalysisGrid(west=0.0, north=2000.0, resolution_m=100.0, width=50, height=20)
    parcels = np.array([shapely.box(0, 0, 2000, 2000), shapely.box(2000, 0, 4000, 2000)])
    sources = {"left": np.array([shapely.box(0, 0, 1000, 2000)])}
    (window, block), = eligibility_blocks(parcels, sources, grid)
    assert block.shape == (20, 50) and block.dtype == np.uint8
    assert (block[:, :10] == MASK_EXCLUDED).all() and (block[:, 10:40] == MASK_ELIGIBLE).all()
    assert (block[:, 40:] == MASK_NODATA).all()
    (_, shares), = eligibility_blocks(parcels, sources, grid, fraction=True)
    assert (shares[:, :20] == 50).all() and (shares[:, 20:40] == 100).all()


# --- the registry: a declared entry with a supplied layer excludes parcels ----------------

def _registry_inputs(vectors):
    """Inputs for ``features.exclusion_columns``: a flat slope raster (nothing steep)
    and the given vectors, in the equal-area CRS."""
    from types import SimpleNamespace

    slope = SimpleNamespace(array=np.zeros((4, 4)), transform=KM_GRID, crs=ALBERS_CRS)
    return SimpleNamespace(rasters={"slope": SimpleNamespace(read=lambda: slope)},
                           vectors=vectors)


def _only(entry_switches):
    """Exclusions with every bundled source off, plus ``entry_switches``."""
    from siting import scenario as sc

    off = {"redline": False, "water": False, "urban": False, "forest": False,
           "cropland_pv": False, "cropland_wind": False, "settlements": False,
           "border_strip_km": 0.0, "custom": False}
    return sc.Scenario(exclusions={**off, **entry_switches})


# two 2 km × 2 km parcels side by side; farmland covers the left half of the first
TWO_PARCELS = np.array([shapely.box(0, 0, 2000, 2000), shapely.box(2000, 0, 4000, 2000)])
TWO_AREAS_KM2 = np.array([4.0, 4.0])


def _farmland():
    import geopandas as gpd

    return gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 2000)], crs=ALBERS_CRS)


def test_statutory_entries_are_declared_without_a_bundled_layer():
    from siting import registry
    from siting.registry import RUN_RASTERS, RUN_VECTORS

    for entry_id in ("basic_farmland", "urban_boundary"):
        entry = registry.exclusion(entry_id)
        assert entry.optional and entry.layer not in RUN_RASTERS + RUN_VECTORS


def test_a_registry_entry_with_its_layer_supplied_excludes_parcels():
    from siting import features as feat

    scenario = _only({"basic_farmland": True})
    inputs = _registry_inputs({"basic_farmland": _farmland()})
    columns, total = feat.exclusion_columns(inputs, scenario, TWO_PARCELS, TWO_AREAS_KM2)
    # half of the first parcel, none of the second, for wind and PV alike
    for kind in ("w", "pv"):
        np.testing.assert_allclose(columns[f"x_basic_farmland_{kind}"], [0.5, 0.0], atol=1e-9)
        np.testing.assert_allclose(columns[f"avail_{kind}_km2"], [2.0, 4.0], atol=1e-9)
    assert total == pytest.approx({"wind": 2.0, "pv": 2.0})


def test_a_registry_entry_buffer_and_switch_apply():
    from siting import features as feat

    inputs = _registry_inputs({"basic_farmland": _farmland()})
    buffered = _only({"basic_farmland": True, "basic_farmland_buffer_km": 0.5})
    columns, _ = feat.exclusion_columns(inputs, buffered, TWO_PARCELS, TWO_AREAS_KM2)
    # the 1 km strip grows to 1.5 km inside the first parcel; 0.5 km short of the second
    np.testing.assert_allclose(columns["x_basic_farmland_pv"], [0.75, 0.0], atol=1e-9)
    off = _only({"basic_farmland": False})
    columns, _ = feat.exclusion_columns(inputs, off, TWO_PARCELS, TWO_AREAS_KM2)
    assert "x_basic_farmland_pv" not in columns
    np.testing.assert_allclose(columns["avail_pv_km2"], TWO_AREAS_KM2)


def test_an_optional_entry_without_its_layer_is_skipped():
    from siting import features as feat

    shapes = feat.exclusion_shapes(_registry_inputs({}), _only({}).exclusions)
    assert shapes == {"wind": {}, "pv": {}}


def test_per_kind_settings_come_from_the_registry():
    from siting import registry
    from siting import scenario as sc

    cfg = sc.Exclusions(cropland_pv=True, cropland_wind=False, settlement_buffer_wind_km=0.5,
                        settlement_buffer_pv_km=0.0)
    crop, settle = registry.exclusion("cropland"), registry.exclusion("settlements")
    assert registry.settings(crop, cfg, "pv") == (0.0, None)
    assert registry.settings(crop, cfg, "w") is None
    assert registry.settings(settle, cfg, "w") == (0.5, None)
    # built-up areas (the layer's buffer_km) are excluded even at a 0 km setback ...
    assert registry.settings(settle, cfg, "pv") == (0.0, None)
    # ... while a line with no buffer covers no area and is skipped
    assert registry.settings(registry.exclusion("border"),
                             sc.Exclusions(border_strip_km=0.0), "pv") is None
    assert registry.settings(registry.exclusion("slope"), cfg, "pv") == (0.0, cfg.slope_max_pv_deg)


def test_every_registry_field_is_a_scenario_field():
    from siting import registry
    from siting import scenario as sc

    for entry in registry.EXCLUSIONS:
        assert set(entry.fields()) <= set(sc.Exclusions.model_fields), entry.id
    for entry in registry.ENCOURAGEMENTS:
        assert entry.bonus in sc.Encouragement.model_fields, entry.id


def test_settlement_buffer_adds_each_places_own_radius_to_the_setback():
    """A town with a 1 km built-up radius and a village without one, 0.5 km setback:
    discs of 1.5 km and 0.5 km."""
    from types import SimpleNamespace

    from siting import features, registry

    towns = gpd.GeoDataFrame({"buffer_km": [1.0, np.nan]},
                             geometry=[shapely.Point(0, 0), shapely.Point(10_000, 0)],
                             crs=ALBERS_CRS)
    inputs = SimpleNamespace(vectors={"settlements": towns})
    shapes = features._entry_shapes(registry.exclusion("settlements"), inputs, (0.5, None),
                                    read_raster=None)
    areas_km2 = shapely.area(shapes) / 1e6
    np.testing.assert_allclose(areas_km2, [np.pi * 1.5 ** 2, np.pi * 0.5 ** 2], rtol=2e-3)


def test_a_zero_setback_still_excludes_each_places_built_up_area():
    from types import SimpleNamespace

    from siting import features, registry

    towns = gpd.GeoDataFrame({"buffer_km": [2.0]}, geometry=[shapely.Point(0, 0)],
                             crs=ALBERS_CRS)
    entry = registry.exclusion("settlements")
    assert registry.settings(entry, _no_setback(), "w") is not None
    shapes = features._entry_shapes(entry, SimpleNamespace(vectors={"settlements": towns}),
                                    (0.0, None), read_raster=None)
    np.testing.assert_allclose(shapely.area(shapes) / 1e6, [np.pi * 2.0 ** 2], rtol=2e-3)


def _no_setback():
    from siting import scenario as sc

    return sc.from_dict({"exclusions": {"settlement_buffer_wind_km": 0.0,
                                        "settlement_buffer_pv_km": 0.0}}).exclusions


def test_a_negative_or_missing_buffer_is_refused():
    from siting.errors import SitingError

    with pytest.raises(SitingError, match="≥ 0 km"):
        ex.buffered(np.array([shapely.Point(0, 0)]), [-1.0])
    with pytest.raises(SitingError, match="≥ 0 km"):
        ex.buffered(np.array([shapely.Point(0, 0)]), [np.nan])
