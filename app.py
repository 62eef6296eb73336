"""内蒙古新能源基地选址 — the planners' Streamlit app.

Widgets wired to engine calls, nothing else: loading and the slow parcel
features are cached; re-scoring after a weight or filter change touches only
the parcel table; map and table shaping live in ``ui/``, the domain in ``siting/``.
"""
from __future__ import annotations

import html
import logging

import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from layers.bundle import load_inputs
from layers.catalog import load_catalog
from layers.io import read_raster
from siting import pipeline
from siting import scenario as sc
from siting.bases import LAND_TYPES
from siting.criteria import (
    SOLAR_CLASS_LABELS_EN,
    SOLAR_CLASS_LABELS_ZH,
    WIND_CLASS_NOTE_EN,
    WIND_CLASS_NOTE_ZH,
)
from siting.errors import SitingError
from siting.shortlist import TARGET_2030_GW, TARGET_2030_RAISED_GW
from ui import controls, mapview, results
from ui.assets import install_leaflet
from ui.i18n import (
    as_markdown,
    contiguity_name,
    error_text,
    import_summary_frame,
    progress_text,
    role_label,
    role_name,
    t,
    time_text,
)

log = logging.getLogger("siting.app")

#: Layers shown when the page first opens.
DEFAULT_RASTER = "score"
DEFAULT_VECTORS = ("leagues", "border")
MAP_HEIGHT_PX = 640


# --- cached data ------------------------------------------------------------------

@st.cache_resource
def catalog():
    """The layer catalog, read once per process."""
    return load_catalog()


@st.cache_resource
def leaflet_ready() -> str:
    """Copy Leaflet from its pip package into static/ once per process."""
    return str(install_leaflet())


@st.cache_resource(show_spinner=False)
def inputs():
    """Every bundled layer, read once per process."""
    return load_inputs()


#: How many prepared parcel tables (one per exclusion setting) stay in memory.
PREPARED_KEEP = 4


@st.cache_resource
def prepared_store() -> dict:
    """Prepared parcel tables by exclusion settings, shared by all sessions."""
    return {}


def prepared(key: str, scenario, lang: str):
    """Parcels and their features for one set of exclusions (the slow stage), cached."""
    store = prepared_store()
    if key not in store:
        bar = st.progress(0.0, text=t("computing", lang))
        try:
            store[key] = pipeline.prepare(
                inputs(), scenario,
                progress=lambda f, m: bar.progress(min(f, 1.0), text=progress_text(m, lang)))
        finally:
            bar.empty()
        while len(store) > PREPARED_KEEP:
            store.pop(next(iter(store)))
    return store[key]


@st.cache_resource(show_spinner=False, max_entries=4)
def memo(key: str) -> dict:
    """Weight-independent pieces of evaluation (e.g. wind full-load hours) per parcel set."""
    return {}


@st.cache_resource(show_spinner=False, max_entries=4)
def parcel_geometries(key: str, _parcels) -> list:
    """Simplified WGS84 geometry of every parcel, for drawing the shortlist."""
    return results.parcel_geometries_wgs84(_parcels)


@st.cache_resource(show_spinner=False, max_entries=4)
def pixel_index(key: str, _parcels):
    """Which parcel each pixel of the score overlay shows (once per parcel set)."""
    return mapview.parcel_pixel_index(_parcels)


@st.cache_data(show_spinner=False)
def raster_overlay(layer_id: str) -> mapview.Overlay:
    """The PNG overlay of a bundled raster (computed once)."""
    info = catalog()[layer_id]
    return mapview.raster_overlay(read_raster(info.path), layer_id=layer_id)


@st.cache_data(show_spinner=False)
def vector_layer(layer_id: str) -> tuple[dict, str]:
    """GeoJSON and geometry kind of a bundled vector layer (computed once)."""
    gdf = inputs().vectors[layer_id]
    simplify_deg, fields = mapview.VECTOR_DISPLAY.get(layer_id, (0.0, ()))
    return (mapview.vector_geojson(gdf, simplify_deg=simplify_deg, columns=fields),
            mapview.geometry_kind(gdf))


# --- scenario sidebar ----------------------------------------------------------------

def _init_state():
    if "scenario_base" not in st.session_state:
        base = sc.Scenario().model_dump(mode="json")
        st.session_state["scenario_base"] = base
        st.session_state.update(controls.widget_values(base))


def _load_scenario(scenario: sc.Scenario):
    data = scenario.model_dump(mode="json")
    st.session_state["scenario_base"] = data
    st.session_state.update(controls.widget_values(data))


def _apply_preset():
    _load_scenario(sc.preset(st.session_state["w_preset"]))


def _load_pasted():
    text = st.session_state.get("w_paste", "")
    try:
        _load_scenario(sc.loads(text, source="(pasted)"))
        st.session_state["load_message"] = ("ok", "")
    except SitingError as exc:
        st.session_state["load_message"] = ("error", error_text(exc, _lang()))


def _lang() -> str:
    """The page language inside callbacks (they run before the widgets)."""
    return st.session_state.get("lang", "zh")


def _load_uploaded():
    upload = st.session_state.get("w_upload")
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
        _load_scenario(sc.loads(text, source=upload.name))
        st.session_state["load_message"] = ("ok", "")
    except UnicodeDecodeError:
        st.session_state["load_message"] = ("error",
                                            t("not_utf8", _lang()).format(name=upload.name))
    except SitingError as exc:
        st.session_state["load_message"] = ("error", error_text(exc, _lang()))


def scenario_sidebar(lang: str) -> sc.Scenario:
    """All scenario widgets; returns the validated scenario."""
    sb = st.sidebar
    sb.subheader(t("scenario", lang))
    sb.selectbox(t("preset", lang), list(sc.PRESETS), key="w_preset",
                 format_func=lambda p: t(f"preset_{p}", lang))
    sb.button(t("apply_preset", lang), on_click=_apply_preset, key="w_apply_preset")
    sb.radio(t("tech", lang), sc.TECHS, key="w_tech", horizontal=True,
             format_func=lambda v: t(f"tech_{v}", lang))

    with sb.expander(t("exclusions", lang)):
        for flag, buf, label in (("w_ex_redline", "w_ex_redline_buf", "ex_redline"),
                                 ("w_ex_water", "w_ex_water_buf", "ex_water"),
                                 ("w_ex_urban", "w_ex_urban_buf", "ex_urban")):
            st.checkbox(t(label, lang), key=flag)
            st.slider(f"{t(label, lang)} · {t('buffer_km', lang)}", 0.0, 10.0, step=0.5,
                      key=buf, disabled=not st.session_state[flag])
        st.checkbox(t("ex_forest", lang), key="w_ex_forest")
        st.checkbox(t("ex_crop_pv", lang), key="w_ex_crop_pv")
        st.checkbox(t("ex_crop_wind", lang), key="w_ex_crop_wind")
        st.checkbox(t("ex_settle", lang), key="w_ex_settle")
        st.slider(t("settle_wind_km", lang), 0.0, 5.0, step=0.1, key="w_ex_settle_wind")
        st.slider(t("settle_pv_km", lang), 0.0, 5.0, step=0.1, key="w_ex_settle_pv")
        st.slider(t("slope_wind", lang), 1.0, 30.0, step=0.5, key="w_ex_slope_wind")
        st.slider(t("slope_pv", lang), 0.5, 20.0, step=0.5, key="w_ex_slope_pv")
        st.caption(t("slope_note", lang))
        st.slider(t("border_strip", lang), 0.0, 10.0, step=0.5, key="w_ex_border")

    with sb.expander(t("encouragement", lang)):
        for key, label in (("w_bonus_desert", "bonus_desert"), ("w_bonus_sandy", "bonus_sandy"),
                           ("w_bonus_mine", "bonus_mine"), ("w_bonus_border", "bonus_border")):
            st.slider(t(label, lang), 0.0, 30.0, step=1.0, key=key)

    with sb.expander(t("weights", lang), expanded=True):
        st.radio(t("weight_mode", lang), ("direct", "ahp"), key="w_weight_mode",
                 horizontal=True, format_func=lambda v: t(f"mode_{v}", lang))
        ahp_matrix = None
        if st.session_state["w_weight_mode"] == "direct":
            for name in sc.CRITERIA:
                st.slider(t(f"crit_{name}", lang), 0.0, 1.0, step=0.05, key=f"w_wt_{name}")
        else:
            ahp_matrix = ahp_editor(lang)

    with sb.expander(t("capacity_cost", lang)):
        st.number_input(t("cap_wind", lang), 0.5, 20.0, step=0.5, key="w_cap_wind")
        st.number_input(t("cap_pv", lang), 5.0, 150.0, step=5.0, key="w_cap_pv")
        st.slider(t("cap_pv_share", lang), 0.05, 1.0, step=0.05, key="w_cap_pv_share")
        st.number_input(t("cap_pv_mine", lang), 5.0, 150.0, step=1.0, key="w_cap_pv_mine")
        st.number_input(t("hub", lang), 60.0, 200.0, step=5.0, key="w_en_hub")
        st.slider(t("losses", lang), 0.0, 0.4, step=0.01, key="w_en_losses")
        st.slider(t("pr", lang), 0.5, 1.0, step=0.01, key="w_en_pr")
        st.number_input(t("capex_wind", lang), 1000.0, 15000.0, step=100.0, key="w_cost_wind")
        st.number_input(t("capex_pv", lang), 1000.0, 15000.0, step=100.0, key="w_cost_pv")
        st.slider(t("rate", lang), 0.01, 0.2, step=0.005, key="w_cost_rate")
        st.number_input(t("life", lang), 5, 50, step=1, key="w_cost_life")
        st.number_input(t("line_cost", lang), 0.0, 100000.0, step=500.0, key="w_cost_line")
        st.number_input(t("sub_cost", lang), 0.0, 5000.0, step=50.0, key="w_cost_sub")

    with sb.expander(t("shortlist_rules", lang), expanded=True):
        st.slider(t("min_score", lang), 0.0, 100.0, step=1.0, key="w_sl_min_score")
        st.number_input(t("sl_size", lang), 1, 100_000, step=100, key="w_sl_size")
        st.number_input(t("base_min_gw", lang), 0.1, 20.0, step=0.1, key="w_base_min_gw")
        st.radio(t("contiguity", lang), ("queen", "rook"), key="w_base_contig",
                 horizontal=True, format_func=lambda v: contiguity_name(v, lang))
        st.radio(t("target", lang), (TARGET_2030_GW, TARGET_2030_RAISED_GW), key="w_target",
                 horizontal=True, format_func=lambda v: f"{v:g} GW")
        leagues = sorted(inputs().vectors["leagues"]["name_zh"])
        st.multiselect(t("leagues_filter", lang), leagues, key="w_sl_leagues",
                       placeholder=t("choose", lang))
        st.multiselect(t("land_filter", lang), list(LAND_TYPES), key="w_sl_land",
                       format_func=lambda v: t(f"land_{v}", lang), placeholder=t("choose", lang))

    data = controls.apply_widgets(st.session_state["scenario_base"], st.session_state)
    if ahp_matrix is not None:
        data["weights"]["ahp_matrix"] = ahp_matrix
    scenario = sc.from_dict(data, source="(sidebar)")
    save_load_panel(scenario, lang)
    return scenario


def ahp_editor(lang: str):
    """Pairwise matrix editor (upper triangle); shows weights and the CR."""
    import pandas as pd

    from siting.weights import ahp, is_consistent

    names = list(sc.CRITERIA)
    labels = [t(f"crit_{n}", lang) for n in names]
    if "ahp_upper" not in st.session_state:
        st.session_state["ahp_upper"] = np.ones((len(names), len(names))).tolist()
    st.caption(t("ahp_help", lang))
    frame = pd.DataFrame(st.session_state["ahp_upper"], index=labels, columns=labels)
    edited = st.data_editor(frame, key="w_ahp", width="stretch")
    upper = np.clip(edited.to_numpy(dtype=float), 1 / 9, 9)
    matrix = controls.ahp_from_upper(upper)
    weights, ratio = ahp(matrix, labels=names)
    st.write(t("normalised", lang) + ": " +
             ", ".join(f"{lab} {w:.2f}" for lab, w in zip(labels, weights, strict=True)))
    (st.success if is_consistent(ratio) else st.warning)(
        f"{t('cr', lang)} = {ratio:.3f}" + ("" if is_consistent(ratio) else
                                          f" — {t('cr_bad', lang)}"))
    return matrix.tolist()


def save_load_panel(scenario: sc.Scenario, lang: str):
    """Download the current scenario as YAML; load one from a file or pasted text."""
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


# --- map ---------------------------------------------------------------------------

def map_controls(lang: str):
    """Map layer choices; returns (raster id, vector ids, opacity, basemap, key)."""
    cat = catalog()
    with st.sidebar.expander(t("map_layers", lang), expanded=False):
        rasters = ["score", "excl"] + [i.id for i in cat.values() if i.kind == "raster"]
        names = {"score": t("score_layer", lang), "excl": t("excl_layer", lang),
                 **{i.id: f"{i.name(lang)}（{badge(i, lang)}）" for i in cat.values()}}
        raster_id = st.selectbox(t("raster_layer", lang), [None] + rasters, key="raster_layer",
                                 index=1 + rasters.index(DEFAULT_RASTER),
                                 format_func=lambda i: "—" if i is None else names[i])
        opacity = st.slider(t("opacity", lang), 0.0, 1.0, 0.7, 0.05, key="opacity")
        st.checkbox(t("show_shortlist", lang), True, key="show_shortlist")
        st.checkbox(t("show_bases", lang), True, key="show_bases")
        vectors = [i.id for i in cat.values() if i.kind == "vector"
                   if st.checkbox(names[i.id], value=i.id in DEFAULT_VECTORS, key=f"show_{i.id}")]
        basemap = st.selectbox(t("basemap", lang), mapview.BASEMAPS, key="basemap",
                               format_func=lambda b: t(f"basemap_{b}", lang))
        key = ""
        if basemap.startswith("tianditu"):
            key = st.text_input(t("tianditu_key", lang), type="password", key="tianditu_key")
        st.caption(t("gcj_note", lang))
    return raster_id, vectors, opacity, basemap, key


def badge(info, lang: str) -> str:
    """Provenance badge of a layer, e.g. '合成数据'."""
    return t(info.provenance.get("type", "real"), lang)


def draw_map(result, prep, raster_id, vector_ids, opacity, basemap, tianditu_key, lang):
    """Show the map; returns the clicked point or None.

    The base map (basemap and bundled layers) is static; results (score
    overlay, shortlist, bases) go in a feature group that streamlit-folium
    swaps in place, so a weight change neither reloads the map nor loses clicks.
    """
    import folium

    cat = catalog()
    m = mapview.new_map()
    mapview.add_basemap(m, basemap, tianditu_key=tianditu_key)
    results_layer = folium.FeatureGroup(name="results")
    if raster_id in ("score", "excl"):
        pixels = pixel_index(controls.prepare_key(result.scenario), prep.parcels)
        if raster_id == "score":
            overlay = mapview.values_overlay(pixels, result.parcels["score"].to_numpy(),
                                             cmap=mapview.SCORE_CMAP, vmin=0, vmax=100,
                                             hide_zero=True)
        else:
            overlay = mapview.values_overlay(pixels, result.parcels["excl_frac"].to_numpy(),
                                             cmap="Greys", vmin=0, vmax=1)
        mapview.add_overlay(results_layer, overlay, name=t(f"{raster_id}_layer", lang),
                            opacity=opacity)
    elif raster_id:
        mapview.add_overlay(m, raster_overlay(raster_id), name=cat[raster_id].name(lang),
                            opacity=opacity)
    for vid in vector_ids:
        geojson, kind = vector_layer(vid)
        fields = mapview.VECTOR_DISPLAY.get(vid, (0.0, ()))[1]
        mapview.add_vector(m, geojson, name=cat[vid].name(lang), geometry_kind=kind,
                           color=cat[vid].display.get("color", "#333"), tooltip_fields=fields,
                           fill_opacity=0.0 if cat[vid].role == "context" else
                           mapview.POLYGON_FILL_OPACITY)
    if st.session_state.get("show_shortlist", True):
        geometries = parcel_geometries(controls.prepare_key(result.scenario), prep.parcels)
        mapview.add_shortlist(results_layer,
                              results.shortlist_geojson(result.shortlist, geometries),
                              name=t("show_shortlist", lang))
    if st.session_state.get("show_bases", True):
        mapview.add_bases(results_layer, results.bases_geojson(result.bases, lang),
                          name=t("show_bases", lang))
    remote = mapview.remote_assets(m) + mapview.remote_assets(results_layer)
    if remote:
        raise SitingError(f"map would load remote assets {remote}; refusing (offline app)")
    state = st_folium(m, height=MAP_HEIGHT_PX, use_container_width=True,
                      feature_group_to_add=results_layer,
                      returned_objects=["last_clicked", "last_object_clicked"], key="map")
    return latest_click(state or {})


def latest_click(state: dict):
    """The most recent click: on the bare map or on a feature (whichever changed)."""
    previous = st.session_state.get("map_clicks", {})
    for name in ("last_object_clicked", "last_clicked"):
        if state.get(name) and state.get(name) != previous.get(name):
            st.session_state["clicked_point"] = state[name]
    st.session_state["map_clicks"] = {k: state.get(k) for k in
                                      ("last_object_clicked", "last_clicked")}
    return st.session_state.get("clicked_point")


def draw_layers_only(raster_id, vector_ids, opacity, basemap, tianditu_key, lang):
    """The map with bundled layers only (shown while results are computed)."""
    cat = catalog()
    m = mapview.new_map()
    mapview.add_basemap(m, basemap, tianditu_key=tianditu_key)
    if raster_id in cat:
        mapview.add_overlay(m, raster_overlay(raster_id), name=cat[raster_id].name(lang),
                            opacity=opacity)
    elif raster_id:
        mapview.add_overlay(m, raster_overlay("wind_speed_100m"),
                            name=cat["wind_speed_100m"].name(lang), opacity=opacity)
    for vid in vector_ids:
        geojson, kind = vector_layer(vid)
        fields = mapview.VECTOR_DISPLAY.get(vid, (0.0, ()))[1]
        mapview.add_vector(m, geojson, name=cat[vid].name(lang), geometry_kind=kind,
                           color=cat[vid].display.get("color", "#333"), tooltip_fields=fields,
                           fill_opacity=0.0 if cat[vid].role == "context" else
                           mapview.POLYGON_FILL_OPACITY)
    st_folium(m, height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[],
              key="map_first")


def legend(raster_id, vector_ids, lang: str):
    """Legend: colour bar of the raster, swatches of the vectors, synthetic marked."""
    cat = catalog()
    rows = []
    if raster_id in ("score", "excl"):
        lo, hi, cmap = (0, 100, mapview.SCORE_CMAP) if raster_id == "score" else (0, 1, "Greys")
        rows.append(f"<b>{t(f'{raster_id}_layer', lang)}</b>"
                    f"<div style='display:flex;align-items:center;gap:6px'>{lo}"
                    f"<div style='width:220px;height:12px;background:"
                    f"{mapview.cmap_gradient_css(cmap)}'></div>{hi}</div>")
    elif raster_id == "landcover":
        swatches = "".join(
            f"<span style='display:inline-block;margin-right:8px'><span style='display:"
            f"inline-block;width:12px;height:12px;background:{c};border:1px solid #888'>"
            f"</span> {zh if lang == 'zh' else en}</span>"
            for zh, en, c in mapview.IGBP_CLASSES.values())
        rows.append(f"<b>{cat[raster_id].name(lang)}</b> ({badge(cat[raster_id], lang)})"
                    f"<br>{swatches}")
    elif raster_id:
        info = cat[raster_id]
        _, vmin, vmax = mapview.RASTER_STYLES[raster_id]
        rows.append(
            f"<b>{info.name(lang)}</b> ({badge(info, lang)}, {html.escape(info.units)})"
            f"<div style='display:flex;align-items:center;gap:6px'>{vmin:g}"
            f"<div style='width:220px;height:12px;background:"
            f"{mapview.legend_gradient_css(raster_id)}'></div>{vmax:g}</div>")
    if st.session_state.get("show_shortlist", True):
        classes = " ".join(f"<span style='display:inline-block;width:14px;height:10px;"
                           f"background:{c}'></span> ≥{lo}" for lo, c in mapview.SCORE_CLASSES)
        rows.append(f"{t('show_shortlist', lang)}: {classes}")
    if st.session_state.get("show_bases", True):
        rows.append(f"<span style='display:inline-block;width:14px;height:10px;"
                    f"border:2px solid #0b3d91'></span> {t('show_bases', lang)}")
    for vid in vector_ids:
        info = cat[vid]
        mark = " ⚠️" if info.is_synthetic else ""
        rows.append(f"<span style='display:inline-block;width:14px;height:10px;"
                    f"background:{info.display.get('color', '#333')};opacity:.7'></span> "
                    f"{info.name(lang)} <i>({badge(info, lang)}{mark})</i>")
    st.markdown(f"**{t('legend', lang)}**<br>" + "<br>".join(rows), unsafe_allow_html=True)


# --- results ---------------------------------------------------------------------------

def metrics(result, lang: str):
    """Headline numbers of the run."""
    s = result.summary
    cols = st.columns(5)
    cols[0].metric(t("m_capacity", lang), f"{s['capacity_gw']:.1f} GW")
    cols[1].metric(t("m_energy", lang), f"{s['energy_twh']:.1f} TWh/yr")
    cols[2].metric(t("m_bases", lang), f"{s['n_bases']}")
    cols[3].metric(t("m_share", lang), f"{s['share_of_target']:.0%}",
                   help=f"{t('target', lang)}: {s['target_gw']:g} GW")
    cols[4].metric(t("m_parcels", lang), f"{s['n_shortlist']:,}")
    if not result.weights.consistent:
        st.warning(f"{t('warning_weights', lang)}: CR = {result.weights.consistency_ratio:.3f}")


def details(result, clicked, lang: str):
    """Everything about the clicked parcel (and its base)."""
    st.subheader(t("details", lang))
    if not clicked:
        st.caption(t("click_hint", lang))
        return
    row = results.parcel_at(result.parcels, clicked["lng"], clicked["lat"])
    if row is None:
        st.info(f"{t('no_parcel', lang)} ({clicked['lng']:.3f}°E, {clicked['lat']:.3f}°N)")
        return
    status = t("in_shortlist", lang) if row.name in result.shortlist.index else \
        t("not_in_shortlist", lang)
    st.markdown(f"**{row['parcel_id']}** · {row['league']} {row['banner']} · "
                f"{t('score_layer', lang)} **{row['score']:.1f}** · {status}")
    if row["why"]:
        st.markdown(f"{t('why', lang)}: {html.escape(str(row['why']))}")
    solar_labels = SOLAR_CLASS_LABELS_ZH if lang == "zh" else SOLAR_CLASS_LABELS_EN
    note = WIND_CLASS_NOTE_ZH if lang == "zh" else WIND_CLASS_NOTE_EN
    st.markdown(f"{t('wind_class', lang)}: **{int(row['wind_cls'])}** "
                f"({row['wpd50']:.0f} W/m²; {note})  \n"
                f"{t('solar_class', lang)}: **{row['solar_cls']}** "
                f"{solar_labels.get(row['solar_cls'], '')}")
    st.dataframe(results.parcel_detail_table(row, lang), hide_index=True,
                 width="stretch")
    if row["base_id"]:
        base = result.bases[result.bases["base_id"] == row["base_id"]]
        st.dataframe(results.bases_table(base, lang), hide_index=True, width="stretch")


def tables(result, lang: str):
    """Shortlist, bases and the per-league chart."""
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("bases_table", lang))
        st.dataframe(results.bases_table(result.bases, lang), hide_index=True,
                     width="stretch", key="bases_df")
        st.subheader(t("shortlist_table", lang))
        st.dataframe(results.shortlist_table(result.shortlist, lang), hide_index=True,
                     width="stretch", height=360, key="shortlist_df")
    with right:
        st.subheader(t("league_chart", lang))
        s = result.summary
        st.progress(min(s["share_of_target"], 1.0),
                    text=f"{t('total_vs_target', lang)}: {s['capacity_gw']:.1f} / "
                         f"{s['target_gw']:g} GW ({s['share_of_target']:.0%})")
        st.altair_chart(results.league_chart(result.leagues, lang), width="stretch")
        st.dataframe(results.league_table(result.leagues, lang), hide_index=True,
                     width="stretch")


#: Download formats: data exports and briefing snapshots.
EXPORT_FORMATS = ("gpkg", "shp", "geojson", "csv", "kmz")
SNAPSHOT_FORMATS = ("png", "pdf", "pptx")
EXPORT_CRS_CHOICES = ("EPSG:4490", "auto-gk", "EPSG:4326")


def downloads_panel(result, lang: str):
    """Prepare one export or briefing for the current scenario, then download it."""
    from siting import briefing, export

    st.caption(t("dl_note", lang))
    cols = st.columns(3)
    fmt = cols[0].selectbox(t("dl_format", lang), EXPORT_FORMATS + SNAPSHOT_FORMATS,
                            key="dl_format", format_func=str.upper)
    crs = cols[1].selectbox(t("dl_crs", lang), EXPORT_CRS_CHOICES, key="dl_crs")
    encoding = cols[2].selectbox(t("dl_encoding", lang), ("utf-8", "gbk"), key="dl_encoding")
    units = st.session_state.get("w_units", "gw")
    wanted = (fmt, crs, encoding, sc.dumps(result.scenario), units, lang)
    if st.button(t("dl_make", lang), key="dl_make"):
        with st.spinner("…"):
            if fmt in SNAPSHOT_FORMATS:
                mime = {"png": "image/png", "pdf": "application/pdf",
                        "pptx": "application/vnd.openxmlformats-officedocument."
                                "presentationml.presentation"}[fmt]
                payload = (f"briefing.{fmt}", briefing.render(result, fmt, units=units), mime)
            else:
                payload = export.to_bytes(result, fmt, crs=crs, encoding=encoding,
                                          units=units, header=lang)
        st.session_state["download"] = (wanted, payload)
    ready = st.session_state.get("download")
    if ready and ready[0] == wanted:
        name, data, mime = ready[1]
        st.download_button(f"{t('dl_get', lang)} {name} ({len(data) / 1e6:.1f} MB)", data,
                           file_name=name, mime=mime, key="dl_get")


def _use_import(summary_dict: dict):
    """Point the scenario at an imported layer (callback: runs before the widgets)."""
    from layers.bundle import RUN_RASTERS, RUN_VECTORS

    base = st.session_state["scenario_base"]
    role, path = summary_dict["role"], summary_dict["path"]
    if role == "parcels":
        base["parcels_file"] = path
    elif role in RUN_RASTERS + RUN_VECTORS:
        base.setdefault("layers", {})[role] = path
    else:
        st.session_state["import_message"] = ("unused", role)
        return
    st.session_state["import_message"] = ("used", role)


def import_panel(lang: str):
    """Upload a file, check and store it in the workspace, use it in the scenario."""
    from layers import importer

    cols = st.columns(3)
    role = cols[0].selectbox(t("import_role", lang), list(importer.IMPORT_ROLES),
                             key="imp_role", format_func=lambda r: role_label(r, lang))
    crs = cols[1].text_input(t("import_crs", lang), key="imp_crs").strip() or None
    encoding = cols[2].selectbox(t("import_encoding", lang), ("auto", "utf-8", "gbk"),
                                 key="imp_encoding")
    uploads = st.file_uploader(t("import_files", lang), accept_multiple_files=True,
                               key="imp_files")
    if st.button(t("import_go", lang), key="imp_go", disabled=not uploads):
        files = {u.name: u.getvalue() for u in uploads}
        try:
            summary = importer.import_upload(
                files, role, crs=crs, encoding=None if encoding == "auto" else encoding)
            st.session_state["imported"] = summary.to_dict()
        except SitingError as exc:
            st.session_state.pop("imported", None)
            st.error(as_markdown(error_text(exc, lang)))
    imported = st.session_state.get("imported")
    if imported:
        st.success(f"{t('import_ok', lang)}: {html.escape(imported['source'])} → "
                   f"{imported['id']}")
        st.dataframe(import_summary_frame(imported, lang), hide_index=True, width="stretch")
        st.button(t("import_use", lang), key="imp_use", on_click=_use_import, args=(imported,))
    message = st.session_state.pop("import_message", None)
    if message:
        kind, role = message
        (st.info if kind == "used" else st.warning)(
            t("import_used" if kind == "used" else "import_unused", lang) + role_name(role, lang))


def _library_load(name: str):
    from siting import library

    try:
        _load_scenario(library.load(name))
    except SitingError as exc:
        st.session_state["library_message"] = error_text(exc, _lang())


def library_panel(scenario, result, lang: str):
    """Save, load, duplicate, delete and compare scenarios in the workspace library."""
    from siting import library

    cols = st.columns([2, 3, 1])
    name = cols[0].text_input(t("lib_name", lang), value=scenario.name, key="lib_name")
    note = cols[1].text_input(t("lib_note", lang), key="lib_note")
    if cols[2].button(t("lib_save", lang), key="lib_save"):
        library.save(scenario, name, note=note, overwrite=True)
        st.success(f"{t('lib_saved', lang)}: {name}")
    message = st.session_state.pop("library_message", None)
    if message:
        st.error(as_markdown(message))
    entries = library.list_scenarios()
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
        library.duplicate(pick, f"{pick} copy", overwrite=True)
        st.rerun()
    if c3.button(t("lib_delete", lang), key="lib_delete"):
        library.delete(pick)
        st.rerun()

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
            chosen = scenario if choice == current else library.load(choice)
            runs.append(result if choice == current else pipeline.evaluate(
                prepared(controls.prepare_key(chosen), chosen, lang), chosen, lang=lang))
        diff = library.compare(*runs)
        m1, m2, m3 = st.columns(3)
        m1.metric("A GW", f"{diff.gw_a:.1f}")
        m2.metric("B GW", f"{diff.gw_b:.1f}", delta=f"{diff.gw_b - diff.gw_a:+.1f}")
        m3.metric(t("entered", lang) + " / " + t("left", lang),
                  f"{len(diff.parcels_entered)} / {len(diff.parcels_left)}")
        st.dataframe(results.comparison_table(diff, lang), hide_index=True, width="stretch")


def about(lang: str):
    """About panel: every layer's provenance and the boundary disclaimer."""
    st.warning(t("disclaimer", lang))
    for info in catalog().values():
        p = {k: as_markdown(v) for k, v in info.provenance_in(lang).items()}
        st.markdown(
            f"**{info.name(lang)}** `{info.id}` — {badge(info, lang)}  \n"
            f"{t('source', lang)}: {p['source']}  \n"
            f"{t('licence', lang)}: {p['licence']}  \n"
            f"{t('method', lang)}: {p['method']}")


def main():
    st.set_page_config(page_title="内蒙古新能源基地选址", page_icon="🌬️", layout="wide")
    lang = st.sidebar.radio(t("language"), ["zh", "en"], horizontal=True, key="lang",
                            format_func=lambda code: {"zh": "中文", "en": "English"}[code])
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    leaflet_ready()
    _init_state()
    scenario = scenario_sidebar(lang)
    raster_id, vector_ids, opacity, basemap, tianditu_key = map_controls(lang)
    key = controls.prepare_key(scenario)
    metrics_slot = st.container()
    map_col, detail_col = st.columns([3, 1])
    if key not in prepared_store():
        # first view while the parcel features compute: the layers, no results yet
        with map_col:
            first = st.empty()
            with first.container():
                draw_layers_only(raster_id, vector_ids, opacity, basemap, tianditu_key, lang)
            prepared(key, scenario, lang)
        first.empty()
    prep = prepared(key, scenario, lang)
    result = pipeline.evaluate(prep, scenario, lang=lang, provenance=inputs().provenance,
                               memo=memo(key))
    with metrics_slot:
        metrics(result, lang)
    with map_col:
        clicked = draw_map(result, prep, raster_id, vector_ids, opacity, basemap,
                           tianditu_key, lang)
        st.caption(t("map_offline_note", lang) if basemap == "none" else "")
        legend(raster_id, vector_ids, lang)
    with detail_col:
        details(result, clicked, lang)
    tables(result, lang)
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
except SitingError as exc:
    st.error(as_markdown(error_text(exc, _lang())))
except Exception as exc:  # last resort: a clean message, the traceback goes to the log
    log.exception("unexpected error in the app")
    st.error(as_markdown(error_text(exc, _lang())))
