"""The Scenario: every choice of a siting run, as one validated model.

Saved and loaded as commented YAML (``python -m siting scenario --template``).
Every default is a named constant with its unit and source (shared/domain.md
tags: ✅ confirmed, ⚠️ secondary, ❌ literature/assumption).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from siting import bases, connection, criteria, energy, parcels, shortlist
from siting.defaults import (  # noqa: F401  (re-exported: sc.BORDER_STRIP_KM …)
    BORDER_BELT_BONUS_POINTS,
    BORDER_BELT_KM,
    BORDER_STRIP_KM,
    CRITERIA,
    CUSTOM_BONUS_POINTS,
    DEFAULT_WEIGHTS,
    DESERT_BONUS_POINTS,
    GHI_BOUNDS_KWH,
    GRID_KM_BOUNDS,
    LOAD_CENTRE_MIN_POPULATION,
    LOAD_KM_BOUNDS,
    MIN_AVAILABLE_KM2,
    MINE_BONUS_POINTS,
    PV_YIELD_BOUNDS_KWH_KWP,
    SANDY_BONUS_POINTS,
    SETTLEMENT_BUFFER_PV_KM,
    SETTLEMENT_BUFFER_WIND_KM,
    SLOPE_MAX_PV_DEG,
    SLOPE_MAX_WIND_DEG,
    WEIGHT_MAX,
    WIND_SPEED_BOUNDS_MS,
)
from siting.errors import SitingError  # noqa: F401  (sc.SitingError in callers)
from siting.grid import DEFAULT_RESOLUTION_M, MAX_RESOLUTION_M, MIN_RESOLUTION_M
from siting.tech import TECHS, Tech  # noqa: F401  (TECHS re-exported for callers)


class _BadValue(ValueError):
    """A validator's complaint in English (``str``) and Chinese (``zh``); pydantic keeps it
    in the error's ``ctx`` so ``from_dict`` can show either."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


class Section(BaseModel):
    """Base of every scenario section: unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Exclusions(Section):
    """Hard exclusions (areas removed from every parcel)."""

    redline: bool = Field(True, description="排除生态保护红线 / exclude the ecological "
                          "red line (domain.md ✅ hard exclusion)")
    redline_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                              description="red-line buffer, km")
    water: bool = Field(True, description="exclude water and wetlands (IGBP 0, 11)")
    water_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                              description="water buffer, km")
    urban: bool = Field(True, description="exclude urban land (IGBP 13)")
    urban_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                              description="urban buffer, km")
    forest: bool = Field(True, description="exclude forests (IGBP 1-5; key state forests ✅)")
    cropland_pv: bool = Field(True, description="exclude cropland for PV (✅ PV may not "
                              "occupy cultivated land)")
    cropland_wind: bool = Field(False, description="exclude cropland for wind too")
    settlements: bool = Field(True, description="exclude settlement buffers")
    settlement_buffer_wind_km: float = Field(SETTLEMENT_BUFFER_WIND_KM, ge=0, le=20,
                                             json_schema_extra={"step": 0.1},
                                             description="wind setback beyond each place's "
                                                         "built-up radius, km (❌ 0.5)")
    settlement_buffer_pv_km: float = Field(SETTLEMENT_BUFFER_PV_KM, ge=0, le=20,
                                           json_schema_extra={"step": 0.1},
                                           description="PV setback beyond each place's built-up "
                                                       "radius, km (❌ 0.1-0.3)")
    slope_max_wind_deg: float = Field(SLOPE_MAX_WIND_DEG, ge=0.5, le=90,
                                      json_schema_extra={"step": 0.5},
                                      description="wind slope limit, degrees (❌ 15-20)")
    slope_max_pv_deg: float = Field(SLOPE_MAX_PV_DEG, ge=0.5, le=90,
                                    json_schema_extra={"step": 0.5},
                                    description="PV slope limit, degrees (❌ 5-10)")
    custom: bool = Field(True, description="exclude the user's custom_exclusion zones (wind and "
                         "PV; used only when that layer is given in `layers`)")
    custom_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                                    description="buffer around custom exclusion zones, km")
    basic_farmland: bool = Field(True, description="排除永久基本农田 / exclude permanent basic "
                                 "farmland (三区三线; used only when a basic_farmland layer is "
                                 "given: none is bundled)")
    basic_farmland_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                                            description="basic-farmland buffer, km")
    urban_boundary: bool = Field(True, description="排除城镇开发边界 / exclude the urban "
                                 "development boundary (三区三线; used only when an "
                                 "urban_boundary layer is given: none is bundled)")
    urban_boundary_buffer_km: float = Field(0.0, ge=0, le=20, json_schema_extra={"step": 0.5},
                                            description="urban-development-boundary buffer, km")
    border_strip_km: float = Field(BORDER_STRIP_KM, ge=0, le=50, json_schema_extra={"step": 0.5},
                                   description="frontier strip excluded, km (✅ 0-2 km)")
    min_available_km2: float = Field(MIN_AVAILABLE_KM2, ge=0,
                                     description="parcels with less available land score 0, km²")


class Encouragement(Section):
    """Bonus points for the land the policy encourages (added to the 0-100 score)."""

    desert_bonus: float = Field(DESERT_BONUS_POINTS, ge=0, le=50,
                                json_schema_extra={"step": 1.0},
                                description="points × desert/gobi share of the parcel")
    sandy_bonus: float = Field(SANDY_BONUS_POINTS, ge=0, le=50,
                               json_schema_extra={"step": 1.0},
                               description="points × sandy-land share (desert control)")
    mine_bonus: float = Field(MINE_BONUS_POINTS, ge=0, le=50,
                              json_schema_extra={"step": 1.0},
                              description="points × mine-restoration share")
    border_belt_bonus: float = Field(BORDER_BELT_BONUS_POINTS, ge=0, le=50,
                                     json_schema_extra={"step": 1.0},
                                     description="points if within the border belt")
    custom_bonus: float = Field(CUSTOM_BONUS_POINTS, ge=0, le=50, json_schema_extra={"step": 1.0},
                                description="points × share of the user's custom_encouragement "
                                            "zones (❌ 10; used only when that layer is given)")
    border_belt_km: tuple[float, float] = Field(BORDER_BELT_KM,
                                                description="border belt, km from the border")


class Bounds(Section):
    """Normalisation of the criteria to 0-1 (linear between the bounds)."""

    wind_speed_ms: tuple[float, float] = Field(WIND_SPEED_BOUNDS_MS,
                                               description="hub-height wind m/s scored 0 → 1")
    ghi_kwh_m2: tuple[float, float] = Field(GHI_BOUNDS_KWH,
                                            description="annual GHI kWh/m² scored 0 → 1")
    pv_yield_kwh_kwp: tuple[float, float] = Field(
        PV_YIELD_BOUNDS_KWH_KWP, description="PV yield kWh/kWp·yr scored 0 → 1 where a pvout "
                                             "layer is given (GHI bounds × 1.15 × 0.8, ❌)")
    grid_km: tuple[float, float] = Field(GRID_KM_BOUNDS,
                                         description="substation distance km scored 1 → 0")
    load_km: tuple[float, float] = Field(LOAD_KM_BOUNDS,
                                         description="load-centre distance km scored 1 → 0")
    load_centre_min_population: int = Field(LOAD_CENTRE_MIN_POPULATION, ge=0,
                                            description="towns this big are load centres")

    @field_validator("wind_speed_ms", "ghi_kwh_m2", "pv_yield_kwh_kwp", "grid_km", "load_km")
    @classmethod
    def _increasing(cls, value):
        if not value[1] > value[0]:
            raise _BadValue(f"bounds must be (low, high) with low < high, got {value}",
                            f"上下限应写作 (下限, 上限) 且下限 < 上限，当前为 {value}")
        return value


class Weights(Section):
    """Criterion weights: direct (normalised to sum 1) or from an AHP matrix."""

    mode: Literal["direct", "ahp"] = Field("direct", description="direct | ahp")
    direct: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                     json_schema_extra={"item_ge": 0.0,
                                                        "item_le": WEIGHT_MAX,
                                                        "step": 0.05},
                                     description=f"weight per criterion {list(CRITERIA)} "
                                                 f"(relative, 0-{WEIGHT_MAX:g}; normalised "
                                                 "to sum 1)")
    ahp_matrix: list[list[float]] | None = Field(
        None, description="pairwise matrix in the order of `direct`'s keys (Saaty 1-9)")

    @field_validator("direct")
    @classmethod
    def _known(cls, value):
        unknown = set(value) - set(CRITERIA)
        if unknown:
            raise _BadValue(f"unknown criteria {sorted(unknown)}; allowed: {list(CRITERIA)}",
                            f"未知指标 {sorted(unknown)}；可用指标：{list(CRITERIA)}")
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise _BadValue("weights must be ≥ 0 with a positive sum",
                            "权重须 ≥ 0，且总和须大于 0")
        too_big = {k: w for k, w in value.items() if w > WEIGHT_MAX}
        if too_big:
            raise _BadValue(f"weights must be ≤ {WEIGHT_MAX:g} (they are relative and "
                            f"normalised to sum 1), got {too_big}",
                            f"权重须 ≤ {WEIGHT_MAX:g}（权重为相对值，会归一化为总和 1），"
                            f"当前为 {too_big}")
        return value

    @model_validator(mode="after")
    def _matrix_present(self):
        if self.mode == "ahp":
            n = len(self.direct)
            if self.ahp_matrix is None or len(self.ahp_matrix) != n or \
                    any(len(row) != n for row in self.ahp_matrix):
                raise _BadValue(f"mode 'ahp' needs ahp_matrix as a {n}×{n} list of lists "
                                f"in the order {list(self.direct)}",
                                f"mode 'ahp'（层次分析法）需要 {n}×{n} 的判断矩阵 ahp_matrix"
                                f"（列表的列表），顺序为 {list(self.direct)}")
        return self


class Capacity(Section):
    """Land-use densities: from layout physics (default) or flat figures (domain.md)."""

    density_rule: Literal["physics", "fixed"] = Field(
        "physics", description="physics: PV from winter-solstice row spacing at the parcel's "
                               "latitude, wind from turbine spacing | fixed: the flat "
                               "MW/km² figures below")
    pv_tilt_deg: float | None = Field(None, ge=0, le=90, json_schema_extra={"step": 1.0},
                                      description="PV module tilt, degrees (null = the "
                                                  "latitude's optimal tilt, Jacobson & "
                                                  "Jadhav 2018)")
    pv_shade_free_hours: float = Field(energy.PV_SHADE_FREE_HOURS, ge=0, le=4,
                                       json_schema_extra={"step": 0.5},
                                       description="hours either side of noon without row "
                                                   "shading on the winter solstice (GB 50797: "
                                                   "9:00-15:00 = 3)")
    pv_module_w_per_m2: float = Field(energy.PV_MODULE_W_PER_M2, ge=100, le=300,
                                      json_schema_extra={"step": 5.0},
                                      description="module power per m² of module, W/m² (❌)")
    pv_array_share: float = Field(energy.PV_ARRAY_SHARE, ge=0.1, le=1,
                                  json_schema_extra={"step": 0.05},
                                  description="share of the fenced land under module rows; "
                                              "the rest roads, pads, booster station (❌)")
    wind_spacing_cross_d: float = Field(energy.WIND_SPACING_CROSS_D, ge=2, le=15,
                                        json_schema_extra={"step": 0.5},
                                        description="turbine spacing within a row, rotor "
                                                    "diameters (❌)")
    wind_spacing_down_d: float = Field(energy.WIND_SPACING_DOWN_D, ge=3, le=20,
                                       json_schema_extra={"step": 0.5},
                                       description="spacing between rows (downwind), rotor "
                                                   "diameters (❌)")

    wind_mw_per_km2: float = Field(energy.WIND_MW_PER_KM2, ge=0.1, le=20,
                                   json_schema_extra={"step": 0.1},
                                   description="wind MW per km² of available land (NREL 3 ✅)")
    pv_packing_mw_per_km2: float = Field(energy.PV_PACKING_MW_PER_KM2, ge=1, le=150,
                                         json_schema_extra={"step": 1.0},
                                         description="PV MW per km² of project area "
                                                     "(desert bases 50-60 ✅)")
    pv_land_use_share: float = Field(energy.PV_LAND_USE_SHARE, ge=0.01, le=1,
                                     json_schema_extra={"step": 0.01},
                                     description="share of available land used by PV "
                                                 "(density_rule fixed only; ❌)")
    pv_restoration_mw_per_km2: float = Field(energy.PV_RESTORATION_MW_PER_KM2, ge=1, le=150,
                                             json_schema_extra={"step": 1.0},
                                             description="PV MW per km² on mine restoration "
                                                         "land (~20 ✅)")


def _known_leagues(value: dict, name: str) -> dict:
    known = {league for names in shortlist.DEFAULT_LEAGUE_GROUPS.values() for league in names}
    unknown = sorted(set(value) - known)
    if unknown:
        raise _BadValue(f"{name}: unknown leagues {unknown}; use the Chinese names "
                        f"{sorted(known)}",
                        f"{name}：未知盟市 {unknown}；请使用中文名称 {sorted(known)}")
    bad = {k: v for k, v in value.items() if not 0 <= v < 1}
    if bad:
        raise _BadValue(f"{name}: shares must be in [0, 1) (5 % is written 0.05), got {bad}",
                        f"{name}：比例须在 [0, 1) 之内（5% 写作 0.05），当前为 {bad}")
    return value


def _by_class(value: dict, name: str) -> dict:
    if set(value) != set(energy.IEC_CLASS_MAX_MEAN_MS):
        raise _BadValue(f"{name} needs exactly the IEC classes "
                        f"{sorted(energy.IEC_CLASS_MAX_MEAN_MS)}, got {sorted(value)}",
                        f"{name} 须恰好包含 IEC 风区等级 {sorted(energy.IEC_CLASS_MAX_MEAN_MS)}，"
                        f"当前为 {sorted(value)}")
    return value


class Energy(Section):
    """Yield assumptions: turbine, wind loss chain, curtailment, PV."""

    turbine_rule: Literal["iec_class", "fixed"] = Field(
        "iec_class", description="iec_class: turbine and hub height follow the site's IEC "
                                 "61400-1 class (mean hub speed ≤7.5 III, ≤8.5 II, else I); "
                                 "fixed: `turbine` at `hub_height_m` everywhere")
    turbine_by_class: dict[str, str] = Field(
        default_factory=lambda: dict(energy.TURBINE_BY_IEC_CLASS),
        description="turbine (windpowerlib oedb) per IEC class (❌ proxy choice)")
    hub_height_by_class_m: dict[str, float] = Field(
        default_factory=lambda: dict(energy.HUB_HEIGHT_BY_IEC_CLASS_M),
        description="hub height per IEC class, m (❌)")
    turbine: str = Field(energy.DEFAULT_TURBINE,
                         description="power curve (windpowerlib oedb) when turbine_rule is fixed")
    hub_height_m: float = Field(energy.DEFAULT_HUB_HEIGHT_M, ge=50, le=200,
                                json_schema_extra={"step": 5.0},
                                description="hub height, m: of the fixed turbine, and the "
                                            "height at which wind is scored")
    wind_shear_exponent: float = Field(criteria.WIND_SHEAR_EXPONENT, ge=0, le=0.5,
                                       description="power-law exponent 100 m → hub (❌ 0.14)")
    wake_loss_at_reference: float = Field(
        energy.WAKE_LOSS_AT_REFERENCE, ge=0, lt=0.5,
        description="wake loss at 70 D² per turbine (7 D × 10 D); scales with capacity "
                    "density (⚠️ 0.10)")
    wind_availability: float = Field(energy.WIND_AVAILABILITY, gt=0.5, le=1,
                                     description="wind farm availability (⚠️ 0.97)")
    wind_electrical_loss: float = Field(energy.WIND_ELECTRICAL_LOSS, ge=0, lt=0.2,
                                        description="collection and transformer losses (⚠️)")
    cold_climate_loss_by_league: dict[str, float] = Field(
        default_factory=lambda: dict(energy.COLD_CLIMATE_LOSS_BY_LEAGUE),
        description="icing and low-temperature loss by league (❌, IEA Task 19 ice classes)")
    wind_losses: float = Field(energy.WIND_OTHER_LOSS, ge=0, le=0.2,
                               json_schema_extra={"step": 0.01},
                               description="other wind losses: turbine performance, "
                                           "degradation, hysteresis (❌ 0.02; before the loss "
                                           "chain this was a flat 0.15 for everything)")
    curtailment: float = Field(energy.CURTAILMENT_REGION, ge=0, lt=1,
                               description="curtailment 弃风/弃光率 = 1 − 利用率, wind and PV "
                                           "(✅ NEA: 内蒙古 6.6 %, Jan-Sep 2019)")
    curtailment_by_league: dict[str, float] = Field(
        default_factory=dict,
        description="curtailment per league, overriding `curtailment` (Chinese league names)")
    pv_performance_ratio: float = Field(energy.PV_PERFORMANCE_RATIO, ge=0.01, le=1,
                                        json_schema_extra={"step": 0.01},
                                        description="PV performance ratio (❌)")
    pv_tilt_gain: float = Field(energy.PV_TILT_GAIN, ge=1, le=1.6,
                                description="plane-of-array / horizontal irradiation (❌); "
                                            "used only where no pvlib yield raster or "
                                            "pvout layer covers a parcel")
    pv_mount: Literal["fixed", "tracker"] = Field(
        energy.PV_MOUNT_DEFAULT,
        description="PV mount: fixed (south-facing rack at the optimal tilt) or tracker "
                    "(horizontal N-S single axis); picks the bundled pvlib yield raster "
                    "pv_yield or pv_yield_tracker (docs/yields.md)")

    @field_validator("cold_climate_loss_by_league", "curtailment_by_league")
    @classmethod
    def _leagues(cls, value, info):
        return _known_leagues(value, info.field_name)

    @field_validator("turbine_by_class", "hub_height_by_class_m")
    @classmethod
    def _classes(cls, value, info):
        return _by_class(value, info.field_name)


class Cost(Section):
    """LCOE inputs, CNY."""

    wind_capex_cny_per_kw: float = Field(energy.WIND_CAPEX_CNY_PER_KW, ge=100, le=50_000,
                                         json_schema_extra={"step": 100.0},
                                         description="wind capex, CNY/kW (❌)")
    pv_capex_cny_per_kw: float = Field(energy.PV_CAPEX_CNY_PER_KW, ge=100, le=50_000,
                                       json_schema_extra={"step": 100.0},
                                       description="PV capex, CNY/kW (❌)")
    wind_opex_share: float = Field(energy.WIND_OPEX_SHARE_PER_YR, ge=0, le=0.2,
                                   description="wind O&M per year, share of capex")
    pv_opex_share: float = Field(energy.PV_OPEX_SHARE_PER_YR, ge=0, le=0.2,
                                 description="PV O&M per year, share of capex")
    discount_rate: float = Field(energy.DISCOUNT_RATE, ge=0.005, le=0.495,
                                 json_schema_extra={"step": 0.005},
                                 description="real discount rate (domain.md 8-10%)")
    lifetime_years: int = Field(energy.LIFETIME_YEARS, ge=5, le=50, json_schema_extra={"step": 1},
                                description="economic lifetime, years (25)")
    transmission_cny_per_mw_km: float = Field(energy.TRANSMISSION_CNY_PER_MW_KM, ge=0,
                                              le=1_000_000, json_schema_extra={"step": 100.0},
                                              description="grid connection line, CNY per MW·km")
    substation_cny_per_kw: float = Field(energy.SUBSTATION_CNY_PER_KW, ge=0, le=10_000,
                                         json_schema_extra={"step": 10.0},
                                         description="substation, CNY/kW")
    storage_share: float = Field(energy.STORAGE_SHARE_OF_CAPACITY, ge=0, le=1,
                                 description="storage power required (配储), share of plant "
                                             "capacity (✅ 内蒙古 2022: 15 %; 0 = none)")
    storage_hours: float = Field(energy.STORAGE_HOURS, ge=0, le=24,
                                 description="storage duration, h (✅ 4 h market-based, "
                                             "2 h guaranteed grid connection)")
    storage_cny_per_kwh: float = Field(energy.STORAGE_CNY_PER_KWH, ge=0,
                                       description="storage system cost, CNY/kWh (❌ 800)")
    storage_lifetime_years: int = Field(energy.STORAGE_LIFETIME_YEARS, ge=1, le=50,
                                        description="storage lifetime, years (❌ 15)")
    storage_opex_share: float = Field(energy.STORAGE_OPEX_SHARE_PER_YR, ge=0, le=0.2,
                                      description="storage O&M per year, share of its capex (❌)")
    land_cny_per_mu_yr: dict[str, float] = Field(
        default_factory=lambda: dict(energy.LAND_CNY_PER_MU_YR),
        description="land rent by land type, CNY per mu per year (❌ desert 30 … other 300)")

    @field_validator("land_cny_per_mu_yr")
    @classmethod
    def _land_types(cls, value):
        allowed = set(energy.LAND_CNY_PER_MU_YR)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise _BadValue(f"unknown land types {unknown}; allowed: {sorted(allowed)}",
                            f"未知用地类型 {unknown}；可选：{sorted(allowed)}")
        if any(v < 0 for v in value.values()):
            raise _BadValue("land rents must be ≥ 0 CNY/mu/yr", "土地租金须 ≥ 0 元/亩·年")
        return value


class Shortlist(Section):
    """Which parcels make the shortlist, in which order, and how much of them."""

    rank_by: Literal["score", "lcoe"] = Field(
        "score", description="rank by score (suitability) | lcoe (cost incl. grid connection); "
                             "ties go to the lower LCOE, then the better resource")
    min_score: float = Field(shortlist.DEFAULT_MIN_SCORE, ge=0, le=100,
                             json_schema_extra={"step": 1.0},
                             description="lowest score kept, 0-100")
    size: int = Field(shortlist.DEFAULT_SHORTLIST_SIZE, ge=1, le=1_000_000,
                      json_schema_extra={"step": 100},
                      description="the map draws at most this many shortlisted parcels; "
                                  "the shortlist and its totals are never cut by it")
    target_multiple: float | None = Field(
        shortlist.DEFAULT_TARGET_MULTIPLE, ge=0.1, le=10, json_schema_extra={"step": 0.1},
        description="take parcels in rank order until capacity reaches this × the target "
                    "(1.0; >1 keeps a reserve; null = every eligible parcel)")
    leagues: list[str] = Field(default_factory=list,
                               description="keep only these leagues (empty = all)")
    land_types: list[str] = Field(default_factory=list,
                                  description="keep only parcels flagged desert | sandy | mine | "
                                              "border (flags overlap), or other (no flag)")

    @field_validator("land_types")
    @classmethod
    def _known_land(cls, value):
        allowed = shortlist.LAND_KINDS + ("other",)
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise _BadValue(f"unknown land types {unknown}; allowed: {', '.join(allowed)}",
                            f"未知用地类型 {unknown}；可选：{', '.join(allowed)}")
        return value


class BaseRules(Section):
    """Grouping shortlisted parcels into candidate bases around connection points."""

    method: Literal["connection", "contiguity"] = Field(
        "connection", description="connection: capacity-bounded bases grown around grid "
                                  "connection points | contiguity: touching parcels (old)")
    contiguity: Literal["queen", "rook"] = Field("queen", description="queen | rook "
                                                 "(method contiguity)")
    min_capacity_gw: float = Field(bases.DEFAULT_MIN_BASE_GW, ge=0.1, le=100,
                                   json_schema_extra={"step": 0.1},
                                   description="a base must reach this capacity, GW")
    max_capacity_gw: float = Field(bases.DEFAULT_MAX_BASE_GW, ge=0.1, le=100,
                                   json_schema_extra={"step": 0.5},
                                   description="a base holds at most this capacity, GW "
                                               "(approved bases in the region 1-16 GW)")
    max_extent_km: float = Field(bases.DEFAULT_MAX_EXTENT_KM, ge=5, le=500,
                                 json_schema_extra={"step": 5.0},
                                 description="largest distance across a base, km")

    @model_validator(mode="after")
    def _min_below_max(self):
        if self.min_capacity_gw > self.max_capacity_gw:
            raise ValueError(f"min_capacity_gw {self.min_capacity_gw} is above max_capacity_gw "
                             f"{self.max_capacity_gw}; lower the minimum or raise the maximum")
        return self


class Grid(Section):
    """Connection points and their capacity (transmission-constrained bases)."""

    capacity_by_kv_mw: dict[int, float] = Field(
        default_factory=lambda: dict(connection.CAPACITY_BY_KV_MW),
        description="new-energy capacity a substation of each voltage class can take, MW "
                    "(❌ typical transformer banks; a substations layer's cap_mw column wins)")
    max_connection_km: float = Field(connection.MAX_CONNECTION_KM, ge=1, le=500,
                                     json_schema_extra={"step": 5.0},
                                     description="farthest a parcel connects to a point, km")
    over_capacity: Literal["next", "upgrade"] = Field(
        "next", description="when a point is full: next = go to the next point with room | "
                            "upgrade = pay upgrade_cny_per_kw for the MW beyond it")
    upgrade_cny_per_kw: float = Field(connection.UPGRADE_CNY_PER_KW, ge=0, le=10_000,
                                      json_schema_extra={"step": 50.0},
                                      description="new transformer bay / step-up substation "
                                                  "per kW beyond a point's capacity, CNY/kW")
    max_upgrade_mw: float = Field(connection.MAX_UPGRADE_MW, ge=0, le=50_000,
                                  json_schema_extra={"step": 500.0},
                                  description="most a point can be upgraded beyond its "
                                              "capacity, MW (one new 500 kV step-up ❌)")
    corridors: bool = Field(True, description="UHV export stations take their corridor's "
                                              "new-energy capacity (data/uhv_corridors.yaml)")
    new_lines: bool = Field(True, description="parcels with no existing point with room "
                                              "build a 500 kV collector station and a new "
                                              "500 kV line to the nearest ≥500 kV point whose "
                                              "UHV corridor has room (NREL reV-style)")
    new_line_max_km: float = Field(connection.NEW_LINE_MAX_KM, ge=1, le=1_000,
                                   json_schema_extra={"step": 10.0},
                                   description="longest new 500 kV line, km (❌; 锡盟 五站五线 "
                                               "average 230 km)")
    collector_station_mw: float = Field(connection.COLLECTOR_STATION_MW, ge=100, le=20_000,
                                        json_schema_extra={"step": 500.0},
                                        description="capacity of one 500 kV collector station "
                                                    "and its double-circuit line, MW (✅ "
                                                    "蒙西—京津冀 sending end: 12 GW, 5 "
                                                    "stations)")
    collector_station_cny: float = Field(connection.COLLECTOR_STATION_CNY, ge=0, le=1e10,
                                         json_schema_extra={"step": 1e7},
                                         description="cost of one 500 kV collector station, "
                                                     "CNY (❌ ~220 CNY/kVA from 阿荣旗 "
                                                     "2025 and 锡盟 五站五线)")
    line_500kv_cny_per_km: float = Field(connection.LINE_500KV_CNY_PER_KM, ge=0, le=1e8,
                                         json_schema_extra={"step": 1e5},
                                         description="new double-circuit 500 kV line, CNY/km "
                                                     "(✅ 芒哈图—阿勒泰 2024: 4.19 M)")

    @field_validator("capacity_by_kv_mw")
    @classmethod
    def _positive(cls, value):
        bad = {k: v for k, v in value.items() if not v >= 0}
        if bad:
            raise ValueError(f"capacities must be ≥ 0 MW, got {bad}")
        return value


class Targets(Section):
    """Policy target, league grouping, group caps and league targets."""

    target_gw: float = Field(shortlist.TARGET_2030_GW, ge=1, le=5_000,
                             json_schema_extra={"step": 10.0},
                             description="2030 new-energy target, GW (200 ✅; preset 300 ⚠️)")
    league_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in shortlist.DEFAULT_LEAGUE_GROUPS.items()},
        description="west / central / east grouping of the leagues (editable ⚠️)")
    group_caps_gw: dict[str, float] = Field(
        default_factory=lambda: dict(shortlist.DEFAULT_GROUP_CAPS_GW),
        json_schema_extra={"step": 1.0, "item_ge": 0.0, "item_le": 5_000.0},
        description="most centralised GW placed in a group: policy §十二 puts large bases in "
                    "the centre and west, the east 以分布式新能源为主 (❌ 10% of the target)")
    league_targets_gw: dict[str, float] = Field(
        default_factory=dict, description="optional GW target per league (reported, not "
                                          "enforced): {league: GW}")

    @field_validator("group_caps_gw", "league_targets_gw")
    @classmethod
    def _non_negative(cls, value):
        bad = {k: v for k, v in value.items() if not v >= 0}
        if bad:
            raise _BadValue(f"GW values must be ≥ 0, got {bad}", f"GW 数值须 ≥ 0，当前为 {bad}")
        return value

    @model_validator(mode="after")
    def _caps_name_groups(self):
        unknown = sorted(set(self.group_caps_gw) - set(self.league_groups))
        if unknown:
            raise _BadValue(f"group_caps_gw names unknown groups {unknown}; groups: "
                            f"{', '.join(self.league_groups)}",
                            f"group_caps_gw 中有未知分组 {unknown}；已有分组："
                            f"{', '.join(self.league_groups)}")
        return self


class Scenario(Section):
    """One siting scenario. Units are in the field names."""

    name: str = Field("默认情景 default", description="scenario name")
    tech: Tech = Field("wind", description="wind | solar | hybrid")
    resolution_m: float = Field(DEFAULT_RESOLUTION_M, ge=MIN_RESOLUTION_M, le=MAX_RESOLUTION_M,
                                description="analysis grid resolution, m")
    parcel_shape: Literal["square", "hex"] = Field("square", description="square | hex")
    parcel_size_km: float = Field(parcels.DEFAULT_PARCEL_SIZE_KM, ge=1, le=50,
                                  description="parcel edge (square) or width (hex), km")
    parcels_file: str | None = Field(None, description="your own parcels (polygons) instead")
    layers: dict[str, str] = Field(default_factory=dict,
                                   description="your files by layer id or role: {id: path}; "
                                               "replaces bundled layers, or adds pvout, "
                                               "custom_exclusion, custom_encouragement")
    exclusions: Exclusions = Field(default_factory=Exclusions)
    encouragement: Encouragement = Field(default_factory=Encouragement)
    bounds: Bounds = Field(default_factory=Bounds)
    weights: Weights = Field(default_factory=Weights)
    capacity: Capacity = Field(default_factory=Capacity)
    energy: Energy = Field(default_factory=Energy)
    cost: Cost = Field(default_factory=Cost)
    shortlist: Shortlist = Field(default_factory=Shortlist)
    bases: BaseRules = Field(default_factory=BaseRules)
    grid: Grid = Field(default_factory=Grid)
    targets: Targets = Field(default_factory=Targets)

    @field_validator("layers")
    @classmethod
    def _known_layers(cls, value):
        from siting.registry import RUN_RASTERS, RUN_ROLES, RUN_VECTORS

        replaceable = RUN_RASTERS + RUN_VECTORS
        unknown = sorted(set(value) - set(replaceable) - set(RUN_ROLES))
        if unknown:
            raise _BadValue(f"unknown layer ids {unknown}; a run can add: "
                            f"{', '.join(RUN_ROLES)}; and replace: {', '.join(replaceable)}",
                            f"未知图层编号 {unknown}；运行时可新增：{', '.join(RUN_ROLES)}；"
                            f"可替换：{', '.join(replaceable)}")
        return value


# Loading, saving and presets live in their own modules; their public names stay
# importable from here (``from siting.scenario import loads``). Imported last: they
# need Scenario, defined above.
from siting.presets import PRESETS, preset  # noqa: E402, F401, I001
from siting.scenario_yaml import (  # noqa: E402, F401
    EXCERPT_CHARS, MAX_NAME_CHARS, MAX_SCENARIO_BYTES, MAX_TEXT_CHARS, MAX_YAML_DEPTH,
    MAX_YAML_NODES, dumps, excerpt, from_dict, load_yaml, loads, shown_name)
