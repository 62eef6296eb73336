"""Property: random valid polygons with random attribute text (Chinese included)
survive import → export (GeoPackage and GeoJSON written by pyogrio) unchanged."""
from __future__ import annotations

import math

import geopandas as gpd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from layers import importer, workspace

#: League centroids (domain.md): every polygon starts near one, so it overlaps the region.
CENTRES = [(111.50, 40.60), (110.27, 41.56), (118.88, 43.24), (121.57, 43.83),
           (108.64, 39.43), (120.91, 49.64), (107.58, 41.45), (112.44, 41.70),
           (121.34, 46.24), (115.52, 44.23), (102.43, 40.53)]

#: Letters, digits, punctuation, symbols and spaces of any script, plus CJK;
#: no control characters or surrogates (not text a GIS attribute can hold).
TEXT = st.text(alphabet=st.one_of(
    st.characters(categories=["L", "N", "P", "S", "Zs"]),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)), max_size=24)


@st.composite
def star_polygons(draw):
    """A simple polygon: vertices at increasing angles and positive radii around a centre."""
    lon, lat = draw(st.sampled_from(CENTRES))
    n = draw(st.integers(3, 12))
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi, exclude_max=True), min_size=n,
                                  max_size=n, unique=True)))
    radii = draw(st.lists(st.floats(0.01, 0.3), min_size=n, max_size=n))
    coords = [(round(lon + r * math.cos(a), 6), round(lat + r * math.sin(a), 6))
              for a, r in zip(angles, radii, strict=True)]
    polygon = Polygon(coords)
    if not polygon.is_valid or polygon.area < 1e-6:
        polygon = Polygon([(lon, lat), (lon + 0.1, lat), (lon, lat + 0.1)])
    return polygon


@st.composite
def layers(draw):
    n = draw(st.integers(1, 4))
    return gpd.GeoDataFrame({
        "name": draw(st.lists(TEXT, min_size=n, max_size=n)),
        "note": draw(st.lists(TEXT, min_size=n, max_size=n)),
        "count": draw(st.lists(st.integers(-2**31, 2**31 - 1), min_size=n, max_size=n)),
    }, geometry=draw(st.lists(star_polygons(), min_size=n, max_size=n)), crs="EPSG:4326")


def _same(left, right):
    assert list(left["name"]) == list(right["name"])
    assert list(left["note"]) == list(right["note"])
    assert list(left["count"]) == list(right["count"])
    for a, b in zip(left.geometry, right.geometry, strict=True):
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-9)


@pytest.mark.parametrize("ext", [".gpkg", ".geojson"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(gdf=layers())
def test_valid_layers_survive_import_and_export(tmp_path, ext, gdf):
    source = tmp_path / f"in{ext}"
    source.unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf, source)
    ws = tmp_path / "ws"

    summary = importer.import_file(source, "parcels", workspace_dir=ws, replace=True)

    assert summary.features == len(gdf)
    assert summary.fixed_geometries == 0 and summary.dropped_empty == 0
    assert [row["name"] for row in summary.preview] == list(gdf["name"])[:importer.PREVIEW_ROWS]
    stored = pyogrio.read_dataframe(summary.path)
    _same(gdf, stored)
    for out_ext in (".gpkg", ".geojson"):
        exported = tmp_path / f"out{out_ext}"
        exported.unlink(missing_ok=True)
        pyogrio.write_dataframe(stored, exported)
        _same(gdf, pyogrio.read_dataframe(exported))
    assert workspace.temp_leftovers(ws) == []
