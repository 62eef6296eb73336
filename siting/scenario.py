"""The Scenario: every choice of a siting run, as one validated model.

Saved and loaded as commented YAML (``python -m siting scenario --template``).
Every default is a named constant with its unit and source (shared/domain.md
tags: ✅ confirmed, ⚠️ secondary, ❌ literature/assumption).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from siting import bases, criteria, energy, parcels, shortlist
from siting.errors import SitingError
from siting.grid import DEFAULT_RESOLUTION_M, MAX_RESOLUTION_M, MIN_RESOLUTION_M

Tech = Literal["wind", "solar", "hybrid"]
TECHS = ("wind", "solar", "hybrid")

# --- exclusion defaults -------------------------------------------------------
#: Border frontier strip excluded, km from the boundary (domain.md ✅ 0-2 km).
BORDER_STRIP_KM = 2.0
#: Border belt encouraged, km (design.md: 2-50 km; domain.md: "along the border").
BORDER_BELT_KM = (2.0, 50.0)
#: Settlement buffers, km (domain.md ❌: 500 m wind, 100-300 m PV).
SETTLEMENT_BUFFER_WIND_KM = 0.5
SETTLEMENT_BUFFER_PV_KM = 0.3
#: Slope limits, degrees (domain.md ❌: PV ≤5-10°, wind ≤15-20°). The bundled
#: slope is a 1/12° average, so real local slopes are steeper.
SLOPE_MAX_WIND_DEG = 15.0
SLOPE_MAX_PV_DEG = 5.0
#: A parcel needs at least this available area to score, km² (≈ one PV block
#: of 100 MW at 50 MW/km² or a 12-turbine cluster).
MIN_AVAILABLE_KM2 = 2.0

# --- criteria defaults (normalisation bounds) ----------------------------------
#: Wind speed at hub height scored 0 at 5 and 1 at 8.5 m/s (peer default ≥7 m/s
#: at 100 m, domain.md ❌; GB/T 18710 class 3 at 50 m ≈ 7.0 m/s ✅).
WIND_SPEED_BOUNDS_MS = (5.0, 8.5)
#: GHI scored 0 at 1,300 and 1 at 1,900 kWh/m²·yr (region range ~1,280-1,920,
#: domain.md ✅; GB/T 31155 class A from 1,750).
GHI_BOUNDS_KWH = (1300.0, 1900.0)
#: Distance to the nearest substation scored 1 at 0 and 0 at 150 km (peer
#: tools: grid distance ≤100-150 km, domain.md ❌).
GRID_KM_BOUNDS = (0.0, 150.0)
#: Distance to the nearest load centre scored 1 at 0 and 0 at 400 km (assumption ❌).
LOAD_KM_BOUNDS = (0.0, 400.0)
#: PV specific yield (a user's PVOUT layer) scored 0 at 1,200 and 1 at 1,750
#: kWh/kWp·yr: the GHI bounds above × the default tilt gain 1.15 × performance
#: ratio 0.8 (energy.PV_TILT_GAIN, energy.PV_PERFORMANCE_RATIO; assumption ❌),
#: so a PVOUT layer and the modelled yield rank the same site alike.
PV_YIELD_BOUNDS_KWH_KWP = (1200.0, 1750.0)
#: Towns with at least this population count as load centres (assumption ❌).
LOAD_CENTRE_MIN_POPULATION = 100_000

#: Default criterion weights (sum 1; assumption ❌, editable; AHP optional).
#: Weighted criteria are the physical and economic suitability every parcel has a
#: value for: resource, grid and load distance, slope (the old 0.45/0.20/0.10/0.10
#: scaled to sum 1 and rounded). The encouraged land is a bonus, not a criterion
#: (see below), so ``encouragement`` is 0 by default; give it a weight and the
#: desert, sandy and mine bonuses switch off, so no land is counted twice.
DEFAULT_WEIGHTS = {"resource": 0.55, "grid": 0.25, "load": 0.10, "slope": 0.10,
                   "encouragement": 0.0}
CRITERIA = tuple(DEFAULT_WEIGHTS)

# --- encouragement bonuses (score points added, capped at 100) ----------------
#: Policy-zh.txt §十二 (✅): "基于边境沿线、戈壁荒漠、沙漠治理、矿区修复等高水平打造新能源
#: 基地" names the kinds of land bases are built on. It is a preference for a land
#: category, not a graded measure of how well a plant works there, so each kind is
#: a bonus: visible points (b_desert, b_sandy, b_mine, b_border, b_custom) on top of
#: the weighted suitability, bounded so it cannot make up for poor wind, sun or grid,
#: and never also a weighted criterion. Bonus sizes are assumptions ❌.
DESERT_BONUS_POINTS = 10.0
SANDY_BONUS_POINTS = 5.0
MINE_BONUS_POINTS = 10.0
BORDER_BELT_BONUS_POINTS = 5.0
#: Bonus for the user's own encouraged zones (custom_encouragement layer),
#: points × share of the parcel covered (assumption ❌, like the bonuses above).
CUSTOM_BONUS_POINTS = 10.0


class Section(BaseModel):
    """Base of every scenario section: unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Exclusions(Section):
    """Hard exclusions (areas removed from every parcel)."""

    redline: bool = Field(True, description="排除生态保护红线 / exclude the ecological "
                          "red line (domain.md ✅ hard exclusion)")
    redline_buffer_km: float = Field(0.0, ge=0, le=20, description="red-line buffer, km")
    water: bool = Field(True, description="exclude water and wetlands (IGBP 0, 11)")
    water_buffer_km: float = Field(0.0, ge=0, le=20, description="water buffer, km")
    urban: bool = Field(True, description="exclude urban land (IGBP 13)")
    urban_buffer_km: float = Field(0.0, ge=0, le=20, description="urban buffer, km")
    forest: bool = Field(True, description="exclude forests (IGBP 1-5; key state forests ✅)")
    cropland_pv: bool = Field(True, description="exclude cropland for PV (✅ PV may not "
                              "occupy cultivated land)")
    cropland_wind: bool = Field(False, description="exclude cropland for wind too")
    settlements: bool = Field(True, description="exclude settlement buffers")
    settlement_buffer_wind_km: float = Field(SETTLEMENT_BUFFER_WIND_KM, ge=0, le=20,
                                             description="wind settlement buffer, km (❌ 0.5)")
    settlement_buffer_pv_km: float = Field(SETTLEMENT_BUFFER_PV_KM, ge=0, le=20,
                                           description="PV settlement buffer, km (❌ 0.1-0.3)")
    slope_max_wind_deg: float = Field(SLOPE_MAX_WIND_DEG, gt=0, le=90,
                                      description="wind slope limit, degrees (❌ 15-20)")
    slope_max_pv_deg: float = Field(SLOPE_MAX_PV_DEG, gt=0, le=90,
                                    description="PV slope limit, degrees (❌ 5-10)")
    custom: bool = Field(True, description="exclude the user's custom_exclusion zones (wind and "
                         "PV; used only when that layer is given in `layers`)")
    custom_buffer_km: float = Field(0.0, ge=0, le=20,
                                    description="buffer around custom exclusion zones, km")
    border_strip_km: float = Field(BORDER_STRIP_KM, ge=0, le=50,
                                   description="frontier strip excluded, km (✅ 0-2 km)")
    min_available_km2: float = Field(MIN_AVAILABLE_KM2, ge=0,
                                     description="parcels with less available land score 0, km²")


class Encouragement(Section):
    """Bonus points for the land the policy encourages (added to the 0-100 score)."""

    desert_bonus: float = Field(DESERT_BONUS_POINTS, ge=0, le=50,
                                description="points × desert/gobi share of the parcel")
    sandy_bonus: float = Field(SANDY_BONUS_POINTS, ge=0, le=50,
                               description="points × sandy-land share (desert control)")
    mine_bonus: float = Field(MINE_BONUS_POINTS, ge=0, le=50,
                              description="points × mine-restoration share")
    border_belt_bonus: float = Field(BORDER_BELT_BONUS_POINTS, ge=0, le=50,
                                     description="points if within the border belt")
    custom_bonus: float = Field(CUSTOM_BONUS_POINTS, ge=0, le=50,
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
            raise ValueError(f"bounds must be (low, high) with low < high, got {value}")
        return value


class Weights(Section):
    """Criterion weights: direct (normalised to sum 1) or from an AHP matrix."""

    mode: Literal["direct", "ahp"] = Field("direct", description="direct | ahp")
    direct: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                     description=f"weight per criterion {list(CRITERIA)}")
    ahp_matrix: list[list[float]] | None = Field(
        None, description="pairwise matrix in the order of `direct`'s keys (Saaty 1-9)")

    @field_validator("direct")
    @classmethod
    def _known(cls, value):
        unknown = set(value) - set(CRITERIA)
        if unknown:
            raise ValueError(f"unknown criteria {sorted(unknown)}; allowed: {list(CRITERIA)}")
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("weights must be ≥ 0 with a positive sum")
        return value

    @model_validator(mode="after")
    def _matrix_present(self):
        if self.mode == "ahp":
            n = len(self.direct)
            if self.ahp_matrix is None or len(self.ahp_matrix) != n or \
                    any(len(row) != n for row in self.ahp_matrix):
                raise ValueError(f"mode 'ahp' needs ahp_matrix as a {n}×{n} list of lists "
                                 f"in the order {list(self.direct)}")
        return self


class Capacity(Section):
    """Land-use densities (domain.md)."""

    wind_mw_per_km2: float = Field(energy.WIND_MW_PER_KM2, gt=0, le=20,
                                   description="wind MW per km² of available land (NREL 3 ✅)")
    pv_packing_mw_per_km2: float = Field(energy.PV_PACKING_MW_PER_KM2, gt=0, le=150,
                                         description="PV MW per km² of project area "
                                                     "(desert bases 50-60 ✅)")
    pv_land_use_share: float = Field(energy.PV_LAND_USE_SHARE, gt=0, le=1,
                                     description="share of available land used by PV (❌)")
    pv_restoration_mw_per_km2: float = Field(energy.PV_RESTORATION_MW_PER_KM2, gt=0, le=150,
                                             description="PV MW per km² on mine restoration "
                                                         "land (~20 ✅)")


class Energy(Section):
    """Yield assumptions."""

    turbine: str = Field(energy.DEFAULT_TURBINE, description="power curve (windpowerlib oedb)")
    hub_height_m: float = Field(energy.DEFAULT_HUB_HEIGHT_M, ge=50, le=200,
                                description="hub height, m")
    wind_shear_exponent: float = Field(criteria.WIND_SHEAR_EXPONENT, ge=0, le=0.5,
                                       description="power-law exponent 100 m → hub (❌ 0.14)")
    wind_losses: float = Field(energy.WIND_LOSSES, ge=0, lt=1,
                               description="wake, availability, electrical losses (❌)")
    pv_performance_ratio: float = Field(energy.PV_PERFORMANCE_RATIO, gt=0, le=1,
                                        description="PV performance ratio (❌)")
    pv_tilt_gain: float = Field(energy.PV_TILT_GAIN, ge=1, le=1.6,
                                description="plane-of-array / horizontal irradiation (❌)")


class Cost(Section):
    """LCOE inputs, CNY."""

    wind_capex_cny_per_kw: float = Field(energy.WIND_CAPEX_CNY_PER_KW, gt=0,
                                         description="wind capex, CNY/kW (❌)")
    pv_capex_cny_per_kw: float = Field(energy.PV_CAPEX_CNY_PER_KW, gt=0,
                                       description="PV capex, CNY/kW (❌)")
    wind_opex_share: float = Field(energy.WIND_OPEX_SHARE_PER_YR, ge=0, le=0.2,
                                   description="wind O&M per year, share of capex")
    pv_opex_share: float = Field(energy.PV_OPEX_SHARE_PER_YR, ge=0, le=0.2,
                                 description="PV O&M per year, share of capex")
    discount_rate: float = Field(energy.DISCOUNT_RATE, gt=0, lt=0.5,
                                 description="real discount rate (domain.md 8-10%)")
    lifetime_years: int = Field(energy.LIFETIME_YEARS, ge=5, le=50,
                                description="economic lifetime, years (25)")
    transmission_cny_per_mw_km: float = Field(energy.TRANSMISSION_CNY_PER_MW_KM, ge=0,
                                              description="grid connection line, CNY per MW·km")
    substation_cny_per_kw: float = Field(energy.SUBSTATION_CNY_PER_KW, ge=0,
                                         description="substation, CNY/kW")


class Shortlist(Section):
    """Which parcels make the shortlist, in which order, and how much of them."""

    rank_by: Literal["score", "lcoe"] = Field(
        "score", description="rank by score (suitability) | lcoe (cost incl. grid connection); "
                             "ties go to the lower LCOE, then the better resource")
    min_score: float = Field(shortlist.DEFAULT_MIN_SCORE, ge=0, le=100,
                             description="lowest score kept, 0-100")
    size: int = Field(shortlist.DEFAULT_SHORTLIST_SIZE, ge=1,
                      description="the map draws at most this many shortlisted parcels; "
                                  "the shortlist and its totals are never cut by it")
    target_multiple: float | None = Field(
        shortlist.DEFAULT_TARGET_MULTIPLE, gt=0,
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
            raise ValueError(f"unknown land types {unknown}; allowed: {', '.join(allowed)}")
        return value


class BaseRules(Section):
    """Merging shortlisted parcels into candidate bases."""

    contiguity: Literal["queen", "rook"] = Field("queen", description="queen | rook")
    min_capacity_gw: float = Field(bases.DEFAULT_MIN_BASE_GW, gt=0,
                                   description="a base must reach this capacity, GW")


class Targets(Section):
    """Policy target, league grouping, group caps and league targets."""

    target_gw: float = Field(shortlist.TARGET_2030_GW, gt=0,
                             description="2030 new-energy target, GW (200 ✅; preset 300 ⚠️)")
    league_groups: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in shortlist.DEFAULT_LEAGUE_GROUPS.items()},
        description="west / central / east grouping of the leagues (editable ⚠️)")
    group_caps_gw: dict[str, float] = Field(
        default_factory=lambda: dict(shortlist.DEFAULT_GROUP_CAPS_GW),
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
            raise ValueError(f"GW values must be ≥ 0, got {bad}")
        return value

    @model_validator(mode="after")
    def _caps_name_groups(self):
        unknown = sorted(set(self.group_caps_gw) - set(self.league_groups))
        if unknown:
            raise ValueError(f"group_caps_gw names unknown groups {unknown}; groups: "
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
    targets: Targets = Field(default_factory=Targets)

    @field_validator("layers")
    @classmethod
    def _known_layers(cls, value):
        from layers.bundle import RUN_RASTERS, RUN_ROLES, RUN_VECTORS

        replaceable = RUN_RASTERS + RUN_VECTORS
        unknown = sorted(set(value) - set(replaceable) - set(RUN_ROLES))
        if unknown:
            raise ValueError(f"unknown layer ids {unknown}; a run can replace: "
                             f"{', '.join(replaceable)}; and add: {', '.join(RUN_ROLES)}")
        return value


#: Named presets (app and CLI): the policy's zones and the raised target.
PRESETS = {
    "default": {},
    "desert_gobi": {"name": "沙漠戈壁基地 desert/gobi bases", "tech": "solar",
                    "shortlist": {"land_types": ["desert"]},
                    "encouragement": {"desert_bonus": 20.0}},
    "mine_restoration": {"name": "采煤沉陷区修复 mine restoration", "tech": "solar",
                         "shortlist": {"land_types": ["mine"], "min_score": 30.0},
                         "encouragement": {"mine_bonus": 25.0},
                         "bases": {"min_capacity_gw": 0.5}},
    "border_belt": {"name": "沿边新能源带 border belt", "tech": "wind",
                    "shortlist": {"land_types": ["border"]},
                    "encouragement": {"border_belt_bonus": 15.0}},
    "target_300gw": {"name": "3亿千瓦目标 300 GW target",
                     "targets": {"target_gw": shortlist.TARGET_2030_RAISED_GW,
                                 "group_caps_gw": {
                                     "east": shortlist.EAST_CAP_SHARE_OF_TARGET
                                     * shortlist.TARGET_2030_RAISED_GW}}},
}


def _format_error(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        parts.append(f"{where}: {err['msg']}{shown}")
    where = f"invalid scenario {source}" if source else "invalid scenario"
    return f"{where}: " + "; ".join(parts)


def from_dict(data: dict, *, source: str = "") -> Scenario:
    """Validate a plain dict into a Scenario; errors name the field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SitingError(f"invalid scenario {source}".rstrip() + ": expected a mapping of fields, "
                          f"got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise SitingError(_format_error(exc, source)) from None


def preset(name: str) -> Scenario:
    """A preset scenario by name (see ``PRESETS``)."""
    if name not in PRESETS:
        raise SitingError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    return from_dict(PRESETS[name], source=f"preset {name}")


def load_yaml(path) -> Scenario:
    """Read a scenario YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitingError(f"scenario file not found: {path}") from None
    except UnicodeDecodeError:
        raise SitingError(f"scenario file {path.name} is not UTF-8 text") from None
    return loads(text, source=path.name)


def loads(text: str, *, source: str = "") -> Scenario:
    """Parse scenario YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SitingError(f"scenario {source} is not valid YAML: {exc}") from None
    return from_dict(data, source=source)


def _yaml_value(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                          width=1000).strip().removesuffix("...").strip()


def _emit(model: BaseModel, indent: int, lines: list[str]):
    pad = "  " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.description:
            lines.append(f"{pad}# {field.description}")
        if isinstance(value, BaseModel):
            doc = (type(value).__doc__ or "").strip().splitlines()[0]
            if not field.description:
                lines.append(f"{pad}# {doc}")
            lines.append(f"{pad}{name}:  # {doc}")
            _emit(value, indent + 1, lines)
        else:
            if isinstance(value, tuple):
                value = list(value)
            lines.append(f"{pad}{name}: {_yaml_value(value)}")


def dumps(scenario: Scenario) -> str:
    """The scenario as commented YAML (every field, with its description)."""
    lines = ["# 内蒙古新能源基地选址 情景文件 / Inner Mongolia siting scenario",
             "# Load with `python -m siting run --scenario FILE`; units are in the names."]
    _emit(scenario, 0, lines)
    return "\n".join(lines) + "\n"


def save_yaml(scenario: Scenario, path) -> Path:
    """Write the scenario as commented YAML atomically (temp file + rename)."""
    import os

    path = Path(path)
    text = dumps(scenario)  # fails before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
