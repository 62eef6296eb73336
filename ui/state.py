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
    if st.session_state.get("scenario_base") is None:
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
    # one snapshot: ``key in st.session_state`` rebuilds the whole filtered state each time
    present = st.session_state.to_dict()
    st.session_state.update(controls.seed_values(base, present, force=changed))
    if changed:
        for key in TRANSLATED_WIDGETS:
            if key in present:
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


def fragment_rerun() -> bool:
    """Whether this run reruns only a fragment (a panel's own widget), not the page."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def panel_fragment(func):
    """A page panel with its own widgets as an ``st.fragment``: they rerun only the
    panel (not the map, the tables or the engine). In a full run an error goes up to
    app.py's handler as before; in the panel's own rerun it is shown in the panel."""
    import functools
    import logging

    from ui.i18n import as_markdown, error_text
    from ui.user_errors import USER_ERRORS

    @functools.wraps(func)
    def panel(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not fragment_rerun():
                raise
            if not isinstance(exc, USER_ERRORS):
                logging.getLogger("siting.app").exception("unexpected error in a panel")
            st.error(as_markdown(error_text(exc, page_lang())))

    return st.fragment(panel)


def request_full_run():
    """From a callback of a panel's widget: the change concerns the whole page (e.g. a
    scenario was loaded), so the panel's rerun becomes a full one (:func:`full_run_if_asked`)."""
    st.session_state["_full_run"] = True


def full_run_if_asked():
    """At the top of a panel: rerun the whole page if a callback asked for it."""
    if st.session_state.pop("_full_run", False) and fragment_rerun():
        st.rerun(scope="app")
