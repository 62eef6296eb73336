"""Shape a run's results for the app: GeoJSON for the map, labelled tables,
the per-league chart, and the parcel under a clicked point. No streamlit here.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from siting.bases import LAND_TYPES
from siting.fields import label as field_label
from ui.i18n import t

#: Columns of the shortlist table in the app, in order.
SHORTLIST_COLUMNS = ["rank", "parcel_id", "league", "banner", "score", "base_id", "land_type",
                     "cap_mw", "energy_gwh", "flh", "lcoe", "wind_hub", "ghi_kwh", "avail_km2",
                     "grid_km", "border_km"]
BASES_COLUMNS = ["base_id", "leagues", "land_type", "n_parcels", "cap_mw", "energy_gwh", "flh",
                 "score", "lcoe", "conn_name", "conn_kv", "conn_km", "conn_cap_mw", "extent_km",
                 "area_km2", "foot_km2"]
#: Everything a base's details show (click on a base).
BASE_DETAIL_COLUMNS = ["base_id", "cap_mw", "cap_w_mw", "cap_pv_mw", "energy_gwh", "flh", "lcoe",
                       "score", "n_parcels", "leagues", "banners", "land_type", "sh_desert",
                       "sh_sandy", "sh_mine", "sh_border", "sh_other", "area_km2", "foot_km2",
                       "extent_km", "lon", "lat", "conn_name", "conn_kv", "conn_km",
                       "conn_cap_mw", "upg_mw"]
DETAIL_COLUMNS = ["score", "rank", "area_km2", "avail_km2", "excl_frac", "wind_ms", "wind_hub",
                  "wpd50", "ghi_kwh", "slope_deg", "elev_m", "grid_km", "load_km", "border_km",
                  "desert_frac", "sandy_frac", "mine_frac", "land_type", "is_desert", "is_sandy",
                  "is_mine", "is_border", "cap_mw", "cap_w_mw", "cap_pv_mw", "energy_gwh", "flh",
                  "lcoe", "lcoe_sto", "curt_frac", "iec_cls", "turbine", "hub_m", "loss_w",
                  "base_id", "synthetic"]
#: Simplification of shortlisted parcels and bases for the map, metres (Albers).
MAP_SIMPLIFY_M = 200.0
#: Decimals of the map's WGS84 coordinates: 1e-5° is ≤ 1.1 m, far below the 200 m
#: simplification (assumption: display only; halves the GeoJSON sent on every redraw).
MAP_DECIMALS = 5


def _land_label(value: str, lang: str) -> str:
    return LAND_TYPES.get(value, (value, value))[0 if lang == "zh" else 1]


class ParcelShapes(Sequence):
    """Simplified WGS84 parcel outlines by row position; ``shapes[i]`` is the GeoJSON
    geometry dict of row ``i`` (made when asked: the map draws only the shortlist),
    coordinates rounded to ``MAP_DECIMALS``."""

    def __init__(self, geometries):
        self._geometries = geometries

    def __len__(self) -> int:
        return len(self._geometries)

    @property
    def geometries(self):
        """The outlines as a shapely array (unrounded), by row position."""
        return self._geometries

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        import shapely

        rounded = shapely.transform(self._geometries[i], lambda c: np.round(c, MAP_DECIMALS))
        return json.loads(json.dumps(rounded.__geo_interface__))


def _wgs84_wkb(parcels) -> tuple[dict, dict]:
    """The simplified WGS84 outlines as one WKB byte array and its offsets."""
    import shapely

    geoms = parcels.geometry.simplify(MAP_SIMPLIFY_M).to_crs("EPSG:4326").to_numpy()
    blobs = shapely.to_wkb(geoms)
    sizes = np.fromiter((len(b) for b in blobs), dtype="int64", count=len(blobs))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    data = np.frombuffer(b"".join(blobs), dtype="uint8")
    return {"wkb": data, "offsets": offsets}, {"simplify_m": MAP_SIMPLIFY_M}


def parcel_geometries_wgs84(parcels) -> ParcelShapes:
    """Simplified WGS84 GeoJSON geometry of every parcel, by row position.

    Computed once per parcel set so redrawing the shortlist is a lookup; for a
    prepared table (``siting.inputs.prepared_cache.prepare``) stored beside it on disk,
    so a warm start or an exclusion change reads it back.
    """
    import shapely

    from siting.inputs import prepared_cache

    arrays, _ = prepared_cache.derived(parcels, "map-wgs84", lambda: _wgs84_wkb(parcels),
                                       code=(_wgs84_wkb,))
    data, offsets = arrays["wkb"].tobytes(), arrays["offsets"]
    blobs = np.array([data[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)],
                     dtype=object)
    return ParcelShapes(shapely.from_wkb(blobs))


def bases_geojson(bases, lang: str) -> dict:
    """Candidate bases as WGS84 GeoJSON with id, GW, leagues and land type."""
    if len(bases) == 0:
        return {"type": "FeatureCollection", "features": []}
    gdf = bases[["base_id", "geometry"]].copy()
    gdf["cap_gw"] = (bases["cap_mw"] / 1000).round(2)
    gdf["league"] = bases["leagues"]
    gdf["land"] = [_land_label(v, lang) for v in bases["land_type"]]
    gdf["geometry"] = gdf.geometry.simplify(MAP_SIMPLIFY_M)
    return json.loads(gdf.to_crs("EPSG:4326").to_json(drop_id=True))


def base_at(bases, lon: float, lat: float):
    """The base row whose outline contains a lon/lat point, or None."""
    import shapely

    if len(bases) == 0:
        return None
    import geopandas as gpd

    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(bases.crs).iloc[0]
    hit = bases[bases.geometry.contains(point)]
    return None if hit.empty else hit.iloc[0]


def base_detail_table(base, lang: str) -> pd.DataFrame:
    """One base's figures as (field, value) rows with labels, for the details panel."""
    cols = [c for c in BASE_DETAIL_COLUMNS if c in base.index]
    frame = _round(pd.DataFrame([base[cols]]))
    if "land_type" in frame:
        frame["land_type"] = [_land_label(v, lang) for v in frame["land_type"]]
    labelled = _labelled(frame, lang)
    key = "项目" if lang == "zh" else "field"
    value = "数值" if lang == "zh" else "value"
    return pd.DataFrame({key: labelled.columns, value: [str(v) for v in labelled.iloc[0]]})


def corridor_table(fill, lang: str) -> pd.DataFrame:
    """UHV corridors with rated and new-energy capacity and the shortlist's fill (GW, %)."""
    zh = lang == "zh"
    return pd.DataFrame({
        ("通道" if zh else "corridor"): fill["name_zh" if zh else "name_en"],
        ("额定容量 GW" if zh else "rated GW"): (fill["rated_mw"] / 1000).round(1),
        ("新能源容量 GW" if zh else "new-energy GW"): (fill["ne_mw"] / 1000).round(1),
        ("基地容量 GW" if zh else "bases GW"): (fill["bases_mw"] / 1000).round(2),
        ("占用率 %" if zh else "fill %"): (100 * fill["fill"]).round(0),
        ("含假设" if zh else "assumed"): fill["synthetic"]})


def parcel_at(parcels, lon: float, lat: float, *, lookup=None):
    """The parcel row containing a lon/lat point, or None.

    ``lookup`` (the prepared table ``parcels`` was scored from: same rows, same order)
    answers the spatial query with its spatial index, built once and kept with it,
    instead of building one for every new result table.
    """
    from shapely.geometry import Point

    where = parcels if lookup is None else lookup
    x, y = _from_lonlat(where.crs).transform(lon, lat)
    hits = where.sindex.query(Point(x, y), predicate="intersects")
    if len(hits) == 0:
        return None
    return parcels.iloc[int(hits[0])]


@lru_cache(maxsize=8)
def _from_lonlat(crs):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: field_label(c, lang) for c in frame.columns})


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            digits = 3 if column in ("lcoe", "excl_frac", "desert_frac", "sandy_frac",
                                     "mine_frac") else 1
            out[column] = out[column].round(digits)
    return out


def shortlist_table(shortlist, lang: str) -> pd.DataFrame:
    """The shortlist with labelled columns (Chinese or English), best first."""
    frame = pd.DataFrame(shortlist[[c for c in SHORTLIST_COLUMNS if c in shortlist.columns]])
    frame["base_id"] = frame["base_id"].fillna("")
    frame["land_type"] = [_land_label(v, lang) for v in frame["land_type"]]
    return _labelled(_round(frame), lang)


def bases_table(bases, lang: str) -> pd.DataFrame:
    """Candidate bases with labelled columns."""
    frame = pd.DataFrame(bases[[c for c in BASES_COLUMNS if c in bases.columns]])
    if "land_type" in frame:
        frame["land_type"] = [_land_label(v, lang) for v in frame["land_type"]]
    return _labelled(_round(frame), lang)


def parcel_detail_table(row, lang: str) -> pd.DataFrame:
    """Two-column table (field, value) of one parcel."""
    values = []
    for column in DETAIL_COLUMNS:
        value = row.get(column)
        if column == "land_type":
            value = _land_label(value, lang)
        elif isinstance(value, float | np.floating):
            value = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
        values.append((field_label(column, lang), "" if value is None else str(value)))
    return pd.DataFrame(values, columns=["指标" if lang == "zh" else "field",
                                         "数值" if lang == "zh" else "value"])


def league_table(leagues, lang: str) -> pd.DataFrame:
    """Per-league totals with labelled columns."""
    frame = leagues.reset_index()
    frame["group"] = [t(f"group_{g}", lang) if g else "" for g in frame["group"]]
    frame["share_of_target"] = (frame["share_of_target"] * 100).round(1)
    if "league_target_gw" in frame and frame["league_target_gw"].notna().any():
        frame["share_of_league_target"] = (frame["share_of_league_target"] * 100).round(1)
    else:  # no league targets set: keep the table as it was
        frame = frame.drop(columns=["league_target_gw", "share_of_league_target"],
                           errors="ignore")
    frame = frame.round({"cap_gw": 2, "energy_twh": 2})
    names = {"league": "盟市" if lang == "zh" else "league",
             "group": "分区" if lang == "zh" else "group",
             "n_parcels": "地块数" if lang == "zh" else "parcels",
             "cap_gw": "装机 GW" if lang == "zh" else "capacity GW",
             "energy_twh": "发电量 TWh/年" if lang == "zh" else "energy TWh/yr",
             "share_of_target": "占目标 %" if lang == "zh" else "% of target",
             "league_target_gw": "盟市目标 GW" if lang == "zh" else "league target GW",
             "share_of_league_target": "占盟市目标 %" if lang == "zh" else
             "% of league target"}
    return frame.rename(columns=names)


#: One colour per policy group, whatever the language (west, central, east).
GROUP_COLOURS = {"west": "#c8811a", "central": "#2b7bba", "east": "#5aa05a"}


def _group_scale(lang: str):
    import altair as alt

    return alt.Scale(domain=[t(f"group_{g}", lang) for g in GROUP_COLOURS],
                     range=list(GROUP_COLOURS.values()))


def league_chart(leagues, lang: str):
    """Horizontal bars of shortlisted GW per league, coloured by west/central/east."""
    import altair as alt

    frame = leagues.reset_index()
    frame["group_label"] = [t(f"group_{g}", lang) if g else "" for g in frame.pop("group")]
    league = "盟市" if lang == "zh" else "league"
    cap = "装机 GW" if lang == "zh" else "capacity GW"
    group = "分区" if lang == "zh" else "group"
    share = "占目标" if lang == "zh" else "share of target"
    target = "盟市目标 GW" if lang == "zh" else "league target GW"
    frame = frame.rename(columns={"league": league, "cap_gw": cap, "group_label": group,
                                  "share_of_target": share, "league_target_gw": target})
    order = frame.sort_values(cap, ascending=False, kind="stable")[league].tolist()
    bars = (alt.Chart(frame).mark_bar()
            .encode(y=alt.Y(f"{league}:N", sort=order), x=alt.X(f"{cap}:Q"),
                    color=alt.Color(f"{group}:N", scale=_group_scale(lang)),
                    tooltip=[league, alt.Tooltip(f"{cap}:Q", format=".2f"),
                             alt.Tooltip(f"{share}:Q", format=".1%")])
            .properties(height=320))
    if target not in frame or frame[target].isna().all():
        return bars
    # a black tick at each league's own target, where one is set
    ticks = (alt.Chart(frame[frame[target].notna()]).mark_tick(color="black", thickness=2)
             .encode(y=alt.Y(f"{league}:N", sort=order), x=alt.X(f"{target}:Q"),
                     tooltip=[league, alt.Tooltip(f"{target}:Q", format=".1f")]))
    return bars + ticks


def comparison_table(diff, lang: str) -> pd.DataFrame:
    """GW by league in scenarios A and B and the change."""
    frame = pd.DataFrame(diff.leagues)
    if frame.empty:
        return frame
    names = {"league": "盟市" if lang == "zh" else "league", "gw_a": "A GW", "gw_b": "B GW",
             "delta_gw": "Δ GW"}
    return frame.rename(columns=names).round(2)
