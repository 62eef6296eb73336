"""Direct weights and AHP: eigenvector weights, consistency ratio, matrix validation."""
import numpy as np
import pytest

from siting.errors import SitingError
from siting.weights import (
    AHP_CR_LIMIT,
    SAATY_RANDOM_INDEX,
    ahp,
    ahp_from_upper,
    is_consistent,
    matrix_from_pairs,
    normalise,
    pairs_from_matrix,
    pairs_from_weights,
    saaty_code,
    worst_pairs,
)

# --- direct weights --------------------------------------------------------------------------


def test_normalise_sums_to_one_and_keeps_order():
    out = normalise({"wind": 3, "grid": 1, "slope": 0})
    assert list(out) == ["wind", "grid", "slope"]
    assert out == pytest.approx({"wind": 0.75, "grid": 0.25, "slope": 0.0})


@pytest.mark.parametrize("weights, match", [
    ({"wind": 1, "grid": -1}, "'grid'.*>= 0"),
    ({"wind": float("nan")}, "'wind'"),
    ({"wind": float("inf")}, "'wind'"),
    ({"wind": "heavy"}, "'wind' must be a number"),
    ({"wind": None}, "'wind' must be a number"),
    ({"wind": 0, "grid": 0}, "all 0"),
    ({}, "empty"),
])
def test_bad_weights_are_refused_by_name(weights, match):
    with pytest.raises(SitingError, match=match):
        normalise(weights)


# --- AHP -----------------------------------------------------------------------------------


def _consistent(weights):
    w = np.asarray(weights, dtype=float)
    return w[:, None] / w[None, :]


def test_consistent_matrix_gives_exact_ratios_and_zero_cr():
    true = np.array([0.4, 0.3, 0.2, 0.1])
    weights, cr = ahp(_consistent(true))
    np.testing.assert_allclose(weights, true, atol=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-10)
    # geometric-mean approximation is exact on a consistent matrix
    geo = np.exp(np.log(_consistent(true)).mean(axis=1))
    np.testing.assert_allclose(weights, geo / geo.sum(), atol=1e-12)


def test_textbook_three_criteria_example():
    """Classic Saaty example: weights ≈ (0.637, 0.258, 0.105), CR ≈ 0.033."""
    weights, cr = ahp([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    np.testing.assert_allclose(weights, [0.637, 0.258, 0.105], atol=1e-3)
    assert cr == pytest.approx(0.033, abs=1e-3)
    assert is_consistent(cr)


def test_matches_power_iteration_on_an_inconsistent_matrix():
    a = np.array([[1, 3, 7, 2], [1 / 3, 1, 4, 1 / 2], [1 / 7, 1 / 4, 1, 1 / 5],
                  [1 / 2, 2, 5, 1]])
    w = np.ones(4) / 4
    for _ in range(200):
        w = a @ w
        w /= w.sum()
    lambda_max = (a @ w / w).mean()
    expected_cr = (lambda_max - 4) / 3 / 0.90
    weights, cr = ahp(a)
    np.testing.assert_allclose(weights, w, atol=1e-10)
    assert cr == pytest.approx(expected_cr, rel=1e-8)
    assert weights.sum() == pytest.approx(1.0)
    assert np.all(weights > 0)


def test_cyclic_preferences_are_flagged():
    """A ≫ B ≫ C ≫ A: the weights are equal and the matrix is badly inconsistent."""
    a = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    weights, cr = ahp(a)
    np.testing.assert_allclose(weights, [1 / 3] * 3, atol=1e-9)
    assert cr >= AHP_CR_LIMIT
    assert not is_consistent(cr)


def test_one_and_two_criteria_have_zero_cr():
    weights, cr = ahp([[1]])
    assert weights.tolist() == [1.0] and cr == 0.0
    weights, cr = ahp([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(weights, [0.75, 0.25])
    assert cr == 0.0


def test_rounded_reciprocals_are_accepted():
    weights, _ = ahp([[1, 3, 5], [0.33, 1, 3], [0.2, 0.33, 1]])
    np.testing.assert_allclose(weights, [0.637, 0.258, 0.105], atol=2e-3)


def test_is_consistent_threshold():
    assert is_consistent(0.0999)
    assert not is_consistent(0.1)
    assert is_consistent(0.15, limit=0.2)


def test_random_index_table():
    assert len(SAATY_RANDOM_INDEX) == 15
    assert SAATY_RANDOM_INDEX[3] == 0.58 and SAATY_RANDOM_INDEX[10] == 1.49


@pytest.mark.parametrize("matrix, match", [
    ([[1, 2, 3], [0.5, 1, 2]], r"square .*shape \(2, 3\)"),
    ([1, 2, 3], "square"),
    (np.ones((2, 2, 2)), "square"),
    (np.empty((0, 0)), "square"),
    ([["a", "b"], ["c", "d"]], "table of numbers"),
    ([[1, -2], [-0.5, 1]], r"row 0, column 1 is -2.*positive"),
    ([[1, 0], [np.inf, 1]], r"row 0, column 1 is 0"),
    ([[1, np.nan], [1, 1]], r"row 0, column 1 is nan"),
    ([[1, 20], [0.05, 1]], r"row 0, column 1 is 20.*1/9 to 9"),
    ([[2, 1], [1, 1]], r"diagonal .*\(0, 0\) is 2"),
    ([[1, 3], [3, 1]], r"not reciprocal.*row 0, column 1 is 3.*1/3 = 0.3333"),
    (np.ones((16, 16)), "at most 15"),
])
def test_bad_matrices_are_refused_with_the_cell(matrix, match):
    with pytest.raises(SitingError, match=match):
        ahp(matrix)


def test_labels_name_the_criteria_in_messages():
    with pytest.raises(SitingError, match=r"row 1 \(grid\), column 2 \(slope\) is 4"):
        ahp([[1, 2, 3], [0.5, 1, 4], [1 / 3, 1 / 2, 1]], labels=["wind", "grid", "slope"])
    with pytest.raises(SitingError, match="labels has 2 names"):
        ahp(np.ones((3, 3)), labels=["wind", "grid"])


# --- the pairwise editor's arithmetic (moved from ui.controls) ---

@pytest.mark.parametrize("ratio, code", [(1.0, "1"), (3.0, "3"), (0.45 / 0.15, "3"),
                                         (0.10 / 0.45, "1/5"), (2.25, "2"), (20.0, "9"),
                                         (1 / 20, "1/9"), (1 / 3, "1/3")])
def test_saaty_snapping_on_a_log_scale(ratio, code):
    # 0.10/0.45 = 0.222: |ln .222 - ln .2| = 0.105 < |ln .222 - ln .25| = 0.118
    assert saaty_code(ratio) == code


def test_pairs_from_the_default_weights():
    weights = [0.45, 0.20, 0.10, 0.10, 0.15]
    pairs = pairs_from_weights(weights)
    assert len(pairs) == 10
    assert pairs[(0, 1)] == "2"      # 0.45/0.20 = 2.25
    assert pairs[(0, 2)] == "5"      # 4.5 → 5 (ln 4.5 is nearer ln 5 than ln 4)
    assert pairs[(2, 3)] == "1"      # 0.10/0.10
    assert pairs[(3, 4)] == "1/2"    # 0.10/0.15 = 0.667
    assert pairs_from_weights([1, 0])[(0, 1)] == "9"
    assert pairs_from_weights([0, 0])[(0, 1)] == "1"


def test_full_matrix_is_derived_from_the_upper_triangle():
    pairs = {(0, 1): "3", (0, 2): "1/5", (1, 2): "1"}
    m = matrix_from_pairs(pairs, 3)
    np.testing.assert_allclose(m, [[1, 3, 0.2], [1 / 3, 1, 1], [5, 1, 1]])
    assert pairs_from_matrix(m) == pairs


def test_seeding_from_weights_keeps_their_order_and_near_their_values():
    weights = np.array([0.45, 0.20, 0.10, 0.10, 0.15])
    matrix = matrix_from_pairs(pairs_from_weights(weights), len(weights))
    derived, ratio = ahp(matrix)
    assert ratio < 0.1
    assert np.argmax(derived) == 0 and derived == pytest.approx(weights, abs=0.05)


def test_worst_pair_is_the_contradiction():
    # a > b (3), b > c (3) but c > a (3): a cycle; every pair is equally wrong,
    # so make one judgement extreme and it must come first
    pairs = {(0, 1): "3", (1, 2): "3", (0, 2): "1/9"}
    matrix = matrix_from_pairs(pairs, 3)
    weights, ratio = ahp(matrix)
    assert ratio > 0.1
    assert worst_pairs(matrix, weights, count=1) == [(0, 2)]


def test_upper_triangle_completes_to_a_reciprocal_matrix():
    upper = np.array([[1.0, 3.0, 0.2], [0.0, 1.0, 7.0], [0.0, 0.0, 1.0]])
    full = ahp_from_upper(upper)
    np.testing.assert_allclose(full * full.T, np.ones((3, 3)))
    np.testing.assert_allclose(full, [[1, 3, 0.2], [1 / 3, 1, 7], [5, 1 / 7, 1]])
