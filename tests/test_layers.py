"""Catalog, reading with CRS checks, warping and rasterising onto the grid."""
import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from layers.align import rasterize_to_grid, warp_array_to_grid, warp_to_grid
from layers.catalog import KINDS, ROLES, load_catalog, resolve_layer
from layers.errors import CRSError, DataFileError, LayerNotFoundError
from layers.io import read_raster, read_vector
from siting.grid import ALBERS_CRS, AnalysisGrid, grid_for_bounds

FIXED_IDS = ["province", "leagues", "banners", "border", "elevation", "slope", "landcover",
             "ghi", "pv_yield", "pv_yield_tracker", "wind_speed_100m", "weibull_k", "redline",
             "desert", "mine", "substations", "lines", "settlements"]


def test_catalog_has_every_fixed_layer_with_provenance():
    catalog = load_catalog()
    assert list(catalog) == FIXED_IDS
    for info in catalog.values():
        assert info.role in ROLES and info.kind in KINDS
        assert info.name_zh and info.name_en
        assert info.provenance["source"] and info.provenance["licence"]
        assert info.provenance["method"]
        assert info.path.exists(), f"bundled file missing: {info.path}"
    synthetic = {i.id for i in catalog.values() if i.provenance["type"] == "synthetic"}
    assert synthetic == {"wind_speed_100m", "weibull_k", "redline", "mine", "substations",
                         "lines"}
    assert catalog["desert"].provenance["type"] == "real+synthetic"


def test_provenance_file_lists_every_layer():
    from layers.catalog import PROVENANCE_PATH

    doc = json.loads(PROVENANCE_PATH.read_text(encoding="utf-8"))
    assert [layer["id"] for layer in doc["layers"]] == FIXED_IDS
    assert "审图号" in doc["disclaimer_zh"]


def test_bundle_stays_within_40_mb():
    from layers.catalog import DATA_DIR

    total = sum(p.stat().st_size for p in DATA_DIR.iterdir() if p.is_file())
    assert total <= 40 * 2**20


def test_unknown_layer_id_lists_known_ids():
    with pytest.raises(LayerNotFoundError, match="unknown layer id 'wind'.*wind_speed_100m"):
        resolve_layer("wind")


def test_override_points_at_user_file(tiny_raster_file):
    info = resolve_layer("ghi", overrides={"ghi": tiny_raster_file})
    assert info.path == tiny_raster_file and info.provenance["type"] == "user"


def test_override_with_missing_file_names_it(tmp_path):
    with pytest.raises(LayerNotFoundError, match="not found"):
        resolve_layer("ghi", overrides={"ghi": tmp_path / "nope.tif"})


def test_read_raster_masks_nodata(tiny_raster_file):
    data = read_raster(tiny_raster_file)
    assert data.shape == (3, 3)
    assert np.isnan(data.array[2, 2])
    assert data.array[1, 1] == 4


def test_raster_without_crs_says_how_to_fix(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1,
                       dtype="float32", transform=Affine(1, 0, 0, 0, -1, 2)) as dst:
        dst.write(np.ones((2, 2), "float32"), 1)
    with pytest.raises(CRSError, match="no coordinate reference system.*EPSG:4490"):
        read_raster(path)


def test_text_file_is_not_a_raster(tmp_path):
    path = tmp_path / "fake.tif"
    path.write_text("hello")
    with pytest.raises(DataFileError, match="not a readable raster"):
        read_raster(path)


def test_vector_without_crs_says_how_to_fix(tmp_path):
    # a Shapefile without .prj has no CRS
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"\.prj"):
        read_vector(shp)


def test_warp_preserves_a_constant_field():
    src = np.full((40, 40), 7.5, dtype="float32")
    grid = grid_for_bounds((-50_000, -50_000, 50_000, 50_000), 5000)
    # a 4°x4° lon/lat block around the Albers origin (111E, 45N)
    out = warp_array_to_grid(src, Affine(0.1, 0, 109, 0, -0.1, 47), "EPSG:4326", grid)
    assert np.allclose(out, 7.5)


def test_warp_to_grid_keeps_nodata_as_nan(tiny_raster_file):
    # the tiny raster covers 110-113E, 40-43N; the grid spans it in Albers
    grid = grid_for_bounds((-150_000, -560_000, 180_000, -220_000), 10_000)
    out = warp_to_grid(tiny_raster_file, grid, resampling="nearest")
    values = set(np.unique(out[np.isfinite(out)]).astype(int))
    assert values <= set(range(8)) and len(values) >= 6
    assert np.isnan(out).any()


def test_rasterize_half_covering_square():
    """A square over the left half of a 4×4 km grid burns exactly 8 of 16 cells."""
    grid = AnalysisGrid(west=0, north=4000, resolution_m=1000, width=4, height=4)
    square = gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 4000)], crs=ALBERS_CRS)
    mask = rasterize_to_grid(square, grid)
    assert mask.sum() == 8 and mask[:, :2].all() and not mask[:, 2:].any()


def test_layers_never_imports_the_engine():
    """Every module under layers/ imports in a fresh interpreter without loading siting."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    modules = sorted(".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
                     for p in (root / "layers").rglob("*.py"))
    assert "layers.importing.store" in modules and "layers.align" in modules
    code = (f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m == 'siting' or m.startswith('siting.')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"layers/ loaded {result.stdout.strip()}"
