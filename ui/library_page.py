"""The library tab: save, load, duplicate, delete and compare scenarios in the
workspace library.
"""
from __future__ import annotations

import streamlit as st

from siting import pipeline
from siting.inputs import prepare_key
from ui import controls, results
from ui import supply as supply_view
from ui.cache import connection_points, prepared
from ui.i18n import as_markdown, error_text, t, time_text
from ui.state import (
    fragment_rerun,
    full_run_if_asked,
    load_scenario,
    page_lang,
    panel_fragment,
    request_full_run,
)
from ui.user_errors import USER_ERRORS


def _store():
    """The workspace's scenario library (``layers.library.ScenarioStore``)."""
    from layers.library import ScenarioStore
    from layers.workspace import workspace_dir

    return ScenarioStore(workspace_dir())


def _library_load(name: str):
    from siting import library

    try:
        load_scenario(library.load(name, _store()))
        request_full_run()  # the sidebar and the results follow the loaded scenario
    except USER_ERRORS as exc:
        st.session_state["library_message"] = error_text(exc, page_lang())


@panel_fragment
def library_panel(scenario, result, lang: str):
    """Save, load, duplicate, delete and compare scenarios in the workspace library.

    A fragment: typing a name, saving, picking or comparing reruns only this panel;
    loading a scenario reruns the page.
    """
    from siting import library

    full_run_if_asked()

    cols = st.columns([2, 3, 1])
    name = cols[0].text_input(t("lib_name", lang), value=scenario.name, key="lib_name")
    note = cols[1].text_input(t("lib_note", lang), key="lib_note")
    if cols[2].button(t("lib_save", lang), key="lib_save"):
        try:
            library.save(scenario, name, note=note, overwrite=True, store=_store())
            st.success(f"{t('lib_saved', lang)}: {as_markdown(name)}")
        except USER_ERRORS as exc:
            st.error(as_markdown(error_text(exc, lang)))
    message = st.session_state.pop("library_message", None)
    if message:
        st.error(as_markdown(message))
    everything = library.list_scenarios(_store())
    for damaged in (e for e in everything if e.damaged):
        st.warning(as_markdown(f"{t('lib_damaged', lang)}: {damaged.path.name}: "
                               f"{damaged.damaged}"))
    entries = [e for e in everything if not e.damaged]
    if not entries:
        st.caption(t("lib_empty", lang))
        return
    names = [e.name for e in entries]
    labels = {e.name: f"{e.name} · {time_text(e.saved_at, lang)} · {e.note}" for e in entries}
    pick = st.selectbox(t("lib_pick", lang), names, key="lib_pick",
                        format_func=lambda n: labels[n])
    c1, c2, c3 = st.columns(3)
    c1.button(t("lib_load", lang), key="lib_load", on_click=_library_load, args=(pick,))
    if c2.button(t("lib_dup", lang), key="lib_dup"):
        copy = controls.copy_name(pick, names, suffix=t("lib_copy_suffix", lang))
        library.duplicate(pick, copy, store=_store())
        st.session_state["library_copied"] = copy
        st.rerun(scope="fragment" if fragment_rerun() else "app")
    copied = st.session_state.pop("library_copied", None)
    if copied:
        st.success(f"{t('lib_copied', lang)}: {as_markdown(copied)}")
    if c3.button(t("lib_delete", lang), key="lib_delete"):
        library.delete(pick, _store())
        st.rerun(scope="fragment" if fragment_rerun() else "app")

    st.markdown(f"**{t('compare', lang)}**")
    current = "__current__"
    options = [current] + names
    fmt = lambda n: t("current", lang) if n == current else n  # noqa: E731
    ca, cb = st.columns(2)
    a = ca.selectbox(t("compare_a", lang), options, key="cmp_a", format_func=fmt)
    b = cb.selectbox(t("compare_b", lang), options, index=min(1, len(options) - 1),
                     key="cmp_b", format_func=fmt)
    if st.button(t("compare_go", lang), key="cmp_go"):
        runs = []
        for choice in (a, b):
            chosen = scenario if choice == current else library.load(choice, _store())
            runs.append(result if choice == current else pipeline.evaluate(
                prepared(prepare_key(chosen), chosen, lang), chosen,
                connections=connection_points(chosen)))
        diff = library.compare(*runs)
        m1, m2, m3 = st.columns(3)
        m1.metric("A GW", f"{diff.gw_a:.1f}")
        m2.metric("B GW", f"{diff.gw_b:.1f}", delta=f"{diff.gw_b - diff.gw_a:+.1f}")
        m3.metric(t("entered", lang) + " / " + t("left", lang),
                  f"{len(diff.parcels_entered)} / {len(diff.parcels_left)}")
        st.dataframe(results.comparison_table(diff, lang), hide_index=True, width="stretch")
        st.altair_chart(supply_view.comparison_chart(
            {f"A · {fmt(a)}": runs[0], f"B · {fmt(b)}": runs[1]}, lang), width="stretch")
