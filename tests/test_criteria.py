"""Criterion scaling, wind physics and the GB/T 18710 / GB/T 31155 class tables."""
import math

import numpy as np
import pytest

from siting.criteria import (
    ISA_SEA_LEVEL_DENSITY_KG_M3,
    SOLAR_CLASS_LABELS_EN,
    SOLAR_CLASS_LABELS_ZH,
    SOLAR_CLASSES,
    WIND_CLASS_7_TOP_W_M2,
    WIND_CLASS_NOTE_EN,
    WIND_CLASS_NOTE_ZH,
    WIND_POWER_CLASS_BOUNDS_W_M2,
    WIND_SHEAR_EXPONENT,
    air_density,
    extrapolate_speed,
    inverse_linear,
    linear,
    power_density,
    solar_class,
    solar_class_score,
    weibull_scale,
    wind_class_at_50m,
    wind_class_score,
    wind_power_class,
)
from siting.errors import SitingError

# --- linear scaling --------------------------------------------------------------------------


def test_linear_scales_clips_and_keeps_nan():
    out = linear([0, 5, 7.5, 10, 20, np.nan], 5, 10)
    np.testing.assert_allclose(out, [0, 0, 0.5, 1, 1, np.nan])


def test_inverse_linear_is_one_at_lo_and_zero_at_hi():
    out = inverse_linear([0, 10, 55, 100, 150, np.nan], 10, 100)
    np.testing.assert_allclose(out, [1, 1, 0.5, 0, 0, np.nan])


def test_linear_and_inverse_linear_sum_to_one():
    x = np.linspace(-3, 13, 33)
    np.testing.assert_allclose(linear(x, 0, 10) + inverse_linear(x, 0, 10), 1.0)


@pytest.mark.parametrize("lo, hi", [(10, 10), (10, 5), (0, np.inf), (np.nan, 1)])
def test_bad_bounds_are_refused(lo, hi):
    with pytest.raises(SitingError, match="lo < hi"):
        linear([1.0], lo, hi)
    with pytest.raises(SitingError, match="lo < hi"):
        inverse_linear([1.0], lo, hi)


def test_non_numeric_values_are_refused():
    with pytest.raises(SitingError, match="x must be numbers"):
        linear(["a", "b"], 0, 1)


# --- air density ---------------------------------------------------------------------------


def test_air_density_is_isa_at_sea_level_and_by_hand_at_1200m():
    assert air_density(0.0) == pytest.approx(1.225)
    # ISA by hand: T = 288.15 − 0.0065·1200 = 280.35 K; exponent g·M/(R·L) − 1 = 4.25588.
    expected = 1.225 * (280.35 / 288.15) ** 4.25588
    assert air_density(1200.0) == pytest.approx(expected, rel=1e-5)
    assert air_density(1200.0) == pytest.approx(1.090, abs=0.001)


def test_air_density_falls_with_elevation_and_keeps_nan():
    rho = air_density([0, 500, 1000, 1500, np.nan])
    assert np.all(np.diff(rho[:4]) < 0)
    assert np.isnan(rho[4])


def test_air_density_with_isa_temperature_equals_isa_profile():
    z = np.array([0.0, 800.0, 1500.0])
    isa_c = 288.15 - 0.0065 * z - 273.15
    np.testing.assert_allclose(air_density(z, isa_c), air_density(z), rtol=1e-4)


def test_colder_air_is_denser():
    assert air_density(1200.0, -5.0) > air_density(1200.0, 10.0)


@pytest.mark.parametrize("elevation", [11_000.0, 20_000.0, -1000.0])
def test_implausible_elevation_is_refused(elevation):
    with pytest.raises(SitingError, match="elevation_m"):
        air_density([100.0, elevation])


def test_temperature_in_kelvin_is_caught():
    with pytest.raises(SitingError, match="kelvin"):
        air_density(1000.0, 278.0)


# --- Weibull -------------------------------------------------------------------------------


def test_weibull_scale_by_hand():
    assert weibull_scale(5.0, 1.0) == pytest.approx(5.0)  # Γ(2) = 1
    assert weibull_scale(8.0, 2.0) == pytest.approx(8.0 / (math.sqrt(math.pi) / 2))


def test_power_density_by_hand_for_exponential_distribution():
    # k = 1: A = v̄, Γ(4) = 6, so ½·ρ·v̄³·6 = 3ρv̄³.
    assert power_density(5.0, 1.0, 1.2) == pytest.approx(3 * 1.2 * 125)


@pytest.mark.parametrize("height, speeds", [
    (10, (4.4, 5.1, 5.6, 6.0, 6.4, 7.0, 9.4)),
    (30, (5.1, 5.9, 6.5, 7.0, 7.4, 8.2, 11.0)),
    (50, (5.6, 6.4, 7.0, 7.5, 8.0, 8.8, 11.9)),
])
def test_gbt18710_bracket_speeds_match_bounds_for_rayleigh_at_sea_level(height, speeds):
    """The table's reference speeds are the bounds for k = 2 at ρ = 1.225 kg/m³ (within 4 %)."""
    bounds = (*WIND_POWER_CLASS_BOUNDS_W_M2[height], WIND_CLASS_7_TOP_W_M2[height])
    np.testing.assert_allclose(power_density(np.array(speeds), 2.0, 1.225), bounds, rtol=0.04)


def test_power_density_scales_with_density():
    assert power_density(7.0, 2.2, 1.0) / power_density(7.0, 2.2, 1.225) == pytest.approx(
        1.0 / 1.225)


@pytest.mark.parametrize("speed, k, match", [(-1.0, 2.0, "mean_speed"), (5.0, 0.0, "k"),
                                             (5.0, -2.0, "Weibull shape")])
def test_bad_weibull_inputs_are_refused(speed, k, match):
    with pytest.raises(SitingError, match=match):
        weibull_scale(speed, k)


def test_non_positive_density_is_refused():
    with pytest.raises(SitingError, match="rho"):
        power_density(7.0, 2.0, 0.0)


def test_extrapolate_speed_power_law():
    assert extrapolate_speed(8.0, 100, 50) == pytest.approx(8.0 * 0.5**WIND_SHEAR_EXPONENT)
    assert extrapolate_speed(8.0, 100, 100) == pytest.approx(8.0)
    assert extrapolate_speed(6.0, 10, 80, alpha=1 / 3) == pytest.approx(12.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"from_m": 0, "to_m": 50}, "heights"), ({"from_m": 100, "to_m": -5}, "heights"),
    ({"from_m": 100, "to_m": 50, "alpha": 1.5}, "alpha"),
    ({"from_m": 100, "to_m": 50, "alpha": np.nan}, "alpha"),
])
def test_bad_extrapolation_is_refused(kwargs, match):
    with pytest.raises(SitingError, match=match):
        extrapolate_speed(7.0, **kwargs)


# --- GB/T 18710 wind classes ---------------------------------------------------------------


@pytest.mark.parametrize("height", [10, 30, 50])
def test_wind_class_exact_bounds_belong_to_the_higher_class(height):
    bounds = np.array(WIND_POWER_CLASS_BOUNDS_W_M2[height])
    np.testing.assert_array_equal(wind_power_class(bounds, height), np.arange(2, 8))
    np.testing.assert_array_equal(wind_power_class(bounds - 1e-9, height), np.arange(1, 7))


def test_wind_class_50m_examples():
    out = wind_power_class([0, 199.9, 200, 299.99, 300, 799, 800, 2000, 5000, np.nan])
    np.testing.assert_array_equal(out, [1, 1, 2, 2, 3, 6, 7, 7, 7, 0])
    assert out.dtype == np.int8


def test_wind_class_10m_examples():
    np.testing.assert_array_equal(wind_power_class([99, 100, 399, 400, 1000], 10),
                                  [1, 2, 6, 7, 7])


def test_wind_class_height_must_be_in_the_table():
    with pytest.raises(SitingError, match=r"\[10, 30, 50\].*wind_class_at_50m"):
        wind_power_class([300.0], height_m=100)


def test_negative_power_density_is_refused():
    with pytest.raises(SitingError, match="power_density_w_m2"):
        wind_power_class([100.0, -1.0])


def test_wind_class_at_50m_composes_extrapolation_and_site_density():
    speed, k, elevation = np.array([6.0, 7.0, 8.0, 9.0]), 2.2, 1200.0
    classes, density = wind_class_at_50m(speed, k, elevation)
    expected = power_density(speed * 0.5**WIND_SHEAR_EXPONENT, k, air_density(1250.0))
    np.testing.assert_allclose(density, expected)
    np.testing.assert_array_equal(classes, wind_power_class(expected, 50))
    np.testing.assert_array_equal(classes, [1, 2, 3, 5])


def test_thinner_air_lowers_the_class_density():
    _, low = wind_class_at_50m(7.5, 2.0, 0.0)
    _, high = wind_class_at_50m(7.5, 2.0, 1500.0)
    assert high / low == pytest.approx(air_density(1550.0) / air_density(50.0))


def test_wind_class_note_says_it_is_extrapolated():
    assert "100 m" in WIND_CLASS_NOTE_EN and "GB/T 18710" in WIND_CLASS_NOTE_EN
    assert "100 m" in WIND_CLASS_NOTE_ZH and "外推" in WIND_CLASS_NOTE_ZH


def test_wind_class_score():
    np.testing.assert_allclose(wind_class_score([1, 4, 7, 0]), [0, 0.5, 1, np.nan])
    with pytest.raises(SitingError, match="wind_class"):
        wind_class_score([8])


# --- GB/T 31155 solar classes --------------------------------------------------------------


def test_solar_class_exact_bounds_belong_to_the_higher_class():
    ghi = [0, 1049.99, 1050, 1399.99, 1400, 1749.99, 1750, 2400, np.nan]
    np.testing.assert_array_equal(solar_class(ghi), ["D", "D", "C", "C", "B", "B", "A", "A", ""])


def test_solar_class_bounds_are_the_mj_values_of_the_standard():
    np.testing.assert_array_equal(solar_class(np.array([6300, 5040, 3780]) / 3.6), ["A", "B", "C"])


def test_solar_class_labels():
    assert [SOLAR_CLASS_LABELS_ZH[c] for c in "ABCD"] == ["最丰富", "很丰富", "丰富", "一般"]
    assert set(SOLAR_CLASS_LABELS_EN) == set(SOLAR_CLASSES)


def test_solar_class_errors_name_the_likely_unit_mistake():
    with pytest.raises(SitingError, match="MJ/m²"):
        solar_class([6300.0])
    with pytest.raises(SitingError, match="non-negative"):
        solar_class([-5.0])


def test_solar_class_score():
    np.testing.assert_allclose(solar_class_score(["D", "C", "B", "A", ""]),
                               [0, 1 / 3, 2 / 3, 1, np.nan])
    with pytest.raises(SitingError, match="solar classes"):
        solar_class_score(["E"])


def test_isa_constant_is_the_reference_density():
    assert ISA_SEA_LEVEL_DENSITY_KG_M3 == 1.225
