"""Widget ranges from the Scenario model and the AHP editor's arithmetic (pure)."""
import math

import numpy as np
import pytest

from siting import scenario as sc
from ui import controls


def test_every_numeric_widget_range_is_the_model_bound():
    numeric = controls.numeric_paths()
    assert "w_ex_redline_buf" in numeric and "w_target" in numeric
    for key, path in numeric.items():
        rng = controls.field_range(path)
        assert rng.min < rng.max and rng.step > 0, key
        info = controls.model_field(path)
        if path.startswith("weights.direct."):
            assert (rng.min, rng.max) == (0.0, sc.WEIGHT_MAX)
            continue
        if getattr(info.annotation, "__origin__", None) is dict:  # e.g. a group's cap
            extra = info.json_schema_extra
            assert (rng.min, rng.max) == (extra["item_ge"], extra["item_le"]), key
            continue
        bounds = {type(m).__name__: m for m in info.metadata}
        assert rng.min == bounds["Ge"].ge and rng.max == bounds["Le"].le, key


def test_hand_checked_ranges():
    assert controls.field_range("exclusions.redline_buffer_km") == controls.Range(0, 20, 0.5)
    assert controls.field_range("cost.lifetime_years").kwargs() == {
        "min_value": 5, "max_value": 50, "step": 1}
    assert controls.field_range("targets.target_gw").kwargs() == {
        "min_value": 1.0, "max_value": 5000.0, "step": 10.0}


def test_a_model_value_at_the_bound_is_valid_and_beyond_it_is_not():
    rng = controls.field_range("exclusions.redline_buffer_km")
    sc.from_dict({"exclusions": {"redline_buffer_km": rng.max}})
    with pytest.raises(sc.SitingError, match="redline_buffer_km"):
        sc.from_dict({"exclusions": {"redline_buffer_km": rng.max + rng.step}})


def test_radio_options_come_from_the_model():
    assert controls.field_options("tech") == ("wind", "solar", "hybrid")
    assert controls.field_options("bases.contiguity") == ("queen", "rook")


def test_seed_values_fills_missing_keys_and_forces_on_language_change():
    base = sc.Scenario(tech="solar").model_dump(mode="json")
    state = {"w_tech": "hybrid"}
    assert controls.seed_values(base, state, force=False).get("w_tech") is None
    assert controls.seed_values(base, state, force=False)["w_ex_border"] == 2.0
    assert controls.seed_values(base, state, force=True)["w_tech"] == "solar"


@pytest.mark.parametrize("ratio, code", [(1.0, "1"), (3.0, "3"), (0.45 / 0.15, "3"),
                                         (0.10 / 0.45, "1/5"), (2.25, "2"), (20.0, "9"),
                                         (1 / 20, "1/9"), (1 / 3, "1/3")])
def test_saaty_snapping_on_a_log_scale(ratio, code):
    # 0.10/0.45 = 0.222: |ln .222 - ln .2| = 0.105 < |ln .222 - ln .25| = 0.118
    assert controls.saaty_code(ratio) == code


def test_pairs_from_the_default_weights():
    weights = [0.45, 0.20, 0.10, 0.10, 0.15]
    pairs = controls.pairs_from_weights(weights)
    assert len(pairs) == 10
    assert pairs[(0, 1)] == "2"      # 0.45/0.20 = 2.25
    assert pairs[(0, 2)] == "5"      # 4.5 → 5 (ln 4.5 is nearer ln 5 than ln 4)
    assert pairs[(2, 3)] == "1"      # 0.10/0.10
    assert pairs[(3, 4)] == "1/2"    # 0.10/0.15 = 0.667
    assert controls.pairs_from_weights([1, 0])[(0, 1)] == "9"
    assert controls.pairs_from_weights([0, 0])[(0, 1)] == "1"


def test_full_matrix_is_derived_from_the_upper_triangle():
    pairs = {(0, 1): "3", (0, 2): "1/5", (1, 2): "1"}
    m = controls.matrix_from_pairs(pairs, 3)
    np.testing.assert_allclose(m, [[1, 3, 0.2], [1 / 3, 1, 1], [5, 1, 1]])
    assert controls.pairs_from_matrix(m) == pairs


def test_seeding_from_weights_keeps_their_order_and_near_their_values():
    from siting.weights import ahp

    weights = np.array([0.45, 0.20, 0.10, 0.10, 0.15])
    matrix = controls.matrix_from_pairs(controls.pairs_from_weights(weights), len(weights))
    derived, ratio = ahp(matrix)
    assert ratio < 0.1
    assert np.argmax(derived) == 0 and derived == pytest.approx(weights, abs=0.05)


def test_worst_pair_is_the_contradiction():
    # a > b (3), b > c (3) but c > a (3): a cycle; every pair is equally wrong,
    # so make one judgement extreme and it must come first
    pairs = {(0, 1): "3", (1, 2): "3", (0, 2): "1/9"}
    matrix = controls.matrix_from_pairs(pairs, 3)
    from siting.weights import ahp

    weights, ratio = ahp(matrix)
    assert ratio > 0.1
    assert controls.worst_pairs(matrix, weights, count=1) == [(0, 2)]


def test_fraction_text_and_copy_name():
    assert controls.fraction_text(3.0) == "3" and controls.fraction_text(1 / 7) == "1/7"
    assert controls.copy_name("方案", [], suffix="副本") == "方案 副本"
    assert controls.copy_name("方案", ["方案 副本", "方案 副本 2"], suffix="副本") == "方案 副本 3"
    assert math.isclose(controls.SAATY_VALUES["1/9"], 1 / 9)
