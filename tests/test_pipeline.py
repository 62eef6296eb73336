"""The whole pipeline on the embedded Inner Mongolia data, in process and through the CLI.

Each full run takes ~20-35 s, so the default wind and solar runs happen once per module and
every test reads their results. The CLI solar run is started first, as a subprocess, so it
runs beside the in-process runs.
"""
import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest

from layers.catalog import REPO_DIR
from siting import pipeline
from siting import scenario as sc
from siting.grid import ALBERS_CRS
from siting.shortlist import DEFAULT_LEAGUE_GROUPS

pytestmark = [pytest.mark.slow, pytest.mark.full_region]

#: Columns the issue requires on every parcel and shortlist row.
REQUIRED_COLUMNS = ["parcel_id", "league", "banner", "tech", "score", "rank", "area_km2",
                    "avail_km2", "excl_frac", "wind_ms", "ghi_kwh", "slope_deg", "grid_km",
                    "desert_frac", "mine_frac", "border_km", "cap_mw", "energy_gwh", "flh",
                    "lcoe", "base_id", "why"]
SUMMARY_KEYS = {"n_parcels", "n_shortlist", "n_bases", "capacity_gw", "energy_twh", "by_league",
                "target_gw"}
ALL_LEAGUES = {league for members in DEFAULT_LEAGUE_GROUPS.values() for league in members}


def cli(*args):
    return [sys.executable, "-m", "siting", *args]


def run_cli(*args):
    return subprocess.run(cli(*args), cwd=REPO_DIR, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cli_solar_run(tmp_path_factory, default_prepared):
    """``python -m siting run --tech solar --quiet`` started in the background: (process, out).

    Started after the session's default preparation, so it reads the prepared parcels
    from the shared cache as a second run of the same inputs would.
    """
    out = tmp_path_factory.mktemp("cli_solar")
    process = subprocess.Popen(cli("run", "--tech", "solar", "--out", str(out), "--quiet"),
                               cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    yield process, out
    if process.poll() is None:  # a partial selection never waited for it
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def inputs(bundled_inputs):
    return bundled_inputs


@pytest.fixture(scope="module")
def solar_run(small_inputs):
    """(result, progress calls) of the default solar scenario through ``pipeline.run``,
    on the small fixture region (the progress contract does not depend on the area)."""
    calls = []
    result = pipeline.run(small_inputs, sc.from_dict({"tech": "solar"}),
                          progress=lambda f, m: calls.append((f, m)))
    return result, calls


@pytest.fixture(scope="module")
def solar(default_prepared, inputs):
    """The default solar run of the full region (``pipeline.run`` = prepare + evaluate)."""
    scenario = sc.from_dict({"tech": "solar"})
    return pipeline.evaluate(default_prepared, scenario, provenance=inputs.provenance,
                             connections=pipeline.connection_points(inputs, scenario))


@pytest.fixture(scope="module")
def wind_prepared(default_prepared):
    return default_prepared


@pytest.fixture(scope="module")
def wind(wind_prepared, inputs):
    scenario = sc.from_dict({"tech": "wind"})
    return pipeline.evaluate(wind_prepared, scenario,
                             connections=pipeline.connection_points(inputs, scenario))


@pytest.fixture(scope="module", params=["solar", "wind"])
def result(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def redline_albers(inputs):
    redline = inputs.vectors["redline"].to_crs(ALBERS_CRS)
    return gpd.GeoDataFrame(geometry=redline.geometry.make_valid(), crs=ALBERS_CRS)


# --- the runs ----------------------------------------------------------------------------------


def test_default_runs_finish(result):
    s = result.summary
    assert s["n_parcels"] == len(result.parcels) > 40_000
    assert 0 < s["n_shortlist"] == len(result.shortlist)
    assert 0 < s["n_bases"] == len(result.bases)
    assert s["capacity_gw"] == pytest.approx(result.shortlist["cap_mw"].sum() / 1000, abs=1e-3)
    assert result.parcels.crs == ALBERS_CRS


def test_progress_runs_from_zero_to_one(solar_run):
    _, calls = solar_run
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:], strict=False))
    assert calls[-1][1] == "done"


def test_result_columns_required_by_the_issue(result):
    for table in (result.parcels, result.shortlist):
        missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
        assert missing == []


def test_values_are_in_range(result):
    p = result.parcels
    assert p["score"].between(0, 100).all()
    assert (p["avail_km2"] <= p["area_km2"] + 1e-9).all()
    assert p["excl_frac"].between(0, 1).all()
    assert (p.loc[p["score"] == 0, "cap_mw"] == 0).all()
    assert sorted(p["rank"]) == list(range(1, len(p) + 1))
    short = result.shortlist
    assert (short["score"] >= result.scenario.shortlist.min_score).all()
    assert short["rank"].is_monotonic_increasing


def test_every_base_reaches_the_minimum_capacity(result):
    min_mw = result.scenario.bases.min_capacity_gw * 1000.0
    assert min_mw == 1000.0
    assert (result.bases["cap_mw"] >= min_mw).all()
    by_base = result.shortlist.groupby("base_id")["cap_mw"].sum()
    assert (by_base >= min_mw).all()
    assert result.bases["base_id"].tolist() == [f"B{i:03d}" for i in range(1, len(by_base) + 1)]
    assert result.bases["cap_mw"].is_monotonic_decreasing


def test_bases_keep_their_limits_and_every_point_its_capacity(result):
    """Issue 12's done criteria on the default wind and solar runs."""
    from siting import supply

    rules, bases = result.scenario.bases, result.bases
    assert (bases["cap_mw"] <= rules.max_capacity_gw * 1000.0 + 1e-6).all()
    assert (bases["extent_km"] <= rules.max_extent_km + 1e-6).all()
    assert (bases["cap_mw"] <= 0.1 * result.shortlist["cap_mw"].sum()).all()
    assert bases["conn_name"].notna().all() and bases["lim_name"].notna().all()
    # a base at an existing point takes its room; one with a new line its upstream's
    existing = bases[bases["new_km"] == 0]
    assert (existing["lim_name"] == existing["conn_name"]).all()
    use = supply.point_use(bases)
    assert (use["used_mw"] <= use["conn_cap_mw"] + 1e-6).all()
    curve = supply.supply_curve(bases)
    assert (curve["lim_used_mw"] <= curve["lim_cap_mw"] + 1e-6).all()
    assert curve["cum_gw"].iloc[-1] == pytest.approx(result.summary["bases_capacity_gw"],
                                                     abs=1e-3)


def test_shortlist_full_load_hours_are_plausible(solar, wind):
    assert 1400 <= np.nanmedian(solar.shortlist["flh"]) <= 2100
    assert 2000 <= np.nanmedian(wind.shortlist["flh"]) <= 3500


def test_shortlist_lcoe_is_plausible(result):
    assert 0.1 <= np.nanmedian(result.shortlist["lcoe"]) <= 0.6


def test_every_parcel_has_league_and_banner(result):
    p = result.parcels
    assert p["league"].notna().all() and p["banner"].notna().all()
    assert (p["banner"].str.len() > 0).all()
    assert set(p["league"]) == ALL_LEAGUES


def test_excluded_parcels_say_why(result):
    zero = result.parcels[result.parcels["score"] == 0]
    assert len(zero) > 1000
    assert (zero["why"].str.len() > 0).all()


def red_line_km2(parcels, redline):
    """Area of each parcel inside the red line, km², by a direct geopandas overlay."""
    pieces = gpd.overlay(parcels[["parcel_id", "geometry"]], redline, how="intersection",
                         keep_geom_type=True)
    red_km2 = pieces.dissolve("parcel_id").area / 1e6  # dissolve: overlapping zones count once
    return red_km2.reindex(parcels["parcel_id"]).fillna(0.0).to_numpy()


def assert_no_red_line_counted(parcels, redline):
    red_km2 = red_line_km2(parcels, redline)
    area, avail = parcels["area_km2"].to_numpy(), parcels["avail_km2"].to_numpy()
    counted = avail > area - red_km2 + 0.01 * area
    assert parcels.loc[counted, "parcel_id"].tolist() == []
    return red_km2


def test_no_shortlisted_parcel_counts_red_line_land(result, redline_albers):
    """An independent overlay: avail ≤ area − area(parcel ∩ red line), within 1 %."""
    assert_no_red_line_counted(result.shortlist, redline_albers)


@pytest.mark.parametrize("tech", [
    "solar",
    "wind"])
def test_no_scored_parcel_counts_red_line_land(request, tech, redline_albers):
    result = request.getfixturevalue(tech)
    scored = result.parcels[result.parcels["score"] > 0]
    touching = gpd.sjoin(scored[["parcel_id", "geometry"]], redline_albers,
                         predicate="intersects")["parcel_id"].unique()
    red_km2 = assert_no_red_line_counted(scored[scored["parcel_id"].isin(touching)],
                                         redline_albers)
    assert (red_km2 > 1.0).sum() > 100  # the check bites: many scored parcels touch a red line


@pytest.mark.parametrize("suffix", [
    "pv",
    "w"])
def test_excluded_area_covers_every_single_exclusion(wind_prepared, suffix):
    """The union of the exclusions is never smaller than any one of them."""
    p = wind_prepared.parcels
    shares = p[[c for c in p.columns if c.startswith("x_") and c.endswith(f"_{suffix}")]]
    assert shares.shape[1] >= 5
    excluded = p["area_km2"] - p[f"avail_{suffix}_km2"]
    largest = shares.max(axis=1) * p["area_km2"]
    # unions snap to 1 cm (overlay.PRECISION_M): allow 0.001 km² (0.004 % of a parcel)
    short = p.loc[excluded < largest - 1e-3, "parcel_id"].tolist()
    assert short == []


def test_changed_weights_change_the_ranking(wind_prepared, wind):
    same = pipeline.evaluate(wind_prepared, wind.scenario, connections=wind.connections)
    assert same.parcels["rank"].tolist() == wind.parcels["rank"].tolist()
    grid_first = sc.from_dict({**wind.scenario.model_dump(),
                               "weights": {"direct": {"resource": 0.1, "grid": 0.7,
                                                      "load": 0.1, "slope": 0.05,
                                                      "encouragement": 0.05}}})
    again = pipeline.evaluate(wind_prepared, grid_first, connections=wind.connections)
    assert again.parcels["rank"].tolist() != wind.parcels["rank"].tolist()
    assert again.weights.as_dict()["grid"] == pytest.approx(0.7)
    # nearer substations rise: the shortlist's median grid distance falls
    assert again.shortlist["grid_km"].median() < wind.shortlist["grid_km"].median()


# --- the CLI -----------------------------------------------------------------------------------


def test_cli_run_writes_gpkg_summary_and_scenario(cli_solar_run, solar):
    import pyogrio

    process, out = cli_solar_run
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    layers = {name for name, _ in pyogrio.list_layers(out / "shortlist.gpkg")}
    assert {"parcels", "shortlist", "bases"} <= layers
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert SUMMARY_KEYS <= set(summary)
    assert (summary["n_parcels"], summary["n_shortlist"], summary["n_bases"]) == (
        solar.summary["n_parcels"], solar.summary["n_shortlist"], solar.summary["n_bases"])
    assert summary["capacity_gw"] == pytest.approx(solar.summary["capacity_gw"])
    assert set(summary["by_league"]) == ALL_LEAGUES
    assert pyogrio.read_info(out / "shortlist.gpkg", layer="shortlist")["features"] == \
        summary["n_shortlist"]
    reloaded = sc.load_yaml(out / "scenario.yaml")
    assert reloaded.model_dump() == sc.from_dict({"tech": "solar"}).model_dump()
    assert str(out / "summary.json") in stdout


def test_cli_bad_layer_file_is_one_line_exit_2(tmp_path):
    done = run_cli("run", "--layer", "wind_speed_100m=/nonexistent.tif", "--out", str(tmp_path),
                   "--quiet")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "wind_speed_100m" in lines[0] and "/nonexistent.tif" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_scenario_file_names_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tech: solar\nexclusions:\n  redlin: false\n", encoding="utf-8")
    done = run_cli("run", "--scenario", str(bad), "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "bad.yaml" in lines[0] and "exclusions.redlin" in lines[0]
