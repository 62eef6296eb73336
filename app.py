"""内蒙古新能源基地选址 — the planners' Streamlit app.

Page wiring only: the page config, the top-level layout and the calls to the
views in ``ui/`` (sidebar, map, results, downloads, import, library, about).
Loading and the slow parcel features are cached (``ui.cache``); re-scoring after
a weight or filter change touches only the parcel table; the domain is in ``siting/``.
"""
from __future__ import annotations

import logging

import streamlit as st

from siting.inputs import inputs_key, prepare_key
from ui.about import about
from ui.cache import leaflet_ready, prepared, prepared_store, run_inputs, scored
from ui.downloads import downloads_panel
from ui.i18n import as_markdown, error_text, t
from ui.import_page import import_panel
from ui.library_page import library_panel
from ui.map_page import draw_layers_only, legend, map_area, map_controls
from ui.results_page import metrics, supply_panel, tables
from ui.sidebar import scenario_sidebar
from ui.state import init_state, page_lang, sync_widgets
from ui.user_errors import USER_ERRORS

log = logging.getLogger("siting.app")


def main():
    st.set_page_config(page_title="内蒙古新能源基地选址", page_icon="🌬️", layout="wide")
    lang = st.sidebar.radio(t("language"), ["zh", "en"], horizontal=True, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    units_slot = st.sidebar.container()
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    leaflet_ready()
    init_state()
    lang_changed = sync_widgets(lang)
    units_slot.radio(t("units_choice", lang), ("gw", "wan"), key="w_units", horizontal=True,
                     format_func=lambda u: t(f"units_{u}", lang))
    scenario = scenario_sidebar(lang, lang_changed)
    choice = map_controls(lang)
    key = prepare_key(scenario)
    layers = (inputs_key(scenario), run_inputs(scenario))
    metrics_slot = st.container()
    # The map with the results sits in a container that stays at the same place run
    # after run, so the browser keeps the map (an st.empty there would replace it).
    # Before it, a placeholder that holds only the first view while the parcel features
    # compute (the layers, no results yet) and is empty otherwise.
    first_view = st.empty()
    if key not in prepared_store():
        with first_view.container():
            map_col, _ = st.columns([3, 1])
            with map_col:
                draw_layers_only(choice, layers, lang)
                legend(choice, lang)
                prepared(key, scenario, lang)
        first_view.empty()
    prep = prepared(key, scenario, lang)
    result = scored(key, scenario, prep, layers[1].provenance)
    with metrics_slot:
        metrics(result, lang)
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
