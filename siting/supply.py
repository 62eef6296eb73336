"""The supply curve: candidate bases ordered by cost with the running capacity.

It reads a table of bases (one row per base with its capacity, energy and
LCOE). When bases grow around connection points (``siting.bases.form_bases``)
the curve is transmission-constrained, in the spirit of NREL reV: each base's
LCOE includes the connection it was actually given (the line to its point, any
upgrade, or its own 500 kV collector station and new 500 kV line), the bases
taking capacity at a point (``lim_name``: the point itself, or for a new line the
upstream UHV station whose corridor binds) never exceed it, and capacity that
found no point with room is left off the curve (``unconnected_gw``); the
connection columns and the running use of each limiting point (``lim_used_mw``)
are then added.
"""
from __future__ import annotations

import numpy as np

#: Columns of ``supply_curve.csv``, in order.
SUPPLY_COLUMNS = ["base_id", "league", "cap_mw", "energy_gwh", "lcoe", "cum_gw"]
#: Connection columns appended when the bases carry them: the point the base enters
#: the grid at, the new 500 kV line of a collector base (km, 0 at an existing point),
#: the point whose capacity the base takes (``lim_name``, ``lim_cap_mw``) and how much
#: of it the bases up to this row of the curve use (``lim_used_mw``).
CONNECTION_COLUMNS = ["conn_name", "conn_kv", "conn_km", "conn_cap_mw", "upg_mw", "new_km",
                      "lim_name", "lim_cap_mw"]


def supply_curve(bases):
    """Bases sorted by LCOE (cheapest first) with the cumulative capacity.

    Parameters
    ----------
    bases : DataFrame with ``base_id``, ``league``, ``cap_mw`` (MW),
        ``energy_gwh`` (GWh/yr) and ``lcoe`` (CNY/kWh, energy-weighted).

    Returns
    -------
    pandas.DataFrame with ``base_id, league, cap_mw, energy_gwh, lcoe, cum_gw``
    (GW, running total). Bases without an LCOE come last; equal LCOEs go to
    the larger base first, then by id, so the order never depends on the input
    order.
    """
    import pandas as pd

    if len(bases) == 0:
        return pd.DataFrame(columns=SUPPLY_COLUMNS)
    table = pd.DataFrame({c: bases[c].to_numpy() for c in SUPPLY_COLUMNS[:-1]})
    lcoe = table["lcoe"].to_numpy(dtype=float)
    order = np.lexsort((table["base_id"].astype(str).to_numpy(),
                        -table["cap_mw"].to_numpy(dtype=float),
                        np.where(np.isfinite(lcoe), lcoe, np.inf)))
    table = table.iloc[order].reset_index(drop=True)
    table["cum_gw"] = table["cap_mw"].cumsum() / 1000.0
    for column in CONNECTION_COLUMNS:
        if column in bases:
            table[column] = bases[column].to_numpy()[order]
    if "lim_name" in table:
        table["lim_used_mw"] = table.groupby("lim_name", sort=False)["cap_mw"].cumsum()
    return table


def point_use(bases):
    """Capacity used at each connection point by the bases, MW.

    A base takes capacity at its ``lim_name`` point when the bases carry one (its own
    connection point, or for a collector base with a new 500 kV line the upstream UHV
    station), else at its ``conn_name``.

    Returns
    -------
    pandas.DataFrame: ``conn_name, conn_kv, conn_cap_mw, used_mw, left_mw, n_bases``,
    fullest first (``left_mw`` < 0 only where an upgrade was paid).
    """
    import pandas as pd

    if len(bases) == 0 or "conn_name" not in bases:
        return pd.DataFrame(columns=["conn_name", "conn_kv", "conn_cap_mw", "used_mw",
                                     "left_mw", "n_bases"])
    if "lim_name" in bases:
        kv_of = dict(zip(bases["conn_name"], bases["conn_kv"], strict=True))
        table = pd.DataFrame({"conn_name": bases["lim_name"].to_numpy(),
                              "conn_kv": [kv_of.get(n, np.nan) for n in bases["lim_name"]],
                              "conn_cap_mw": bases["lim_cap_mw"].to_numpy(dtype=float),
                              "cap_mw": bases["cap_mw"].to_numpy(dtype=float)})
    else:
        table = bases
    use = table.groupby("conn_name").agg(conn_kv=("conn_kv", "first"),
                                         conn_cap_mw=("conn_cap_mw", "first"),
                                         used_mw=("cap_mw", "sum"),
                                         n_bases=("cap_mw", "size")).reset_index()
    use["left_mw"] = use["conn_cap_mw"] - use["used_mw"]
    use = use.sort_values(["left_mw", "conn_name"], kind="stable").reset_index(drop=True)
    return use[["conn_name", "conn_kv", "conn_cap_mw", "used_mw", "left_mw", "n_bases"]]


def capacity_at_cost(curve, lcoe_cny_kwh: float) -> float:
    """GW of the bases whose LCOE is at most ``lcoe_cny_kwh``."""
    cheap = curve["lcoe"].to_numpy(dtype=float) <= lcoe_cny_kwh
    return float(curve["cap_mw"].to_numpy(dtype=float)[cheap].sum() / 1000.0)


def cost_at_capacity(curve, gw: float) -> float | None:
    """LCOE of the base that brings the running total to ``gw`` (None if never reached)."""
    reached = np.flatnonzero(curve["cum_gw"].to_numpy(dtype=float) >= gw - 1e-9)
    return None if len(reached) == 0 else float(curve["lcoe"].iloc[reached[0]])


def supply_curve_csv(curve) -> bytes:
    """``supply_curve.csv``: UTF-8 with BOM (opens in Excel), LCOE to 4 decimals."""
    rounded = curve.round({"cap_mw": 1, "energy_gwh": 1, "lcoe": 4, "cum_gw": 3,
                           "conn_km": 1, "conn_cap_mw": 1, "upg_mw": 1, "new_km": 1,
                           "lim_cap_mw": 1, "lim_used_mw": 1})
    return rounded.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
