"""The sidebar's exclusion widgets, drawn from ``siting.registry`` (via
``ui.controls.exclusion_controls``): a new registry entry gets its widgets here.
"""
from __future__ import annotations

import streamlit as st

from ui import controls
from ui.i18n import t


def exclusion_widgets(parent, lang: str, *, supplied_layers=()) -> None:
    """Draw every exclusion switch and slider into ``parent`` (an expander).

    Widgets of an optional entry (custom zones, 三区三线 layers) appear only when
    its layer is among ``supplied_layers`` (the scenario's ``layers`` keys). A
    slider that follows a switch is disabled while the switch is off.
    """
    shown = [c for c in controls.exclusion_controls()
             if c.layer is None or c.layer in supplied_layers]
    for index, control in enumerate(shown):
        label = controls.control_label(control, lang)
        if control.widget == "checkbox":
            parent.checkbox(label, key=control.key)
        else:
            off = control.follows is not None and not st.session_state.get(control.follows, True)
            parent.slider(label, key=control.key, disabled=off,
                          **controls.field_range(control.path).kwargs())
        last_of_entry = index + 1 == len(shown) or shown[index + 1].entry != control.entry
        if last_of_entry and control.entry == "slope":
            parent.caption(t("slope_note", lang))
        if last_of_entry and control.layer is not None:
            parent.caption(t("ex_needs_layer", lang))
