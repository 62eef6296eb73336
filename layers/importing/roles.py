"""What a layer must be to play each import role: kind, geometries, units, value ranges."""
from __future__ import annotations

from dataclasses import dataclass

from layers.errors import DataFileError


@dataclass(frozen=True)
class UnitGuess:
    """A unit a raster may arrive in, recognised by the mean of its values."""

    label: str
    mean_range: tuple[float, float]
    factor: float
    label_zh: str = ""


@dataclass(frozen=True)
class ColumnSpec:
    """A numeric attribute a role keeps under one name, whatever the file calls it.

    The first column whose header, lower-cased with brackets, blanks, ``_``/``-``
    and a trailing power unit dropped (``容量(MW)`` → ``容量``, ``Capacity_kW`` →
    ``capacity``), is in ``aliases`` is renamed ``name``; its non-blank values
    must be numbers in ``valid_range`` (``units``). Blank cells stay blank (NaN).
    """

    name: str
    aliases: tuple[str, ...]
    units: str
    valid_range: tuple[float, float]
    hint: str = ""
    hint_zh: str = ""


@dataclass(frozen=True)
class RoleSpec:
    """What an imported layer must be to play ``role``.

    ``geometries`` lists the accepted families (polygon, line, point) of a
    vector role; ``valid_range`` is the plausible range of a raster's values
    in ``units`` after any conversion in ``conversions``; ``run_columns``
    are attribute columns a siting run reads from the layer (``import`` stores
    a layer without them for the map; ``check_layer_file`` refuses it);
    ``columns`` are optional numeric attributes kept under one name.
    """

    role: str
    kind: str
    name_en: str
    name_zh: str
    units: str = ""
    geometries: tuple[str, ...] = ()
    valid_range: tuple[float, float] | None = None
    conversions: tuple[UnitGuess, ...] = ()
    hint: str = ""
    hint_zh: str = ""
    run_columns: tuple[str, ...] = ()
    columns: tuple[ColumnSpec, ...] = ()


#: GHI arrives as annual kWh/m², as a daily mean (Global Solar Atlas
#: "AvgDailyTotals", ~3-6), as a mean irradiance in W/m² (×8,760 h / 1,000) or
#: as annual MJ/m² (Chinese tables; GB/T 31155 classes 3,780-6,300 MJ/m²).
GHI_CONVERSIONS = (
    UnitGuess("kWh/m² per day", (1.0, 10.0), 365.0, "kWh/m²·日"),
    UnitGuess("W/m² (mean irradiance)", (50.0, 400.0), 8.76, "W/m²（平均辐照度）"),
    UnitGuess("MJ/m² per year", (2500.0, 10000.0), 1 / 3.6, "MJ/m²·年"),
)
#: PVOUT arrives per year or per day (Global Solar Atlas daily totals).
PVOUT_CONVERSIONS = (UnitGuess("kWh/kWp per day", (0.5, 8.0), 365.0, "kWh/kWp·日"),)

#: Available capacity of a substation for new energy, MW: kept as ``cap_mw``, the
#: column the engine's connection points read first (``siting.connection``),
#: so bases are formed against the user's real capacities instead of the
#: voltage-class defaults. Upper bound ❌ assumption: the largest UHV DC link in
#: service carries 12,000 MW (±1,100 kV Changji-Guquan); 20,000 MW leaves room
#: for a station feeding two links, and catches values given in kW.
SUBSTATION_CAPACITY = ColumnSpec(
    "cap_mw", ("cap", "capacity", "avail", "available", "容量", "装机容量", "可用容量",
               "可接入容量", "新能源接入容量"),
    "MW", (0.0, 20_000.0),
    hint="give the capacity in MW (divide kW by 1,000)",
    hint_zh="容量请以 MW 为单位（kW 除以 1000）")

_POLY, _LINE, _POINT = "polygon", "line", "point"
_GEOM_ZH = {_POLY: "面", _LINE: "线", _POINT: "点"}

IMPORT_ROLES: dict[str, RoleSpec] = {spec.role: spec for spec in (
    RoleSpec("wind_speed_100m", "raster", "mean wind speed at 100 m", "100米高度年平均风速",
             units="m/s", valid_range=(0.0, 30.0),
             hint="if it stores 0.1 m/s steps, divide by 10 first "
                  "(gdal_calc.py -A FILE --calc=A/10 --outfile OUT.tif)",
             hint_zh="如果以 0.1 m/s 为单位存储，请先除以 10"
                     "（gdal_calc.py -A FILE --calc=A/10 --outfile OUT.tif）"),
    RoleSpec("weibull_k", "raster", "Weibull shape k", "威布尔形状参数k", units="1",
             valid_range=(0.5, 6.0), hint="k is dimensionless, typically 1.5-3",
             hint_zh="k 无量纲，通常为 1.5-3"),
    RoleSpec("ghi", "raster", "annual global horizontal irradiation", "年水平面总辐射",
             units="kWh/m²·yr", valid_range=(500.0, 2500.0), conversions=GHI_CONVERSIONS),
    RoleSpec("pvout", "raster", "PV specific yield (PVOUT)", "光伏发电量潜力",
             units="kWh/kWp·yr", valid_range=(500.0, 2500.0), conversions=PVOUT_CONVERSIONS),
    RoleSpec("redline", "vector", "ecological protection red line", "生态保护红线",
             geometries=(_POLY,)),
    RoleSpec("desert", "vector", "desert, gobi and sandy land", "沙漠戈壁沙地",
             geometries=(_POLY,)),
    RoleSpec("mine", "vector", "mine and mine-restoration land", "矿区及采煤沉陷区",
             geometries=(_POLY,)),
    RoleSpec("border", "vector", "international border", "国境线", geometries=(_LINE, _POLY)),
    RoleSpec("substations", "vector", "substations", "变电站", geometries=(_POINT,),
             columns=(SUBSTATION_CAPACITY,)),
    RoleSpec("lines", "vector", "transmission lines", "输电线路", geometries=(_LINE,)),
    RoleSpec("settlements", "vector", "settlements", "居民点", geometries=(_POINT, _POLY),
             run_columns=("population",)),
    # the other layers a run reads (catalog ids), so every user file gets its checks
    RoleSpec("elevation", "raster", "elevation", "高程", units="m", valid_range=(-500.0, 9000.0),
             hint="elevation above sea level in metres", hint_zh="海拔高度，单位为米"),
    RoleSpec("slope", "raster", "terrain slope", "坡度", units="°", valid_range=(0.0, 90.0),
             hint="slope in degrees (not percent: degrees = atan(percent / 100))",
             hint_zh="坡度以度为单位（不是百分比：度 = atan(百分比 / 100)）"),
    RoleSpec("landcover", "raster", "land cover (IGBP classes)", "土地覆盖", units="class",
             valid_range=(0.0, 17.0), hint="IGBP class codes 0-17 as in MODIS MCD12",
             hint_zh="IGBP 分类代码 0-17，同 MODIS MCD12"),
    RoleSpec("province", "vector", "province outline", "省界", geometries=(_POLY,)),
    RoleSpec("leagues", "vector", "leagues (盟市)", "盟市", geometries=(_POLY,),
             run_columns=("name_zh",)),
    RoleSpec("banners", "vector", "banners and counties (旗县)", "旗县区", geometries=(_POLY,),
             run_columns=("name_zh", "league_zh")),
    RoleSpec("parcels", "vector", "candidate parcels", "候选地块", geometries=(_POLY,)),
    RoleSpec("custom_exclusion", "vector", "custom exclusion zones", "自定义排除区",
             geometries=(_POLY,)),
    RoleSpec("custom_encouragement", "vector", "custom encouraged zones", "自定义鼓励区",
             geometries=(_POLY,)),
    # the statutory layers of 三区三线 (from the land-use plan; not bundled)
    RoleSpec("basic_farmland", "vector", "permanent basic farmland", "永久基本农田",
             geometries=(_POLY,)),
    RoleSpec("urban_boundary", "vector", "urban development boundary", "城镇开发边界",
             geometries=(_POLY,)),
)}


def role_spec(role: str) -> RoleSpec:
    """The spec of an import role; an unknown role lists the allowed ones."""
    if role not in IMPORT_ROLES:
        allowed = ", ".join(f"{r} ({s.kind})" for r, s in IMPORT_ROLES.items())
        raise DataFileError(f"unknown role {role!r}; allowed roles: {allowed}",
                            zh=f"未知图层用途 {role!r}；可选用途：{allowed}")
    return IMPORT_ROLES[role]


def choose_units(spec: RoleSpec, mean: float, vmin: float, vmax: float,
                 label: str) -> tuple[float, str | None]:
    """(factor, note) that brings a raster's values into the role's units.

    Values whose mean already lies in ``spec.valid_range`` are kept; otherwise
    the role's known alternative units (``spec.conversions``) are tried by
    their mean. The converted minimum and maximum must lie in the range.

    Raises
    ------
    DataFileError
        No unit fits: the message quotes the values and the expected range.
    """
    low, high = spec.valid_range
    factor, note = 1.0, None
    if not low <= mean <= high:
        for guess in spec.conversions:
            if guess.mean_range[0] <= mean <= guess.mean_range[1]:
                factor = guess.factor
                note = (f"values (mean {mean:.4g}) read as {guess.label}; converted to "
                        f"{spec.units} (× {guess.factor:.4g})")
                break
    if not (low <= vmin * factor and vmax * factor <= high):
        known = "".join(f"; or {g.label} (mean {g.mean_range[0]:g}-{g.mean_range[1]:g})"
                        for g in spec.conversions)
        hint = f"; {spec.hint}" if spec.hint else ""
        known_zh = "".join(f"；或 {g.label_zh or g.label}"
                           f"（均值 {g.mean_range[0]:g}-{g.mean_range[1]:g}）"
                           for g in spec.conversions)
        hint_zh = f"；{spec.hint_zh}" if spec.hint_zh else ""
        raise DataFileError(f"{label}: values {vmin:.4g} to {vmax:.4g} (mean {mean:.4g}) do "
                            f"not fit {spec.name_en} in {spec.units}: expected {low:g} to "
                            f"{high:g} {spec.units}{known}{hint}",
                            zh=f"{label}：数值 {vmin:.4g} 至 {vmax:.4g}（均值 {mean:.4g}）不符合"
                               f"{spec.name_zh}（单位 {spec.units}）：应为 {low:g} 至 {high:g} "
                               f"{spec.units}{known_zh}{hint_zh}")
    return factor, note


#: Header marks of a power column's unit → factor to MW (checked in this order:
#: 万千瓦 = 10⁴ kW = 10 MW, the unit of Chinese grid plans).
POWER_UNITS_TO_MW = (("万千瓦", 10.0), ("万kw", 10.0), ("mw", 1.0), ("兆瓦", 1.0),
                     ("kw", 0.001), ("千瓦", 0.001))


def _to_mw(header: str) -> float:
    text = str(header).lower().replace(" ", "")
    return next((factor for mark, factor in POWER_UNITS_TO_MW if mark in text), 1.0)


def _base_name(header) -> str:
    """A header compared with ``ColumnSpec.aliases``: normalised, power unit dropped."""
    from layers.importing.points import _normalise_header

    name = _normalise_header(header)
    for mark, _ in POWER_UNITS_TO_MW:
        if name.endswith(mark) and len(name) > len(mark):
            return name[:-len(mark)]
    return name


def keep_role_columns(gdf, spec: RoleSpec, label: str, notes: list[str]):
    """``gdf`` with each of ``spec.columns`` found, renamed and checked (see ``ColumnSpec``).

    A column given in kW or 万千瓦 (by its header) is converted to MW. A layer
    without any of the aliases is returned unchanged.

    Raises
    ------
    DataFileError
        A value is not a number or lies outside the column's range.
    """
    import pandas as pd

    for column in spec.columns:
        found = next((c for c in gdf.columns if c != gdf.geometry.name
                      and _base_name(c) in column.aliases), None)
        if found is None:
            continue
        text = gdf[found].astype("string").str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & (text != "") & values.isna()
        if bad.any():
            example = text[bad].iloc[0]
            raise DataFileError(f"{label}: column {found!r} ({column.name}, {column.units}) "
                                f"holds {int(bad.sum())} value(s) that are not numbers, e.g. "
                                f"{example!r}; write plain numbers; {column.hint}",
                                zh=f"{label}：{found!r} 列（{column.name}，{column.units}）中有 "
                                   f"{int(bad.sum())} 个值不是数字，如 {example!r}；请只填写数字；"
                                   f"{column.hint_zh}")
        factor = _to_mw(found) if column.units == "MW" else 1.0
        values = values.astype(float) * factor
        low, high = column.valid_range
        outside = values.notna() & ((values < low) | (values > high))
        if outside.any():
            raise DataFileError(f"{label}: column {found!r} has values {values.min():g} to "
                                f"{values.max():g} {column.units}, outside {low:g}-{high:g} "
                                f"{column.units} for {column.name}; {column.hint}",
                                zh=f"{label}：{found!r} 列的值为 {values.min():g} 至 "
                                   f"{values.max():g} {column.units}，超出 {column.name} 的范围 "
                                   f"{low:g}-{high:g} {column.units}；{column.hint_zh}")
        if found != column.name or factor != 1.0:
            notes.append(f"column {found!r} kept as {column.name!r} ({column.units}"
                         + (f", × {factor:g}" if factor != 1.0 else "") + ")")
        gdf = gdf.drop(columns=[c for c in (column.name,) if c in gdf.columns and c != found])
        gdf = gdf.rename(columns={found: column.name})
        gdf[column.name] = values.to_numpy()
    return gdf
