"""Power curves, wind and PV yield, capacity and LCOE."""
import math
import time

import numpy as np
import pytest
from scipy import integrate, special

from siting import energy
from siting.criteria import air_density
from siting.energy import (
    DEFAULT_HUB_HEIGHT_M,
    DEFAULT_TURBINE,
    PV_CAPEX_CNY_PER_KW,
    PV_LAND_USE_SHARE,
    PV_OPEX_SHARE_PER_YR,
    PV_PACKING_MW_PER_KM2,
    SUBSTATION_CNY_PER_KW,
    TRANSMISSION_CNY_PER_MW_KM,
    WIND_CAPEX_CNY_PER_KW,
    WIND_LOSSES,
    WIND_OPEX_SHARE_PER_YR,
    capacity_mw,
    capital_recovery_factor,
    lcoe_cny_kwh,
    list_turbines,
    load_power_curve,
    pv_energy_per_mw,
    rated_power_kw,
    wind_energy_per_mw,
)
from siting.errors import SitingError

# --- turbine library -----------------------------------------------------------------------


def test_default_turbine_is_a_large_modern_machine_with_a_curve():
    assert DEFAULT_TURBINE in list_turbines()
    speeds, power = load_power_curve()
    assert np.all(np.diff(speeds) > 0)
    assert power.max() == pytest.approx(rated_power_kw()) == pytest.approx(4200.0)
    assert 4000 <= rated_power_kw() <= 6500
    assert 120 <= DEFAULT_HUB_HEIGHT_M <= 140


def test_list_turbines_is_sorted_and_only_has_curves():
    names = list_turbines()
    assert names == sorted(names) and len(names) > 50
    assert "V126/3450" in names
    assert "AD132/5000" not in names  # in turbine_data.csv without a power curve


def test_returned_curve_is_a_copy_of_the_cache():
    speeds, power = load_power_curve()
    power[:] = 0
    assert load_power_curve()[1].max() == pytest.approx(4200.0)


def test_unknown_turbine_lists_close_names():
    with pytest.raises(SitingError, match=r"'E-141/420'.*close names: .*E-141/4200"):
        load_power_curve("E-141/420")
    with pytest.raises(SitingError, match="list_turbines"):
        rated_power_kw("no such turbine")
    with pytest.raises(SitingError, match="no power curve"):
        wind_energy_per_mw(7.0, 2.0, 1.2, turbine="V999/1")


# --- wind yield ----------------------------------------------------------------------------


def _quad_energy(mean_speed, k, rho, turbine=DEFAULT_TURBINE, losses=WIND_LOSSES):
    """Independent single-parcel integration in actual-speed space with scipy.quad."""
    speeds, power = load_power_curve(turbine)
    cut_out = speeds[np.flatnonzero(power > 0)[-1]]
    scale = mean_speed / special.gamma(1 + 1 / k)
    f = (rho / 1.225) ** (1 / 3)

    def integrand(v):
        pdf = k / scale * (v / scale) ** (k - 1) * math.exp(-((v / scale) ** k))
        return np.interp(min(v * f, cut_out), speeds, power) * pdf

    value, _ = integrate.quad(integrand, 0, cut_out, points=list(speeds[speeds < cut_out] / f),
                              limit=500)
    return value / rated_power_kw(turbine) * 8760 * (1 - losses)


@pytest.mark.parametrize("mean_speed, k, rho", [
    (6.0, 2.2, 1.08), (8.0, 2.2, 1.08), (5.0, 1.6, 1.10), (10.0, 3.0, 1.25), (7.0, 2.0, 0.95),
])
def test_wind_energy_matches_direct_integration(mean_speed, k, rho):
    expected = _quad_energy(mean_speed, k, rho)
    assert wind_energy_per_mw(mean_speed, k, rho) == pytest.approx(expected, rel=0.005)


def test_wind_energy_matches_direct_integration_for_another_turbine():
    expected = _quad_energy(7.5, 2.0, 1.1, turbine="V126/3450", losses=0.1)
    got = wind_energy_per_mw(7.5, 2.0, 1.1, turbine="V126/3450", losses=0.1)
    assert got == pytest.approx(expected, rel=0.005)


def test_constant_power_curve_gives_the_probability_below_cut_out():
    """P = rated from 0 to 25 m/s, k = 1 (exponential): CF = 1 − exp(−25/5)."""
    out = wind_energy_per_mw(5.0, 1.0, 1.225, power_curve=([0.0, 25.0], [1.0, 1.0]), losses=0)
    assert out == pytest.approx(8760 * (1 - math.exp(-5)), rel=1e-9)


def test_cut_out_is_at_the_actual_speed_in_thin_air():
    """In thin air the flat curve still stops at 25 m/s actual speed, not 25 m/s equivalent."""
    out = wind_energy_per_mw(5.0, 1.0, 0.9, power_curve=([0.0, 25.0], [1.0, 1.0]), losses=0)
    assert out == pytest.approx(8760 * (1 - math.exp(-5)), rel=1e-9)


def test_wind_energy_rises_with_speed_and_falls_with_air_density():
    speeds = np.arange(4.0, 11.0, 0.5)
    flh = wind_energy_per_mw(speeds, 2.2, 1.1)
    assert np.all(np.diff(flh) > 0)
    by_density = wind_energy_per_mw(7.0, 2.2, np.array([0.95, 1.05, 1.15, 1.225]))
    assert np.all(np.diff(by_density) > 0)
    high, low = wind_energy_per_mw(7.0, 2.2, air_density([1500.0, 0.0]))
    assert high < low


def test_losses_scale_energy_linearly():
    gross = wind_energy_per_mw(7.0, 2.2, 1.1, losses=0.0)
    assert wind_energy_per_mw(7.0, 2.2, 1.1, losses=0.2) == pytest.approx(0.8 * gross)


def test_wind_energy_is_plausible_for_inner_mongolia():
    """domain.md: wind 2,600-3,000 full-load hours west/centre ⚠️, net of the default
    loss chain (wake at 3 MW/km², availability, electrical, cold, curtailment, other)."""
    gross = wind_energy_per_mw([6.0, 7.0, 8.0], 2.2, air_density(1200.0 + DEFAULT_HUB_HEIGHT_M),
                               losses=0.0)
    wake = energy.wake_loss(energy.WIND_MW_PER_KM2, rated_kw=rated_power_kw(),
                            rotor_m=energy.rotor_diameter_m())
    flh = gross * energy.wind_loss_factor(
        wake=wake, availability=energy.WIND_AVAILABILITY,
        electrical=energy.WIND_ELECTRICAL_LOSS, cold_climate=energy.COLD_CLIMATE_LOSS_DEFAULT,
        curtailment=energy.CURTAILMENT_REGION, other=energy.WIND_OTHER_LOSS)
    assert 1500 < flh[0] < flh[1] < flh[2] < 3500
    assert 2300 < flh[1] < 2900


def test_wind_energy_broadcasts_and_keeps_nan_and_calm():
    out = wind_energy_per_mw(np.array([[0.0, 7.0, np.nan], [7.0, 7.0, 7.0]]),
                             np.array([2.0, np.nan, 2.0]), 1.1)
    assert out.shape == (2, 3)
    assert out[0, 0] == 0.0
    assert np.isnan(out[0, 1]) and np.isnan(out[0, 2]) and np.isnan(out[1, 1])
    assert out[1, 0] == pytest.approx(out[1, 2])


def test_blocks_do_not_change_the_result(monkeypatch):
    rng = np.random.default_rng(42)
    speed, k = rng.uniform(4, 10, 50), rng.uniform(1.5, 3, 50)
    rho = air_density(rng.uniform(0, 2000, 50))
    whole = wind_energy_per_mw(speed, k, rho)
    monkeypatch.setattr(energy, "WIND_CHUNK_PARCELS", 7)
    np.testing.assert_allclose(wind_energy_per_mw(speed, k, rho), whole, rtol=1e-12)


def test_300k_parcels_are_fast():
    rng = np.random.default_rng(0)
    n = 300_000
    speed, k = rng.uniform(4, 10, n), rng.uniform(1.6, 2.8, n)
    rho = air_density(rng.uniform(500, 2000, n))
    start = time.perf_counter()
    out = wind_energy_per_mw(speed, k, rho)
    assert time.perf_counter() - start < 10.0  # ~0.6 s on a 2-core runner
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("kwargs, match", [
    ({"losses": 1.5}, "losses"), ({"losses": -0.1}, "losses"),
    ({"mean_speed_hub": -1.0}, "mean_speed"), ({"k": 0.0}, "Weibull shape"),
    ({"rho": 0.0}, "rho"), ({"rated_kw": -5.0}, "rated_kw"),
    ({"power_curve": ([0, 1, 2], [0, 1])}, "equal-length"),
    ({"power_curve": ([0, 2, 1], [0, 1, 1])}, "strictly increasing"),
    ({"power_curve": ([0, 1, 2], [0, 0, 0])}, "at least one positive"),
])
def test_bad_wind_inputs_are_refused(kwargs, match):
    args = {"mean_speed_hub": 7.0, "k": 2.0, "rho": 1.1} | kwargs
    with pytest.raises(SitingError, match=match):
        wind_energy_per_mw(args.pop("mean_speed_hub"), args.pop("k"), args.pop("rho"), **args)


# --- PV yield ------------------------------------------------------------------------------


def test_pv_energy_by_hand():
    np.testing.assert_allclose(pv_energy_per_mw([1400.0, 1800.0]),
                               [1400 * 1.15 * 0.80, 1800 * 1.15 * 0.80])
    assert pv_energy_per_mw(1500.0, tilt_gain=1.0, performance_ratio=0.5) == pytest.approx(750)


def test_pvout_overrides_where_given():
    out = pv_energy_per_mw([1400.0, 1400.0], pvout_kwh_kwp=[1700.0, np.nan])
    np.testing.assert_allclose(out, [1700.0, 1400 * 1.15 * 0.80])


@pytest.mark.parametrize("kwargs, match", [
    ({"tilt_gain": 3.0}, "tilt_gain"), ({"performance_ratio": 80}, "0.80"),
    ({"performance_ratio": 0}, "performance_ratio"), ({"ghi_kwh_m2": -1.0}, "ghi_kwh_m2"),
    ({"pvout_kwh_kwp": 4.6 * 365 * 10}, "8760"), ({"pvout_kwh_kwp": -1.0}, "pvout"),
])
def test_bad_pv_inputs_are_refused(kwargs, match):
    args = {"ghi_kwh_m2": 1600.0} | kwargs
    with pytest.raises(SitingError, match=match):
        pv_energy_per_mw(args.pop("ghi_kwh_m2"), **args)


# --- capacity ------------------------------------------------------------------------------


def test_capacity_by_hand():
    assert capacity_mw(10.0, PV_PACKING_MW_PER_KM2, PV_LAND_USE_SHARE) == pytest.approx(100.0)
    np.testing.assert_allclose(capacity_mw([0.0, 2.0], 3.0), [0.0, 6.0])


@pytest.mark.parametrize("args, match", [
    ((-1.0, 3.0), "avail_km2"), ((1.0, -3.0), "density"), ((1.0, 50.0, 20.0), "0.2"),
])
def test_bad_capacity_inputs_are_refused(args, match):
    with pytest.raises(SitingError, match=match):
        capacity_mw(*args)


# --- costs ---------------------------------------------------------------------------------


def test_capital_recovery_factor_by_hand():
    growth = 1.08**25  # 6.848475
    assert capital_recovery_factor(0.08, 25) == pytest.approx(0.08 * growth / (growth - 1))
    assert capital_recovery_factor(0.08, 25) == pytest.approx(0.0936788, rel=1e-6)
    assert capital_recovery_factor(0.0, 20) == pytest.approx(0.05)
    assert capital_recovery_factor(0.1, 1) == pytest.approx(1.1)


@pytest.mark.parametrize("rate, years, match", [(-0.01, 25, "discount rate"),
                                                (8, 25, "0.08"), (0.08, 0, "lifetime")])
def test_bad_crf_inputs_are_refused(rate, years, match):
    with pytest.raises(SitingError, match=match):
        capital_recovery_factor(rate, years)


def test_grid_cost_defaults_are_converted_from_usd():
    assert TRANSMISSION_CNY_PER_MW_KM == pytest.approx(1000 * 7.2)
    assert SUBSTATION_CNY_PER_KW == pytest.approx(70_000 * 7.2 / 1000)


def test_lcoe_by_hand():
    crf = capital_recovery_factor(0.08, 25)
    investment = 4000e3 + 504e3 + 7200 * 50  # CNY per MW
    expected = (investment * crf + 0.025 * 4000e3) / 2.8e6
    assert lcoe_cny_kwh(4000, 0.025, 2800, 50) == pytest.approx(expected)


def test_lcoe_defaults_are_in_the_expected_range():
    wind = lcoe_cny_kwh(WIND_CAPEX_CNY_PER_KW, WIND_OPEX_SHARE_PER_YR, 2800, 50)
    pv = lcoe_cny_kwh(PV_CAPEX_CNY_PER_KW, PV_OPEX_SHARE_PER_YR, 1650, 50)
    assert 0.15 <= wind <= 0.35 and 0.15 <= pv <= 0.35


def test_lcoe_rises_with_distance_and_falls_with_energy():
    by_distance = lcoe_cny_kwh(4000, 0.025, 2800, np.array([0, 50, 100, 200]))
    assert np.all(np.diff(by_distance) > 0)
    by_energy = lcoe_cny_kwh(4000, 0.025, np.array([1500, 2000, 2500, 3000]), 50)
    assert np.all(np.diff(by_energy) < 0)


def test_lcoe_is_infinite_without_energy_and_nan_without_data():
    out = lcoe_cny_kwh(4000, 0.025, np.array([0.0, np.nan, 2000.0]), np.array([10, 10, np.nan]))
    assert np.isinf(out[0]) and np.isnan(out[1]) and np.isnan(out[2])


@pytest.mark.parametrize("args, kwargs, match", [
    ((-1, 0.02, 2000, 10), {}, "capex"),
    ((4000, 2.5, 2000, 10), {}, "0.025"),
    ((4000, 0.02, 2_000_000, 10), {}, "per MW"),
    ((4000, 0.02, 2000, -10), {}, "grid_km"),
    ((4000, 0.02, 2000, 10), {"discount_rate": 8}, "discount rate"),
    ((4000, 0.02, 2000, 10), {"lifetime_years": 0}, "lifetime"),
    ((4000, 0.02, 2000, 10), {"transmission_cny_per_mw_km": -1}, "transmission"),
    ((4000, 0.02, 2000, 10), {"substation_cny_per_kw": np.nan}, "substation"),
])
def test_bad_lcoe_inputs_are_refused(args, kwargs, match):
    with pytest.raises(SitingError, match=match):
        lcoe_cny_kwh(*args, **kwargs)
