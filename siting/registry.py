"""Exclusions and encouragements as declared entries.

Each hard exclusion is one :class:`Exclusion`: where its shapes come from (a
vector layer or role, land-cover classes, a raster above a threshold), which
``Scenario.exclusions`` fields switch it on and size its buffer or threshold,
and which generating kinds (``w``, ``pv``) it removes land from. Each
encouragement is one :class:`Encouragement`: a layer (and the kinds of its
features) whose share of a parcel earns bonus points. ``features`` builds the
exclusion shapes from :data:`EXCLUSIONS`; the app builds its exclusion
controls from it; ``labels`` names every entry by its ``id``.

A new source plugs in by adding an entry. The statutory layers of 三区三线
(永久基本农田 permanent basic farmland, 城镇开发边界 urban development
boundary) are declared with ``optional=True``: no layer is bundled, so they
apply only when a run supplies that layer (``inputs.vectors[layer]``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from siting import exclusions as ex
from siting.tech import KINDS

#: How an exclusion's shapes are made: the polygons of a vector layer, the cells of
#: land-cover classes, or the cells of a raster above a threshold.
Source = Literal["vector", "landcover", "above"]
#: A scenario field name, the same for every kind, or one per kind ({'w': …, 'pv': …}).
FieldRef = str | Mapping[str, str] | None


def field_for(ref: FieldRef, kind: str) -> str | None:
    """The ``Scenario.exclusions`` field a reference names for ``kind`` (None if none)."""
    if ref is None or isinstance(ref, str):
        return ref
    return ref.get(kind)


def fields_of(ref: FieldRef) -> tuple[str, ...]:
    """Every distinct field a reference names, in kind order."""
    if ref is None:
        return ()
    if isinstance(ref, str):
        return (ref,)
    return tuple(dict.fromkeys(ref[k] for k in KINDS if k in ref))


@dataclass(frozen=True)
class Exclusion:
    """One hard exclusion: land it covers (after its buffer) is not available.

    Attributes
    ----------
    id : str
        Code of the source: the ``x_<id>_<w|pv>`` columns, the ``why`` codes and
        the label key in ``siting.labels``.
    layer : str
        Input layer id or import role the shapes come from (``inputs.vectors`` for
        ``vector``, ``inputs.rasters`` otherwise).
    source : {"vector", "landcover", "above"}
        How the shapes are made.
    switch : field reference, optional
        Boolean field(s) that turn the exclusion on; None: always on.
    buffer : field reference, optional
        Field(s) holding the buffer, km; None: no buffer.
    threshold : field reference, optional
        For ``above``: field(s) holding the limit (cells above it are excluded).
    classes : tuple of int
        For ``landcover``: the IGBP classes excluded.
    kinds : tuple of str
        Generating kinds it applies to (``w``, ``pv``).
    needs_buffer : bool
        Points and lines cover no area: skip the source while its buffer is 0.
    optional : bool
        The layer is not bundled: the entry applies only when a run supplies it.
    """

    id: str
    layer: str
    source: Source = "vector"
    switch: FieldRef = None
    buffer: FieldRef = None
    threshold: FieldRef = None
    classes: tuple[int, ...] = ()
    kinds: tuple[str, ...] = KINDS
    needs_buffer: bool = False
    optional: bool = False

    def fields(self) -> tuple[str, ...]:
        """Every ``Scenario.exclusions`` field this entry reads."""
        return fields_of(self.switch) + fields_of(self.buffer) + fields_of(self.threshold)


@dataclass(frozen=True)
class Encouragement:
    """One encouraged land kind: points × the share of a parcel it covers.

    Attributes
    ----------
    id : str
        Code: the ``<id>_frac`` column, the ``b_<id>`` bonus and the label key.
    layer : str
        Input layer id or import role.
    feature_kinds : tuple of str
        Values of the layer's ``kind`` column that count (empty: every feature).
    bonus : str
        The ``Scenario.encouragement`` field holding the points.
    optional : bool
        The layer is not bundled: used only when a run supplies it.
    """

    id: str
    layer: str
    bonus: str
    feature_kinds: tuple[str, ...] = ()
    optional: bool = False


#: Every hard exclusion, in the order reasons are listed when their shares tie.
EXCLUSIONS: tuple[Exclusion, ...] = (
    # 生态保护红线: a hard exclusion (domain.md ✅)
    Exclusion("redline", "redline", switch="redline", buffer="redline_buffer_km"),
    Exclusion("water", "landcover", "landcover", switch="water", buffer="water_buffer_km",
              classes=ex.WATER_CLASSES),
    Exclusion("urban", "landcover", "landcover", switch="urban", buffer="urban_buffer_km",
              classes=ex.URBAN_CLASSES),
    Exclusion("forest", "landcover", "landcover", switch="forest", classes=ex.FOREST_CLASSES),
    # PV may not occupy cultivated land (✅); wind optionally
    Exclusion("cropland", "landcover", "landcover",
              switch={"w": "cropland_wind", "pv": "cropland_pv"},
              classes=ex.CROPLAND_CLASSES),
    # each place's built-up radius (its layer's buffer_km) is excluded even at a 0 km
    # setback; a point layer without radii then covers no area, as before
    Exclusion("settlements", "settlements", switch="settlements",
              buffer={"w": "settlement_buffer_wind_km", "pv": "settlement_buffer_pv_km"}),
    Exclusion("slope", "slope", "above",
              threshold={"w": "slope_max_wind_deg", "pv": "slope_max_pv_deg"}),
    # 边境管控带: the frontier strip, a buffer of the boundary line
    Exclusion("border", "border", buffer="border_strip_km", needs_buffer=True),
    Exclusion("custom", "custom_exclusion", switch="custom", buffer="custom_buffer_km",
              optional=True),
    # 三区三线 statutory layers: not bundled; supply the layer to apply them
    Exclusion("basic_farmland", "basic_farmland", switch="basic_farmland",
              buffer="basic_farmland_buffer_km", optional=True),
    Exclusion("urban_boundary", "urban_boundary", switch="urban_boundary",
              buffer="urban_boundary_buffer_km", optional=True),
)

#: Every encouraged land kind (bonus points × covered share; design.md scoring model 4).
ENCOURAGEMENTS: tuple[Encouragement, ...] = (
    Encouragement("desert", "desert", "desert_bonus",
                  feature_kinds=("gobi_desert", "desert", "gobi")),
    Encouragement("sandy", "desert", "sandy_bonus", feature_kinds=("sandy_land",)),
    Encouragement("mine", "mine", "mine_bonus"),
    Encouragement("custom", "custom_encouragement", "custom_bonus", optional=True),
)

#: Layers of the optional entries: roles a run may add that exclude or encourage.
OPTIONAL_LAYERS = tuple(dict.fromkeys(
    [e.layer for e in EXCLUSIONS if e.optional] + [e.layer for e in ENCOURAGEMENTS
                                                   if e.optional]))


#: Raster and vector layers a run reads, by catalog id: the bundled data, each of
#: which a scenario's own file may replace (``siting.inputs.load_run_inputs``).
RUN_RASTERS: tuple[str, ...] = ("elevation", "slope", "landcover", "ghi", "wind_speed_100m",
                                "weibull_k", "pv_yield", "pv_yield_tracker")
RUN_VECTORS: tuple[str, ...] = ("province", "leagues", "banners", "border", "redline", "desert",
                                "mine", "substations", "lines", "settlements")
#: Import roles a run reads only when the user gives them (no bundled default): a
#: PV yield raster, and the layers of the optional exclusions and encouragements.
RUN_ROLES: tuple[str, ...] = tuple(dict.fromkeys(
    ("pvout", "custom_exclusion", "custom_encouragement", *OPTIONAL_LAYERS)))


def exclusion(entry_id: str) -> Exclusion:
    """The exclusion entry with this id (KeyError names the known ids)."""
    for entry in EXCLUSIONS:
        if entry.id == entry_id:
            return entry
    raise KeyError(f"no exclusion {entry_id!r}; known: {[e.id for e in EXCLUSIONS]}")


def exclusion_ids() -> tuple[str, ...]:
    """Ids of every exclusion, in registry order."""
    return tuple(e.id for e in EXCLUSIONS)


def settings(entry: Exclusion, config, kind: str) -> tuple | None:
    """What ``entry`` needs for ``kind`` under the exclusion ``config``.

    Returns
    -------
    tuple or None
        ``(buffer_km, threshold)`` when the entry applies to ``kind`` and is
        switched on (and, with ``needs_buffer``, its buffer is above 0); None
        otherwise. Entries with equal settings share their shapes.
    """
    if kind not in entry.kinds:
        return None
    switch = field_for(entry.switch, kind)
    if entry.switch is not None and (switch is None or not getattr(config, switch)):
        return None
    buffer_field = field_for(entry.buffer, kind)
    buffer_km = float(getattr(config, buffer_field)) if buffer_field else 0.0
    if entry.needs_buffer and buffer_km <= 0:
        return None
    threshold_field = field_for(entry.threshold, kind)
    threshold = float(getattr(config, threshold_field)) if threshold_field else None
    return buffer_km, threshold
