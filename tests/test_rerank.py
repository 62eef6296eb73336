"""The other ranking order from the scored table (``siting.rerank``) equals a full
``pipeline.evaluate`` with that order (issue 15, app interactions)."""
import pandas as pd

from siting import pipeline, rerank
from siting import scenario as sc


def _evaluate(prepared, inputs, scenario):
    return pipeline.evaluate(prepared, scenario, provenance=inputs.provenance,
                             connections=pipeline.connection_points(inputs, scenario))


def _same(a, b):
    assert a.scenario == b.scenario
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(pd.DataFrame(a.parcels.drop(columns="geometry")),
                                  pd.DataFrame(b.parcels.drop(columns="geometry")))
    assert list(a.shortlist.index) == list(b.shortlist.index)
    pd.testing.assert_frame_equal(pd.DataFrame(a.bases.drop(columns="geometry")),
                                  pd.DataFrame(b.bases.drop(columns="geometry")))
    pd.testing.assert_frame_equal(a.leagues, b.leagues)


def test_reselect_equals_a_full_evaluate_in_the_other_order(small_inputs, small_prepared):
    # hybrid: wind and PV columns both enter the cost the LCOE order ranks by
    by_score = sc.from_dict({"tech": "hybrid", "shortlist": {"rank_by": "score"}})
    by_lcoe = sc.from_dict({"tech": "hybrid", "shortlist": {"rank_by": "lcoe"}})
    scored = _evaluate(small_prepared, small_inputs, by_score)
    costed = _evaluate(small_prepared, small_inputs, by_lcoe)
    # the two orders choose differently, or the test would prove nothing
    assert list(scored.shortlist.index) != list(costed.shortlist.index)
    _same(rerank.reselect(scored), costed)
    _same(rerank.reselect(costed), scored)
    _same(rerank.reselect(scored, "score"), scored)


def test_reselect_with_contiguity_bases(small_inputs, small_prepared):
    """Bases that merge touching parcels (bases.method contiguity): the re-rank does too."""
    scenario = sc.from_dict({"shortlist": {"rank_by": "score"},
                             "bases": {"method": "contiguity"}})
    scored = pipeline.evaluate(small_prepared, scenario, provenance=small_inputs.provenance)
    other = scenario.model_copy(deep=True)
    other.shortlist.rank_by = "lcoe"
    _same(rerank.reselect(scored),
          pipeline.evaluate(small_prepared, other, provenance=small_inputs.provenance))


def test_other_rank_by():
    assert rerank.other_rank_by("score") == "lcoe"
    assert rerank.other_rank_by("lcoe") == "score"
