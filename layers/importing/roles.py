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
class RoleSpec:
    """What an imported layer must be to play ``role``.

    ``geometries`` lists the accepted families (polygon, line, point) of a
    vector role; ``valid_range`` is the plausible range of a raster's values
    in ``units`` after any conversion in ``conversions``; ``run_columns``
    are attribute columns a siting run reads from the layer (``import`` stores
    a layer without them for the map; ``check_layer_file`` refuses it).
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
    RoleSpec("substations", "vector", "substations", "变电站", geometries=(_POINT,)),
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

