"""Per-parcel yield, capacity and cost columns of a run (from ``siting.pipeline``).

Wind turbine choice and full-load hours (the gross yield memoised per parcel set:
independent of weights), PV density by latitude, and the capacity, energy, LCOE
and curtailment columns ``siting.pipeline.evaluate`` adds to every parcel.
"""
from __future__ import annotations

import numpy as np

from siting import criteria as cr
from siting import energy
from siting.scoring import tech_columns


def _gross_wind_flh(parcels, scenario, turbine: str, hub_m: float,
                    rows: np.ndarray) -> np.ndarray:
    """Gross full-load hours (no losses) of ``turbine`` at ``hub_m`` for parcels ``rows``."""
    en = scenario.energy
    hub = cr.extrapolate_speed(parcels["wind_ms"].to_numpy()[rows], cr.WIND_LAYER_HEIGHT_M,
                               hub_m, alpha=en.wind_shear_exponent)
    rho = cr.air_density(np.nan_to_num(parcels["elev_m"].to_numpy()[rows], nan=0.0) + hub_m)
    k = np.nan_to_num(parcels["weibull_k"].to_numpy()[rows], nan=2.0)
    gross = np.zeros(len(rows))
    ok = np.isfinite(hub)
    gross[ok] = energy.wind_energy_per_mw(hub[ok], k[ok], rho[ok], turbine=turbine, losses=0.0)
    return gross


def _wind_turbines(parcels, scenario, memo: dict | None):
    """(IEC class, turbine, hub m, gross full-load hours) per parcel, memoised on the
    turbine settings: the costliest part of re-scoring, independent of weights."""
    en = scenario.energy
    key = ("wind_gross", len(parcels), en.turbine_rule, tuple(sorted(en.turbine_by_class.items())),
           tuple(sorted(en.hub_height_by_class_m.items())), en.turbine, en.hub_height_m,
           en.wind_shear_exponent)
    if memo is not None and key in memo:
        return memo[key]
    if en.turbine_rule == "iec_class":
        classes, hub_m = energy.turbine_by_class(parcels["wind_ms"].to_numpy(),
                                                 alpha=en.wind_shear_exponent,
                                                 hub_height_by_class_m=en.hub_height_by_class_m)
        turbines = np.array([en.turbine_by_class.get(c, "") for c in classes], dtype=object)
    else:
        classes = energy.iec_wind_class(cr.extrapolate_speed(
            parcels["wind_ms"].to_numpy(), cr.WIND_LAYER_HEIGHT_M, en.hub_height_m,
            alpha=en.wind_shear_exponent))
        hub_m = np.where(classes != "", en.hub_height_m, np.nan)
        turbines = np.where(classes != "", en.turbine, "").astype(object)
    gross = np.zeros(len(parcels))
    for turbine in sorted(set(turbines) - {""}):
        for hub in sorted(set(hub_m[turbines == turbine])):
            rows = np.flatnonzero((turbines == turbine) & (hub_m == hub))
            gross[rows] = _gross_wind_flh(parcels, scenario, turbine, float(hub), rows)
    out = (classes, turbines, hub_m, gross)
    if memo is not None:
        memo[key] = out
    return out


def wind_yield(parcels, scenario, memo: dict | None = None) -> dict[str, np.ndarray]:
    """Wind turbine choice, loss chain and full-load hours per parcel.

    Gross yield from the power curve over the Weibull climate (memoised: the
    costliest part of re-scoring, independent of weights), then the losses
    multiply (``energy.wind_loss_factor``): wake (from the capacity density and
    the turbine's rotor), availability, electrical, cold climate and
    curtailment (by league), other.

    Returns
    -------
    dict
        ``flh`` (net MWh/MW), ``gross_flh``, ``iec_cls``, ``turbine``, ``hub_m``,
        ``wake_loss``, ``loss_w`` (total loss share incl. curtailment),
        ``curt_frac`` (curtailment share).
    """
    en, n = scenario.energy, len(parcels)
    classes, turbines, hub_m, gross = _wind_turbines(parcels, scenario, memo)
    wake = np.zeros(n)
    for turbine in sorted(set(turbines) - {""}):
        density = wind_density(turbine, scenario.capacity)
        wake[turbines == turbine] = energy.wake_loss(
            density, rated_kw=energy.rated_power_kw(turbine),
            rotor_m=energy.rotor_diameter_m(turbine),
            at_reference=en.wake_loss_at_reference)
    leagues = parcels["league"].to_numpy()
    cold = energy.league_shares(leagues, en.cold_climate_loss_by_league,
                                energy.COLD_CLIMATE_LOSS_DEFAULT, "cold_climate_loss_by_league")
    curtail = energy.league_shares(leagues, en.curtailment_by_league, en.curtailment,
                                   "curtailment_by_league")
    factor = energy.wind_loss_factor(wake=wake, availability=en.wind_availability,
                                     electrical=en.wind_electrical_loss, cold_climate=cold,
                                     curtailment=curtail, other=en.wind_losses)
    return {"flh": gross * factor, "gross_flh": gross, "iec_cls": classes, "turbine": turbines,
            "hub_m": hub_m, "wake_loss": wake, "loss_w": 1.0 - factor, "curt_frac": curtail}


def wind_density(turbine: str, capacity) -> float:
    """Wind MW/km² of project area for ``turbine`` under the scenario's capacity rules:
    from the turbine spacing in rotor diameters (physics) or the flat figure (fixed)."""
    if capacity.density_rule == "fixed" or not turbine:
        return float(capacity.wind_mw_per_km2)
    return float(energy.wind_mw_per_km2(energy.rated_power_kw(turbine),
                                        energy.rotor_diameter_m(turbine),
                                        cross_d=capacity.wind_spacing_cross_d,
                                        down_d=capacity.wind_spacing_down_d))


def parcel_latitude(parcels, memo: dict | None = None) -> np.ndarray:
    """Latitude of each parcel's centre, degrees (memoised per parcel set)."""
    import geopandas as gpd
    import shapely

    key = ("lat", len(parcels))
    if memo is not None and key in memo:
        return memo[key]
    centre = gpd.GeoSeries(shapely.centroid(parcels.geometry.to_numpy()), crs=parcels.crs)
    lat = centre.to_crs(4326).y.to_numpy()
    if memo is not None:
        memo[key] = lat
    return lat


def pv_density(parcels, capacity, memo: dict | None = None) -> np.ndarray:
    """PV MW/km² of occupied land per parcel: winter-solstice row spacing at the parcel's
    latitude and the module tilt (physics), or the flat packing × land-use share (fixed);
    mine-restoration land at ``pv_restoration_mw_per_km2`` in proportion to its share."""
    mine = parcels["mine_frac"].to_numpy()
    if capacity.density_rule == "fixed":
        base = np.full(len(parcels), capacity.pv_packing_mw_per_km2 * capacity.pv_land_use_share)
        restoration = capacity.pv_restoration_mw_per_km2 * capacity.pv_land_use_share
    else:
        base = energy.pv_mw_per_km2(parcel_latitude(parcels, memo),
                                    tilt_deg=capacity.pv_tilt_deg,
                                    hours_from_noon=capacity.pv_shade_free_hours,
                                    module_w_per_m2=capacity.pv_module_w_per_m2,
                                    array_share=capacity.pv_array_share)
        # restoration land is never denser than the open-land layout at its latitude
        restoration = np.minimum(capacity.pv_restoration_mw_per_km2, base)
    return base * (1 - mine) + restoration * mine


def wind_flh(parcels, scenario, memo: dict | None = None) -> np.ndarray:
    """Net wind full-load hours per parcel (MWh/MW); see :func:`wind_yield`."""
    return wind_yield(parcels, scenario, memo)["flh"]


def capacity_energy_cost(parcels, scenario, memo: dict | None = None) -> dict[str, np.ndarray]:
    """Capacity, energy and cost columns per parcel.

    cap_w_mw, cap_pv_mw, cap_mw (MW), energy_gwh, flh (h, net of losses and
    curtailment), lcoe (CNY/kWh, with grid connection, storage and land),
    lcoe_sto (storage part of the LCOE, CNY/kWh), curt_frac, and for wind
    iec_cls, turbine, wind_hub (m/s at the chosen hub), hub_m, loss_w.
    """
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
    sto_w = np.full(n, np.nan)
    sto_pv = np.full(n, np.nan)
    land_type = (parcels["land_type"].to_numpy() if "land_type" in parcels
                 else np.full(n, "other", dtype=object))
    storage_yearly = energy.storage_yearly_cny_per_kw(
        share=cost.storage_share, hours=cost.storage_hours, cny_per_kwh=cost.storage_cny_per_kwh,
        discount_rate=cost.discount_rate, lifetime_years=cost.storage_lifetime_years,
        opex_share_per_yr=cost.storage_opex_share)
    common = {"discount_rate": cost.discount_rate, "lifetime_years": cost.lifetime_years,
              "transmission_cny_per_mw_km": cost.transmission_cny_per_mw_km,
              "substation_cny_per_kw": cost.substation_cny_per_kw,
              "storage_yearly_cny_per_kw": storage_yearly}
    extra: dict[str, np.ndarray] = {}
    curtail = energy.league_shares(parcels["league"].to_numpy(), en_cfg.curtailment_by_league,
                                   en_cfg.curtailment, "curtailment_by_league")
    foot_w = np.zeros(n)
    foot_pv = np.zeros(n)
    if "w" in techs:
        wind = wind_yield(parcels, scenario, memo)
        # one density per turbine model, not per parcel (a per-parcel call was ~80 %
        # of a weight change's re-scoring)
        density_w = np.zeros(n)
        for turbine in set(wind["turbine"]):
            density_w[wind["turbine"] == turbine] = wind_density(turbine, cap_cfg)
        density_w = np.where(density_w > 0, density_w, cap_cfg.wind_mw_per_km2)
        cap_w = energy.capacity_mw(parcels["avail_w_km2"].to_numpy(), density_w)
        foot_w = cap_w / density_w
        flh_w = wind["flh"]
        hub_speed = np.full(n, np.nan)
        for hub in sorted(set(wind["hub_m"][np.isfinite(wind["hub_m"])])):
            rows = wind["hub_m"] == hub
            hub_speed[rows] = cr.extrapolate_speed(parcels["wind_ms"].to_numpy()[rows],
                                                   cr.WIND_LAYER_HEIGHT_M, float(hub),
                                                   alpha=en_cfg.wind_shear_exponent)
        extra.update({"iec_cls": wind["iec_cls"], "turbine": wind["turbine"],
                      "hub_m": wind["hub_m"], "wind_hub": hub_speed, "loss_w": wind["loss_w"]})
        land_w = energy.land_yearly_cny_per_kw(
            land_type, 100.0 / energy.WIND_OCCUPIED_HA_PER_MW,
            cny_per_mu_yr=cost.land_cny_per_mu_yr)
        energy_w_ok = np.where(flh_w > 0, flh_w, np.nan)
        lcoe_w = energy.lcoe_cny_kwh(cost.wind_capex_cny_per_kw, cost.wind_opex_share,
                                     energy_w_ok, grid_km, land_yearly_cny_per_kw=land_w,
                                     **common)
        sto_w = storage_yearly / energy_w_ok
    if "pv" in techs:
        density = pv_density(parcels, cap_cfg, memo)
        cap_pv = energy.capacity_mw(parcels["avail_pv_km2"].to_numpy(), density)
        foot_pv = cap_pv / density
        ghi = parcels["ghi_kwh"].to_numpy()
        ok = np.isfinite(ghi)
        model_col = "pv_yield_trk_kwh" if en_cfg.pv_mount == "tracker" else "pv_yield_kwh"
        model = (parcels[model_col].to_numpy() if model_col in parcels
                 else np.full(n, np.nan))
        flh_pv[ok] = energy.pv_energy_per_mw(ghi[ok], tilt_gain=en_cfg.pv_tilt_gain,
                                             performance_ratio=en_cfg.pv_performance_ratio,
                                             model_yield_kwh_kwp=model[ok])
        # PVOUT is already a specific yield after system losses (kWh/kWp·yr = MWh/MW =
        # full-load hours): where the user gives it, it replaces the modelled yield
        # as is, without tilt gain or performance ratio.
        pvout = parcels["pvout_kwh"].to_numpy()
        measured = np.isfinite(pvout)
        flh_pv[measured] = pvout[measured]
        # curtailment applies to both: a PVOUT layer is what the plant can make, not
        # what the grid takes
        flh_pv = flh_pv * (1.0 - curtail)
        land_pv = energy.land_yearly_cny_per_kw(land_type, density,
                                                cny_per_mu_yr=cost.land_cny_per_mu_yr)
        energy_pv_ok = np.where(flh_pv > 0, flh_pv, np.nan)
        lcoe_pv = energy.lcoe_cny_kwh(cost.pv_capex_cny_per_kw, cost.pv_opex_share,
                                      energy_pv_ok, grid_km, land_yearly_cny_per_kw=land_pv,
                                      **common)
        sto_pv = storage_yearly / energy_pv_ok
    energy_w = cap_w * flh_w / 1000.0
    energy_pv = cap_pv * flh_pv / 1000.0
    cap = cap_w + cap_pv
    energy_gwh = energy_w + energy_pv

    def by_energy(wind_part, pv_part):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(energy_gwh > 0,
                            (np.nan_to_num(wind_part) * energy_w
                             + np.nan_to_num(pv_part) * energy_pv) / energy_gwh, np.nan)

    with np.errstate(invalid="ignore", divide="ignore"):
        flh = np.where(cap > 0, energy_gwh * 1000.0 / cap, np.nan)
    # a hybrid parcel's wind and PV share the land: the larger footprint is the land taken
    return {"cap_w_mw": cap_w, "cap_pv_mw": cap_pv, "cap_mw": cap,
            "foot_km2": np.maximum(foot_w, foot_pv), "energy_gwh": energy_gwh,
            "flh": flh, "lcoe": by_energy(lcoe_w, lcoe_pv),
            "lcoe_sto": by_energy(sto_w, sto_pv), "curt_frac": curtail, **extra}
