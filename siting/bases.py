"""Candidate bases: shortlisted parcels grouped into GW-scale bases.

The default method grows capacity-bounded bases around grid connection points
(``form_bases``): parcels are taken in rank order and each joins the cheapest
connection point within reach that still has room, into a base of at most
``max_gw`` that spans at most ``max_extent_km``; the bases at one point never
take more than its available capacity (or pay for an upgrade beyond it). A
base below ``min_gw`` is dissolved and its parcels may join a neighbouring
base. The old method merges touching parcels (``assign_bases``).
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from siting.errors import SitingError

Contiguity = Literal["queen", "rook"]
CONTIGUITY = ("queen", "rook")
#: Minimum capacity of a candidate base, GW (issue 3 default; "GW-scale" bases).
DEFAULT_MIN_BASE_GW = 1.0
#: Maximum capacity of a base, GW: the region's approved large bases are each about
#: 1-16 GW (national desert/gobi base batches; the largest Kubuqi projects ~10-16 GW;
#: domain.md ⚠️).
DEFAULT_MAX_BASE_GW = 16.0
#: Maximum distance across a base, km ❌ (a 16 GW PV base at 50 MW/km² is ~320 km² of
#: arrays; 80 km keeps collector lines within one 220/500 kV collection system).
DEFAULT_MAX_EXTENT_KM = 80.0
OverCapacity = Literal["next", "upgrade"]
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
        raise SitingError(f"contiguity {contiguity!r} is not one of {CONTIGUITY}",
                          zh=f"邻接方式 {contiguity!r} 无效，只能是 {CONTIGUITY} 之一")
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


def summarise_bases(parcels, *, id_column: str = "base_id", points=None):
    """One row per base: capacity, energy, cost, land, place and connection.

    ``parcels`` needs ``base_id, cap_mw, energy_gwh, score, league, land_type, lcoe``
    and geometry (equal-area CRS, metres); optional ``banner``, ``foot_km2`` (land
    occupied), ``cap_w_mw``/``cap_pv_mw`` (hybrid), and from :func:`form_bases`
    ``conn_id``, ``conn_km``, ``upg_mw`` and ``lcoe_b`` (the parcel's LCOE with the
    base's connection instead of the nearest-substation one). ``points`` (from
    ``siting.connection.connection_points``) names the connection point.

    Returns
    -------
    GeoDataFrame sorted by capacity: ``base_id, n_parcels, cap_mw, energy_gwh, flh,
    score, leagues, league, banners, land_type, sh_desert … sh_other`` (capacity shares
    by land type), ``lcoe`` (CNY/kWh, energy-weighted, incl. connection),
    ``area_km2`` (outline), ``foot_km2``, ``extent_km``, ``lon``/``lat`` (centroid),
    and with a connection ``conn_id, conn_name, conn_kv, conn_km, conn_cap_mw,
    conn_lon, conn_lat, upg_mw``.
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
    lcoe = table["lcoe_b"] if "lcoe_b" in table else table["lcoe"]
    table["_score_cap"] = table["score"] * table["cap_mw"]
    table["_lcoe_energy"] = lcoe.fillna(0) * table["energy_gwh"]
    table["_km_cap"] = (table["conn_km"].fillna(0) * table["cap_mw"] if "conn_km" in table
                        else 0.0)
    sums = table.groupby(id_column).agg(
        n_parcels=("cap_mw", "size"), cap_mw=("cap_mw", "sum"),
        energy_gwh=("energy_gwh", "sum"), score_cap=("_score_cap", "sum"),
        score_mean=("score", "mean"), lcoe_energy=("_lcoe_energy", "sum"),
        km_cap=("_km_cap", "sum"))
    league_cap = table.groupby([id_column, "league"])["cap_mw"].sum()
    land_cap = table.groupby([id_column, "land_type"])["cap_mw"].sum()
    banner_cap = (table.groupby([id_column, "banner"])["cap_mw"].sum() if "banner" in table
                  else None)
    point_rows = (points.set_index("conn_id") if points is not None and len(points)
                  else None)
    geoms = members.geometry.to_numpy()
    codes, uniques = pd.factorize(members[id_column], sort=True)
    rows = []
    for code, base_id in enumerate(uniques):
        agg = sums.loc[base_id]
        cap, energy = agg["cap_mw"], agg["energy_gwh"]
        leagues = league_cap.loc[base_id].sort_values(ascending=False, kind="stable")
        land = land_cap.loc[base_id].sort_values(ascending=False, kind="stable")
        in_base = codes == code
        outline = shapely.union_all(geoms[in_base])
        row = {"base_id": base_id, "n_parcels": int(agg["n_parcels"]), "cap_mw": cap,
               "energy_gwh": energy, "flh": energy * 1000.0 / cap if cap else np.nan,
               "score": agg["score_cap"] / cap if cap else agg["score_mean"],
               "leagues": "、".join(leagues.index), "league": leagues.index[0],
               "land_type": land.index[0],
               "lcoe": agg["lcoe_energy"] / energy if energy else np.nan,
               "area_km2": shapely.area(outline) / 1e6,
               "extent_km": extent_km(outline),
               "geometry": outline}
        for kind in LAND_TYPES:
            row[f"sh_{kind}"] = float(land.get(kind, 0.0) / cap) if cap else 0.0
        if banner_cap is not None:
            banners = banner_cap.loc[base_id].sort_values(ascending=False, kind="stable")
            row["banners"] = "、".join(str(b) for b in banners.index)
        for extra in ("cap_w_mw", "cap_pv_mw", "foot_km2", "upg_mw"):
            if extra in table:
                row[extra] = table.loc[in_base, extra].sum()
        if "conn_id" in table:
            conn = table.loc[in_base, "conn_id"].dropna()
            row["conn_id"] = conn.iloc[0] if len(conn) else None
            row["conn_km"] = agg["km_cap"] / cap if cap else np.nan
            if point_rows is not None and row["conn_id"] in point_rows.index:
                point = point_rows.loc[row["conn_id"]]
                row.update({"conn_name": point["conn_name"], "conn_kv": point["conn_kv"],
                            "conn_cap_mw": point["conn_cap_mw"],
                            "conn_lon": point["lon"], "conn_lat": point["lat"]})
        rows.append(row)
    bases = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=parcels.crs)
    centre = bases.geometry.centroid.to_crs(4326)
    bases["lon"], bases["lat"] = centre.x.to_numpy(), centre.y.to_numpy()
    return bases.sort_values(["cap_mw", "base_id"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)

def _half_diagonal_m(geoms) -> np.ndarray:
    """Half the bounding-box diagonal of each geometry, m (a parcel's reach from its centre)."""
    import shapely

    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    return 0.5 * np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])


def _check_limits(min_gw: float, max_gw: float, max_extent_km: float) -> None:
    if not (np.isfinite(max_gw) and max_gw > 0):
        raise SitingError(f"bases.max_capacity_gw must be > 0 GW, got {max_gw!r}",
                          zh=f"bases.max_capacity_gw 必须大于 0 GW（当前值：{max_gw!r}）")
    if not (np.isfinite(min_gw) and 0 <= min_gw <= max_gw):
        raise SitingError(f"bases.min_capacity_gw {min_gw!r} must lie in [0, max_capacity_gw "
                          f"{max_gw!r}]; lower the minimum or raise the maximum",
                          zh=f"bases.min_capacity_gw {min_gw!r} 必须在 [0, max_capacity_gw "
                             f"{max_gw!r}] 之间；请降低下限或提高上限")
    if not (np.isfinite(max_extent_km) and max_extent_km > 0):
        raise SitingError(f"bases.max_extent_km must be > 0 km, got {max_extent_km!r}",
                          zh=f"bases.max_extent_km 必须大于 0 km（当前值：{max_extent_km!r}）")


def form_bases(shortlist, points, *, min_gw: float = DEFAULT_MIN_BASE_GW,
               max_gw: float = DEFAULT_MAX_BASE_GW,
               max_extent_km: float = DEFAULT_MAX_EXTENT_KM,
               max_connection_km: float = 100.0, over_capacity: OverCapacity = "next",
               transmission_cny_per_mw_km: float = 7_200.0,
               upgrade_cny_per_kw: float = 500.0, max_upgrade_mw: float = 2_000.0,
               cap_column: str = "cap_mw",
               order_column: str = "rank", id_column: str = "parcel_id"):
    """Group shortlisted parcels into bases around connection points.

    Parcels are taken in ``order_column`` order (ties by ``id_column``), so the
    result never depends on the order of the rows. Each parcel tries the points
    within ``max_connection_km`` from the cheapest connection (line cost × distance,
    plus the upgrade cost of any MW beyond the point's room when ``over_capacity`` is
    ``"upgrade"``) and joins the first open base there whose first parcel is close
    enough to keep the base within ``max_extent_km`` and whose capacity stays within
    ``max_gw``, or opens a new base if the point has room. Bases below ``min_gw`` are
    dissolved; their parcels then try to join the surviving bases (never opening one).

    Parameters
    ----------
    shortlist : GeoDataFrame (equal-area CRS, metres) with ``cap_column`` (MW),
        ``order_column`` and ``id_column``.
    points : DataFrame from ``siting.connection.connection_points`` (``conn_id``,
        ``x``, ``y``, ``conn_cap_mw``).
    over_capacity : "next" | "upgrade"
        A full point sends the parcel to the next point, or takes it at
        ``upgrade_cny_per_kw`` for the MW beyond its room, up to ``max_upgrade_mw``
        beyond the point's capacity (then the next point).

    Returns
    -------
    pandas.DataFrame indexed like ``shortlist``: ``base_id`` (``B001`` … by capacity,
    None outside a base), ``conn_id``, ``conn_km`` (parcel centre to point, km),
    ``upg_mw`` (MW of the parcel beyond the point's room).
    """
    import pandas as pd
    import shapely
    from scipy.spatial import cKDTree

    _check_limits(min_gw, max_gw, max_extent_km)
    if over_capacity not in ("next", "upgrade"):
        raise SitingError(f"grid.over_capacity {over_capacity!r} is not one of "
                          "('next', 'upgrade')",
                          zh=f"grid.over_capacity {over_capacity!r} 无效，只能是 'next' 或 "
                             "'upgrade'")
    n = len(shortlist)
    out = pd.DataFrame({"base_id": np.full(n, None, dtype=object),
                        "conn_id": np.full(n, None, dtype=object),
                        "conn_km": np.full(n, np.nan), "upg_mw": np.zeros(n)},
                       index=shortlist.index)
    if n == 0 or len(points) == 0:
        return out
    geoms = shortlist.geometry.to_numpy()
    centre = shapely.centroid(geoms)
    xy = np.column_stack([shapely.get_x(centre), shapely.get_y(centre)])
    reach_m = max_extent_km * 500.0 - _half_diagonal_m(geoms).max()
    cap = shortlist[cap_column].to_numpy(dtype=float)
    max_mw = max_gw * 1000.0
    pxy = points[["x", "y"]].to_numpy(dtype=float)
    room0 = points["conn_cap_mw"].to_numpy(dtype=float)
    point_ids = points["conn_id"].astype(str).to_numpy()
    near = cKDTree(pxy).query_ball_point(xy, r=max_connection_km * 1000.0)
    order = np.lexsort((shortlist[id_column].astype(str).to_numpy(),
                        np.nan_to_num(shortlist[order_column].to_numpy(dtype=float),
                                      nan=np.inf)))
    line_cost = transmission_cny_per_mw_km / 1000.0  # CNY per kW per km

    def assign(rows, room, bases, *, may_open: bool):
        """Place ``rows`` in order; ``bases`` is a list of dicts (point, anchor, mw, rows)."""
        at_point: dict[int, list[int]] = {}
        for b, base in enumerate(bases):
            at_point.setdefault(base["point"], []).append(b)
        placed = {}
        for i in rows:
            if not (cap[i] > 0) or cap[i] > max_mw or not near[i]:
                continue
            cands = np.asarray(sorted(near[i]), dtype=int)
            km = np.hypot(*(pxy[cands] - xy[i]).T) / 1000.0
            over = np.clip(cap[i] - np.maximum(room[cands], 0.0), 0.0, None)
            cost = line_cost * km + np.where(over > 0, upgrade_cny_per_kw * over / cap[i],
                                             0.0)
            headroom = room[cands] + (max_upgrade_mw if over_capacity == "upgrade" else 0.0)
            cost = np.where(cap[i] > headroom + 1e-9, np.inf, cost)
            for c in np.lexsort((point_ids[cands], cost)):
                if not np.isfinite(cost[c]):
                    break
                p = int(cands[c])
                target = None
                for b in at_point.get(p, []):
                    base = bases[b]
                    if (base["mw"] + cap[i] <= max_mw + 1e-9
                            and np.hypot(*(xy[i] - base["anchor"])) <= reach_m):
                        target = b
                        break
                if target is None and may_open:
                    bases.append({"point": p, "anchor": xy[i], "mw": 0.0, "rows": []})
                    target = len(bases) - 1
                    at_point.setdefault(p, []).append(target)
                if target is None:
                    continue
                bases[target]["mw"] += cap[i]
                bases[target]["rows"].append(i)
                placed[i] = (target, p, km[c], over[c])
                room[p] -= cap[i]
                break
        return placed

    room = room0.copy()
    bases: list[dict] = []
    placed = assign(order, room, bases, may_open=True)
    small = {b for b, base in enumerate(bases) if base["mw"] < min_gw * 1000.0 - 1e-9}
    if small:
        loose = [i for i in order if i in placed and placed[i][0] in small]
        room = room0.copy()
        kept = [b for b in range(len(bases)) if b not in small]
        renumber = {b: k for k, b in enumerate(kept)}
        bases = [bases[b] for b in kept]
        placed = {i: (renumber[v[0]], *v[1:]) for i, v in placed.items() if v[0] not in small}
        for i, (_, p, _, _) in placed.items():
            room[p] -= cap[i]
        placed.update(assign(loose, room, bases, may_open=False))
    # names by capacity (largest first), ties by the first parcel's id
    ids = shortlist[id_column].astype(str).to_numpy()
    mw = np.array([base["mw"] for base in bases])
    first = np.array([min(ids[r] for r in base["rows"]) if base["rows"] else ""
                      for base in bases], dtype=object)
    names = {b: f"B{k:03d}" for k, b in enumerate(np.lexsort((first, -mw)), start=1)}
    base_id = np.full(n, None, dtype=object)
    conn_id = np.full(n, None, dtype=object)
    conn_km = np.full(n, np.nan)
    upg_mw = np.zeros(n)
    for i, (b, p, km, over) in placed.items():
        base_id[i], conn_id[i], conn_km[i], upg_mw[i] = names[b], point_ids[p], km, over
    out["base_id"], out["conn_id"], out["conn_km"], out["upg_mw"] = (base_id, conn_id, conn_km,
                                                                      upg_mw)
    return out


def extent_km(geometry) -> float:
    """Largest distance across a geometry, km (between its convex hull's vertices)."""
    import shapely

    hull = shapely.convex_hull(geometry)
    coords = shapely.get_coordinates(hull)
    if len(coords) < 2:
        return 0.0
    diff = coords[:, None, :] - coords[None, :, :]
    return float(np.sqrt((diff ** 2).sum(axis=-1)).max() / 1000.0)
