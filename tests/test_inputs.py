"""The one run path (``siting.inputs``): user files get the import checks, and every
importable role changes the run. Small runs: 16 user parcels of 0.05° in western Ordos."""
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from siting import criteria as cr
from siting import pipeline
from siting import scenario as sc
from siting.cli import main
from siting.inputs import load_run_inputs, prepare_key
from siting.labels import why_text

#: South-west corner of the parcel block and the parcel edge, degrees (Ordos, west).
WEST, SOUTH, STEP = 107.2, 39.6, 0.05
N_SIDE = 4
#: Without red line and cropland every parcel of the block scores (about 75-79).
EXCLUSIONS = {"redline": False, "cropland_pv": False}
SMALL_RUN = {"tech": "solar", "exclusions": EXCLUSIONS}


def parcel_box(i, j):
    return box(WEST + i * STEP, SOUTH + j * STEP, WEST + (i + 1) * STEP, SOUTH + (j + 1) * STEP)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    cells = [parcel_box(i, j) for i in range(N_SIDE) for j in range(N_SIDE)]
    parcels = gpd.GeoDataFrame({"name": [f"p{k}" for k in range(len(cells))]}, geometry=cells,
                               crs="EPSG:4326")
    pyogrio.write_dataframe(parcels, folder / "parcels.gpkg")
    return folder


def write_tif(path, value, *, west=WEST - 0.1, north=SOUTH + N_SIDE * STEP + 0.1, cells=40,
              size=0.02, crs="EPSG:4326"):
    """A ``cells`` × ``cells`` float32 GeoTIFF of one value (0.02° cells)."""
    data = np.full((cells, cells), value, dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=cells, height=cells, count=1,
                       dtype="float32", crs=crs, transform=Affine(size, 0, west, 0, -size, north),
                       nodata=-9999) as dst:
        dst.write(data, 1)
    return path


def run(files, **changes):
    scenario = sc.from_dict({**SMALL_RUN, "parcels_file": str(files / "parcels.gpkg"), **changes})
    return pipeline.run(load_run_inputs(scenario), scenario)


@pytest.fixture(scope="module")
def baseline(files):
    return run(files)


# --- bad user files end with exit 2 and say what to do ---------------------------------------


@pytest.fixture(autouse=True)
def _allow_fixture_files(request, monkeypatch):
    """The scenarios here name fixture files outside their own folder (issue 14: a
    scenario reads only the workspace, its folder, --layer paths and $SITING_ALLOWED_DIRS)."""
    if "files" in request.fixturenames:
        monkeypatch.setenv("SITING_ALLOWED_DIRS", str(request.getfixturevalue("files")))


def cli_run(tmp_path, files, *layer_args):
    return main(["run", "--quiet", "--out", str(tmp_path / "out"), "--tech", "solar",
                 "--scenario", str(scenario_file(tmp_path, files)), *layer_args])


def scenario_file(tmp_path, files):
    path = tmp_path / "small.yaml"
    _save_yaml(sc.from_dict({**SMALL_RUN, "parcels_file": str(files / "parcels.gpkg")}), path)
    return path


def test_truncated_geotiff_exits_2(tmp_path, files, capsys):
    path = tmp_path / "truncated.tif"
    with rasterio.open(path, "w", driver="GTiff", width=400, height=400, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(0.005, 0, WEST, 0, -0.005, SOUTH + 1.5)) as dst:
        dst.write(np.full((400, 400), 7.0, dtype="float32"), 1)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    assert cli_run(tmp_path, files, "--layer", f"wind_speed_100m={path}") == 2
    err = capsys.readouterr().err
    assert "truncated.tif" in err and "wind_speed_100m" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_wind_of_32767_exits_2_naming_the_valid_range(tmp_path, files, capsys):
    path = write_tif(tmp_path / "wind_raw.tif", 32767.0)
    assert cli_run(tmp_path, files, "--layer", f"wind_speed_100m={path}") == 2
    err = capsys.readouterr().err
    assert "wind_raw.tif" in err and "expected 0 to 30 m/s" in err and "32767" in err


def test_vector_without_crs_exits_2(tmp_path, files, capsys):
    zones = gpd.GeoDataFrame({"id": [1]}, geometry=[parcel_box(0, 0)], crs="EPSG:4326")
    pyogrio.write_dataframe(zones, tmp_path / "zones.shp")
    (tmp_path / "zones.prj").unlink()
    assert cli_run(tmp_path, files, "--layer",
                   f"custom_exclusion={tmp_path / 'zones.shp'}") == 2
    err = capsys.readouterr().err
    assert "zones.shp" in err and "coordinate reference system" in err


def test_ghi_in_daily_units_asks_for_import(tmp_path, files, capsys):
    path = write_tif(tmp_path / "ghi_daily.tif", 4.5)
    assert cli_run(tmp_path, files, "--layer", f"ghi={path}") == 2
    err = capsys.readouterr().err
    assert f"python -m siting import {path} --role ghi" in err


def test_stored_import_is_not_rescanned_until_it_changes(tmp_path):
    from layers import importer

    summary = importer.import_file(write_tif(tmp_path / "w.tif", 8.0), "wind_speed_100m",
                                   workspace_dir=tmp_path / "ws")
    checked = importer.check_layer_file(summary.path, "wind_speed_100m")
    assert any("not scanned again" in note for note in checked.notes)
    with open(summary.path, "ab") as f:  # any change means: check again
        f.write(b"\0")
    checked = importer.check_layer_file(summary.path, "wind_speed_100m")
    assert not any("not scanned again" in note for note in checked.notes)


def test_prepare_key_changes_when_a_file_is_replaced(tmp_path, files):
    path = write_tif(tmp_path / "wind.tif", 8.0)
    scenario = sc.from_dict({"layers": {"wind_speed_100m": str(path)}})
    before = prepare_key(scenario)
    write_tif(path, 9.0, cells=41)
    assert prepare_key(scenario) != before
    assert prepare_key(sc.from_dict({"exclusions": {"custom_buffer_km": 2}})) != \
        prepare_key(sc.from_dict({}))


def test_scenario_layers_name_what_a_run_accepts():
    with pytest.raises(sc.SitingError, match="can add: pvout, custom_exclusion, "
                                             "custom_encouragement"):
        sc.from_dict({"layers": {"pvout_daily": "x.tif"}})


# --- a good user layer changes the numbers --------------------------------------------------


def test_good_user_wind_raster_sets_wind_ms(tmp_path, files, capsys):
    path = write_tif(tmp_path / "wind.tif", 9.0)
    assert cli_run(tmp_path, files, "--layer", f"wind_speed_100m={path}") == 0
    parcels = pyogrio.read_dataframe(tmp_path / "out" / "shortlist.gpkg", layer="parcels")
    assert len(parcels) == N_SIDE ** 2
    # a uniform 9 m/s field covering every parcel: bilinear means are 9 exactly
    np.testing.assert_allclose(parcels["wind_ms"], 9.0, rtol=1e-6)


# --- every importable role is used ----------------------------------------------------------


@pytest.fixture(scope="module")
def with_roles(files, baseline):
    """One run with the three roles over different parcels of the baseline.

    custom_exclusion covers the two best parcels; custom_encouragement the worst
    parcel whole and the second worst half (west half); pvout (2,000 kWh/kWp)
    covers the first row or column of parcels holding none of these.
    """
    ranked = baseline.parcels.sort_values("rank")
    order = [int(pid[1:]) - 1 for pid in ranked["parcel_id"]]  # P000001 → parcel 0
    ij = [(k // N_SIDE, k % N_SIDE) for k in order]
    best, worst, second_worst = ij[:2], ij[-1], ij[-2]
    special = set(best + [worst, second_worst])
    lines = [[(i, j) for i in range(N_SIDE)] for j in range(N_SIDE)] + \
        [[(i, j) for j in range(N_SIDE)] for i in range(N_SIDE)]
    pv_cells = next(line for line in lines if not special & set(line))
    exclusion = gpd.GeoDataFrame(geometry=[parcel_box(*c) for c in best], crs="EPSG:4326")
    pyogrio.write_dataframe(exclusion, files / "exclusion.gpkg")
    i, j = second_worst
    half = box(WEST + i * STEP, SOUTH + j * STEP, WEST + (i + 0.5) * STEP, SOUTH + (j + 1) * STEP)
    encouraged = gpd.GeoDataFrame(geometry=[parcel_box(*worst), half], crs="EPSG:4326")
    pyogrio.write_dataframe(encouraged, files / "encouraged.gpkg")
    # 0.01° cells exactly over those parcels, with 0.02° to spare along the line:
    # 2,000 on them, nodata beside them
    (i0, j0), (i1, j1) = pv_cells[0], pv_cells[-1]
    spare_x, spare_y = 0.02 * (i0 != i1), 0.02 * (j0 != j1)
    west, east = WEST + i0 * STEP - spare_x, WEST + (i1 + 1) * STEP + spare_x
    south, north = SOUTH + j0 * STEP - spare_y, SOUTH + (j1 + 1) * STEP + spare_y
    width, height = round((east - west) / 0.01), round((north - south) / 0.01)
    with rasterio.open(files / "pvout.tif", "w", driver="GTiff", width=width, height=height,
                       count=1, dtype="float32", crs="EPSG:4326", nodata=-9999,
                       transform=Affine(0.01, 0, west, 0, -0.01, north)) as dst:
        dst.write(np.full((height, width), 2000.0, dtype="float32"), 1)
    result = run(files, layers={"custom_exclusion": str(files / "exclusion.gpkg"),
                                "custom_encouragement": str(files / "encouraged.gpkg"),
                                "pvout": str(files / "pvout.tif")})
    ids = {name: f"P{k + 1:06d}" for name, k in (
        ("best0", order[0]), ("best1", order[1]), ("worst", order[-1]),
        ("second_worst", order[-2]))}
    ids["pv_row"] = [f"P{i * N_SIDE + j + 1:06d}" for i, j in pv_cells]
    return result, ids


def by_id(result):
    return result.parcels.set_index("parcel_id")


def test_custom_exclusion_removes_the_top_parcels(baseline, with_roles):
    result, ids = with_roles
    before, after = by_id(baseline), by_id(result)
    top = [ids["best0"], ids["best1"]]
    assert set(top) <= set(baseline.shortlist["parcel_id"])
    assert not set(top) & set(result.shortlist["parcel_id"])
    np.testing.assert_allclose(after.loc[top, "score"], 0.0)
    # to 100 m² of 18 km²: the polygon and the parcel are projected separately
    np.testing.assert_allclose(after.loc[top, "avail_km2"], 0.0, atol=1e-4)
    assert all("custom exclusion 100%" in why_text(why, "en") for why in after.loc[top, "why"])
    assert (before.loc[top, "score"] > 70).all()


def test_custom_exclusion_can_be_switched_off(files, baseline, with_roles):
    result = run(files, layers={"custom_exclusion": str(files / "exclusion.gpkg")},
                 exclusions={**EXCLUSIONS, "custom": False})
    np.testing.assert_array_equal(result.parcels["score"], baseline.parcels["score"])


def test_custom_encouragement_adds_bonus_times_share(baseline, with_roles):
    result, ids = with_roles
    before, after = by_id(baseline), by_id(result)
    bonus = sc.CUSTOM_BONUS_POINTS
    worst, half = ids["worst"], ids["second_worst"]
    assert after.loc[worst, "custom_frac"] == pytest.approx(1.0, abs=1e-5)
    # half a lon/lat box by longitude: half its area (to the projection's straight edges)
    assert after.loc[half, "custom_frac"] == pytest.approx(0.5, abs=1e-3)
    assert after.loc[worst, "score"] - before.loc[worst, "score"] == pytest.approx(bonus,
                                                                                   abs=0.011)
    assert after.loc[half, "score"] - before.loc[half, "score"] == pytest.approx(bonus / 2,
                                                                                 abs=0.02)
    others = after.index.difference([worst, half])
    np.testing.assert_allclose(after.loc[others, "custom_frac"], 0.0, atol=1e-4)  # neighbours


def test_pvout_replaces_the_modelled_yield(baseline, with_roles):
    result, ids = with_roles
    before, after = by_id(baseline), by_id(result)
    pv_row = ids["pv_row"]
    np.testing.assert_allclose(after.loc[pv_row, "pvout_kwh"], 2000.0, rtol=1e-6)
    # PVOUT is the plant's yield after its own losses; curtailment (grid-side) still applies
    delivered = 2000.0 * (1 - sc.Scenario().energy.curtailment)
    np.testing.assert_allclose(after.loc[pv_row, "flh"], delivered, rtol=1e-6)
    np.testing.assert_allclose(after.loc[pv_row, "energy_gwh"],
                               after.loc[pv_row, "cap_mw"] * delivered / 1000.0, rtol=1e-9)
    assert (after.loc[pv_row, "energy_gwh"] > before.loc[pv_row, "energy_gwh"]).all()
    # the resource criterion: 1 at 2,000 kWh/kWp (≥ 1,750) instead of the GHI's share
    ghi_share = cr.linear(before.loc[pv_row, "ghi_kwh"].to_numpy(), *sc.GHI_BOUNDS_KWH)
    weight = sc.DEFAULT_WEIGHTS["resource"] / sum(sc.DEFAULT_WEIGHTS.values())
    np.testing.assert_allclose(after.loc[pv_row, "score"] - before.loc[pv_row, "score"],
                               100 * weight * (1 - ghi_share), atol=0.011)
    rest = after.index.difference(pv_row)
    assert after.loc[rest, "pvout_kwh"].isna().all()
    np.testing.assert_allclose(after.loc[rest, "flh"].dropna(),
                               before.loc[rest, "flh"].dropna().loc[
                                   after.loc[rest, "flh"].dropna().index], rtol=1e-9)


def _save_yaml(scenario, path):
    """A scenario file as the library and the CLI write it (the one atomic writer)."""
    from layers.workspace import atomic_write_text

    return atomic_write_text(path, sc.dumps(scenario))
