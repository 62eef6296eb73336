"""Scores from the (parcels × criteria) table: normalise, weight, add bonuses.

Re-scoring after a weight change is ``table @ weights`` plus a few vector
operations: no raster or geometry work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from siting import criteria as cr
from siting import registry
from siting.tech import kinds
from siting.weights import ahp, is_consistent, normalise

SCORE_MAX = 100.0
#: ``why`` code of a parcel without resource data (NaN wind or sun).
NO_RESOURCE = "no_resource"
#: ``why`` code of a parcel with too little available land; its value is the
#: minimum, km² (``exclusions.min_available_km2``).
SMALL_AREA = "small_area"
#: An exclusion is named in ``why`` when it covers at least this share of the parcel.
WHY_MIN_SHARE = 0.005
#: Decimals kept of a share in ``why`` (0.0001 of a 25 km² parcel is 2,500 m²).
WHY_DECIMALS = 4
#: One ``why``: ``code`` or ``code:number``, joined by ";" (e.g. "small_area:2;redline:1").
_WHY = re.compile(r"^(?:[a-z_]+(?::[-+0-9.eE]+)?)(?:;[a-z_]+(?::[-+0-9.eE]+)?)*$")


@dataclass(frozen=True)
class WeightResult:
    """Normalised weights in criterion order, with the AHP consistency ratio if used."""

    names: tuple[str, ...]
    values: np.ndarray
    consistency_ratio: float | None = None

    @property
    def consistent(self) -> bool:
        """False when AHP was used and CR ≥ 0.1 (the user must be told)."""
        return self.consistency_ratio is None or is_consistent(self.consistency_ratio)

    def as_dict(self) -> dict[str, float]:
        """{criterion: weight}."""
        return dict(zip(self.names, map(float, self.values), strict=True))


def resolve_weights(weights_cfg) -> WeightResult:
    """Weights of a scenario: direct (normalised) or AHP (eigenvector + CR)."""
    names = tuple(weights_cfg.direct)
    if weights_cfg.mode == "ahp":
        values, ratio = ahp(np.asarray(weights_cfg.ahp_matrix, dtype=float), labels=names)
        return WeightResult(names, np.asarray(values, dtype=float), float(ratio))
    norm = normalise(weights_cfg.direct)
    return WeightResult(names, np.array([norm[n] for n in names]))


def tech_columns(tech: str) -> tuple[str, ...]:
    """Which capacity kinds a technology builds: ('w',), ('pv',) or both
    (``siting.tech.kinds``; kept for callers of this name)."""
    return kinds(tech)


def wind_hub_speed(parcels, scenario) -> np.ndarray:
    """Mean wind speed at hub height, m/s, from the 100 m layer by the power law."""
    return cr.extrapolate_speed(parcels["wind_ms"].to_numpy(), cr.WIND_LAYER_HEIGHT_M,
                                scenario.energy.hub_height_m,
                                alpha=scenario.energy.wind_shear_exponent)


def criteria_table(parcels, scenario) -> dict[str, np.ndarray]:
    """Each criterion normalised to 0-1 (NaN where its input is missing).

    resource: wind at hub height (wind), solar yield (solar: the user's PVOUT
    where given, else GHI), or their mean (hybrid);
    grid, load: nearer is better; slope: flatter is better, 0 at the limit;
    encouragement: share of desert/gobi, sandy or mine-restoration land.
    """
    b = scenario.bounds
    wind = cr.linear(wind_hub_speed(parcels, scenario), *b.wind_speed_ms)
    pvout = parcels["pvout_kwh"].to_numpy()
    solar = np.where(np.isfinite(pvout), cr.linear(pvout, *b.pv_yield_kwh_kwp),
                     cr.linear(parcels["ghi_kwh"].to_numpy(), *b.ghi_kwh_m2))
    resource = {"wind": wind, "solar": solar, "hybrid": (wind + solar) / 2}[scenario.tech]
    limits = {"wind": scenario.exclusions.slope_max_wind_deg,
              "solar": scenario.exclusions.slope_max_pv_deg,
              "hybrid": min(scenario.exclusions.slope_max_wind_deg,
                            scenario.exclusions.slope_max_pv_deg)}
    encouraged = np.clip(parcels["desert_frac"].to_numpy() + parcels["sandy_frac"].to_numpy()
                         + parcels["mine_frac"].to_numpy(), 0, 1)
    return {"resource": resource,
            "grid": cr.inverse_linear(parcels["grid_km"].to_numpy(), *b.grid_km),
            "load": cr.inverse_linear(parcels["load_km"].to_numpy(), *b.load_km),
            "slope": cr.inverse_linear(parcels["slope_deg"].to_numpy(), 0.0, limits[scenario.tech]),
            "encouragement": encouraged}


#: Score-breakdown column of each weighted criterion (≤ 10 characters, Shapefile-safe).
CRITERION_COLUMNS = {"resource": "s_res", "grid": "s_grid", "load": "s_load",
                     "slope": "s_slope", "encouragement": "s_enc"}
#: Score-breakdown column of each encouragement bonus.
BONUS_COLUMNS = ("b_desert", "b_sandy", "b_mine", "b_border", "b_custom")
#: Every breakdown column, in the order they add up to the score.
BREAKDOWN_COLUMNS = tuple(CRITERION_COLUMNS.values()) + BONUS_COLUMNS
#: Land shares the ``encouragement`` criterion measures: when it carries weight, their
#: bonuses are not added (each preference is counted once, design.md scoring model 4).
CRITERION_LAND = ("b_desert", "b_sandy", "b_mine")


def in_border_belt(border_km, belt_km) -> np.ndarray:
    """True where the distance to the border lies within the belt (lo ≤ d ≤ hi, km)."""
    border = np.asarray(border_km, dtype=float)
    lo, hi = belt_km
    return (border >= lo) & (border <= hi)


def bonus_breakdown(parcels, encouragement, *, encouragement_weight: float = 0.0
                    ) -> dict[str, np.ndarray]:
    """Encouragement bonus per parcel and land kind, score points.

    When the ``encouragement`` criterion has a weight above 0 it already counts
    desert/gobi, sandy and mine land, so those three bonuses are 0: a preference
    is a criterion or a bonus, never both. Border belt and custom zones are
    bonuses only.
    """
    as_criterion = encouragement_weight > 0
    belt = in_border_belt(parcels["border_km"].to_numpy(), encouragement.border_belt_km)
    points = {"b_desert": encouragement.desert_bonus * parcels["desert_frac"].to_numpy(),
              "b_sandy": encouragement.sandy_bonus * parcels["sandy_frac"].to_numpy(),
              "b_mine": encouragement.mine_bonus * parcels["mine_frac"].to_numpy(),
              "b_border": encouragement.border_belt_bonus * belt.astype(float),
              "b_custom": encouragement.custom_bonus * parcels["custom_frac"].to_numpy()}
    if as_criterion:
        for column in CRITERION_LAND:
            points[column] = np.zeros(len(parcels))
    return points


def bonus_points(parcels, encouragement, *, encouragement_weight: float = 0.0) -> np.ndarray:
    """Encouragement bonus per parcel, score points (the sum of :func:`bonus_breakdown`)."""
    parts = bonus_breakdown(parcels, encouragement, encouragement_weight=encouragement_weight)
    return np.sum(np.column_stack(list(parts.values())), axis=1)


def available_km2(parcels, tech: str) -> np.ndarray:
    """Available area for the technology, km² (hybrid: land open to both)."""
    cols = [f"avail_{c}_km2" for c in kinds(tech)]
    return np.min(np.column_stack([parcels[c].to_numpy() for c in cols]), axis=1)


def weighted_score(table: np.ndarray, weights: np.ndarray, bonus: np.ndarray,
                   eligible: np.ndarray) -> np.ndarray:
    """100 × table @ weights + bonus, capped to 0-100; 0 where not eligible.

    Missing criteria (NaN) count as 0 so a gap never raises a score.
    """
    if np.isnan(table).any():
        table = np.nan_to_num(table, nan=0.0)
    raw = table @ weights  # a new array: the operations below work in place on it
    raw *= SCORE_MAX
    raw += bonus
    np.clip(raw, 0.0, SCORE_MAX, out=raw)
    raw[~np.asarray(eligible, dtype=bool)] = 0.0
    return raw


def _number(value: float) -> str:
    return f"{round(float(value), WHY_DECIMALS):g}"


def why_codes(fractions: dict[str, np.ndarray], *, min_share: float = WHY_MIN_SHARE
              ) -> np.ndarray:
    """The exclusions covering each parcel as codes, largest share first.

    Parameters
    ----------
    fractions : dict
        ``{exclusion id: share of each parcel it excludes (0-1)}``, in the
        order ties are listed.

    Returns
    -------
    numpy.ndarray of str, e.g. ``"redline:1;slope:0.12"``; "" where no share
    reaches ``min_share``. ``siting.labels.why_text`` turns it into words.
    """
    names = list(fractions)
    if not names:
        return np.array([], dtype=object)
    table = np.column_stack([np.asarray(fractions[n], dtype=float) for n in names])
    out = np.full(len(table), "", dtype=object)
    rows = np.flatnonzero((table >= min_share).any(axis=1))
    if len(rows) == 0:
        return out
    # vectorised: each listed share is worded once per distinct value, then the
    # "name:share" parts are joined position by position (largest share first)
    order = np.argsort(-table[rows], axis=1, kind="stable")
    shares = np.take_along_axis(table[rows], order, axis=1)
    listed = shares >= min_share
    slot = np.cumsum(listed, axis=1) - 1  # position of each listed part in its row
    values, inverse = np.unique(shares[listed], return_inverse=True)
    worded = np.array([_number(v) for v in values], dtype=object)
    labels = np.array([f"{name}:" for name in names], dtype=object)
    parts = np.full((len(rows), int(slot.max()) + 1), "", dtype=object)
    r, c = np.nonzero(listed)
    parts[r, slot[r, c]] = labels[order[r, c]] + worded[inverse.ravel()]
    joined = parts[:, 0]
    count = listed.sum(axis=1)
    for position in range(1, parts.shape[1]):
        more = count > position
        joined[more] = joined[more] + ";" + parts[more, position]
    out[rows] = joined
    return out


def parse_why(why: str) -> list[tuple[str, float | None]] | None:
    """``"small_area:2;redline:1"`` → ``[("small_area", 2.0), ("redline", 1.0)]``;
    "" → []; None when ``why`` is not codes (e.g. text from an older result)."""
    if why == "":
        return []
    if not _WHY.match(why):
        return None
    out = []
    for part in why.split(";"):
        code, _, value = part.partition(":")
        out.append((code, float(value) if value else None))
    return out


def score_parcels(parcels, scenario, weights: WeightResult, *, breakdown: dict | None = None,
                  memo: dict | None = None):
    """Scores 0-100 and the ``why`` of each parcel, as codes (:func:`why_codes`,
    led by ``no_resource`` or ``small_area:<km²>``; ``siting.labels.why_text``
    words them).

    Parameters
    ----------
    breakdown : dict, optional
        Filled with the score's parts, score points per parcel: ``s_res``,
        ``s_grid``, ``s_load``, ``s_slope``, ``s_enc`` (100 × weight × criterion)
        and ``b_desert``, ``b_sandy``, ``b_mine``, ``b_border``, ``b_custom``
        (bonuses). They add up to the score before it is capped at 100; all are
        0 where the parcel is not eligible.
    memo : dict, optional
        Kept with the parcel table (as in ``siting.pipeline.evaluate``): the exclusion
        codes, which no weight changes, are computed once per technology.

    Returns
    -------
    (score ndarray, why ndarray of str), e.g. ``"small_area:2;redline:1"``.
    """
    crit = criteria_table(parcels, scenario)
    table = np.column_stack([crit[name] for name in weights.names])
    avail = available_km2(parcels, scenario.tech)
    has_resource = np.isfinite(crit["resource"])
    eligible = (avail >= scenario.exclusions.min_available_km2) & has_resource
    weight_of = weights.as_dict()
    bonuses = bonus_breakdown(parcels, scenario.encouragement,
                              encouragement_weight=weight_of.get("encouragement", 0.0))
    score = weighted_score(table, weights.values,
                           np.sum(np.column_stack(list(bonuses.values())), axis=1), eligible)
    if breakdown is not None:
        for name, column in CRITERION_COLUMNS.items():
            part = SCORE_MAX * weight_of.get(name, 0.0) * np.nan_to_num(crit[name], nan=0.0)
            breakdown[column] = np.where(eligible, part, 0.0)
        for column, points in bonuses.items():
            breakdown[column] = np.where(eligible, points, 0.0)
    why = exclusion_codes(parcels, scenario.tech, memo).copy()
    small = f"{SMALL_AREA}:{_number(scenario.exclusions.min_available_km2)}"
    rows = np.flatnonzero(has_resource & (avail < scenario.exclusions.min_available_km2))
    if len(rows):
        before = why[rows]
        why[rows] = np.where(before != "", small + ";" + before, small)
    why[~has_resource] = NO_RESOURCE
    return score, why


def exclusion_codes(parcels, tech: str, memo: dict | None = None) -> np.ndarray:
    """:func:`why_codes` of the parcels' exclusion shares for ``tech`` (memoised per
    technology and parcel set in ``memo``; do not change the array returned)."""
    suffix = kinds(tech)
    key = ("exclusion_codes", tuple(suffix), len(parcels))
    if memo is not None and key in memo:
        return memo[key]
    fractions = {}
    for name in registry.exclusion_ids():
        cols = [f"x_{name}_{s}" for s in suffix if f"x_{name}_{s}" in parcels]
        if cols:
            fractions[name] = np.max(np.column_stack([parcels[c].to_numpy() for c in cols]),
                                     axis=1)
    why = why_codes(fractions) if fractions else np.full(len(parcels), "", dtype=object)
    if memo is not None:
        memo[key] = why
    return why
