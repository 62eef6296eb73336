"""A weight change re-uses what no weight changes (issue 15), and changes no result.

``pipeline.evaluate`` keeps weight-independent pieces in ``memo`` (the app keeps one
memo per prepared table). On the small fixture region, an evaluation with a warm memo
must equal an evaluation from scratch, for a weight change and for changes of the
sections the memo is keyed by (cost, energy, capacity).
"""
from __future__ import annotations

import pandas as pd
import pytest

from siting import pipeline
from siting import scenario as sc


def assert_same_result(warm, cold):
    """Every table and the summary equal, to the last bit and in the same order."""
    for part in ("parcels", "shortlist", "bases"):
        pd.testing.assert_frame_equal(getattr(warm, part).to_wkb(), getattr(cold, part).to_wkb(),
                                      check_exact=True)
    pd.testing.assert_frame_equal(warm.leagues, cold.leagues, check_exact=True)
    assert warm.summary == cold.summary


def evaluate(prepared, scenario, inputs, memo):
    return pipeline.evaluate(prepared, scenario, provenance=inputs.provenance, memo=memo,
                             connections=pipeline.connection_points(inputs, scenario))


@pytest.mark.parametrize("tech", ["wind", "solar", "hybrid"])
def test_weight_change_with_a_warm_memo_equals_a_fresh_evaluation(tech, small_inputs,
                                                                  small_prepared):
    scenario = sc.Scenario(tech=tech)
    memo: dict = {}
    evaluate(small_prepared, scenario, small_inputs, memo)
    changed = scenario.model_copy(deep=True)
    changed.weights.direct["resource"] = 0.60
    changed.weights.direct["encouragement"] = 0.05
    warm = evaluate(small_prepared, changed, small_inputs, memo)
    cold = evaluate(small_prepared, changed, small_inputs, None)
    assert_same_result(warm, cold)
    # the weights did change the scores, so the comparison is not between two equal runs
    first = evaluate(small_prepared, scenario, small_inputs, memo)
    assert not first.parcels["score"].equals(warm.parcels["score"])


@pytest.mark.parametrize("change", [
    {"cost": {"pv_capex_cny_per_kw": 2500.0, "wind_capex_cny_per_kw": 3500.0}},
    {"energy": {"curtailment": 0.12}},
    {"capacity": {"density_rule": "fixed"}},
    {"shortlist": {"rank_by": "lcoe"}},
])
def test_other_settings_with_a_warm_memo_equal_a_fresh_evaluation(change, small_inputs,
                                                                   small_prepared):
    scenario = sc.Scenario(tech="hybrid")
    memo: dict = {}
    evaluate(small_prepared, scenario, small_inputs, memo)
    changed = sc.from_dict({"tech": "hybrid", **change})
    warm = evaluate(small_prepared, changed, small_inputs, memo)
    cold = evaluate(small_prepared, changed, small_inputs, None)
    assert_same_result(warm, cold)


def test_the_memo_keeps_a_bounded_number_of_parcel_tables(small_inputs, small_prepared):
    memo: dict = {}
    for capex in (3000.0, 3200.0, 3400.0):
        evaluate(small_prepared, sc.from_dict({"cost": {"wind_capex_cny_per_kw": capex}}),
                 small_inputs, memo)
    tables = [key for key in memo if isinstance(key, tuple) and key[0] == "fixed"]
    assert len(tables) == pipeline.FIXED_KEEP
    # the newest setting is among those kept: evaluating it again adds nothing
    evaluate(small_prepared, sc.from_dict({"cost": {"wind_capex_cny_per_kw": 3400.0}}),
             small_inputs, memo)
    assert [key for key in memo if isinstance(key, tuple) and key[0] == "fixed"] == tables
