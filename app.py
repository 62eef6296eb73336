"""内蒙古新能源基地选址 — the planners' Streamlit app.

Page wiring only: the page config, the top-level layout and the calls to the
views in ``ui/`` (sidebar, map, results, downloads, import, library, about).
Loading and the slow parcel features are cached (``ui.cache``); re-scoring after
a weight or filter change touches only the parcel table; the domain is in ``siting/``.

The headline numbers come first: the sidebar, the prepared parcels (memory or
disk) and the evaluation run before anything else is imported or drawn; the map
(Folium), the tables, charts and tabs are imported and built after them. Only
the first view of a session whose parcels must be computed shows the map of the
layers alone while they compute.
"""
from __future__ import annotations

import logging

import streamlit as st

from ui.i18n import as_markdown, error_text, t
from ui.state import page_lang
from ui.user_errors import USER_ERRORS

log = logging.getLogger("siting.app")


def main():
    from siting.inputs import inputs_key, prepare_key
    from ui.cache import leaflet_ready, prepared, prepared_ready, run_inputs, scored
    from ui.results_page import metrics
    from ui.sidebar import save_load_panel, scenario_sidebar
    from ui.state import init_state, sync_widgets

    st.set_page_config(page_title="内蒙古新能源基地选址", page_icon="🌬️", layout="wide")
    lang = st.sidebar.radio(t("language"), ["zh", "en"], horizontal=True, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    units_slot = st.sidebar.container()
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    init_state()
    lang_changed = sync_widgets(lang)
    units_slot.radio(t("units_choice", lang), ("gw", "wan"), key="w_units", horizontal=True,
                     format_func=lambda u: t(f"units_{u}", lang))
    scenario = scenario_sidebar(lang, lang_changed)
    choice = saved = None
    try:
        key = prepare_key(scenario)
        layers = (inputs_key(scenario), run_inputs(scenario))
        metrics_slot = st.container()
        # Before the map, a placeholder that holds only the first view while the parcel
        # features compute (the layers, no results yet) and is empty otherwise; the map
        # itself sits in a container after it that stays at the same place run after run,
        # so the browser keeps the map (an st.empty there would replace it).
        first_view = st.empty()
        if st.session_state.get("_scored") is None and not prepared_ready(key, scenario):
            # first view while the parcel features compute: the layers, no results yet
            from ui.map_page import draw_layers_only, legend, map_controls

            saved = save_load_panel(scenario, lang)
            leaflet_ready()
            choice = map_controls(lang)
            with first_view.container():
                map_col, _ = st.columns([3, 1])
                with map_col:
                    draw_layers_only(choice, layers, lang)
                    legend(choice, lang)
                    prepared(key, scenario, lang)
            first_view.empty()
        with metrics_slot:  # a progress bar here while an exclusion change recomputes
            prep = prepared(key, scenario, lang)
            result = scored(key, scenario, prep, layers[1].provenance)
            metrics(result, lang)
    except Exception:
        if saved is None:  # the user can still load another scenario
            save_load_panel(scenario, lang)
        raise
    rest_of_page(result, prep, key, scenario, layers, choice, lang)


def rest_of_page(result, prep, key, scenario, layers, choice, lang):
    """Everything after the headline numbers: map, tables, supply panel and tabs."""
    from ui.about import about
    from ui.cache import leaflet_ready
    from ui.downloads import downloads_panel
    from ui.import_page import import_panel
    from ui.library_page import library_panel
    from ui.map_page import map_area, map_controls
    from ui.results_page import supply_panel, tables
    from ui.sidebar import save_load_panel

    if choice is None:  # the rest of the sidebar, in its order
        save_load_panel(scenario, lang)
        leaflet_ready()
        choice = map_controls(lang)
    with st.container():  # the map and the details (a fragment: a click reruns only it)
        map_area(result, prep, choice, layers, lang)
    tables(result, lang)
    supply_panel(result, prep, key, lang)
    tabs = st.tabs([t("downloads", lang), t("import", lang), t("library", lang),
                    t("about", lang)])
    with tabs[0]:
        downloads_panel(result, lang)
    with tabs[1]:
        import_panel(lang)
    with tabs[2]:
        library_panel(scenario, result, lang)
    with tabs[3]:
        about(lang)


try:
    main()
except USER_ERRORS as exc:
    st.error(as_markdown(error_text(exc, page_lang())))
except Exception as exc:  # last resort: a clean message, the traceback goes to the log
    log.exception("unexpected error in the app")
    st.error(as_markdown(error_text(exc, page_lang())))
