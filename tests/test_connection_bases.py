"""Bases around connection points: capacity, extent, point capacity, order; PV/wind density."""
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siting import energy
from siting.bases import extent_km, form_bases
from siting.connection import (
    CAPACITY_BY_KV_MW,
    NewLines,
    connection_points,
    corridor_fill,
    new_line_cny_per_kw,
    read_corridors,
    upstream_points,
)
from siting.errors import SitingError
from siting.grid import ALBERS_CRS

KM = 1000.0


def row_of_parcels(n, cap_mw, size_km=5.0):
    """``n`` 5 km squares in a row along x from 0, ranked left to right."""
    geoms = [shapely.box(i * size_km * KM, 0, (i + 1) * size_km * KM, size_km * KM)
             for i in range(n)]
    return gpd.GeoDataFrame({"parcel_id": [f"P{i:02d}" for i in range(n)],
                             "rank": np.arange(1, n + 1), "cap_mw": np.full(n, cap_mw)},
                            geometry=geoms, crs=ALBERS_CRS)


def points_at(*specs):
    """Connection points (name, x km, capacity MW) on the y = 2.5 km line."""
    return pd.DataFrame({"conn_id": [f"C{i}" for i in range(len(specs))],
                         "conn_name": [s[0] for s in specs],
                         "x": [s[1] * KM for s in specs], "y": [2.5 * KM] * len(specs),
                         "conn_cap_mw": [s[2] for s in specs]})


def test_base_capacity_is_capped_and_the_rest_opens_a_second_base():
    # 10 parcels of 1 GW next to one 100 GW point: at most 4 GW a base -> 4 + 4 + 2
    placed = form_bases(row_of_parcels(10, 1000.0), points_at(("A", 25.0, 100_000.0)),
                        min_gw=1.0, max_gw=4.0, max_extent_km=200.0)
    sizes = placed.groupby("base_id").size().to_dict()
    assert sizes == {"B001": 4, "B002": 4, "B003": 2}


def test_point_capacity_holds_and_a_full_point_sends_parcels_on():
    # point A takes 3 GW; B, 40 km further, takes the rest
    placed = form_bases(row_of_parcels(6, 1000.0),
                        points_at(("A", 0.0, 3_000.0), ("B", 40.0, 10_000.0)),
                        min_gw=1.0, max_gw=16.0, max_extent_km=200.0)
    mw = placed.assign(cap=1000.0).groupby("conn_id")["cap"].sum()
    assert mw["C0"] == 3000.0 and mw["C1"] == 3000.0


def test_upgrade_pays_for_capacity_beyond_the_point_up_to_the_limit():
    placed = form_bases(row_of_parcels(4, 1000.0), points_at(("A", 0.0, 2_000.0)),
                        min_gw=1.0, max_gw=16.0, max_extent_km=200.0,
                        over_capacity="upgrade", max_upgrade_mw=1_000.0)
    assert placed["base_id"].notna().sum() == 3  # 2 GW + 1 GW of upgrade
    assert placed["upg_mw"].sum() == 1000.0


def test_extent_limit_holds():
    short = row_of_parcels(20, 500.0)  # 100 km long
    placed = form_bases(short, points_at(("A", 50.0, 100_000.0)), min_gw=0.5, max_gw=16.0,
                        max_extent_km=40.0, max_connection_km=200.0)
    for _, members in short.groupby(placed["base_id"].to_numpy()):
        assert extent_km(shapely.union_all(members.geometry.to_numpy())) <= 40.0 + 1e-6


def test_small_bases_are_dissolved():
    placed = form_bases(row_of_parcels(3, 300.0), points_at(("A", 0.0, 10_000.0)),
                        min_gw=1.0)
    assert placed["base_id"].isna().all()


def test_same_bases_whatever_the_row_order():
    rng = np.random.default_rng(7)
    short = row_of_parcels(30, 700.0)
    short["rank"] = rng.permutation(30) + 1
    points = points_at(("A", 10.0, 5_000.0), ("B", 80.0, 8_000.0), ("C", 140.0, 2_000.0))
    first = form_bases(short, points, max_gw=4.0, max_extent_km=50.0)
    shuffled = short.sample(frac=1.0, random_state=3)
    again = form_bases(shuffled, points.sample(frac=1.0, random_state=5), max_gw=4.0,
                       max_extent_km=50.0)
    pd.testing.assert_frame_equal(first.sort_index(), again.sort_index())


def test_bad_limits_are_refused():
    with pytest.raises(SitingError, match=r"min_capacity_gw 5 must lie in \[0, max"):
        form_bases(row_of_parcels(1, 1.0), points_at(("A", 0.0, 1.0)), min_gw=5, max_gw=4)


def test_connection_points_capacity_by_class_corridor_and_layer():
    subs = gpd.GeoDataFrame({"name_zh": ["甲220", "乙500", "锡盟±800千伏换流站"],
                             "voltage_kv": [220, 500, 800]},
                            geometry=gpd.points_from_xy([110, 111, 115.9], [40, 41, 43.55]),
                            crs=4326)
    pts = connection_points(subs, corridors=read_corridors()).set_index("conn_name")
    assert pts.loc["甲220", "conn_cap_mw"] == 300.0
    assert pts.loc["乙500", "conn_cap_mw"] == CAPACITY_BY_KV_MW[500]
    assert pts.loc["锡盟±800千伏换流站", "cap_from"] == "corridor"
    assert "达拉特±800千伏换流站" in pts.index  # a corridor station added from the table
    subs["cap_mw"] = [123.0, np.nan, np.nan]
    assert connection_points(subs).set_index("conn_name").loc["甲220", "conn_cap_mw"] == 123.0


def test_corridor_fill():
    corridors = read_corridors()
    bases = pd.DataFrame({"conn_name": ["锡盟±800千伏换流站"], "cap_mw": [2500.0]})
    fill = corridor_fill(bases, corridors).set_index("corridor")
    assert fill.loc["ximeng_taizhou", "fill"] == pytest.approx(2500.0 / 5000.0)
    assert fill.loc["jarud_qingzhou", "bases_mw"] == 0.0
    assert (fill["rated_mw"] > 0).all()
    # a base with a new line to a 500 kV station fills the corridor upstream of it
    via = pd.DataFrame({"conn_name": ["锡盟±800千伏换流站", "某500千伏变电站"],
                        "lim_name": ["锡盟±800千伏换流站", "锡盟±800千伏换流站"],
                        "cap_mw": [2500.0, 1500.0]})
    fill = corridor_fill(via, corridors).set_index("corridor")
    assert fill.loc["ximeng_taizhou", "bases_mw"] == pytest.approx(4000.0)


def test_pv_density_near_40n_matches_desert_projects_and_falls_north():
    # domain.md: 50-60 MW/km² for fixed-tilt desert arrays near 40°N
    assert 50.0 <= energy.pv_mw_per_km2(40.0) <= 60.0
    dens = energy.pv_mw_per_km2([38.0, 42.0, 46.0, 50.0])
    assert np.all(np.diff(dens) < 0)


def test_gcr_by_hand_at_noon():
    # 40°N, noon, winter solstice: sun at 90 - 40 - 23.44 = 26.56°; flat rows at tilt 30°
    expected = 1.0 / (np.cos(np.radians(30)) + np.sin(np.radians(30)) / np.tan(np.radians(26.56)))
    gcr = energy.pv_ground_coverage_ratio(40.0, tilt_deg=30.0, hours_from_noon=0.0)
    assert gcr == pytest.approx(expected, rel=1e-3)


def test_wind_density_from_spacing_by_hand():
    # 4.2 MW, 141 m rotor, 6 × 10 D: 4.2 / (0.846 × 1.41) MW/km²
    assert energy.wind_mw_per_km2(4200.0, 141.0) == pytest.approx(4.2 / (0.846 * 1.41), rel=1e-3)
    assert 2.0 <= energy.wind_mw_per_km2(3450.0, 117.0) <= 8.0


def test_supply_curve_carries_the_connection_and_point_use():
    from siting import supply

    bases = pd.DataFrame({"base_id": ["B001", "B002"], "league": ["包头市", "包头市"],
                          "cap_mw": [2000.0, 1000.0], "energy_gwh": [4000.0, 2500.0],
                          "lcoe": [0.25, 0.20], "conn_name": ["A", "A"], "conn_kv": [500, 500],
                          "conn_km": [10.0, 30.0], "conn_cap_mw": [3000.0, 3000.0],
                          "upg_mw": [0.0, 0.0]})
    curve = supply.supply_curve(bases)
    assert curve["base_id"].tolist() == ["B002", "B001"]
    assert curve["conn_km"].tolist() == [30.0, 10.0]
    use = supply.point_use(bases)
    assert use.loc[0, "used_mw"] == 3000.0 and use.loc[0, "left_mw"] == 0.0


# --- new 500 kV lines from the bases' own collector stations (grid.new_lines) -------

def points_kv(*specs):
    """Connection points (name, x km, capacity MW, kV) on the y = 2.5 km line."""
    table = points_at(*[s[:3] for s in specs])
    table["conn_kv"] = [float(s[3]) for s in specs]
    return table


def test_new_line_cost_by_hand():
    rules = NewLines(station_mw=3000.0, station_cny=450e6, line_cny_per_km=4.2e6)
    # 2 GW, 100 km: one station and one line = (450 M + 420 M) / 2 M kW
    assert new_line_cny_per_kw(2000.0, 100.0, rules) == pytest.approx(870e6 / 2e6)
    # 4 GW needs two stations and two lines
    assert new_line_cny_per_kw(4000.0, 100.0, rules) == pytest.approx(2 * 870e6 / 4e6)


def test_a_500kv_point_takes_its_upstream_from_the_nearest_uhv_station():
    pts = points_kv(("S220", 0.0, 300.0, 220), ("S500", 10.0, 2000.0, 500),
                    ("UHV_A", 30.0, 5000.0, 800), ("UHV_B", -100.0, 5000.0, 1000))
    trunk, up = upstream_points(pts)
    assert trunk.tolist() == [False, True, True, True]
    assert up.tolist() == [2, 2, 2, 3]  # S220 -> A too, but it is no trunk


def test_parcels_with_no_point_build_a_collector_and_a_line_to_the_nearest_trunk():
    # 3 parcels of 1 GW at x = 2.5, 7.5, 12.5 km; the only point within 100 km is a full
    # 220 kV one; a 500 kV station at 150 km and a UHV station (4 GW) beyond it
    short = row_of_parcels(3, 1000.0)
    pts = points_kv(("S220", 0.0, 0.0, 220), ("S500", 152.5, 2000.0, 500),
                    ("UHV", 300.0, 4000.0, 800))
    rules = NewLines(max_km=200.0)
    placed = form_bases(short, pts, max_gw=16.0, max_extent_km=80.0, new_lines=rules)
    assert placed["base_id"].tolist() == ["B001"] * 3
    assert placed["conn_id"].tolist() == ["C1"] * 3   # the new line ends at S500
    assert placed["lim_id"].tolist() == ["C2"] * 3    # and takes the UHV station's room
    assert placed["new_km"].tolist() == pytest.approx([150.0] * 3)  # from the first parcel
    assert placed["col_km"].tolist() == pytest.approx([0.0, 5.0, 10.0])
    assert placed["conn_km"].tolist() == pytest.approx([150.0, 155.0, 160.0])
    assert placed["new_cny_kw"].iloc[0] == pytest.approx(new_line_cny_per_kw(3000.0, 150.0,
                                                                             rules))
    off = form_bases(short, pts, max_gw=16.0, max_extent_km=80.0)
    assert off["base_id"].isna().all()  # without new lines nothing connects


def test_the_uhv_corridor_binds_new_lines_and_direct_connections_together():
    # 6 parcels of 1 GW; a UHV station at x = 0 with 4 GW: 2 GW connect directly
    # (within 8 km; the 12 km extent keeps each base to one parcel), the rest build
    # lines and take the 2 GW left at the same station, then nothing is left
    short = row_of_parcels(6, 1000.0)
    pts = points_kv(("UHV", 0.0, 4000.0, 800))
    placed = form_bases(short, pts, min_gw=1.0, max_gw=2.0, max_extent_km=12.0,
                        max_connection_km=8.0, new_lines=NewLines(max_km=200.0))
    took = placed.assign(cap=1000.0).groupby("lim_id")["cap"].sum()
    assert took.to_dict() == {"C0": 4000.0}
    assert placed["base_id"].notna().sum() == 4
    assert (placed["new_km"] > 0).sum() == 2


def test_a_trunk_beyond_the_longest_new_line_is_not_used():
    short = row_of_parcels(2, 1000.0)
    pts = points_kv(("S500", 252.5, 2000.0, 500))
    placed = form_bases(short, pts, new_lines=NewLines(max_km=200.0))
    assert placed["base_id"].isna().all()


def test_collector_bases_keep_the_capacity_and_extent_limits_and_dissolve_when_small():
    short = row_of_parcels(20, 500.0)  # 100 km long, 10 GW
    pts = points_kv(("UHV", 50.0, 100_000.0, 800))
    placed = form_bases(short, pts, min_gw=0.5, max_gw=3.0, max_extent_km=30.0,
                        max_connection_km=1.0, new_lines=NewLines(max_km=300.0))
    assert placed["base_id"].notna().all()
    for _, members in short.groupby(placed["base_id"].to_numpy()):
        assert members["cap_mw"].sum() <= 3000.0
        assert extent_km(shapely.union_all(members.geometry.to_numpy())) <= 30.0 + 1e-6
    small = form_bases(row_of_parcels(1, 500.0), pts, min_gw=1.0, max_connection_km=1.0,
                       new_lines=NewLines(max_km=300.0))
    assert small["base_id"].isna().all()


def test_collector_bases_are_the_same_whatever_the_row_order():
    rng = np.random.default_rng(11)
    short = row_of_parcels(30, 700.0)
    short["rank"] = rng.permutation(30) + 1
    pts = points_kv(("S220", 10.0, 300.0, 220), ("S500", 60.0, 2000.0, 500),
                    ("UHV", 200.0, 9000.0, 800))
    kw = {"max_gw": 4.0, "max_extent_km": 40.0, "max_connection_km": 20.0,
          "new_lines": NewLines()}
    first = form_bases(short, pts, **kw)
    again = form_bases(short.sample(frac=1.0, random_state=3),
                       pts.sample(frac=1.0, random_state=5), **kw)
    pd.testing.assert_frame_equal(first.sort_index(), again.sort_index())
    assert (first["new_km"] > 0).any()


def test_supply_curve_counts_each_limiting_point_along_the_curve():
    from siting import supply

    bases = pd.DataFrame({"base_id": ["B001", "B002", "B003"], "league": ["包头市"] * 3,
                          "cap_mw": [3000.0, 1000.0, 2000.0],
                          "energy_gwh": [6000.0, 2500.0, 5000.0], "lcoe": [0.25, 0.20, 0.22],
                          "conn_name": ["S500", "S500", "U"], "conn_kv": [500, 500, 800],
                          "conn_km": [150.0, 30.0, 10.0],
                          "conn_cap_mw": [2000.0, 2000.0, 6000.0],
                          "upg_mw": [0.0, 0.0, 0.0], "new_km": [140.0, 0.0, 0.0],
                          "lim_name": ["U", "S500", "U"],
                          "lim_cap_mw": [6000.0, 2000.0, 6000.0]})
    curve = supply.supply_curve(bases)
    assert curve["base_id"].tolist() == ["B002", "B003", "B001"]
    assert curve["lim_used_mw"].tolist() == [1000.0, 2000.0, 5000.0]
    use = supply.point_use(bases).set_index("conn_name")
    assert use.loc["U", "used_mw"] == 5000.0 and use.loc["U", "left_mw"] == 1000.0
    assert use.loc["S500", "used_mw"] == 1000.0


def test_connected_lcoe_swaps_the_nearest_line_for_the_assigned_connection():
    from siting import pipeline
    from siting import scenario as sc

    scenario = sc.Scenario()
    cost, grid = scenario.cost, scenario.grid
    short = pd.DataFrame({"lcoe": [0.20, 0.20], "grid_km": [10.0, 10.0],
                          "cap_mw": [1000.0, 1000.0], "flh": [2500.0, 2500.0]})
    placed = pd.DataFrame({"col_km": [30.0, 5.0], "upg_mw": [200.0, 0.0],
                           "new_cny_kw": [0.0, 300.0]})
    crf = float(energy.capital_recovery_factor(cost.discount_rate, cost.lifetime_years))
    per_kw = [cost.transmission_cny_per_mw_km / 1000.0 * 20.0
              + grid.upgrade_cny_per_kw * 200.0 / 1000.0,
              cost.transmission_cny_per_mw_km / 1000.0 * -5.0 + 300.0]
    expected = [0.20 + crf * k / 2500.0 for k in per_kw]
    assert pipeline.connected_lcoe(short, placed, scenario) == pytest.approx(expected)


def test_connection_bases_need_the_connection_points():
    from siting import pipeline
    from siting import scenario as sc

    with pytest.raises(SitingError, match="bases.method 'connection' needs the grid "
                                          "connection points") as err:
        pipeline.connect_bases(row_of_parcels(2, 1000.0), sc.Scenario(), None)
    assert "接入点" in err.value.zh
    contiguity = sc.from_dict({"bases": {"method": "contiguity"}})
    out = pipeline.connect_bases(row_of_parcels(2, 1000.0), contiguity, None)
    assert out["base_id"].tolist() == ["B001", "B001"]


def test_rank_by_lcoe_lets_the_cheapest_connected_parcel_claim_the_point():
    from siting import pipeline
    from siting import scenario as sc

    # A (rank 1) lies 90 km from the only point, B (rank 2) 5 km; the point takes one
    # parcel. Both screen at 0.20 CNY/kWh; A's connected LCOE is dearer, so ranking by
    # LCOE gives the point to B, ranking by score to A.
    short = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B"], "rank": [1, 2], "cap_mw": [1000.0, 1000.0],
         "lcoe": [0.20, 0.20], "grid_km": [5.0, 5.0], "flh": [2500.0, 2500.0]},
        geometry=[shapely.box(87.5 * KM, 0, 92.5 * KM, 5 * KM),
                  shapely.box(2.5 * KM, 0, 7.5 * KM, 5 * KM)], crs=ALBERS_CRS)
    pts = points_at(("P", 0.0, 1000.0)).assign(y=2.5 * KM, conn_kv=220.0)
    by_score = pipeline.connect_bases(short, sc.Scenario(), pts)
    assert by_score["base_id"].notna().tolist() == [True, False]
    by_lcoe = pipeline.connect_bases(short, sc.from_dict({"shortlist": {"rank_by": "lcoe"}}),
                                     pts)
    assert by_lcoe["base_id"].notna().tolist() == [False, True]
    assert by_lcoe["lcoe_b"].iloc[1] == pytest.approx(0.20)  # 5 km either way
