"""The scenario sidebar: preset, technology, exclusions, weights, capacity and cost,
shortlist rules, and the save/load panel; returns the checked ``Scenario``.

Widget ranges and options come from the Scenario model (``ui.controls``); the
AHP editor (``ui.weights_view``) draws in the main area.
"""
from __future__ import annotations

import streamlit as st

from siting import scenario as sc
from siting.bases import LAND_TYPES
from siting.inputs import check_scenario_paths
from siting.shortlist import TARGET_2030_GW, TARGET_2030_RAISED_GW
from ui import controls, weights_view
from ui.cache import bundled_inputs
from ui.exclusions_view import exclusion_widgets
from ui.i18n import as_markdown, contiguity_name, error_text, t
from ui.state import load_scenario, page_lang
from ui.user_errors import USER_ERRORS


def _apply_preset():
    load_scenario(sc.preset(st.session_state["w_preset"]))


def _set_target(value: float):
    st.session_state["w_target"] = float(value)


def _load_pasted():
    text = st.session_state.get("w_paste", "")
    try:
        load_scenario(sc.loads(text, source="(pasted)"))
        st.session_state["load_message"] = ("ok", "")
    except USER_ERRORS as exc:
        st.session_state["load_message"] = ("error", error_text(exc, page_lang()))


def _load_uploaded():
    upload = st.session_state.get("w_upload")
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
        load_scenario(sc.loads(text, source=upload.name))
        st.session_state["load_message"] = ("ok", "")
    except UnicodeDecodeError:
        st.session_state["load_message"] = ("error",
                                            t("not_utf8", page_lang()).format(name=upload.name))
    except USER_ERRORS as exc:
        st.session_state["load_message"] = ("error", error_text(exc, page_lang()))


def _slider(parent, label: str, key: str, **kwargs):
    """A slider whose range and step come from the scenario model."""
    rng = controls.field_range(controls.all_widget_paths()[key])
    return parent.slider(label, key=key, **rng.kwargs(), **kwargs)


def _number(parent, label: str, key: str, **kwargs):
    """A number input whose range and step come from the scenario model."""
    rng = controls.field_range(controls.all_widget_paths()[key])
    return parent.number_input(label, key=key, **rng.kwargs(), **kwargs)


def scenario_sidebar(lang: str, lang_changed: bool) -> sc.Scenario:
    """All scenario widgets (and the AHP editor in the main area); returns the scenario.

    The save/load panel below them is :func:`save_load_panel` (app.py draws it after
    the headline numbers: its YAML is not needed for them)."""
    sb = st.sidebar
    path = controls.WIDGET_PATHS
    sb.subheader(t("scenario", lang))
    sb.selectbox(t("preset", lang), list(sc.PRESETS), key="w_preset",
                 format_func=lambda p: t(f"preset_{p}", lang))
    sb.button(t("apply_preset", lang), on_click=_apply_preset, key="w_apply_preset")
    sb.radio(t("tech", lang), controls.field_options(path["w_tech"]), key="w_tech",
             horizontal=True, format_func=lambda v: t(f"tech_{v}", lang))

    with sb.expander(t("exclusions", lang)):
        exclusion_widgets(st, lang,
                          supplied_layers=st.session_state["scenario_base"].get("layers") or {})

    with sb.expander(t("encouragement", lang)):
        for key, label in (("w_bonus_desert", "bonus_desert"), ("w_bonus_sandy", "bonus_sandy"),
                           ("w_bonus_mine", "bonus_mine"), ("w_bonus_border", "bonus_border")):
            _slider(st, t(label, lang), key)

    previous_mode = st.session_state["scenario_base"]["weights"]["mode"]
    with sb.expander(t("weights", lang), expanded=True):
        st.radio(t("weight_mode", lang), controls.field_options(path["w_weight_mode"]),
                 key="w_weight_mode", horizontal=True,
                 format_func=lambda v: t(f"mode_{v}", lang))
        ahp_mode = st.session_state["w_weight_mode"] == "ahp"
        if ahp_mode:
            st.info(t("ahp_in_main", lang))
        else:
            direct = {}
            for name in sc.CRITERIA:
                direct[name] = _number(st, t(f"crit_{name}", lang), f"w_wt_{name}")
            total = sum(direct.values())
            if total > 0:
                st.caption(f"{t('weights_share', lang)}: " + " · ".join(
                    f"{t(f'crit_{n}', lang)} {w / total:.0%}" for n, w in direct.items()))

    with sb.expander(t("capacity_cost", lang)):
        _number(st, t("cap_wind", lang), "w_cap_wind")
        _number(st, t("cap_pv", lang), "w_cap_pv")
        _slider(st, t("cap_pv_share", lang), "w_cap_pv_share")
        _number(st, t("cap_pv_mine", lang), "w_cap_pv_mine")
        _number(st, t("hub", lang), "w_en_hub")
        _slider(st, t("losses", lang), "w_en_losses")
        _slider(st, t("pr", lang), "w_en_pr")
        _number(st, t("capex_wind", lang), "w_cost_wind")
        _number(st, t("capex_pv", lang), "w_cost_pv")
        _slider(st, t("rate", lang), "w_cost_rate", format="%.3f")
        _number(st, t("life", lang), "w_cost_life")
        _number(st, t("line_cost", lang), "w_cost_line")
        _number(st, t("sub_cost", lang), "w_cost_sub")

    with sb.expander(t("shortlist_rules", lang), expanded=True):
        st.radio(t("rank_by", lang), controls.field_options(path["w_sl_rank_by"]),
                 key="w_sl_rank_by", horizontal=True,
                 format_func=lambda v: t(f"rank_by_{v}", lang))
        _number(st, t("sl_multiple", lang), "w_sl_multiple", help=t("sl_multiple_help", lang))
        _number(st, t("east_cap", lang), "w_east_cap", help=t("east_cap_help", lang))
        _slider(st, t("min_score", lang), "w_sl_min_score")
        _number(st, t("sl_size", lang), "w_sl_size")
        st.radio(t("base_method", lang), controls.field_options(path["w_base_method"]),
                 key="w_base_method", horizontal=True,
                 format_func=lambda v: t(f"base_method_{v}", lang))
        _number(st, t("base_min_gw", lang), "w_base_min_gw")
        _number(st, t("base_max_gw", lang), "w_base_max_gw")
        _number(st, t("base_extent", lang), "w_base_extent")
        st.radio(t("grid_over", lang), controls.field_options(path["w_grid_over"]),
                 key="w_grid_over", format_func=lambda v: t(f"grid_over_{v}", lang))
        st.radio(t("contiguity", lang), controls.field_options(path["w_base_contig"]),
                 key="w_base_contig", horizontal=True,
                 format_func=lambda v: contiguity_name(v, lang))
        _number(st, t("target", lang), "w_target", help=t("target_help", lang))
        c200, c300 = st.columns(2)
        c200.button(t("target_200", lang), key="w_target_200", on_click=_set_target,
                    args=(TARGET_2030_GW,))
        c300.button(t("target_300", lang), key="w_target_300", on_click=_set_target,
                    args=(TARGET_2030_RAISED_GW,))
        leagues = sorted(bundled_inputs().vectors["leagues"]["name_zh"])
        st.multiselect(t("leagues_filter", lang), leagues, key="w_sl_leagues",
                       placeholder=t("choose", lang))
        st.multiselect(t("land_filter", lang), list(LAND_TYPES), key="w_sl_land",
                       format_func=lambda v: t(f"land_{v}", lang), placeholder=t("choose", lang))

    # a snapshot: ``key in st.session_state`` rebuilds the whole filtered state each time
    data = controls.apply_widgets(st.session_state["scenario_base"], st.session_state.to_dict())
    if ahp_mode:
        weights_view.seed_pairs(data, from_direct=previous_mode == "direct",
                                force=lang_changed)
        data["weights"]["ahp_matrix"] = weights_view.ahp_editor(lang)
    scenario = sc.from_dict(data, source="(sidebar)")
    # a pasted or uploaded scenario may name files only under the user's workspace
    check_scenario_paths(scenario)
    st.session_state["scenario_base"] = scenario.model_dump(mode="json")
    return scenario


def save_load_panel(scenario: sc.Scenario, lang: str) -> bool:
    """Download the current scenario as YAML; load one from a file or pasted text.
    Returns True (drawn)."""
    with st.sidebar.expander(t("save_load", lang)):
        text = sc.dumps(scenario)
        st.download_button(t("download_yaml", lang), text.encode("utf-8"),
                           file_name="scenario.yaml", mime="text/yaml", key="w_dl_yaml")
        st.file_uploader(t("upload_yaml", lang), type=["yaml", "yml"], key="w_upload",
                         on_change=_load_uploaded)
        st.text_area(t("paste_yaml", lang), key="w_paste", height=120)
        st.button(t("load_pasted", lang), on_click=_load_pasted, key="w_load_pasted")
        message = st.session_state.pop("load_message", None)
        if message and message[0] == "error":
            st.error(as_markdown(message[1]))
        elif message:
            st.success(t("loaded", lang))
        st.code(text, language="yaml")
    return True
