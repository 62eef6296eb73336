"""Candidate bases: contiguous shortlisted parcels merged into GW-scale groups.

Two parcels are neighbours when they share an edge (rook) or at least a
corner (queen). A connected group becomes a base when its capacity reaches
the minimum (default 1 GW, issue 3).
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from siting.errors import SitingError

Contiguity = Literal["queen", "rook"]
CONTIGUITY = ("queen", "rook")
#: Minimum capacity of a candidate base, GW (issue 3 default; "GW-scale" bases).
DEFAULT_MIN_BASE_GW = 1.0
#: Shared boundary shorter than this is a corner touch, metres (rook contiguity).
CORNER_TOLERANCE_M = 1.0
#: Land types a base can be dominated by (zh, en).
LAND_TYPES = {"desert": ("沙漠戈壁", "desert/gobi"), "sandy": ("沙地治理区", "sandy land"),
              "mine": ("矿区修复", "mine restoration"), "border": ("沿边地带", "border belt"),
              "other": ("其他", "other")}


def neighbour_pairs(geoms, *, contiguity: Contiguity = "queen", tolerance_m: float = 1e-6):
    """(i, j) index pairs, i < j, of parcels that touch.

    ``tolerance_m`` lets parcels separated by rounding gaps count as touching.
    """
    import shapely

    if contiguity not in CONTIGUITY:
        raise SitingError(f"contiguity {contiguity!r} is not one of {CONTIGUITY}")
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left < right
    left, right = left[keep], right[keep]
    if contiguity == "rook" and len(left):
        shared = shapely.length(shapely.intersection(
            shapely.boundary(geoms[left]), shapely.buffer(geoms[right], tolerance_m + 1e-3)))
        keep = shared > CORNER_TOLERANCE_M
        left, right = left[keep], right[keep]
    return left, right


def connected_groups(n: int, left, right) -> np.ndarray:
    """Component label (0..k-1) of each of ``n`` nodes given undirected edges."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def assign_bases(shortlist, *, contiguity: Contiguity = "queen",
                 min_base_gw: float = DEFAULT_MIN_BASE_GW, cap_column: str = "cap_mw"):
    """Label each shortlisted parcel with its base (``B001`` …, by capacity) or None.

    Returns
    -------
    numpy.ndarray of object: base id per row of ``shortlist``; None where the
    parcel's group is below ``min_base_gw``.
    """
    n = len(shortlist)
    if n == 0:
        return np.array([], dtype=object)
    left, right = neighbour_pairs(shortlist.geometry.to_numpy(), contiguity=contiguity)
    labels = connected_groups(n, left, right)
    cap_gw = np.bincount(labels, weights=shortlist[cap_column].to_numpy()) / 1000.0
    big = np.flatnonzero(cap_gw >= min_base_gw)
    big = big[np.argsort(-cap_gw[big], kind="stable")]
    names = {label: f"B{rank:03d}" for rank, label in enumerate(big, start=1)}
    return np.array([names.get(label) for label in labels], dtype=object)


def summarise_bases(parcels, *, id_column: str = "base_id"):
    """One row per base: capacity, energy, mean score, leagues, dominant land type.

    ``parcels`` needs ``base_id, cap_mw, energy_gwh, score, league, land_type``
    (and optionally ``cap_w_mw``/``cap_pv_mw`` for hybrid bases) and geometry.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    members = parcels[parcels[id_column].notna()]
    if members.empty:
        cols = ["base_id", "n_parcels", "cap_mw", "energy_gwh", "flh", "score", "leagues",
                "land_type", "lcoe", "geometry"]
        return gpd.GeoDataFrame(columns=cols, geometry="geometry", crs=parcels.crs)
    table = pd.DataFrame(members.drop(columns="geometry"))
    table["_score_cap"] = table["score"] * table["cap_mw"]
    table["_lcoe_energy"] = table["lcoe"].fillna(0) * table["energy_gwh"]
    sums = table.groupby(id_column).agg(
        n_parcels=("cap_mw", "size"), cap_mw=("cap_mw", "sum"),
        energy_gwh=("energy_gwh", "sum"), score_cap=("_score_cap", "sum"),
        score_mean=("score", "mean"), lcoe_energy=("_lcoe_energy", "sum"))
    league_cap = table.groupby([id_column, "league"])["cap_mw"].sum()
    land_cap = table.groupby([id_column, "land_type"])["cap_mw"].sum()
    geoms = members.geometry.to_numpy()
    codes, uniques = pd.factorize(members[id_column], sort=True)
    rows = []
    for code, base_id in enumerate(uniques):
        agg = sums.loc[base_id]
        cap, energy = agg["cap_mw"], agg["energy_gwh"]
        leagues = league_cap.loc[base_id].sort_values(ascending=False, kind="stable")
        land = land_cap.loc[base_id].sort_values(ascending=False, kind="stable")
        row = {"base_id": base_id, "n_parcels": int(agg["n_parcels"]), "cap_mw": cap,
               "energy_gwh": energy, "flh": energy * 1000.0 / cap if cap else np.nan,
               "score": agg["score_cap"] / cap if cap else agg["score_mean"],
               "leagues": "、".join(leagues.index), "league": leagues.index[0],
               "land_type": land.index[0],
               "lcoe": agg["lcoe_energy"] / energy if energy else np.nan,
               "geometry": shapely.union_all(geoms[codes == code])}
        for extra in ("cap_w_mw", "cap_pv_mw"):
            if extra in table:
                row[extra] = table.loc[codes == code, extra].sum()
        rows.append(row)
    bases = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=parcels.crs)
    return bases.sort_values("cap_mw", ascending=False, kind="stable").reset_index(drop=True)
