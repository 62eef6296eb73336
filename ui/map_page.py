"""The map area: layer choices, the Folium map (static layers and result groups),
the latest click, the legend, and the details of the clicked parcel.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import streamlit as st
from streamlit_folium import st_folium

from siting import colours, labels
from siting.criteria import (
    SOLAR_CLASS_LABELS_EN,
    SOLAR_CLASS_LABELS_ZH,
    WIND_CLASS_NOTE_EN,
    WIND_CLASS_NOTE_ZH,
)
from siting.errors import SitingError
from siting.inputs import prepared_cache
from siting.shortlist import map_subset
from siting.tech import builds_pv, builds_wind
from ui import mapview, results
from ui import supply as supply_view
from ui.cache import catalog, parcel_geometries, pixel_index, raster_overlay, vector_layer
from ui.i18n import as_markdown, error_text, t
from ui.user_errors import USER_ERRORS

#: Layers shown when the page first opens.
DEFAULT_RASTER = "score"
DEFAULT_VECTORS = ("leagues", "border")
MAP_HEIGHT_PX = 640

log = logging.getLogger("siting.app")


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


@st.fragment
def map_area(result, prep, choice: MapChoice, layers, lang: str):
    """The map, its caption and legend, and the details of the clicked parcel.

    A fragment: a click on the map reruns only this part (the evaluated ``result``
    and the prepared table ``prep`` of the last full run), not the metrics,
    tables and supply panel; any other widget reruns the whole page as before.
    """
    try:
        map_col, detail_col = st.columns([3, 1])
        with map_col:
            clicked = draw_map(result, prep, choice, layers, lang)
            st.caption(t("map_offline_note", lang) if choice.basemap == "none" else "")
            legend(choice, lang)
        with detail_col:
            details(result, prep, clicked, lang)
    except Exception as exc:
        if not _fragment_rerun():
            raise  # a full run: app.py shows it and stops the page, as before
        if not isinstance(exc, USER_ERRORS):
            log.exception("unexpected error in the map")
        st.error(as_markdown(error_text(exc, lang)))


def _fragment_rerun() -> bool:
    """Whether this run reruns only a fragment (a map click), not the whole page."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def _per_result(name: str, result, extra, build):
    """``build()`` once per evaluated ``result`` (and ``extra``) in this session: a map
    click or a layer toggle reuses it (the result object itself is the key)."""
    kept = st.session_state.get(name)
    if kept is not None and kept[0] is result and kept[1] == extra:
        return kept[2]
    value = build()
    st.session_state[name] = (result, extra, value)
    return value


def _result_map(result, prep, choice: MapChoice, layers, lang: str, show_shortlist: bool,
                show_bases: bool):
    """The static map and the result feature groups (score overlay, shortlist, bases)."""
    import folium

    m = _static_map(choice, layers, lang)
    groups = []
    if choice.raster_id in ("score", "excl"):
        pixels = pixel_index(geometry_key(prep), prep.parcels)
        if choice.raster_id == "score":
            overlay = mapview.score_overlay(pixels, result.parcels["score"].to_numpy())
        else:
            overlay = mapview.values_overlay(pixels, result.parcels["excl_frac"].to_numpy(),
                                             cmap="Greys", vmin=0, vmax=1)
        group = folium.FeatureGroup(name=t(f"{choice.raster_id}_layer", lang))
        mapview.add_overlay(group, overlay, name=t(f"{choice.raster_id}_layer", lang),
                            opacity=choice.opacity)
        groups.append(group)
    if show_shortlist:
        geojson = _per_result("_map_shortlist", result, geometry_key(prep),
                              lambda: results.shortlist_geojson(
                                  map_subset(result.shortlist, result.scenario.shortlist.size),
                                  parcel_geometries(geometry_key(prep), prep.parcels)))
        group = folium.FeatureGroup(name=t("show_shortlist", lang))
        mapview.add_shortlist(group, geojson, name=t("show_shortlist", lang), lang=lang)
        groups.append(group)
    if show_bases:
        geojson = _per_result("_map_bases", result, lang,
                              lambda: results.bases_geojson(result.bases, lang))
        group = folium.FeatureGroup(name=t("show_bases", lang))
        mapview.add_bases(group, geojson, name=t("show_bases", lang), lang=lang)
        mapview.add_base_links(group, result.bases, name=t("show_bases", lang))
        groups.append(group)
    remote = mapview.remote_assets(m) + [u for g in groups for u in mapview.remote_assets(g)]
    if remote:
        raise SitingError(f"map would load remote assets {remote}; refusing (offline app)")
    return m, groups


def draw_map(result, prep, choice: MapChoice, layers, lang):
    """Show the map; returns the clicked point or None.

    The base map (basemap and bundled layers) is static; results (score
    overlay, shortlist, bases) are feature groups that streamlit-folium swaps
    in place, so a weight change neither reloads the map nor loses clicks. A
    layer control toggles every overlay. The rendered map is kept for the
    session per result and choice: a click (or any rerun that changes neither)
    sends the same map without building or rendering it again.
    """
    import folium

    show_shortlist = bool(st.session_state.get("show_shortlist", True))
    show_bases = bool(st.session_state.get("show_bases", True))
    wanted = (choice, layers[0], lang, geometry_key(prep), show_shortlist, show_bases)
    options = dict(height=MAP_HEIGHT_PX, use_container_width=True,
                   returned_objects=["last_clicked", "last_object_clicked"], key="map")
    if not mapview.can_keep_rendered_map():
        m, groups = _result_map(result, prep, choice, layers, lang, show_shortlist, show_bases)
        state = st_folium(m, feature_group_to_add=groups or None,
                          layer_control=folium.LayerControl(collapsed=False), **options)
        return latest_click(state or {})
    args = _per_result("_map_rendered", result, wanted, lambda: mapview.rendered_map(
        *_result_map(result, prep, choice, layers, lang, show_shortlist, show_bases),
        layer_control=folium.LayerControl(collapsed=False), **options))
    state = mapview.show_rendered_map(args, key="map")
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


def geometry_key(prep) -> str:
    """The key of the parcels' geometry: the same across exclusion changes, so the
    map pieces built from it are reused (``siting.inputs.prepared_cache.GEOMETRY_ATTR``)."""
    return prep.parcels.attrs.get(prepared_cache.GEOMETRY_ATTR) or str(id(prep.parcels))


def details(result, prep, clicked, lang: str):
    """Everything about the clicked parcel (and its base)."""
    st.subheader(t("details", lang))
    if not clicked:
        st.caption(t("click_hint", lang))
        return
    row = results.parcel_at(result.parcels, clicked["lng"], clicked["lat"], lookup=prep.parcels)
    if row is None:
        st.info(f"{t('no_parcel', lang)} ({clicked['lng']:.3f}°E, {clicked['lat']:.3f}°N)")
        return
    status = t("in_shortlist", lang) if row.name in result.shortlist.index else \
        t("not_in_shortlist", lang)
    st.markdown(f"**{as_markdown(row['parcel_id'])}** · {as_markdown(row['league'])} "
                f"{as_markdown(row['banner'])} · "
                f"{t('score_layer', lang)} **{row['score']:.1f}** · {status}")
    if row["why"]:
        why = labels.why_text(row["why"], lang, synthetic_layers=row.get("synthetic", "") or "")
        st.markdown(f"{t('why', lang)}: {as_markdown(why)}")
    solar_labels = SOLAR_CLASS_LABELS_ZH if lang == "zh" else SOLAR_CLASS_LABELS_EN
    note = WIND_CLASS_NOTE_ZH if lang == "zh" else WIND_CLASS_NOTE_EN
    classes = []  # the resource class of the technology chosen (both for a hybrid)
    if builds_wind(result.scenario.tech):
        classes.append(f"{t('wind_class', lang)}: **{int(row['wind_cls'])}** "
                       f"({row['wpd50']:.0f} W/m²; {note})")
    if builds_pv(result.scenario.tech):
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
