"""Capacity and costs per parcel: installable capacity, capital recovery, LCOE with grid
connection, storage (配储) and land rent. Costs are in CNY; energy per MW installed equals
full-load hours.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from siting.criteria import _as_float, _raise_if_any
from siting.errors import SitingError

#: Hours in a (non-leap) year: the ceiling of full-load hours.
HOURS_PER_YEAR = 8760.0

# --- Costs (CNY) ---------------------------------------------------------------------
#: Real discount rate, per year (domain.md: 8-10 %, peer defaults).
DISCOUNT_RATE = 0.08
#: Economic lifetime, years (domain.md: 25).
LIFETIME_YEARS = 25
#: USD → CNY exchange rate used to convert peer cost defaults ❌ (≈ 2024 average of the
#: PBoC central parity, 7.1-7.2).
USD_TO_CNY = 7.2
#: Grid connection line cost, USD per MW per km (peer default, domain.md).
TRANSMISSION_USD_PER_MW_KM = 1_000.0
#: Grid connection substation cost, USD per MW (peer default, domain.md).
SUBSTATION_USD_PER_MW = 70_000.0
#: Line cost, CNY per MW of plant per km of distance to grid (= 7,200).
TRANSMISSION_CNY_PER_MW_KM = TRANSMISSION_USD_PER_MW_KM * USD_TO_CNY
#: Substation cost, CNY per kW of plant (= 504).
SUBSTATION_CNY_PER_KW = SUBSTATION_USD_PER_MW * USD_TO_CNY / 1_000.0
#: Onshore wind capital cost, CNY/kW ❌ assumption (2024-era Chinese EPC bids ~3,500-4,500).
WIND_CAPEX_CNY_PER_KW = 4_000.0
#: Utility PV capital cost, CNY/kW ❌ assumption (2024-era Chinese EPC bids ~2,800-3,500).
PV_CAPEX_CNY_PER_KW = 3_000.0
#: Wind O&M cost per year as a share of capex ❌ assumption.
WIND_OPEX_SHARE_PER_YR = 0.025
#: PV O&M cost per year as a share of capex ❌ assumption.
PV_OPEX_SHARE_PER_YR = 0.015


# --- Storage (配储) and land ---------------------------------------------------------------
#: Storage power required with new wind and PV, share of the plant's capacity ✅, and its
#: duration, h ✅: 内蒙古自治区人民政府办公厅《关于推动全区风电光伏新能源产业高质量发展的
#: 意见》(2022-03-07): 市场化并网 projects ≥15 % for ≥4 h, 保障性并网 projects ≥15 % for
#: ≥2 h (restated by 包头市发改委, 2023). New large bases are mostly market-based, so 4 h is
#: the default. Note: national 发改价格〔2025〕136号 ended storage as a precondition of grid
#: connection nationally (2025); the region keeps building storage. Set the share to 0 to
#: model a plant without storage.
STORAGE_SHARE_OF_CAPACITY = 0.15
STORAGE_HOURS = 4.0
#: Battery storage system cost, CNY per kWh of storage energy ❌ assumption (2024 Chinese
#: LFP 2-4 h system and EPC bids ~0.5-1.0 CNY/Wh; no source checked here).
STORAGE_CNY_PER_KWH = 800.0
#: Storage economic lifetime, years ❌ (LFP ~6,000 cycles ≈ 15 years at one cycle a day).
STORAGE_LIFETIME_YEARS = 15
#: Storage O&M per year, share of storage capex ❌ assumption.
STORAGE_OPEX_SHARE_PER_YR = 0.02
#: Land rent by land type (feat.land_type), CNY per mu (亩, 666.7 m²) per year ❌ assumption:
#: desert/gobi and sandy land are state land leased cheaply; mine-restoration land carries
#: compensation; other land (mostly grassland) pays grassland rent and vegetation restoration
#: fees. Land prices vary by banner: replace with local figures.
LAND_CNY_PER_MU_YR = {"desert": 30.0, "sandy": 50.0, "mine": 100.0, "border": 300.0,
                      "other": 300.0}
#: Wind land actually occupied (foundations, roads, substation), ha per MW ⚠️: NREL
#: (Denholm et al. 2009, NREL/TP-6A2-45834) permanent direct impact 0.3 ± 0.3 ha/MW.
WIND_OCCUPIED_HA_PER_MW = 0.3
#: m² per mu.
M2_PER_MU = 10_000.0 / 15.0


# --- Capacity -----------------------------------------------------------------------------
def capacity_mw(avail_km2: ArrayLike, density_mw_km2: ArrayLike, share: ArrayLike = 1.0
                ) -> NDArray[np.float64]:
    """Installable capacity of a parcel.

    Parameters
    ----------
    avail_km2 : array_like
        Available (eligible) area, km².
    density_mw_km2 : array_like
        Capacity density, MW/km² (e.g. :data:`WIND_MW_PER_KM2`,
        :data:`PV_PACKING_MW_PER_KM2`).
    share : array_like, optional
        Share of the available area used, in [0, 1] (e.g. :data:`PV_LAND_USE_SHARE`).

    Returns
    -------
    ndarray of float
        ``avail_km2 × density × share``, MW.
    """
    area = _as_float(avail_km2, "avail_km2")
    density = _as_float(density_mw_km2, "density_mw_km2")
    used = _as_float(share, "share")
    _raise_if_any(area < 0, area, "avail_km2", "a non-negative area in km²")
    _raise_if_any(density < 0, density, "density_mw_km2", "a non-negative density in MW/km²")
    _raise_if_any((used < 0) | (used > 1), used, "share", "a share in [0, 1]",
                  "20 % is written 0.2")
    return area * density * used


# --- Costs --------------------------------------------------------------------------------
def capital_recovery_factor(rate: ArrayLike, years: ArrayLike) -> NDArray[np.float64]:
    """Annuity factor turning a capital cost into equal yearly payments.

    Parameters
    ----------
    rate : array_like
        Discount rate per year, e.g. 0.08 (≥ 0).
    years : array_like
        Lifetime, years (> 0).

    Returns
    -------
    ndarray of float
        ``r (1+r)^n / ((1+r)^n − 1)``, per year; ``1/n`` at r = 0.
    """
    r = _as_float(rate, "rate")
    n = _as_float(years, "years")
    _raise_if_any((r < 0) | (r >= 1), r, "discount rate", "a yearly rate in [0, 1)",
                  "8 % is written 0.08")
    _raise_if_any(n <= 0, n, "lifetime years", "a positive number of years")
    growth = (1.0 + r) ** n
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = r * growth / (growth - 1.0)
    return np.where(r == 0, 1.0 / n, annuity)


def lcoe_cny_kwh(capex_cny_per_kw: ArrayLike, opex_share_per_yr: ArrayLike,
                 energy_mwh_per_mw: ArrayLike, grid_km: ArrayLike, *,
                 discount_rate: float = DISCOUNT_RATE, lifetime_years: float = LIFETIME_YEARS,
                 transmission_cny_per_mw_km: float = TRANSMISSION_CNY_PER_MW_KM,
                 substation_cny_per_kw: float = SUBSTATION_CNY_PER_KW,
                 storage_yearly_cny_per_kw: ArrayLike = 0.0,
                 land_yearly_cny_per_kw: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Levelised cost of electricity including grid connection, storage and land.

    Investment per MW = plant capex + substation + line cost × distance to grid;
    yearly cost = investment × CRF + O&M (a share of the plant capex only)
    + storage (:func:`storage_yearly_cny_per_kw`) + land rent
    (:func:`land_yearly_cny_per_kw`).

    Parameters
    ----------
    capex_cny_per_kw : array_like
        Plant capital cost, CNY/kW (e.g. :data:`WIND_CAPEX_CNY_PER_KW`).
    opex_share_per_yr : array_like
        Yearly O&M as a share of plant capex (e.g. :data:`WIND_OPEX_SHARE_PER_YR`).
    energy_mwh_per_mw : array_like
        Net annual energy, MWh/MW (full-load hours).
    grid_km : array_like
        Distance to the grid connection point, km.
    discount_rate : float, optional
        Per year (default :data:`DISCOUNT_RATE`).
    lifetime_years : float, optional
        Years (default :data:`LIFETIME_YEARS`).
    transmission_cny_per_mw_km : float, optional
        Line cost, CNY per MW per km (default :data:`TRANSMISSION_CNY_PER_MW_KM`).
    substation_cny_per_kw : float, optional
        Substation cost, CNY/kW (default :data:`SUBSTATION_CNY_PER_KW`).
    storage_yearly_cny_per_kw : array_like, optional
        Yearly cost of the required storage, CNY per kW of plant (default 0).
    land_yearly_cny_per_kw : array_like, optional
        Yearly land rent, CNY per kW of plant (default 0).

    Returns
    -------
    ndarray of float
        LCOE, CNY/kWh; ``inf`` where the energy is 0 (ranks last); NaN propagates.
    """
    capex = _as_float(capex_cny_per_kw, "capex_cny_per_kw")
    opex_share = _as_float(opex_share_per_yr, "opex_share_per_yr")
    energy = _as_float(energy_mwh_per_mw, "energy_mwh_per_mw")
    distance = _as_float(grid_km, "grid_km")
    _raise_if_any(capex < 0, capex, "capex_cny_per_kw", "a non-negative cost in CNY/kW")
    _raise_if_any((opex_share < 0) | (opex_share >= 1), opex_share, "opex_share_per_yr",
                  "a yearly share of capex in [0, 1)", "2.5 % is written 0.025")
    _raise_if_any((energy < 0) | (energy > HOURS_PER_YEAR), energy, "energy_mwh_per_mw",
                  "MWh per MW per year in [0, 8760]", "was it given in kWh or for the whole "
                  "parcel rather than per MW?")
    _raise_if_any(distance < 0, distance, "grid_km", "a non-negative distance in km")
    for name, value in (("transmission_cny_per_mw_km", transmission_cny_per_mw_km),
                        ("substation_cny_per_kw", substation_cny_per_kw)):
        if not (np.isfinite(value) and value >= 0):
            raise SitingError(f"{name} must be a non-negative cost, got {value!r}",
                              zh=f"{name} 须为非负的费用（当前值：{value!r}）")
    crf = capital_recovery_factor(discount_rate, lifetime_years)
    plant_cny_per_mw = capex * 1_000.0
    investment_cny_per_mw = (plant_cny_per_mw + substation_cny_per_kw * 1_000.0
                             + transmission_cny_per_mw_km * distance)
    storage = _as_float(storage_yearly_cny_per_kw, "storage_yearly_cny_per_kw")
    land = _as_float(land_yearly_cny_per_kw, "land_yearly_cny_per_kw")
    _raise_if_any(storage < 0, storage, "storage_yearly_cny_per_kw", "a non-negative cost")
    _raise_if_any(land < 0, land, "land_yearly_cny_per_kw", "a non-negative cost")
    yearly_cny_per_mw = (investment_cny_per_mw * crf + opex_share * plant_cny_per_mw
                         + (storage + land) * 1_000.0)
    with np.errstate(divide="ignore"):
        return yearly_cny_per_mw / (energy * 1_000.0)


def storage_yearly_cny_per_kw(*, share: float = STORAGE_SHARE_OF_CAPACITY,
                              hours: float = STORAGE_HOURS,
                              cny_per_kwh: float = STORAGE_CNY_PER_KWH,
                              discount_rate: float = DISCOUNT_RATE,
                              lifetime_years: float = STORAGE_LIFETIME_YEARS,
                              opex_share_per_yr: float = STORAGE_OPEX_SHARE_PER_YR) -> float:
    """Yearly cost of the storage a plant must build (配储), CNY per kW of plant.

    Storage energy per kW of plant = ``share × hours`` kWh; its capex
    ``share × hours × cny_per_kwh`` is annualised over the storage lifetime
    (capital recovery factor) plus a yearly O&M share of that capex.
    Storage losses and its revenue are not modelled.

    Returns
    -------
    float
        CNY per kW of plant per year (0 when share or hours is 0).
    """
    for name, value, low, high in (("storage share", share, 0.0, 1.0),
                                   ("storage hours", hours, 0.0, 24.0),
                                   ("storage cost CNY/kWh", cny_per_kwh, 0.0, 1e5),
                                   ("storage O&M share", opex_share_per_yr, 0.0, 0.5)):
        if not (np.isfinite(value) and low <= value <= high):
            raise SitingError(f"{name} must be in [{low:g}, {high:g}], got {value!r}",
                              zh=f"{name} 须在 [{low:g}, {high:g}] 之间（当前值：{value!r}）")
    capex = share * hours * cny_per_kwh
    crf = float(capital_recovery_factor(discount_rate, lifetime_years))
    return capex * crf + capex * opex_share_per_yr


def land_yearly_cny_per_kw(land_type: ArrayLike, mw_per_km2: ArrayLike, *,
                           cny_per_mu_yr: dict[str, float] | None = None) -> NDArray[np.float64]:
    """Yearly land rent per kW of plant by land type.

    Parameters
    ----------
    land_type : array_like of str
        desert | sandy | mine | border | other (``siting.features.land_type``);
        unknown types pay the ``other`` rate.
    mw_per_km2 : array_like
        Capacity per km² of land paid for, MW/km² (PV: packing density; wind:
        ``1 / (WIND_OCCUPIED_HA_PER_MW / 100)``).
    cny_per_mu_yr : dict, optional
        Rent by land type, CNY per mu per year (default :data:`LAND_CNY_PER_MU_YR`).

    Returns
    -------
    ndarray of float
        CNY per kW per year: ``rent / mu × mu per kW``.
    """
    rates = dict(LAND_CNY_PER_MU_YR if cny_per_mu_yr is None else cny_per_mu_yr)
    for key, value in rates.items():
        if not (np.isfinite(value) and value >= 0):
            raise SitingError(f"land rent for {key!r} must be ≥ 0 CNY/mu/yr, got {value!r}",
                              zh=f"{key!r} 的土地租金须 ≥ 0 元/亩·年（当前值：{value!r}）")
    density = _as_float(mw_per_km2, "mw_per_km2")
    _raise_if_any(density <= 0, density, "mw_per_km2", "a positive density in MW/km²")
    rent = pd.Series(np.asarray(land_type, dtype=object)).map(rates)
    rent = rent.fillna(rates.get("other", 0.0)).to_numpy(dtype=float)
    mu_per_kw = (1e6 / density) / M2_PER_MU / 1_000.0
    return rent * mu_per_kw
