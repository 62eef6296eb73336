"""Issue 11 on the embedded region: the 300 GW preset, the east cap in every preset, the
border belt, and the cheapest capacity when ranked by LCOE.

One ``prepare`` (~20-30 s) serves every preset: they differ only in what
``evaluate`` reads (tech, bonuses, filters, targets), not in exclusions.
"""
import numpy as np
import pytest

from siting import pipeline
from siting import scenario as sc
from siting.scoring import BREAKDOWN_COLUMNS
from siting.shortlist import group_of_league

pytestmark = [pytest.mark.slow, pytest.mark.full_region]


@pytest.fixture(scope="module")
def prepared(default_prepared):
    return default_prepared


@pytest.fixture(scope="module")
def evaluate_with_points(prepared, bundled_inputs):
    """``pipeline.evaluate`` on the prepared region with the scenario's connection points
    (as ``pipeline.run`` and the CLI pass them)."""
    def run(scenario):
        return pipeline.evaluate(prepared, scenario,
                                 connections=pipeline.connection_points(bundled_inputs,
                                                                        scenario))
    return run


def east_gw(result):
    groups = result.scenario.targets.league_groups
    east = result.shortlist["league"].map(lambda name: group_of_league(name, groups)) == "east"
    return float(result.shortlist.loc[east, "cap_mw"].sum() / 1000.0)


@pytest.mark.parametrize("name", list(sc.PRESETS))
@pytest.mark.parametrize("rank_by", ["score", "lcoe"])
def test_the_east_cap_holds_in_every_preset(evaluate_with_points, name, rank_by):
    scenario = sc.preset(name)
    scenario.shortlist.rank_by = rank_by
    result = evaluate_with_points(scenario)
    cap = scenario.targets.group_caps_gw["east"]
    assert cap <= 0.1 * scenario.targets.target_gw + 1e-9
    assert east_gw(result) <= cap + 1e-6
    assert result.summary["by_group"]["east"]["capacity_gw"] <= cap + 1e-3


def test_300_gw_preset_reaches_300_gw_of_wind(evaluate_with_points):
    scenario = sc.preset("target_300gw")
    scenario.tech = "wind"
    s = evaluate_with_points(scenario).summary
    assert s["capacity_gw"] >= 300.0
    assert s["shortfall_gw"] == 0.0


def test_border_belt_keeps_the_alxa_and_bayannur_border(evaluate_with_points):
    result = evaluate_with_points(sc.preset("border_belt"))
    short = result.shortlist
    assert short["is_border"].all()
    for league in ("阿拉善盟", "巴彦淖尔市"):
        desert_border = short[(short["league"] == league) & (short["is_desert"] == 1)]
        assert len(desert_border) > 0, league


def test_rank_by_lcoe_takes_the_cheapest_eligible_capacity(evaluate_with_points):
    scenario = sc.Scenario(tech="solar")
    scenario.shortlist.rank_by = "lcoe"
    scenario.targets.group_caps_gw = {}
    result = evaluate_with_points(scenario)
    parcels, short = result.parcels, result.shortlist
    eligible = parcels[(parcels["score"] >= scenario.shortlist.min_score)
                       & (parcels["cap_mw"] > 0)]
    left_out = eligible[~eligible.index.isin(short.index)]
    assert np.nanmin(left_out["lcoe"]) >= np.nanmax(short["lcoe"])


def test_score_breakdown_adds_up_on_the_region(evaluate_with_points):
    result = evaluate_with_points(sc.Scenario(tech="hybrid"))
    parts = result.parcels[list(BREAKDOWN_COLUMNS)]
    total = np.clip(parts.sum(axis=1).to_numpy(), 0, 100)
    np.testing.assert_allclose(total, result.parcels["score"].to_numpy(), atol=0.006)
