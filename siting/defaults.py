"""Scenario defaults: every default of the Scenario model that is not another
module's own constant, as a named constant with its unit and source
(shared/domain.md tags: ✅ confirmed, ⚠️ secondary, ❌ literature/assumption).
Re-exported by ``siting.scenario``.
"""
from __future__ import annotations

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
#: Largest direct weight accepted (weights are relative: 45/20/10 works as well
#: as 0.45/0.20/0.10).
WEIGHT_MAX = 100.0

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
