"""Ranking, filters, the shortlist and per-league totals against the target."""
from __future__ import annotations

import numpy as np

from siting.errors import SitingError

#: Region target for 2030, GW: "new-energy capacity above 200 GW (2亿千瓦)"
#: (policy-zh.txt; domain.md ✅).
TARGET_2030_GW = 200.0
#: Preset from the 2023 regional action plan: >300 GW by 2030 (domain.md ⚠️).
TARGET_2030_RAISED_GW = 300.0
#: Default shortlist filter: minimum score (0-100).
DEFAULT_MIN_SCORE = 50.0
#: Default limit on the parcels the map draws. It never cuts the shortlist or its
#: totals (issue 11: a count limit may thin what the map draws, never what is counted).
DEFAULT_SHORTLIST_SIZE = 3000
#: The shortlist takes parcels in rank order until its capacity reaches this
#: multiple of the target. 1.0 = exactly the target; raise it for a reserve of
#: sites lost at the project stage (assumption ❌, editable, shown in the app).
DEFAULT_TARGET_MULTIPLE = 1.0
#: Ranking orders: by score (suitability) or by LCOE (cost incl. grid connection).
RANK_BY = ("score", "lcoe")
#: Default league grouping (domain.md ⚠️: no official three-way grouping found;
#: Xilingol is "central" here, "east" in some definitions).
DEFAULT_LEAGUE_GROUPS = {
    "west": ["乌海市", "鄂尔多斯市", "巴彦淖尔市", "阿拉善盟"],
    "central": ["呼和浩特市", "包头市", "乌兰察布市", "锡林郭勒盟"],
    "east": ["赤峰市", "通辽市", "呼伦贝尔市", "兴安盟"],
}
#: Centralised capacity allowed in the east group, as a share of the target.
#: policy-zh.txt §十二: "在中部和西部地区布局大型风电、光伏基地项目：东部地区以分布式新能源为主，
#: 适当发展集中式新能源" — large bases go to the centre and west; the east is mainly
#: distributed and builds centralised plants only "where appropriate". No number is
#: given: 10% of the target (20 GW of 200) keeps the east's centralised share well
#: below the 90% left to the west and centre while allowing a few bases near its
#: best wind (assumption ❌, editable in targets.group_caps_gw).
EAST_CAP_SHARE_OF_TARGET = 0.10
DEFAULT_GROUP_CAPS_GW = {"east": EAST_CAP_SHARE_OF_TARGET * TARGET_2030_GW}
#: Encouraged land kinds, in the order of the flag columns ``is_<kind>``.
LAND_KINDS = ("desert", "sandy", "mine", "border")
FLAG_COLUMNS = tuple(f"is_{kind}" for kind in LAND_KINDS)


def land_flags(desert_frac, sandy_frac, mine_frac, border_belt, *, min_share: float = 0.3
               ) -> dict[str, np.ndarray]:
    """Overlapping 0/1 land flags: ``is_desert``, ``is_sandy``, ``is_mine``, ``is_border``.

    A parcel is desert/sandy/mine land when that share reaches ``min_share``
    (the rule of the dominant ``land_type``), border land when it lies in the
    border belt (a distance band). A parcel can carry several flags: a desert
    parcel 20 km from the border is both desert and border land.
    """
    return {"is_desert": (np.asarray(desert_frac, float) >= min_share).astype(np.int8),
            "is_sandy": (np.asarray(sandy_frac, float) >= min_share).astype(np.int8),
            "is_mine": (np.asarray(mine_frac, float) >= min_share).astype(np.int8),
            "is_border": np.asarray(border_belt, bool).astype(np.int8)}


def _descending(values) -> np.ndarray:
    """Sort key that puts high values first and NaN last."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), -values, np.inf)


def _ascending(values) -> np.ndarray:
    """Sort key that puts low values first and NaN last."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.inf)


def rank(scores, lcoe=None, resource=None, *, by: str = "score", ids=None,
         id_order=None) -> np.ndarray:
    """1-based rank of each parcel (1 = best).

    ``by='score'``: higher score first; ties go to the lower LCOE, then the
    better resource (e.g. full-load hours). ``by='lcoe'``: lower LCOE first
    among parcels that score above 0, then the better resource, then the higher
    score; 0-score parcels come last. Input order never decides; ``ids`` (e.g.
    parcel ids) only order parcels equal in everything else, so the result does
    not depend on how the table was sorted. ``id_order`` (:func:`id_order_of` of ``ids``,
    e.g. kept with the parcel table) saves sorting the ids again.
    """
    if by not in RANK_BY:
        raise SitingError(f"rank_by {by!r} is not one of {RANK_BY}",
                          zh=f"rank_by {by!r} 不在 {RANK_BY} 之中")
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    lcoe = np.full(n, np.nan) if lcoe is None else np.asarray(lcoe, dtype=float)
    resource = np.full(n, np.nan) if resource is None else np.asarray(resource, dtype=float)
    last = (np.asarray(id_order) if id_order is not None
            else np.zeros(n) if ids is None else id_order_of(ids))
    if by == "score":
        keys = (_descending(scores), _ascending(lcoe), _descending(resource), last)
    else:
        keys = ((scores <= 0).astype(int), _ascending(lcoe), _descending(resource),
                _descending(scores), last)
    order = np.lexsort(tuple(reversed(keys)))  # lexsort sorts by the last key first
    ranks = np.empty(n, dtype=int)
    ranks[order] = np.arange(1, n + 1)
    return ranks


def id_order_of(ids) -> np.ndarray:
    """Position of each id among the sorted distinct ids (as text): :func:`rank`'s last key."""
    return np.unique(np.asarray(ids, dtype=str), return_inverse=True)[1]


def select_shortlist(parcels, *, min_score: float = DEFAULT_MIN_SCORE, leagues=None,
                     land_types=None, max_capacity_mw: float | None = None,
                     group_caps_mw: dict[str, float] | None = None, groups=None):
    """Parcels taken in rank order until their capacity reaches ``max_capacity_mw``.

    Parameters
    ----------
    parcels : DataFrame with ``score``, ``rank``, ``league``, ``cap_mw`` and, for
        ``land_types``, the flags ``is_desert`` … ``is_border``.
    min_score : float
        Lowest score kept (0-100); parcels scoring 0 never enter.
    leagues : list of str, optional
        Keep only these leagues (Chinese names).
    land_types : list of str, optional
        Keep parcels carrying any of these flags (desert | sandy | mine |
        border); 'other' keeps parcels with none.
    max_capacity_mw : float, optional
        Stop once the shortlist holds this much capacity (the parcel that
        crosses the line is kept); None takes every eligible parcel.
    group_caps_mw : dict, optional
        {group: MW}: a group's parcels are taken in rank order only while its
        total stays within the cap (e.g. the east, mainly distributed).
    groups : dict, optional
        {group: [league, ...]} for ``group_caps_mw`` (default west/central/east).

    There is no count limit: the map may draw fewer (:func:`map_subset`), the
    totals always count every parcel taken.
    """
    keep = (parcels["score"] >= min_score) & (parcels["score"] > 0) & (parcels["cap_mw"] > 0)
    if leagues:
        keep &= parcels["league"].isin(list(leagues))
    if land_types:
        keep &= land_mask(parcels, land_types)
    # row positions first, the table taken once at the end (a weight change re-runs this
    # on every parcel; each intermediate table copied every column)
    rows = np.flatnonzero(np.asarray(keep, dtype=bool))
    rows = rows[np.argsort(parcels["rank"].to_numpy()[rows], kind="stable")]
    cap = parcels["cap_mw"].to_numpy(dtype=float)
    if group_caps_mw:
        import pandas as pd

        groups = groups if groups is not None else DEFAULT_LEAGUE_GROUPS
        # one look-up per distinct league (code -1: no league, no group)
        codes, names = pd.factorize(parcels["league"].take(rows).to_numpy(dtype=object))
        group = np.array([group_of_league(name, groups) for name in names] + [""],
                         dtype=object)[codes]
        within = np.ones(len(rows), dtype=bool)
        for name, cap_mw in group_caps_mw.items():
            member = group == name
            running = np.cumsum(np.where(member, cap[rows], 0.0))
            within &= ~member | (running <= cap_mw + 1e-9)
        rows = rows[within]
    if max_capacity_mw is not None:
        before = _running_sum(cap[rows]) - cap[rows]
        rows = rows[before < max_capacity_mw]
    return parcels.iloc[rows]


def _running_sum(values) -> np.ndarray:
    """Running sum skipping NaN, as ``pandas.Series.cumsum`` (NaN stays NaN)."""
    import pandas as pd

    return pd.Series(values, dtype=float).cumsum().to_numpy()


def land_mask(parcels, land_types) -> np.ndarray:
    """True for parcels carrying any flag of ``land_types`` ('other': no flag at all)."""
    unknown = sorted(set(land_types) - set(LAND_KINDS) - {"other"})
    if unknown:
        raise SitingError(f"unknown land types {unknown}; allowed: "
                          f"{', '.join(LAND_KINDS + ('other',))}",
                          zh=f"未知用地类型 {unknown}；可选：{', '.join(LAND_KINDS + ('other',))}")
    flags = {kind: parcels[f"is_{kind}"].to_numpy().astype(bool) for kind in LAND_KINDS}
    none = ~np.any(np.column_stack(list(flags.values())), axis=1)
    mask = np.zeros(len(parcels), dtype=bool)
    for kind in land_types:
        mask |= none if kind == "other" else flags[kind]
    return mask


def map_subset(shortlist, size: int = DEFAULT_SHORTLIST_SIZE):
    """The best ``size`` shortlisted parcels, for drawing only (totals use all)."""
    return shortlist.sort_values("rank", kind="stable").head(int(size))


def shortfall_gw(capacity_gw: float, goal_gw: float | None) -> float:
    """GW missing to the goal (target × multiple) when eligible land runs out; 0 if met."""
    if goal_gw is None:
        return 0.0
    return max(0.0, float(goal_gw) - float(capacity_gw))


def shortfall_message(summary: dict, lang: str = "zh") -> str:
    """Deprecated: call ``siting.labels.shortfall_text`` (the sentence lives with the
    other labels); kept for one release for its callers."""
    from siting.labels import shortfall_text

    return shortfall_text(summary, lang)


def group_of_league(league: str, groups: dict[str, list[str]]) -> str:
    """'west' / 'central' / 'east' (or '' if not listed) for a league name."""
    for group, members in groups.items():
        if league in members:
            return group
    return ""


def _groups_of(shortlist, groups) -> np.ndarray:
    """:func:`group_of_league` of each row's league (object array; one look-up per
    distinct league, '' for a missing one)."""
    import pandas as pd

    codes, names = pd.factorize(shortlist["league"].to_numpy(dtype=object))
    return np.array([group_of_league(name, groups) for name in names] + [""],
                    dtype=object)[codes]


def league_totals(shortlist, *, all_leagues, target_gw: float = TARGET_2030_GW,
                  groups=None, league_targets_gw: dict[str, float] | None = None):
    """Shortlisted capacity and energy per league, with its share of the target.

    Returns
    -------
    pandas.DataFrame indexed by league with ``group``, ``n_parcels``, ``cap_gw``,
    ``energy_twh``, ``share_of_target`` (0-1, of the region's target),
    ``league_target_gw`` (NaN without one) and ``share_of_league_target``
    (0-1, NaN without one), sorted by capacity.
    """
    import pandas as pd

    groups = groups if groups is not None else DEFAULT_LEAGUE_GROUPS
    # the same group sums as a named .agg, without its per-call overhead
    grouped = shortlist.groupby("league")
    agg = grouped[["cap_mw", "energy_gwh"]].sum()
    agg.insert(0, "n_parcels", grouped.size())
    table = pd.DataFrame(index=pd.Index(list(all_leagues), name="league"))
    table = table.join(agg).fillna(0.0)
    table["n_parcels"] = table["n_parcels"].astype(int)
    table["cap_gw"] = table.pop("cap_mw") / 1000.0
    table["energy_twh"] = table.pop("energy_gwh") / 1000.0
    table["share_of_target"] = table["cap_gw"] / target_gw if target_gw > 0 else np.nan
    targets = league_targets_gw or {}
    table["league_target_gw"] = [float(targets[name]) if name in targets else np.nan
                                 for name in table.index]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_of_league_target"] = np.where(table["league_target_gw"] > 0,
                                                   table["cap_gw"] / table["league_target_gw"],
                                                   np.nan)
    table.insert(0, "group", [group_of_league(name, groups) for name in table.index])
    return table.sort_values("cap_gw", ascending=False, kind="stable")


def group_totals(shortlist, *, groups=None, target_gw: float = TARGET_2030_GW,
                 group_caps_gw: dict[str, float] | None = None) -> dict[str, dict]:
    """{group: {capacity_gw, energy_twh, share_of_capacity, share_of_target, cap_gw}}.

    Every group of ``groups`` appears (0 when empty); ``cap_gw`` is None
    without a cap. Leagues in no group are summed under ''.
    """
    groups = groups if groups is not None else DEFAULT_LEAGUE_GROUPS
    caps = group_caps_gw or {}
    group = _groups_of(shortlist, groups)
    cap = shortlist["cap_mw"].groupby(group).sum() / 1000.0
    energy = shortlist["energy_gwh"].groupby(group).sum() / 1000.0
    total = float(cap.sum())
    names = list(groups) + ([""] if "" in cap.index else [])
    return {name: {"capacity_gw": round(float(cap.get(name, 0.0)), 3),
                   "energy_twh": round(float(energy.get(name, 0.0)), 3),
                   "share_of_capacity": round(float(cap.get(name, 0.0)) / total, 4)
                   if total > 0 else 0.0,
                   "share_of_target": round(float(cap.get(name, 0.0)) / target_gw, 4)
                   if target_gw > 0 else None,
                   "cap_gw": caps.get(name)}
            for name in names}


def policy_glance(shortlist, *, groups=None) -> dict:
    """The result against the policy (§十二) at a glance.

    Returns
    -------
    dict with ``gw`` {west, central, east: GW} and ``share`` {desert, sandy,
    mine, border, any: share 0-1 of the shortlisted capacity on land carrying
    that flag; 'any' = at least one encouraged flag}. Flags overlap, so the
    shares may add up to more than 1.
    """
    groups = groups if groups is not None else DEFAULT_LEAGUE_GROUPS
    cap = shortlist["cap_mw"].to_numpy(dtype=float)
    total = float(cap.sum())
    group = _groups_of(shortlist, groups)
    gw = {name: round(float(cap[group == name].sum()) / 1000.0, 3) for name in groups}
    share, any_flag = {}, np.zeros(len(shortlist), dtype=bool)
    for kind in LAND_KINDS:
        flag = shortlist[f"is_{kind}"].to_numpy().astype(bool) if len(shortlist) else any_flag
        any_flag |= flag
        share[kind] = round(float(cap[flag].sum()) / total, 4) if total > 0 else 0.0
    share["any"] = round(float(cap[any_flag].sum()) / total, 4) if total > 0 else 0.0
    return {"gw": gw, "share": share}
