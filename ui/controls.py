"""Scenario widgets: which widget edits which scenario field.

The app keeps one scenario dict in ``st.session_state``; each widget has a key
and a path into the scenario (``"exclusions.redline_buffer_km"``). Loading a
scenario or a preset writes the values back into the widget keys. No domain
logic here: validation is the Scenario model's.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import get_args

# The arithmetic (Saaty scale, pairs, matrix, worst pairs) is the engine's,
# siting.weights; the names stay importable from here for the app's widgets.
from siting.weights import (  # noqa: F401
    SAATY_CODES,
    SAATY_VALUES,
    ahp_from_upper,
    criteria_pairs,
    matrix_from_pairs,
    pairs_from_matrix,
    pairs_from_weights,
    saaty_code,
    worst_pairs,
)


@dataclass(frozen=True)
class Control:
    """One exclusion widget, declared by ``siting.registry.EXCLUSIONS``.

    ``widget`` is "checkbox" (a switch) or "slider" (a buffer, km, or a limit);
    ``label`` is the ``ui.i18n`` keys of its text, joined by " · "; ``follows`` is
    the checkbox key that enables a slider (None: always enabled); ``layer`` is
    the layer an optional entry needs (None: bundled).
    """

    key: str
    path: str
    widget: str
    label: tuple[str, ...]
    entry: str
    follows: str | None = None
    layer: str | None = None


#: Widget keys the sidebar has always used (saved sessions, app code), by field.
_EXCLUSION_KEYS = {"redline_buffer_km": "w_ex_redline_buf", "water_buffer_km": "w_ex_water_buf",
                   "urban_buffer_km": "w_ex_urban_buf", "cropland_pv": "w_ex_crop_pv",
                   "cropland_wind": "w_ex_crop_wind", "settlements": "w_ex_settle",
                   "settlement_buffer_wind_km": "w_ex_settle_wind",
                   "settlement_buffer_pv_km": "w_ex_settle_pv",
                   "slope_max_wind_deg": "w_ex_slope_wind", "slope_max_pv_deg": "w_ex_slope_pv",
                   "border_strip_km": "w_ex_border"}
#: ``ui.i18n`` label keys of fields whose text is not ``ex_<entry id>`` (+ buffer).
_EXCLUSION_LABELS = {"cropland_pv": ("ex_crop_pv",), "cropland_wind": ("ex_crop_wind",),
                     "settlements": ("ex_settle",),
                     "settlement_buffer_wind_km": ("settle_wind_km",),
                     "settlement_buffer_pv_km": ("settle_pv_km",),
                     "slope_max_wind_deg": ("slope_wind",), "slope_max_pv_deg": ("slope_pv",),
                     "border_strip_km": ("border_strip",)}


def exclusion_key(field_name: str) -> str:
    """Widget key of an ``exclusions`` field: ``w_ex_<field>`` (or its historic key)."""
    return _EXCLUSION_KEYS.get(field_name, f"w_ex_{field_name}")


def exclusion_controls() -> tuple[Control, ...]:
    """The exclusion widgets, in registry order: each entry's switch(es), then its
    buffer(s) and limit(s). A new registry entry gets its widgets here."""
    from siting import registry

    out = []
    for entry in registry.EXCLUSIONS:
        layer = entry.layer if entry.optional else None
        switches = registry.fields_of(entry.switch)
        for name in switches:
            out.append(Control(exclusion_key(name), f"exclusions.{name}", "checkbox",
                               _EXCLUSION_LABELS.get(name, (f"ex_{entry.id}",)), entry.id,
                               layer=layer))
        follows = exclusion_key(switches[0]) if len(switches) == 1 else None
        for name in registry.fields_of(entry.buffer) + registry.fields_of(entry.threshold):
            out.append(Control(exclusion_key(name), f"exclusions.{name}", "slider",
                               _EXCLUSION_LABELS.get(name, (f"ex_{entry.id}", "buffer_km")),
                               entry.id, follows=follows, layer=layer))
    return tuple(out)


def control_label(control: Control, lang: str = "zh") -> str:
    """The text of an exclusion widget: '生态保护红线 · 缓冲距离（千米）'."""
    from ui.i18n import t

    return " · ".join(t(key, lang) for key in control.label)


#: (widget key, scenario path) of every scalar widget in the sidebar.
WIDGET_PATHS = {
    "w_tech": "tech",
    **{control.key: control.path for control in exclusion_controls() if control.layer is None},
    "w_bonus_desert": "encouragement.desert_bonus",
    "w_bonus_sandy": "encouragement.sandy_bonus",
    "w_bonus_mine": "encouragement.mine_bonus",
    "w_bonus_border": "encouragement.border_belt_bonus",
    "w_weight_mode": "weights.mode",
    "w_wt_resource": "weights.direct.resource",
    "w_wt_grid": "weights.direct.grid",
    "w_wt_load": "weights.direct.load",
    "w_wt_slope": "weights.direct.slope",
    "w_wt_encouragement": "weights.direct.encouragement",
    "w_cap_wind": "capacity.wind_mw_per_km2",
    "w_cap_pv": "capacity.pv_packing_mw_per_km2",
    "w_cap_pv_share": "capacity.pv_land_use_share",
    "w_cap_pv_mine": "capacity.pv_restoration_mw_per_km2",
    "w_en_hub": "energy.hub_height_m",
    "w_en_losses": "energy.wind_losses",
    "w_en_pr": "energy.pv_performance_ratio",
    "w_cost_wind": "cost.wind_capex_cny_per_kw",
    "w_cost_pv": "cost.pv_capex_cny_per_kw",
    "w_cost_rate": "cost.discount_rate",
    "w_cost_life": "cost.lifetime_years",
    "w_cost_line": "cost.transmission_cny_per_mw_km",
    "w_cost_sub": "cost.substation_cny_per_kw",
    "w_sl_rank_by": "shortlist.rank_by",
    "w_sl_multiple": "shortlist.target_multiple",
    "w_east_cap": "targets.group_caps_gw.east",
    "w_sl_min_score": "shortlist.min_score",
    "w_sl_size": "shortlist.size",
    "w_sl_leagues": "shortlist.leagues",
    "w_sl_land": "shortlist.land_types",
    "w_base_min_gw": "bases.min_capacity_gw",
    "w_base_contig": "bases.contiguity",
    "w_base_method": "bases.method",
    "w_base_max_gw": "bases.max_capacity_gw",
    "w_base_extent": "bases.max_extent_km",
    "w_grid_over": "grid.over_capacity",
    "w_target": "targets.target_gw",
}
#: (widget key, scenario path) of the widgets of optional registry entries, drawn only
#: when their layer is supplied (the custom exclusion zones, 三区三线 layers).
LAYER_WIDGET_PATHS = {control.key: control.path for control in exclusion_controls()
                      if control.layer is not None}


def all_widget_paths() -> dict[str, str]:
    """Every widget key and its scenario path: ``WIDGET_PATHS`` and ``LAYER_WIDGET_PATHS``."""
    return {**WIDGET_PATHS, **LAYER_WIDGET_PATHS}


def get_path(data: dict, path: str):
    """Value at a dotted path of a nested dict."""
    for part in path.split("."):
        data = data[part]
    return data


def set_path(data: dict, path: str, value) -> None:
    """Set the value at a dotted path of a nested dict (in place)."""
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def widget_values(scenario_dict: dict) -> dict:
    """{widget key: value} for a scenario (to load it into the widgets)."""
    values = {}
    for key, path in all_widget_paths().items():
        try:
            value = get_path(scenario_dict, path)
        except KeyError:
            continue
        values[key] = list(value) if isinstance(value, tuple) else value
    return values


def apply_widgets(base: dict, state) -> dict:
    """A copy of ``base`` with every widget value present in ``state`` applied."""
    out = copy.deepcopy(base)
    for key, path in all_widget_paths().items():
        if key in state:
            set_path(out, path, state[key])
    return out


@dataclass(frozen=True)
class Range:
    """Limits of a numeric widget, read from the Scenario model (inclusive)."""

    min: float
    max: float
    step: float
    integer: bool = False

    def kwargs(self) -> dict:
        """``min_value``/``max_value``/``step`` for ``st.slider`` or ``st.number_input``."""
        cast = int if self.integer else float
        return {"min_value": cast(self.min), "max_value": cast(self.max),
                "step": cast(self.step)}


def model_field(path: str):
    """The pydantic ``FieldInfo`` behind a scenario path (``weights.direct.grid`` →
    the ``direct`` field: its items share one range)."""
    from siting.scenario import Scenario

    model, info = Scenario, None
    for part in path.split("."):
        if model is None:  # inside a dict field: the key names an item
            break
        info = model.model_fields[part]
        model = info.annotation if isinstance(info.annotation, type) and \
            hasattr(info.annotation, "model_fields") else None
    return info


def field_range(path: str) -> Range:
    """Widget limits of the numeric scenario field at ``path``, from the model.

    Widget-backed fields declare inclusive ``ge``/``le`` (a widget cannot show
    an exclusive limit, and any value the model accepts must fit the widget);
    items of a dict field (the direct weights) declare ``item_ge``/``item_le``.
    The step is the field's ``json_schema_extra["step"]``. A field without
    both limits or a step is a programming error (KeyError), not a default.
    """
    info = model_field(path)
    extra = info.json_schema_extra or {}
    step = extra["step"]
    is_dict_item = info.annotation is not None and getattr(info.annotation, "__origin__", None) \
        is dict
    if is_dict_item:
        low, high = extra["item_ge"], extra["item_le"]
        integer = False
    else:
        low = high = None
        for item in info.metadata:  # pydantic's annotated_types.Ge / Le constraints
            low = getattr(item, "ge", low)
            high = getattr(item, "le", high)
        if low is None or high is None:
            raise KeyError(f"scenario field {path!r} needs inclusive ge and le bounds "
                           "to back a widget")
        integer = info.annotation is int
    if integer:
        return Range(int(low), int(high), int(step), integer=True)
    return Range(float(low), float(high), float(step))


def field_options(path: str) -> tuple:
    """The allowed values of a ``Literal`` scenario field (radio options), from the model."""
    return get_args(model_field(path).annotation)


#: Scenario paths whose widgets are numeric (slider or number input).
NUMERIC_KINDS = (int, float)


def numeric_paths() -> dict[str, str]:
    """{widget key: path} of every numeric widget in ``WIDGET_PATHS``."""
    out = {}
    for key, path in WIDGET_PATHS.items():
        info = model_field(path)
        # an optional number (``float | None``) is numeric too
        annotation = next((a for a in get_args(info.annotation) if a in NUMERIC_KINDS),
                          info.annotation)
        if annotation in NUMERIC_KINDS or getattr(annotation, "__origin__", None) is dict:
            out[key] = path
    return out


# --- language switch and reseeding ------------------------------------------------

def seed_values(scenario_dict: dict, state, *, force: bool) -> dict:
    """Widget values to write before the widgets are drawn.

    Every widget key missing from ``state`` (never drawn, or dropped by
    Streamlit because it was hidden for a run) gets the scenario's value; with
    ``force`` (the language changed, so translated labels and options changed)
    every key does: the scenario dict, keyed by codes, is the source of truth.
    """
    values = widget_values(scenario_dict)
    return {k: v for k, v in values.items() if force or k not in state}


# --- AHP pairwise editor ------------------------------------------------------------

#: Label key (ui.i18n) of each Saaty intensity 1-9.
SAATY_WORDS = {1: "saaty_1", 2: "saaty_between", 3: "saaty_3", 4: "saaty_between",
               5: "saaty_5", 6: "saaty_between", 7: "saaty_7", 8: "saaty_between",
               9: "saaty_9"}


def fraction_text(value: float) -> str:
    """A Saaty value as text: 3 → '3', 0.333… → '1/3', 1 → '1'."""
    if value >= 1:
        return f"{value:g}"
    return f"1/{1 / value:g}"


def pair_key(i: int, j: int) -> str:
    """Widget key of the judgement of criterion i against j."""
    return f"w_ahp_{i}_{j}"


def copy_name(name: str, taken, *, suffix: str) -> str:
    """A free library name for a copy of ``name``: ``name suffix``, then ``… 2``, ``… 3``."""
    taken = set(taken)
    candidate = f"{name} {suffix}"
    number = 2
    while candidate in taken:
        candidate = f"{name} {suffix} {number}"
        number += 1
    return candidate

