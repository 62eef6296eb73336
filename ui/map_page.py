"""The map area: layer choices, the Folium map (static layers and result groups),
the latest click, the legend, and the details of the clicked parcel.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import streamlit as st

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
from ui import map_files, mapview, results
from ui import supply as supply_view
from ui.cache import (
    catalog,
    parcel_geometries,
    per_result,
    pixel_index,
    raster_overlay,
    vector_layer,
)
from ui.i18n import as_markdown, error_text, t
from ui.sitemap import site_map
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


def _static_layers(choice: MapChoice, layers, lang: str) -> list[dict]:
    """The chosen raster and vector layers of the run inputs ``layers`` = (key, Inputs):
    the user's file where the scenario replaces a bundled layer (each one entry in the
    layer control). Their data is served by the app, by URL."""
    cat = catalog()
    specs = []
    if choice.raster_id in cat:
        path = layers[1].sources.get(choice.raster_id, str(cat[choice.raster_id].path))
        overlay = raster_overlay(choice.raster_id, path)
        specs.append(mapview.image_layer(
            f"raster:{choice.raster_id}", cat[choice.raster_id].name(lang),
            url=map_files.publish(_png(choice.raster_id, path, overlay), ".png"),
            bounds=overlay.bounds, opacity=choice.opacity))
    for vid in choice.vector_ids:
        geojson, kind = vector_layer(vid, *layers)
        fields = mapview.VECTOR_DISPLAY.get(vid, (0.0, ()))[1]
        specs.append(mapview.vector_layer(
            f"vector:{vid}", cat[vid].name(lang), url=map_files.publish_json(geojson),
            kind=kind, color=cat[vid].display.get("color", "#333"),
            fill_opacity=0.0 if cat[vid].role == "context" else choice.fill_opacity,
            outline=mapview.OUTLINE_LAYERS.get(vid), tooltip=[(f, "") for f in fields]))
    return specs


@st.cache_data(show_spinner=False, max_entries=32)
def _png(layer_id: str, path: str, _overlay) -> bytes:
    """The PNG of a raster overlay (once per layer and file)."""
    return map_files.png_bytes(_overlay.image)


def _spec(choice: MapChoice, layer_specs: list[dict]) -> dict:
    spec = mapview.map_spec(layer_specs, height=MAP_HEIGHT_PX, basemap=mapview.basemap_tiles(
        choice.basemap, tianditu_key=choice.tianditu_key))
    remote = mapview.remote_urls(spec)
    if remote:
        raise SitingError(f"map would load remote data {remote}; refusing (offline app)",
                          zh=f"地图将从外部加载数据 {remote}，已拒绝（离线应用）")
    return spec


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


@st.cache_resource(show_spinner=False, max_entries=4)
def _index_png(key: str, _pixels) -> bytes:
    """The parcels' pixel index as the PNG the browser decodes (once per parcel set)."""
    return map_files.png_bytes(mapview.index_image(_pixels))


def _result_layers(result, prep, choice: MapChoice, lang: str, show_shortlist: bool,
                   show_bases: bool) -> list[dict]:
    """The result layers: parcel values (score or excluded fraction), shortlist, bases."""
    from siting.fields import label

    specs = []
    if choice.raster_id in ("score", "excl"):
        key = geometry_key(prep)
        pixels = pixel_index(key, prep.parcels)
        if choice.raster_id == "score":
            codes = mapview.parcel_codes(result.parcels["score"].to_numpy(),
                                         vmin=colours.SCORE_MIN, vmax=colours.SCORE_MAX,
                                         hide_zero=True)
            palette = mapview.code_palette(colours.score_cmap())
        else:
            codes = mapview.parcel_codes(result.parcels["excl_frac"].to_numpy(), vmin=0, vmax=1)
            palette = mapview.code_palette("Greys")
        specs.append(mapview.parcels_layer(
            choice.raster_id, t(f"{choice.raster_id}_layer", lang),
            index_url=map_files.publish(_index_png(key, pixels), ".png"), bounds=pixels.bounds,
            codes=codes, palette=palette, opacity=choice.opacity))
    if show_shortlist:
        key = geometry_key(prep)
        url = per_result("_map_shortlist", result, key, lambda: map_files.publish(
            mapview.shortlist_json(map_subset(result.shortlist, result.scenario.shortlist.size),
                                   parcel_geometries(key, prep.parcels).geometries), ".json"))
        fields = ("parcel_id", "score", "base_id", "league")
        specs.append(mapview.shortlist_layer(t("show_shortlist", lang), url=url,
                                             tooltip=[(f, label(f, lang)) for f in fields]))
    if show_bases:
        url = per_result("_map_bases", result, lang, lambda: map_files.publish_json(
            results.bases_geojson(result.bases, lang)))
        names = {"cap_gw": t("cap_gw", lang), "land": label("land_type", lang)}
        fields = ("base_id", "cap_gw", "league", "land")
        specs.append(mapview.bases_layer(t("show_bases", lang), url=url, bases=result.bases,
                                         tooltip=[(f, names.get(f) or label(f, lang))
                                                  for f in fields]))
    return specs


def draw_map(result, prep, choice: MapChoice, layers, lang):
    """Show the map; returns the clicked point or None.

    The map is a component on Leaflet (``ui.sitemap``): the chosen layers go by URL,
    the parcel values as one code per parcel, so a weight change sends a few kB and
    the browser recolours the parcels in place; a click reruns only this fragment and
    sends the same small spec (the browser keeps the map as it is).
    """
    show_shortlist = bool(st.session_state.get("show_shortlist", True))
    show_bases = bool(st.session_state.get("show_bases", True))
    wanted = (choice, layers[0], lang, geometry_key(prep), show_shortlist, show_bases)
    spec = per_result("_map_spec", result, wanted, lambda: _spec(
        choice, _static_layers(choice, layers, lang)
        + _result_layers(result, prep, choice, lang, show_shortlist, show_bases)))
    return latest_click(site_map(spec, key="map"))


def latest_click(value):
    """The most recent click on the map (``{"lat", "lng"}``), kept for the session."""
    if value and value.get("n") != st.session_state.get("map_click_n"):
        st.session_state["map_click_n"] = value.get("n")
        st.session_state["clicked_point"] = {"lat": value["lat"], "lng": value["lng"]}
    return st.session_state.get("clicked_point")


def draw_layers_only(choice: MapChoice, layers, lang):
    """The map with bundled layers only (shown while results are computed)."""
    site_map(_spec(choice, _static_layers(choice, layers, lang)), key="map_first")


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
