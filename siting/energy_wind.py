"""Wind: turbine power curves, annual yield per MW, the loss chain and the IEC-class
turbine rule, and the capacity density from turbine spacing.

Wind yield integrates a real power curve (windpowerlib's bundled oedb library, read
locally) over a Weibull wind climate with an air-density correction.
"""
from __future__ import annotations

import difflib
import functools
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from siting.costs import HOURS_PER_YEAR
from siting.criteria import (
    ISA_SEA_LEVEL_DENSITY_KG_M3,
    _as_float,
    _raise_if_any,
    weibull_scale,
)
from siting.errors import DataFileError, SitingError

# --- Wind turbine -----------------------------------------------------------------------
#: Default turbine, a windpowerlib oedb type with a power curve: Enercon E-141 EP4, 4.2 MW,
#: 141 m rotor (≈269 W/m² specific power, a low-wind machine close to the 4-6 MW, large-rotor
#: units now bid in northern China ❌ proxy choice). Source: windpowerlib turbine_data.csv.
DEFAULT_TURBINE = "E-141/4200"
#: Default hub height, m: one of the E-141/4200 hub heights listed by oedb (99/129/135/159).
DEFAULT_HUB_HEIGHT_M = 135.0
#: Reference air density of manufacturers' power curves, kg/m³ (IEC 61400-12-1).
POWER_CURVE_DENSITY_KG_M3 = ISA_SEA_LEVEL_DENSITY_KG_M3
#: Other losses of a wind farm not counted below (turbine performance and power-curve
#: shortfall, blade degradation and soiling, high-wind hysteresis), share ❌ assumption
#: (planning practice 1-3 %). Before the loss chain this was one flat 15 % for everything.
WIND_OTHER_LOSS = 0.02
#: Kept for callers of :func:`wind_energy_per_mw`: its ``losses`` default.
WIND_LOSSES = WIND_OTHER_LOSS

# --- Wind loss chain (each a share of energy; they multiply: net = gross × Π(1 − lᵢ)) ---
#: Wake (array) loss at the reference spacing below, share ⚠️: onshore arrays laid out at
#: about 7 D × 10 D lose ~8-12 % to wakes; the Horns Rev offshore array (7 D × 7 D = 49 D²)
#: has a measured park efficiency of ~87 % (13 % wake loss; Barthelmie et al., Horns Rev
#: analyses, summarised at wind-watch.org "How much efficiency is lost by putting HAWTs
#: near one another"). With the inverse-area rule below, 49 D² gives 14 %.
WAKE_LOSS_AT_REFERENCE = 0.10
#: Reference ground area per turbine, in rotor diameters squared (7 D × 10 D).
WAKE_REFERENCE_AREA_D2 = 70.0
#: Wake loss grows as (reference area / area per turbine)^this exponent ❌ (1: wake loss
#: inversely proportional to the ground area per turbine, a first-order array rule).
WAKE_AREA_EXPONENT = 1.0
#: Cap on the wake loss, share: a layout denser than ~3.5 D × 5 D is not built.
WAKE_LOSS_MAX = 0.40
#: Wind farm availability, share of the year turbines can run ⚠️ (onshore fleets 95-98 %;
#: Chinese national fleet statistics report ~97-98 %; 97 % for remote, cold sites).
WIND_AVAILABILITY = 0.97
#: Electrical losses from the turbine terminals to the grid meter (collection cables and
#: step-up transformers), share ⚠️ (planning practice 1.5-3 %).
WIND_ELECTRICAL_LOSS = 0.02
#: Cold-climate loss (icing of blades and low-temperature shutdown, below about −30 °C for
#: standard turbines), share, by league ❌ assumption scaled on IEA Wind TCP Task 19 ice
#: classes (class 1: 0-0.5 %, class 2: 0.5-5 % production loss): the dry west loses little,
#: the long, cold winters of Hulunbuir and Hinggan (−40 °C) the most.
COLD_CLIMATE_LOSS_BY_LEAGUE = {
    "阿拉善盟": 0.01, "巴彦淖尔市": 0.01, "乌海市": 0.01, "鄂尔多斯市": 0.01,
    "包头市": 0.015, "呼和浩特市": 0.015, "乌兰察布市": 0.02, "锡林郭勒盟": 0.025,
    "赤峰市": 0.02, "通辽市": 0.02, "兴安盟": 0.03, "呼伦贝尔市": 0.04,
}
#: Cold-climate loss where the league is not in the table above, share ❌.
COLD_CLIMATE_LOSS_DEFAULT = 0.02
#: Curtailment (弃风/弃光率 = 1 − 利用率), share of available energy not taken by the grid.
#: Region figure ✅: 国家能源局《2019年前三季度风电并网运行情况》(2019-11-04): 内蒙古 弃风率
#: 6.6 % (3.2 TWh). No per-league figure was found, so every league starts from it
#: (editable per league in the scenario). Earlier years were worse (2017 Jan-Sep 14 %).
CURTAILMENT_REGION = 0.066

# --- Turbine by IEC 61400-1 wind class -----------------------------------------------------
#: Upper annual mean hub-height wind speed of IEC 61400-1 classes III, II, I, m/s ✅
#: (reference Vave = 7.5, 8.5, 10 m/s). A site above 10 m/s is class S: treated as I here.
IEC_CLASS_MAX_MEAN_MS = {"III": 7.5, "II": 8.5, "I": 10.0}
#: Turbine per IEC class (windpowerlib oedb names with power curves) ❌ proxy choice:
#: low-wind sites get a large rotor (low specific power), windy sites a smaller rotor with
#: a higher specific power, as bid in northern China. III: E-141/4200 (269 W/m²),
#: II: V117/3450 (IEC IIA rated; 321 W/m²), I: V112/3450 (IEC IA rated; 350 W/m²).
TURBINE_BY_IEC_CLASS = {"III": "E-141/4200", "II": "V117/3450", "I": "V112/3450"}
#: Hub height per IEC class, m ❌ assumption: tall towers only where the wind is weak
#: (E-141 at 135 m of its 99-159 m; V117 near its 116.5 m; V112 near its 84-119 m).
HUB_HEIGHT_BY_IEC_CLASS_M = {"III": 135.0, "II": 115.0, "I": 95.0}
#: Speed step of the yield integration, m/s (bins are weighted by exact Weibull CDF steps).
SPEED_STEP_MS = 0.1
#: Parcels per block of the yield integration: keeps each temporary at a few MB.
WIND_CHUNK_PARCELS = 4_096

#: Wind installed capacity per km² of project area, MW/km² (NREL 3.0 ± 1.7; domain.md).
WIND_MW_PER_KM2 = 3.0

#: Wind turbine spacing in rotor diameters: crosswind (within a row) × downwind
#: (between rows). Large arrays use 3-7 D × 7-12 D; 6 × 10 D gives 3-4 MW/km² for the
#: region's 3.5-4.2 MW turbines, within NREL's 3.0 ± 1.7 MW/km² of project area ❌.
WIND_SPACING_CROSS_D = 6.0
WIND_SPACING_DOWN_D = 10.0


# --- Power curves -------------------------------------------------------------------------
def _oedb_dir() -> Path:
    spec = importlib.util.find_spec("windpowerlib")
    if spec is None or not spec.submodule_search_locations:
        raise DataFileError("windpowerlib is not installed, so no turbine power curves are "
                            "available; install it with `pip install windpowerlib`",
                            zh="未安装 windpowerlib，没有风机功率曲线可用；请运行 "
                               "`pip install -r requirements.txt` 安装")
    return Path(next(iter(spec.submodule_search_locations))) / "oedb"


@functools.lru_cache(maxsize=1)
def _oedb_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """windpowerlib's bundled oedb turbine table and power curves (W), read once."""
    folder = _oedb_dir()
    try:
        turbines = pd.read_csv(folder / "turbine_data.csv").set_index("turbine_type")
        curves = pd.read_csv(folder / "power_curves.csv").set_index("turbine_type")
    except (OSError, KeyError, pd.errors.ParserError) as err:
        raise DataFileError(f"cannot read windpowerlib's bundled turbine library in {folder}: "
                            f"{err}; reinstall windpowerlib",
                            zh=f"无法读取 windpowerlib 自带的风机库（{err}）；请重新安装 "
                               "windpowerlib") from err
    curves.columns = curves.columns.astype(float)
    return turbines, curves


def list_turbines() -> list[str]:
    """Turbine types in windpowerlib's bundled library that have a power curve.

    Returns
    -------
    list of str
        Sorted oedb names such as ``"E-141/4200"`` (rotor diameter / rated kW).
    """
    return sorted(_oedb_tables()[1].index)


def _unknown_turbine(turbine_type: str) -> SitingError:
    names = list_turbines()
    close = difflib.get_close_matches(str(turbine_type), names, n=5, cutoff=0.5)
    hint = f"close names: {', '.join(close)}" if close else f"e.g. {', '.join(names[:5])}"
    hint_zh = f"相近的型号：{', '.join(close)}" if close else f"例如 {', '.join(names[:5])}"
    return SitingError(f"turbine {turbine_type!r} has no power curve in windpowerlib's "
                       f"bundled library; {hint} (see list_turbines())",
                       zh=f"风机型号 {turbine_type!r} 在 windpowerlib 风机库中没有功率曲线；"
                          f"{hint_zh}")


def load_power_curve(turbine_type: str = DEFAULT_TURBINE
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Power curve of a turbine from windpowerlib's bundled oedb library.

    Parameters
    ----------
    turbine_type : str, optional
        oedb name, e.g. ``"E-141/4200"``; see :func:`list_turbines`.

    Returns
    -------
    speeds : ndarray of float
        Hub-height wind speeds, m/s, ascending.
    power : ndarray of float
        Electrical power at air density 1.225 kg/m³, kW.
    """
    curves = _oedb_tables()[1]
    if turbine_type not in curves.index:
        raise _unknown_turbine(turbine_type)
    row = curves.loc[turbine_type].dropna()
    return row.index.to_numpy(dtype=float), row.to_numpy(dtype=float) / 1_000.0


def rated_power_kw(turbine_type: str = DEFAULT_TURBINE) -> float:
    """Nameplate power of a turbine in windpowerlib's bundled library.

    Parameters
    ----------
    turbine_type : str, optional
        oedb name, e.g. ``"E-141/4200"``.

    Returns
    -------
    float
        Nameplate (nominal) power, kW.
    """
    turbines = _oedb_tables()[0]
    if turbine_type not in turbines.index:
        raise _unknown_turbine(turbine_type)
    return float(turbines.loc[turbine_type, "nominal_power"]) / 1_000.0


def rotor_diameter_m(turbine_type: str = DEFAULT_TURBINE) -> float:
    """Rotor diameter of a turbine in windpowerlib's bundled library, m."""
    turbines = _oedb_tables()[0]
    if turbine_type not in turbines.index:
        raise _unknown_turbine(turbine_type)
    return float(turbines.loc[turbine_type, "rotor_diameter"])


def _check_curve(speeds: NDArray[np.float64], power_kw: NDArray[np.float64]) -> None:
    if (speeds.ndim != 1 or speeds.shape != power_kw.shape or speeds.size < 2
            or not np.all(np.isfinite(speeds)) or not np.all(np.isfinite(power_kw))):
        raise SitingError("power_curve must be two equal-length 1-D arrays (speeds m/s, "
                          f"power kW) of finite numbers, got shapes {speeds.shape} and "
                          f"{power_kw.shape}",
                          zh="功率曲线须为两个等长的一维有限数值数组（风速 m/s、功率 kW），"
                             f"当前形状为 {speeds.shape} 和 {power_kw.shape}")
    if np.any(np.diff(speeds) <= 0) or speeds[0] < 0:
        raise SitingError("power_curve speeds must be non-negative and strictly increasing, "
                          f"got {speeds.tolist()}",
                          zh=f"功率曲线的风速须非负且严格递增（当前值：{speeds.tolist()}）")
    if np.any(power_kw < 0) or not np.any(power_kw > 0):
        raise SitingError("power_curve power must be >= 0 kW with at least one positive value",
                          zh="功率曲线的功率须 ≥ 0 kW，且至少有一个正值")


# --- Wind yield ---------------------------------------------------------------------------
def wind_energy_per_mw(mean_speed_hub: ArrayLike, k: ArrayLike, rho: ArrayLike, *,
                       turbine: str = DEFAULT_TURBINE, losses: float = WIND_LOSSES,
                       power_curve: tuple[ArrayLike, ArrayLike] | None = None,
                       rated_kw: float | None = None) -> NDArray[np.float64]:
    """Annual net energy per MW of wind installed (= full-load hours).

    The power curve is density-corrected as for a pitch-regulated machine
    (IEC 61400-12-1): the turbine at site density ρ and speed v gives the
    curve's power at the equivalent speed ``v (ρ/ρ0)^(1/3)``, ρ0 = 1.225 kg/m³,
    up to the curve's cut-out speed (taken at the actual speed). The expected
    power is integrated over the Weibull distribution on a 0.1 m/s grid, each
    bin weighted by its exact CDF step, in blocks of parcels.

    Parameters
    ----------
    mean_speed_hub : array_like
        Long-term mean wind speed at hub height, m/s.
    k : array_like
        Weibull shape factor at hub height, dimensionless.
    rho : array_like
        Air density at hub height, kg/m³ (see :func:`siting.criteria.air_density`).
    turbine : str, optional
        oedb turbine type (default :data:`DEFAULT_TURBINE`); ignored if
        ``power_curve`` is given.
    losses : float, optional
        Share of gross energy lost to wakes, availability and electrical losses,
        in [0, 1) (default :data:`WIND_LOSSES`).
    power_curve : (speeds, power) pair of array_like, optional
        Own power curve, m/s and kW at 1.225 kg/m³; power is 0 beyond its last speed.
    rated_kw : float, optional
        Nameplate power, kW; defaults to the oedb nameplate of ``turbine`` or the
        maximum of ``power_curve``.

    Returns
    -------
    ndarray of float
        Net annual energy, MWh per MW installed (= full-load hours, h); NaN where
        any input is NaN; 0 where the mean speed is 0.
    """
    if not (np.isfinite(losses) and 0 <= losses < 1):
        raise SitingError(f"losses must be a share in [0, 1), got {losses!r}; "
                          "15 % is written 0.15",
                          zh=f"损失须为 [0, 1) 之间的比例（当前值：{losses!r}）；15% 写作 0.15")
    if power_curve is None:
        speeds, power_kw = load_power_curve(turbine)
        nameplate_kw = rated_power_kw(turbine) if rated_kw is None else float(rated_kw)
    else:
        speeds, power_kw = (_as_float(values, "power_curve") for values in power_curve)
        _check_curve(speeds, power_kw)
        nameplate_kw = float(power_kw.max()) if rated_kw is None else float(rated_kw)
    if not (np.isfinite(nameplate_kw) and nameplate_kw > 0):
        raise SitingError(f"rated_kw must be a positive power in kW, got {rated_kw!r}",
                          zh=f"额定功率 rated_kw 须为正值（kW），当前值：{rated_kw!r}")

    v, shape, density = np.broadcast_arrays(_as_float(mean_speed_hub, "mean_speed_hub"),
                                            _as_float(k, "k"), _as_float(rho, "rho"))
    _raise_if_any(density <= 0, density, "rho", "a positive air density in kg/m³")
    scale = weibull_scale(v, shape)  # also validates speeds and k

    # Cut-out is the last speed with positive power; trailing zeros after it are dropped.
    last = int(np.flatnonzero(power_kw > 0)[-1])
    speeds, power_kw = speeds[: last + 1], power_kw[: last + 1]
    cut_out_ms = speeds[-1]

    # Work in equivalent-speed space u = f·v, f = (ρ/ρ0)^(1/3): u is Weibull with scale f·A
    # and the same k, so the power at every grid bin is shared by all parcels; only the
    # cut-out u_max = f·v_cut_out differs per parcel (CDF clipped there).
    factor = (density / POWER_CURVE_DENSITY_KG_M3) ** (1.0 / 3.0)
    u_max = factor * cut_out_ms

    out = np.full(v.shape, np.nan)
    valid = np.isfinite(v) & np.isfinite(shape) & np.isfinite(density)
    calm = valid & (v == 0)
    out[calm] = 0.0
    todo = np.flatnonzero((valid & ~calm).ravel())
    if todo.size == 0:
        return out

    log_scale_u = np.log((factor * scale).ravel()[todo])
    shape_u = shape.ravel()[todo]
    log_u_max = np.log(u_max.ravel()[todo])
    n_bins = int(np.ceil(np.exp(log_u_max.max()) / SPEED_STEP_MS))
    edges = np.arange(n_bins + 1) * SPEED_STEP_MS
    mids = edges[:-1] + 0.5 * SPEED_STEP_MS
    # Below the actual cut-out an equivalent speed beyond the curve's end means rated power.
    bin_power = np.interp(np.minimum(mids, cut_out_ms), speeds, power_kw, left=0.0, right=0.0)
    bin_capacity_factor = bin_power / nameplate_kw
    # Summation by parts: Σ_j cf_j (F(e_j+1) − F(e_j)) = Σ_e F(e) w_e, w_e = cf_e−1 − cf_e.
    # Σ_e w_e = 0, so with F = 1 − exp(−x) the sum is −Σ_e exp(−x_e) w_e; edges where the
    # curve is flat (below cut-in, at rated) have w_e = 0 and are skipped exactly. Clipping
    # the edges at the parcel's cut-out u_max keeps this exact. One exp fewer than expm1 and
    # the skipped edges make 300k parcels take well under a second.
    edge_weights = np.append(0.0, bin_capacity_factor) - np.append(bin_capacity_factor, 0.0)
    active = edge_weights != 0
    with np.errstate(divide="ignore"):
        # A curve with power at 0 m/s keeps edge 0: ln 0 = −inf gives x = 0, F(0) = 0.
        log_edges = np.log(edges[active])
    edge_weights = edge_weights[active]

    capacity_factor = np.empty(todo.size)
    for start in range(0, todo.size, WIND_CHUNK_PARCELS):
        block = slice(start, start + WIND_CHUNK_PARCELS)
        # x = (u/λ)^k = exp(k (ln u − ln λ)), computed in place with u clipped at u_max.
        work = np.minimum(log_edges[None, :], log_u_max[block, None])
        work -= log_scale_u[block, None]
        work *= shape_u[block, None]
        np.exp(work, out=work)
        np.negative(work, out=work)
        np.exp(work, out=work)
        capacity_factor[block] = -(work @ edge_weights)
    out.ravel()[todo] = capacity_factor * HOURS_PER_YEAR * (1.0 - losses)
    return out


# --- Wind loss chain ----------------------------------------------------------------------
def _share(value, name: str, hint: str = "5 % is written 0.05") -> NDArray[np.float64]:
    arr = _as_float(value, name)
    _raise_if_any((arr < 0) | (arr >= 1), arr, name, "a share in [0, 1)", hint)
    return arr


def wake_loss(density_mw_km2: ArrayLike, *, rated_kw: float, rotor_m: float,
              at_reference: float = WAKE_LOSS_AT_REFERENCE,
              reference_area_d2: float = WAKE_REFERENCE_AREA_D2,
              exponent: float = WAKE_AREA_EXPONENT) -> NDArray[np.float64]:
    """Wake (array) loss of a wind farm laid out at a capacity density.

    The ground area per turbine, in rotor diameters squared, is
    ``S = rated / density / D²``; the loss is
    ``at_reference × (reference_area_d2 / S)^exponent``, capped at
    :data:`WAKE_LOSS_MAX`. A denser layout loses more.

    Parameters
    ----------
    density_mw_km2 : array_like
        Installed capacity per km² of project area, MW/km² (> 0).
    rated_kw : float
        Turbine nameplate, kW.
    rotor_m : float
        Rotor diameter, m.
    at_reference, reference_area_d2, exponent : float, optional
        See :data:`WAKE_LOSS_AT_REFERENCE`, :data:`WAKE_REFERENCE_AREA_D2`,
        :data:`WAKE_AREA_EXPONENT`.

    Returns
    -------
    ndarray of float
        Share of gross energy lost to wakes, in [0, WAKE_LOSS_MAX].
    """
    density = _as_float(density_mw_km2, "density_mw_km2")
    _raise_if_any(density <= 0, density, "density_mw_km2", "a positive density in MW/km²")
    if not (rated_kw > 0 and rotor_m > 0):
        raise SitingError(f"rated_kw and rotor_m must be positive, got {rated_kw!r}, {rotor_m!r}",
                          zh=f"额定功率与风轮直径须为正值（当前值：{rated_kw!r}，{rotor_m!r}）")
    area_per_turbine_m2 = (rated_kw / 1_000.0) / density * 1e6
    area_d2 = area_per_turbine_m2 / rotor_m ** 2
    return np.minimum(at_reference * (reference_area_d2 / area_d2) ** exponent, WAKE_LOSS_MAX)


def league_shares(leagues: ArrayLike, table: dict[str, float], default: float,
                  name: str) -> NDArray[np.float64]:
    """Per-parcel share looked up by league name (``default`` where not listed)."""
    for key, value in table.items():
        if not (np.isfinite(value) and 0 <= value < 1):
            raise SitingError(f"{name}[{key!r}] must be a share in [0, 1), got {value!r}; "
                              "5 % is written 0.05",
                              zh=f"{name}[{key!r}] 须为 [0, 1) 之间的比例（当前值：{value!r}）；"
                                 "5% 写作 0.05")
    if not (np.isfinite(default) and 0 <= default < 1):
        raise SitingError(f"{name} default must be a share in [0, 1), got {default!r}",
                          zh=f"{name} 的默认值须为 [0, 1) 之间的比例（当前值：{default!r}）")
    # one look-up per distinct league, not per parcel (a per-parcel map was a large
    # part of a weight change); a missing league (NaN/None, code -1) takes the default
    codes, names = pd.factorize(np.asarray(leagues, dtype=object))
    values = np.array([table.get(name, default) for name in names] + [default], dtype=float)
    return values[codes]


def wind_loss_factor(*, wake: ArrayLike = 0.0, availability: ArrayLike = 1.0,
                     electrical: ArrayLike = 0.0, cold_climate: ArrayLike = 0.0,
                     curtailment: ArrayLike = 0.0, other: ArrayLike = 0.0
                     ) -> NDArray[np.float64]:
    """Net / gross energy of a wind farm: the losses multiply.

    ``(1 − wake) × availability × (1 − electrical) × (1 − cold_climate)
    × (1 − curtailment) × (1 − other)``; each argument is a share (availability
    is the share of time available, e.g. 0.97) and may be an array per parcel.
    """
    avail = _as_float(availability, "availability")
    _raise_if_any((avail <= 0) | (avail > 1), avail, "availability", "a share in (0, 1]",
                  "97 % is written 0.97")
    factor = avail.copy() if avail.ndim else np.asarray(float(avail))
    for name, value in (("wake", wake), ("electrical", electrical),
                        ("cold_climate", cold_climate), ("curtailment", curtailment),
                        ("other", other)):
        factor = factor * (1.0 - _share(value, name))
    return factor


def iec_wind_class(mean_speed_hub: ArrayLike) -> NDArray[np.object_]:
    """IEC 61400-1 class ("I", "II", "III") of a site from its mean hub-height speed.

    III up to 7.5 m/s, II up to 8.5, I above (class S sites, above 10 m/s, are
    given I); "" where the speed is NaN.
    """
    v = _as_float(mean_speed_hub, "mean_speed_hub")
    out = np.full(v.shape, "", dtype=object)
    out[np.isfinite(v)] = "I"
    out[np.isfinite(v) & (v <= IEC_CLASS_MAX_MEAN_MS["II"])] = "II"
    out[np.isfinite(v) & (v <= IEC_CLASS_MAX_MEAN_MS["III"])] = "III"
    return out


def turbine_by_class(speed_100m: ArrayLike, *, alpha: float,
                     hub_height_by_class_m: dict[str, float] | None = None
                     ) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """IEC class and hub height of each site, the class judged at its own hub height.

    A site is class III if its mean speed at the class-III hub height is at most
    7.5 m/s; else class II if at most 8.5 m/s at the class-II hub height; else
    class I (at the class-I hub height). Speeds come from the 100 m layer by the
    power law (``alpha``).

    Returns
    -------
    classes : ndarray of str
        "I", "II", "III" ("" where the speed is NaN).
    hub_m : ndarray of float
        Hub height of the chosen class, m (NaN where the speed is NaN).
    """
    from siting.criteria import WIND_LAYER_HEIGHT_M, extrapolate_speed

    hubs = dict(HUB_HEIGHT_BY_IEC_CLASS_M if hub_height_by_class_m is None
                else hub_height_by_class_m)
    missing = set(IEC_CLASS_MAX_MEAN_MS) - set(hubs)
    if missing:
        raise SitingError(f"hub_height_by_class_m needs classes {sorted(missing)}; "
                          f"got {sorted(hubs)}",
                          zh=f"hub_height_by_class_m 缺少等级 {sorted(missing)}（当前为 "
                             f"{sorted(hubs)}）")
    v100 = _as_float(speed_100m, "speed_100m")
    ok = np.isfinite(v100)
    classes = np.full(v100.shape, "", dtype=object)
    classes[ok] = "I"
    undecided = ok.copy()
    for cls in ("III", "II"):
        at_hub = extrapolate_speed(np.where(ok, v100, 0.0), WIND_LAYER_HEIGHT_M, hubs[cls],
                                   alpha=alpha)
        fits = undecided & (at_hub <= IEC_CLASS_MAX_MEAN_MS[cls])
        classes[fits] = cls
        undecided &= ~fits
    hub_m = np.full(v100.shape, np.nan)
    for cls in IEC_CLASS_MAX_MEAN_MS:
        hub_m[classes == cls] = hubs[cls]
    return classes, hub_m


def wind_mw_per_km2(rated_kw: ArrayLike, rotor_m: ArrayLike, *,
                    cross_d: float = WIND_SPACING_CROSS_D,
                    down_d: float = WIND_SPACING_DOWN_D) -> NDArray[np.float64]:
    """Wind capacity per km² of project area from turbine spacing, MW/km².

    Each turbine holds a ``cross_d·D × down_d·D`` rectangle: 4.2 MW with a 141 m rotor
    at 6 × 10 D is 4.2 / (0.846 × 1.41 km²) ≈ 3.5 MW/km².
    """
    rated = _as_float(rated_kw, "rated_kw")
    rotor = _as_float(rotor_m, "rotor_m")
    _raise_if_any(rotor <= 0, rotor, "rotor_m", "a positive rotor diameter in m")
    if not (cross_d > 0 and down_d > 0):
        raise SitingError(f"turbine spacing must be positive rotor diameters, got "
                          f"{cross_d!r} × {down_d!r}",
                          zh=f"风机间距须为正的风轮直径倍数（当前值：{cross_d!r} × {down_d!r}）")
    return (rated / 1_000.0) / (cross_d * down_d * (rotor / 1_000.0) ** 2)
