"""Shared fixtures: tiny in-memory rasters and vectors with hand-checkable values, a small
fixture region, and the one full-region preparation every full-region test shares.

The prepared-parcel cache (``siting.inputs.prepared_cache``) lives in one folder for the whole
session (``$SITING_CACHE_DIR``, inherited by CLI subprocesses and the app under test): the
default full region is prepared once, by whichever test asks first, and every later run of
the same inputs — in process, through the CLI or the app — reads it back.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from affine import Affine

#: Leagues of the small fixture region (~3,000 parcels of 5 km, ~8 % of the province):
#: farmland, red line, towns, a stretch of the border and the capital's load centre.
FIXTURE_LEAGUES = ("乌兰察布市", "呼和浩特市")
#: Margin around the fixture region kept of every layer, degrees (> every buffer and
#: the distance to the nearest substation).
FIXTURE_MARGIN_DEG = 1.0


@pytest.fixture(scope="session", autouse=True)
def shared_prepared_cache(tmp_path_factory):
    """One prepared-parcel cache folder for the session (never the user's workspace)."""
    from layers.parcel_cache import CACHE_DIR_ENV

    folder = tmp_path_factory.mktemp("prepared-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(folder))
        yield folder


@pytest.fixture(scope="session")
def bundled_inputs():
    """The bundled layers (``siting.inputs.load_run_inputs`` of the default
    scenario), read once per session."""
    from siting import scenario as sc
    from siting.inputs import load_run_inputs

    return load_run_inputs(sc.preset("default"))


@pytest.fixture(scope="session")
def default_prepared(bundled_inputs, shared_prepared_cache):
    """The full region prepared with the default scenario (any technology: the prepared
    table holds wind and PV columns), through the session's cache."""
    from siting import scenario as sc
    from siting.inputs import prepared_cache

    return prepared_cache.prepare(bundled_inputs, sc.Scenario())


def fixture_region(inputs, leagues=FIXTURE_LEAGUES, *, margin_deg=FIXTURE_MARGIN_DEG):
    """``inputs`` cut down to ``leagues``: the province outline becomes their union, the
    banners theirs, and every other layer is cropped to their bounds plus ``margin_deg``
    (the border line is kept whole so border distances stay true)."""
    import geopandas as gpd
    from rasterio.windows import from_bounds

    from layers.io import RasterData

    banners = inputs.vectors["banners"]
    chosen = banners[banners["league_zh"].isin(leagues)]
    province = gpd.GeoDataFrame({"adcode": [150000], "name_zh": ["试验区"],
                                 "name_en": ["fixture region"]},
                                geometry=[chosen.union_all()], crs=banners.crs)
    west, south, east, north = chosen.total_bounds
    box = (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    vectors = {"province": province, "banners": chosen}
    for key, gdf in inputs.vectors.items():
        if key not in vectors:
            clipped = gdf if key == "border" else gdf.clip(box)
            vectors[key] = clipped if len(clipped) else gdf
    rasters = {}
    for key, raster in inputs.rasters.items():
        if not isinstance(raster, RasterData):
            rasters[key] = raster
            continue
        window = from_bounds(*box, transform=raster.transform).round_offsets().round_lengths()
        row0, col0 = max(int(window.row_off), 0), max(int(window.col_off), 0)
        array = raster.array[row0:row0 + int(window.height), col0:col0 + int(window.width)]
        rasters[key] = dataclasses.replace(
            raster, array=np.ascontiguousarray(array),
            transform=raster.transform @ Affine.translation(col0, row0))
    return dataclasses.replace(inputs, vectors=vectors, rasters=rasters)


@pytest.fixture(scope="session")
def small_inputs(bundled_inputs):
    """The small fixture region's inputs (``fixture_region``)."""
    return fixture_region(bundled_inputs)


@pytest.fixture(scope="session")
def small_prepared(small_inputs, shared_prepared_cache):
    """The small fixture region prepared with the default scenario, through the
    session's cache (one preparation shared by every test that asks)."""
    from siting import scenario as sc
    from siting.inputs import prepared_cache

    return prepared_cache.prepare(small_inputs, sc.Scenario())


@pytest.fixture
def tiny_raster_file(tmp_path):
    """A 3×3 GeoTIFF of np.arange(9) in EPSG:4326 at 1° cells, nodata 8 at the corner."""
    import rasterio

    path = tmp_path / "tiny.tif"
    data = np.arange(9, dtype="float32").reshape(3, 3)
    with rasterio.open(path, "w", driver="GTiff", width=3, height=3, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(1, 0, 110, 0, -1, 43),
                       nodata=8) as dst:
        dst.write(data, 1)
    return path
