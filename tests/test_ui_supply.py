"""App-facing ranking views: supply curve, policy glance, both orders, breakdown."""
import pandas as pd
import pytest

from siting.shortlist import league_totals
from tests.test_export import make_result
from ui import results
from ui import supply as views


@pytest.fixture(scope="module")
def result():
    return make_result()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_supply_table_and_chart(result, lang):
    table = views.supply_table(result, lang)
    assert len(table) == len(result.bases)
    chart = views.supply_chart(result, lang).to_dict()
    assert len(chart["layer"]) == 2  # the curve and the target line


def test_policy_table_reads_the_summary(result):
    table = views.policy_table(result.summary, "en")
    assert table["item"].tolist()[:3] == ["west", "centre", "east"]
    assert table.loc[2, "note"] == "cap 20 GW"  # the default east cap
    assert len(table) == 3 + 5


def test_orders_table_side_by_side(result):
    lcoe = dict(result.summary, capacity_gw=1.234)
    table = views.orders_table(result.summary, lcoe, "en")
    assert list(table.columns) == ["", "ranked by score", "ranked by LCOE"]
    total = table.set_index("").loc["total GW"]
    assert total["ranked by LCOE"] == "1.2"


def test_breakdown_table_adds_up(result):
    row = result.parcels.iloc[0].copy()
    row["s_res"], row["s_grid"], row["b_desert"] = 50.0, 20.0, 10.0
    row["score"] = 80.0
    table = views.breakdown_table(row, "zh")
    assert table["分值"].iloc[-2] == pytest.approx(80.0)  # total before the cap
    assert table["分值"].iloc[-1] == pytest.approx(80.0)


def test_shortfall_note(result):
    # four parcels hold 3.4 GW of the 200 GW target: eligible land ran out
    assert result.summary["shortfall_gw"] == pytest.approx(196.6)
    assert "196.6 GW short" in views.shortfall_note(result.summary, "en")
    met = dict(result.summary, shortfall_gw=0.0)
    assert views.shortfall_note(met, "zh") == ""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_league_table_and_chart_show_league_targets(result, lang):
    leagues = league_totals(result.shortlist, all_leagues=["鄂尔多斯市", "阿拉善盟"],
                            league_targets_gw={"阿拉善盟": 1.4})
    table = results.league_table(leagues, lang)
    assert any("目标 GW" in c or "league target" in c for c in table.columns)
    assert "layer" in results.league_chart(leagues, lang).to_dict()
    plain = results.league_table(league_totals(result.shortlist,
                                               all_leagues=["阿拉善盟"]), lang)
    assert isinstance(plain, pd.DataFrame) and len(plain.columns) == 6


def test_comparison_chart_draws_one_curve_per_scenario(result):
    chart = views.comparison_chart({"A": result, "B": result}, "zh").to_dict()
    assert chart["encoding"]["color"]["field"] == "scenario"
    data = next(iter(chart["datasets"].values()))
    n_bases = len(result.bases)
    assert [row["scenario"] for row in data].count("A") == 2 * n_bases  # two ends a step
    assert {row["scenario"] for row in data} == {"A", "B"}
