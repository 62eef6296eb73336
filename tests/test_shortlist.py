"""Ranking, shortlist filters and per-league totals against the target."""
import numpy as np
import pandas as pd
import pytest

from siting.errors import SitingError
from siting.labels import shortfall_text
from siting.shortlist import (
    DEFAULT_LEAGUE_GROUPS,
    TARGET_2030_GW,
    group_of_league,
    group_totals,
    land_flags,
    league_totals,
    map_subset,
    policy_glance,
    rank,
    select_shortlist,
    shortfall_gw,
    shortfall_message,
)


def test_rank_is_descending_and_ties_go_to_the_lower_lcoe_then_the_better_resource():
    scores = [50.0, 80.0, 50.0, 0.0, 80.0, 50.0]
    lcoe = [0.20, 0.15, 0.18, 0.10, 0.16, 0.18]
    flh = [3000.0, 3000.0, 2800.0, 3500.0, 3000.0, 3100.0]
    ranks = rank(scores, lcoe, flh)
    # 80s: 0.15 before 0.16; 50s: 0.18 with 3100 h, 0.18 with 2800 h, then 0.20; 0 last
    assert ranks.tolist() == [5, 1, 4, 6, 2, 3]


def test_rank_by_lcoe_puts_cheapest_scored_parcels_first():
    scores = [50.0, 80.0, 60.0, 0.0]
    lcoe = [0.12, 0.15, 0.12, 0.05]  # the cheapest parcel scores 0: it ranks last
    flh = [2500.0, 3000.0, 2600.0, 3500.0]
    assert rank(scores, lcoe, flh, by="lcoe").tolist() == [2, 3, 1, 4]


def test_rank_never_depends_on_input_order():
    rng = np.random.default_rng(5)
    n = 300
    scores = rng.integers(0, 4, n) * 25.0  # many exact ties
    lcoe = rng.choice([0.15, 0.16, np.nan], n)
    flh = rng.choice([2500.0, 2600.0], n)
    ids = np.array([f"P{i:06d}" for i in range(n)])
    for by in ("score", "lcoe"):
        ranks = rank(scores, lcoe, flh, by=by, ids=ids)
        perm = rng.permutation(n)
        shuffled = rank(scores[perm], lcoe[perm], flh[perm], by=by, ids=ids[perm])
        assert np.array_equal(shuffled, ranks[perm])


def test_rank_by_an_unknown_order():
    with pytest.raises(SitingError, match=r"rank_by 'cost' is not one of \('score', 'lcoe'\)"):
        rank([1.0], by="cost")


def test_rank_is_a_permutation():
    scores = np.random.default_rng(7).integers(0, 5, size=200).astype(float)
    ranks = rank(scores)
    assert sorted(ranks) == list(range(1, 201))
    # a better score never gets a worse rank
    order = np.argsort(ranks)
    assert np.all(np.diff(scores[order]) <= 0)


def test_rank_of_nothing():
    assert rank([]).size == 0


def parcels_table():
    """Six parcels, already ranked by score."""
    table = pd.DataFrame({
        "parcel_id": ["a", "b", "c", "d", "e", "f"],
        "score": [90.0, 80.0, 70.0, 60.0, 40.0, 0.0],
        "league": ["阿拉善盟", "包头市", "阿拉善盟", "赤峰市", "阿拉善盟", "包头市"],
        "land_type": ["desert", "mine", "other", "desert", "desert", "other"],
        "cap_mw": [100.0, 200.0, 300.0, 400.0, 500.0, 0.0],
        "energy_gwh": [150.0, 300.0, 450.0, 600.0, 750.0, 0.0],
        # flags overlap: e is desert and border land, c is border land only
        "is_desert": [1, 0, 0, 1, 1, 0], "is_sandy": [0, 0, 0, 0, 0, 0],
        "is_mine": [0, 1, 0, 0, 0, 0], "is_border": [0, 0, 1, 0, 1, 0],
    })
    table["rank"] = rank(table["score"])
    return table.sample(frac=1.0, random_state=3)  # input order must not matter


def ids(frame):
    return frame["parcel_id"].tolist()


def test_shortlist_is_best_first_above_the_minimum_score():
    assert ids(select_shortlist(parcels_table())) == ["a", "b", "c", "d"]
    assert ids(select_shortlist(parcels_table(), min_score=75)) == ["a", "b"]


def test_zero_score_never_enters():
    assert "f" not in ids(select_shortlist(parcels_table(), min_score=0))


def test_zero_capacity_never_enters():
    table = parcels_table()
    table.loc[table["parcel_id"] == "a", "cap_mw"] = 0.0
    assert ids(select_shortlist(table)) == ["b", "c", "d"]


def test_map_subset_thins_the_drawing_only():
    short = select_shortlist(parcels_table())
    assert ids(map_subset(short, 2)) == ["a", "b"]
    assert ids(short) == ["a", "b", "c", "d"]


def test_shortlist_filters_by_league_and_land_type():
    table = parcels_table()
    assert ids(select_shortlist(table, leagues=["阿拉善盟"], min_score=0)) == ["a", "c", "e"]
    assert ids(select_shortlist(table, land_types=["desert"], min_score=0)) == ["a", "d", "e"]
    # the border belt keeps e although its main type is desert
    assert ids(select_shortlist(table, land_types=["border"], min_score=0)) == ["c", "e"]
    assert ids(select_shortlist(table, land_types=["mine", "border"], min_score=0)) == \
        ["b", "c", "e"]
    assert ids(select_shortlist(table, leagues=["阿拉善盟"], land_types=["desert"],
                                min_score=0)) == ["a", "e"]
    assert ids(select_shortlist(table, leagues=[], land_types=[])) == ["a", "b", "c", "d"]


def test_max_capacity_keeps_the_parcel_that_crosses_the_line():
    table = parcels_table()
    # cumulative 100, 300, 600, 1000: 250 MW is crossed by b
    assert ids(select_shortlist(table, max_capacity_mw=250)) == ["a", "b"]
    # exactly reached by b: c would start beyond the limit
    assert ids(select_shortlist(table, max_capacity_mw=300)) == ["a", "b"]
    assert ids(select_shortlist(table, max_capacity_mw=10_000)) == ["a", "b", "c", "d"]
    assert ids(select_shortlist(table, max_capacity_mw=1)) == ["a"]


def test_group_of_league():
    assert group_of_league("阿拉善盟", DEFAULT_LEAGUE_GROUPS) == "west"
    assert group_of_league("锡林郭勒盟", DEFAULT_LEAGUE_GROUPS) == "central"
    assert group_of_league("兴安盟", DEFAULT_LEAGUE_GROUPS) == "east"
    assert group_of_league("北京市", DEFAULT_LEAGUE_GROUPS) == ""


def test_default_groups_hold_the_twelve_leagues_once():
    members = [m for group in DEFAULT_LEAGUE_GROUPS.values() for m in group]
    assert len(members) == len(set(members)) == 12


def test_league_totals_shares_of_the_target():
    short = select_shortlist(parcels_table(), min_score=0)  # a, b, c, d, e
    all_leagues = ["阿拉善盟", "包头市", "赤峰市", "呼伦贝尔市"]
    table = league_totals(short, all_leagues=all_leagues, target_gw=2.0)
    assert table.index.tolist() == ["阿拉善盟", "赤峰市", "包头市", "呼伦贝尔市"]  # by capacity
    alxa = table.loc["阿拉善盟"]
    assert alxa["n_parcels"] == 3
    assert alxa["cap_gw"] == pytest.approx(0.9)
    assert alxa["energy_twh"] == pytest.approx(1.35)
    assert alxa["share_of_target"] == pytest.approx(0.45)
    assert alxa["group"] == "west"
    assert table["share_of_target"].sum() == pytest.approx(1.5 / 2.0)


def test_league_with_nothing_shows_zero():
    short = select_shortlist(parcels_table(), min_score=0)
    table = league_totals(short, all_leagues=["阿拉善盟", "呼伦贝尔市"])
    empty = table.loc["呼伦贝尔市"]
    assert (empty["n_parcels"], empty["cap_gw"], empty["energy_twh"],
            empty["share_of_target"]) == (0, 0.0, 0.0, 0.0)
    assert empty["group"] == "east"
    assert table.loc["阿拉善盟", "share_of_target"] == pytest.approx(0.9 / TARGET_2030_GW)


def test_league_totals_of_an_empty_shortlist():
    short = select_shortlist(parcels_table(), min_score=100)
    assert short.empty
    table = league_totals(short, all_leagues=["包头市", "赤峰市"], groups={})
    assert table["cap_gw"].tolist() == [0.0, 0.0]
    assert table["group"].tolist() == ["", ""]


# --- sized by capacity, group caps, the cheapest capacity ---------------------------------------


def cost_table(n=60, seed=9):
    """``n`` parcels in three groups with random capacity, LCOE and score (some tied)."""
    rng = np.random.default_rng(seed)
    leagues = rng.choice(["阿拉善盟", "包头市", "赤峰市"], n)  # west, central, east
    table = pd.DataFrame({
        "parcel_id": [f"P{i:03d}" for i in range(n)], "league": leagues,
        "score": rng.choice([0.0, 40.0, 60.0, 80.0, 100.0], n),
        "cap_mw": rng.choice([50.0, 75.0, 100.0], n), "lcoe": rng.uniform(0.1, 0.3, n).round(2),
        "flh": rng.uniform(2000, 3500, n).round(-2)})
    table["energy_gwh"] = table["cap_mw"] * table["flh"] / 1000
    for kind in ("desert", "sandy", "mine", "border"):
        table[f"is_{kind}"] = rng.integers(0, 2, n)
    return table


def shortlist_of(table, by="score", **options):
    table = table.assign(rank=rank(table["score"], table["lcoe"], table["flh"], by=by,
                                   ids=table["parcel_id"]))
    return select_shortlist(table, **options)


@pytest.mark.parametrize("by", ["score", "lcoe"])
def test_shuffling_the_parcels_changes_nothing(by):
    table = cost_table()
    options = {"min_score": 50, "max_capacity_mw": 1500.0, "group_caps_mw": {"east": 300.0}}
    first = shortlist_of(table, by, **options)
    for seed in range(5):
        shuffled = table.sample(frac=1.0, random_state=seed)
        assert ids(shortlist_of(shuffled, by, **options)) == ids(first)


def test_rank_by_lcoe_takes_the_cheapest_eligible_capacity():
    table = cost_table(200)
    short = shortlist_of(table, "lcoe", min_score=50, max_capacity_mw=3000.0)
    eligible = table[(table["score"] >= 50) & (table["cap_mw"] > 0)]
    left_out = eligible[~eligible["parcel_id"].isin(short["parcel_id"])]
    assert len(left_out) and len(short)
    # no eligible parcel left out is cheaper than one taken
    assert left_out["lcoe"].min() >= short["lcoe"].max()


def test_shortlist_stops_at_the_target_capacity():
    table = cost_table(200)
    short = shortlist_of(table, min_score=50, max_capacity_mw=3000.0)
    total = short["cap_mw"].sum()
    assert 3000.0 <= total < 3000.0 + short["cap_mw"].iloc[-1]
    everything = shortlist_of(table, min_score=50)
    assert everything["cap_mw"].sum() > total


def test_group_cap_holds_and_the_rest_still_reaches_the_target():
    table = cost_table(200)
    short = shortlist_of(table, "lcoe", min_score=50, max_capacity_mw=4000.0,
                         group_caps_mw={"east": 500.0})
    east = short["league"] == "赤峰市"
    assert 0 < short.loc[east, "cap_mw"].sum() <= 500.0
    assert short["cap_mw"].sum() >= 4000.0
    # the east takes its best parcels up to the cap
    east_ranked = shortlist_of(table, "lcoe", min_score=50)
    east_ranked = east_ranked[east_ranked["league"] == "赤峰市"]
    assert ids(short[east]) == ids(east_ranked)[:int(east.sum())]


def test_a_zero_cap_keeps_a_group_out():
    short = shortlist_of(cost_table(), min_score=0, group_caps_mw={"east": 0.0})
    assert not (short["league"] == "赤峰市").any()


def test_shortfall():
    assert shortfall_gw(180.0, 200.0) == pytest.approx(20.0)
    assert shortfall_gw(210.0, 200.0) == 0.0
    assert shortfall_gw(10.0, None) == 0.0
    summary = {"capacity_gw": 180.0, "goal_gw": 200.0, "shortfall_gw": 20.0}
    assert "20.0 GW short of the 200.0 GW goal" in shortfall_text(summary, "en")
    assert "还差 20.0 GW" in shortfall_text(summary, "zh")
    assert shortfall_text({**summary, "shortfall_gw": 0.0}) == ""
    # the old name stays for one release and says the same
    assert shortfall_message(summary, "en") == shortfall_text(summary, "en")


def test_land_flags_overlap():
    flags = land_flags([0.5, 0.1, 0.3], [0.0, 0.4, 0.0], [0.0, 0.0, 0.3], [True, False, True])
    assert flags["is_desert"].tolist() == [1, 0, 1]
    assert flags["is_sandy"].tolist() == [0, 1, 0]
    assert flags["is_mine"].tolist() == [0, 0, 1]
    assert flags["is_border"].tolist() == [1, 0, 1]


def test_league_targets_and_shares():
    short = select_shortlist(parcels_table(), min_score=0)  # a, b, c, d, e
    table = league_totals(short, all_leagues=["阿拉善盟", "包头市"],
                          league_targets_gw={"阿拉善盟": 1.8})
    assert table.loc["阿拉善盟", "league_target_gw"] == 1.8
    assert table.loc["阿拉善盟", "share_of_league_target"] == pytest.approx(0.5)
    assert np.isnan(table.loc["包头市", "league_target_gw"])
    assert np.isnan(table.loc["包头市", "share_of_league_target"])


def test_group_totals_by_hand():
    short = select_shortlist(parcels_table(), min_score=0)  # a, b, c, d, e
    groups = group_totals(short, target_gw=2.0, group_caps_gw={"east": 1.0})
    assert list(groups) == ["west", "central", "east"]
    assert groups["west"]["capacity_gw"] == pytest.approx(0.9)  # a, c, e
    assert groups["central"]["capacity_gw"] == pytest.approx(0.2)  # b
    assert groups["east"]["capacity_gw"] == pytest.approx(0.4)  # d
    assert groups["east"]["cap_gw"] == 1.0 and groups["west"]["cap_gw"] is None
    assert groups["west"]["share_of_capacity"] == pytest.approx(0.6)
    assert groups["west"]["share_of_target"] == pytest.approx(0.45)


def test_policy_glance_by_hand():
    short = select_shortlist(parcels_table(), min_score=0)  # a, b, c, d, e: 1,500 MW
    glance = policy_glance(short)
    assert glance["gw"] == {"west": 0.9, "central": 0.2, "east": 0.4}
    share = glance["share"]
    assert share["desert"] == pytest.approx(1000 / 1500, abs=1e-4)  # a, d, e
    assert share["mine"] == pytest.approx(200 / 1500, abs=1e-4)  # b
    assert share["border"] == pytest.approx(800 / 1500, abs=1e-4)  # c, e
    assert share["any"] == pytest.approx(1.0)
    assert share["sandy"] == 0.0
