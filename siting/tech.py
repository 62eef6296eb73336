"""The technology of a run and the generating kinds it builds.

A run's technology is one of :data:`TECHS`: ``wind``, ``solar`` or ``hybrid``
(a wind + solar base). Per-parcel columns are per generating kind, spelt with
the short suffix of :data:`KINDS`: ``w`` (wind turbines) or ``pv`` (solar
panels), e.g. ``avail_w_km2``, ``x_redline_pv``, ``cap_pv_mw``.
"""
from __future__ import annotations

from typing import Literal, get_args

#: A run's technology (the Scenario's ``tech``).
Tech = Literal["wind", "solar", "hybrid"]
TECHS: tuple[str, ...] = get_args(Tech)
#: A generating kind: the column suffix of wind (``w``) or PV (``pv``) values.
Kind = Literal["w", "pv"]
KINDS: tuple[str, ...] = get_args(Kind)
#: The kinds each technology builds.
KINDS_OF_TECH: dict[str, tuple[str, ...]] = {"wind": ("w",), "solar": ("pv",),
                                              "hybrid": ("w", "pv")}


def kinds(tech: str) -> tuple[str, ...]:
    """Which generating kinds a technology builds: ('w',), ('pv',) or ('w', 'pv')."""
    return KINDS_OF_TECH[tech]


def builds_wind(tech: str) -> bool:
    """True for wind and hybrid."""
    return "w" in kinds(tech)


def builds_pv(tech: str) -> bool:
    """True for solar and hybrid."""
    return "pv" in kinds(tech)
