"""Display units: the international GW/TWh family or the Chinese 万千瓦/亿千瓦时 family.

The engine computes in MW, GWh, GW and TWh; this module only converts and
labels numbers for people (the app, the CSV headers, the briefing table).
1 GW = 100 万千瓦 (10⁴ kW = 10 MW); 1 TWh = 10 亿千瓦时 (10⁸ kWh = 100 GWh).
It also translates the unit strings of ``siting.fields`` into Chinese.
"""
from __future__ import annotations

from typing import Literal

from siting.errors import SitingError

#: ``"gw"``: GW, TWh (and MW, GWh for parcels); ``"wan"``: 万千瓦 and 亿千瓦时.
Units = Literal["gw", "wan"]
UNITS: tuple[str, ...] = ("gw", "wan")

#: Engine unit -> (factor to the 万千瓦/亿千瓦时 family, its unit).
_TO_WAN: dict[str, tuple[float, str]] = {
    "GW": (100.0, "万千瓦"),       # 1 GW = 10⁶ kW = 100 × 10⁴ kW
    "MW": (0.1, "万千瓦"),         # 1 MW = 10³ kW = 0.1 × 10⁴ kW
    "TWh": (10.0, "亿千瓦时"),     # 1 TWh = 10⁹ kWh = 10 × 10⁸ kWh
    "GWh": (0.01, "亿千瓦时"),     # 1 GWh = 10⁶ kWh = 0.01 × 10⁸ kWh
}

#: English explanation of the Chinese units (an English page may still choose them).
_WAN_EN = {"万千瓦": "万千瓦 (10⁴ kW)", "亿千瓦时": "亿千瓦时 (10⁸ kWh)"}

#: Unit strings of ``siting.fields`` and the catalog, in Chinese.
_UNIT_ZH = {
    "yr": "年", "h/yr": "小时/年", "GWh/yr": "GWh/年", "TWh/yr": "TWh/年",
    "kWh/m²·yr": "kWh/m²·年", "CNY/kWh": "元/kWh", "CNY/kW": "元/kW", "persons": "人",
    "deg": "°", "IGBP class": "IGBP 类别", "points": "分",
    "万千瓦/yr": "万千瓦/年", "亿千瓦时/yr": "亿千瓦时/年",
}


class UnitsError(SitingError, ValueError):
    """Display units that are not one of ``UNITS``."""


def check_units(units: str) -> str:
    """``units`` if it is one of ``UNITS``; otherwise an error naming the choices."""
    if units not in UNITS:
        raise UnitsError(f"display units {units!r} are not one of {', '.join(UNITS)}; choose "
                         "gw (GW/TWh) or wan (万千瓦/亿千瓦时)",
                         zh=f"显示单位 {units!r} 无效；请选择 gw（GW/TWh）"
                            "或 wan（万千瓦/亿千瓦时）")
    return units


def convert(value, unit: str, units: Units = "gw"):
    """``value`` in the engine ``unit`` ('GW', 'MW', 'TWh', 'GWh') expressed in ``units``.

    Works on floats, numpy arrays and pandas objects. Returns ``(value, unit)``;
    with ``units='gw'`` both are returned unchanged.

    >>> convert(2.5, "GW", "wan")
    (250.0, '万千瓦')
    """
    check_units(units)
    if units == "gw" or unit not in _TO_WAN:
        return value, unit
    factor, new_unit = _TO_WAN[unit]
    return value * factor, new_unit


def unit_text(unit: str, lang: str = "zh") -> str:
    """A unit string for display: Chinese words in Chinese, 万千瓦 explained in English."""
    if lang == "zh":
        return _UNIT_ZH.get(unit, unit)
    for wan, explained in _WAN_EN.items():
        if unit.startswith(wan):
            return explained + unit[len(wan):]
    return unit


def unit_of(unit: str, units: Units = "gw") -> str:
    """The unit a value in engine ``unit`` is shown in, e.g. ``unit_of('GWh/yr', 'wan')``
    is ``'亿千瓦时/yr'`` (per-year suffixes kept)."""
    check_units(units)
    base, slash, rest = unit.partition("/")
    if units == "gw" or base not in _TO_WAN:
        return unit
    return _TO_WAN[base][1] + slash + rest


def scale_of(unit: str, units: Units = "gw") -> float:
    """Factor from engine ``unit`` (suffixes such as '/yr' allowed) to ``units``."""
    check_units(units)
    base = unit.partition("/")[0]
    if units == "gw" or base not in _TO_WAN:
        return 1.0
    return _TO_WAN[base][0]


def _format(value: float, unit: str, units: Units, lang: str, digits: int | None,
            per_year: bool) -> str:
    shown, shown_unit = convert(float(value), unit, units)
    if digits is None:
        digits = 0 if units == "wan" and abs(shown) >= 100 else 1
    suffix = ("/年" if lang == "zh" else "/yr") if per_year else ""
    return f"{shown:,.{digits}f} {shown_unit}{suffix}"


def format_power(gw: float, units: Units = "gw", *, lang: str = "zh",
                 digits: int | None = None) -> str:
    """A capacity in GW for display: ``'2.5 GW'`` or ``'250 万千瓦'``.

    ``digits`` defaults to 1 (GW) and, for 万千瓦, 0 from 100 up (1 万千瓦 = 10 MW
    is finer than the data).
    """
    return _format(gw, "GW", units, lang, digits, per_year=False)


def format_energy(twh: float, units: Units = "gw", *, lang: str = "zh",
                  digits: int | None = None, per_year: bool = True) -> str:
    """Annual energy in TWh for display: ``'1.2 TWh/年'`` or ``'12.0 亿千瓦时/年'``."""
    if digits is None:
        digits = 1
    return _format(twh, "TWh", units, lang, digits, per_year=per_year)


def power_unit(units: Units = "gw") -> str:
    """Unit of a large capacity: 'GW' or '万千瓦'."""
    return convert(0.0, "GW", units)[1]


def energy_unit(units: Units = "gw") -> str:
    """Unit of a large annual energy: 'TWh' or '亿千瓦时'."""
    return convert(0.0, "TWh", units)[1]


def summary_texts(summary: dict, units: Units = "gw", *, lang: str = "zh") -> dict[str, str]:
    """The app's headline numbers as text: ``capacity``, ``energy``, ``target``.

    ``summary`` is ``Result.summary`` (``capacity_gw``, ``energy_twh``, ``target_gw``).
    """
    return {"capacity": format_power(summary.get("capacity_gw", 0.0), units, lang=lang),
            "energy": format_energy(summary.get("energy_twh", 0.0), units, lang=lang),
            "target": format_power(summary.get("target_gw", 0.0), units, lang=lang,
                                   digits=0)}


def league_frame(leagues, units: Units = "gw", *, lang: str = "zh",
                 group_names: dict[str, str] | None = None):
    """Per-league totals (``cap_gw``, ``energy_twh``) converted and with labelled columns.

    ``leagues`` is ``Result.leagues`` (indexed by league). Returns a new
    DataFrame with the columns league, group (when ``group_names`` maps the
    group codes 'west'/'central'/'east' to text), parcels, capacity, energy
    and share of target (%), labelled in ``lang`` with the chosen units.
    """
    import pandas as pd

    frame = pd.DataFrame(leagues).reset_index()
    cap, cap_unit = convert(frame["cap_gw"], "GW", units)
    energy, energy_unit_ = convert(frame["energy_twh"], "TWh", units)
    zh = lang == "zh"
    out = pd.DataFrame({
        ("盟市" if zh else "league"): frame["league"],
        (f"装机（{cap_unit}）" if zh else f"capacity ({unit_text(cap_unit, 'en')})"):
            cap.round(1 if units == "wan" else 2),
        (f"年发电量（{energy_unit_}/年）" if zh else
         f"energy ({unit_text(energy_unit_, 'en')}/yr)"): energy.round(2),
    })
    if "n_parcels" in frame:
        out.insert(1, "地块数" if zh else "parcels", frame["n_parcels"])
    if group_names is not None and "group" in frame:
        out.insert(1, "分区" if zh else "group",
                   [group_names.get(g, g) if g else "" for g in frame["group"]])
    if "share_of_target" in frame:
        share = (frame["share_of_target"] * 100).round(1)
        out["占目标（%）" if zh else "share of target (%)"] = share
    return out
