"""Scenario widgets: which widget edits which scenario field.

The app keeps one scenario dict in ``st.session_state``; each widget has a key
and a path into the scenario (``"exclusions.redline_buffer_km"``). Loading a
scenario or a preset writes the values back into the widget keys. No domain
logic here: validation is the Scenario model's.
"""
from __future__ import annotations

import copy

import numpy as np

#: (widget key, scenario path) of every scalar widget in the sidebar.
WIDGET_PATHS = {
    "w_tech": "tech",
    "w_ex_redline": "exclusions.redline",
    "w_ex_redline_buf": "exclusions.redline_buffer_km",
    "w_ex_water": "exclusions.water",
    "w_ex_water_buf": "exclusions.water_buffer_km",
    "w_ex_urban": "exclusions.urban",
    "w_ex_urban_buf": "exclusions.urban_buffer_km",
    "w_ex_forest": "exclusions.forest",
    "w_ex_crop_pv": "exclusions.cropland_pv",
    "w_ex_crop_wind": "exclusions.cropland_wind",
    "w_ex_settle": "exclusions.settlements",
    "w_ex_settle_wind": "exclusions.settlement_buffer_wind_km",
    "w_ex_settle_pv": "exclusions.settlement_buffer_pv_km",
    "w_ex_slope_wind": "exclusions.slope_max_wind_deg",
    "w_ex_slope_pv": "exclusions.slope_max_pv_deg",
    "w_ex_border": "exclusions.border_strip_km",
    "w_bonus_desert": "encouragement.desert_bonus",
    "w_bonus_sandy": "encouragement.sandy_bonus",
    "w_bonus_mine": "encouragement.mine_bonus",
    "w_bonus_border": "encouragement.border_belt_bonus",
    "w_weight_mode": "weights.mode",
    "w_wt_resource": "weights.direct.resource",
    "w_wt_grid": "weights.direct.grid",
    "w_wt_load": "weights.direct.load",
    "w_wt_slope": "weights.direct.slope",
    "w_wt_encouragement": "weights.direct.encouragement",
    "w_cap_wind": "capacity.wind_mw_per_km2",
    "w_cap_pv": "capacity.pv_packing_mw_per_km2",
    "w_cap_pv_share": "capacity.pv_land_use_share",
    "w_cap_pv_mine": "capacity.pv_restoration_mw_per_km2",
    "w_en_hub": "energy.hub_height_m",
    "w_en_losses": "energy.wind_losses",
    "w_en_pr": "energy.pv_performance_ratio",
    "w_cost_wind": "cost.wind_capex_cny_per_kw",
    "w_cost_pv": "cost.pv_capex_cny_per_kw",
    "w_cost_rate": "cost.discount_rate",
    "w_cost_life": "cost.lifetime_years",
    "w_cost_line": "cost.transmission_cny_per_mw_km",
    "w_cost_sub": "cost.substation_cny_per_kw",
    "w_sl_min_score": "shortlist.min_score",
    "w_sl_size": "shortlist.size",
    "w_sl_leagues": "shortlist.leagues",
    "w_sl_land": "shortlist.land_types",
    "w_base_min_gw": "bases.min_capacity_gw",
    "w_base_contig": "bases.contiguity",
    "w_target": "targets.target_gw",
}


def get_path(data: dict, path: str):
    """Value at a dotted path of a nested dict."""
    for part in path.split("."):
        data = data[part]
    return data


def set_path(data: dict, path: str, value) -> None:
    """Set the value at a dotted path of a nested dict (in place)."""
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def widget_values(scenario_dict: dict) -> dict:
    """{widget key: value} for a scenario (to load it into the widgets)."""
    values = {}
    for key, path in WIDGET_PATHS.items():
        try:
            value = get_path(scenario_dict, path)
        except KeyError:
            continue
        values[key] = list(value) if isinstance(value, tuple) else value
    return values


def apply_widgets(base: dict, state) -> dict:
    """A copy of ``base`` with every widget value present in ``state`` applied."""
    out = copy.deepcopy(base)
    for key, path in WIDGET_PATHS.items():
        if key in state:
            set_path(out, path, state[key])
    return out


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


def prepare_key(scenario) -> str:
    """JSON of the scenario fields that change the parcel features (slow stage)."""
    import json

    data = scenario.model_dump(mode="json")
    relevant = {k: data[k] for k in ("resolution_m", "parcel_shape", "parcel_size_km",
                                     "parcels_file", "layers", "exclusions")}
    relevant["load_pop"] = data["bounds"]["load_centre_min_population"]
    return json.dumps(relevant, sort_keys=True, ensure_ascii=False)
