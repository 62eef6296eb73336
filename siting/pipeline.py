"""The siting run: parcels → features → scores → capacity and cost → shortlist
→ candidate bases → per-league totals. Pure: inputs come in as data
(``layers.bundle.Inputs``); progress goes out through a callback.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting import bases as bases_mod
from siting import connection as connection_mod
from siting import criteria as cr
from siting import energy
from siting import features as feat
from siting import parcels as parcels_mod
from siting import shortlist as sl
from siting import synthetic as synthetic_mod
from siting.energy_yield import (  # noqa: F401  (also importable from here)
    capacity_energy_cost,
    parcel_latitude,
    pv_density,
    wind_density,
    wind_flh,
    wind_yield,
)
from siting.errors import SitingError
from siting.scoring import (
    BREAKDOWN_COLUMNS,
    WeightResult,
    available_km2,
    in_border_belt,
    resolve_weights,
    score_parcels,
    wind_hub_speed,
)

#: Columns of every parcel / shortlist row (≤ 10 characters for Shapefile).
RESULT_COLUMNS = ["parcel_id", "league", "banner", "tech", "score", "rank", "area_km2",
                  "avail_km2", "excl_frac", "wind_ms", "wind_hub", "wind_cls", "wpd50",
                  "ghi_kwh", "pvout_kwh", "solar_cls", "slope_deg", "elev_m", "grid_km", "load_km",
                  "desert_frac", "sandy_frac", "mine_frac", "custom_frac", "border_km", "land_type",
                  "is_desert", "is_sandy", "is_mine", "is_border",
                  "cap_mw", "cap_w_mw", "cap_pv_mw", "foot_km2", "energy_gwh", "flh", "lcoe",
                  "base_id",
                  *BREAKDOWN_COLUMNS, "why", "iec_cls", "turbine", "hub_m", "loss_w", "curt_frac",
                  "lcoe_sto", "synthetic"]


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
    connections: object = None  # connection points (siting.connection), None = contiguity


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
    unions = feat.start_unions(inputs, scenario)  # beside the parcels, on 2+ cores
    parcels = make_parcels(inputs, scenario)
    if unions is not None:
        unions.join()
    return feat.prepare(inputs, scenario, parcels,
                        progress=lambda f, m: progress(0.05 + 0.9 * f, m))


def connection_points(inputs, scenario):
    """The run's grid connection points with their available capacity
    (``siting.connection.connection_points`` over the substations layer and, when
    ``grid.corridors`` is on, the UHV corridor table)."""
    grid = scenario.grid
    corridors = connection_mod.read_corridors() if grid.corridors else None
    return connection_mod.connection_points(inputs.vectors["substations"],
                                            capacity_by_kv_mw=grid.capacity_by_kv_mw,
                                            corridors=corridors)


def new_lines_rules(grid):
    """The scenario's new-line rules (``siting.connection.NewLines``), None when off."""
    if not grid.new_lines:
        return None
    return connection_mod.NewLines(max_km=grid.new_line_max_km,
                                   station_mw=grid.collector_station_mw,
                                   station_cny=grid.collector_station_cny,
                                   line_cny_per_km=grid.line_500kv_cny_per_km)


def connected_lcoe(short, placed, scenario) -> np.ndarray:
    """Each shortlisted parcel's LCOE with the connection it was actually given, CNY/kWh.

    The screening LCOE (``lcoe``) pays the line to the nearest substation
    (``grid_km``); here that line is replaced by the line to the base's connection
    point or collector station (``col_km``), plus any upgrade beyond the point's room
    (``upg_mw`` × grid.upgrade_cny_per_kw) and the parcel's share of a collector
    base's new 500 kV station and line (``new_cny_kw``), annualised with the same
    capital recovery factor. NaN outside a base.
    """
    grid, cost = scenario.grid, scenario.cost
    crf = float(energy.capital_recovery_factor(cost.discount_rate, cost.lifetime_years))
    col_km = placed["col_km"].to_numpy(dtype=float) if "col_km" in placed \
        else placed["conn_km"].to_numpy(dtype=float)
    extra_km = col_km - np.nan_to_num(short["grid_km"].to_numpy(dtype=float))
    cap = short["cap_mw"].to_numpy(dtype=float)
    new_cny_kw = (placed["new_cny_kw"].to_numpy(dtype=float) if "new_cny_kw" in placed
                  else np.zeros(len(short)))
    with np.errstate(invalid="ignore", divide="ignore"):
        upgrade_per_kw = grid.upgrade_cny_per_kw * placed["upg_mw"].to_numpy(dtype=float) / cap
        extra_yearly = crf * (cost.transmission_cny_per_mw_km / 1000.0 * extra_km
                              + upgrade_per_kw + new_cny_kw)
        return short["lcoe"].to_numpy(dtype=float) + extra_yearly / short["flh"].to_numpy(
            dtype=float)


def connect_bases(short, scenario, points):
    """Base id, connection point and connection-adjusted LCOE of each shortlisted parcel.

    Returns the shortlist with the columns of ``siting.bases.form_bases`` (``base_id,
    conn_id, conn_km, upg_mw, col_km, new_km, new_cny_kw, lim_id``) and ``lcoe_b``
    (:func:`connected_lcoe`). Parcels claim connection capacity in rank order; with
    ``shortlist.rank_by: lcoe`` the bases are formed a second time with the parcels in
    the order of their connected LCOE from the first pass (the screening LCOE where a
    parcel found no base), so the cheapest connected capacity claims the points first
    (one refinement pass, not iterated to a fixed point). ``method: connection`` needs
    ``points``.
    """
    rules, grid, cost = scenario.bases, scenario.grid, scenario.cost
    if rules.method == "contiguity":
        ids = bases_mod.assign_bases(short, contiguity=rules.contiguity,
                                     min_base_gw=rules.min_capacity_gw)
        return short.assign(base_id=ids)
    if points is None:
        raise SitingError("bases.method 'connection' needs the grid connection points "
                          "(pipeline.connection_points(inputs, scenario)); pass connections= "
                          "or set bases.method: contiguity",
                          zh="基地划分方式 'connection' 需要电网接入点"
                             "（pipeline.connection_points(inputs, scenario)）；请传入 "
                             "connections=，或设 bases.method: contiguity")

    def form(table, order_column):
        return bases_mod.form_bases(
            table, points, min_gw=rules.min_capacity_gw, max_gw=rules.max_capacity_gw,
            max_extent_km=rules.max_extent_km, max_connection_km=grid.max_connection_km,
            over_capacity=grid.over_capacity,
            transmission_cny_per_mw_km=cost.transmission_cny_per_mw_km,
            upgrade_cny_per_kw=grid.upgrade_cny_per_kw, max_upgrade_mw=grid.max_upgrade_mw,
            new_lines=new_lines_rules(grid), order_column=order_column)

    placed = form(short, "rank")
    if scenario.shortlist.rank_by == "lcoe" and len(short):
        first = connected_lcoe(short, placed, scenario)
        key = np.where(np.isfinite(first), first, short["lcoe"].to_numpy(dtype=float))
        # ties keep the screening rank
        order = np.lexsort((short["rank"].to_numpy(dtype=float),
                            np.where(np.isfinite(key), key, np.inf)))
        conn_rank = np.empty(len(short))
        conn_rank[order] = np.arange(1, len(short) + 1)
        placed = form(short.assign(_conn_rank=conn_rank), "_conn_rank")
    out = short.assign(**{c: placed[c] for c in placed.columns})
    out["lcoe_b"] = connected_lcoe(short, placed, scenario)
    return out


def evaluate(prepared: feat.Prepared, scenario, *,
             provenance: dict | None = None, memo: dict | None = None,
             connections=None) -> Result:
    """Score, size and rank prepared parcels; build the shortlist and bases.

    Touches only the parcel table: this is what runs after a weight change.
    ``memo`` (a dict kept with ``prepared``) caches weight-independent pieces.
    ``connections`` (:func:`connection_points`): the grid connection points the bases
    grow around; required for ``bases.method: connection`` (the default), unused for
    ``contiguity``.
    ``why`` holds reason codes; ``siting.labels.why_column`` words them.
    """
    import geopandas as gpd
    import pandas as pd

    weights = resolve_weights(scenario.weights)
    source = prepared.parcels
    # the columns no weight changes, computed once per scenario setting (memo; shared:
    # read only here)
    table = fixed_columns(prepared, scenario, provenance, memo)
    breakdown = {}
    score, why = score_parcels(table, scenario, weights, breakdown=breakdown, memo=memo)
    score = np.round(score, 2)
    new = {"score": score, **breakdown}
    # an excluded parcel builds nothing
    zero = score <= 0
    for column in ("cap_mw", "cap_w_mw", "cap_pv_mw", "foot_km2", "energy_gwh"):
        new[column] = np.where(zero, 0.0, table[column].to_numpy(dtype=float))
    new["why"] = why
    new["base_id"] = np.full(len(table), None, dtype=object)
    cfg, targets = scenario.shortlist, scenario.targets
    # ranked after LCOE is known: ties go to the cheaper, then the better-resourced parcel
    new["rank"] = sl.rank(score, table["lcoe"].to_numpy(), table["flh"].to_numpy(),
                          by=cfg.rank_by, ids=table["parcel_id"].to_numpy(),
                          id_order=_id_order(table, memo))
    # the result's columns only, in their order, built at once: adding ~20 columns
    # to the whole table one by one and then taking the result's columns copied the
    # table several times per weight change
    parcels = gpd.GeoDataFrame(
        {c: new[c] if c in new else table[c] for c in RESULT_COLUMNS
         if c in new or c in table.columns},
        index=table.index, geometry=source.geometry.array, crs=source.crs)
    short = sl.select_shortlist(parcels, min_score=cfg.min_score,
                                leagues=cfg.leagues, land_types=cfg.land_types,
                                max_capacity_mw=goal_gw(scenario) * 1000.0
                                if cfg.target_multiple is not None else None,
                                group_caps_mw={g: gw * 1000.0
                                               for g, gw in targets.group_caps_gw.items()},
                                groups=targets.league_groups)
    connected = connect_bases(short, scenario, connections)
    # the base ids into both tables as object columns (as a .loc write into the None
    # column gave), without looking the shortlist up in the whole table again
    base_ids = connected["base_id"].to_numpy(dtype=object)
    every = new["base_id"].copy()
    every[parcels.index.get_indexer(short.index)] = base_ids
    parcels["base_id"] = pd.Series(every, index=parcels.index, dtype=object)
    short = short.copy()
    short["base_id"] = pd.Series(base_ids, index=short.index, dtype=object)
    bases = bases_mod.summarise_bases(connected, points=connections)
    all_leagues = _all_leagues(table, memo)
    leagues = sl.league_totals(short, all_leagues=all_leagues,
                               target_gw=scenario.targets.target_gw,
                               groups=scenario.targets.league_groups,
                               league_targets_gw=scenario.targets.league_targets_gw)
    # parcels holds the result's columns in order already (``short``, taken from it, too)
    result = Result(scenario=scenario, parcels=parcels, shortlist=short,
                    bases=bases, leagues=leagues, weights=weights,
                    provenance=dict(provenance or {}), connections=connections)
    result.summary = summarise(result)
    return result


#: How many tables of :func:`fixed_columns` a memo keeps (the newest; each is the whole
#: parcel table, ~25 MB on the default region): one per setting a user goes back and
#: forth between (an assumption; the oldest is computed again when needed).
FIXED_KEEP = 2
#: Scenario sections a weight change or a shortlist/base/target setting leaves the
#: per-parcel capacity, energy, cost and land columns untouched by.
_NOT_PER_PARCEL = {"name", "weights", "shortlist", "bases", "grid", "targets"}


def fixed_columns(prepared: feat.Prepared, scenario, provenance: dict | None = None,
                  memo: dict | None = None):
    """The weight-independent columns of :func:`evaluate` (a DataFrame, no geometry).

    Land, resource class, capacity, energy, cost and synthetic flags of every parcel
    depend on the prepared table and the scenario's other sections, never on the
    weights, shortlist, bases, grid or targets: ``memo`` (kept with ``prepared``)
    holds them per dump of those other sections, so a weight change re-uses them.
    Returned frames are shared: copy before writing.
    """
    import json

    import pandas as pd

    parcels = prepared.parcels
    key = ("fixed", len(parcels),
           scenario.model_dump_json(exclude=_NOT_PER_PARCEL),
           json.dumps(synthetic_mod.synthetic_layer_ids(provenance)))
    if memo is not None and key in memo:
        return memo[key]
    parcels = parcels.copy()
    parcels["tech"] = scenario.tech
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
    parcels["synthetic"] = synthetic_mod.parcel_synthetic(
        parcels, scenario.tech, provenance, pv_mount=scenario.energy.pv_mount)
    table = pd.DataFrame(parcels.drop(columns=parcels.geometry.name))
    if memo is not None:
        # a table per setting would grow the memo with every cost or energy edit
        for old in [k for k in memo if isinstance(k, tuple) and k[:1] == ("fixed",)
                    ][:-(FIXED_KEEP - 1) or None]:
            del memo[old]
        memo[key] = table
    return table


def _all_leagues(parcels, memo: dict | None) -> list:
    """The parcels' leagues, sorted (memoised per parcel set)."""
    key = ("all_leagues", len(parcels))
    if memo is None or key not in memo:
        leagues = sorted(parcels["league"].dropna().unique())
        if memo is None:
            return leagues
        memo[key] = leagues
    return memo[key]


def _id_order(parcels, memo: dict | None):
    """``shortlist.id_order_of`` the parcel ids (memoised per parcel set)."""
    key = ("id_order", len(parcels))
    if memo is None or key not in memo:
        order = sl.id_order_of(parcels["parcel_id"].to_numpy())
        if memo is None:
            return order
        memo[key] = order
    return memo[key]


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
        "largest_base_share": round(float(bases["cap_mw"].max() / short["cap_mw"].sum()), 4)
        if len(bases) and short["cap_mw"].sum() > 0 else 0.0,
        "unconnected_gw": round(cap_gw - float(in_bases["cap_mw"].sum() / 1000.0), 3),
        "bases_method": scenario.bases.method,
        "new_line_gw": round(float(bases["cap_mw"][bases["new_km"] > 0].sum() / 1000.0), 3)
        if "new_km" in bases else 0.0,
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


def run(inputs, scenario, *, progress=_noop) -> Result:
    """The whole pipeline on loaded inputs."""
    if scenario.weights.mode == "ahp" and scenario.weights.ahp_matrix is None:
        raise SitingError("weights.mode is 'ahp' but weights.ahp_matrix is missing",
                          zh="weights.mode 为 'ahp'，但缺少 weights.ahp_matrix（判断矩阵）")
    prepared = prepare(inputs, scenario, progress=lambda f, m: progress(0.9 * f, m))
    progress(0.92, "scoring")
    result = evaluate(prepared, scenario, provenance=inputs.provenance,
                      connections=connection_points(inputs, scenario))
    progress(1.0, "done")
    return result
