"""Criterion weights: direct weights normalised to sum 1, or AHP from a pairwise matrix.

AHP weights are the principal eigenvector of Saaty's pairwise comparison
matrix; its consistency ratio CR = CI / RI is flagged when CR ≥ 0.1.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.errors import SitingError

#: Consistency ratio at or above which an AHP matrix is flagged as inconsistent
#: (Saaty 1980, The Analytic Hierarchy Process; design.md "CR >= 0.1 is flagged").
AHP_CR_LIMIT = 0.1

#: Saaty's random consistency index RI by matrix order n = 1..15: the mean CI of random
#: reciprocal matrices on the 1/9..9 scale. n = 1-10 from Saaty (1980); n = 11-15 as
#: commonly tabulated after Saaty (e.g. Saaty 2000, "Fundamentals of Decision Making") ⚠️.
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
    10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
#: Relative tolerance of the reciprocal check a_ji · a_ij = 1: 5 % accepts reciprocals rounded
#: to two decimals (0.33 for 1/3, 0.13 for 1/8 → 1.04) while catching real mistakes.
AHP_RECIPROCAL_RTOL = 0.05
#: Saaty's scale runs from 1/9 to 9; entries beyond it are refused as likely typos.
AHP_SCALE_MAX = 9.0


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    """Scale direct criterion weights so they sum to 1.

    Parameters
    ----------
    weights : mapping of str to float
        Criterion name → weight, any non-negative scale (e.g. percent or 1-10).

    Returns
    -------
    dict of str to float
        Same keys and order, values summing to 1.
    """
    if not weights:
        raise SitingError("weights is empty: give at least one criterion a positive weight",
                          zh="权重为空：请至少给一个指标正的权重")
    values: dict[str, float] = {}
    for name, weight in weights.items():
        try:
            value = float(weight)
        except (TypeError, ValueError) as err:
            raise SitingError(f"weight {name!r} must be a number, got {weight!r}",
                              zh=f"权重 {name!r} 须为数字，当前为 {weight!r}") from err
        if not math.isfinite(value) or value < 0:
            raise SitingError(f"weight {name!r} must be a finite number >= 0, got {weight!r}; "
                              "use 0 to switch a criterion off",
                              zh=f"权重 {name!r} 须为有限且 >= 0 的数，当前为 {weight!r}；"
                                 "用 0 可关闭某一指标")
        values[name] = value
    total = sum(values.values())
    if total <= 0:
        raise SitingError(f"weights {sorted(values)} are all 0: give at least one criterion "
                          "a positive weight",
                          zh=f"权重 {sorted(values)} 全为 0：请至少给一个指标正的权重")
    return {name: value / total for name, value in values.items()}


def _label(index: int, labels: Sequence[str] | None) -> str:
    return f"{index} ({labels[index]})" if labels is not None else str(index)


def _validate(matrix: ArrayLike, labels: Sequence[str] | None) -> NDArray[np.float64]:
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as err:
        raise SitingError(f"AHP matrix must be a square table of numbers, got {matrix!r}",
                          zh=f"AHP 判断矩阵须为数字组成的方表，当前为 {matrix!r}") from err
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise SitingError(f"AHP matrix must be square (n × n criteria), got shape {a.shape}",
                          zh=f"AHP 判断矩阵须为方阵（n × n 个指标），当前形状为 {a.shape}")
    n = a.shape[0]
    if n > max(SAATY_RANDOM_INDEX):
        raise SitingError(f"AHP matrix has {n} criteria; Saaty's random index is tabulated "
                          f"for at most {max(SAATY_RANDOM_INDEX)}: group criteria hierarchically",
                          zh=f"AHP 判断矩阵有 {n} 个指标；Saaty 随机一致性指标最多只列到 "
                             f"{max(SAATY_RANDOM_INDEX)} 个：请分层分组指标")
    if labels is not None and len(labels) != n:
        raise SitingError(f"labels has {len(labels)} names for a {n} × {n} AHP matrix",
                          zh=f"labels 有 {len(labels)} 个名称，而 AHP 判断矩阵为 {n} × {n}")
    for i, j in zip(*np.nonzero(~np.isfinite(a) | (a <= 0)), strict=True):
        raise SitingError(f"AHP matrix cell row {_label(i, labels)}, column "
                          f"{_label(j, labels)} is {a[i, j]:g}; entries must be positive "
                          "numbers on Saaty's 1/9..9 scale",
                          zh=f"AHP 判断矩阵第 {_label(i, labels)} 行、第 {_label(j, labels)} 列为 "
                             f"{a[i, j]:g}；各项须为 Saaty 1/9..9 标度上的正数")
    for i, j in zip(*np.nonzero(a > AHP_SCALE_MAX * (1 + AHP_RECIPROCAL_RTOL)), strict=True):
        raise SitingError(f"AHP matrix cell row {_label(i, labels)}, column "
                          f"{_label(j, labels)} is {a[i, j]:g}; Saaty's scale runs from "
                          f"1/9 to {AHP_SCALE_MAX:g}",
                          zh=f"AHP 判断矩阵第 {_label(i, labels)} 行、第 {_label(j, labels)} 列为 "
                             f"{a[i, j]:g}；Saaty 标度范围为 1/9 至 {AHP_SCALE_MAX:g}")
    for i in range(n):
        if not math.isclose(a[i, i], 1.0, rel_tol=AHP_RECIPROCAL_RTOL):
            raise SitingError(f"AHP matrix diagonal cell ({_label(i, labels)}, "
                              f"{_label(i, labels)}) is {a[i, i]:g}; a criterion compared "
                              "with itself must be 1",
                              zh=f"AHP 判断矩阵对角线单元（{_label(i, labels)}, "
                                 f"{_label(i, labels)}）为 {a[i, i]:g}；指标与自身比较须为 1")
    product = a * a.T
    for i, j in zip(*np.nonzero(~np.isclose(product, 1.0, rtol=AHP_RECIPROCAL_RTOL,
                                             atol=0.0)), strict=True):
        if i < j:
            raise SitingError(f"AHP matrix is not reciprocal: cell row {_label(i, labels)}, "
                              f"column {_label(j, labels)} is {a[i, j]:g} but cell "
                              f"row {_label(j, labels)}, column {_label(i, labels)} is "
                              f"{a[j, i]:g}; set it to 1/{a[i, j]:g} = "
                              f"{1 / a[i, j]:.4g} (fill only the upper triangle and "
                              "derive the lower one)",
                              zh=f"AHP 判断矩阵不互反：第 {_label(i, labels)} 行、第 "
                                 f"{_label(j, labels)} 列为 {a[i, j]:g}，但第 {_label(j, labels)} "
                                 f"行、第 {_label(i, labels)} 列为 {a[j, i]:g}；请将其设为 "
                                 f"1/{a[i, j]:g} = {1 / a[i, j]:.4g}（只填上三角，下三角由其推出）")
    return a


def ahp(matrix: ArrayLike, *, labels: Sequence[str] | None = None
        ) -> tuple[NDArray[np.float64], float]:
    """Criterion weights and consistency ratio from a pairwise comparison matrix.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Saaty pairwise comparisons: ``a[i, j]`` is how much more important
        criterion i is than j on the 1/9..9 scale; ``a[j, i] = 1 / a[i, j]``
        (within 5 %), diagonal 1. At most 15 criteria.
    labels : sequence of str, optional
        Criterion names, used only in error messages.

    Returns
    -------
    weights : ndarray of float, shape (n,)
        Principal right eigenvector (real part), normalised to sum 1.
    consistency_ratio : float
        ``CR = (λmax − n) / (n − 1) / RI(n)``, dimensionless; 0 for n ≤ 2.
        Check it with :func:`is_consistent`.
    """
    a = _validate(matrix, labels)
    n = a.shape[0]
    eigenvalues, eigenvectors = np.linalg.eig(a)
    # Perron-Frobenius: a positive matrix has a real, largest, simple eigenvalue.
    principal = int(np.argmax(eigenvalues.real))
    vector = eigenvectors[:, principal].real
    weights = vector / vector.sum()
    if n <= 2:
        return weights, 0.0
    lambda_max = float(eigenvalues[principal].real)
    consistency_index = (lambda_max - n) / (n - 1)
    return weights, max(consistency_index / SAATY_RANDOM_INDEX[n], 0.0)


def is_consistent(consistency_ratio: float, *, limit: float = AHP_CR_LIMIT) -> bool:
    """Whether an AHP consistency ratio is acceptable (CR < ``limit``, default 0.1).

    Parameters
    ----------
    consistency_ratio : float
        CR from :func:`ahp`, dimensionless.
    limit : float, optional
        Threshold; CR at or above it is flagged (:data:`AHP_CR_LIMIT`).

    Returns
    -------
    bool
    """
    return bool(consistency_ratio < limit)


# --- the pairwise editor's arithmetic ----------------------------------------------

#: Saaty's 1-9 scale and its reciprocals, as codes (widget values) and numbers.
SAATY_CODES = tuple([f"1/{n}" for n in range(9, 1, -1)] + [str(n) for n in range(1, 10)])
SAATY_VALUES = {code: (1.0 / int(code[2:]) if code.startswith("1/") else float(code))
                for code in SAATY_CODES}
def saaty_code(ratio: float) -> str:
    """The Saaty value nearest to ``ratio`` (compared on a log scale), as a code.

    Ratios beyond 9 or below 1/9 snap to 9 and 1/9.
    """
    if not ratio > 0 or not math.isfinite(ratio):
        raise ValueError(f"a pairwise ratio must be positive and finite, got {ratio!r}")
    target = math.log(ratio)
    return min(SAATY_CODES, key=lambda c: abs(math.log(SAATY_VALUES[c]) - target))


def criteria_pairs(n: int) -> list[tuple[int, int]]:
    """The (i, j) pairs of the upper triangle, i < j (n criteria → n(n-1)/2 pairs)."""
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def pairs_from_weights(weights) -> dict[tuple[int, int], str]:
    """Upper-triangle judgements implied by direct weights: w_i / w_j snapped to Saaty.

    A zero weight has no ratio: it is judged as weak as the scale allows
    (1/9 against a positive weight, 1 against another zero).
    """
    w = [float(v) for v in weights]
    out = {}
    for i, j in criteria_pairs(len(w)):
        if w[i] > 0 and w[j] > 0:
            out[(i, j)] = saaty_code(w[i] / w[j])
        elif w[i] == w[j]:
            out[(i, j)] = "1"
        else:
            out[(i, j)] = "9" if w[i] > w[j] else "1/9"
    return out


def pairs_from_matrix(matrix) -> dict[tuple[int, int], str]:
    """Upper-triangle judgements of a pairwise matrix, snapped to Saaty codes."""
    matrix = np.asarray(matrix, dtype=float)
    return {(i, j): saaty_code(matrix[i, j]) for i, j in criteria_pairs(matrix.shape[0])}


def matrix_from_pairs(pairs: dict[tuple[int, int], str], n: int) -> np.ndarray:
    """The full reciprocal matrix (diagonal 1) from upper-triangle Saaty codes."""
    upper = np.ones((n, n))
    for (i, j), code in pairs.items():
        upper[i, j] = SAATY_VALUES[code]
    return ahp_from_upper(upper)


def worst_pairs(matrix, weights, *, count: int = 3) -> list[tuple[int, int]]:
    """The judgements that disagree most with the derived weights, worst first.

    A judgement a_ij is compared with the ratio the weights imply, w_i / w_j,
    on a log scale; the largest gaps are the ones to revise when CR ≥ 0.1.
    """
    matrix = np.asarray(matrix, dtype=float)
    weights = np.asarray(weights, dtype=float)
    gaps = [(abs(math.log(matrix[i, j] * weights[j] / weights[i])), (i, j))
            for i, j in criteria_pairs(len(weights))]
    return [pair for _, pair in sorted(gaps, key=lambda g: -g[0])[:count]]


def ahp_from_upper(upper: np.ndarray) -> np.ndarray:
    """Complete a pairwise matrix from its upper triangle (reciprocal, diagonal 1)."""
    upper = np.asarray(upper, dtype=float)
    n = upper.shape[0]
    full = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            full[i, j] = upper[i, j]
            full[j, i] = 1.0 / upper[i, j]
    return full
