"""Scores from the parcel feature table: monotonicity, exclusions, weights and re-scoring."""
import numpy as np
import pandas as pd
import pytest

from siting import scenario as sc
from siting.labels import why_column, why_text
from siting.scoring import (
    BREAKDOWN_COLUMNS,
    SCORE_MAX,
    WeightResult,
    available_km2,
    bonus_points,
    criteria_table,
    parse_why,
    resolve_weights,
    score_parcels,
    weighted_score,
    why_codes,
)


def features(n=1, seed=None, **columns):
    """A feature table of ``n`` parcels: mid-range values, or seeded random ones."""
    if seed is None:
        table = {"wind_ms": 7.0, "ghi_kwh": 1600.0, "grid_km": 50.0, "load_km": 200.0,
                 "slope_deg": 2.0, "desert_frac": 0.2, "sandy_frac": 0.1, "mine_frac": 0.0,
                 "border_km": 300.0, "area_km2": 25.0, "avail_w_km2": 20.0,
                 "avail_pv_km2": 18.0, "weibull_k": 2.2, "elev_m": 1200.0,
                 "x_redline_w": 0.2, "x_redline_pv": 0.2, "x_slope_w": 0.0,
                 "x_slope_pv": 0.08, "custom_frac": 0.0, "pvout_kwh": np.nan}
        table = {k: np.full(n, v, dtype=float) for k, v in table.items()}
    else:
        rng = np.random.default_rng(seed)
        shares = rng.dirichlet([1, 1, 1, 2], size=n)  # desert, sandy, mine, rest: sum 1
        x_redline = rng.choice([0.0, 0.3, 1.0], size=n)
        table = {"wind_ms": rng.uniform(3, 11, n), "ghi_kwh": rng.uniform(1200, 2000, n),
                 "grid_km": rng.uniform(0, 200, n), "load_km": rng.uniform(0, 500, n),
                 "slope_deg": rng.uniform(0, 20, n), "desert_frac": shares[:, 0],
                 "sandy_frac": shares[:, 1], "mine_frac": shares[:, 2],
                 "border_km": rng.uniform(0, 400, n), "area_km2": np.full(n, 25.0),
                 "avail_w_km2": 25.0 * (1 - x_redline), "avail_pv_km2": 25.0 * (1 - x_redline),
                 "weibull_k": rng.uniform(1.6, 2.6, n), "elev_m": rng.uniform(500, 2000, n),
                 "x_redline_w": x_redline, "x_redline_pv": x_redline,
                 "x_slope_w": np.zeros(n), "x_slope_pv": np.zeros(n),
                 "custom_frac": np.zeros(n), "pvout_kwh": np.full(n, np.nan)}
    table.update({k: np.broadcast_to(np.asarray(v, dtype=float), n).copy()
                  for k, v in columns.items()})
    return pd.DataFrame(table)


def scenario(tech="wind", **fields):
    return sc.from_dict({"tech": tech, **fields})


def score(parcels, scen, weights=None, lang="zh"):
    """Scores and the ``why`` worded in ``lang`` (the engine's codes through the labels)."""
    weights = weights or resolve_weights(scen.weights)
    scores, codes = score_parcels(parcels, scen, weights)
    return scores, np.array([why_text(c, lang) for c in codes], dtype=object)


def codes(parcels, scen):
    return score_parcels(parcels, scen, resolve_weights(scen.weights))[1]


# --- monotonicity ------------------------------------------------------------------------------


@pytest.mark.parametrize("tech", ["wind", "hybrid"])
def test_more_wind_never_lowers_a_wind_score(tech):
    base = features(400, seed=11)
    more = base.copy()
    more["wind_ms"] += np.random.default_rng(12).uniform(0, 3, len(base))
    before, _ = score(base, scenario(tech))
    after, _ = score(more, scenario(tech))
    assert np.all(after >= before)
    assert np.any(after > before)


def test_wind_sweep_scores_rise_between_the_bounds():
    sweep = features(60, wind_ms=np.linspace(2, 12, 60))
    scores, _ = score(sweep, scenario("wind"))
    assert np.all(np.diff(scores) >= 0)
    weight = sc.DEFAULT_WEIGHTS["resource"]
    assert scores[-1] - scores[0] == pytest.approx(weight * SCORE_MAX)  # the resource weight


@pytest.mark.parametrize("tech", ["solar", "hybrid"])
def test_more_ghi_never_lowers_a_solar_score(tech):
    base = features(400, seed=21)
    more = base.copy()
    more["ghi_kwh"] += np.random.default_rng(22).uniform(0, 300, len(base))
    before, _ = score(base, scenario(tech))
    after, _ = score(more, scenario(tech))
    assert np.all(after >= before)
    assert np.any(after > before)


def test_wind_does_not_change_a_solar_score():
    base = features(50, seed=31)
    windier = base.assign(wind_ms=base["wind_ms"] + 2)
    np.testing.assert_array_equal(score(base, scenario("solar"))[0],
                                  score(windier, scenario("solar"))[0])


@pytest.mark.parametrize("column, step", [("grid_km", 20.0), ("load_km", 50.0),
                                          ("slope_deg", 1.0)])
def test_farther_or_steeper_never_raises_a_score(column, step):
    base = features(300, seed=41)
    worse = base.assign(**{column: base[column] + step})
    for tech in ("wind", "solar"):
        assert np.all(score(worse, scenario(tech))[0] <= score(base, scenario(tech))[0])


def test_scores_stay_within_0_and_100():
    parcels = features(500, seed=51)
    generous = scenario("hybrid", encouragement={"desert_bonus": 50, "sandy_bonus": 50,
                                                 "mine_bonus": 50, "border_belt_bonus": 50})
    scores, _ = score(parcels, generous)
    assert scores.min() >= 0 and scores.max() <= SCORE_MAX
    assert scores.max() == SCORE_MAX  # the cap is reached


# --- exclusions and the why --------------------------------------------------------------------


def test_parcel_with_no_available_area_scores_zero_and_says_why():
    parcels = features(2, avail_w_km2=[0.0, 20.0], x_redline_w=[1.0, 0.2], x_slope_w=[0.0, 0.0])
    scores, why = score(parcels, scenario("wind"))
    assert scores[0] == 0.0 and scores[1] > 0
    assert "生态红线 100%" in why[0]
    assert why[0] == "可用地不足 (2 km²): 生态红线 100%"
    assert why[1] == "生态红线 20%"
    # the engine's own answer is codes: machine-readable, no words
    assert codes(parcels, scenario("wind")).tolist() == ["small_area:2;redline:1", "redline:0.2"]


def test_why_in_english():
    parcels = features(1, avail_w_km2=0.0, x_redline_w=1.0)
    _, why = score(parcels, scenario("wind"), lang="en")
    assert why.tolist() == ["too little available land (2 km²): red line 100%"]


def test_why_codes_list_shares_largest_first_above_the_floor():
    fractions = {"redline": np.array([0.3, 0.0, 0.004]), "slope": np.array([0.5, 0.0, 0.0]),
                 "water": np.array([0.3, 0.0, 0.0])}
    # ties keep the order given (the registry's); 0.4 % is below the 0.5 % floor
    assert why_codes(fractions).tolist() == ["slope:0.5;redline:0.3;water:0.3", "", ""]
    assert parse_why("small_area:2;redline:0.1234") == [("small_area", 2.0), ("redline", 0.1234)]
    assert parse_why("") == [] and parse_why("生态红线 100%") is None


def _why_codes_row_by_row(fractions, min_share=0.005):
    """The straightforward form of ``why_codes``: one row at a time."""
    names = list(fractions)
    out = []
    for r in range(len(fractions[names[0]])):
        shares = [(names[j], fractions[names[j]][r]) for j in range(len(names))]
        listed = sorted((s for s in shares if s[1] >= min_share), key=lambda s: -s[1])
        out.append(";".join(f"{n}:{round(float(v), 4):g}" for n, v in listed))
    return out


def test_why_codes_vectorised_equals_row_by_row():
    # ties (0.3/0.3), the floor (0.005 listed, 0.0049 not), NaN, 4-decimal rounding,
    # rows with one, two, three and no listed shares
    fractions = {"redline": np.array([0.3, 0.0, 0.005, np.nan, 0.12345, 1.0]),
                 "slope": np.array([0.5, 0.0049, 0.0, 0.2, 0.12345, 0.0]),
                 "water": np.array([0.3, np.nan, 0.7, 0.0, 0.99999, 0.0])}
    expected = _why_codes_row_by_row(fractions)
    assert expected[0] == "slope:0.5;redline:0.3;water:0.3" and expected[1] == ""
    assert why_codes(fractions).tolist() == expected


def test_why_column_words_repeated_codes_like_each_row_alone():
    table = pd.DataFrame({"why": ["redline:1", "slope:0.12", "redline:1", "", None, "redline:1"],
                          "synthetic": ["", "", "redline", "", "", ""]})
    assert why_column(table, "en") == [
        why_text(w, "en", synthetic_layers=s)
        for w, s in zip(table["why"], table["synthetic"], strict=True)]
    assert why_column(table, "en")[2] != why_column(table, "en")[0]  # synthetic is marked


def test_why_text_rounds_to_whole_percent_marks_synthetic_and_passes_text_through():
    assert why_text("slope:0.004") == "坡度 1%"  # never "0 %" for a named reason
    assert why_text("redline:0.126;slope:0.12", "en") == "red line 13%; slope 12%"
    assert why_text("small_area:2") == "可用地不足 (2 km²)"
    assert why_text("redline:1", synthetic_layers="redline;substations") == \
        "生态红线（合成数据） 100%"
    assert why_text("redline:1", "en", synthetic_layers=["redline"]) == \
        "red line (synthetic) 100%"
    assert why_text("可用地不足 (2 km2): 生态红线 100%") == "可用地不足 (2 km2): 生态红线 100%"
    table = pd.DataFrame({"why": ["redline:0.4", "", None], "synthetic": ["redline", "", None]})
    assert why_column(table) == ["生态红线（合成数据） 40%", "", ""]


def test_the_minimum_available_area_is_the_eligibility_line():
    parcels = features(3, avail_w_km2=[1.99, 2.0, 2.01])
    scores, _ = score(parcels, scenario("wind"))
    assert scores[0] == 0 and scores[1] > 0 and scores[2] > 0
    relaxed, _ = score(parcels, scenario("wind", exclusions={"min_available_km2": 0}))
    assert np.all(relaxed > 0)


def test_solar_uses_the_pv_exclusions_and_hybrid_the_stricter_of_both():
    parcels = features(1, avail_w_km2=20.0, avail_pv_km2=0.0, x_redline_w=0.2,
                       x_redline_pv=0.2, x_slope_pv=0.8)
    assert score(parcels, scenario("wind"))[0][0] > 0
    scores, why = score(parcels, scenario("solar"))
    assert scores[0] == 0 and why[0].endswith("坡度 80%; 生态红线 20%")
    assert available_km2(parcels, "hybrid").tolist() == [0.0]
    assert score(parcels, scenario("hybrid"))[0][0] == 0


def test_missing_resource_scores_zero():
    parcels = features(2, wind_ms=[np.nan, 7.0])
    scores, why = score(parcels, scenario("wind"))
    assert scores[0] == 0 and why[0] == "无资源数据"
    assert codes(parcels, scenario("wind"))[0] == "no_resource"
    assert scores[1] > 0


def test_missing_distance_never_raises_a_score():
    parcels = features(2, grid_km=[np.nan, 150.0])  # 150 km scores 0 on the grid criterion
    scores, _ = score(parcels, scenario("wind"))
    assert scores[0] == pytest.approx(scores[1])


# --- weights -----------------------------------------------------------------------------------


def ahp_weights(matrix):
    return resolve_weights(sc.Weights(mode="ahp", ahp_matrix=matrix))


def test_inconsistent_ahp_matrix_is_flagged():
    # resource ≫ grid ≫ load ≫ resource: a cycle no weights can satisfy
    m = np.ones((5, 5))
    for i, j in ((0, 1), (1, 2), (2, 0)):
        m[i, j], m[j, i] = 9.0, 1 / 9.0
    weights = ahp_weights(m.tolist())
    assert weights.consistency_ratio >= 0.1
    assert weights.consistent is False


def test_consistent_ahp_matrix():
    weights = ahp_weights(np.ones((5, 5)).tolist())
    assert weights.consistent is True
    assert weights.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(weights.values, 0.2)
    assert weights.names == sc.CRITERIA


def test_direct_weights_are_normalised_and_not_ahp():
    weights = resolve_weights(sc.Weights(direct={"resource": 3, "grid": 1}))
    assert weights.as_dict() == {"resource": 0.75, "grid": 0.25}
    assert weights.consistency_ratio is None and weights.consistent is True


def test_weighted_score_is_table_at_weights():
    rng = np.random.default_rng(61)
    table = rng.uniform(0, 1, size=(200, 5))
    table[rng.uniform(size=table.shape) < 0.1] = np.nan
    weights = rng.dirichlet(np.ones(5))
    bonus = rng.uniform(0, 30, 200)
    eligible = rng.uniform(size=200) > 0.2
    expected = np.zeros(200)
    for i in range(200):
        raw = sum(100 * w * (0.0 if np.isnan(x) else x)
                  for w, x in zip(weights, table[i], strict=True)) + bonus[i]
        expected[i] = min(max(raw, 0.0), 100.0) if eligible[i] else 0.0
    np.testing.assert_allclose(weighted_score(table, weights, bonus, eligible), expected,
                               rtol=1e-12, atol=1e-12)


def test_rescoring_with_new_weights_is_table_at_weights():
    parcels = features(300, seed=71)
    scen = scenario("wind")
    new = WeightResult(sc.CRITERIA, np.array([0.1, 0.5, 0.2, 0.1, 0.1]))
    scores, _ = score(parcels, scen, new)
    crit = criteria_table(parcels, scen)
    table = np.nan_to_num(np.column_stack([crit[name] for name in sc.CRITERIA]))
    eligible = (parcels["avail_w_km2"].to_numpy() >= 2.0) & np.isfinite(crit["resource"])
    # the encouragement criterion has weight: desert, sandy and mine bonuses are off
    bonus = bonus_points(parcels, scen.encouragement, encouragement_weight=0.1)
    direct = np.where(eligible, np.clip(100 * table @ new.values + bonus, 0, 100), 0)
    np.testing.assert_allclose(scores, direct, rtol=1e-12)
    assert not np.allclose(scores, score(parcels, scen)[0])  # the weights did matter


def test_bonus_points_by_hand():
    parcels = features(3, desert_frac=[1.0, 0.0, 0.5], sandy_frac=[0.0, 1.0, 0.0],
                       mine_frac=[0.0, 0.0, 0.5], border_km=[1.0, 30.0, 60.0])
    # defaults: desert 10, sandy 5, mine 10 points × share; 5 points within 2-50 km of the border
    np.testing.assert_allclose(bonus_points(parcels, sc.Encouragement()), [10.0, 10.0, 10.0])


def test_criteria_table_by_hand():
    parcels = features(1, ghi_kwh=1750.0, grid_km=30.0, load_km=100.0, slope_deg=1.0,
                       desert_frac=0.5, sandy_frac=0.3, mine_frac=0.4)
    crit = criteria_table(parcels, scenario("solar"))
    assert crit["resource"][0] == pytest.approx((1750 - 1300) / 600)
    assert crit["grid"][0] == pytest.approx(1 - 30 / 150)
    assert crit["load"][0] == pytest.approx(1 - 100 / 400)
    assert crit["slope"][0] == pytest.approx(1 - 1 / 5)  # PV slope limit 5°
    assert crit["encouragement"][0] == 1.0  # 0.5 + 0.3 + 0.4 capped at 1


# --- each preference counted once, and the score broken down -----------------------------------


def test_default_weights_sum_to_one_and_leave_encouraged_land_to_the_bonuses():
    assert sum(sc.DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    assert sc.DEFAULT_WEIGHTS["encouragement"] == 0.0


def test_a_weighted_encouragement_criterion_switches_the_land_bonuses_off():
    parcels = features(1, desert_frac=1.0, sandy_frac=0.0, mine_frac=0.0, border_km=30.0)
    enc = sc.Encouragement()
    assert bonus_points(parcels, enc).tolist() == [15.0]  # desert 10 + border belt 5
    # as a criterion the desert counts there; only the border belt stays a bonus
    assert bonus_points(parcels, enc, encouragement_weight=0.2).tolist() == [5.0]


def test_desert_is_counted_once_by_default():
    plain = features(1, desert_frac=0.0, sandy_frac=0.0)
    desert = features(1, desert_frac=1.0, sandy_frac=0.0)
    gain = score(desert, scenario("wind"))[0][0] - score(plain, scenario("wind"))[0][0]
    assert gain == pytest.approx(sc.DESERT_BONUS_POINTS)  # the bonus, nothing more


def breakdown_of(parcels, scen, weights=None):
    parts = {}
    weights = weights or resolve_weights(scen.weights)
    scores, _ = score_parcels(parcels, scen, weights, breakdown=parts)
    return scores, parts


@pytest.mark.parametrize("tech", ["wind", "solar", "hybrid"])
def test_breakdown_adds_up_to_the_score_before_capping(tech):
    parcels = features(400, seed=81, custom_frac=np.linspace(0, 1, 400))
    scen = scenario(tech, encouragement={"desert_bonus": 40, "mine_bonus": 40})
    scores, parts = breakdown_of(parcels, scen)
    assert set(parts) == set(BREAKDOWN_COLUMNS)
    assert all(len(name) <= 10 for name in parts)
    total = np.sum(np.column_stack([parts[c] for c in BREAKDOWN_COLUMNS]), axis=1)
    np.testing.assert_allclose(np.clip(total, 0, SCORE_MAX), scores, atol=1e-9)
    assert total.max() > SCORE_MAX  # some parcels were capped: the parts show by how much
    ineligible = scores == 0
    assert ineligible.any() and np.all(total[ineligible] == 0)


def test_breakdown_by_hand():
    # wind 7 m/s at 100 m → hub 110 m by the power law; the other parts are linear
    parcels = features(1, grid_km=30.0, load_km=100.0, slope_deg=3.0, desert_frac=0.5,
                       sandy_frac=0.0, mine_frac=0.2, border_km=10.0, custom_frac=0.0)
    scen = scenario("wind")
    _, parts = breakdown_of(parcels, scen)
    assert parts["s_grid"][0] == pytest.approx(100 * 0.25 * (1 - 30 / 150))
    assert parts["s_load"][0] == pytest.approx(100 * 0.10 * (1 - 100 / 400))
    assert parts["s_slope"][0] == pytest.approx(100 * 0.10 * (1 - 3 / 15))
    assert parts["s_enc"][0] == 0.0
    assert parts["b_desert"][0] == pytest.approx(5.0)
    assert parts["b_mine"][0] == pytest.approx(2.0)
    assert parts["b_border"][0] == pytest.approx(5.0)
    assert parts["b_sandy"][0] == parts["b_custom"][0] == 0.0


def test_word_table_words_a_copy_and_leaves_the_engine_table_as_codes():
    from siting.labels import word_table

    table = pd.DataFrame({"why": ["small_area:2;redline:1"], "score": [0.0]})
    worded = word_table(table, "zh")
    assert worded["why"].tolist() == ["可用地不足 (2 km²): 生态红线 100%"]
    assert table["why"].tolist() == ["small_area:2;redline:1"]
    assert word_table(table.drop(columns="why")).columns.tolist() == ["score"]
