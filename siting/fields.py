"""The one table of result fields: short name, Chinese and English label, unit, description.

Exports write it as ``fields.csv``; the app uses it for table headers. It
covers every parcel/shortlist column (``siting.pipeline.RESULT_COLUMNS``),
the base columns (``siting.bases.summarise_bases``) and the lon/lat columns
of the CSV export.
"""
from __future__ import annotations

from dataclasses import dataclass

#: dBASE (Shapefile) limit on a field name, characters.
MAX_FIELD_NAME = 10


@dataclass(frozen=True)
class Field:
    """One result column.

    Attributes
    ----------
    name : str
        Column name in the engine's tables.
    zh, en : str
        Chinese and English labels (table headers).
    unit : str
        Unit, "" for a dimensionless code or text.
    description : str
        What the value means, in English, with its source or rule.
    shp : str
        Name in a Shapefile (≤ 10 characters); equals ``name`` when it fits.
    """

    name: str
    zh: str
    en: str
    unit: str
    description: str
    shp: str = ""

    def __post_init__(self):
        short = self.shp or self.name
        if len(short) > MAX_FIELD_NAME:
            raise ValueError(f"field {self.name!r} needs a Shapefile name of at most "
                             f"{MAX_FIELD_NAME} characters (set shp=...)")
        object.__setattr__(self, "shp", short)

    def label(self, lang: str = "zh", *, with_unit: bool = True, units: str = "gw") -> str:
        """Header text in ``lang`` ('zh' or 'en'), with the unit in brackets.

        ``units`` ('gw' or 'wan', see ``siting.units``) picks MW/GWh or
        万千瓦/亿千瓦时 for capacity and energy; unit words are Chinese in Chinese
        (``GWh/年``, ``元/kWh``).
        """
        from siting.units import unit_of, unit_text

        text = self.zh if lang == "zh" else self.en
        if not (with_unit and self.unit):
            return text
        return f"{text} ({unit_text(unit_of(self.unit, units), lang)})"


FIELDS: tuple[Field, ...] = (
    Field("parcel_id", "地块编号", "Parcel id", "", "Candidate parcel identifier (P000001 …)"),
    Field("league", "盟市", "League/city", "",
          "League or city (盟市) holding the parcel's centre; for a base, the league with "
          "the largest share of its capacity"),
    Field("leagues", "涉及盟市", "Leagues", "", "All leagues of a base, largest capacity first"),
    Field("banner", "旗县区", "Banner/county", "", "Banner, county or district (旗县区)"),
    Field("tech", "技术", "Technology", "", "wind | solar | hybrid"),
    Field("score", "综合评分", "Score", "0-100",
          "Weighted suitability score plus encouragement bonuses; 0 = excluded (see why). "
          "For a base: capacity-weighted mean of its parcels"),
    Field("rank", "排名", "Rank", "",
          "Rank in the order of shortlist.rank_by (score or LCOE), 1 = best; ties go to the "
          "lower LCOE, then the higher full-load hours"),
    Field("area_km2", "地块面积", "Parcel area", "km²",
          "Parcel area in the equal-area Albers projection"),
    Field("avail_km2", "可用面积", "Available area", "km²",
          "Area left after hard exclusions and buffers for the technology"),
    Field("excl_frac", "排除比例", "Excluded share", "0-1",
          "Share of the parcel removed by exclusions"),
    Field("wind_ms", "100米风速", "Wind speed 100 m", "m/s", "Mean wind speed at 100 m"),
    Field("wind_hub", "轮毂高度风速", "Hub-height wind", "m/s",
          "Mean wind speed at hub height (power law from 100 m)"),
    Field("wind_cls", "风功率密度等级", "Wind class", "1-7",
          "GB/T 18710-2002 wind power density class at 50 m, at site air density (0 = no data)"),
    Field("wpd50", "50米风功率密度", "Wind power density 50 m", "W/m²",
          "Mean wind power density at 50 m, at site air density"),
    Field("ghi_kwh", "水平面总辐射", "GHI", "kWh/m²·yr", "Annual global horizontal irradiation"),
    Field("pvout_kwh", "光伏发电量潜力", "PV yield (PVOUT)", "kWh/kWp·yr",
          "Mean PV specific yield of the user's pvout layer; replaces the modelled PV yield "
          "where given (empty without the layer)"),
    Field("solar_cls", "太阳能资源等级", "Solar class", "A-D",
          "GB/T 31155-2014 class: A ≥1750, B 1400-1750, C 1050-1400, D <1050 kWh/m²"),
    Field("slope_deg", "坡度", "Slope", "°", "Mean terrain slope"),
    Field("elev_m", "海拔", "Elevation", "m", "Mean elevation above sea level"),
    Field("grid_km", "距变电站", "Distance to substation", "km",
          "Distance to the nearest substation"),
    Field("load_km", "距负荷中心", "Distance to load centre", "km",
          "Distance to the nearest town counted as a load centre"),
    Field("desert_frac", "沙漠戈壁比例", "Desert/gobi share", "0-1",
          "Share of the parcel on desert or gobi (encouraged land)", shp="desert_frc"),
    Field("sandy_frac", "沙地比例", "Sandy land share", "0-1",
          "Share of the parcel on sandy land under control (encouraged land)"),
    Field("mine_frac", "矿区比例", "Mine land share", "0-1",
          "Share of the parcel on mining / mine-restoration land (encouraged land)"),
    Field("custom_frac", "自定义鼓励区比例", "Custom encouraged share", "0-1",
          "Share of the parcel in the user's custom_encouragement zones (0 without the layer)",
          shp="custom_frc"),
    Field("border_km", "距国境线", "Distance to border", "km",
          "Distance to the international border (0-2 km frontier strip excluded)"),
    Field("land_type", "土地类型", "Land type", "",
          "Dominant encouraged land type: desert | sandy | mine | border | other; for a base, "
          "the type with the largest capacity"),
    Field("is_desert", "沙漠戈壁", "Desert/gobi", "0/1",
          "1 if desert/gobi covers at least 30% of the parcel (flags overlap)"),
    Field("is_sandy", "沙地治理区", "Sandy land", "0/1",
          "1 if sandy land under control covers at least 30% of the parcel"),
    Field("is_mine", "矿区修复", "Mine restoration", "0/1",
          "1 if mining / mine-restoration land covers at least 30% of the parcel"),
    Field("is_border", "沿边地带", "Border belt", "0/1",
          "1 if the parcel lies in the border belt (distance band, encouragement.border_belt_km)"),
    Field("s_res", "资源得分", "Resource points", "points",
          "Score points from the resource criterion: 100 × weight × normalised resource"),
    Field("s_grid", "电网得分", "Grid points", "points",
          "Score points from the distance to the nearest substation"),
    Field("s_load", "负荷得分", "Load points", "points",
          "Score points from the distance to the nearest load centre"),
    Field("s_slope", "坡度得分", "Slope points", "points", "Score points from the slope"),
    Field("s_enc", "鼓励用地得分", "Encouraged-land points", "points",
          "Score points from the encouragement criterion (0 by default: encouraged land is "
          "a bonus, never both)"),
    Field("b_desert", "沙漠戈壁加分", "Desert/gobi bonus", "points",
          "Bonus points for desert/gobi land (bonus × share)"),
    Field("b_sandy", "沙地加分", "Sandy land bonus", "points",
          "Bonus points for sandy land under control (bonus × share)"),
    Field("b_mine", "矿区加分", "Mine bonus", "points",
          "Bonus points for mine-restoration land (bonus × share)"),
    Field("b_border", "沿边加分", "Border belt bonus", "points",
          "Bonus points for lying in the border belt"),
    Field("b_custom", "自定义加分", "Custom zone bonus", "points",
          "Bonus points for the user's custom_encouragement zones (bonus × share)"),
    Field("cap_mw", "装机容量", "Capacity", "MW", "Installable capacity on the available area"),
    Field("cap_w_mw", "风电容量", "Wind capacity", "MW", "Wind part of the capacity"),
    Field("cap_wind_mw", "风电容量", "Wind capacity", "MW", "Wind part of a base's capacity",
          shp="cap_wnd_mw"),
    Field("cap_pv_mw", "光伏容量", "PV capacity", "MW", "Solar PV part of the capacity"),
    Field("energy_gwh", "年发电量", "Annual energy", "GWh/yr", "Expected annual generation"),
    Field("flh", "利用小时数", "Full-load hours", "h/yr", "Annual energy / capacity"),
    Field("lcoe", "平准化度电成本", "LCOE", "CNY/kWh",
          "Levelised cost of electricity incl. grid connection; for a base, energy-weighted"),
    Field("lcoe_sto", "储能度电成本", "Storage cost share of LCOE", "CNY/kWh",
          "Part of the LCOE paid for the required storage (配储: share of capacity × hours × "
          "CNY/kWh, annualised over the storage lifetime)"),
    Field("curt_frac", "弃电率", "Curtailment", "0-1",
          "Curtailment share (弃风/弃光率 = 1 − 利用率) taken off the energy, by league"),
    Field("iec_cls", "IEC风区等级", "IEC wind class", "I-III",
          "IEC 61400-1 class of the site from its mean hub-height wind speed (≤7.5 III, "
          "≤8.5 II, else I); picks the turbine and hub height"),
    Field("turbine", "风机型号", "Turbine", "",
          "Turbine power curve used (windpowerlib oedb proxy for the class)"),
    Field("hub_m", "轮毂高度", "Hub height", "m", "Hub height of the turbine used"),
    Field("loss_w", "风电综合损失", "Wind losses", "0-1",
          "Share of gross wind energy lost: wake (by layout density), availability, "
          "electrical, cold climate, curtailment, other; they multiply"),
    Field("synthetic", "合成数据图层", "Synthetic layers", "",
          "Ids of the synthetic (not measured, not official) layers that affected this "
          "parcel's figures, e.g. redline;wind_speed_100m;substations; empty if none"),
    Field("base_id", "基地编号", "Base id", "",
          "Candidate base (B001 = largest) the parcel belongs to; empty if none"),
    Field("n_parcels", "地块数", "Parcels", "", "Number of shortlisted parcels in the base"),
    Field("foot_km2", "占地面积", "Land occupied", "km²",
          "Land the plant actually occupies: capacity ÷ layout density (PV: winter-solstice "
          "row spacing at the latitude; wind: turbine spacing in rotor diameters); hybrid: "
          "the larger of the two"),
    Field("banners", "涉及旗县", "Banners", "", "All banners of a base, largest capacity first"),
    Field("extent_km", "基地跨度", "Extent", "km",
          "Largest distance across the base outline (≤ bases.max_extent_km)"),
    Field("conn_id", "接入点编号", "Connection point id", "", "Connection point of the base"),
    Field("conn_name", "接入点", "Connection point", "",
          "Substation or UHV station the base connects to (cheapest with room)"),
    Field("conn_kv", "接入电压", "Connection voltage", "kV", "Voltage class of the point"),
    Field("conn_km", "接入距离", "Connection distance", "km",
          "Capacity-weighted distance from the base's parcels to the point"),
    Field("conn_cap_mw", "接入点容量", "Point capacity", "MW",
          "New-energy capacity the point can take (layer cap_mw, UHV corridor share, or "
          "voltage-class default); the bases at one point never exceed it",
          shp="conn_capmw"),
    Field("conn_lon", "接入点经度", "Point longitude", "°E", "Connection point, WGS84"),
    Field("conn_lat", "接入点纬度", "Point latitude", "°N", "Connection point, WGS84"),
    Field("upg_mw", "扩容容量", "Upgrade", "MW",
          "Capacity beyond the point's room, paid at grid.upgrade_cny_per_kw "
          "(grid.over_capacity upgrade); 0 otherwise"),
    Field("new_km", "新建500千伏线路长度", "New 500 kV line", "km",
          "Length of the new 500 kV line from the base's own collector station to its "
          "connection point (grid.new_lines); 0 at an existing point"),
    Field("lim_name", "受限接入点", "Limiting point", "",
          "Point whose capacity the base takes: its connection point, or for a base with a "
          "new 500 kV line the upstream UHV station (its corridor's new-energy share)"),
    Field("lim_cap_mw", "受限点容量", "Limiting capacity", "MW",
          "Capacity of lim_name; the bases sharing it never exceed it (beyond upg_mw)",
          shp="lim_capmw"),
    Field("sh_desert", "沙漠戈壁占比", "Desert/gobi share", "0-1",
          "Share of the base's capacity on desert/gobi parcels"),
    Field("sh_sandy", "沙地占比", "Sandy land share", "0-1",
          "Share of the base's capacity on sandy-land parcels"),
    Field("sh_mine", "矿区修复占比", "Mine restoration share", "0-1",
          "Share of the base's capacity on mine-restoration parcels"),
    Field("sh_border", "沿边占比", "Border belt share", "0-1",
          "Share of the base's capacity on border-belt parcels"),
    Field("sh_other", "其他土地占比", "Other land share", "0-1",
          "Share of the base's capacity on other land"),
    Field("why", "说明", "Why", "", "Why a parcel scores 0 (exclusions, no data); empty if scored"),
    Field("lon", "经度", "Longitude", "°E", "Centroid longitude, WGS84 (computed in Albers)"),
    Field("lat", "纬度", "Latitude", "°N", "Centroid latitude, WGS84 (computed in Albers)"),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def field(name: str) -> Field:
    """The field called ``name``; a column missing here is a programming error."""
    try:
        return FIELDS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"column {name!r} is not in siting.fields.FIELDS; add it there "
                       "with its labels and unit") from None


def label(name: str, lang: str = "zh", *, with_unit: bool = True, units: str = "gw") -> str:
    """Header text of column ``name`` in ``lang``, e.g. ``装机容量 (MW)`` or, with
    ``units='wan'``, ``装机容量 (万千瓦)``."""
    return field(name).label(lang, with_unit=with_unit, units=units)


def display_scale(name: str, units: str = "gw") -> float:
    """Factor from the engine's values of column ``name`` to ``units`` (1 if unchanged)."""
    from siting.units import scale_of

    return scale_of(field(name).unit, units)


def shapefile_names(columns) -> dict[str, str]:
    """{column: Shapefile name} for the columns that need a shorter name."""
    return {c: FIELDS_BY_NAME[c].shp for c in columns
            if c in FIELDS_BY_NAME and FIELDS_BY_NAME[c].shp != c}


def fields_table(columns=None, *, layer: str = ""):
    """The table behind ``fields.csv``: one row per column of ``columns`` (default all).

    Columns: ``field`` (name as written, ≤ 10 characters), ``column`` (engine
    name), ``layer``, ``name_zh``, ``name_en``, ``unit``, ``description``.
    """
    import pandas as pd

    names = [c for c in (columns if columns is not None else FIELDS_BY_NAME)
             if c != "geometry"]
    rows = [{"field": field(c).shp, "column": c, "layer": layer, "name_zh": field(c).zh,
             "name_en": field(c).en, "unit": field(c).unit,
             "description": field(c).description} for c in names]
    return pd.DataFrame(rows, columns=["field", "column", "layer", "name_zh", "name_en", "unit",
                                       "description"])
