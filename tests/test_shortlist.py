"""Ranking, shortlist filters and per-league totals against the target."""
import numpy as np
import pandas as pd
import pytest

from siting.shortlist import (
    DEFAULT_LEAGUE_GROUPS,
    TARGET_2030_GW,
    group_of_league,
    league_totals,
    rank,
    select_shortlist,
)


def test_rank_is_descending_and_ties_keep_input_order():
    assert rank([50.0, 80.0, 50.0, 0.0, 80.0]).tolist() == [3, 1, 4, 5, 2]


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


def test_shortlist_size():
    assert ids(select_shortlist(parcels_table(), size=2)) == ["a", "b"]


def test_shortlist_filters_by_league_and_land_type():
    table = parcels_table()
    assert ids(select_shortlist(table, leagues=["阿拉善盟"], min_score=0)) == ["a", "c", "e"]
    assert ids(select_shortlist(table, land_types=["desert"], min_score=0)) == ["a", "d", "e"]
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
