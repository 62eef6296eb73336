"""内蒙古新能源基地选址 — the planners' Streamlit app.

Widgets wired to engine calls, nothing else: loading and the slow parcel
features are cached; re-scoring after a weight or filter change touches only
the parcel table; map and table shaping live in ``ui/``, the domain in ``siting/``.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import streamlit as st
from streamlit_folium import st_folium

from layers.catalog import load_catalog
from layers.io import read_raster
from siting import colours, connection, pipeline, prepared_cache, units
from siting import scenario as sc
from siting.bases import LAND_TYPES
from siting.criteria import (
    SOLAR_CLASS_LABELS_EN,
    SOLAR_CLASS_LABELS_ZH,
    WIND_CLASS_NOTE_EN,
    WIND_CLASS_NOTE_ZH,
)
from siting.errors import SitingError
from siting.inputs import check_scenario_paths, inputs_key, load_run_inputs, prepare_key
from siting.shortlist import TARGET_2030_GW, TARGET_2030_RAISED_GW, map_subset
from ui import controls, mapview, results, weights_view
from ui import supply as supply_view
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
from ui.synthetic_banner import synthetic_banner

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


#: How many sets of run inputs (bundled layers + one set of user files) stay in memory.
INPUTS_KEEP = 4


@st.cache_resource(show_spinner=False, max_entries=INPUTS_KEEP)
def _run_inputs(key: str, _scenario):
    return load_run_inputs(_scenario)


def run_inputs(scenario):
    """The inputs of ``scenario``'s run, from the one run path (``siting.inputs``):
    bundled layers with the scenario's own files in place, checked as ``import`` does."""
    return _run_inputs(inputs_key(scenario), scenario)


@st.cache_resource(show_spinner=False, max_entries=INPUTS_KEEP)
def _connection_points(key: str, _inputs, _scenario):
    return pipeline.connection_points(_inputs, _scenario)


def connection_points(scenario):
    """Grid connection points of the scenario's run (its substations and grid settings)."""
    key = inputs_key(scenario) + sc.dumps(sc.Scenario(grid=scenario.grid))
    return _connection_points(key, run_inputs(scenario), scenario)


@st.cache_resource(show_spinner=False)
def corridors() -> list[dict]:
    """The UHV export corridors (data/uhv_corridors.yaml), read once."""
    return connection.read_corridors()


def bundled_inputs():
    """The bundled layers alone (the league list, the first view)."""
    return _run_inputs(inputs_key(sc.Scenario()), sc.Scenario())


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
            store[key] = prepared_cache.prepare(
                run_inputs(scenario), scenario,
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


@st.cache_data(show_spinner=False, max_entries=32)
def raster_overlay(layer_id: str, path: str) -> mapview.Overlay:
    """The PNG overlay of a raster layer: bundled, or the user's file that replaces it."""
    return mapview.raster_overlay(read_raster(path), layer_id=layer_id)


@st.cache_data(show_spinner=False, max_entries=64)
def vector_layer(layer_id: str, key: str, _inputs) -> tuple[dict, str]:
    """GeoJSON and geometry kind of a vector layer of the run inputs ``key``."""
    gdf = _inputs.vectors[layer_id]
    simplify_deg, fields = mapview.VECTOR_DISPLAY.get(layer_id, (0.0, ()))
    return (mapview.vector_geojson(gdf, simplify_deg=simplify_deg, columns=fields),
            mapview.geometry_kind(gdf))


# --- scenario sidebar ----------------------------------------------------------------

#: Widgets outside the scenario whose option labels are translated: their
#: values (codes) are written back on a language change so they keep the choice.
TRANSLATED_WIDGETS = ("w_preset", "raster_layer", "basemap", "cmp_a", "cmp_b", "w_units",
                      "imp_role", "imp_encoding")


def display_units() -> str:
    """The display units the user chose: 'gw' (GW, TWh) or 'wan' (万千瓦, 亿千瓦时)."""
    return st.session_state.get("w_units", "gw")


def _init_state():
    if "scenario_base" not in st.session_state:
        st.session_state["scenario_base"] = sc.Scenario().model_dump(mode="json")


def _sync_widgets(lang: str):
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


def _load_scenario(scenario: sc.Scenario):
    data = scenario.model_dump(mode="json")
    st.session_state["scenario_base"] = data
    st.session_state.update(controls.widget_values(data))
    for i, j in controls.criteria_pairs(len(sc.CRITERIA)):  # re-seeded from the matrix
        st.session_state.pop(controls.pair_key(i, j), None)


def _apply_preset():
    _load_scenario(sc.preset(st.session_state["w_preset"]))


def _set_target(value: float):
    st.session_state["w_target"] = float(value)


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


def _slider(parent, label: str, key: str, **kwargs):
    """A slider whose range and step come from the scenario model."""
    rng = controls.field_range(controls.WIDGET_PATHS[key])
    return parent.slider(label, key=key, **rng.kwargs(), **kwargs)


def _number(parent, label: str, key: str, **kwargs):
    """A number input whose range and step come from the scenario model."""
    rng = controls.field_range(controls.WIDGET_PATHS[key])
    return parent.number_input(label, key=key, **rng.kwargs(), **kwargs)


def scenario_sidebar(lang: str, lang_changed: bool) -> sc.Scenario:
    """All scenario widgets (and the AHP editor in the main area); returns the scenario."""
    sb = st.sidebar
    path = controls.WIDGET_PATHS
    sb.subheader(t("scenario", lang))
    sb.selectbox(t("preset", lang), list(sc.PRESETS), key="w_preset",
                 format_func=lambda p: t(f"preset_{p}", lang))
    sb.button(t("apply_preset", lang), on_click=_apply_preset, key="w_apply_preset")
    sb.radio(t("tech", lang), controls.field_options(path["w_tech"]), key="w_tech",
             horizontal=True, format_func=lambda v: t(f"tech_{v}", lang))

    with sb.expander(t("exclusions", lang)):
        for flag, buf, label in (("w_ex_redline", "w_ex_redline_buf", "ex_redline"),
                                 ("w_ex_water", "w_ex_water_buf", "ex_water"),
                                 ("w_ex_urban", "w_ex_urban_buf", "ex_urban")):
            st.checkbox(t(label, lang), key=flag)
            _slider(st, f"{t(label, lang)} · {t('buffer_km', lang)}", buf,
                    disabled=not st.session_state[flag])
        st.checkbox(t("ex_forest", lang), key="w_ex_forest")
        st.checkbox(t("ex_crop_pv", lang), key="w_ex_crop_pv")
        st.checkbox(t("ex_crop_wind", lang), key="w_ex_crop_wind")
        st.checkbox(t("ex_settle", lang), key="w_ex_settle")
        _slider(st, t("settle_wind_km", lang), "w_ex_settle_wind")
        _slider(st, t("settle_pv_km", lang), "w_ex_settle_pv")
        _slider(st, t("slope_wind", lang), "w_ex_slope_wind")
        _slider(st, t("slope_pv", lang), "w_ex_slope_pv")
        st.caption(t("slope_note", lang))
        _slider(st, t("border_strip", lang), "w_ex_border")

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

    data = controls.apply_widgets(st.session_state["scenario_base"], st.session_state)
    if ahp_mode:
        weights_view.seed_pairs(data, from_direct=previous_mode == "direct",
                                force=lang_changed)
        data["weights"]["ahp_matrix"] = weights_view.ahp_editor(lang)
    scenario = sc.from_dict(data, source="(sidebar)")
    # a pasted or uploaded scenario may name files only under the user's workspace
    check_scenario_paths(scenario)
    st.session_state["scenario_base"] = scenario.model_dump(mode="json")
    save_load_panel(scenario, lang)
    return scenario


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

@dataclass(frozen=True)
class MapChoice:
    """What the map shows, as chosen in the sidebar."""

    raster_id: str | None
    vector_ids: tuple[str, ...]
    opacity: float
    fill_opacity: float
    basemap: str
    tianditu_key: str


def map_controls(lang: str) -> MapChoice:
    """Map layer choices."""
    cat = catalog()
    with st.sidebar.expander(t("map_layers", lang), expanded=False):
        rasters = ["score", "excl"] + [i.id for i in cat.values() if i.kind == "raster"]
        names = {"score": t("score_layer", lang), "excl": t("excl_layer", lang),
                 **{i.id: f"{i.name(lang)}（{badge(i, lang)}）" for i in cat.values()}}
        st.session_state.setdefault("raster_layer", DEFAULT_RASTER)
        raster_id = st.selectbox(t("raster_layer", lang), [None] + rasters, key="raster_layer",
                                 format_func=lambda i: "—" if i is None else names[i])
        opacity = st.slider(t("opacity", lang), 0.0, 1.0, 0.7, 0.05, key="opacity")
        fill_opacity = st.slider(t("vector_opacity", lang), 0.0, 1.0,
                                 mapview.POLYGON_FILL_OPACITY, 0.05, key="vector_opacity")
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
        st.caption(t("layer_control_note", lang))
    return MapChoice(raster_id, tuple(vectors), opacity, fill_opacity, basemap, key)


def badge(info, lang: str) -> str:
    """Provenance badge of a layer, e.g. '合成数据'."""
    return t(info.provenance.get("type", "real"), lang)


def _add_vectors(m, choice: MapChoice, layers, lang: str):
    """The chosen vector layers of the run inputs ``layers`` = (key, Inputs): the user's
    file where the scenario replaces a bundled layer (each one entry in the layer control)."""
    cat = catalog()
    for vid in choice.vector_ids:
        geojson, kind = vector_layer(vid, *layers)
        fields = mapview.VECTOR_DISPLAY.get(vid, (0.0, ()))[1]
        mapview.add_vector(m, geojson, name=cat[vid].name(lang), geometry_kind=kind,
                           color=cat[vid].display.get("color", "#333"), tooltip_fields=fields,
                           fill_opacity=0.0 if cat[vid].role == "context" else
                           choice.fill_opacity, outline=mapview.OUTLINE_LAYERS.get(vid))


def _static_map(choice: MapChoice, layers, lang: str):
    """Basemap, raster (if one is chosen) and vectors of the run inputs: what needs no result."""
    cat = catalog()
    m = mapview.new_map()
    mapview.add_basemap(m, choice.basemap, tianditu_key=choice.tianditu_key)
    if choice.raster_id in cat:
        path = layers[1].sources.get(choice.raster_id, str(cat[choice.raster_id].path))
        mapview.add_overlay(m, raster_overlay(choice.raster_id, path),
                            name=cat[choice.raster_id].name(lang), opacity=choice.opacity)
    _add_vectors(m, choice, layers, lang)
    return m


def draw_map(result, prep, choice: MapChoice, layers, lang):
    """Show the map; returns the clicked point or None.

    The base map (basemap and bundled layers) is static; results (score
    overlay, shortlist, bases) are feature groups that streamlit-folium swaps
    in place, so a weight change neither reloads the map nor loses clicks. A
    layer control toggles every overlay.
    """
    import folium

    m = _static_map(choice, layers, lang)
    groups = []
    if choice.raster_id in ("score", "excl"):
        pixels = pixel_index(prepare_key(result.scenario), prep.parcels)
        if choice.raster_id == "score":
            overlay = mapview.score_overlay(pixels, result.parcels["score"].to_numpy())
        else:
            overlay = mapview.values_overlay(pixels, result.parcels["excl_frac"].to_numpy(),
                                             cmap="Greys", vmin=0, vmax=1)
        group = folium.FeatureGroup(name=t(f"{choice.raster_id}_layer", lang))
        mapview.add_overlay(group, overlay, name=t(f"{choice.raster_id}_layer", lang),
                            opacity=choice.opacity)
        groups.append(group)
    if st.session_state.get("show_shortlist", True):
        geometries = parcel_geometries(prepare_key(result.scenario), prep.parcels)
        group = folium.FeatureGroup(name=t("show_shortlist", lang))
        mapview.add_shortlist(group, results.shortlist_geojson(
            map_subset(result.shortlist, result.scenario.shortlist.size), geometries),
                              name=t("show_shortlist", lang), lang=lang)
        groups.append(group)
    if st.session_state.get("show_bases", True):
        group = folium.FeatureGroup(name=t("show_bases", lang))
        mapview.add_bases(group, results.bases_geojson(result.bases, lang),
                          name=t("show_bases", lang), lang=lang)
        mapview.add_base_links(group, result.bases, name=t("show_bases", lang))
        groups.append(group)
    remote = mapview.remote_assets(m) + [u for g in groups for u in mapview.remote_assets(g)]
    if remote:
        raise SitingError(f"map would load remote assets {remote}; refusing (offline app)")
    state = st_folium(m, height=MAP_HEIGHT_PX, use_container_width=True,
                      feature_group_to_add=groups or None,
                      layer_control=folium.LayerControl(collapsed=False),
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


def draw_layers_only(choice: MapChoice, layers, lang):
    """The map with bundled layers only (shown while results are computed)."""
    import folium

    m = _static_map(choice, layers, lang)
    st_folium(m, height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[],
              layer_control=folium.LayerControl(collapsed=False), key="map_first")


def _swatch(css: str) -> str:
    return f"<span style='display:inline-block;width:14px;height:10px;{css}'></span>"


def _bar(lo, hi, gradient: str) -> str:
    return (f"<div style='display:flex;align-items:center;gap:6px'>{lo}"
            f"<div style='width:220px;height:12px;background:{gradient}'></div>{hi}</div>")


def legend(choice: MapChoice, lang: str):
    """Legend of the layers chosen now: colour bar, swatches, synthetic marked.

    Drawn before the slow work so it never shows the previous choice.
    """
    cat = catalog()
    esc = html.escape
    rows = []
    raster_id = choice.raster_id
    if raster_id == "score":
        rows.append(f"<b>{esc(t('score_layer', lang))}</b>"
                    + _bar(0, 100, colours.gradient_css()))
    elif raster_id == "excl":
        rows.append(f"<b>{esc(t('excl_layer', lang))}</b>"
                    + _bar(0, 1, mapview.cmap_gradient_css("Greys")))
    elif raster_id == "landcover":
        swatches = "".join(
            f"<span style='display:inline-block;margin-right:8px'>"
            f"{_swatch(f'background:{c};border:1px solid #888')} "
            f"{esc(zh if lang == 'zh' else en)}</span>"
            for zh, en, c in mapview.IGBP_CLASSES.values())
        rows.append(f"<b>{esc(cat[raster_id].name(lang))}</b> "
                    f"({esc(badge(cat[raster_id], lang))})<br>{swatches}")
    elif raster_id:
        info = cat[raster_id]
        _, vmin, vmax = mapview.RASTER_STYLES[raster_id]
        rows.append(f"<b>{esc(info.name(lang))}</b> ({esc(badge(info, lang))}, "
                    f"{esc(info.units)})" + _bar(f"{vmin:g}", f"{vmax:g}",
                                                 mapview.legend_gradient_css(raster_id)))
    if st.session_state.get("show_shortlist", True):
        rows.append(f"{esc(t('show_shortlist', lang))}: "
                    + _bar(0, 100, colours.gradient_css()))
    if st.session_state.get("show_bases", True):
        rows.append(f"{_swatch('border:2px solid #0b3d91')} {esc(t('show_bases', lang))}")
    for vid in choice.vector_ids:
        info = cat[vid]
        mark = " ⚠️" if info.is_synthetic else ""
        outline = mapview.OUTLINE_LAYERS.get(vid)
        if outline:
            swatch = _swatch(f"border:2px dashed {outline};background:#fff")
            kind = f" · {esc(t('redline_outline', lang))}"
        else:
            swatch = _swatch(f"background:{info.display.get('color', '#333')};opacity:.7")
            kind = ""
        rows.append(f"{swatch} {esc(info.name(lang))}{kind} "
                    f"<i>({esc(badge(info, lang))}{mark})</i>")
    st.markdown(f"**{esc(t('legend', lang))}**<br>" + "<br>".join(rows), unsafe_allow_html=True)


# --- results ---------------------------------------------------------------------------

def metrics(result, lang: str):
    """Headline numbers of the run."""
    s = result.summary
    text = units.summary_texts(s, display_units(), lang=lang)
    cols = st.columns(5)
    cols[0].metric(t("m_capacity", lang), text["capacity"])
    cols[1].metric(t("m_energy", lang), text["energy"])
    cols[2].metric(t("m_bases", lang), f"{s['n_bases']}")
    cols[3].metric(t("m_share", lang), f"{s['share_of_target']:.0%}",
                   help=f"{t('target', lang)}: {text['target']}")
    cols[4].metric(t("m_parcels", lang), f"{s['n_shortlist']:,}")
    shortfall = supply_view.shortfall_note(s, lang)
    if shortfall:
        st.warning(as_markdown(shortfall))
    banner = synthetic_banner(result, lang)
    if banner:
        st.warning(as_markdown(banner), icon="⚠️")
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
    st.markdown(f"**{as_markdown(row['parcel_id'])}** · {as_markdown(row['league'])} "
                f"{as_markdown(row['banner'])} · "
                f"{t('score_layer', lang)} **{row['score']:.1f}** · {status}")
    if row["why"]:
        st.markdown(f"{t('why', lang)}: {as_markdown(str(row['why']))}")
    solar_labels = SOLAR_CLASS_LABELS_ZH if lang == "zh" else SOLAR_CLASS_LABELS_EN
    note = WIND_CLASS_NOTE_ZH if lang == "zh" else WIND_CLASS_NOTE_EN
    classes = []  # the resource class of the technology chosen (both for a hybrid)
    if result.scenario.tech in ("wind", "hybrid"):
        classes.append(f"{t('wind_class', lang)}: **{int(row['wind_cls'])}** "
                       f"({row['wpd50']:.0f} W/m²; {note})")
    if result.scenario.tech in ("solar", "hybrid"):
        classes.append(f"{t('solar_class', lang)}: **{row['solar_cls']}** "
                       f"{solar_labels.get(row['solar_cls'], '')}")
    st.markdown("  \n".join(classes))
    st.dataframe(results.parcel_detail_table(row, lang), hide_index=True,
                 width="stretch")
    st.caption(t("breakdown_title", lang))
    st.dataframe(supply_view.breakdown_table(row, lang), hide_index=True, width="stretch")
    if row["base_id"]:
        base = result.bases[result.bases["base_id"] == row["base_id"]]
        if len(base):
            st.caption(t("base_details", lang))
            st.dataframe(results.base_detail_table(base.iloc[0], lang), hide_index=True,
                         width="stretch")


def other_order(result, prep, key: str, lang: str):
    """The same scenario ranked the other way (score ↔ LCOE), re-scored in memory."""
    other = result.scenario.model_copy(deep=True)
    other.shortlist.rank_by = "lcoe" if other.shortlist.rank_by == "score" else "score"
    cache = st.session_state.setdefault("_other_order", {})
    wanted = (key, sc.dumps(other))
    if wanted not in cache:
        cache.clear()  # one entry: the current scenario's other order
        cache[wanted] = pipeline.evaluate(prep, other, lang=lang, provenance=result.provenance,
                                          memo=memo(key),
                                          connections=connection_points(other)).summary
    return cache[wanted]


def supply_panel(result, prep, key: str, lang: str):
    """Supply curve of the bases, both orders' totals and the policy at a glance."""
    st.subheader(t("supply_title", lang))
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(supply_view.supply_chart(result, lang), width="stretch")
        st.dataframe(supply_view.supply_table(result, lang), hide_index=True, width="stretch",
                     height=240)
    with right:
        st.caption(t("orders_title", lang))
        other = other_order(result, prep, key, lang)
        by_score, by_lcoe = ((result.summary, other) if result.scenario.shortlist.rank_by ==
                             "score" else (other, result.summary))
        st.dataframe(supply_view.orders_table(by_score, by_lcoe, lang), hide_index=True,
                     width="stretch")
        st.caption(t("policy_title", lang))
        st.dataframe(supply_view.policy_table(result.summary, lang), hide_index=True,
                     width="stretch")
    unconnected = result.summary.get("unconnected_gw") or 0.0
    if unconnected > 0:
        st.info(t("unconnected_note", lang).format(
            gw=units.format_power(unconnected, display_units(), lang=lang)))
    st.caption(t("corridor_title", lang))
    st.dataframe(results.corridor_table(connection.corridor_fill(result.bases, corridors()),
                                        lang), hide_index=True, width="stretch")


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
        text = units.summary_texts(s, display_units(), lang=lang)
        st.progress(min(s["share_of_target"], 1.0),
                    text=f"{t('total_vs_target', lang)}: {text['capacity']} / "
                         f"{text['target']} ({s['share_of_target']:.0%})")
        st.altair_chart(results.league_chart(result.leagues, lang), width="stretch")
        st.dataframe(units.league_frame(result.leagues, display_units(), lang=lang,
                                        group_names={g: t(f"group_{g}", lang)
                                                     for g in ("west", "central", "east")}),
                     hide_index=True,
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
    units = display_units()
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
                                 format_func=lambda e: t("encoding_auto", lang) if e == "auto"
                                 else e.upper(),
                                 key="imp_encoding")
    uploads = st.file_uploader(t("import_files", lang), accept_multiple_files=True,
                               key="imp_files")
    if st.button(t("import_go", lang), key="imp_go", disabled=not uploads):
        files = {u.name: u.getvalue() for u in uploads}
        options = dict(crs=crs, encoding=None if encoding == "auto" else encoding,
                       limits=importer.default_limits(importer.APP_MAX_UPLOAD_MB))
        try:
            summary = importer.import_upload(files, role, **options)
            st.session_state["imported"] = summary.to_dict()
        except importer.LayerExistsError:
            # the layer stays as it is until the user says to replace it
            st.session_state["import_replace"] = (role, options)
            st.session_state.pop("imported", None)
        except SitingError as exc:
            st.session_state.pop("imported", None)
            st.error(as_markdown(error_text(exc, lang)))
    pending = st.session_state.get("import_replace")
    if pending and uploads:
        st.warning(t("import_exists", lang) + role_name(pending[0], lang))
        if st.button(t("import_replace", lang), key="imp_replace"):
            files = {u.name: u.getvalue() for u in uploads}
            try:
                summary = importer.import_upload(files, pending[0], replace=True, **pending[1])
                st.session_state["imported"] = summary.to_dict()
            except SitingError as exc:
                st.error(as_markdown(error_text(exc, lang)))
            st.session_state.pop("import_replace", None)
    imported = st.session_state.get("imported")
    if imported:
        st.success(f"{t('import_ok', lang)}: {as_markdown(imported['source'])} → "
                   f"{as_markdown(imported['id'])}")
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
        try:
            library.save(scenario, name, note=note, overwrite=True)
            st.success(f"{t('lib_saved', lang)}: {as_markdown(name)}")
        except SitingError as exc:
            st.error(as_markdown(error_text(exc, lang)))
    message = st.session_state.pop("library_message", None)
    if message:
        st.error(as_markdown(message))
    everything = library.list_scenarios()
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
        library.duplicate(pick, copy)
        st.session_state["library_copied"] = copy
        st.rerun()
    copied = st.session_state.pop("library_copied", None)
    if copied:
        st.success(f"{t('lib_copied', lang)}: {as_markdown(copied)}")
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
                prepared(prepare_key(chosen), chosen, lang), chosen, lang=lang,
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
    units_slot = st.sidebar.container()
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    leaflet_ready()
    _init_state()
    lang_changed = _sync_widgets(lang)
    units_slot.radio(t("units_choice", lang), ("gw", "wan"), key="w_units", horizontal=True,
                     format_func=lambda u: t(f"units_{u}", lang))
    scenario = scenario_sidebar(lang, lang_changed)
    choice = map_controls(lang)
    key = prepare_key(scenario)
    layers = (inputs_key(scenario), run_inputs(scenario))
    metrics_slot = st.container()
    map_col, detail_col = st.columns([3, 1])
    with map_col:
        map_slot = st.empty()
        caption_slot = st.empty()
        with st.empty():  # the legend of the current choice, before any slow work
            legend(choice, lang)
    if key not in prepared_store():
        # first view while the parcel features compute: the layers, no results yet
        with map_slot.container():
            draw_layers_only(choice, layers, lang)
        with map_col:
            prepared(key, scenario, lang)
    prep = prepared(key, scenario, lang)
    result = pipeline.evaluate(prep, scenario, lang=lang,
                               provenance=layers[1].provenance,
                               memo=memo(key), connections=connection_points(scenario))
    with metrics_slot:
        metrics(result, lang)
    with map_slot.container():
        clicked = draw_map(result, prep, choice, layers, lang)
    caption_slot.caption(t("map_offline_note", lang) if choice.basemap == "none" else "")
    with detail_col:
        details(result, clicked, lang)
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
except SitingError as exc:
    st.error(as_markdown(error_text(exc, _lang())))
except Exception as exc:  # last resort: a clean message, the traceback goes to the log
    log.exception("unexpected error in the app")
    st.error(as_markdown(error_text(exc, _lang())))
