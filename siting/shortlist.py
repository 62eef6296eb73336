"""Ranking, filters, the shortlist and per-league totals against the target."""
from __future__ import annotations

import numpy as np

#: Region target for 2030, GW: "new-energy capacity above 200 GW (2亿千瓦)"
#: (policy-zh.txt; domain.md ✅).
TARGET_2030_GW = 200.0
#: Preset from the 2023 regional action plan: >300 GW by 2030 (domain.md ⚠️).
TARGET_2030_RAISED_GW = 300.0
#: Default shortlist filters: minimum score (0-100) and maximum parcel count.
DEFAULT_MIN_SCORE = 50.0
DEFAULT_SHORTLIST_SIZE = 3000
#: The shortlist stops once it holds this multiple of the target capacity: a
#: reserve for sites lost at the project stage (assumption ❌, editable).
DEFAULT_TARGET_MULTIPLE = 1.5
#: Default league grouping (domain.md ⚠️: no official three-way grouping found;
#: Xilingol is "central" here, "east" in some definitions).
DEFAULT_LEAGUE_GROUPS = {
    "west": ["乌海市", "鄂尔多斯市", "巴彦淖尔市", "阿拉善盟"],
    "central": ["呼和浩特市", "包头市", "乌兰察布市", "锡林郭勒盟"],
    "east": ["赤峰市", "通辽市", "呼伦贝尔市", "兴安盟"],
}


def rank(scores) -> np.ndarray:
    """1-based rank by descending score (ties keep input order); 0-score parcels rank too."""
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=int)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def select_shortlist(parcels, *, min_score: float = DEFAULT_MIN_SCORE,
                     size: int = DEFAULT_SHORTLIST_SIZE, leagues=None, land_types=None,
                     max_capacity_mw: float | None = None):
    """Top-ranked parcels passing the filters, best first.

    Parameters
    ----------
    parcels : DataFrame with ``score``, ``rank``, ``league``, ``land_type``, ``cap_mw``.
    min_score : float
        Lowest score kept (0-100); parcels scoring 0 never enter.
    size : int
        Maximum number of parcels.
    leagues, land_types : list of str, optional
        Keep only these leagues (Chinese names) / land types.
    max_capacity_mw : float, optional
        Stop once the shortlist holds this much capacity (the parcel that
        crosses the line is kept).
    """
    keep = (parcels["score"] >= min_score) & (parcels["score"] > 0) & (parcels["cap_mw"] > 0)
    if leagues:
        keep &= parcels["league"].isin(list(leagues))
    if land_types:
        keep &= parcels["land_type"].isin(list(land_types))
    chosen = parcels[keep].sort_values("rank", kind="stable").head(int(size))
    if max_capacity_mw is not None:
        before = chosen["cap_mw"].cumsum().to_numpy() - chosen["cap_mw"].to_numpy()
        chosen = chosen[before < max_capacity_mw]
    return chosen


def group_of_league(league: str, groups: dict[str, list[str]]) -> str:
    """'west' / 'central' / 'east' (or '' if not listed) for a league name."""
    for group, members in groups.items():
        if league in members:
            return group
    return ""


def league_totals(shortlist, *, all_leagues, target_gw: float = TARGET_2030_GW,
                  groups=None):
    """Shortlisted capacity and energy per league, with its share of the target.

    Returns
    -------
    pandas.DataFrame indexed by league with ``group``, ``n_parcels``, ``cap_gw``,
    ``energy_twh``, ``share_of_target`` (0-1), sorted by capacity.
    """
    import pandas as pd

    groups = groups if groups is not None else DEFAULT_LEAGUE_GROUPS
    agg = shortlist.groupby("league").agg(n_parcels=("parcel_id", "size"),
                                          cap_mw=("cap_mw", "sum"),
                                          energy_gwh=("energy_gwh", "sum"))
    table = pd.DataFrame(index=pd.Index(list(all_leagues), name="league"))
    table = table.join(agg).fillna(0.0)
    table["n_parcels"] = table["n_parcels"].astype(int)
    table["cap_gw"] = table.pop("cap_mw") / 1000.0
    table["energy_twh"] = table.pop("energy_gwh") / 1000.0
    table["share_of_target"] = table["cap_gw"] / target_gw if target_gw > 0 else np.nan
    table.insert(0, "group", [group_of_league(name, groups) for name in table.index])
    return table.sort_values("cap_gw", ascending=False, kind="stable")
