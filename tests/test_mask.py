"""The eligibility mask export: a valid Cloud-Optimised GeoTIFF with its CRS (issue 15)."""
import re

import numpy as np
import pytest
import rasterio
import shapely
from rasterio.windows import Window

from layers.cog import write_cog
from siting.cli import main
from siting.grid import ALBERS_CRS, AnalysisGrid
from siting.inputs.mask import write_eligibility_mask as write_mask


def assert_cog(path):
    """Tiled, with overviews, laid out as a COG by GDAL, with a CRS."""
    with rasterio.open(path) as src:
        assert src.crs is not None
        assert src.profile["tiled"] and src.block_shapes[0] == (512, 512)
        assert src.overviews(1), "a COG carries overviews"
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        return src.crs, src.read(1), src.nodata


def test_write_cog_from_blocks(tmp_path):
    grid = AnalysisGrid(west=0.0, north=204_800.0, resolution_m=100.0, width=2048, height=1024)
    blocks = [(Window(0, 0, 1024, 1024), np.ones((1024, 1024), np.uint8)),
              (Window(1024, 512, 512, 512), np.zeros((512, 512), np.uint8))]
    path = write_cog(tmp_path / "m.tif", blocks, width=grid.width, height=grid.height,
                     transform=grid.transform, crs=grid.crs, nodata=255)
    crs, values, nodata = assert_cog(path)
    assert crs == ALBERS_CRS and nodata == 255
    assert (values[:, :1024] == 1).all() and (values[512:, 1024:1536] == 0).all()
    assert (values[:512, 1024:] == 255).all()  # never written: nodata
    assert not list(tmp_path.glob(".*tmp*"))


def test_write_mask_of_the_fixture_region(tmp_path, small_inputs):
    from siting import pipeline
    from siting import scenario as sc

    scenario = sc.Scenario(tech="solar")
    parcels = pipeline.make_parcels(small_inputs, scenario)
    path = write_mask(tmp_path / "eligibility.tif", small_inputs, scenario, parcels)
    crs, values, _ = assert_cog(path)
    assert crs == ALBERS_CRS
    assert set(np.unique(values)) == {0, 1, 255}
    # the eligible share of the mask is that of the parcels' available land, within 1 %
    eligible = (values == 1).sum() / (values != 255).sum()
    with rasterio.open(path) as src:
        assert src.res == (100.0, 100.0)
    prepared = pipeline.prepare(small_inputs, scenario)
    share = prepared.parcels["avail_pv_km2"].sum() / prepared.parcels["area_km2"].sum()
    assert eligible == pytest.approx(share, abs=0.01)
    fraction = write_mask(tmp_path / "share.tif", small_inputs, scenario, parcels,
                          fraction=True, resolution_m=500)
    _, shares, _ = assert_cog(fraction)
    assert shares[shares != 255].max() <= 100


@pytest.mark.parametrize(("args", "message"), [
    (["--mask", "mask.png"], "name it \\*.tif"),
    (["--mask", "/no/such/folder/m.tif"], "does not exist"),
    (["--mask", "m.tif", "--mask-resolution", "5"], "10-10000 m")])
def test_bad_mask_options_exit_2_before_the_run(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--quiet", "--out", str(tmp_path / "out"), *args]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_mask_polygons_are_burnt_by_cell_centre():
    from siting.exclusions import eligibility_blocks

    grid = AnalysisGrid(west=0.0, north=1000.0, resolution_m=100.0, width=10, height=10)
    parcel = np.array([shapely.box(0, 0, 1000, 1000)])
    # covers the centres of columns 0-2 only (x = 50, 150, 250)
    (_, block), = eligibility_blocks(parcel, {"s": np.array([shapely.box(0, 0, 260, 1000)])},
                                     grid)
    assert (block[:, :3] == 0).all() and (block[:, 3:] == 1).all()
