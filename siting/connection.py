"""Grid connection points and how much new-energy capacity each can take.

A connection point is a 220/500 kV substation or a UHV station (1000 kV AC
substation, ±800 kV converter station). Its available capacity comes, in this
order, from a ``cap_mw`` column of the substations layer, from the UHV export
corridor it feeds (``data/uhv_corridors.yaml``), or from the voltage-class
default. The region's UHV export corridors are listed with their published
rated capacity and the share open to new energy, with sources.

Parcels that find no existing point with room may build their own connection
(:class:`NewLines`, grid.new_lines): a 500 kV collector station per
``station_mw`` and a new double-circuit 500 kV line to the nearest point of
≥ 500 kV (:func:`upstream_points`); the UHV station upstream of that point, i.e. its
corridor's new-energy share, is then the binding limit, shared with the bases
that connect to the station directly. Costs: :func:`new_line_cny_per_kw`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siting.errors import SitingError

#: New-energy capacity a substation can take by voltage class, MW. 220 kV ❌ assumption:
#: 2 × 180 MVA banks keep ~300 MW after N-1. 500 kV ✅ from the region's new-energy
#: 500 kV collector stations: 阿荣旗 (2025) 2 × 1,200 MVA for 1.6 GW of wind
#: (内蒙古日报 2025-12-05, http://www.wh5bdv.com/article/edWeFnunci2sh1cGluZzE4Njg4NQO0O0OO0O0O.html);
#: 锡盟 "五站五线" (2020) 5 stations, 8,000 MVA, for 7 GW of wind = 1.4 GW a station
#: (http://www.dongmingdx.com/article/44531.html) -> 1,600 MW. 1000 kV AC ❌ 2 × 3,000 MVA
#: ~6,000 MW; ±800 kV ❌ 8,000 MW; a UHV station named in data/uhv_corridors.yaml takes
#: its corridors' new-energy share instead.
CAPACITY_BY_KV_MW = {220: 300.0, 500: 1_600.0, 800: 8_000.0, 1000: 6_000.0}
#: Farthest a parcel connects to a point, km (peer tools' grid distance ≤100-150 km;
#: domain.md).
MAX_CONNECTION_KM = 100.0
#: Cost of capacity beyond a point's available capacity (a new transformer bay or a
#: new 500 kV step-up station, ~2 × 1,000 MVA for ~0.9-1.0 bn CNY), CNY/kW ❌.
UPGRADE_CNY_PER_KW = 500.0
#: Most a point can be upgraded beyond its available capacity, MW ❌ (one new 500 kV
#: step-up station of 2 × 1,000 MVA beside it).
MAX_UPGRADE_MW = 2_000.0
#: New 500 kV lines (grid.new_lines), in the spirit of NREL reV's transmission-
#: constrained supply curve: a group of parcels that finds no existing point with room
#: builds its own 500 kV collector (booster) station(s) and a new double-circuit 500 kV
#: line to the nearest 500 kV substation or UHV station whose upstream UHV corridor has
#: new-energy room; the corridor's ne_mw is the binding limit.
#:
#: Capacity of one 500 kV collector station and its double-circuit line, MW ✅: the
#: sending end of 蒙西—京津冀 ±800 kV builds 5 new 500 kV stations with 11 transformers for
#: the 12 GW Kubuqi base, 2.4 GW a station (https://thekorwi.com/content/2024-11/20/content_1089905.html);
#: 阿荣旗 2 × 1,200 MVA. A 4 × 400 mm² double-circuit 500 kV line carries it.
COLLECTOR_STATION_MW = 2_400.0
#: Cost of one 500 kV collector station of COLLECTOR_STATION_MW, CNY ❌ derived: 阿荣旗
#: (2025) 730 M CNY for a 2 × 1,200 MVA station and 95.5 km of single-circuit 500 kV
#: line; at ~2.1 M CNY/km a circuit (half of LINE_500KV_CNY_PER_KM) the station is
#: ~530 M (~220 CNY/kVA). 锡盟 "五站五线" (2020: 5 stations, 8,000 MVA, 1,150 km of
#: 500 kV and 450 km of 220 kV line, 4.51 bn CNY) gives the same ~220 CNY/kVA. Check:
#: a 2.4 GW base with a 230 km line then pays ~620 CNY/kW; 五站五线 paid 645 CNY/kW
#: for 7 GW (https://m.xinnengyuan100.com/article/117174.html).
COLLECTOR_STATION_CNY = 530e6
#: Cost of a new double-circuit 500 kV line (4 × 400 mm²), CNY per km ✅: 芒哈图—阿勒泰
#: (Ordos, approved 2024) 183.8 km, dynamic investment 770.16 M CNY incl. the bays at
#: both ends = 4.19 M CNY/km (http://hrzcn.com/article/97199.html); cf. 巴林—奈曼—阜新
#: (2024) 718.3 km as two parallel single circuits for 2.345 bn CNY
#: (http://nm.people.com.cn/n2/2024/0621/c198624-40887152-5.html).
LINE_500KV_CNY_PER_KM = 4.2e6
#: Longest new 500 kV line from a collector station to the grid, km ❌ assumption
#: (锡盟 "五站五线" averages 230 km a line; 芒哈图—阿勒泰 is 184 km).
NEW_LINE_MAX_KM = 250.0
#: Lowest voltage class a new 500 kV line may end at, kV (a 500 kV bus or a UHV station).
TRUNK_MIN_KV = 500.0
#: Lowest voltage class of a UHV export station (±800 kV DC, 1000 kV AC), kV.
UHV_MIN_KV = 800.0
#: Columns of a substations layer read as the available capacity, MW (first found).
CAPACITY_COLUMNS = ("cap_mw", "capacity_mw", "avail_mw")
#: The bundled corridor table.
CORRIDORS_FILE = Path(__file__).resolve().parents[1] / "data" / "uhv_corridors.yaml"
#: Columns of the connection point table.
POINT_COLUMNS = ["conn_id", "conn_name", "conn_name_en", "conn_kv", "conn_cap_mw",
                 "cap_from", "x", "y", "lon", "lat"]


@dataclass(frozen=True)
class NewLines:
    """How a group of parcels with no existing point builds its own connection."""

    max_km: float = NEW_LINE_MAX_KM
    station_mw: float = COLLECTOR_STATION_MW
    station_cny: float = COLLECTOR_STATION_CNY
    line_cny_per_km: float = LINE_500KV_CNY_PER_KM


def new_line_cny_per_kw(mw, km, rules: NewLines = NewLines()):
    """Cost of the collector station(s) and new 500 kV line(s) of a base, CNY/kW.

    One station of ``rules.station_mw`` and one double-circuit line of ``km`` per
    ``station_mw`` (or part of it): ceil(mw / station_mw) × (station + km × line) / kW.
    """
    mw = np.asarray(mw, dtype=float)
    n = np.ceil(np.maximum(mw, 1e-9) / rules.station_mw)
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = n * (rules.station_cny + np.asarray(km, dtype=float) * rules.line_cny_per_km)
        return np.where(mw > 0, cost / (mw * 1000.0), np.nan)


def upstream_points(points, *, trunk_min_kv: float = TRUNK_MIN_KV,
                    uhv_min_kv: float = UHV_MIN_KV):
    """Which points a new 500 kV line may end at, and whose capacity then binds.

    A trunk is a point of at least ``trunk_min_kv``. Power entering a 500 kV bus
    leaves the region through the nearest UHV station (≥ ``uhv_min_kv``), so that
    station's capacity (its corridor's new-energy share) is the upstream limit; a UHV
    station is its own upstream; with no UHV station in the table a trunk is its own.

    Returns
    -------
    (trunk, upstream): bool array and int array (row of the upstream point) per point.
    """
    n = len(points)
    if n == 0 or "conn_kv" not in points:
        return np.zeros(n, dtype=bool), np.arange(n)
    kv = np.nan_to_num(points["conn_kv"].to_numpy(dtype=float), nan=0.0)
    xy = points[["x", "y"]].to_numpy(dtype=float)
    trunk = kv >= trunk_min_kv
    uhv = np.flatnonzero(kv >= uhv_min_kv)
    up = np.arange(n)
    if len(uhv):
        dist = np.hypot(*(xy[:, None, :] - xy[None, uhv, :]).transpose(2, 0, 1))
        up = uhv[np.argmin(dist, axis=1)]
        up[kv >= uhv_min_kv] = np.flatnonzero(kv >= uhv_min_kv)
    return trunk, up


def read_corridors(path: str | Path | None = None) -> list[dict]:
    """The UHV export corridors (list of dicts) from ``data/uhv_corridors.yaml``."""
    import yaml

    path = Path(path) if path is not None else CORRIDORS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SitingError(f"cannot read the corridor table {path.name}: {err}",
                          zh=f"无法读取特高压通道表 {path.name}：{err}") from err
    corridors = data.get("corridors") if isinstance(data, dict) else None
    if not isinstance(corridors, list):
        raise SitingError(f"{path.name}: expected a 'corridors:' list",
                          zh=f"{path.name}：应包含 'corridors:' 列表")
    for c in corridors:
        missing = {"id", "name_zh", "rated_mw", "ne_mw", "station_zh"} - set(c)
        if missing:
            raise SitingError(f"{path.name}: corridor {c.get('id', '?')!r} lacks {sorted(missing)}",
                              zh=f"{path.name}：通道 {c.get('id', '?')!r} 缺少字段 "
                                 f"{sorted(missing)}")
    return corridors


def _kv_default(kv: float, capacity_by_kv_mw: dict) -> float:
    """Default capacity of a voltage class; an unlisted class takes the next lower one."""
    classes = sorted(float(k) for k in capacity_by_kv_mw)
    table = {float(k): float(v) for k, v in capacity_by_kv_mw.items()}
    lower = [k for k in classes if k <= kv]
    if lower:
        return table[lower[-1]]
    return table[classes[0]] if classes else 0.0


def connection_points(substations, *, capacity_by_kv_mw: dict | None = None,
                      corridors: list[dict] | None = None):
    """One row per connection point with its available capacity.

    Parameters
    ----------
    substations : GeoDataFrame of points with ``voltage_kv`` and a name
        (``name_zh``, optional ``name_en``); any CRS. A ``cap_mw`` (or
        ``capacity_mw``/``avail_mw``) column gives the available MW and wins.
    capacity_by_kv_mw : dict, optional
        Default MW by voltage class (:data:`CAPACITY_BY_KV_MW`).
    corridors : list of dict, optional
        UHV corridors (:func:`read_corridors`): a station named as a corridor's
        ``station_zh`` takes the sum of its corridors' ``ne_mw``. Stations named by a
        corridor but absent from the layer are added at the corridor's ``lon``/``lat``.

    Returns
    -------
    pandas.DataFrame with :data:`POINT_COLUMNS`: ``x``/``y`` in the equal-area CRS (m),
    ``cap_from`` = layer | corridor | default; sorted by name, so the order of the
    layer's rows never matters.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from siting.grid import ALBERS_CRS

    if substations.crs is None:
        raise SitingError("the substations layer has no CRS; set it (e.g. EPSG:4326) "
                          "before siting",
                          zh="变电站图层没有坐标系；请先设定（如 EPSG:4326）再选址")
    table = capacity_by_kv_mw if capacity_by_kv_mw is not None else CAPACITY_BY_KV_MW
    if "voltage_kv" not in substations:
        raise SitingError("the substations layer needs a voltage_kv column (220, 500, 800, "
                          "1000) to know each point's capacity",
                          zh="变电站图层需要 voltage_kv 字段（220、500、800、1000），"
                             "才能确定每个并网点的容量")
    pts = substations[substations.geometry.notna() & ~substations.geometry.is_empty]
    pts = pts.set_geometry(shapely.centroid(pts.geometry.to_numpy()), crs=pts.crs)
    names = (pts["name_zh"] if "name_zh" in pts else pd.Series(
        [f"S{i}" for i in range(len(pts))], index=pts.index)).astype(str).to_numpy()
    names_en = (pts["name_en"].astype(str).to_numpy() if "name_en" in pts else names)
    kv = pd.to_numeric(pts["voltage_kv"], errors="coerce").to_numpy(dtype=float)
    cap = np.array([_kv_default(v, table) if np.isfinite(v) else 0.0 for v in kv])
    cap_from = np.full(len(pts), "default", dtype=object)
    wgs = pts.to_crs(4326).geometry
    lon, lat = wgs.x.to_numpy(), wgs.y.to_numpy()
    rows = pd.DataFrame({"conn_name": names, "conn_name_en": names_en, "conn_kv": kv,
                         "conn_cap_mw": cap, "cap_from": cap_from, "lon": lon, "lat": lat})
    for corridor in corridors or []:
        hit = rows["conn_name"] == corridor["station_zh"]
        if hit.any():
            first = rows.index[hit][0]
            prior = rows.at[first, "conn_cap_mw"] if rows.at[first, "cap_from"] == "corridor" \
                else 0.0
            rows.at[first, "conn_cap_mw"] = prior + float(corridor["ne_mw"])
            rows.at[first, "cap_from"] = "corridor"
        elif "lon" in corridor and "lat" in corridor:
            rows.loc[len(rows)] = {"conn_name": corridor["station_zh"],
                                   "conn_name_en": corridor.get("station_en",
                                                                corridor["station_zh"]),
                                   "conn_kv": float(corridor.get("kv", 800)),
                                   "conn_cap_mw": float(corridor["ne_mw"]),
                                   "cap_from": "corridor", "lon": float(corridor["lon"]),
                                   "lat": float(corridor["lat"])}
    for column in CAPACITY_COLUMNS:
        if column in pts:
            given = pd.to_numeric(pts[column], errors="coerce").to_numpy(dtype=float)
            ok = np.flatnonzero(np.isfinite(given))
            rows.loc[ok, "conn_cap_mw"] = given[ok]
            rows.loc[ok, "cap_from"] = "layer"
            break
    albers = gpd.GeoSeries(gpd.points_from_xy(rows["lon"], rows["lat"]),
                           crs=4326).to_crs(ALBERS_CRS)
    rows["x"], rows["y"] = albers.x.to_numpy(), albers.y.to_numpy()
    rows = rows.sort_values(["conn_name", "x", "y"], kind="stable").reset_index(drop=True)
    rows["conn_id"] = [f"C{i:03d}" for i in range(1, len(rows) + 1)]
    return rows[POINT_COLUMNS]


def corridor_fill(bases, corridors: list[dict]):
    """How much of each UHV corridor's new-energy capacity the bases fill.

    Parameters
    ----------
    bases : DataFrame with ``conn_name`` and ``cap_mw`` (one row per base); where it
        has ``lim_name`` (the point whose capacity a base takes: for a base with a new
        500 kV line, the UHV station upstream), the bases count at ``lim_name``.
    corridors : list of dict from :func:`read_corridors`.

    Returns
    -------
    pandas.DataFrame: ``corridor, name_zh, name_en, rated_mw, ne_mw, bases_mw,
    fill`` (bases_mw / ne_mw; a station shared by corridors splits its bases'
    MW in proportion to their ne_mw), ``synthetic`` (True where a figure is assumed).
    """
    import pandas as pd

    by_station: dict[str, float] = {}
    for c in corridors:
        by_station[c["station_zh"]] = by_station.get(c["station_zh"], 0.0) + float(c["ne_mw"])
    if len(bases):
        key = "lim_name" if "lim_name" in bases else "conn_name"
        at = bases.groupby(key)["cap_mw"].sum()
    else:
        at = pd.Series(dtype=float)
    rows = []
    for c in corridors:
        station_mw = float(at.get(c["station_zh"], 0.0))
        share = float(c["ne_mw"]) / by_station[c["station_zh"]] if by_station[
            c["station_zh"]] else 0.0
        filled = station_mw * share
        rows.append({"corridor": c["id"], "name_zh": c["name_zh"],
                     "name_en": c.get("name_en", c["name_zh"]),
                     "rated_mw": float(c["rated_mw"]), "ne_mw": float(c["ne_mw"]),
                     "bases_mw": filled,
                     "fill": filled / float(c["ne_mw"]) if float(c["ne_mw"]) else np.nan,
                     "synthetic": bool(c.get("synthetic", False))})
    return pd.DataFrame(rows)
