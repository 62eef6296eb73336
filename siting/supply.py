"""The supply curve: candidate bases ordered by cost with the running capacity.

It reads a table of bases (one row per base with its capacity, energy and
LCOE) and knows nothing of how the bases were formed, so it stays valid when
bases grow around connection points instead of contiguity.
"""
from __future__ import annotations

import numpy as np

#: Columns of ``supply_curve.csv``, in order.
SUPPLY_COLUMNS = ["base_id", "league", "cap_mw", "energy_gwh", "lcoe", "cum_gw"]


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
    return table


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
    rounded = curve.round({"cap_mw": 1, "energy_gwh": 1, "lcoe": 4, "cum_gw": 3})
    return rounded.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
