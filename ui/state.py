"""Session state of the page: the scenario dict behind the widgets, the language switch.

``scenario_base`` (the scenario as a JSON-ready dict) is the source of truth;
widget keys are seeded from it before drawing, and re-seeded after a language
switch so no choice is lost.
"""
from __future__ import annotations

import streamlit as st

from siting import scenario as sc
from ui import controls

#: Widgets outside the scenario whose option labels are translated: their
#: values (codes) are written back on a language change so they keep the choice.
TRANSLATED_WIDGETS = ("w_preset", "raster_layer", "basemap", "cmp_a", "cmp_b", "w_units",
                      "imp_role", "imp_encoding", "dl_format")


def display_units() -> str:
    """The display units the user chose: 'gw' (GW, TWh) or 'wan' (万千瓦, 亿千瓦时)."""
    return st.session_state.get("w_units", "gw")


def init_state():
    """Start the session from the default scenario (once per session)."""
    if "scenario_base" not in st.session_state:
        st.session_state["scenario_base"] = sc.Scenario().model_dump(mode="json")


def sync_widgets(lang: str):
    """Seed widget keys from the scenario dict (the source of truth) before drawing.

    Streamlit keeps a radio's or select's value as its *formatted* label, so a
    language switch would lose it; after a switch every widget is re-seeded
    from the scenario (codes). Keys Streamlit dropped (a widget hidden for a
    run) are re-seeded too.
    """
    changed = st.session_state.get("_lang_drawn") != lang
    base = st.session_state["scenario_base"]
    st.session_state.update(controls.seed_values(base, st.session_state, force=changed))
    if changed:
        for key in TRANSLATED_WIDGETS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    st.session_state["_lang_drawn"] = lang
    return changed


def load_scenario(scenario: sc.Scenario):
    """Make ``scenario`` the page's scenario: its dict and every widget key (in callbacks)."""
    data = scenario.model_dump(mode="json")
    st.session_state["scenario_base"] = data
    st.session_state.update(controls.widget_values(data))
    for i, j in controls.criteria_pairs(len(sc.CRITERIA)):  # re-seeded from the matrix
        st.session_state.pop(controls.pair_key(i, j), None)


def page_lang() -> str:
    """The page language inside callbacks (they run before the widgets)."""
    return st.session_state.get("lang", "zh")
