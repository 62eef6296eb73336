"""Block-by-block raster statistics equal the whole-array ones, and Dask equals one process.

Tiny grids with values worked out by hand (exact for every tiling); real data only at coarse
resolution; one small pipeline run on a threaded LocalCluster, compared frame by frame.
"""
import functools

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.features import rasterize
from rasterio.windows import Window

from layers.align import grid_windows, warp_array_to_grid, warp_grid, warp_to_grid
from layers.errors import CRSError, DataFileError
from layers.io import RasterData, RasterFile, open_raster
from siting import distributed, zonal
from siting.grid import ALBERS_CRS, AnalysisGrid, grid_for_bounds
from siting.inputs import open_warper

#: The engine's block means, warping through the boundary as a run does.
raster_means = functools.partial(zonal.raster_means, open_warper=open_warper)

#: 8 × 8 cells of 1 km; the source below is 4 × 4 cells of 2 km over the same area.
GRID = AnalysisGrid(west=0.0, north=8000.0, resolution_m=1000.0, width=8, height=8)
SOURCE = RasterData(np.arange(16, dtype="float32").reshape(4, 4),
                    Affine(2000, 0, 0, 0, -2000, 8000), ALBERS_CRS)


def gdf(geoms):
    import geopandas as gpd

    return gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs=ALBERS_CRS)


def block_sizes(grid):
    return [(1, 1), (2, 3), (3, 5), (grid.height, grid.width)]


# --- burning parcel ids ---------------------------------------------------------------


def test_burn_of_a_square_takes_the_cells_whose_centre_it_covers():
    square = shapely.box(1000, 2000, 4000, 6000)  # columns 1-3, rows 2-5
    index = zonal.burn(zonal.parcel_edges([square], GRID), Window(0, 0, 8, 8), GRID)
    assert (index == 0).sum() == 12
    assert (index[2:6, 1:4] == 0).all()


def test_burn_equals_rasterio_rasterize_even_on_cell_centre_ties():
    # vertices exactly on cell centres, a hole, a multipolygon and overlapping parcels
    grid = AnalysisGrid(west=0.0, north=20.0, resolution_m=1.0, width=20, height=20)
    geoms = [shapely.Polygon([(2.5, 2.5), (10.5, 2.5), (10.5, 8.5), (2.5, 8.5)],
                             [[(4, 3.5), (6, 3.5), (6, 5.5), (4, 5.5)]]),
             shapely.Polygon([(12.5, 3.5), (16.5, 10.5), (12.5, 17.5), (14.5, 10.5)]),
             shapely.MultiPolygon([shapely.box(1.5, 12.5, 8.5, 14.5),
                                   shapely.Polygon([(1.5, 15), (8.5, 15), (5, 18.5)])]),
             shapely.box(7.2, 6.1, 13.7, 12.9)]
    expected = rasterize(zip(geoms, range(len(geoms)), strict=True), out_shape=grid.shape,
                         transform=grid.transform, fill=-1, dtype="int32")
    edges = zonal.parcel_edges(geoms, grid)
    assert np.array_equal(zonal.burn(edges, Window(0, 0, 20, 20), grid), expected)
    for window in grid_windows(grid, rows=3, cols=7):
        r, c = int(window.row_off), int(window.col_off)
        assert np.array_equal(zonal.burn(edges, window, grid),
                              expected[r:r + window.height, c:c + window.width])


def test_burn_equals_rasterio_rasterize_on_random_polygons():
    rng = np.random.default_rng(42)
    grid = AnalysisGrid(west=-750.0, north=9000.0, resolution_m=250.0, width=37, height=41)
    geoms = []
    for _ in range(60):
        centre = rng.uniform([-1000, -1500], [9000, 9500])
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 10)))
        radii = rng.uniform(200, 2500, len(angles))
        ring = centre + np.column_stack([np.cos(angles), np.sin(angles)]) * radii[:, None]
        geoms.append(shapely.make_valid(shapely.Polygon(ring)))
    geoms = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    expected = rasterize(zip(geoms, range(len(geoms)), strict=True), out_shape=grid.shape,
                         transform=grid.transform, fill=-1, dtype="int32")
    assert np.array_equal(zonal.parcel_index_raster(gdf(geoms), grid), expected)


# --- hand-checkable zonal means ----------------------------------------------------------


def test_warped_source_by_hand():
    # bilinear from 2 km to 1 km cells: each row steps by 0.25 between source centres
    aligned = warp_array_to_grid(SOURCE.array, SOURCE.transform, SOURCE.crs, GRID)
    assert aligned[0].tolist() == [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]
    assert aligned[:, 0].tolist() == [0, 1, 3, 5, 7, 9, 11, 12]
    nearest = warp_grid(SOURCE, GRID, resampling="nearest")
    assert nearest[2:4, 2:4].tolist() == [[5, 5], [5, 5]]


@pytest.mark.parametrize("rows, cols", [(1, 1), (2, 3), (3, 5), (8, 8)])
def test_block_means_by_hand(rows, cols):
    parcels = gdf([shapely.box(0, 6000, 2000, 8000),      # cells (0-1, 0-1): 0 0 1 1 → 0.5
                   shapely.box(2000, 2000, 6000, 6000),   # the middle 4 × 4 cells
                   shapely.box(7100, 100, 7300, 300)])    # no cell centre: its point's cell
    layers = {"v": zonal.Layer(SOURCE, "nearest")}
    means = raster_means(layers, parcels, GRID, block_rows=rows, block_cols=cols)["v"]
    assert means[0] == 0.0
    assert means[1] == (5 + 6 + 9 + 10) / 4
    assert means[2] == 15.0


@pytest.mark.parametrize("resampling", ["nearest", "bilinear"])
def test_blocks_equal_whole_array_exactly(resampling):
    """Same-CRS warps are exact in any window: every tiling equals one whole-grid warp."""
    parcels = gdf([shapely.box(300, 1200, 5100, 7700), shapely.box(5100, 300, 7900, 6600),
                   shapely.Polygon([(500, 500), (4500, 900), (2500, 1400)]),
                   shapely.box(6000, 7000, 6400, 7400)])
    whole = warp_array_to_grid(SOURCE.array, SOURCE.transform, SOURCE.crs, GRID,
                               resampling=resampling)
    expected = zonal.parcel_means({"v": whole}, parcels, GRID)["v"]
    for rows, cols in block_sizes(GRID):
        got = raster_means({"v": zonal.Layer(SOURCE, resampling)}, parcels, GRID,
                                 block_rows=rows, block_cols=cols)["v"]
        assert np.array_equal(got, expected, equal_nan=True), (rows, cols)


def test_nan_cells_are_skipped_and_an_all_nan_parcel_falls_back_to_its_point():
    values = SOURCE.array.copy()
    values[0, 0] = np.nan
    source = RasterData(values, SOURCE.transform, SOURCE.crs)
    parcels = gdf([shapely.box(0, 6000, 4000, 8000), shapely.box(0, 6000, 2000, 8000)])
    means = raster_means({"v": zonal.Layer(source, "nearest")}, parcels, GRID,
                               block_rows=3, block_cols=3)["v"]
    assert means[0] == 1.0  # the four cells of value 1; the NaN ones do not count
    assert np.isnan(means[1])  # only NaN cells and a NaN cell under its point


# --- real data, reprojected -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    from siting import scenario as sc
    from siting.inputs import load_run_inputs

    return load_run_inputs(sc.preset("default"))


@pytest.fixture(scope="module")
def league_parcels(bundled):
    from siting import parcels as parcels_mod

    leagues = bundled.vectors["leagues"]
    region = leagues[leagues["name_zh"] == "乌兰察布市"]
    return parcels_mod.grid_parcels(region, size_km=4)


def test_blocks_equal_the_block_tiled_whole_grid_on_real_data(bundled, league_parcels):
    """Lon/lat sources: GDAL's warp depends on its window, so a layer's values are those of
    one block tiling; against that tiling assembled into one grid, parcels inside a block
    match bit for bit and parcels across blocks to float64 rounding."""
    grid = grid_for_bounds(tuple(league_parcels.total_bounds), 1000)
    names = {"wind": ("wind_speed_100m", "bilinear"), "ghi": ("ghi", "bilinear"),
             "slope": ("slope", "nearest")}
    for rows, cols in [(64, 96), (37, 500), (grid.height, grid.width)]:
        whole = {n: warp_grid(bundled.rasters[layer], grid, resampling=r, block_rows=rows,
                              block_cols=cols) for n, (layer, r) in names.items()}
        expected = zonal.parcel_means(whole, league_parcels, grid)
        got = raster_means({n: zonal.Layer(bundled.rasters[layer], r)
                                  for n, (layer, r) in names.items()},
                                 league_parcels, grid, block_rows=rows, block_cols=cols)
        for n in names:
            assert np.isfinite(got[n]).all()
            if (rows, cols) == grid.shape:
                assert np.array_equal(got[n], expected[n]), n
            np.testing.assert_allclose(got[n], expected[n], rtol=1e-13, err_msg=n)


def test_strips_side_by_side_equal_strips_one_at_a_time(bundled, league_parcels, monkeypatch):
    """The serial runner's threads (``parallel_threads``) run whole strips at once and
    return them in task order: the same numbers bit for bit as one strip at a time."""
    grid = grid_for_bounds(tuple(league_parcels.total_bounds), 1000)
    layers = {"wind": zonal.Layer(bundled.rasters["wind_speed_100m"], "bilinear"),
              "slope": zonal.Layer(bundled.rasters["slope"], "nearest")}
    runs = {}
    for threads in (1, 3):
        monkeypatch.setattr(distributed.SerialRunner, "parallel_threads", threads)
        runs[threads] = raster_means(layers, league_parcels, grid, block_rows=16,
                                     block_cols=32)
    for name in layers:
        assert np.isfinite(runs[3][name]).all()
        assert np.array_equal(runs[1][name], runs[3][name]), name
    squares = distributed.SerialRunner().map(lambda x, add: x * x + add, range(7),
                                             shared={"add": 1}, parallel=True)
    assert squares == [x * x + 1 for x in range(7)]


def test_gdal_threads_do_not_change_values(bundled):
    from layers.align import Warper

    grid = grid_for_bounds((-400_000, -300_000, 200_000, 300_000), 1000)
    window = Window(0, 0, grid.width, grid.height)
    with Warper(bundled.rasters["ghi"], grid, threads=1) as one, \
            Warper(bundled.rasters["ghi"], grid, threads=2) as two:
        assert np.array_equal(one.warp(window), two.warp(window), equal_nan=True)


def test_file_source_equals_the_same_raster_in_memory(tmp_path, bundled):
    """A user GeoTIFF is warped straight from the file, with the same values as in memory."""
    data = bundled.rasters["elevation"]
    path = tmp_path / "elevation.tif"
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="int16", crs=data.crs, transform=data.transform,
                       nodata=-32768, tiled=True, blockxsize=64, blockysize=64) as dst:
        dst.write(np.where(np.isnan(data.array), -32768, data.array).astype("int16"), 1)
    source = open_raster(path)
    assert isinstance(source, RasterFile) and source.shape == data.shape
    grid = grid_for_bounds((-300_000, -200_000, 100_000, 150_000), 2000)
    assert np.array_equal(warp_grid(source, grid, block_rows=50, block_cols=70),
                          warp_grid(data, grid, block_rows=50, block_cols=70), equal_nan=True)
    assert np.array_equal(warp_to_grid(path, grid), warp_grid(data, grid), equal_nan=True)


def test_engine_blocks_are_the_data_layer_tiling():
    """zonal warps whole blocks of the tiling that defines a layer's values on the grid."""
    from layers import align

    assert (zonal.BLOCK_ROWS, zonal.BLOCK_COLS) == (align.BLOCK_ROWS, align.BLOCK_COLS)


def test_raster_means_holds_no_full_size_layer():
    import tracemalloc

    grid = AnalysisGrid(west=0.0, north=2000.0 * 250, resolution_m=250.0, width=2000,
                        height=2000)
    source = RasterData(np.random.default_rng(0).random((40, 40), dtype="float32"),
                        Affine(12_500, 0, 0, 0, -12_500, 500_000), ALBERS_CRS)
    parcels = gdf([shapely.box(x, y, x + 20_000, y + 20_000)
                   for x in range(0, 500_000, 20_000) for y in range(0, 500_000, 20_000)])
    layers = {f"v{i}": zonal.Layer(source) for i in range(5)}
    tracemalloc.start()
    raster_means(layers, parcels, grid, block_rows=256, block_cols=256)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    full_layer = grid.width * grid.height * 4  # 16 MB of float32
    assert peak < 0.5 * full_layer


# --- raster files ------------------------------------------------------------------------


def test_open_raster_checks_without_reading(tiny_raster_file):
    source = open_raster(tiny_raster_file)
    assert source.shape == (3, 3) and source.nodata == 8
    assert np.isnan(source.array[2, 2]) and source.array[1, 1] == 4


def test_open_raster_errors_say_what_is_wrong(tmp_path, tiny_raster_file):
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(nocrs, "w", driver="GTiff", width=2, height=2, count=1,
                       dtype="float32", transform=Affine(1, 0, 0, 0, -1, 2)) as dst:
        dst.write(np.ones((2, 2), "float32"), 1)
    with pytest.raises(CRSError, match="no coordinate reference system.*EPSG:4490"):
        open_raster(nocrs)
    fake = tmp_path / "fake.tif"
    fake.write_text("hello")
    with pytest.raises(DataFileError, match="not a readable raster"):
        open_raster(fake)
    with pytest.raises(DataFileError, match="band 2 does not exist"):
        open_raster(tiny_raster_file, band=2)


# --- Dask ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_cluster():
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                      dashboard_address=None) as cluster:
        yield cluster


def test_dask_blocks_equal_serial_blocks(local_cluster, bundled, league_parcels):
    grid = grid_for_bounds(tuple(league_parcels.total_bounds), 1000)
    layers = {"wind": zonal.Layer(bundled.rasters["wind_speed_100m"]),
              "elev": zonal.Layer(bundled.rasters["elevation"])}
    serial = raster_means(layers, league_parcels, grid, block_rows=64, block_cols=128)
    with distributed.use(local_cluster.scheduler_address) as runner:
        assert isinstance(runner, distributed.DaskRunner) and runner.threads == 2
        on_dask = raster_means(layers, league_parcels, grid, runner=runner,
                                     block_rows=64, block_cols=128)
    for name in layers:
        assert np.array_equal(on_dask[name], serial[name], equal_nan=True)


def test_dask_run_gives_the_same_shortlist(local_cluster, bundled):
    """A small region through the whole pipeline, serial and on the cluster."""
    import copy

    from siting import pipeline
    from siting import scenario as sc

    inputs = copy.copy(bundled)
    leagues = bundled.vectors["leagues"]
    inputs.vectors = {**bundled.vectors,
                      "province": leagues[leagues["name_zh"] == "乌海市"]}
    scenario = sc.from_dict({"tech": "hybrid", "resolution_m": 500, "parcel_size_km": 2})
    serial = pipeline.run(inputs, scenario)
    with distributed.use(local_cluster.scheduler_address) as runner:
        assert len(runner.partitions(len(serial.parcels))) == 4
        on_dask = pipeline.run(inputs, scenario)
    assert len(serial.shortlist) > 0
    for frame in ("parcels", "shortlist", "bases"):
        pd.testing.assert_frame_equal(getattr(on_dask, frame), getattr(serial, frame),
                                      check_exact=True)
    assert on_dask.summary == serial.summary


def test_dask_address_errors_say_how_to_fix(monkeypatch):
    with pytest.raises(distributed.DaskError, match="'local' or a scheduler address"):
        with distributed.use("localhost:8786"):
            pass
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(distributed.DaskError, match="dask scheduler"):
        with distributed.use("tcp://127.0.0.1:9"):
            pass


def test_serial_runner_is_the_default():
    assert isinstance(distributed.current(), distributed.SerialRunner)
    assert distributed.SerialRunner().partitions(10) == [slice(0, 10)]


def test_cli_run_accepts_dask_and_parcel_size():
    from siting.cli import build_parser, scenario_from_args

    args = build_parser().parse_args(["run", "--dask", "local", "--parcel-size", "2.5",
                                      "--resolution", "250"])
    assert args.dask == "local"
    scenario = scenario_from_args(args)
    assert scenario.parcel_size_km == 2.5 and scenario.resolution_m == 250


def test_raster_stage_beside_the_overlays_gives_the_same_table(small_inputs, monkeypatch):
    """In one process on 2+ cores the raster means run on their own thread beside the
    exclusions and distances (``features.OVERLAP_RASTER_STAGE``): the same table, column
    for column and bit for bit, as the stages one after the other."""
    import pandas as pd

    from siting import features, pipeline
    from siting import scenario as sc

    scenario = sc.Scenario()
    parcels = pipeline.make_parcels(small_inputs, scenario)
    monkeypatch.setattr(distributed.SerialRunner, "parallel_threads", 2)
    messages = []
    beside = features.prepare(small_inputs, scenario, parcels,
                              progress=lambda f, m: messages.append(m))
    assert "zonal statistics" in messages  # the wait for the thread: it did run beside
    monkeypatch.setattr(features, "OVERLAP_RASTER_STAGE", False)
    alone = features.prepare(small_inputs, scenario, parcels)
    assert list(beside.parcels.columns) == list(alone.parcels.columns)
    assert np.isfinite(beside.parcels["wind_ms"]).any()
    pd.testing.assert_frame_equal(pd.DataFrame(beside.parcels.drop(columns="geometry")),
                                  pd.DataFrame(alone.parcels.drop(columns="geometry")),
                                  check_exact=True)
    assert beside.exclusion_area_km2 == alone.exclusion_area_km2


def test_unions_built_beside_the_parcels_give_the_same_table(small_inputs, monkeypatch):
    """``pipeline.prepare`` builds the exclusion and encouraged-land unions on a thread
    beside the parcels (``features.start_unions``): the same table as without."""
    import pandas as pd

    from siting import features, overlay, pipeline
    from siting import scenario as sc

    scenario = sc.from_dict({"exclusions": {"redline_buffer_km": 1.5}})  # unions not in memory
    monkeypatch.setattr(distributed.SerialRunner, "parallel_threads", 2)
    thread = features.start_unions(small_inputs, scenario)
    assert thread is not None
    thread.join()
    beside = pipeline.prepare(small_inputs, scenario)
    overlay._UNIONS.clear()
    monkeypatch.setattr(features, "OVERLAP_RASTER_STAGE", False)
    assert features.start_unions(small_inputs, scenario) is None
    alone = pipeline.prepare(small_inputs, scenario)
    pd.testing.assert_frame_equal(pd.DataFrame(beside.parcels.drop(columns="geometry")),
                                  pd.DataFrame(alone.parcels.drop(columns="geometry")),
                                  check_exact=True)
    assert beside.exclusion_area_km2 == alone.exclusion_area_km2
