"""Raster exclusions as exact polygons, land-cover class masks and the 'why' of a parcel."""
import numpy as np
import pytest
import shapely
from affine import Affine

from siting.exclusions import (
    CROPLAND_CLASSES,
    EXCLUSION_LABELS,
    WATER_CLASSES,
    class_mask,
    mask_to_polygons,
    why_excluded,
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


def test_why_lists_exclusions_largest_first():
    why = why_excluded({"slope": np.array([0.12, 0.0]), "redline": np.array([1.0, 0.3])})
    assert why.tolist() == ["生态红线 100%; 坡度 12%", "生态红线 30%"]


def test_why_in_english():
    why = why_excluded({"water": np.array([0.25]), "border": np.array([0.5])}, lang="en")
    assert why.tolist() == ["border strip 50%; water 25%"]


def test_why_ties_keep_the_order_of_the_sources():
    why = why_excluded({"urban": np.array([0.4]), "forest": np.array([0.4])})
    assert why.tolist() == ["城镇 40%; 森林 40%"]


def test_why_hides_shares_below_min_share():
    fractions = {"redline": np.array([0.004, 0.0]), "slope": np.array([0.12, 0.0])}
    assert why_excluded(fractions).tolist() == ["坡度 12%", ""]
    assert why_excluded(fractions, min_share=0.2).tolist() == ["", ""]


def test_why_of_no_sources_is_empty():
    assert why_excluded({}).size == 0


def test_every_exclusion_label_has_zh_and_en():
    for zh, en in EXCLUSION_LABELS.values():
        assert zh and en and zh != en
