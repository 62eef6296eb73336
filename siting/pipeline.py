"""The siting run: parcels → features → scores → capacity and cost → shortlist
→ candidate bases → per-league totals. Pure: inputs come in as data
(``layers.bundle.Inputs``); progress goes out through a callback.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting import bases as bases_mod
from siting import criteria as cr
from siting import energy
from siting import features as feat
from siting import parcels as parcels_mod
from siting import shortlist as sl
from siting.errors import SitingError
from siting.scoring import (
    BREAKDOWN_COLUMNS,
    WeightResult,
    available_km2,
    in_border_belt,
    resolve_weights,
    score_parcels,
    tech_columns,
    wind_hub_speed,
)

#: Columns of every parcel / shortlist row (≤ 10 characters for Shapefile).
RESULT_COLUMNS = ["parcel_id", "league", "banner", "tech", "score", "rank", "area_km2",
                  "avail_km2", "excl_frac", "wind_ms", "wind_hub", "wind_cls", "wpd50",
                  "ghi_kwh", "pvout_kwh", "solar_cls", "slope_deg", "elev_m", "grid_km", "load_km",
                  "desert_frac", "sandy_frac", "mine_frac", "custom_frac", "border_km", "land_type",
                  "is_desert", "is_sandy", "is_mine", "is_border",
                  "cap_mw", "cap_w_mw", "cap_pv_mw", "energy_gwh", "flh", "lcoe", "base_id",
                  *BREAKDOWN_COLUMNS, "why"]


@dataclass
class Result:
    """Everything a run produces (GeoDataFrames in the equal-area CRS)."""

    scenario: object
    parcels: object
    shortlist: object
    bases: object
    leagues: object
    weights: WeightResult
    summary: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)


def _noop(fraction, message):
    return None


def make_parcels(inputs, scenario):
    """Candidate parcels of the scenario, with league and banner."""
    if inputs.parcels is not None:
        grid = parcels_mod.user_parcels(inputs.parcels)
    else:
        grid = parcels_mod.grid_parcels(inputs.vectors["province"],
                                        shape=scenario.parcel_shape,
                                        size_km=scenario.parcel_size_km)
    return parcels_mod.attach_admin(grid, inputs.vectors["banners"])


def prepare(inputs, scenario, *, progress=_noop) -> feat.Prepared:
    """Parcels and their raw features: the slow, raster-touching stage."""
    progress(0.0, "parcels")
    parcels = make_parcels(inputs, scenario)
    return feat.prepare(inputs, scenario, parcels,
                        progress=lambda f, m: progress(0.05 + 0.9 * f, m))


def wind_flh(parcels, scenario, memo: dict | None = None) -> np.ndarray:
    """Wind full-load hours per parcel (MWh/MW), memoised on the energy inputs.

    The Weibull integration is the costliest part of re-scoring; it depends
    only on the parcel features and the turbine settings, not on weights.
    """
    en = scenario.energy
    key = ("wind_flh", en.turbine, en.hub_height_m, en.wind_shear_exponent, en.wind_losses)
    if memo is not None and key in memo:
        return memo[key]
    hub = wind_hub_speed(parcels, scenario)
    rho = cr.air_density(np.nan_to_num(parcels["elev_m"].to_numpy(), nan=0.0) + en.hub_height_m)
    k = np.nan_to_num(parcels["weibull_k"].to_numpy(), nan=2.0)
    ok = np.isfinite(hub)
    flh = np.zeros(len(parcels))
    flh[ok] = energy.wind_energy_per_mw(hub[ok], k[ok], rho[ok], turbine=en.turbine,
                                        losses=en.wind_losses)
    if memo is not None:
        memo[key] = flh
    return flh


def capacity_energy_cost(parcels, scenario, memo: dict | None = None) -> dict[str, np.ndarray]:
    """cap_w_mw, cap_pv_mw, cap_mw, energy_gwh, flh (h), lcoe (CNY/kWh) per parcel."""
    techs = tech_columns(scenario.tech)
    cap_cfg, en_cfg, cost = scenario.capacity, scenario.energy, scenario.cost
    n = len(parcels)
    cap_w = np.zeros(n)
    cap_pv = np.zeros(n)
    flh_w = np.zeros(n)
    flh_pv = np.zeros(n)
    grid_km = np.nan_to_num(parcels["grid_km"].to_numpy(), nan=0.0)
    lcoe_w = np.full(n, np.nan)
    lcoe_pv = np.full(n, np.nan)
    if "w" in techs:
        cap_w = energy.capacity_mw(parcels["avail_w_km2"].to_numpy(), cap_cfg.wind_mw_per_km2)
        flh_w = wind_flh(parcels, scenario, memo)
        lcoe_w = energy.lcoe_cny_kwh(cost.wind_capex_cny_per_kw, cost.wind_opex_share,
                                     np.where(flh_w > 0, flh_w, np.nan), grid_km,
                                     discount_rate=cost.discount_rate,
                                     lifetime_years=cost.lifetime_years,
                                     transmission_cny_per_mw_km=cost.transmission_cny_per_mw_km,
                                     substation_cny_per_kw=cost.substation_cny_per_kw)
    if "pv" in techs:
        mine = parcels["mine_frac"].to_numpy()
        density = (cap_cfg.pv_packing_mw_per_km2 * (1 - mine)
                   + cap_cfg.pv_restoration_mw_per_km2 * mine)
        cap_pv = energy.capacity_mw(parcels["avail_pv_km2"].to_numpy(), density,
                                    cap_cfg.pv_land_use_share)
        ghi = parcels["ghi_kwh"].to_numpy()
        ok = np.isfinite(ghi)
        flh_pv[ok] = energy.pv_energy_per_mw(ghi[ok], tilt_gain=en_cfg.pv_tilt_gain,
                                             performance_ratio=en_cfg.pv_performance_ratio)
        # PVOUT is already a specific yield after system losses (kWh/kWp·yr = MWh/MW =
        # full-load hours): where the user gives it, it replaces the modelled yield
        # as is, without tilt gain or performance ratio.
        pvout = parcels["pvout_kwh"].to_numpy()
        measured = np.isfinite(pvout)
        flh_pv[measured] = pvout[measured]
        lcoe_pv = energy.lcoe_cny_kwh(cost.pv_capex_cny_per_kw, cost.pv_opex_share,
                                      np.where(flh_pv > 0, flh_pv, np.nan), grid_km,
                                      discount_rate=cost.discount_rate,
                                      lifetime_years=cost.lifetime_years,
                                      transmission_cny_per_mw_km=cost.transmission_cny_per_mw_km,
                                      substation_cny_per_kw=cost.substation_cny_per_kw)
    energy_w = cap_w * flh_w / 1000.0
    energy_pv = cap_pv * flh_pv / 1000.0
    cap = cap_w + cap_pv
    energy_gwh = energy_w + energy_pv
    with np.errstate(invalid="ignore", divide="ignore"):
        flh = np.where(cap > 0, energy_gwh * 1000.0 / cap, np.nan)
        lcoe = np.where(energy_gwh > 0,
                        (np.nan_to_num(lcoe_w) * energy_w + np.nan_to_num(lcoe_pv) * energy_pv)
                        / energy_gwh, np.nan)
    return {"cap_w_mw": cap_w, "cap_pv_mw": cap_pv, "cap_mw": cap, "energy_gwh": energy_gwh,
            "flh": flh, "lcoe": lcoe}


def evaluate(prepared: feat.Prepared, scenario, *, lang: str = "zh",
             provenance: dict | None = None, memo: dict | None = None) -> Result:
    """Score, size and rank prepared parcels; build the shortlist and bases.

    Touches only the parcel table: this is what runs after a weight change.
    ``memo`` (a dict kept with ``prepared``) caches weight-independent pieces.
    """
    weights = resolve_weights(scenario.weights)
    parcels = prepared.parcels.copy()
    parcels["tech"] = scenario.tech
    breakdown = {}
    score, why = score_parcels(parcels, scenario, weights, lang=lang, breakdown=breakdown)
    parcels["score"] = np.round(score, 2)
    for column, points in breakdown.items():
        parcels[column] = points
    avail = available_km2(parcels, scenario.tech)
    parcels["avail_km2"] = avail
    parcels["excl_frac"] = np.clip(1 - avail / np.maximum(parcels["area_km2"].to_numpy(), 1e-12),
                                   0, 1)
    hub = wind_hub_speed(parcels, scenario)
    parcels["wind_hub"] = hub
    k = np.nan_to_num(parcels["weibull_k"].to_numpy(), nan=2.0)
    ok = np.isfinite(parcels["wind_ms"].to_numpy())
    wind_class = np.zeros(len(parcels), dtype=int)
    wpd50 = np.full(len(parcels), np.nan)
    if ok.any():
        cls, pd50 = cr.wind_class_at_50m(parcels["wind_ms"].to_numpy()[ok], k[ok],
                                         np.nan_to_num(parcels["elev_m"].to_numpy()[ok]),
                                         alpha=scenario.energy.wind_shear_exponent)
        wind_class[ok], wpd50[ok] = cls, pd50
    parcels["wind_cls"] = wind_class
    parcels["wpd50"] = wpd50
    parcels["solar_cls"] = cr.solar_class(parcels["ghi_kwh"].to_numpy())
    in_belt = in_border_belt(parcels["border_km"].to_numpy(),
                             scenario.encouragement.border_belt_km)
    parcels["land_type"] = feat.land_type(parcels["desert_frac"].to_numpy(),
                                          parcels["sandy_frac"].to_numpy(),
                                          parcels["mine_frac"].to_numpy(), in_belt)
    for column, flag in sl.land_flags(parcels["desert_frac"].to_numpy(),
                                      parcels["sandy_frac"].to_numpy(),
                                      parcels["mine_frac"].to_numpy(), in_belt,
                                      min_share=feat.LAND_TYPE_MIN_SHARE).items():
        parcels[column] = flag
    for column, values in capacity_energy_cost(parcels, scenario, memo).items():
        parcels[column] = values
    # an excluded parcel builds nothing
    zero = parcels["score"].to_numpy() <= 0
    for column in ("cap_mw", "cap_w_mw", "cap_pv_mw", "energy_gwh"):
        parcels.loc[zero, column] = 0.0
    parcels["why"] = why
    parcels["base_id"] = None

    cfg, targets = scenario.shortlist, scenario.targets
    # ranked after LCOE is known: ties go to the cheaper, then the better-resourced parcel
    parcels["rank"] = sl.rank(parcels["score"].to_numpy(), parcels["lcoe"].to_numpy(),
                              parcels["flh"].to_numpy(), by=cfg.rank_by,
                              ids=parcels["parcel_id"].to_numpy())
    short = sl.select_shortlist(parcels, min_score=cfg.min_score,
                                leagues=cfg.leagues, land_types=cfg.land_types,
                                max_capacity_mw=goal_gw(scenario) * 1000.0
                                if cfg.target_multiple is not None else None,
                                group_caps_mw={g: gw * 1000.0
                                               for g, gw in targets.group_caps_gw.items()},
                                groups=targets.league_groups)
    base_ids = bases_mod.assign_bases(short, contiguity=scenario.bases.contiguity,
                                      min_base_gw=scenario.bases.min_capacity_gw)
    parcels.loc[short.index, "base_id"] = base_ids
    short = parcels.loc[short.index]
    bases = bases_mod.summarise_bases(short)
    all_leagues = sorted(parcels["league"].dropna().unique())
    leagues = sl.league_totals(short, all_leagues=all_leagues,
                               target_gw=scenario.targets.target_gw,
                               groups=scenario.targets.league_groups,
                               league_targets_gw=scenario.targets.league_targets_gw)
    keep = [c for c in RESULT_COLUMNS if c in parcels.columns] + ["geometry"]
    result = Result(scenario=scenario, parcels=parcels[keep], shortlist=short[keep],
                    bases=bases, leagues=leagues, weights=weights,
                    provenance=dict(provenance or {}))
    result.summary = summarise(result)
    return result


def goal_gw(scenario) -> float | None:
    """Capacity the shortlist is sized to, GW: target × multiple (None = no limit)."""
    multiple = scenario.shortlist.target_multiple
    return None if multiple is None else multiple * scenario.targets.target_gw


def _mean_lcoe(table) -> float | None:
    """Energy-weighted mean LCOE, CNY/kWh (None when nothing is produced)."""
    energy_gwh = table["energy_gwh"].to_numpy(dtype=float)
    lcoe = table["lcoe"].to_numpy(dtype=float)
    ok = np.isfinite(lcoe) & (energy_gwh > 0)
    if not ok.any():
        return None
    return float(np.sum(lcoe[ok] * energy_gwh[ok]) / np.sum(energy_gwh[ok]))


def summarise(result: Result) -> dict:
    """The run's headline numbers (``summary.json``)."""
    short, bases, scenario = result.shortlist, result.bases, result.scenario
    targets = scenario.targets
    in_bases = short[short["base_id"].notna()]
    cap_gw = float(short["cap_mw"].sum() / 1000.0)
    goal = goal_gw(scenario)
    mean_lcoe = _mean_lcoe(short) if len(short) else None
    return {
        "scenario": scenario.name, "tech": scenario.tech,
        "n_parcels": int(len(result.parcels)),
        "n_scored": int((result.parcels["score"] > 0).sum()),
        "n_shortlist": int(len(short)), "n_bases": int(len(bases)),
        "capacity_gw": round(cap_gw, 3),
        "energy_twh": round(float(short["energy_gwh"].sum() / 1000.0), 3),
        "bases_capacity_gw": round(float(in_bases["cap_mw"].sum() / 1000.0), 3),
        "target_gw": scenario.targets.target_gw,
        "share_of_target": round(cap_gw / scenario.targets.target_gw, 4),
        "median_flh": float(np.nanmedian(short["flh"])) if len(short) else None,
        "median_lcoe": float(np.nanmedian(short["lcoe"])) if len(short) else None,
        "mean_lcoe": None if mean_lcoe is None else round(mean_lcoe, 4),
        "rank_by": scenario.shortlist.rank_by,
        "target_multiple": scenario.shortlist.target_multiple,
        "goal_gw": None if goal is None else round(goal, 3),
        "shortfall_gw": round(sl.shortfall_gw(cap_gw, goal), 3),
        "largest_base_gw": round(float(bases["cap_mw"].max() / 1000.0), 3) if len(bases)
        else 0.0,
        "by_group": sl.group_totals(short, groups=targets.league_groups,
                                    target_gw=targets.target_gw,
                                    group_caps_gw=targets.group_caps_gw),
        "policy": sl.policy_glance(short, groups=targets.league_groups),
        "weights": result.weights.as_dict(),
        "consistency_ratio": result.weights.consistency_ratio,
        "weights_consistent": result.weights.consistent,
        "by_league": {league: {"group": row["group"], "n_parcels": int(row["n_parcels"]),
                               "capacity_gw": round(float(row["cap_gw"]), 3),
                               "energy_twh": round(float(row["energy_twh"]), 3),
                               "share_of_target": round(float(row["share_of_target"]), 4),
                               "target_gw": _or_none(row["league_target_gw"]),
                               "share_of_league_target":
                                   _or_none(row["share_of_league_target"], 4)}
                      for league, row in result.leagues.iterrows()},
    }


def _or_none(value, digits: int = 3):
    """A rounded float, or None for NaN (JSON has no NaN)."""
    return round(float(value), digits) if np.isfinite(value) else None


def run(inputs, scenario, *, progress=_noop, lang: str = "zh") -> Result:
    """The whole pipeline on loaded inputs."""
    if scenario.weights.mode == "ahp" and scenario.weights.ahp_matrix is None:
        raise SitingError("weights.mode is 'ahp' but weights.ahp_matrix is missing")
    prepared = prepare(inputs, scenario, progress=lambda f, m: progress(0.9 * f, m))
    progress(0.92, "scoring")
    result = evaluate(prepared, scenario, lang=lang, provenance=inputs.provenance)
    progress(1.0, "done")
    return result
